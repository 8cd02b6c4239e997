//! Package managers (`DF3xx`): package layers that are not cleaned, not merged, or not non-interactive.

pub mod pkg_apk_no_cache;
pub mod pkg_apk_unpinned;
pub mod pkg_apt_get_yes;
pub mod pkg_apt_instead_of_apt_get;
pub mod pkg_apt_lists;
pub mod pkg_apt_no_install_recommends;
pub mod pkg_apt_unpinned;
pub mod pkg_consecutive_run;
pub mod pkg_dnf_clean;
pub mod pkg_dnf_unpinned;
pub mod pkg_dnf_yes;
pub mod pkg_gem_unpinned;
pub mod pkg_go_unpinned;
pub mod pkg_npm_cache_clean;
pub mod pkg_npm_unpinned;
pub mod pkg_pip_no_cache_dir;
pub mod pkg_pip_unpinned;
pub mod pkg_update_alone;
pub mod pkg_yarn_cache_clean;
pub mod pkg_yum_clean;
pub mod pkg_yum_unpinned;
pub mod pkg_yum_yes;
pub mod pkg_zypper_clean;
pub mod pkg_zypper_non_interactive;
pub mod pkg_zypper_unpinned;
