//! Fixture snapshots of the non-root pass (both rules together, unsafe
//! fixes on), and the check of every generated user-creating command
//! against the real option lists of shadow's and BusyBox's tools.

use dfix_grammar::shell::{ShellScript, ShellSource};
use dfix_grammar::{Document, Kind};

use super::analysis::{global_args, is_root, stage_users, UserValue};
use super::create::{chown_command, create_user_command};
use super::db::{CreateStyle, ImageDb};
use crate::engine;
use crate::rule::{Facts, OptionValue, RuleOptions};
use crate::settings::Settings;

/// Every fixture, by name.
const FIXTURES: &[(&str, &str)] = &[
    (
        "debian",
        include_str!("../rules/security/fixtures/nonroot/debian.Dockerfile"),
    ),
    (
        "ubuntu_lowercase",
        include_str!("../rules/security/fixtures/nonroot/ubuntu_lowercase.Dockerfile"),
    ),
    (
        "alpine",
        include_str!("../rules/security/fixtures/nonroot/alpine.Dockerfile"),
    ),
    (
        "busybox",
        include_str!("../rules/security/fixtures/nonroot/busybox.Dockerfile"),
    ),
    (
        "rhel",
        include_str!("../rules/security/fixtures/nonroot/rhel.Dockerfile"),
    ),
    (
        "fedora",
        include_str!("../rules/security/fixtures/nonroot/fedora.Dockerfile"),
    ),
    (
        "amazonlinux",
        include_str!("../rules/security/fixtures/nonroot/amazonlinux.Dockerfile"),
    ),
    (
        "distroless",
        include_str!("../rules/security/fixtures/nonroot/distroless.Dockerfile"),
    ),
    (
        "scratch",
        include_str!("../rules/security/fixtures/nonroot/scratch.Dockerfile"),
    ),
    (
        "windows_backtick_crlf",
        include_str!("../rules/security/fixtures/nonroot/windows_backtick_crlf.Dockerfile"),
    ),
    (
        "unknown_base",
        include_str!("../rules/security/fixtures/nonroot/unknown_base.Dockerfile"),
    ),
    (
        "node_ships_user",
        include_str!("../rules/security/fixtures/nonroot/node_ships_user.Dockerfile"),
    ),
    (
        "existing_user",
        include_str!("../rules/security/fixtures/nonroot/existing_user.Dockerfile"),
    ),
    (
        "multistage_arg_from",
        include_str!("../rules/security/fixtures/nonroot/multistage_arg_from.Dockerfile"),
    ),
    (
        "heredoc",
        include_str!("../rules/security/fixtures/nonroot/heredoc.Dockerfile"),
    ),
    (
        "workdir_after_last_run",
        include_str!("../rules/security/fixtures/nonroot/workdir_after_last_run.Dockerfile"),
    ),
    (
        "volume_data_folder",
        include_str!("../rules/security/fixtures/nonroot/volume_data_folder.Dockerfile"),
    ),
    (
        "distroless_workdir",
        include_str!("../rules/security/fixtures/nonroot/distroless_workdir.Dockerfile"),
    ),
    (
        "crlf_root",
        include_str!("../rules/security/fixtures/nonroot/crlf_root.Dockerfile"),
    ),
    (
        "root_at_end",
        include_str!("../rules/security/fixtures/nonroot/root_at_end.Dockerfile"),
    ),
    (
        "unresolved_user",
        include_str!("../rules/security/fixtures/nonroot/unresolved_user.Dockerfile"),
    ),
    (
        "no_final_newline",
        include_str!("../rules/security/fixtures/nonroot/no_final_newline.Dockerfile"),
    ),
    (
        "indented_chown",
        include_str!("../rules/security/fixtures/nonroot/indented_chown.Dockerfile"),
    ),
    (
        "already_nonroot",
        include_str!("../rules/security/fixtures/nonroot/already_nonroot.Dockerfile"),
    ),
];

fn settings(options: Option<RuleOptions>) -> Settings {
    let mut s = Settings::default()
        .with_selection(&["DF201".into(), "DF202".into()], &[])
        .expect("the ids select the rules");
    if let Some(o) = options {
        s = s.with_rule_options("missing-user", o.clone()).unwrap();
        s = s.with_rule_options("last-user-root", o).unwrap();
    }
    s.unsafe_fixes = true;
    s
}

/// The final stage's last `USER`, as the analysis reads it.
pub(crate) fn final_user(doc: &Document) -> Option<UserValue> {
    let stages = doc.stages();
    let last = stages.last()?.index;
    let users = stage_users(doc, stages, last, &global_args(doc));
    users.last_user().map(|(_, u)| u.clone())
}

/// Fixes `src` with both rules; checks that the output parses, that a
/// second run changes nothing and that the final user is non-root.
fn fix_checked(name: &str, src: &str, options: Option<RuleOptions>) -> (String, String) {
    let s = settings(options);
    let checked = engine::check(src, &s, &Facts::new());
    assert!(
        checked.document.errors.is_empty(),
        "{name}: fixture does not parse"
    );
    let fixed = engine::fix(src, &s, &Facts::new()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let out = fixed.output().to_string();
    let doc = Document::parse(&out);
    assert!(
        doc.errors.is_empty(),
        "{name}: output does not parse: {:?}",
        doc.errors
    );
    let again = engine::fix(&out, &s, &Facts::new()).unwrap();
    assert_eq!(again.output(), out, "{name}: a second run changes the text");
    match final_user(&doc) {
        Some(UserValue::Known(u)) => assert!(!is_root(&u), "{name}: still runs as {u}"),
        Some(UserValue::Unresolved(_)) => assert_eq!(out, src, "{name}: unresolved user rewritten"),
        None => panic!("{name}: no USER after the fix"),
    }
    let mut findings = String::new();
    for d in &checked.diagnostics {
        let (line, col) = checked.document.line_col(d.span.start);
        let fix = d
            .fix
            .as_ref()
            .map(|f| format!(" [{}: {}]", f.applicability.as_str(), f.message))
            .unwrap_or_default();
        findings.push_str(&format!("{line}:{col} {} {}{fix}\n", d.rule.id, d.message));
    }
    (findings, out)
}

fn snapshot(name: &str, src: &str, findings: &str, out: &str) {
    // Line ends shown, so CRLF files are visibly kept CRLF.
    let show = |s: &str| s.replace('\r', "\\r");
    let text = format!(
        "---- input\n{}\n---- findings\n{findings}---- fixed with --unsafe-fixes\n{}",
        show(src),
        show(out)
    );
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../snapshots"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(format!("nonroot_{name}"), text);
    });
}

#[test]
fn fixtures() {
    for (name, src) in FIXTURES {
        let (findings, out) = fix_checked(name, src, None);
        snapshot(name, src, &findings, &out);
    }
}

#[test]
fn options_change_the_created_user() {
    let mut o = RuleOptions::new();
    o.insert("user-name".into(), OptionValue::Str("svc".into()));
    o.insert("uid".into(), OptionValue::Int(2000));
    o.insert("numeric-user".into(), OptionValue::Bool(false));
    let src = "FROM debian:bookworm\nRUN true\n";
    let (_, out) = fix_checked("options", src, Some(o));
    assert_eq!(
        out,
        "FROM debian:bookworm\nRUN true\nRUN groupadd --system --gid 2000 svc && useradd --system --no-log-init --uid 2000 --gid svc --create-home svc\nUSER svc\n"
    );
}

#[test]
fn build_stages_option() {
    let src = "FROM alpine AS tools\nRUN apk add --no-cache curl\nFROM alpine AS base\nFROM base\nCOPY --from=tools /usr/bin/curl /usr/bin/\n";
    let (findings, _) = fix_checked("default", src, None);
    assert_eq!(findings.lines().count(), 1, "{findings}");
    let mut o = RuleOptions::new();
    o.insert("build-stages".into(), OptionValue::Bool(true));
    let (findings, out) = fix_checked("build-stages", src, Some(o));
    // `tools` is a leaf build stage; `base` is the final stage's parent.
    assert_eq!(findings.lines().count(), 2, "{findings}");
    assert!(
        out.starts_with("FROM alpine AS tools\nRUN apk add --no-cache curl\nRUN addgroup"),
        "{out}"
    );
    assert!(out.contains("FROM alpine AS base\nFROM base\n"), "{out}");
}

#[test]
fn user_extended_database() {
    let db =
        ImageDb::with_extra("[[images]]\nnames = [\"myorg/*\"]\nfamily = \"alpine\"\n").unwrap();
    let facts = Facts {
        images: Some(std::sync::Arc::new(db)),
        ..Facts::new()
    };
    let src = "FROM myorg/runtime:1\nRUN true\n";
    let out = engine::fix(src, &settings(None), &facts).unwrap();
    assert!(out.output().contains("adduser -S -D"), "{}", out.output());
    // The database travels with the facts: without them the image is
    // unknown and gets a numeric user, whatever another file's facts said.
    let plain = engine::fix(src, &settings(None), &Facts::new()).unwrap();
    assert!(!plain.output().contains("adduser"), "{}", plain.output());
}

// ---- the generated commands against the tools' real options

/// One tool's options: name, whether it takes a value.
struct Tool {
    name: &'static str,
    short: &'static [(char, bool)],
    long: &'static [(&'static str, bool)],
    /// Positional arguments allowed (min, max).
    positional: (usize, usize),
}

/// shadow 4.x `useradd(8)`.
const USERADD: Tool = Tool {
    name: "useradd",
    short: &[
        ('b', true),
        ('c', true),
        ('d', true),
        ('D', false),
        ('e', true),
        ('f', true),
        ('F', false),
        ('g', true),
        ('G', true),
        ('h', false),
        ('k', true),
        ('K', true),
        ('l', false),
        ('m', false),
        ('M', false),
        ('N', false),
        ('o', false),
        ('p', true),
        ('r', false),
        ('R', true),
        ('P', true),
        ('s', true),
        ('u', true),
        ('U', false),
        ('Z', true),
    ],
    long: &[
        ("base-dir", true),
        ("btrfs-subvolume-home", false),
        ("comment", true),
        ("home-dir", true),
        ("defaults", false),
        ("expiredate", true),
        ("inactive", true),
        ("add-subids-for-system", false),
        ("gid", true),
        ("groups", true),
        ("help", false),
        ("skel", true),
        ("key", true),
        ("no-log-init", false),
        ("create-home", false),
        ("no-create-home", false),
        ("no-user-group", false),
        ("non-unique", false),
        ("password", true),
        ("system", false),
        ("root", true),
        ("prefix", true),
        ("shell", true),
        ("uid", true),
        ("user-group", false),
        ("selinux-user", true),
        ("selinux-range", true),
    ],
    positional: (1, 1),
};

/// shadow 4.x `groupadd(8)`.
const GROUPADD: Tool = Tool {
    name: "groupadd",
    short: &[
        ('f', false),
        ('g', true),
        ('h', false),
        ('K', true),
        ('o', false),
        ('p', true),
        ('r', false),
        ('R', true),
        ('P', true),
        ('U', true),
    ],
    long: &[
        ("force", false),
        ("gid", true),
        ("help", false),
        ("key", true),
        ("non-unique", false),
        ("password", true),
        ("system", false),
        ("root", true),
        ("prefix", true),
        ("users", true),
    ],
    positional: (1, 1),
};

/// BusyBox `adduser [OPTIONS] USER [GROUP]`.
const BB_ADDUSER: Tool = Tool {
    name: "adduser",
    short: &[
        ('h', true),
        ('g', true),
        ('s', true),
        ('G', true),
        ('S', false),
        ('D', false),
        ('H', false),
        ('u', true),
        ('k', true),
    ],
    long: &[],
    positional: (1, 2),
};

/// BusyBox `addgroup [-g GID] [-S] [USER] GROUP`.
const BB_ADDGROUP: Tool = Tool {
    name: "addgroup",
    short: &[('g', true), ('S', false)],
    long: &[],
    positional: (1, 2),
};

/// `chown [OPTIONS] OWNER FILE...` (only the form the fix writes).
/// `chown OWNER DIR...` (coreutils and BusyBox).
const CHOWN: Tool = Tool {
    name: "chown",
    short: &[],
    long: &[],
    positional: (2, usize::MAX),
};

/// `mkdir -p DIR...` (coreutils and BusyBox).
const MKDIR: Tool = Tool {
    name: "mkdir",
    short: &[('p', false)],
    long: &[],
    positional: (1, usize::MAX),
};

/// Checks every argument of `words` against `tool`; returns the positionals.
fn check_args(tool: &Tool, words: &[String]) -> Vec<String> {
    let mut positional = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        i += 1;
        if let Some(long) = w.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, _)) => (n, true),
                None => (long, false),
            };
            let Some((_, takes)) = tool.long.iter().find(|(n, _)| *n == name) else {
                panic!("{}: unknown option --{name}", tool.name);
            };
            if *takes && !inline {
                assert!(i < words.len(), "{}: --{name} needs a value", tool.name);
                assert!(
                    !words[i].starts_with('-'),
                    "{}: --{name} value {}",
                    tool.name,
                    words[i]
                );
                i += 1;
            }
            assert!(*takes || !inline, "{}: --{name} takes no value", tool.name);
        } else if w.len() > 1 && w.starts_with('-') {
            let chars: Vec<char> = w[1..].chars().collect();
            for (k, c) in chars.iter().enumerate() {
                let Some((_, takes)) = tool.short.iter().find(|(s, _)| s == c) else {
                    panic!("{}: unknown option -{c}", tool.name);
                };
                if *takes {
                    if k + 1 == chars.len() {
                        assert!(i < words.len(), "{}: -{c} needs a value", tool.name);
                        i += 1;
                    }
                    break;
                }
            }
        } else {
            positional.push(w.clone());
        }
    }
    let (min, max) = tool.positional;
    assert!(
        (min..=max).contains(&positional.len()),
        "{}: {} positional arguments in {words:?}",
        tool.name,
        positional.len()
    );
    positional
}

/// Runs a generated command through tree-sitter-bash and checks each
/// simple command against the tool lists; returns the tools used.
fn check_command(text: &str, busybox: bool) -> Vec<&'static str> {
    let script = ShellScript::parse(ShellSource::from_text(text, 0));
    assert!(!script.has_errors(), "{text}: does not parse as shell");
    let statements = script.statements();
    assert_eq!(statements.len(), 1, "{text}: one && chain");
    let mut used = Vec::new();
    let mut groups: Vec<String> = Vec::new();
    for cmd in script.commands() {
        let name = cmd.name_str().expect("static command name");
        let tool = match (name, busybox) {
            ("useradd", false) => &USERADD,
            ("groupadd", false) => &GROUPADD,
            ("adduser", true) => &BB_ADDUSER,
            ("addgroup", true) => &BB_ADDGROUP,
            ("chown", _) => &CHOWN,
            ("mkdir", _) => &MKDIR,
            _ => panic!("{text}: unexpected command {name}"),
        };
        let words: Vec<String> = cmd
            .args
            .iter()
            .map(|w| w.value.clone().expect("static arguments"))
            .collect();
        let positional = check_args(tool, &words);
        // The user's primary group is the group created before it.
        match tool.name {
            "groupadd" | "addgroup" => groups.push(positional[0].clone()),
            "useradd" => {
                let g = words
                    .iter()
                    .position(|w| w == "--gid" || w == "-g")
                    .unwrap();
                assert!(
                    groups.contains(&words[g + 1]),
                    "{text}: group not created first"
                );
            }
            "adduser" => {
                let g = words.iter().position(|w| w == "-G").unwrap();
                assert!(
                    groups.contains(&words[g + 1]),
                    "{text}: group not created first"
                );
            }
            _ => {}
        }
        used.push(tool.name);
    }
    used
}

#[test]
fn generated_commands_use_real_options() {
    for (style, busybox, tools) in [
        (CreateStyle::Debian, false, ["groupadd", "useradd"]),
        (CreateStyle::Rhel, false, ["groupadd", "useradd"]),
        (CreateStyle::Busybox, true, ["addgroup", "adduser"]),
    ] {
        for (name, uid, gid) in [("app", 10001, 10001), ("svc-user", 1500, 2500)] {
            let cmd = create_user_command(style, name, uid, gid).unwrap();
            assert_eq!(check_command(&cmd, busybox), tools, "{cmd}");
            let with_chown = format!("{cmd} && {}", chown_command(name, "/srv/app"));
            assert_eq!(check_command(&with_chown, busybox).len(), 3);
            // useradd with a uid above the lastlog limit needs --no-log-init (DL3046).
            if !busybox {
                assert!(
                    cmd.contains("--no-log-init") || cmd.contains(" -l "),
                    "{cmd}"
                );
            }
        }
    }
    assert_eq!(create_user_command(CreateStyle::None, "app", 1, 1), None);
}

#[test]
fn fixture_outputs_use_real_options() {
    // Every RUN the fixes added, read back from the fixed files.
    let mut seen = 0;
    for (name, src) in FIXTURES {
        let out = engine::fix(src, &settings(None), &Facts::new()).unwrap();
        let doc = Document::parse(out.output());
        let before = Document::parse(src);
        for ins in doc.instructions.iter().filter(|i| i.kind == Kind::Run) {
            let text = ins.args_text();
            if before.instructions.iter().any(|b| b.args_text() == text) {
                continue;
            }
            let busybox = text.starts_with("addgroup");
            let script = ins.shell_script(doc.source()).unwrap();
            assert!(!script.has_errors(), "{name}: {text}");
            check_command(script.source().text(), busybox);
            seen += 1;
        }
    }
    assert!(seen >= 6, "only {seen} created users in the fixtures");
}
