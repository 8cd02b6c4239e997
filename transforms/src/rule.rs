//! The rule framework: metadata, the [`Rule`] trait, the [`Context`] a rule
//! sees, and the [`Facts`] the application passes in from the outside world.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use dfix_grammar::Document;

use crate::diagnostic::Diagnostic;
use crate::style::Style;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Style and consistency.
    Style,
    /// Worth knowing.
    Info,
    /// Likely a mistake or a bad practice.
    Warning,
    /// Wrong or dangerous.
    Error,
}

impl Severity {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Style => "style",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Whether a rule can fix what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FixAvailability {
    /// Never.
    None,
    /// In some cases (guards decide).
    Sometimes,
    /// Always.
    Always,
}

impl FixAvailability {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::None => "none",
            FixAvailability::Sometimes => "sometimes",
            FixAvailability::Always => "always",
        }
    }
}

/// The type of a per-rule option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// `true` / `false`.
    Bool,
    /// An integer.
    Int,
    /// A string; when `choices` is not empty, one of them.
    Str {
        /// The allowed values (empty: any string).
        choices: &'static [&'static str],
    },
    /// A list of strings.
    StrList,
}

/// A per-rule option a rule accepts (`[rules.<name>]` in the config).
#[derive(Debug, Clone, Copy)]
pub struct OptionMeta {
    /// The key, kebab-case.
    pub name: &'static str,
    /// Its type.
    pub kind: OptionKind,
    /// What it does and its default.
    pub doc: &'static str,
}

/// A per-rule option value: a toml-free copy of what the config holds.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
    /// A list.
    List(Vec<OptionValue>),
}

/// The options of one rule, by key.
pub type RuleOptions = BTreeMap<String, OptionValue>;

/// What a rule is: ids, names, documentation.
#[derive(Debug)]
pub struct RuleMeta {
    /// The dfix id, `DF` + three digits; the first digit is the category
    /// (0 syntax and style, 1 correctness and best practice, 2 security,
    /// 3 package managers, 4 multi-stage builds).
    pub id: &'static str,
    /// The kebab-case name, usable wherever an id is.
    pub name: &'static str,
    /// The ids of the same check in other tools: hadolint `DLxxxx`, Trivy
    /// `DS-xxxx` / `AVD-DS-xxxx`, BuildKit check names, Checkov `CKV_DOCKER_x`.
    pub aliases: &'static [&'static str],
    /// How bad a finding is.
    pub severity: Severity,
    /// One-line summary (used by `dfix rules` and SARIF).
    pub summary: &'static str,
    /// The ruff-style markdown documentation that `dfix explain` prints.
    pub doc: &'static str,
    /// Whether findings come with a fix.
    pub fix: FixAvailability,
    /// The per-rule options the rule reads.
    pub options: &'static [OptionMeta],
}

impl RuleMeta {
    /// True when `code` names this rule: its id, its name or one of its
    /// aliases (ASCII case-insensitive; Trivy's `AVD-` prefix is optional).
    pub fn is_named(&self, code: &str) -> bool {
        let code = code.trim();
        if code.eq_ignore_ascii_case(self.id) || code.eq_ignore_ascii_case(self.name) {
            return true;
        }
        self.aliases.iter().any(|a| {
            a.eq_ignore_ascii_case(code)
                || code.get(4..).is_some_and(|rest| {
                    code[..4].eq_ignore_ascii_case("AVD-") && a.eq_ignore_ascii_case(rest)
                })
        })
    }

    /// The option declaration for `key`, if the rule has that option.
    pub fn option(&self, key: &str) -> Option<&'static OptionMeta> {
        self.options.iter().find(|o| o.name == key)
    }
}

/// Outcome of looking up the digest an image reference points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestLookup {
    /// The registry serves this manifest (index) digest for the reference.
    Found(String),
    /// The registry says the reference does not exist.
    NotFound,
    /// The look-up failed (network, auth, ...): the message says why.
    Failed(String),
}

/// Data from the outside world, gathered by the application before the
/// rules run (the rules themselves never do I/O).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Facts {
    /// Digest look-ups by image reference as written in the Dockerfile.
    pub digests: HashMap<String, DigestLookup>,
    /// Files of the build context (paths relative to the context root),
    /// when known. Shared: every Dockerfile of a folder has the same ones,
    /// and copying them per file was 5% of a `--check` run.
    pub context_files: Option<std::sync::Arc<BTreeSet<String>>>,
    /// What the build context's manifests say (Cargo.toml, package.json,
    /// go.mod, pom.xml), when known; shared like `context_files`.
    pub context: Option<std::sync::Arc<crate::context::BuildContext>>,
    /// The whole build context and its ignore file, for the
    /// `.dockerignore` rules, when known.
    pub listing: Option<std::sync::Arc<crate::context::ContextListing>>,
    /// Recipes for the multi-stage split (the built-in ones when `None`;
    /// the application passes the built-in ones merged with the config's
    /// `[multistage]` table).
    pub multistage: Option<std::sync::Arc<crate::multistage::Recipes>>,
    /// Facts about official base images (the built-in ones when `None`;
    /// the application passes them merged with the config's `[bases]`).
    pub bases: Option<std::sync::Arc<crate::bases::BaseImages>>,
    /// Today's date, `YYYY-MM-DD`, for end-of-life dates (the data's own
    /// date when `None`, so that results do not depend on the clock).
    pub today: Option<String>,
    /// Image families and the users they ship, for the non-root rules (the
    /// built-in data when `None`; the application passes the built-in data
    /// merged with the config's `[nonroot]` table). Data, not a global, so
    /// two files with two configs (two workspaces of one language server)
    /// each see their own.
    pub images: Option<std::sync::Arc<crate::users::db::ImageDb>>,
    /// Image facts for the Compose rules (the built-in data when `None`;
    /// the application passes it merged with the config's `[compose]`).
    pub compose_data: Option<std::sync::Arc<crate::compose::ComposeData>>,
    /// Override files Compose merges on top of the file being checked
    /// (`compose.override.yaml` beside `compose.yaml`): findings are judged
    /// on the merged model, edits go to the file being fixed.
    pub compose_overrides: Vec<std::sync::Arc<dfix_grammar::compose::ComposeFile>>,
    /// The files the Compose file's top-level `include:` pulls into its
    /// project (and those they include), parsed: their services, networks
    /// and secrets belong to the same project.
    pub compose_includes: Vec<std::sync::Arc<dfix_grammar::compose::ComposeFile>>,
    /// True when the application read every file `include:` names (the
    /// file's and its overrides'). False by default: an `include:` whose
    /// files are unknown holds back rules that judge the whole project.
    pub compose_includes_read: bool,
    /// The files in the `secrets/` folder beside the Compose file (names,
    /// `x.txt`), when the application writes the files a fix creates there
    /// (the command line on files; not stdin mode or an editor). A secret
    /// moved out of `environment` then keeps its value in a new
    /// `secrets/<name>.txt`; `None`: the fix asks the user to create it.
    pub compose_secret_files: Option<std::collections::BTreeSet<String>>,
    /// What the images the Compose file's services build do, by service
    /// name: read from each service's Dockerfile after dfix's own fixes
    /// (the user it ends with, the secrets it mounts). A service whose
    /// Dockerfile is missing or unreadable has no entry.
    pub compose_builds: HashMap<String, crate::compose::build::BuiltImage>,
}

impl Facts {
    /// No facts: what a rule sees offline and without a build context.
    pub fn new() -> Facts {
        Facts::default()
    }

    /// The image database of the non-root rules (`data/images.toml` with
    /// the config's `[nonroot]`): the application's, else the built-in
    /// data.
    pub fn image_db(&self) -> &crate::users::db::ImageDb {
        match &self.images {
            Some(db) => db,
            None => crate::users::builtin_image_db(),
        }
    }
}

/// Everything a rule sees while checking one document.
pub struct Context<'a> {
    /// The parsed Dockerfile.
    pub doc: &'a Document,
    /// The options configured for the running rule (empty when none).
    pub options: &'a RuleOptions,
    /// Data from the outside world.
    pub facts: &'a Facts,
    /// The document's layout conventions, for fixes that write new text.
    pub style: &'a Style,
}

impl<'a> Context<'a> {
    /// The base image facts: the application's, else the built-in ones.
    pub fn bases(&self) -> &'a crate::bases::BaseImages {
        match &self.facts.bases {
            Some(b) => b,
            None => crate::bases::BaseImages::builtin(),
        }
    }

    /// Today's date for end-of-life checks.
    pub fn today(&self) -> &'a str {
        match &self.facts.today {
            Some(t) => t,
            None => &self.bases().facts_date,
        }
    }

    /// The source text.
    pub fn source(&self) -> &'a str {
        self.doc.source()
    }

    /// The image database of the non-root rules: the facts' one, else the
    /// built-in data.
    pub fn images(&self) -> &'a crate::users::db::ImageDb {
        self.facts.image_db()
    }

    /// A string option, or `default` when unset.
    pub fn option_str<'b>(&'b self, key: &str, default: &'b str) -> &'b str {
        match self.options.get(key) {
            Some(OptionValue::Str(s)) => s,
            _ => default,
        }
    }

    /// A list-of-strings option, empty when unset.
    pub fn option_strs(&self, key: &str) -> Vec<&str> {
        match self.options.get(key) {
            Some(OptionValue::List(items)) => items
                .iter()
                .filter_map(|i| match i {
                    OptionValue::Str(s) => Some(s.as_str()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A boolean option, or `default` when unset.
    pub fn option_bool(&self, key: &str, default: bool) -> bool {
        match self.options.get(key) {
            Some(OptionValue::Bool(b)) => *b,
            _ => default,
        }
    }
}

/// A rule: static metadata and a check that returns findings (with fixes).
///
/// Implementations are unit structs listed once in [`crate::rules::ALL`].
pub trait Rule: Sync {
    /// The rule's metadata.
    fn meta(&self) -> &'static RuleMeta;
    /// Finds problems in `ctx.doc`; fixes are attached to the findings.
    fn check(&self, ctx: &Context) -> Vec<Diagnostic>;
}
