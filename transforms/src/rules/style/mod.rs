//! Syntax and style (`DF0xx`): how instructions are written, nothing about what they do.

pub mod consistent_instruction_casing;
pub mod from_as_casing;
pub mod legacy_key_value_format;
pub mod maintainer_deprecated;
pub mod no_empty_continuation;
pub mod wget_progress;
