//! Pinning end to end through the `dfix` command, against a real registry
//! (Debian's docker-registry): the digest written is the one the registry
//! itself serves for the tag, a second run changes nothing and makes no
//! request (warm cache, registry stopped), `--offline` uses only the cache,
//! stdin mode stays off the network unless the config allows it, and a
//! failing look-up leaves the reference as it was with a finding.

mod support;

use std::path::Path;
use std::process::{Command, Output};

fn dfix(dir: &Path, cache: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dfix"));
    cmd.current_dir(dir).env("DFIX_CACHE_DIR", cache).args(args);
    match stdin {
        None => cmd.output().expect("run dfix"),
        Some(text) => {
            use std::io::Write;
            cmd.stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            let mut child = cmd.spawn().expect("spawn dfix");
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
            child.wait_with_output().expect("wait dfix")
        }
    }
}

#[test]
fn pins_through_the_cli_with_a_real_registry() {
    if !support::tools_available() {
        return;
    }
    let data = support::TempDir::new("pin-cli-data");
    let mut registry = support::Registry::start(data.path(), support::Mode::Open);
    let pusher = support::Pusher::new(&registry.url());
    let multi = pusher.push_multi("team/app", "1.0", true);
    let single = pusher.push_single("library/tool", "2");
    let host = registry.host();
    // Independent check of what the registry serves (GET with the full Accept list).
    assert_eq!(pusher.get_digest("team/app", "1.0", None), multi.digest);
    assert_ne!(multi.children.first(), Some(&multi.digest));

    let work = support::TempDir::new("pin-cli-work");
    let cache = support::TempDir::new("pin-cli-cache");
    // docker.io look-ups go to the local registry through the mirror setting.
    std::fs::write(
        work.path().join("dfix.toml"),
        format!("select = [\"DF250\"]\n[registries.\"docker.io\"]\nmirror = \"http://{host}\"\n"),
    )
    .unwrap();
    let original = format!(
        "FROM {host}/team/app:1.0 AS build\nRUN make\nFROM tool:2\nCOPY --from=build /out /out\nFROM {host}/team/missing:9\n"
    );
    let file = work.path().join("Dockerfile");
    std::fs::write(&file, &original).unwrap();

    let out = dfix(work.path(), cache.path(), &["Dockerfile"], None);
    let fixed = std::fs::read_to_string(&file).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        fixed.contains(&format!(
            "FROM {host}/team/app:1.0@{} AS build\n",
            multi.digest
        )),
        "{fixed}\n{stdout}{stderr}"
    );
    assert!(
        fixed.contains(&format!("FROM tool:2@{}\n", single.digest)),
        "{fixed}"
    );
    // The failed look-up: reference untouched, a finding that names it, exit code 1.
    assert!(fixed.contains(&format!("FROM {host}/team/missing:9\n")));
    assert!(stdout.contains("team/missing:9"), "{stdout}");
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");

    // Second run with the registry stopped: no change (no request can succeed).
    registry.stop();
    let out2 = dfix(
        work.path(),
        cache.path(),
        &["--diff", "--select", "DF250", "Dockerfile"],
        None,
    );
    let diff = String::from_utf8_lossy(&out2.stdout);
    assert!(!diff.contains("@@"), "second run changes nothing: {diff}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), fixed);

    // Offline with a warm cache pins a fresh copy of the original.
    let copy = work.path().join("copy.Dockerfile");
    std::fs::write(&copy, &original).unwrap();
    dfix(
        work.path(),
        cache.path(),
        &["--offline", "copy.Dockerfile"],
        None,
    );
    let offline = std::fs::read_to_string(&copy).unwrap();
    assert!(offline.contains(&multi.digest), "{offline}");

    // Offline with an empty cache: nothing pinned, the file left as it was.
    let cold = support::TempDir::new("pin-cli-cold");
    std::fs::write(&copy, &original).unwrap();
    dfix(
        work.path(),
        cold.path(),
        &["--offline", "copy.Dockerfile"],
        None,
    );
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), original);

    // Stdin mode: the cache is not consulted over the network... and with the
    // registry down and a cold cache, the text comes back unchanged, exit 0
    // on the fixed text (the finding goes to stderr).
    let out3 = dfix(
        work.path(),
        cold.path(),
        &["-", "--stdin-filename", "Dockerfile"],
        Some(&original),
    );
    assert_eq!(String::from_utf8_lossy(&out3.stdout), original);
}

#[test]
fn stdin_mode_uses_the_network_only_when_the_config_allows_it() {
    if !support::tools_available() {
        return;
    }
    let data = support::TempDir::new("pin-stdin-data");
    let registry = support::Registry::start(data.path(), support::Mode::Open);
    let pusher = support::Pusher::new(&registry.url());
    let pushed = pusher.push_multi("team/web", "3", false);
    let host = registry.host();
    let work = support::TempDir::new("pin-stdin-work");
    let cache = support::TempDir::new("pin-stdin-cache");
    let text = format!("FROM {host}/team/web:3\n");
    std::fs::write(work.path().join("dfix.toml"), "select = [\"DF250\"]\n").unwrap();
    let out = dfix(
        work.path(),
        cache.path(),
        &["-", "--stdin-filename", "Dockerfile"],
        Some(&text),
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        text,
        "no network in stdin mode by default"
    );
    std::fs::write(
        work.path().join("dfix.toml"),
        "select = [\"DF250\"]\noffline = false\n",
    )
    .unwrap();
    let out = dfix(
        work.path(),
        cache.path(),
        &["-", "--stdin-filename", "Dockerfile"],
        Some(&text),
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("FROM {host}/team/web:3@{}\n", pushed.digest)
    );
}

/// A Compose file's `image:` values are pinned by the same client, cache
/// and mirror settings (DF516, a safe fix): the digest written is the one
/// the registry serves, inside the value's own quotes; a service with
/// `build:` and an interpolated image are left alone; a second run changes
/// nothing, offline from the warm cache with the registry stopped.
#[test]
fn pins_compose_images_through_the_cli_with_a_real_registry() {
    if !support::tools_available() {
        return;
    }
    let data = support::TempDir::new("pin-compose-data");
    let mut registry = support::Registry::start(data.path(), support::Mode::Open);
    let pusher = support::Pusher::new(&registry.url());
    let multi = pusher.push_multi("team/api", "1.0", true);
    let single = pusher.push_single("library/redis", "7");
    let host = registry.host();
    assert_eq!(pusher.get_digest("team/api", "1.0", None), multi.digest);

    let work = support::TempDir::new("pin-compose-work");
    let cache = support::TempDir::new("pin-compose-cache");
    std::fs::write(
        work.path().join("dfix.toml"),
        format!("select = [\"DF516\"]\n[registries.\"docker.io\"]\nmirror = \"http://{host}\"\n"),
    )
    .unwrap();
    let original = format!(
        "services:\n  api:\n    image: \"{host}/team/api:1.0\"  # quoted\n  cache:\n    image: redis:7\n  app:\n    build: .\n    image: myorg/app:dev\n  env:\n    image: ${{IMAGE}}\n"
    );
    let file = work.path().join("compose.yaml");
    std::fs::write(&file, &original).unwrap();
    let out = dfix(work.path(), cache.path(), &["compose.yaml"], None);
    let fixed = std::fs::read_to_string(&file).unwrap();
    let expected = original
        .replace(
            &format!("\"{host}/team/api:1.0\""),
            &format!("\"{host}/team/api:1.0@{}\"", multi.digest),
        )
        .replace("redis:7\n", &format!("redis:7@{}\n", single.digest));
    assert_eq!(
        fixed,
        expected,
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0));

    // Warm cache, registry stopped, offline: nothing left to do.
    registry.stop();
    let again = dfix(
        work.path(),
        cache.path(),
        &["--offline", "--check", "compose.yaml"],
        None,
    );
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);
}

#[test]
fn pins_a_tag_through_its_arg_default_with_a_real_registry() {
    if !support::tools_available() {
        return;
    }
    let data = support::TempDir::new("pin-arg-data");
    let registry = support::Registry::start(data.path(), support::Mode::Open);
    let pusher = support::Pusher::new(&registry.url());
    let golang = pusher.push_multi("library/golang", "1.22", true);
    let other = pusher.push_single("library/golang", "1.23");
    let host = registry.host();
    assert_eq!(
        pusher.get_digest("library/golang", "1.22", None),
        golang.digest
    );

    let work = support::TempDir::new("pin-arg-work");
    let cache = support::TempDir::new("pin-arg-cache");
    std::fs::write(
        work.path().join("dfix.toml"),
        format!("select = [\"DF250\"]\n[registries.\"docker.io\"]\nmirror = \"http://{host}\"\n"),
    )
    .unwrap();
    // Two FROMs read the tag; a third image's tag is read by a stage too:
    // that one keeps its finding.
    let original = "ARG GO_VERSION=1.22\nARG NODE=20\nFROM golang:${GO_VERSION} AS build\nRUN go build\nFROM golang:${GO_VERSION}\nFROM node:${NODE}\nARG NODE\nRUN echo $NODE\n";
    let file = work.path().join("Dockerfile");
    std::fs::write(&file, original).unwrap();
    let out = dfix(work.path(), cache.path(), &["Dockerfile"], None);
    let fixed = std::fs::read_to_string(&file).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        fixed,
        original.replacen(
            "ARG GO_VERSION=1.22\n",
            &format!("ARG GO_VERSION=1.22@{}\n", golang.digest),
            1
        ),
        "{stdout}"
    );
    assert!(stdout.contains("re-declares `ARG NODE`"), "{stdout}");
    // What BuildKit would pull: the reference the default now makes, and
    // with `--build-arg GO_VERSION=1.23` the other tag, which exists.
    assert_eq!(
        pusher.get_digest("library/golang", &golang.digest, None),
        golang.digest
    );
    assert_eq!(
        pusher.get_digest("library/golang", "1.23", None),
        other.digest
    );
    // A second run changes nothing.
    let out2 = dfix(
        work.path(),
        cache.path(),
        &["--diff", "--select", "DF250", "Dockerfile"],
        None,
    );
    assert!(!String::from_utf8_lossy(&out2.stdout).contains("@@"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), fixed);
}
