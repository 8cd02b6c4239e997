//! End-to-end: the Dockerfile side and the Compose side meet. A service
//! that `build:`s a Dockerfile is judged with that Dockerfile as dfix fixes
//! it: a secret build argument that becomes a secret mount must be passed
//! in `build.secrets`, and a Dockerfile that ends with a non-root user
//! lets the Compose side drop every capability. Both files are fixed in
//! one run, consistently, and the fixed Compose file is checked by Docker
//! Compose v2 itself (`docker-compose config -q`) when it is installed.

#[path = "common/run.rs"]
mod common_run;
use common_run::{dfix, read, text_project as project};
#[path = "common/compose_oracle.rs"]
mod compose_oracle;
use compose_oracle::{assert_still_accepted, compose_accepts};

const COMPOSE: &str =
    "services:\n  web:\n    build: ./web  # the app\n    ports:\n      - \"127.0.0.1:3000:3000\"\n";

const DOCKERFILE: &str =
    "FROM node:22-slim\nWORKDIR /app\nARG NPM_TOKEN\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n";

#[test]
fn secret_arg_becomes_a_build_secret_on_both_sides() {
    let d = project(&[("compose.yaml", COMPOSE), ("web/Dockerfile", DOCKERFILE)]);
    let before = compose_accepts(d.path(), "compose.yaml");
    let o = dfix(d.path(), &["--unsafe-fixes", "."]);
    assert!(
        o.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let dockerfile = read(d.path(), "web/Dockerfile");
    let compose = read(d.path(), "compose.yaml");
    // The Dockerfile: the ARG became a secret mount (DF210), and the image
    // runs as the `node` user its base image ships (DF202).
    assert!(!dockerfile.contains("ARG NPM_TOKEN"), "{dockerfile}");
    assert!(
        dockerfile.contains("RUN --mount=type=secret,id=NPM_TOKEN,env=NPM_TOKEN npm ci"),
        "{dockerfile}"
    );
    assert!(dockerfile.contains("\nUSER node\n"), "{dockerfile}");
    // The Compose file passes that secret, in the long form of `build:`,
    // its comment kept, with a top-level secret read from the environment.
    assert!(
        compose.contains(
            "    build:\n      context: ./web  # the app\n      secrets:\n        - NPM_TOKEN\n"
        ),
        "{compose}"
    );
    assert!(
        compose.ends_with("secrets:\n  NPM_TOKEN:\n    environment: NPM_TOKEN\n"),
        "{compose}"
    );
    assert_eq!(compose.matches("- NPM_TOKEN").count(), 1, "{compose}");
    // The built image ends as `node`: every capability is dropped, none
    // added back, and no `user:` is written.
    assert!(
        compose.contains("    cap_drop:\n      - ALL\n"),
        "{compose}"
    );
    assert!(!compose.contains("cap_add"), "{compose}");
    assert!(!compose.contains("user:"), "{compose}");
    // A second run changes neither file.
    let again = dfix(d.path(), &["--unsafe-fixes", "."]);
    assert!(again.status.code().is_some_and(|c| c <= 1));
    assert_eq!(read(d.path(), "web/Dockerfile"), dockerfile);
    assert_eq!(read(d.path(), "compose.yaml"), compose);
    // Compose v2 accepts the file before and after.
    assert_still_accepted(before, d.path(), "compose.yaml", &compose);
}

/// Without unsafe fixes the Dockerfile keeps its ARG, so nothing on the
/// Compose side asks for a secret (the two sides agree), and the root
/// image leaves the capability finding without a fix. The command line's
/// selection reaches the Dockerfile too: one without DF210 leaves its ARG.
#[test]
fn the_compose_side_follows_the_dockerfile_fixes_of_the_same_settings() {
    let d = project(&[("compose.yaml", COMPOSE), ("web/Dockerfile", DOCKERFILE)]);
    let check = |args: &[&str]| {
        let o = dfix(d.path(), args);
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let out = check(&["--check", "compose.yaml"]);
    assert!(!out.contains("DF517"), "{out}");
    assert!(
        out.contains("compose.yaml:2:3: DF503 service `web` does not drop all capabilities\n"),
        "{out}"
    );
    let out = check(&["--check", "--unsafe-fixes", "compose.yaml"]);
    assert!(out.contains("compose.yaml:3:5: DF517 service `web` builds a Dockerfile that mounts the build secret `NPM_TOKEN`"), "{out}");
    assert!(
        out.contains("compose.yaml:2:3: DF503 service `web` does not drop all capabilities [*]\n"),
        "{out}"
    );
    let out = check(&[
        "--check",
        "--unsafe-fixes",
        "--select",
        "DF517",
        "compose.yaml",
    ]);
    assert!(!out.contains("DF517"), "{out}");
    assert_eq!(
        read(d.path(), "web/Dockerfile"),
        DOCKERFILE,
        "--check writes nothing"
    );
}

/// The Dockerfile is read with the config nearest to it, as the run fixes
/// it: a `dfix.toml` beside it that ignores DF210 keeps its ARG, so the
/// Compose file above, with a config that does not, asks for no secret.
#[test]
fn the_dockerfile_is_read_with_its_own_config() {
    let d = project(&[
        ("compose.yaml", COMPOSE),
        ("dfix.toml", "unsafe-fixes = true\n"),
        ("web/Dockerfile", DOCKERFILE),
        (
            "web/dfix.toml",
            "unsafe-fixes = true\nignore = [\"DF210\"]\n",
        ),
    ]);
    let o = dfix(d.path(), &["--check", "compose.yaml"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!out.contains("DF517"), "{out}");
    assert!(out.contains("DF503"), "{out}");
    let o = dfix(d.path(), &["."]);
    assert!(o.status.code().is_some_and(|c| c <= 1));
    let dockerfile = read(d.path(), "web/Dockerfile");
    assert!(dockerfile.contains("ARG NPM_TOKEN"), "{dockerfile}");
    assert!(!read(d.path(), "compose.yaml").contains("secrets"));
    // Without the Dockerfile's own config, its secret ARG becomes a mount
    // and the Compose side passes it.
    std::fs::remove_file(d.path().join("web/dfix.toml")).unwrap();
    let o = dfix(d.path(), &["--check", "compose.yaml"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("DF517"));
}

/// A Dockerfile that is missing, or that does not parse, gives no fact and
/// no error: the Compose file is judged as without it.
#[test]
fn a_missing_or_broken_dockerfile_is_no_error() {
    for files in [
        vec![("compose.yaml", COMPOSE)],
        vec![
            ("compose.yaml", COMPOSE),
            (
                "web/Dockerfile",
                "FROM node:22\nRUN --mount=type=secret,id=X <<EOF\nx\n",
            ),
        ],
    ] {
        let d = project(&files);
        let o = dfix(
            d.path(),
            &[
                "--check",
                "--unsafe-fixes",
                "--select",
                "DF517",
                "compose.yaml",
            ],
        );
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// The long form of `build:`: `context:` + `dockerfile:` (relative to the
/// context) and `target:`, and an inline Dockerfile (taken as written).
#[test]
fn long_form_target_and_inline_dockerfiles_are_read() {
    let compose = "services:\n  api:\n    build:\n      context: ./api\n      dockerfile: build/Dockerfile.prod\n      target: runtime\n  tool:\n    build:\n      context: .\n      dockerfile_inline: |\n        FROM alpine:3.20\n        RUN --mount=type=secret,id=GH_TOKEN,env=GH_TOKEN gh release download\n";
    let dockerfile = "FROM golang:1.23 AS build\nRUN --mount=type=secret,id=GOPROXY_AUTH,env=GOPROXY_AUTH go build ./...\nFROM alpine:3.20 AS test\nRUN --mount=type=secret,id=TEST_ONLY x\nFROM alpine:3.20 AS runtime\nCOPY --from=build /out /out\nUSER 10001\n";
    let d = project(&[
        ("compose.yaml", compose),
        ("api/build/Dockerfile.prod", dockerfile),
    ]);
    let o = dfix(
        d.path(),
        &[
            "--check",
            "--unsafe-fixes",
            "--select",
            "DF517,DF503",
            "compose.yaml",
        ],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("compose.yaml:3:5: DF517 service `api` builds a Dockerfile that mounts the build secret `GOPROXY_AUTH`,"), "{out}");
    assert!(!out.contains("TEST_ONLY"), "{out}");
    assert!(out.contains("compose.yaml:8:5: DF517 service `tool` builds a Dockerfile that mounts the build secret `GH_TOKEN`,"), "{out}");
    // `api` ends as 10001: its capability finding has a fix; `tool` runs
    // as root: none.
    assert!(
        out.contains("compose.yaml:2:3: DF503 service `api` does not drop all capabilities [*]\n"),
        "{out}"
    );
    assert!(
        out.contains("compose.yaml:7:3: DF503 service `tool` does not drop all capabilities\n"),
        "{out}"
    );
    let o = dfix(d.path(), &["--unsafe-fixes", "--select", "DF517", "."]);
    assert!(o.status.code().is_some_and(|c| c <= 1));
    let fixed = read(d.path(), "compose.yaml");
    if let Some(before) = compose_accepts(d.path(), "compose.yaml") {
        assert!(before, "{fixed}");
    }
    assert!(
        fixed.contains("      target: runtime\n      secrets:\n        - GOPROXY_AUTH\n"),
        "{fixed}"
    );
    assert!(fixed.ends_with("secrets:\n  GOPROXY_AUTH:\n    environment: GOPROXY_AUTH\n  GH_TOKEN:\n    environment: GH_TOKEN\n"), "{fixed}");
}
