//! One file per command; `app::main` dispatches to them.

pub mod explain;
pub mod fix;
pub mod parse;
pub mod rules;
pub mod server;
pub mod stdin;
pub mod verify;

/// Exit code for findings or changes (DESIGN.md's CLI contract).
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code for errors: the file is left untouched.
pub const EXIT_ERROR: u8 = 2;
