//! Correctness and best practice (`DF1xx`): instructions that do not do what the author meant, or that a later one overrides.

pub mod add_instead_of_copy;
pub mod cd_instead_of_workdir;
pub mod copy_then_extract;
pub mod curl_without_fail;
pub mod json_args_recommended;
pub mod ln_bin_sh;
pub mod multiple_cmd;
pub mod multiple_entrypoint;
pub mod multiple_healthcheck;
pub mod nonsensical_command;
pub mod pipefail;
pub mod useradd_no_log_init;
pub mod wget_and_curl;
pub mod zypper_dist_upgrade;
