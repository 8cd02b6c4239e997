//! dfix's rules, fixes and fix engine. Pure: no files, no network.
//!
//! - [`edit`]: edits, fixes and their applicability;
//! - [`diagnostic`]: findings (a rule, a message, a span, a fix);
//! - [`rule`]: the [`Rule`] trait, [`RuleMeta`], [`Context`] and [`Facts`];
//! - [`rules`]: every rule, one file each, listed in [`rules::ALL`];
//! - [`settings`]: rule selection (ids, prefixes, names, aliases) and options;
//! - [`suppression`]: `# dfix: ignore=` and hadolint's pragmas;
//! - [`style`]: the document's layout conventions, for fixes;
//! - [`users`]: the non-root user pass (image families, user creation);
//! - [`dockerignore`]: `.dockerignore` parsing and matching (BuildKit's rules);
//! - [`secrets`]: secret-like names, who reads a variable, credential shapes;
//! - [`bases`]: facts about official base images and the smaller-variant guard;
//! - [`validate`]: what makes a Dockerfile unbuildable although it parses
//!   (unknown instructions), refused before any rule runs;
//! - [`compose`]: Compose files, their rules (`DF5xx`) and fix loop;
//! - [`engine`]: [`check`] and the fixpoint loop [`fix`].

pub mod bases;
pub mod builtin_data;
pub mod compose;
pub mod context;
pub mod diagnostic;
pub mod dockerignore;
pub mod edit;
pub mod engine;
pub mod ignore_fix;
pub mod multistage;
pub mod pkg;
pub mod rule;
pub mod rules;
pub mod secrets;
pub mod settings;
pub mod style;
pub mod suppression;
pub mod users;
pub mod validate;

pub use diagnostic::Diagnostic;
pub use edit::{apply_edits, Applicability, CompanionEdit, Edit, Fix};
pub use engine::{
    check, check_document, companion_files, fix, hidden_unsafe_fixes, Applied, Checked,
    CompanionFile, FixError, Fixed,
};
pub use rule::{
    Context, DigestLookup, Facts, FixAvailability, OptionKind, OptionMeta, OptionValue, Rule,
    RuleMeta, RuleOptions, Severity,
};
pub use settings::{all_metas, metas_for, rules_for, selects, Settings, SettingsError};
pub use style::Style;
pub use validate::{unknown_instruction, UnknownInstruction};
