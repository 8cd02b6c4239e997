//! Correctness and best practice (`DF1xx`): instructions that do not do what the author meant, or that a later one overrides.

pub mod add_instead_of_copy;
pub mod copy_entire_filesystem;
pub mod copy_from_own_stage;
pub mod copy_from_undefined_stage;
pub mod duplicate_stage_name;
pub mod env_self_reference;
pub mod first_instruction_not_from;
pub mod from_platform_constant;
pub mod invalid_default_arg_in_from;
pub mod json_args_recommended;
pub mod multiple_cmd;
pub mod multiple_entrypoint;
pub mod multiple_healthcheck;
pub mod onbuild_misuse;
pub mod redundant_target_platform;
pub mod reserved_stage_name;
pub mod undefined_arg_in_from;
pub mod undefined_var;
