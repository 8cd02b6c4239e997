//! DF121: a variable read before any `ARG` or `ENV` of its stage defines it.

use std::collections::{HashMap, HashSet};

use dfix_grammar::Kind;

use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::stage_names::is_stage_index;
use crate::rules::variables::var_uses;

const DOC: &str = r#"## What it does
Finds `$NAME` / `${NAME}` in the instructions BuildKit expands (`ADD`,
`COPY` and their `--chown`/`--chmod`/`--from`, `ENV`, `ARG` defaults,
`EXPOSE`, `LABEL`, `STOPSIGNAL`, `USER`, `VOLUME`, `WORKDIR`) where no
`ARG` or `ENV` of the stage (or of the stage it is built `FROM`) defines
the variable before. `RUN`, `CMD` and `ENTRYPOINT` are not checked: the
shell expands their variables at run time, from an environment this file
does not fully show.

## Why is this bad?
An undefined variable expands to nothing, silently: `COPY app-$VERSION.jar`
copies `app-.jar`. The usual causes are a global `ARG` (declared before
the first `FROM`) that the stage never redeclares, an `ARG` declared in
another stage, a use placed before its definition, and BuildKit's platform
arguments (`TARGETARCH`...) used in a stage without `ARG TARGETARCH`.

## Example
```dockerfile
ARG VERSION=1.4
FROM eclipse-temurin:21-jre
COPY app-$VERSION.jar /app.jar
```

## Fixed
```dockerfile
ARG VERSION=1.4
FROM eclipse-temurin:21-jre
ARG VERSION
COPY app-$VERSION.jar /app.jar
```

## Fix safety
No fix: whether the variable should be declared, or is a typo, is for the
author to say.

BuildKit checks against the base image's real environment, which a
linter cannot see offline. So in a stage built from a registry image
(whose environment may define anything, `$GOPATH` in `golang`) dfix only
reports variables that this file declares somewhere else (a global `ARG`
not redeclared, an `ARG` or `ENV` of another stage, or one defined later)
and likely typos (one edit from a name the stage sees, `$PAHT` for
`$PATH`);
in a stage built from `scratch` or from stages of this file, every
undefined variable. `PATH` and the proxy arguments (`HTTP_PROXY`...) count
as defined. A variable written with its own fallback (`${NAME:-default}`)
is not reported, nor one read only when set (`${NAME:+...}`): the line
says what happens when it is unset.

## Aliases
- BuildKit: `UndefinedVar`

## References
- https://docs.docker.com/reference/build-checks/undefined-var/
- https://docs.docker.com/reference/dockerfile/#scope
"#;

/// The rule.
pub struct UndefinedVar;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF121",
    name: "undefined-var",
    aliases: &["UndefinedVar"],
    severity: Severity::Warning,
    summary: "Variables should be defined before their use",
    doc: DOC,
    fix: FixAvailability::None,
    options: &[],
};

/// Variables defined in every stage: the default `PATH`, the proxy
/// arguments and the ones BuildKit never reports.
const ALWAYS_DEFINED: &[&str] = &[
    "PATH",
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
    "SOURCE_DATE_EPOCH",
    "BUILDKIT_SBOM_SCAN_CONTEXT",
    "BUILDKIT_SBOM_SCAN_STAGE",
];

/// BuildKit's platform arguments: defined for `FROM`, but in a stage only
/// once an `ARG` line declares them.
const PLATFORM_ARGS: &[&str] = &[
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
];

/// What a stage's environment holds at its end.
#[derive(Clone)]
struct StageEnv {
    /// Names its `ENV` lines (and those of its parents in this file) set.
    env: HashSet<String>,
    /// The whole environment is known: the chain of bases ends at `scratch`.
    known: bool,
}

fn arg_or_env_names(ins: &dfix_grammar::Instruction) -> Vec<String> {
    match ins.kind {
        Kind::Arg => ins
            .words
            .iter()
            .map(|w| w.value().split('=').next().unwrap_or("").to_string())
            .collect(),
        Kind::Env => {
            if ins.words.len() >= 2 && !ins.words[0].value().contains('=') {
                vec![ins.words[0].value().to_string()]
            } else {
                ins.words
                    .iter()
                    .filter_map(|w| w.value().split_once('=').map(|(k, _)| k.to_string()))
                    .collect()
            }
        }
        _ => Vec::new(),
    }
}

/// The edit distance between `a` and `b` counting a swap of two
/// neighbours as one edit (so `PAHT` is one edit from `PATH`).
fn typo_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// A visible name one edit away from `name` (names of four characters or
/// more, so that short names do not all look alike).
fn likely_typo<'a>(name: &str, visible: impl Iterator<Item = &'a String>) -> Option<&'a String> {
    if name.chars().count() < 4 {
        return None;
    }
    visible
        .filter(|v| v.as_str() != name && typo_distance(name, v) == 1)
        .min()
}

impl Rule for UndefinedVar {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let doc = ctx.doc;
        let escape = doc.escape;
        let stages = doc.stages();
        let first_from = stages.first().map_or(doc.instructions.len(), |s| s.from);
        let global: HashSet<String> = doc.instructions[..first_from]
            .iter()
            .filter(|i| i.kind == Kind::Arg)
            .flat_map(arg_or_env_names)
            .collect();
        // Where each name is declared (instruction indices).
        let mut declared_at: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, ins) in doc.instructions.iter().enumerate() {
            if ins.sub.is_none() {
                for name in arg_or_env_names(ins) {
                    declared_at.entry(name).or_default().push(i);
                }
            }
        }
        let mut by_name: HashMap<String, usize> = HashMap::new();
        let mut envs: Vec<StageEnv> = Vec::new();
        let mut out = Vec::new();
        for stage in stages {
            let base = stage
                .base
                .as_ref()
                .map(|w| w.value().to_string())
                .unwrap_or_default();
            let parent = if is_stage_index(&base) {
                base.parse::<usize>().ok().filter(|i| *i < envs.len())
            } else {
                by_name.get(&base.to_ascii_lowercase()).copied()
            };
            let mut env = match parent {
                Some(p) => envs[p].clone(),
                None => StageEnv {
                    env: HashSet::new(),
                    known: base.eq_ignore_ascii_case("scratch"),
                },
            };
            let mut args: HashSet<String> = HashSet::new();
            for i in stage.instructions.clone().skip(1) {
                let ins = &doc.instructions[i];
                if ins.sub.is_some() {
                    continue;
                }
                let expands = matches!(
                    ins.kind,
                    Kind::Add
                        | Kind::Copy
                        | Kind::Env
                        | Kind::Arg
                        | Kind::Expose
                        | Kind::Label
                        | Kind::Stopsignal
                        | Kind::User
                        | Kind::Volume
                        | Kind::Workdir
                );
                if expands {
                    let mut texts: Vec<(&str, std::ops::Range<usize>)> = ins
                        .words
                        .iter()
                        .map(|w| (w.raw.as_str(), w.span.clone()))
                        .collect();
                    if matches!(ins.kind, Kind::Add | Kind::Copy) {
                        for f in &ins.flags {
                            if matches!(f.name.as_str(), "chown" | "chmod" | "from") {
                                if let Some(v) = f.value.as_deref() {
                                    texts.push((v, f.span.clone()));
                                }
                            }
                        }
                    }
                    let mut reported: HashSet<String> = HashSet::new();
                    for (text, span) in texts {
                        for u in var_uses(text, escape) {
                            let name = u.name.as_str();
                            if u.handles_unset
                                || args.contains(name)
                                || env.env.contains(name)
                                || ALWAYS_DEFINED.contains(&name)
                                || reported.contains(name)
                            {
                                continue;
                            }
                            let path = "PATH".to_string();
                            let typo = likely_typo(
                                name,
                                args.iter()
                                    .chain(env.env.iter())
                                    .chain(std::iter::once(&path)),
                            );
                            let why = if PLATFORM_ARGS.contains(&name) {
                                format!("declare it in this stage with `ARG {name}`")
                            } else if global.contains(name) {
                                format!(
                                    "it is a global ARG, which a stage sees only after `ARG {name}`"
                                )
                            } else if declared_at
                                .get(name)
                                .is_some_and(|at| at.iter().any(|&d| d != i))
                            {
                                // Not the instruction itself: `ENV X=$X:...`
                                // appends to what the base image set.
                                "it is defined only in another stage or further down".to_string()
                            } else if let Some(t) = typo {
                                format!("did you mean `${t}`?")
                            } else if env.known {
                                "nothing defines it".to_string()
                            } else {
                                // The base image's environment may define it.
                                continue;
                            };
                            reported.insert(name.to_string());
                            out.push(Diagnostic::new(
                                &META,
                                format!("Usage of undefined variable `${name}`: {why}"),
                                span.clone(),
                            ));
                        }
                    }
                }
                match ins.kind {
                    Kind::Arg => args.extend(arg_or_env_names(ins)),
                    Kind::Env => env.env.extend(arg_or_env_names(ins)),
                    _ => {}
                }
            }
            if let Some(name) = &stage.name {
                by_name.insert(name.value().to_ascii_lowercase(), envs.len());
            }
            envs.push(env);
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
            "scopes",
            include_str!("fixtures/undefined_var.Dockerfile"),
        );
    }

    #[test]
    fn scopes() {
        let n = |s: &str| findings(&META, s).len();
        // BuildKit's own example, and a stage from scratch.
        assert_eq!(n("FROM scratch AS base\nCOPY $foo .\n"), 1);
        assert_eq!(n("FROM scratch AS base\nARG foo\nCOPY $foo .\n"), 0);
        // A registry image may define it; a global ARG it must redeclare.
        assert_eq!(n("FROM alpine\nCOPY $GOPATH/x .\n"), 0);
        assert_eq!(n("ARG V=1\nFROM alpine\nLABEL v=$V\n"), 1);
        assert_eq!(n("ARG V=1\nFROM alpine\nARG V\nLABEL v=$V\n"), 0);
        // Defined later, or in another stage.
        assert_eq!(n("FROM alpine\nWORKDIR $APP\nENV APP=/app\n"), 1);
        assert_eq!(n("FROM alpine AS a\nARG X\nFROM alpine\nCOPY $X .\n"), 1);
        // ENV is inherited through FROM <stage>, ARG is not.
        assert_eq!(n("FROM scratch AS a\nENV X=1\nFROM a\nCOPY $X .\n"), 0);
        assert_eq!(n("FROM scratch AS a\nARG X=1\nFROM a\nCOPY $X .\n"), 1);
        // Platform args need their ARG line in the stage.
        assert_eq!(n("FROM alpine\nCOPY bin/$TARGETARCH /app\n"), 1);
        assert_eq!(
            n("FROM alpine\nARG TARGETARCH\nCOPY bin/$TARGETARCH /app\n"),
            0
        );
        // RUN, fallbacks, PATH, single quotes.
        assert_eq!(n("FROM scratch\nRUN echo $X\n"), 0);
        assert_eq!(
            n("FROM scratch\nCOPY ${X:-a} .\nENV PATH=$PATH:/x\nLABEL a='$Y'\n"),
            0
        );
        // ENV reads the environment from before the line.
        assert_eq!(n("FROM scratch\nENV A=1 B=$A\n"), 1);
        // Appending to what the image may define, and `${X:+...}`.
        assert_eq!(
            n("FROM alpine\nENV LD_LIBRARY_PATH=$LD_LIBRARY_PATH:/x\n"),
            0
        );
        assert_eq!(n("FROM alpine\nENV L ${L:+$L:}/x\n"), 0);
        assert_eq!(n("FROM scratch\nENV L=$L:/x\n"), 1);
        // A likely typo of a visible name, even over a registry image.
        let typo = findings(&META, "FROM alpine\nENV PATH=$PAHT:/app/bin\n");
        assert_eq!(typo.len(), 1);
        assert!(
            typo[0].message.contains("did you mean `$PATH`"),
            "{}",
            typo[0].message
        );
        assert_eq!(n("FROM alpine\nARG APP_HOME\nWORKDIR $APP_HOEM\n"), 1);
        assert_eq!(n("FROM alpine\nARG ABC\nWORKDIR $ABD\n"), 0);
        assert_eq!(typo_distance("kitten", "sitting"), 3);
    }
}
