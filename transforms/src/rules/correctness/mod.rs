//! Correctness and best practice (`DF1xx`): instructions that do not do what the author meant, or that a later one overrides.

pub mod add_instead_of_copy;
pub mod copy_dest_slash;
pub mod copy_relative_without_workdir;
pub mod invalid_expose_port;
pub mod json_args_recommended;
pub mod label_empty;
pub mod label_missing;
pub mod label_not_email;
pub mod label_not_git_hash;
pub mod label_not_rfc3339;
pub mod label_not_semver;
pub mod label_not_spdx;
pub mod label_not_url;
pub mod label_superfluous;
pub mod missing_healthcheck;
pub mod multiple_cmd;
pub mod multiple_entrypoint;
pub mod multiple_healthcheck;
pub mod relative_workdir;
pub mod workdir_system_directory;
