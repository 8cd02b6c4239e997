//! Correctness and best practice (`DF1xx`): instructions that do not do what the author meant, or that a later one overrides.

pub mod add_instead_of_copy;
pub mod json_args_recommended;
pub mod multiple_cmd;
pub mod multiple_entrypoint;
pub mod multiple_healthcheck;
