//! The command line, as in DESIGN.md's contract.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// dfix: fixes Dockerfiles. Safe fixes in place by default; `--diff` and
/// `--check` write nothing; `-` reads stdin and writes the fixed file to stdout.
#[derive(Debug, Parser)]
#[command(name = "dfix", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// A subcommand; without one, dfix fixes the PATHs.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of the fix/diff/check run.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Options of the default mode (fix, `--diff`, `--check`).
#[derive(Debug, Args, Default)]
pub struct RunArgs {
    /// Files or directories (default: `.`); `-` reads stdin and writes to stdout.
    pub paths: Vec<PathBuf>,
    /// Write nothing; print a unified diff of the fixes; exit 1 if anything would change.
    #[arg(long, conflicts_with = "check")]
    pub diff: bool,
    /// Write nothing; list the findings; exit 1 if there are any.
    #[arg(long)]
    pub check: bool,
    /// Also apply fixes that may change behaviour.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Rules to run: dfix ids, id prefixes, rule names, aliases (DL3020,
    /// DS-0005, FromAsCasing, CKV_DOCKER_4) or ALL. Comma-separated; replaces
    /// the config's `select`.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub select: Vec<String>,
    /// Rules not to run (same forms as --select); added to the config's `ignore`.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub ignore: Vec<String>,
    /// Never use the network.
    #[arg(long)]
    pub offline: bool,
    /// Use this config file instead of the nearest dfix.toml / .dfix.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// With `-`: the path of the text on stdin, for config lookup and messages.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// How findings are printed.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output_format: OutputFormat,
}

/// Output formats for findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    /// `path:line:col: ID message [*]` and a summary.
    #[default]
    Text,
    /// A JSON array of findings with their fixes.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the rules.
    Rules {
        /// `text` or `json`.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        output_format: OutputFormat,
    },
    /// Print a rule's documentation (by id, name or alias).
    Explain {
        /// dfix id, rule name or alias (DL3020, FromAsCasing, ...).
        id: String,
    },
    /// Print the parsed instructions.
    Parse {
        /// As JSON (`{"instructions": [...], "errors": [...]}`).
        #[arg(long)]
        json: bool,
        /// The Dockerfile.
        path: PathBuf,
    },
}
