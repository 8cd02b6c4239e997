//! DF305: `apt` in a RUN instead of `apt-get` / `apt-cache`.

use crate::diagnostic::Diagnostic;
use crate::edit::{Edit, Fix};
use crate::pkg::{editable, runs, APT_VALUE_FLAGS};
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};

const DOC: &str = r#"## What it does
Finds `apt` commands in RUN instructions and rewrites them to the
scripting tools: `apt-get` for `install`, `update`, `upgrade`,
`dist-upgrade`, `full-upgrade`, `remove`, `purge`, `autoremove`,
`autoclean`, `clean`, `build-dep`, `source`, `download`, `changelog`;
`apt-cache` for `search`, `show`, `showsrc`, `policy`, `depends`,
`rdepends`, `madison`.

## Why is this bad?
`apt` is the interactive front end: its output and command line are not
stable ("apt does not have a stable CLI interface. Use with caution in
scripts."), it draws progress bars into the build log, and its behaviour
may change between releases. `apt-get` and `apt-cache` are meant for
scripts.

## Example
```dockerfile
RUN apt update && apt install -y curl
```

## Fixed
```dockerfile
RUN apt-get update && apt-get install -y curl
```

## Fix safety
Safe: each subcommand maps to the `apt-get`/`apt-cache` subcommand that
does the same. `apt upgrade` may install new dependencies, which plain
`apt-get upgrade` never does, so it becomes `apt-get upgrade
--with-new-pkgs`; `apt full-upgrade` becomes `apt-get dist-upgrade`.
`apt list`, `apt edit-sources`, `apt satisfy` and unknown subcommands have
no equivalent and are only reported.

## Aliases
- hadolint: `DL3027`
- Checkov: `CKV_DOCKER_9`

## References
- https://manpages.debian.org/stable/apt/apt.8.en.html
"#;

/// The rule.
pub struct AptInsteadOfAptGet;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF305",
    name: "apt-instead-of-apt-get",
    aliases: &["DL3027", "CKV_DOCKER_9"],
    severity: Severity::Warning,
    summary: "Use `apt-get` or `apt-cache` in scripts, not the interactive `apt`",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

/// The tool and subcommand that replace `apt <sub>`, and a flag to add.
fn replacement(sub: &str) -> Option<(&'static str, Option<&'static str>, Option<&'static str>)> {
    Some(match sub {
        "install" | "update" | "remove" | "purge" | "autoremove" | "autoclean" | "clean"
        | "build-dep" | "source" | "download" | "changelog" | "dist-upgrade" | "auto-remove"
        | "autopurge" => ("apt-get", None, None),
        "upgrade" => ("apt-get", None, Some("--with-new-pkgs")),
        "full-upgrade" => ("apt-get", Some("dist-upgrade"), None),
        "search" | "show" | "showsrc" | "policy" | "depends" | "rdepends" | "madison" => {
            ("apt-cache", None, None)
        }
        _ => return None,
    })
}

impl Rule for AptInsteadOfAptGet {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (_, _, scripts) in runs(ctx.doc) {
            for rs in &scripts {
                for cmd in rs.commands() {
                    if !cmd.name_is("apt") {
                        continue;
                    }
                    let Some(name) = cmd.name.as_ref() else {
                        continue;
                    };
                    let d = Diagnostic::new(
                        &META,
                        "`apt` is meant for people; use `apt-get` or `apt-cache` in scripts",
                        cmd.span.clone(),
                    );
                    let sub = cmd.subcommand_with(APT_VALUE_FLAGS);
                    let plan = sub.and_then(|s| s.value.as_deref()).and_then(replacement);
                    let fix = match (plan, sub) {
                        (Some((tool, new_sub, add)), Some(sub))
                            if editable(name) && editable(sub) && name.raw.ends_with("apt") =>
                        {
                            let mut edits = vec![Edit::replace(
                                name.span.clone(),
                                format!("{}{}", &name.raw[..name.raw.len() - 3], tool),
                            )];
                            if let Some(n) = new_sub {
                                edits.push(Edit::replace(sub.span.clone(), n));
                            }
                            if let Some(flag) = add {
                                if !cmd.has_long_flag(flag) {
                                    edits.push(Edit::insert(sub.span.end, format!(" {flag}")));
                                }
                            }
                            let what = new_sub
                                .or(sub.value.as_deref())
                                .unwrap_or_default()
                                .to_string();
                            Some(Fix::safe(format!("Use `{tool} {what}`"), edits))
                        }
                        _ => None,
                    };
                    out.push(d.with_optional_fix(fix));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::*;

    #[test]
    fn fixture() {
        assert_fixture(
            &META,
            "forms",
            include_str!("fixtures/pkg_apt_instead_of_apt_get.Dockerfile"),
        );
    }

    #[test]
    fn subcommands() {
        assert_eq!(
            fix_rule(&META, "FROM a\nRUN apt full-upgrade -y && apt -y upgrade && apt show x\n"),
            "FROM a\nRUN apt-get dist-upgrade -y && apt-get -y upgrade --with-new-pkgs && apt-cache show x\n"
        );
        // `apt list` has no scripting equivalent: reported, not fixed.
        let src = "FROM a\nRUN apt list --installed\n";
        assert_eq!(findings(&META, src).len(), 1);
        assert_eq!(fix_rule(&META, src), src);
        assert!(findings(&META, "FROM a\nRUN apt-get install -y x\n").is_empty());
    }
}
