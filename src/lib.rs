//! The dfix application: command line, config, files, registry, output.
//!
//! Data flows one way: bytes → `dfix_grammar` (parse) → `dfix_transforms`
//! (rules and the fix engine, pure) → this crate (files, terminal, editors).
//! Every front end goes through [`resolve`] (settings per file) and
//! [`pipeline`] (one text to its findings and fixed text).

pub mod app;
pub mod build_context;
pub mod cli;
pub mod commands;
pub mod compose_project;
pub mod config;
pub mod context;
pub mod discover;
pub mod facts;
pub mod kind;
pub mod output;
pub mod parallel;
pub mod parse_output;
pub mod pinning;
pub mod pipeline;
pub mod registry;
pub mod resolve;
pub mod server;
pub mod verify;
pub mod write;
