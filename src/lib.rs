//! The dfix application: command line, config, files, output.
//!
//! Data flows one way: bytes → `dfix_grammar` (parse) → `dfix_transforms`
//! (rules and the fix engine, pure) → this crate (files, terminal, editors).

pub mod app;
pub mod cli;
pub mod config;
pub mod discover;
pub mod output;
pub mod parse_output;
pub mod registry;
pub mod write;
