//! End-to-end: a Compose file's top-level `include:`. The included files
//! belong to the project: a secret one of them defines is used as it is
//! (a second definition would be an error), and their services count when
//! the project's networks are judged. An include dfix cannot read keeps
//! those rules from guessing. Fixed files are checked by Docker Compose v2
//! itself when it is installed.

#[path = "common/run.rs"]
mod common_run;
use common_run::{dfix, read, text_project as project};
#[path = "common/compose_oracle.rs"]
mod compose_oracle;
use compose_oracle::{assert_still_accepted, compose_accepts};

const COMPOSE: &str = "include:\n  - infra/compose.yaml\nservices:\n  web:\n    build: ./web\n  db:\n    image: postgres:16\n";
const INFRA: &str = "services:\n  proxy:\n    image: caddy:2\n    ports:\n      - \"443:443\"\nsecrets:\n  NPM_TOKEN:\n    environment: NPM_TOKEN\n";
const DOCKERFILE: &str = "FROM node:22-slim\nARG NPM_TOKEN\nRUN npm ci\n";

fn check(dir: &std::path::Path, file: &str, select: &str) -> String {
    let o = dfix(
        dir,
        &["--check", "--unsafe-fixes", "--select", select, file],
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn included_files_lend_secrets_and_services() {
    let d = project(&[
        ("compose.yaml", COMPOSE),
        ("infra/compose.yaml", INFRA),
        ("web/Dockerfile", DOCKERFILE),
    ]);
    // The database here shares the default network with the proxy the
    // included file publishes.
    let out = check(d.path(), "compose.yaml", "DF509");
    assert!(
        out.contains("compose.yaml:6:3: DF509 database service `db` (port 5432) shares the default network with `proxy`"),
        "{out}"
    );
    let before = compose_accepts(d.path(), "compose.yaml");
    let o = dfix(
        d.path(),
        &["--unsafe-fixes", "--select", "DF517,DF210", "."],
    );
    assert!(
        o.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // The build gets the secret; the included file's definition is used,
    // none is written here.
    let compose = read(d.path(), "compose.yaml");
    assert_eq!(
        compose,
        COMPOSE.replace(
            "    build: ./web\n",
            "    build:\n      context: ./web\n      secrets:\n        - NPM_TOKEN\n"
        )
    );
    assert_eq!(read(d.path(), "infra/compose.yaml"), INFRA);
    assert_still_accepted(before, d.path(), "compose.yaml", &compose);
}

/// An include that cannot be read (missing here, or remote): DF509 says
/// nothing and DF517 writes no top-level secret.
#[test]
fn an_unread_include_holds_the_rules_back() {
    for include in ["infra/missing.yaml", "oci://docker.io/org/infra:1"] {
        let compose = COMPOSE.replace("infra/compose.yaml", include);
        let d = project(&[("compose.yaml", &compose), ("web/Dockerfile", DOCKERFILE)]);
        assert!(!check(d.path(), "compose.yaml", "DF509").contains("DF509"));
        let o = dfix(
            d.path(),
            &["--unsafe-fixes", "--select", "DF517,DF210", "."],
        );
        assert!(o.status.code().is_some_and(|c| c <= 1));
        assert_eq!(read(d.path(), "compose.yaml"), compose, "{include}");
        let out = check(d.path(), "compose.yaml", "DF517");
        assert!(out.contains("DF517"), "{out}");
    }
}
