//! DF261: a runtime stage on an eclipse-temurin JDK that only runs `java`.

use crate::bases::guard::{entry_programs, runtime_stage_images, Block, StageCheck};
use crate::bases::TagGrammar;
use crate::diagnostic::Diagnostic;
use crate::rule::{Context, FixAvailability, Rule, RuleMeta, Severity};
use crate::rules::helpers::retag_finding;

const DOC: &str = r#"## What it does
Finds a runtime stage (the final stage, or one no later stage builds on or
copies from) based on an `eclipse-temurin` JDK (`21`, `21-jdk`,
`21-jdk-noble`) whose CMD or ENTRYPOINT runs `java`, and moves it to the
JRE of the same version and OS (`21-jre`, `21-jre-noble`).

The tag is rewritten only when nothing in the stage uses what a JRE lacks:
no RUN, CMD, ENTRYPOINT or HEALTHCHECK calls `javac`, `jar`, `jlink`,
`jshell`, `jdeps`, `mvn` or `gradle` (the list is data:
`transforms/data/bases.toml`). A stage whose entrypoint is a script or no
command at all (the JDK image's default is `jshell`) is reported with the
suggested tag only.

## Why is this bad?
A JDK carries the compiler, `jlink`, `jshell` and debugging tools: about
twice the size of the JRE, and tools a production container never needs.

## Example
```dockerfile
FROM maven:3.9-eclipse-temurin-21 AS build
RUN mvn -B package

FROM eclipse-temurin:21-jdk
COPY --from=build /app/target/app.jar /app/app.jar
CMD ["java", "-jar", "/app/app.jar"]
```

## Fixed
```dockerfile
FROM maven:3.9-eclipse-temurin-21 AS build
RUN mvn -B package

FROM eclipse-temurin:21-jre
COPY --from=build /app/target/app.jar /app/app.jar
CMD ["java", "-jar", "/app/app.jar"]
```

## Fix safety
Unsafe: the image changes. An application that compiles at run time
(`javax.tools.ToolProvider`, some JSP engines and scripting setups) or
attaches diagnostic tools (`jcmd`, `jstack`) needs the JDK. The Java
version and the OS are kept. A digest pin is removed with the old tag; the
pinning rule (DF250) pins the new tag when it can reach the registry.

## Aliases
None: hadolint, Trivy, BuildKit and Checkov have no equivalent check.

## References
- https://hub.docker.com/_/eclipse-temurin
- https://adoptium.net/blog/2021/12/eclipse-temurin-linux-installers-available/
"#;

/// The rule.
pub struct JdkInRuntimeStage;

/// Metadata.
pub static META: RuleMeta = RuleMeta {
    id: "DF261",
    name: "jdk-in-runtime-stage",
    aliases: &[],
    severity: Severity::Warning,
    summary: "A runtime stage that only runs `java` should use the JRE, not the JDK",
    doc: DOC,
    fix: FixAvailability::Sometimes,
    options: &[],
};

impl Rule for JdkInRuntimeStage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context) -> Vec<Diagnostic> {
        let bases = ctx.bases();
        let doc = ctx.doc;
        let stages = doc.stages();
        let mut out = Vec::new();
        for (s, u, reference) in runtime_stage_images(doc, stages) {
            let Some(official) = bases.official(&reference) else {
                continue;
            };
            if official.family.tag != TagGrammar::Temurin {
                continue;
            }
            let Some(jre) = official.tag.as_deref().and_then(|t| bases.jre_tag(t)) else {
                continue;
            };
            let suggested = format!("{}:{jre}", reference.familiar_name());
            let check = StageCheck {
                doc,
                stages,
                index: s,
                bases,
                lacks: &official.family.lacks,
            };
            let mut blocks: Vec<String> = check
                .blocks(false, official.family_name)
                .iter()
                .map(Block::describe)
                .collect();
            let programs = entry_programs(doc, &stages[s]);
            if !programs.iter().any(|p| p == "java") {
                let what = if programs.is_empty() {
                    "no CMD or ENTRYPOINT: the JDK image's default, `jshell`".to_string()
                } else {
                    format!("`{}`", programs.join(" "))
                };
                blocks.push(Block::EntrypointNotJava(what).describe());
            }
            let found = format!(
                "`{}` is a JDK in a runtime stage; `{suggested}` is its JRE",
                u.reference
            );
            let d = retag_finding(
                &META,
                ctx.source(),
                &u,
                &reference,
                &jre,
                &suggested,
                found,
                "the JDK",
                blocks,
            );
            out.push(d);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::Applicability;
    use crate::rules::test_support::{assert_fixture, findings, fix_rule_with};

    #[test]
    fn fixture() {
        assert_fixture(
            &META,
            "temurin",
            include_str!("fixtures/base_jdk_runtime/temurin.Dockerfile"),
        );
    }

    #[test]
    fn rewrites_keeping_version_and_os() {
        for (from, to) in [
            ("eclipse-temurin:21-jdk", "eclipse-temurin:21-jre"),
            ("eclipse-temurin:21", "eclipse-temurin:21-jre"),
            (
                "eclipse-temurin:17-jdk-noble",
                "eclipse-temurin:17-jre-noble",
            ),
            (
                "eclipse-temurin:21-jdk-alpine",
                "eclipse-temurin:21-jre-alpine",
            ),
        ] {
            let src = format!("FROM {from}\nCOPY app.jar /app.jar\nENTRYPOINT [\"java\", \"-jar\", \"/app.jar\"]\n");
            let out = fix_rule_with(&META, &src, None, true);
            assert_eq!(
                out,
                format!("FROM {to}\nCOPY app.jar /app.jar\nENTRYPOINT [\"java\", \"-jar\", \"/app.jar\"]\n"),
                "{from}"
            );
        }
    }

    #[test]
    fn guards_block() {
        for src in [
            "FROM eclipse-temurin:21-jdk\nRUN javac Main.java\nCMD [\"java\", \"Main\"]\n",
            "FROM eclipse-temurin:21-jdk\nRUN jar xf app.jar\nCMD [\"java\", \"-jar\", \"app.jar\"]\n",
            "FROM eclipse-temurin:21-jdk\nRUN ./mvnw package\nCMD [\"java\", \"-jar\", \"app.jar\"]\n",
            "FROM eclipse-temurin:21-jdk\nCMD [\"jshell\"]\n",
            "FROM eclipse-temurin:21-jdk\nCOPY start.sh /\nCMD [\"/start.sh\"]\n",
            "FROM eclipse-temurin:21-jdk\nCOPY app.jar /\n",
        ] {
            let f = findings(&META, src);
            assert_eq!(f.len(), 1, "{src}");
            assert_eq!(f[0].applicability(), Some(Applicability::DisplayOnly), "{src}");
        }
        for src in [
            "FROM eclipse-temurin:21-jre\nCMD [\"java\", \"-jar\", \"app.jar\"]\n",
            "FROM eclipse-temurin:21-jdk AS build\nRUN javac A.java\nFROM eclipse-temurin:21-jre\nCOPY --from=build /A.class /\nCMD [\"java\", \"A\"]\n",
            "FROM openjdk:21\nCMD [\"java\", \"-jar\", \"app.jar\"]\n",
        ] {
            assert!(findings(&META, src).is_empty(), "{src}");
        }
    }
}
