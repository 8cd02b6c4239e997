//! `dfix verify`: builds and runs a Dockerfile as written and as dfix fixes
//! it, and says whether the fix kept the image working. The fixed text comes
//! from [`crate::pipeline`], the code behind `dfix --diff`; it is written
//! to a temporary Dockerfile and built with `-f` in the real context, so the
//! user's file is never touched.

pub mod builder;
pub mod process;
pub mod report;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use builder::{Builder, ImageInfo};
use process::Exit;

/// What to build and how.
pub struct Job<'a> {
    /// The Dockerfile, as given.
    pub path: &'a Path,
    /// The build context.
    pub context: &'a Path,
    /// The text "before" (the file, or the file at `--base`).
    pub before: &'a str,
    /// The text "after" (the fixed file).
    pub after: &'a str,
    /// Fixes applied to get `after`.
    pub fixes: usize,
    /// `--smoke`: the command run in both images instead of their CMD.
    pub smoke: Option<&'a [String]>,
    /// The longest a run may take.
    pub run_limit: Duration,
    /// A folder for the temporary Dockerfiles.
    pub scratch: &'a Path,
    /// Keep the images afterwards.
    pub keep_images: bool,
}

/// The user a container of an image runs as.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RunUser {
    /// `USER` as configured (`root` when none).
    pub name: String,
    /// Its uid, when it is numeric or in the image's /etc/passwd.
    pub uid: Option<u32>,
    /// The user part is a number.
    pub numeric: bool,
    /// The uid (or name) has an entry in the image's /etc/passwd.
    pub in_passwd: bool,
}

impl RunUser {
    /// Resolves a `USER` value (`name`, `uid`, `name:group`, empty for root)
    /// against an image's /etc/passwd text.
    pub fn resolve(user: &str, passwd: Option<&str>) -> RunUser {
        let name = user.split(':').next().unwrap_or("").trim();
        let name = if name.is_empty() { "root" } else { name };
        let entries: Vec<(&str, Option<u32>)> = passwd
            .unwrap_or("")
            .lines()
            .filter_map(|l| {
                let mut f = l.split(':');
                let n = f.next()?;
                f.next();
                Some((n, f.next().and_then(|u| u.parse().ok())))
            })
            .collect();
        let numeric = name.parse::<u32>().ok();
        let found = entries
            .iter()
            .find(|(n, u)| match numeric {
                Some(id) => *u == Some(id),
                None => *n == name,
            })
            .copied();
        RunUser {
            name: name.to_string(),
            uid: numeric.or_else(|| found.and_then(|(_, u)| u)),
            numeric: numeric.is_some(),
            in_passwd: found.is_some(),
        }
    }
}

/// One side (before or after) of a verification.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Side {
    /// The image built.
    pub built: bool,
    /// Why it did not build or run (end of the log).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// Filesystem layers.
    pub layers: usize,
    /// The user it runs as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<RunUser>,
    /// The exit code of the run (`None`: not run, or still running at the
    /// time limit).
    pub exit_code: Option<i32>,
    /// Still running at the time limit (a server): stopped, counts as
    /// started.
    pub still_running: bool,
    /// What the run printed.
    pub output: String,
    /// Seconds the build took.
    pub build_seconds: f64,
}

impl Side {
    /// It built and its command succeeded (or was still running).
    pub fn works(&self) -> bool {
        self.built && (self.exit_code == Some(0) || self.still_running)
    }
}

/// The verdict on one Dockerfile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The fixed image builds and behaves as the original did.
    Ok,
    /// dfix had nothing to fix: only the original was built and run.
    Unchanged,
    /// The fixed image fails where the original worked.
    Regression,
    /// The original does not build or run: nothing to compare with.
    OriginalBroken,
}

/// The result for one Dockerfile.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The Dockerfile.
    pub path: String,
    /// The engine used.
    pub engine: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Why a regression is one.
    pub reasons: Vec<String>,
    /// Fixes applied.
    pub fixes: usize,
    /// As written.
    pub before: Side,
    /// As fixed.
    pub after: Side,
    /// The fixed Dockerfile that was built.
    pub fixed_dockerfile: String,
    /// The smoke command, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smoke: Option<Vec<String>>,
    /// Seconds in all.
    pub seconds: f64,
}

/// Builds and runs one side.
fn build_and_run(builder: &dyn Builder, job: &Job, text: &str, label: &str, tag: &str) -> Side {
    let mut side = Side::default();
    let dockerfile = job.scratch.join(format!("Dockerfile.{label}"));
    if let Err(e) = std::fs::write(&dockerfile, text) {
        side.error = Some(format!("{}: {e}", dockerfile.display()));
        return side;
    }
    let started = Instant::now();
    let built = builder.build(job.context, &dockerfile, tag);
    side.build_seconds = started.elapsed().as_secs_f64();
    if let Err(e) = built {
        side.error = Some(e);
        return side;
    }
    side.built = true;
    let image = match builder.inspect(tag) {
        Ok(i) => i,
        Err(e) => {
            side.error = Some(e);
            return side;
        }
    };
    side.size = image.size;
    side.layers = image.layers;
    let passwd = builder.read_file(tag, "/etc/passwd").ok().flatten();
    side.user = Some(RunUser::resolve(&image.user, passwd.as_deref()));
    run_side(builder, job, tag, &image, &mut side);
    side
}

fn run_side(builder: &dyn Builder, job: &Job, tag: &str, image: &ImageInfo, side: &mut Side) {
    match builder.run(tag, image, job.smoke, job.run_limit) {
        Ok(done) => {
            side.output = done.output;
            match done.exit {
                Exit::Code(c) => side.exit_code = Some(c),
                Exit::TimedOut => side.still_running = true,
            }
        }
        Err(e) => side.error = Some(e),
    }
}

/// Verifies one Dockerfile with `builder`.
pub fn verify(builder: &dyn Builder, job: &Job) -> FileReport {
    let started = Instant::now();
    let base = format!("localhost/dfix-verify-{}", std::process::id());
    let unique = job
        .path
        .to_string_lossy()
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    let (tag_before, tag_after) = (
        format!("{base}-{unique:08x}:before"),
        format!("{base}-{unique:08x}:after"),
    );
    let before = build_and_run(builder, job, job.before, "before", &tag_before);
    let changed = job.after != job.before;
    let after = if changed && before.built {
        build_and_run(builder, job, job.after, "after", &tag_after)
    } else {
        Side::default()
    };
    if !job.keep_images {
        builder.remove(&tag_before);
        if changed {
            builder.remove(&tag_after);
        }
    }
    let mut reasons = Vec::new();
    let verdict = if !before.works() {
        Verdict::OriginalBroken
    } else if !changed {
        Verdict::Unchanged
    } else {
        if !after.built {
            reasons.push("the fixed Dockerfile does not build".to_string());
        } else if !after.works() {
            reasons.push(match (&after.error, after.exit_code) {
                (Some(e), _) => format!("the fixed image does not run: {e}"),
                (None, Some(c)) => format!("the fixed image's command exits {c}"),
                (None, None) => "the fixed image's command did not run".to_string(),
            });
        } else if job.smoke.is_some() && before.output != after.output {
            reasons.push("the smoke command prints something else".to_string());
        }
        if reasons.is_empty() {
            Verdict::Ok
        } else {
            Verdict::Regression
        }
    };
    FileReport {
        path: job.path.display().to_string(),
        engine: builder.name().to_string(),
        verdict,
        reasons,
        fixes: job.fixes,
        before,
        after,
        fixed_dockerfile: job.after.to_string(),
        smoke: job.smoke.map(<[String]>::to_vec),
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// Splits a `--smoke` command line into words as a POSIX shell would,
/// without expansions: blanks separate words, quotes and backslashes
/// protect. `Err` on an unclosed quote.
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err(format!("unclosed ' in `{line}`")),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => w.push(c),
                            Some(c) => {
                                w.push('\\');
                                w.push(c);
                            }
                            None => return Err(format!("unclosed \" in `{line}`")),
                        },
                        Some(c) => w.push(c),
                        None => return Err(format!("unclosed \" in `{line}`")),
                    }
                }
            }
            '\\' => {
                let w = word.get_or_insert_with(String::new);
                if let Some(c) = chars.next() {
                    w.push(c);
                }
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

/// A folder for one run's temporary Dockerfiles and logs, removed on drop
/// unless [`Scratch::keep`] was called.
pub struct Scratch {
    /// The folder.
    pub dir: PathBuf,
    keep: bool,
}

impl Scratch {
    /// Makes the folder.
    pub fn new() -> Result<Scratch, String> {
        let dir = tempfile::Builder::new()
            .prefix("dfix-verify-")
            .tempdir()
            .map_err(|e| format!("cannot make a temporary folder: {e}"))?
            .keep();
        Ok(Scratch { dir, keep: false })
    }

    /// Keep the folder (its logs explain a failure).
    pub fn keep(&mut self) {
        self.keep = true;
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests;
