//! Compose files, the second file kind: the [`ComposeRule`] trait, the
//! [`ComposeContext`] a rule sees, and the check and fix loop.
//!
//! The loop is the Dockerfile engine's ([`crate::engine`]): the same fix
//! picking (`pick_fixes`), applicability, round limit and errors. What
//! differs is the model and the check after each round: the new text must
//! parse as YAML, still be a Compose file, and have the same services in the
//! same order (the model must agree with the old one plus the edit).
//!
//! Submodules: [`build`] (the Dockerfile a service builds, and what its
//! image does), [`data`] (image facts), [`style`] (indentation, sequence
//! style, line ending), [`edits`] (byte-exact insertions and deletions),
//! [`guards`] (what a fix must not touch), [`include`] (the files
//! `include:` pulls in), [`suppression`] (`# dfix:
//! ignore=`), [`rules`] (one rule per file, `DF5xx`).

pub mod build;
pub mod data;
pub mod edits;
pub mod guards;
pub mod include;
pub mod rules;
pub mod style;
pub mod suppression;

use std::sync::Arc;

use dfix_grammar::compose::ComposeFile;
use dfix_grammar::ParseError;

use crate::diagnostic::Diagnostic;
use crate::engine::{fix_rounds, Applied, FixError, FixableText};
use crate::rule::{Facts, OptionValue, RuleMeta, RuleOptions};
use crate::settings::Settings;

pub use data::ComposeData;
pub use style::YamlStyle;

/// A Compose rule: static metadata and a check over a [`ComposeContext`].
/// Implementations are unit structs listed once in [`rules::ALL`].
pub trait ComposeRule: Sync {
    /// The rule's metadata.
    fn meta(&self) -> &'static RuleMeta;
    /// Finds problems in `ctx.file`; fixes are attached to the findings.
    fn check(&self, ctx: &ComposeContext) -> Vec<Diagnostic>;
}

/// Everything a Compose rule sees while checking one file.
pub struct ComposeContext<'a> {
    /// The parsed file.
    pub file: &'a ComposeFile,
    /// The options configured for the running rule (empty when none).
    pub options: &'a RuleOptions,
    /// Data from the outside world (digests, override files, image data).
    pub facts: &'a Facts,
    /// The file's layout, for fixes that write new text.
    pub style: &'a YamlStyle,
}

impl<'a> ComposeContext<'a> {
    /// The image facts: the application's, else the built-in ones.
    pub fn data(&self) -> &'a ComposeData {
        match &self.facts.compose_data {
            Some(d) => d,
            None => ComposeData::builtin(),
        }
    }

    /// The source text.
    pub fn source(&self) -> &'a str {
        self.file.source()
    }

    /// A string option, or `default` when unset.
    pub fn option_str<'b>(&'b self, key: &str, default: &'b str) -> &'b str {
        match self.options.get(key) {
            Some(OptionValue::Str(s)) => s,
            _ => default,
        }
    }

    /// What the image service `service` builds does (its Dockerfile, as
    /// dfix fixes it), when the application could read it.
    pub fn built(&self, service: &str) -> Option<&'a build::BuiltImage> {
        self.facts.compose_builds.get(service)
    }

    /// True when the file or an override of it has a top-level `include:`
    /// whose files the application did not all read: they may add
    /// services, networks and secrets, and Compose refuses a resource
    /// defined twice, so rules that judge the whole project or write
    /// top-level resources hold back.
    pub fn includes_unseen(&self) -> bool {
        !self.facts.compose_includes_read && self.has_top_level("include")
    }

    /// The files the project is made of: this one, its overrides, and the
    /// files they include (as read by the application).
    pub fn project_files(&self) -> impl Iterator<Item = &'a ComposeFile> {
        std::iter::once(self.file).chain(
            self.facts
                .compose_overrides
                .iter()
                .chain(&self.facts.compose_includes)
                .map(|f| f.as_ref()),
        )
    }

    /// The files `include:` pulls in, as read by the application.
    pub fn included_files(&self) -> impl Iterator<Item = &'a ComposeFile> {
        self.facts.compose_includes.iter().map(|f| f.as_ref())
    }

    /// True when a file of the project (this one, an override, an included
    /// file) has the top-level `key`.
    pub fn has_top_level(&self, key: &str) -> bool {
        self.project_files()
            .any(|f| f.top().is_some_and(|t| t.get(key).is_some()))
    }

    /// True when an included file defines `name` in its top-level `kind`
    /// mapping (`secrets`, `networks` ...): this file may use it as it is,
    /// and must not define it again.
    pub fn included_defines(&self, kind: &str, name: &str) -> bool {
        self.included_files().any(|f| {
            f.top()
                .and_then(|t| t.get(kind))
                .and_then(|p| p.value.as_ref())
                .and_then(|v| v.as_map())
                .is_some_and(|m| m.get(name).is_some())
        })
    }

    /// True when an override file merged on top of this one (the same
    /// folder's `compose.override.yaml`) sets `key` in service `service`:
    /// the merged model then decides, and rules judging `key` stay silent.
    pub fn overridden(&self, service: &str, key: &str) -> bool {
        self.facts.compose_overrides.iter().any(|o| {
            o.services()
                .iter()
                .any(|s| s.name == service && (s.get(key).is_some() || s.map().is_none()))
        })
    }

    /// The tags override files put on `key` of service `service`.
    fn override_tags(&self, service: &str, key: &str) -> Vec<String> {
        self.facts
            .compose_overrides
            .iter()
            .flat_map(|o| {
                o.services()
                    .iter()
                    .filter(|s| s.name == service)
                    .filter_map(|s| s.get(key)?.value.as_ref()?.tag.clone())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// True when an override file writes `key: !reset ...` in service
    /// `service`: the merged model has no `key`, whatever this file says.
    /// A rule that asks for the key reports it missing, without a fix (a
    /// key written here would be reset again).
    pub fn reset(&self, service: &str, key: &str) -> bool {
        self.override_tags(service, key)
            .iter()
            .any(|t| t == "!reset")
    }

    /// True when an override file resets (`!reset`) or replaces
    /// (`!override`) `key` of service `service`: the items this file lists
    /// are not in the merged model (a plain override appends to most
    /// lists instead), so findings on them would be false.
    pub fn replaced(&self, service: &str, key: &str) -> bool {
        self.override_tags(service, key)
            .iter()
            .any(|t| t == "!reset" || t == "!override")
    }
}

static NO_OPTIONS: std::sync::LazyLock<RuleOptions> = std::sync::LazyLock::new(RuleOptions::new);

/// Runs the selected Compose rules on `file`; suppressed findings are dropped.
/// A file with a problem ([`ComposeFile::problem`]) gets no findings.
pub fn check_file(file: &ComposeFile, settings: &Settings, facts: &Facts) -> Vec<Diagnostic> {
    if !file.is_ok() {
        return Vec::new();
    }
    let style = YamlStyle::of(file);
    let suppressions = suppression::ComposeSuppressions::parse(file);
    let mut out = Vec::new();
    for rule in &settings.compose_rules {
        let meta = rule.meta();
        let ctx = ComposeContext {
            file,
            options: settings.rule_options.get(meta.name).unwrap_or(&NO_OPTIONS),
            facts,
            style: &style,
        };
        out.extend(
            rule.check(&ctx)
                .into_iter()
                .filter(|d| !suppressions.is_suppressed(file, d)),
        );
    }
    out.sort_by_key(|d| d.span.start);
    out
}

/// The result of fixing one Compose file.
pub struct ComposeFixed {
    /// The fixed file (its source is the output text).
    pub file: ComposeFile,
    /// The fixes applied, in order.
    pub applied: Vec<Applied>,
    /// The findings left in the fixed file.
    pub remaining: Vec<Diagnostic>,
    /// How many rounds applied fixes.
    pub rounds: usize,
}

impl ComposeFixed {
    /// The fixed text.
    pub fn output(&self) -> &str {
        self.file.source()
    }
}

/// The service names, in order: what every edit must keep.
fn service_names(file: &ComposeFile) -> Vec<String> {
    file.services().iter().map(|s| s.name.to_string()).collect()
}

/// Fixes `source` round after round until no allowed fix is left. A file
/// with a YAML error, or one that is not a Compose file, is refused
/// ([`FixError::BrokeParse`] with no rules: the input's own problem).
pub fn fix(source: &str, settings: &Settings, facts: &Facts) -> Result<ComposeFixed, FixError> {
    let file = ComposeFile::parse(source);
    if let Some(p) = file.problem() {
        return Err(FixError::BrokeParse {
            rules: Vec::new(),
            errors: vec![p.clone()],
        });
    }
    let names = service_names(&file);
    let done = fix_rounds(
        file,
        settings,
        |f| check_file(f, settings, facts),
        |text| {
            let next = ComposeFile::parse(text);
            let mut broken: Vec<ParseError> = next.problem().cloned().into_iter().collect();
            if broken.is_empty() && service_names(&next) != names {
                broken.push(ParseError {
                    line: 1,
                    message: "the services changed".into(),
                });
            }
            (next, broken)
        },
    )?;
    Ok(ComposeFixed {
        file: done.parsed,
        applied: done.applied,
        remaining: done.remaining,
        rounds: done.rounds,
    })
}

impl FixableText for ComposeFile {
    fn text(&self) -> &str {
        self.source()
    }
}

/// Shared override files, as the application passes them in [`Facts`].
pub type Overrides = Vec<Arc<ComposeFile>>;

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_broken_and_foreign_files() {
        let s = Settings::default();
        let e = fix("services:\n  a: [\n", &s, &Facts::new()).err().unwrap();
        assert!(matches!(e, FixError::BrokeParse { ref rules, .. } if rules.is_empty()));
        assert!(fix("- 1\n", &s, &Facts::new()).is_err());
    }

    #[test]
    fn round_trip_without_rules_is_byte_exact() {
        let s = Settings {
            compose_rules: Vec::new(),
            ..Settings::default()
        };
        let text = "# c\r\nservices:\r\n  a:  # x\r\n    image: 'n'\r\n";
        assert_eq!(fix(text, &s, &Facts::new()).unwrap().output(), text);
    }
}
