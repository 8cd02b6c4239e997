//! Security (`DF2xx`): the user the image runs as, secrets, credentials, and which base images it is built on.

pub mod base_deprecated_image;
pub mod base_distroless_candidate;
pub mod base_full_image;
pub mod base_jdk_runtime;
pub mod chpasswd;
pub mod docker_socket_volume;
pub mod download_piped_to_shell;
pub mod hardcoded_credential;
pub mod latest_tag;
pub mod nonroot_last_user_root;
pub mod nonroot_missing_user;
pub mod plain_http_download;
pub mod secret_in_arg;
pub mod secret_in_env;
pub mod signature_verification_disabled;
pub mod ssh_port_exposed;
pub mod sudo_in_run;
pub mod tls_verification_disabled;
pub mod unpinned_image;
pub mod untagged_image;
pub mod untrusted_registry;
pub mod user_non_numeric;
