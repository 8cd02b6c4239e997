//! Security (`DF2xx`): the user the image runs as, secrets, credentials, and which base images it is built on.

pub mod base_deprecated_image;
pub mod base_distroless_candidate;
pub mod base_full_image;
pub mod base_jdk_runtime;
pub mod hardcoded_credential;
pub mod latest_tag;
pub mod nonroot_last_user_root;
pub mod nonroot_missing_user;
pub mod secret_in_arg;
pub mod secret_in_env;
pub mod unpinned_image;
pub mod untagged_image;
