use std::cell::RefCell;
use std::path::Path;
use std::time::Duration;

use super::builder::{Builder, ImageInfo};
use super::process::{Exit, Finished};
use super::*;

/// A builder that "builds" a Dockerfile by reading its text: a line
/// `BROKEN` fails the build, `USER x` sets the user, `SAY x` is what the
/// container prints, `FAIL` makes it exit 1.
#[derive(Default)]
struct FakeBuilder {
    built: RefCell<Vec<(String, String)>>,
    removed: RefCell<Vec<String>>,
}

impl FakeBuilder {
    fn text_of(&self, tag: &str) -> String {
        self.built
            .borrow()
            .iter()
            .rev()
            .find(|(t, _)| t == tag)
            .map(|(_, text)| text.clone())
            .unwrap()
    }
}

impl Builder for FakeBuilder {
    fn name(&self) -> &'static str {
        "fake"
    }
    fn build(&self, _context: &Path, dockerfile: &Path, tag: &str) -> Result<(), String> {
        let text = std::fs::read_to_string(dockerfile).unwrap();
        self.built.borrow_mut().push((tag.into(), text.clone()));
        if text.contains("BROKEN") {
            Err("step 2: exit 127".into())
        } else {
            Ok(())
        }
    }
    fn inspect(&self, tag: &str) -> Result<ImageInfo, String> {
        let text = self.text_of(tag);
        let user = text
            .lines()
            .filter_map(|l| l.strip_prefix("USER "))
            .next_back()
            .unwrap_or("")
            .to_string();
        Ok(ImageInfo {
            user,
            cmd: vec!["run".into()],
            layers: text.lines().count(),
            size: text.len() as u64 * 1000,
            ..ImageInfo::default()
        })
    }
    fn read_file(&self, _tag: &str, path: &str) -> Result<Option<String>, String> {
        assert_eq!(path, "/etc/passwd");
        Ok(Some(
            "root:x:0:0::/root:/bin/sh\napp:x:10001:10001::/home/app:/bin/sh\n".into(),
        ))
    }
    fn run(
        &self,
        tag: &str,
        _image: &ImageInfo,
        command: Option<&[String]>,
        _limit: Duration,
    ) -> Result<Finished, String> {
        let text = self.text_of(tag);
        let said: String = text
            .lines()
            .filter_map(|l| l.strip_prefix("SAY "))
            .map(|s| format!("{s}\n"))
            .collect();
        let output = match command {
            Some(c) => format!("{} {said}", c.join(" ")),
            None => said,
        };
        Ok(Finished {
            exit: Exit::Code(if text.contains("FAIL") { 1 } else { 0 }),
            output,
        })
    }
    fn remove(&self, tag: &str) {
        self.removed.borrow_mut().push(tag.into());
    }
}

fn job<'a>(scratch: &'a Path, before: &'a str, after: &'a str) -> Job<'a> {
    Job {
        path: Path::new("app/Dockerfile"),
        context: Path::new("app"),
        before,
        after,
        fixes: 2,
        smoke: None,
        run_limit: Duration::from_secs(5),
        scratch,
        keep_images: false,
    }
}

#[test]
fn a_fix_that_keeps_the_image_working() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeBuilder::default();
    let before = "FROM x\nSAY hi\n";
    let after = "FROM x\nSAY hi\nUSER 10001:10001\n";
    let r = verify(&fake, &job(dir.path(), before, after));
    assert_eq!(r.verdict, Verdict::Ok, "{r:?}");
    assert!(r.reasons.is_empty());
    // Both texts were built as given, and both images removed.
    let built = fake.built.borrow();
    assert_eq!(built.len(), 2);
    assert_eq!(built[0].1, before);
    assert_eq!(built[1].1, after);
    assert_eq!(fake.removed.borrow().len(), 2);
    assert_eq!(r.fixed_dockerfile, after);
    let user = r.after.user.as_ref().unwrap();
    assert_eq!(
        (user.uid, user.in_passwd, user.numeric),
        (Some(10001), true, true)
    );
    assert_eq!(r.before.user.as_ref().unwrap().uid, Some(0));
    assert_eq!(r.after.output, "hi\n");
    assert_eq!((r.before.layers, r.after.layers), (2, 3));
    assert!(report::text(&r).starts_with("app/Dockerfile: ok (fake, 2 fixes"));
}

#[test]
fn a_fix_that_breaks_the_build_is_a_regression() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeBuilder::default();
    let r = verify(
        &fake,
        &job(dir.path(), "FROM x\nSAY hi\n", "FROM x\nBROKEN\n"),
    );
    assert_eq!(r.verdict, Verdict::Regression);
    assert_eq!(r.reasons, ["the fixed Dockerfile does not build"]);
    assert!(!r.after.built);
    assert_eq!(r.after.error.as_deref(), Some("step 2: exit 127"));
    let text = report::text(&r);
    assert!(
        text.contains("REGRESSION") && text.contains("exit 127"),
        "{text}"
    );
}

#[test]
fn a_fixed_image_that_fails_to_run_is_a_regression() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeBuilder::default();
    let r = verify(&fake, &job(dir.path(), "FROM x\n", "FROM x\nFAIL\n"));
    assert_eq!(r.verdict, Verdict::Regression);
    assert_eq!(r.reasons, ["the fixed image's command exits 1"]);
}

#[test]
fn a_broken_original_is_not_a_regression() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeBuilder::default();
    let r = verify(
        &fake,
        &job(dir.path(), "FROM x\nBROKEN\n", "FROM x\nBROKEN\nUSER 1\n"),
    );
    assert_eq!(r.verdict, Verdict::OriginalBroken);
    assert!(r.reasons.is_empty());
    // The fixed file is not built when there is nothing to compare with.
    assert_eq!(fake.built.borrow().len(), 1);
}

#[test]
fn nothing_to_fix_builds_once() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeBuilder::default();
    let r = verify(
        &fake,
        &job(dir.path(), "FROM x\nSAY a\n", "FROM x\nSAY a\n"),
    );
    assert_eq!(r.verdict, Verdict::Unchanged);
    assert_eq!(fake.built.borrow().len(), 1);
}

#[test]
fn smoke_output_is_compared() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeBuilder::default();
    let smoke = vec!["--version".to_string()];
    let mut j = job(dir.path(), "FROM x\nSAY 1.0\n", "FROM x\nSAY 2.0\n");
    j.smoke = Some(&smoke);
    let r = verify(&fake, &j);
    assert_eq!(r.verdict, Verdict::Regression);
    assert_eq!(r.reasons, ["the smoke command prints something else"]);
    assert_eq!(r.before.output, "--version 1.0\n");
    assert!(report::text(&r).contains("smoke `--version`: different output"));
    // The same output is not a regression.
    let mut j = job(
        dir.path(),
        "FROM x\nSAY 1.0\n",
        "FROM x\nSAY 1.0\nUSER app\n",
    );
    j.smoke = Some(&smoke);
    let r = verify(&fake, &j);
    assert_eq!(r.verdict, Verdict::Ok);
    assert_eq!(r.after.user.as_ref().unwrap().uid, Some(10001));
}

#[test]
fn users_resolve_against_passwd() {
    let passwd = "root:x:0:0:root:/root:/bin/bash\nnode:x:1000:1000::/home/node:/bin/sh\n";
    let r = RunUser::resolve("", Some(passwd));
    assert_eq!(
        (r.name.as_str(), r.uid, r.in_passwd),
        ("root", Some(0), true)
    );
    let r = RunUser::resolve("node", Some(passwd));
    assert_eq!((r.uid, r.in_passwd, r.numeric), (Some(1000), true, false));
    let r = RunUser::resolve("1000:1000", Some(passwd));
    assert_eq!((r.uid, r.in_passwd, r.numeric), (Some(1000), true, true));
    let r = RunUser::resolve("10001", Some(passwd));
    assert_eq!((r.uid, r.in_passwd, r.numeric), (Some(10001), false, true));
    let r = RunUser::resolve("ghost", Some(passwd));
    assert_eq!((r.uid, r.in_passwd), (None, false));
    let r = RunUser::resolve("nonroot:nonroot", None);
    assert_eq!((r.uid, r.in_passwd), (None, false));
}

#[test]
fn smoke_words() {
    assert_eq!(split_words("app --version").unwrap(), ["app", "--version"]);
    assert_eq!(
        split_words(r#"sh -c 'echo "a b"' "x\"y" z\ w"#).unwrap(),
        ["sh", "-c", r#"echo "a b""#, r#"x"y"#, "z w"]
    );
    assert_eq!(split_words("  ").unwrap(), Vec::<String>::new());
    assert_eq!(split_words("''").unwrap(), [""]);
    assert!(split_words("echo 'open").is_err());
    assert!(split_words("echo \"open").is_err());
}
