//! A finding of a rule, with its optional fix.

use std::ops::Range;

use crate::edit::{Applicability, Fix};
use crate::rule::RuleMeta;

/// One finding: which rule, what is wrong, where, and how to fix it.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// The rule that found it.
    pub rule: &'static RuleMeta,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Bytes of the source the finding is about.
    pub span: Range<usize>,
    /// How to fix it, if the rule knows.
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A finding without a fix.
    pub fn new(rule: &'static RuleMeta, message: impl Into<String>, span: Range<usize>) -> Self {
        Diagnostic {
            rule,
            message: message.into(),
            span,
            fix: None,
        }
    }

    /// Attaches a fix.
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// Attaches a fix when there is one.
    pub fn with_optional_fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }

    /// The applicability of the fix, if any.
    pub fn applicability(&self) -> Option<Applicability> {
        self.fix.as_ref().map(|f| f.applicability)
    }

    /// True when the fix would be applied with the given `unsafe_fixes` setting.
    pub fn is_fixable(&self, unsafe_fixes: bool) -> bool {
        self.applicability()
            .is_some_and(|a| a.is_applied(unsafe_fixes))
    }
}
