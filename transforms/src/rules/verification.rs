//! Where RUN and ENV turn TLS certificate or package signature checks off:
//! the scanner behind `tls-verification-disabled` (DF242) and
//! `signature-verification-disabled` (DF243).

use dfix_grammar::shell::Command;
use dfix_grammar::{Document, Kind};

use crate::rules::shell_cmds::each_command;

/// One way of turning a check off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// File span of the command or ENV word.
    pub span: std::ops::Range<usize>,
    /// What was turned off, for the message.
    pub what: String,
    /// The Checkov id of this form.
    pub checkov: &'static str,
}

fn truthy_off(v: &str) -> bool {
    matches!(
        v.trim_matches(['"', '\'']).to_ascii_lowercase().as_str(),
        "0" | "false" | "no" | "off"
    )
}

/// Environment variables that turn TLS checks off, with the value test and
/// the Checkov id.
fn tls_env(name: &str, value: &str) -> Option<&'static str> {
    let v = value.trim_matches(['"', '\'']);
    match name {
        "PYTHONHTTPSVERIFY" if v == "0" => Some("CKV2_DOCKER_5"),
        "NODE_TLS_REJECT_UNAUTHORIZED" if v == "0" => Some("CKV2_DOCKER_6"),
        "NPM_CONFIG_STRICT_SSL" | "npm_config_strict_ssl" if truthy_off(v) => {
            Some("CKV2_DOCKER_12")
        }
        "GIT_SSL_NO_VERIFY" if !v.is_empty() && !truthy_off(v) => Some("CKV2_DOCKER_14"),
        "PIP_TRUSTED_HOST" if !v.is_empty() => Some("CKV2_DOCKER_16"),
        _ => None,
    }
}

/// `NAME=value` pairs an ENV sets, with the file span of each word.
fn env_pairs(doc: &Document) -> Vec<(String, String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    for ins in &doc.instructions {
        let ins = ins.effective();
        if ins.kind != Kind::Env {
            continue;
        }
        let words = &ins.words;
        if words.first().is_some_and(|w| !w.value().contains('=')) {
            let rest: Vec<&str> = words[1..].iter().map(|w| w.value()).collect();
            out.push((
                words[0].value().to_string(),
                rest.join(" "),
                ins.span.clone(),
            ));
            continue;
        }
        for w in words {
            if let Some((k, v)) = w.value().split_once('=') {
                out.push((k.to_string(), v.to_string(), ins.span.clone()));
            }
        }
    }
    out
}

/// Assignments a command makes (`X=1 cmd`, `export X=1`).
fn assignments(cmd: &Command) -> Vec<(String, String)> {
    let mut words: Vec<&dfix_grammar::shell::Word> = cmd.assignments.iter().collect();
    if cmd.name_str() == Some("export") {
        words.extend(cmd.args.iter());
    }
    words
        .into_iter()
        .filter_map(|w| {
            w.value
                .as_deref()?
                .split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

fn any_arg(cmd: &Command, pred: impl Fn(&str) -> bool) -> bool {
    cmd.args
        .iter()
        .any(|w| w.value.as_deref().is_some_and(&pred))
}

/// Every place TLS verification is turned off.
pub fn tls(doc: &Document) -> Vec<Finding> {
    let mut out = Vec::new();
    for (k, v, span) in env_pairs(doc) {
        if let Some(id) = tls_env(&k, &v) {
            out.push(Finding {
                span,
                what: format!("`{k}={v}`"),
                checkov: id,
            });
        }
    }
    each_command(doc, |_, _, cmd, _| {
        let mut hit = |what: &str, id: &'static str| {
            out.push(Finding {
                span: cmd.span.clone(),
                what: what.to_string(),
                checkov: id,
            });
        };
        for (k, v) in assignments(cmd) {
            if let Some(id) = tls_env(&k, &v) {
                hit(&format!("`{k}={v}`"), id);
            }
        }
        if cmd.name_is("curl") && (cmd.has_long_flag("insecure") || (cmd.has_flag('k'))) {
            hit("`curl --insecure`", "CKV2_DOCKER_2");
        }
        if cmd.name_is("wget") && cmd.has_long_flag("no-check-certificate") {
            hit("`wget --no-check-certificate`", "CKV2_DOCKER_3");
        }
        let pip = cmd.name_str().is_some_and(|n| {
            let b = n.rsplit('/').next().unwrap_or(n);
            b.starts_with("pip") || b.starts_with("python")
        });
        if pip && cmd.has_long_flag("trusted-host") {
            hit("`pip --trusted-host`", "CKV2_DOCKER_4");
        }
        if (cmd.name_is("npm") || cmd.name_is("yarn"))
            && any_arg(cmd, |v| v == "strict-ssl" || v.starts_with("strict-ssl="))
            && any_arg(cmd, |v| v == "set")
            && any_arg(cmd, |v| v == "false" || v.ends_with("=false"))
        {
            hit("`strict-ssl false`", "CKV2_DOCKER_13");
        }
        if cmd.name_is("git") && any_arg(cmd, |v| v.eq_ignore_ascii_case("http.sslVerify=false")) {
            hit("`git -c http.sslVerify=false`", "CKV2_DOCKER_14");
        }
        if cmd.name_is("git")
            && any_arg(cmd, |v| v.eq_ignore_ascii_case("http.sslVerify"))
            && any_arg(cmd, |v| v == "false")
        {
            hit("`git config http.sslVerify false`", "CKV2_DOCKER_14");
        }
        let rpm_tool = ["yum", "dnf", "microdnf", "tdnf"]
            .iter()
            .any(|n| cmd.name_is(n));
        if rpm_tool
            && any_arg(cmd, |v| {
                let v = v.to_ascii_lowercase();
                v.contains("sslverify=0")
                    || v.contains("sslverify=false")
                    || v.contains("sslverify=no")
            })
        {
            hit("`sslverify` off", "CKV2_DOCKER_15");
        }
        if (cmd.name_is("echo") || cmd.name_is("printf"))
            && any_arg(cmd, |v| {
                let v = v.to_ascii_lowercase().replace(' ', "");
                v.contains("sslverify=0") || v.contains("sslverify=false")
            })
        {
            hit(
                "`sslverify=0` written to a repository configuration",
                "CKV2_DOCKER_15",
            );
        }
    });
    out.sort_by_key(|f| f.span.start);
    out
}

/// Every place package signature verification is turned off.
pub fn signatures(doc: &Document) -> Vec<Finding> {
    let mut out = Vec::new();
    each_command(doc, |_, _, cmd, _| {
        let mut hit = |what: &str, id: &'static str| {
            out.push(Finding {
                span: cmd.span.clone(),
                what: what.to_string(),
                checkov: id,
            });
        };
        if cmd.name_is("apk") && cmd.has_long_flag("allow-untrusted") {
            hit("`apk --allow-untrusted`", "CKV2_DOCKER_7");
        }
        let apt = cmd.name_is("apt-get") || cmd.name_is("apt") || cmd.name_is("aptitude");
        if apt && cmd.has_long_flag("allow-unauthenticated") {
            hit("`apt-get --allow-unauthenticated`", "CKV2_DOCKER_8");
        }
        if apt
            && any_arg(cmd, |v| {
                v.to_ascii_lowercase().contains("allowunauthenticated=true")
            })
        {
            hit("`APT::Get::AllowUnauthenticated=true`", "CKV2_DOCKER_8");
        }
        let rpm_tool = ["yum", "dnf", "microdnf", "tdnf"]
            .iter()
            .any(|n| cmd.name_is(n));
        if rpm_tool && cmd.has_long_flag("nogpgcheck") {
            hit("`--nogpgcheck`", "CKV2_DOCKER_9");
        }
        if cmd.name_is("rpm")
            && ["nodigest", "nosignature", "noverify", "nofiledigest"]
                .iter()
                .any(|f| cmd.has_long_flag(f))
        {
            hit("`rpm` without digest or signature checks", "CKV2_DOCKER_10");
        }
        if apt && cmd.has_long_flag("force-yes") {
            hit("`apt-get --force-yes`", "CKV2_DOCKER_11");
        }
    });
    out
}
