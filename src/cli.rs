//! The command line, as in DESIGN.md's contract.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// dfix: fixes Dockerfiles. Safe fixes in place by default; `--diff` and
/// `--check` write nothing; `-` reads stdin and writes the fixed file to stdout.
#[derive(Debug, Parser)]
#[command(
    name = "dfix",
    version,
    args_conflicts_with_subcommands = true,
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// A subcommand; without one, dfix fixes the PATHs.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of the fix/diff/check run.
    #[command(flatten)]
    pub run: RunArgs,
}

/// The file kinds and the exit-code table, shown by `--help` (README.md
/// has the same table).
const AFTER_HELP: &str = "\
Files: directories are searched for Dockerfile, Containerfile, *.Dockerfile,
Dockerfile.* and Containerfile.*. A file that is not a Dockerfile (by its name:
compose.yaml, *.yml, *.json, *.sh, *.md, ...; or by its content: it does not
start with FROM and is mostly unknown instructions) is skipped with a one-line
message and left unchanged. A Dockerfile with an instruction BuildKit does not
know (RNU for RUN) is an error naming the file and line, left unchanged.

Exit codes:
  0  Fix mode: nothing remains (every finding fixed, or none). --check: no
     findings. --diff: nothing would change. Stdin fix mode (-): the file was
     printed, findings or not. Skipped files of another kind do not count
     when other files were processed.
  1  Fix mode: findings remain after fixing (with --exit-non-zero-on-fix, also
     when anything was fixed). --check: findings. --diff: something would
     change. A registry digest look-up failed (not in stdin fix mode).
     --exit-zero turns 1 into 0.
  2  Error, the file left unchanged: unreadable, binary or not UTF-8, a parse
     error, an unknown instruction, an invalid config or option, a fix that
     failed. Also when every file given is of another kind (dfix compose.yaml,
     or stdin with a text that is not a Dockerfile: nothing is printed).";

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
    /// Rewrite pinned digests that their tag no longer serves.
    #[arg(long)]
    pub refresh_pins: bool,
    /// Use this config file instead of the nearest dfix.toml / .dfix.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// With `-`: the path of the text on stdin, for config lookup and messages.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// How findings are printed.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output_format: OutputFormat,
    /// Exit 0 even when findings remain or changes would be made (errors
    /// still exit 2).
    #[arg(long, conflicts_with = "exit_non_zero_on_fix")]
    pub exit_zero: bool,
    /// In fix mode, also exit 1 when anything was fixed, even if no finding
    /// remains (stdin mode still exits 0 when it prints the file).
    #[arg(long)]
    pub exit_non_zero_on_fix: bool,
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
    /// Build and run each Dockerfile as written and as fixed, and report
    /// whether the fixes kept the image working.
    Verify(Box<VerifyArgs>),
    /// Run the language server (LSP over stdin/stdout, for editors):
    /// diagnostics, quick fixes, fix-all and formatting, as the CLI gives
    /// them, never using the network.
    Server,
}

/// Options of `dfix verify`.
///
/// Each Dockerfile is built twice with a container engine (as written, or
/// as it was at `--base`, and as dfix fixes it, written to a temporary
/// file: the Dockerfile itself is never changed), each image is run (its
/// own command, or `--smoke`), and the report gives per Dockerfile: whether
/// each builds and runs, the user the fixed image really runs as, sizes and
/// layer counts before and after. Exit codes: 0 no regression, 1 a fixed
/// image fails where the original worked (or `--smoke` prints something
/// else), 2 an original that does not build or run (not a regression of
/// the fix) or an error.
///
/// Engines: buildah is tested for real by dfix's own test suite (as root,
/// with `BUILDAH_ISOLATION=chroot`); podman and docker are driven through the
/// same command lines (`build -f`, `image inspect`, `run`, `cp`, `rmi`),
/// which are unit-tested but not run in dfix's tests (no Docker engine and
/// no working `podman run` on its CI machines).
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Dockerfiles or folders to search (default: `.`).
    pub paths: Vec<PathBuf>,
    /// The container engine (default: the first of buildah, podman, docker
    /// found on PATH).
    #[arg(long, value_enum)]
    pub engine: Option<crate::verify::builder::Engine>,
    /// Run this command in both images instead of their CMD (as `docker run
    /// IMAGE CMD` would) and compare what it prints.
    #[arg(long, value_name = "CMD")]
    pub smoke: Option<String>,
    /// Build the Dockerfile as it was at this git revision as the "before".
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// The build context (default: the Dockerfile's folder).
    #[arg(long, value_name = "DIR")]
    pub context: Option<PathBuf>,
    /// Seconds a container may run; one still running then is stopped and
    /// counts as started (a server).
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub run_timeout: u64,
    /// Seconds a build may take.
    #[arg(long, default_value_t = 1800, value_name = "SECONDS")]
    pub build_timeout: u64,
    /// A build argument for both builds, as `docker build --build-arg`
    /// takes it (`NAME=VALUE`, or `NAME` from the environment).
    #[arg(long, value_name = "NAME[=VALUE]")]
    pub build_arg: Vec<String>,
    /// A build secret for both builds, as `docker build --secret` takes it
    /// (`id=NAME,env=VAR` or `id=NAME,src=FILE`): what a build needs once
    /// dfix has turned a secret ARG into a secret mount.
    #[arg(long, value_name = "SPEC")]
    pub secret: Vec<String>,
    /// Keep the images built (tagged `localhost/dfix-verify-…:before` and
    /// `:after`).
    #[arg(long)]
    pub keep_images: bool,
    /// Also apply fixes that may change behaviour.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Rules to run (as in the fix run).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub select: Vec<String>,
    /// Rules not to run.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub ignore: Vec<String>,
    /// Never use the network for digest look-ups.
    #[arg(long)]
    pub offline: bool,
    /// Use this config file instead of the nearest dfix.toml / .dfix.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// `text` or `json`.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub output_format: OutputFormat,
}
