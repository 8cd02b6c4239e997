//! The rules: one file each (metadata, documentation, detection, fix and
//! tests), and the registry below: adding a rule is a new file and one line
//! in [`ALL`].
//!
//! Ids are `DF` + three digits; the first digit is the category:
//! `DF0xx` syntax and style, `DF1xx` correctness and best practice,
//! `DF2xx` security, `DF3xx` package managers, `DF4xx` multi-stage builds,
//! `DF6xx` the build context and its `.dockerignore`.
//! A prefix (`DF1`) selects a category.

use crate::rule::Rule;

mod helpers;
#[cfg(test)]
pub(crate) mod test_support;

pub mod add_instead_of_copy;
pub mod base_deprecated_image;
pub mod base_distroless_candidate;
pub mod base_full_image;
pub mod base_jdk_runtime;
pub mod consistent_instruction_casing;
pub mod copy_ignored_file;
pub mod from_as_casing;
pub mod hardcoded_credential;
pub mod image_refs;
pub mod json_args_recommended;
pub mod latest_tag;
pub mod legacy_key_value_format;
pub mod maintainer_deprecated;
pub mod multiple_cmd;
pub mod multiple_entrypoint;
pub mod multiple_healthcheck;
pub mod no_empty_continuation;
pub mod nonroot_last_user_root;
pub mod nonroot_missing_user;
pub mod pkg_apk_no_cache;
pub mod pkg_apt_get_yes;
pub mod pkg_apt_instead_of_apt_get;
pub mod pkg_apt_lists;
pub mod pkg_apt_no_install_recommends;
pub mod pkg_consecutive_run;
pub mod pkg_dnf_clean;
pub mod pkg_dnf_yes;
pub mod pkg_npm_cache_clean;
pub mod pkg_pip_no_cache_dir;
pub mod pkg_update_alone;
pub mod pkg_yarn_cache_clean;
pub mod pkg_yum_clean;
pub mod pkg_yum_yes;
pub mod pkg_zypper_clean;
pub mod pkg_zypper_non_interactive;
pub mod secret_in_arg;
pub mod secret_in_env;
pub mod split_build_and_runtime;
pub mod unpinned_image;

/// Every rule, in id order.
pub static ALL: &[&dyn Rule] = &[
    &consistent_instruction_casing::ConsistentInstructionCasing,
    &from_as_casing::FromAsCasing,
    &legacy_key_value_format::LegacyKeyValueFormat,
    &no_empty_continuation::NoEmptyContinuation,
    &maintainer_deprecated::MaintainerDeprecated,
    &add_instead_of_copy::AddInsteadOfCopy,
    &multiple_cmd::MultipleCmd,
    &multiple_entrypoint::MultipleEntrypoint,
    &multiple_healthcheck::MultipleHealthcheck,
    &json_args_recommended::JsonArgsRecommended,
    &nonroot_last_user_root::LastUserRoot,
    &nonroot_missing_user::MissingUser,
    &secret_in_arg::SecretInArg,
    &secret_in_env::SecretInEnv,
    &hardcoded_credential::HardcodedCredential,
    &unpinned_image::UnpinnedImage,
    &latest_tag::LatestTag,
    &base_full_image::FullBaseImage,
    &base_jdk_runtime::JdkInRuntimeStage,
    &base_distroless_candidate::DistrolessCandidate,
    &base_deprecated_image::DeprecatedImage,
    &pkg_update_alone::UpdateAlone,
    &pkg_apt_get_yes::AptGetYes,
    &pkg_apt_no_install_recommends::AptNoInstallRecommends,
    &pkg_apt_lists::AptLists,
    &pkg_apt_instead_of_apt_get::AptInsteadOfAptGet,
    &pkg_apk_no_cache::ApkNoCache,
    &pkg_yum_yes::YumYes,
    &pkg_yum_clean::YumClean,
    &pkg_dnf_yes::DnfYes,
    &pkg_dnf_clean::DnfClean,
    &pkg_zypper_non_interactive::ZypperNonInteractive,
    &pkg_zypper_clean::ZypperClean,
    &pkg_pip_no_cache_dir::PipNoCacheDir,
    &pkg_yarn_cache_clean::YarnCacheClean,
    &pkg_consecutive_run::ConsecutiveRun,
    &pkg_npm_cache_clean::NpmCacheClean,
    &split_build_and_runtime::SplitBuildAndRuntime,
    &copy_ignored_file::CopyIgnoredFile,
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_and_names_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        let mut last = "";
        for r in ALL {
            let m = r.meta();
            assert!(m.id.len() == 5 && m.id.starts_with("DF"), "{}", m.id);
            assert!(m.id > last, "registry not in id order at {}", m.id);
            last = m.id;
            assert!(
                seen.insert(m.id) && seen.insert(m.name),
                "{} duplicated",
                m.id
            );
            assert!(
                m.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                "{} is not kebab-case",
                m.name
            );
        }
    }

    #[test]
    fn docs_have_every_section() {
        for r in ALL {
            let m = r.meta();
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Fixed",
                "## Fix safety",
                "## Aliases",
                "## References",
            ] {
                assert!(m.doc.contains(section), "{} lacks {section}", m.id);
            }
            for alias in m.aliases {
                assert!(m.doc.contains(alias), "{} doc does not list {alias}", m.id);
            }
        }
    }
}
