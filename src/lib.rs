//! The dfix application: command line, config, files, registry, output.

pub mod parse_output;
pub mod pinning;
pub mod registry;
