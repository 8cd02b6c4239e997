//! The shell text that creates a user, per family.

use super::db::CreateStyle;

/// The command that creates group `name` (gid `gid`) and system user `name`
/// (uid `uid`, primary group `name`, with a home directory) with the tools
/// of `style`; `None` for [`CreateStyle::None`].
///
/// - Debian/Ubuntu: shadow's tools with long options, `--no-log-init` so a
///   high uid does not make a huge sparse `/var/log/lastlog` (hadolint
///   DL3046);
/// - RHEL/UBI/Fedora: the same tools with short options (`-l` is
///   `--no-log-init`);
/// - Alpine/BusyBox: BusyBox's `addgroup -S` / `adduser -S -D` (system
///   user, no password).
pub fn create_user_command(style: CreateStyle, name: &str, uid: u32, gid: u32) -> Option<String> {
    Some(match style {
        CreateStyle::Debian => format!(
            "groupadd --system --gid {gid} {name} && useradd --system --no-log-init --uid {uid} --gid {name} --create-home {name}"
        ),
        CreateStyle::Rhel => {
            format!("groupadd -r -g {gid} {name} && useradd -r -l -u {uid} -g {name} -m {name}")
        }
        CreateStyle::Busybox => {
            format!("addgroup -S -g {gid} {name} && adduser -S -D -u {uid} -G {name} {name}")
        }
        CreateStyle::None => return None,
    })
}

/// `chown` of one directory to the created user (not recursive: the
/// files `COPY` put there keep their owner).
pub fn chown_command(name: &str, dir: &str) -> String {
    format!("chown {name}:{name} {dir}")
}

/// True when `dir` is an absolute path that can be written in shell text
/// without quoting and is not a system directory that must stay root's.
pub fn chownable_dir(dir: &str) -> bool {
    const SYSTEM: &[&str] = &[
        "/",
        "/bin",
        "/boot",
        "/dev",
        "/etc",
        "/home",
        "/lib",
        "/lib64",
        "/media",
        "/mnt",
        "/opt",
        "/proc",
        "/root",
        "/run",
        "/sbin",
        "/srv",
        "/sys",
        "/tmp",
        "/usr",
        "/usr/bin",
        "/usr/lib",
        "/usr/local",
        "/usr/local/bin",
        "/usr/local/lib",
        "/usr/sbin",
        "/usr/share",
        "/usr/src",
        "/var",
        "/var/lib",
        "/var/log",
        "/var/tmp",
        "/var/www",
    ];
    let trimmed = if dir.len() > 1 {
        dir.trim_end_matches('/')
    } else {
        dir
    };
    dir.starts_with('/')
        && !SYSTEM.contains(&trimmed)
        && !trimmed.is_empty()
        && dir
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '.' | '+' | '@'))
        && !dir.split('/').any(|part| part == "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chownable() {
        assert!(chownable_dir("/app"));
        assert!(chownable_dir("/usr/src/app/"));
        assert!(!chownable_dir("/"));
        assert!(!chownable_dir("/usr/local/"));
        assert!(!chownable_dir("app"));
        assert!(!chownable_dir("/a b"));
        assert!(!chownable_dir("/app/../etc"));
        assert!(!chownable_dir("/$HOME"));
    }
}
