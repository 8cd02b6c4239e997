//! Syntax and style (`DF0xx`): how instructions are written, nothing about what they do.

pub mod consistent_instruction_casing;
pub mod expose_invalid_format;
pub mod expose_proto_casing;
pub mod from_as_casing;
pub mod inline_ignore_pragma;
pub mod invalid_definition_description;
pub mod label_invalid_key;
pub mod legacy_key_value_format;
pub mod maintainer_deprecated;
pub mod no_empty_continuation;
pub mod stage_name_casing;
pub mod wget_progress;
