//! How `dfix verify` prints its results: a short block per Dockerfile, or
//! the reports as JSON.

use std::fmt::Write;

use super::{FileReport, Side, Verdict};

/// Megabytes with one decimal.
fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn side_line(side: &Side) -> String {
    if !side.built {
        return "does not build".to_string();
    }
    let user = side
        .user
        .as_ref()
        .map(|u| match u.uid {
            Some(uid) if u.numeric => format!("uid {uid}"),
            Some(uid) => format!("{} (uid {uid})", u.name),
            None => format!("{} (not in /etc/passwd)", u.name),
        })
        .unwrap_or_else(|| "?".into());
    let ran = match (&side.error, side.exit_code, side.still_running) {
        (Some(e), _, _) => format!("did not run: {}", e.lines().last().unwrap_or("")),
        (None, _, true) => "still running at the time limit (stopped)".to_string(),
        (None, Some(c), _) => format!("exit {c}"),
        (None, None, false) => "not run".to_string(),
    };
    format!(
        "{}, {} layers, runs as {user}, {ran}",
        mb(side.size),
        side.layers
    )
}

/// The text report of one Dockerfile.
pub fn text(r: &FileReport) -> String {
    let mut out = String::new();
    let verdict = match r.verdict {
        Verdict::Ok => "ok",
        Verdict::Unchanged => "nothing to fix",
        Verdict::Regression => "REGRESSION",
        Verdict::OriginalBroken => "the original does not work",
    };
    let _ = writeln!(
        out,
        "{}: {verdict} ({}, {} fixes, {:.0} s)",
        r.path, r.engine, r.fixes, r.seconds
    );
    let _ = writeln!(out, "  before: {}", side_line(&r.before));
    if r.verdict != Verdict::OriginalBroken && r.verdict != Verdict::Unchanged {
        let _ = writeln!(out, "  after:  {}", side_line(&r.after));
    }
    if let Some(smoke) = &r.smoke {
        if r.before.built && r.after.built {
            let same = r.before.output == r.after.output;
            let _ = writeln!(
                out,
                "  smoke `{}`: {}",
                smoke.join(" "),
                if same {
                    "same output"
                } else {
                    "different output"
                }
            );
        }
    }
    for reason in &r.reasons {
        let _ = writeln!(out, "  - {reason}");
    }
    for (label, side) in [("before", &r.before), ("after", &r.after)] {
        if let (Some(e), false) = (&side.error, side.works()) {
            let _ = writeln!(out, "  {label}: {}", e.replace('\n', "\n    "));
        }
    }
    out
}

/// All reports as a JSON array.
pub fn json(reports: &[FileReport]) -> String {
    serde_json::to_string_pretty(reports).unwrap_or_else(|_| "[]".into())
}
