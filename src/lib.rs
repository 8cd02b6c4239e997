//! The dfix application: command line, config, files, registry, output.
//!
//! Data flows one way: bytes → `dfix_grammar` (parse) → `dfix_transforms`
//! (rules and the fix engine, pure) → this crate (files, terminal, editors).

pub mod app;
pub mod cli;
pub mod config;
pub mod context;
pub mod discover;
pub mod output;
pub mod parse_output;
pub mod pinning;
pub mod registry;
pub mod write;
