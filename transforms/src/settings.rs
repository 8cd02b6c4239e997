//! Which rules run and how: selection by id, prefix, name or alias, and the
//! per-rule options.

use std::collections::HashMap;

use crate::compose::{self, ComposeRule};
use crate::rule::{OptionKind, OptionValue, Rule, RuleMeta, RuleOptions};
use crate::rules;

/// A selector that names no rule, or a bad per-rule option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsError {
    /// `select`/`ignore` entry that matches no rule.
    UnknownSelector(String),
    /// `[rules.<name>]` for a rule that does not exist.
    UnknownRule(String),
    /// An option the rule does not have.
    UnknownOption {
        /// The rule's name.
        rule: String,
        /// The option key.
        key: String,
    },
    /// An option with a value of the wrong type or not among the choices.
    InvalidOption {
        /// The rule's name.
        rule: String,
        /// The option key.
        key: String,
        /// What was expected.
        expected: String,
    },
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SettingsError::UnknownSelector(s) => write!(f, "unknown rule selector `{s}`"),
            SettingsError::UnknownRule(s) => write!(f, "unknown rule `{s}` in `rules`"),
            SettingsError::UnknownOption { rule, key } => {
                write!(f, "unknown option `rules.{rule}.{key}`")
            }
            SettingsError::InvalidOption {
                rule,
                key,
                expected,
            } => write!(f, "option `rules.{rule}.{key}`: expected {expected}"),
        }
    }
}

impl std::error::Error for SettingsError {}

/// True when `selector` selects `meta`: `ALL`, a prefix of the dfix id
/// (`DF`, `DF1`, `DF101`), the rule's name, or one of its aliases.
pub fn selects(selector: &str, meta: &RuleMeta) -> bool {
    let s = selector.trim();
    if s.eq_ignore_ascii_case("ALL") {
        return true;
    }
    if s.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("DF"))
        && meta
            .id
            .get(..s.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(s))
    {
        return true;
    }
    meta.is_named(s)
}

/// The rules a selector names, in registry order.
pub fn rules_for(selector: &str) -> Vec<&'static dyn Rule> {
    rules::ALL
        .iter()
        .copied()
        .filter(|r| selects(selector, r.meta()))
        .collect()
}

/// Every rule's metadata, both kinds: the Dockerfile rules in id order, then
/// the Compose rules (`DF5xx`) in id order. `dfix rules`, `explain` and
/// SARIF list this.
pub fn all_metas() -> Vec<&'static RuleMeta> {
    let mut all: Vec<&'static RuleMeta> = rules::ALL.iter().map(|r| r.meta()).collect();
    all.extend(compose::rules::ALL.iter().map(|r| r.meta()));
    all.sort_by_key(|m| m.id);
    all
}

/// The metadata of every rule (both kinds) a selector names, in id order.
pub fn metas_for(selector: &str) -> Vec<&'static RuleMeta> {
    all_metas()
        .into_iter()
        .filter(|m| selects(selector, m))
        .collect()
}

/// How the rules run for one file.
#[derive(Clone)]
pub struct Settings {
    /// The rules that run, in registry order.
    pub rules: Vec<&'static dyn Rule>,
    /// The Compose rules that run, in registry order.
    pub compose_rules: Vec<&'static dyn ComposeRule>,
    /// Apply unsafe fixes too.
    pub unsafe_fixes: bool,
    /// Do not use the network (passed through to the application's look-ups).
    pub offline: bool,
    /// Per-rule options, by rule name.
    pub rule_options: HashMap<&'static str, RuleOptions>,
}

impl Default for Settings {
    /// The default selection (every rule but the opt-in ones, see
    /// [`rules::OPT_IN`]), safe fixes only, no options.
    fn default() -> Self {
        Settings {
            rules: rules::ALL
                .iter()
                .copied()
                .filter(|r| !rules::is_opt_in(r.meta().id))
                .collect(),
            compose_rules: compose::rules::ALL.to_vec(),
            unsafe_fixes: false,
            offline: false,
            rule_options: HashMap::new(),
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field(
                "rules",
                &self.rules.iter().map(|r| r.meta().id).collect::<Vec<_>>(),
            )
            .field(
                "compose_rules",
                &self
                    .compose_rules
                    .iter()
                    .map(|r| r.meta().id)
                    .collect::<Vec<_>>(),
            )
            .field("unsafe_fixes", &self.unsafe_fixes)
            .field("offline", &self.offline)
            .field("rule_options", &self.rule_options)
            .finish()
    }
}

impl Settings {
    /// Selects rules: everything `select` names (every rule when `select`
    /// is empty), minus everything `ignore` names. Opt-in rules (see
    /// [`rules::OPT_IN`]) are selected only by their id, name or an alias.
    /// Selectors that name no rule are an error, so that typos do not
    /// silently select nothing.
    pub fn with_selection(
        mut self,
        select: &[String],
        ignore: &[String],
    ) -> Result<Settings, SettingsError> {
        for s in select.iter().chain(ignore) {
            if metas_for(s).is_empty() {
                return Err(SettingsError::UnknownSelector(s.clone()));
            }
        }
        self.rules = rules::ALL
            .iter()
            .copied()
            .filter(|r| {
                let m = r.meta();
                if rules::is_opt_in(m.id) {
                    // Only a selector naming the rule itself: `ALL` and
                    // area prefixes leave it off, as ruff's `ALL` leaves
                    // preview rules off.
                    select.iter().any(|s| m.is_named(s))
                } else {
                    select.is_empty() || select.iter().any(|s| selects(s, m))
                }
            })
            .filter(|r| !ignore.iter().any(|s| selects(s, r.meta())))
            .collect();
        self.compose_rules = compose::rules::ALL
            .iter()
            .copied()
            .filter(|r| select.is_empty() || select.iter().any(|s| selects(s, r.meta())))
            .filter(|r| !ignore.iter().any(|s| selects(s, r.meta())))
            .collect();
        Ok(self)
    }

    /// Sets the options of the rule named `rule` (its name, id or alias),
    /// checking every key and value against the rule's declared options.
    pub fn with_rule_options(
        mut self,
        rule: &str,
        options: RuleOptions,
    ) -> Result<Settings, SettingsError> {
        let Some(meta) = all_metas()
            .into_iter()
            .find(|m| m.name == rule || m.id.eq_ignore_ascii_case(rule))
        else {
            return Err(SettingsError::UnknownRule(rule.to_string()));
        };
        for (key, value) in &options {
            let Some(decl) = meta.option(key) else {
                return Err(SettingsError::UnknownOption {
                    rule: meta.name.to_string(),
                    key: key.clone(),
                });
            };
            let ok = match (decl.kind, value) {
                (OptionKind::Bool, OptionValue::Bool(_)) => true,
                (OptionKind::Int, OptionValue::Int(_)) => true,
                (OptionKind::Str { choices }, OptionValue::Str(s)) => {
                    choices.is_empty() || choices.contains(&s.as_str())
                }
                (OptionKind::StrList, OptionValue::List(items)) => {
                    items.iter().all(|i| matches!(i, OptionValue::Str(_)))
                }
                _ => false,
            };
            if !ok {
                let expected = match decl.kind {
                    OptionKind::Bool => "a boolean".to_string(),
                    OptionKind::Int => "an integer".to_string(),
                    OptionKind::Str { choices: [] } => "a string".to_string(),
                    OptionKind::Str { choices } => format!("one of {}", choices.join(", ")),
                    OptionKind::StrList => "a list of strings".to_string(),
                };
                return Err(SettingsError::InvalidOption {
                    rule: meta.name.to_string(),
                    key: key.clone(),
                    expected,
                });
            }
        }
        self.rule_options.insert(meta.name, options);
        Ok(self)
    }

    /// True when the rule with this id runs.
    pub fn is_enabled(&self, id: &str) -> bool {
        self.rules.iter().any(|r| r.meta().id == id)
            || self.compose_rules.iter().any(|r| r.meta().id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(s: &Settings) -> Vec<&'static str> {
        s.rules.iter().map(|r| r.meta().id).collect()
    }

    #[test]
    fn select_by_alias_prefix_and_name() {
        let s = Settings::default()
            .with_selection(&["DL3020".into()], &[])
            .unwrap();
        assert_eq!(ids(&s), ["DF101"]);
        let s = Settings::default()
            .with_selection(&["MultipleInstructionsDisallowed".into()], &[])
            .unwrap();
        assert_eq!(ids(&s), ["DF102", "DF103", "DF104"]);
        let s = Settings::default()
            .with_selection(&["DF0".into()], &["from-as-casing".into()])
            .unwrap();
        assert!(ids(&s).iter().all(|i| i.starts_with("DF0")));
        assert!(!ids(&s).contains(&"DF002"));
        let s = Settings::default()
            .with_selection(
                &["ALL".into()],
                &["AVD-DS-0005".into(), "CKV_DOCKER_6".into()],
            )
            .unwrap();
        assert!(!ids(&s).contains(&"DF101"));
        assert!(!ids(&s).contains(&"DF005"));
        assert_eq!(ids(&s).len(), rules::ALL.len() - 2 - rules::OPT_IN.len());
    }

    #[test]
    fn opt_in_rules_run_only_when_selected() {
        let default = Settings::default().with_selection(&[], &[]).unwrap();
        assert!(!ids(&default).contains(&"DF144"));
        assert!(!ids(&Settings::default()).contains(&"DF144"));
        for sel in ["DL3057", "missing-healthcheck", "DF144", "CKV_DOCKER_2"] {
            let s = Settings::default()
                .with_selection(&[sel.into()], &[])
                .unwrap();
            assert!(ids(&s).contains(&"DF144"), "{sel}");
        }
        for sel in ["DF1", "DF", "ALL"] {
            let s = Settings::default()
                .with_selection(&[sel.into()], &[])
                .unwrap();
            assert!(!ids(&s).contains(&"DF144"), "{sel}");
        }
        let s = Settings::default()
            .with_selection(&["ALL".into(), "DF144".into()], &[])
            .unwrap();
        assert_eq!(
            ids(&s).len(),
            rules::ALL.len() - rules::OPT_IN.len() + 1,
            "ALL and one opt-in rule named"
        );
    }

    #[test]
    fn odd_selectors_do_not_panic() {
        for s in ["é", "Dé", "", " ", "DF", "D"] {
            let _ = rules_for(s);
        }
        assert_eq!(rules_for("DF").len(), rules::ALL.len());
    }

    #[test]
    fn unknown_selector_is_an_error() {
        assert_eq!(
            Settings::default()
                .with_selection(&["DL9999".into()], &[])
                .unwrap_err(),
            SettingsError::UnknownSelector("DL9999".into())
        );
    }

    #[test]
    fn rule_options_are_checked() {
        let mut o = RuleOptions::new();
        o.insert("style".into(), OptionValue::Str("upper".into()));
        assert!(Settings::default()
            .with_rule_options("consistent-instruction-casing", o.clone())
            .is_ok());
        assert!(matches!(
            Settings::default().with_rule_options("no-such-rule", o.clone()),
            Err(SettingsError::UnknownRule(_))
        ));
        o.insert("style".into(), OptionValue::Str("title".into()));
        assert!(matches!(
            Settings::default().with_rule_options("consistent-instruction-casing", o.clone()),
            Err(SettingsError::InvalidOption { .. })
        ));
        let mut bad = RuleOptions::new();
        bad.insert("nope".into(), OptionValue::Bool(true));
        assert!(matches!(
            Settings::default().with_rule_options("consistent-instruction-casing", bad),
            Err(SettingsError::UnknownOption { .. })
        ));
    }
}
