//! DF144: a stage without `HEALTHCHECK`.

use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::users::analysis::{global_args, stage_chain};

const DOC: &str = r#"## What it does
Finds stages with no `HEALTHCHECK`: none in the stage, nor in the stage it
is built `FROM` (followed back through the file). The finding is on the
stage's `FROM`. `HEALTHCHECK NONE` counts as a decision, not a gap.

This rule is for images that run as long-lived services, so it is
opt-in (as hadolint leaves `DL3057` off): it runs only when a selector
names it by id, name or alias, e.g. `select = ["ALL", "DF144"]` in
`dfix.toml` or `--select ALL,missing-healthcheck`; `ALL` and the `DF1`
prefix alone leave it off. Build images, jobs and images whose
orchestrator probes them itself (Kubernetes ignores `HEALTHCHECK`) do not
need it.

## Why is this bad?
Without a health check Docker only knows whether the process is alive,
not whether it works: a hung server stays "running", and restart policies
or Swarm never replace it.

## Example
```dockerfile
FROM nginx:1.27
COPY site/ /usr/share/nginx/html/
```

## Fixed
```dockerfile
FROM nginx:1.27
COPY site/ /usr/share/nginx/html/
HEALTHCHECK CMD curl --fail http://localhost/ || exit 1
```

## Fix safety
No fix: any probe is a guess about what the service answers and what
tools the image has.

## Aliases
- hadolint: `DL3057`
- Trivy: `DS-0026` (`AVD-DS-0026`)
- Checkov: `CKV_DOCKER_2`

## References
- https://docs.docker.com/reference/dockerfile/#healthcheck
"#;

/// The rule.
pub struct MissingHealthcheck;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF144",
    name: "missing-healthcheck",
    aliases: &["DL3057", "DS-0026", "CKV_DOCKER_2"],
    severity: Severity::Info,
    summary: "`HEALTHCHECK` instruction missing",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

impl Rule for MissingHealthcheck {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let doc = ctx.doc;
        let globals = global_args(doc);
        let stages = doc.stages();
        let mut out = Vec::new();
        for stage in stages {
            let chain = stage_chain(stages, stage.index, &globals);
            let has = chain.iter().any(|&s| {
                stages[s]
                    .instructions
                    .clone()
                    .any(|i| doc.instructions[i].kind == Kind::Healthcheck)
            });
            if !has {
                let from = &doc.instructions[stage.from];
                out.push(Diagnostic::new(
                    &META,
                    "`HEALTHCHECK` instruction missing",
                    from.span.clone(),
                ));
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
            "stages",
            include_str!("fixtures/missing_healthcheck.Dockerfile"),
        );
    }

    #[test]
    fn cases() {
        let n = |s: &str| findings(&META, s).len();
        assert_eq!(n("FROM a\nRUN x\n"), 1);
        assert_eq!(n("FROM a\nHEALTHCHECK CMD /bin/check\n"), 0);
        assert_eq!(n("FROM a\nHEALTHCHECK NONE\n"), 0);
        assert_eq!(n("FROM a AS base\nHEALTHCHECK CMD x\nFROM base\n"), 0);
        assert_eq!(n("FROM a AS one\nHEALTHCHECK CMD x\nFROM a\n"), 1);
        // ONBUILD HEALTHCHECK acts in another build.
        assert_eq!(n("FROM a\nONBUILD HEALTHCHECK CMD x\n"), 1);
    }
}
