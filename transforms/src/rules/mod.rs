//! The rules: one file each (metadata, documentation, detection, fix and
//! tests), grouped by area in folders the way ruff groups its rules by
//! plugin, and the registry below: adding a rule is a new file in its area,
//! its `pub mod` line there, and one line in [`ALL`].
//!
//! Ids are `DF` + three digits; the first digit is the area (see [`AREAS`]).
//! A prefix (`DF1`) selects an area. A rule's fixtures live in its area's
//! `fixtures/` folder, its snapshots in the repository's `snapshots/`.

use crate::rule::Rule;

pub mod context;
pub mod correctness;
mod helpers;
pub(crate) mod shell_cmds;
#[cfg(test)]
pub(crate) mod test_support;
pub(crate) mod verification;

pub mod image_refs;
pub(crate) mod label_schema;
pub mod multistage;
pub mod packages;
pub mod security;
mod stage_names;
pub mod style;
mod variables;

/// A group of rules: the first digit of their ids and the folder they live in.
#[derive(Debug)]
pub struct Area {
    /// The id prefix, `DF0` ... `DF6`.
    pub prefix: &'static str,
    /// The folder under `rules/`, and the name `dfix rules` shows.
    pub name: &'static str,
    /// What the area's rules are about.
    pub summary: &'static str,
}

/// Every area, in id order.
pub static AREAS: &[Area] = &[
    Area {
        prefix: "DF0",
        name: "style",
        summary: "how instructions are written",
    },
    Area {
        prefix: "DF1",
        name: "correctness",
        summary: "instructions that do not do what was meant",
    },
    Area {
        prefix: "DF2",
        name: "security",
        summary: "the user, secrets, credentials and base images",
    },
    Area {
        prefix: "DF3",
        name: "packages",
        summary: "package-manager layers",
    },
    Area {
        prefix: "DF4",
        name: "multistage",
        summary: "builder and runtime stages",
    },
    Area {
        prefix: "DF5",
        name: "compose",
        summary: "Compose files",
    },
    Area {
        prefix: "DF6",
        name: "context",
        summary: "the build context and its .dockerignore",
    },
];

/// The area a rule id belongs to.
pub fn area_of(id: &str) -> Option<&'static Area> {
    AREAS.iter().find(|a| id.starts_with(a.prefix))
}

/// Rules that run only when a `select` entry (or `--select`) names them by
/// id, name or alias: `ALL` and area prefixes leave them off, the way
/// ruff's `ALL` leaves preview rules off. For checks that only some images
/// want (a `HEALTHCHECK` in every stage), which hadolint too leaves off
/// unless asked; and for BuildKit checks that BuildKit itself ships as
/// experimental and off (`InvalidDefinitionDescription`).
pub static OPT_IN: &[&str] = &["DF007", "DF144"];

/// True when the rule with this id is outside the default selection.
pub fn is_opt_in(id: &str) -> bool {
    OPT_IN.contains(&id)
}

/// Every rule, in id order.
pub static ALL: &[&dyn Rule] = &[
    &style::consistent_instruction_casing::ConsistentInstructionCasing,
    &style::from_as_casing::FromAsCasing,
    &style::legacy_key_value_format::LegacyKeyValueFormat,
    &style::no_empty_continuation::NoEmptyContinuation,
    &style::maintainer_deprecated::MaintainerDeprecated,
    &style::stage_name_casing::StageNameCasing,
    &style::invalid_definition_description::InvalidDefinitionDescription,
    &style::inline_ignore_pragma::InlineIgnorePragma,
    &style::expose_proto_casing::ExposeProtoCasing,
    &style::expose_invalid_format::ExposeInvalidFormat,
    &style::label_invalid_key::LabelInvalidKey,
    &style::wget_progress::WgetProgress,
    &correctness::add_instead_of_copy::AddInsteadOfCopy,
    &correctness::multiple_cmd::MultipleCmd,
    &correctness::multiple_entrypoint::MultipleEntrypoint,
    &correctness::multiple_healthcheck::MultipleHealthcheck,
    &correctness::json_args_recommended::JsonArgsRecommended,
    &correctness::copy_from_undefined_stage::CopyFromUndefinedStage,
    &correctness::copy_from_own_stage::CopyFromOwnStage,
    &correctness::duplicate_stage_name::DuplicateStageName,
    &correctness::reserved_stage_name::ReservedStageName,
    &correctness::redundant_target_platform::RedundantTargetPlatform,
    &correctness::from_platform_constant::FromPlatformConstant,
    &correctness::first_instruction_not_from::FirstInstructionNotFrom,
    &correctness::copy_entire_filesystem::CopyEntireFilesystem,
    &correctness::onbuild_misuse::OnbuildMisuse,
    &correctness::env_self_reference::EnvSelfReference,
    &correctness::undefined_arg_in_from::UndefinedArgInFrom,
    &correctness::undefined_var::UndefinedVar,
    &correctness::invalid_default_arg_in_from::InvalidDefaultArgInFrom,
    &correctness::relative_workdir::RelativeWorkdir,
    &correctness::invalid_expose_port::InvalidExposePort,
    &correctness::copy_dest_slash::CopyDestSlash,
    &correctness::copy_relative_without_workdir::CopyRelativeWithoutWorkdir,
    &correctness::missing_healthcheck::MissingHealthcheck,
    &correctness::workdir_system_directory::WorkdirSystemDirectory,
    &correctness::label_missing::LabelMissing,
    &correctness::label_superfluous::LabelSuperfluous,
    &correctness::label_empty::LabelEmpty,
    &correctness::label_not_url::LabelNotUrl,
    &correctness::label_not_rfc3339::LabelNotRfc3339,
    &correctness::label_not_spdx::LabelNotSpdx,
    &correctness::label_not_git_hash::LabelNotGitHash,
    &correctness::label_not_semver::LabelNotSemver,
    &correctness::label_not_email::LabelNotEmail,
    &correctness::pipefail::Pipefail,
    &correctness::cd_instead_of_workdir::CdInsteadOfWorkdir,
    &correctness::wget_and_curl::WgetAndCurl,
    &correctness::nonsensical_command::NonsensicalCommand,
    &correctness::zypper_dist_upgrade::ZypperDistUpgrade,
    &correctness::useradd_no_log_init::UseraddNoLogInit,
    &correctness::ln_bin_sh::LnBinSh,
    &correctness::copy_then_extract::CopyThenExtract,
    &correctness::curl_without_fail::CurlWithoutFail,
    &security::nonroot_last_user_root::LastUserRoot,
    &security::nonroot_missing_user::MissingUser,
    &security::secret_in_arg::SecretInArg,
    &security::secret_in_env::SecretInEnv,
    &security::hardcoded_credential::HardcodedCredential,
    &security::untrusted_registry::UntrustedRegistry,
    &security::user_non_numeric::NonNumericUser,
    &security::docker_socket_volume::DockerSocketVolume,
    &security::ssh_port_exposed::SshPortExposed,
    &security::sudo_in_run::SudoInRun,
    &security::download_piped_to_shell::DownloadPipedToShell,
    &security::tls_verification_disabled::TlsVerificationDisabled,
    &security::signature_verification_disabled::SignatureVerificationDisabled,
    &security::chpasswd::Chpasswd,
    &security::plain_http_download::PlainHttpDownload,
    &security::unpinned_image::UnpinnedImage,
    &security::latest_tag::LatestTag,
    &security::untagged_image::UntaggedImage,
    &security::base_full_image::FullBaseImage,
    &security::base_jdk_runtime::JdkInRuntimeStage,
    &security::base_distroless_candidate::DistrolessCandidate,
    &security::base_deprecated_image::DeprecatedImage,
    &packages::pkg_update_alone::UpdateAlone,
    &packages::pkg_apt_get_yes::AptGetYes,
    &packages::pkg_apt_no_install_recommends::AptNoInstallRecommends,
    &packages::pkg_apt_lists::AptLists,
    &packages::pkg_apt_instead_of_apt_get::AptInsteadOfAptGet,
    &packages::pkg_apk_no_cache::ApkNoCache,
    &packages::pkg_yum_yes::YumYes,
    &packages::pkg_yum_clean::YumClean,
    &packages::pkg_dnf_yes::DnfYes,
    &packages::pkg_dnf_clean::DnfClean,
    &packages::pkg_zypper_non_interactive::ZypperNonInteractive,
    &packages::pkg_zypper_clean::ZypperClean,
    &packages::pkg_pip_no_cache_dir::PipNoCacheDir,
    &packages::pkg_yarn_cache_clean::YarnCacheClean,
    &packages::pkg_consecutive_run::ConsecutiveRun,
    &packages::pkg_npm_cache_clean::NpmCacheClean,
    &packages::pkg_apt_unpinned::AptUnpinned,
    &packages::pkg_apk_unpinned::ApkUnpinned,
    &packages::pkg_yum_unpinned::YumUnpinned,
    &packages::pkg_dnf_unpinned::DnfUnpinned,
    &packages::pkg_zypper_unpinned::ZypperUnpinned,
    &packages::pkg_pip_unpinned::PipUnpinned,
    &packages::pkg_npm_unpinned::NpmUnpinned,
    &packages::pkg_gem_unpinned::GemUnpinned,
    &packages::pkg_go_unpinned::GoUnpinned,
    &multistage::split_build_and_runtime::SplitBuildAndRuntime,
    &context::missing_dockerignore::MissingDockerignore,
    &context::dockerignore_missing_secret_patterns::DockerignoreMissingSecretPatterns,
    &context::dockerignore_unanchored_pattern::DockerignoreUnanchoredPattern,
    &context::copy_ignored_file::CopyIgnoredFile,
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
    fn every_rule_file_lives_in_its_area() {
        let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        let mut files = 0;
        for area in AREAS {
            let Ok(entries) = std::fs::read_dir(rules.join(area.name)) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.extension().is_none_or(|e| e != "rs") || path.ends_with("mod.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let id = text
                    .split("id: \"")
                    .nth(1)
                    .and_then(|rest| rest.get(..5))
                    .unwrap_or_else(|| panic!("{path:?} has no rule id"));
                assert!(
                    id.starts_with(area.prefix),
                    "{path:?}: {id} is not in {}",
                    area.name
                );
                assert!(ALL.iter().any(|r| r.meta().id == id), "{id} is not in ALL");
                files += 1;
            }
        }
        assert_eq!(
            files,
            ALL.len(),
            "a rule in ALL has no file in an area folder"
        );
        for r in ALL {
            assert!(
                area_of(r.meta().id).is_some(),
                "{} has no area",
                r.meta().id
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
