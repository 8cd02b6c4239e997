//! The server's state: the open documents (text, version, line index, the
//! last results), the editor's settings, and the configs found for the
//! documents' paths. Every result comes from [`crate::pipeline`], the code
//! path of the CLI, so the server shows what `dfix --check` and `dfix -`
//! give for the same text.

use std::collections::HashMap;
use std::path::PathBuf;

use lsp_types::Uri;
use serde_json::Value;

use super::convert::{Encoding, LineIndex};
use crate::pipeline::{process_one, Mode, Outcome, RunOptions};
use crate::resolve::{Configs, Overrides};

/// Settings an editor sends (`initializationOptions`,
/// `workspace/didChangeConfiguration`), on top of the config file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EditorSettings {
    /// Apply unsafe fixes in fix-all and formatting (`unsafeFixes`).
    pub unsafe_fixes: bool,
    /// Replaces the config's `select` when not empty (`select`).
    pub select: Vec<String>,
    /// Added to the config's `ignore` (`ignore`).
    pub ignore: Vec<String>,
    /// One config file for every document, as `--config` (`configuration`).
    pub configuration: Option<PathBuf>,
}

impl EditorSettings {
    /// Reads the settings from what a client sent: `{"settings": {...}}`,
    /// `{"dfix": {...}}` or the keys themselves. Unknown keys are ignored
    /// (clients send their own); a known key of the wrong type is an error.
    pub fn from_json(value: &Value) -> Result<EditorSettings, String> {
        let v = value
            .get("settings")
            .or_else(|| value.get("dfix"))
            .unwrap_or(value);
        let v = v.get("dfix").unwrap_or(v);
        let mut s = EditorSettings::default();
        if v.is_null() {
            return Ok(s);
        }
        let list = |key: &str| -> Result<Vec<String>, String> {
            match v.get(key) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| format!("`{key}` must be a list of strings"))
                    })
                    .collect(),
                Some(_) => Err(format!("`{key}` must be a list of strings")),
            }
        };
        s.select = list("select")?;
        s.ignore = list("ignore")?;
        s.unsafe_fixes = match v.get("unsafeFixes") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err("`unsafeFixes` must be true or false".into()),
        };
        s.configuration = match v.get("configuration") {
            None | Some(Value::Null) => None,
            Some(Value::String(p)) if !p.is_empty() => Some(PathBuf::from(p)),
            Some(_) => return Err("`configuration` must be the path of a dfix.toml".into()),
        };
        Ok(s)
    }

    /// The overrides for the pipeline. The server never uses the network,
    /// whatever the config says: digests come from the on-disk cache only.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            select: self.select.clone(),
            ignore: self.ignore.clone(),
            unsafe_fixes: self.unsafe_fixes,
            offline: true,
            refresh_pins: false,
        }
    }
}

/// An open document.
#[derive(Debug)]
pub struct Document {
    /// The text as the client has it.
    pub text: String,
    /// The client's version of it.
    pub version: i32,
    /// The path it is saved at (finds the config, decides the kind).
    pub path: PathBuf,
    /// Line starts of `text`.
    pub index: LineIndex,
    check: Option<Outcome>,
    fixed: Option<Outcome>,
}

impl Document {
    /// A document with no results yet.
    pub fn new(text: String, version: i32, path: PathBuf) -> Document {
        Document {
            index: LineIndex::new(&text),
            text,
            version,
            path,
            check: None,
            fixed: None,
        }
    }

    /// Replaces the text (results are computed again when asked).
    pub fn set_text(&mut self, text: String, version: i32) {
        self.index = LineIndex::new(&text);
        self.text = text;
        self.version = version;
        self.check = None;
        self.fixed = None;
    }
}

/// What the client can do, as far as the server cares.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientCaps {
    /// `workspace.workspaceEdit.documentChanges`: edits name the version.
    pub document_changes: bool,
    /// `workspace.didChangeWatchedFiles.dynamicRegistration`.
    pub watch_files: bool,
    /// `textDocument.diagnostic`: the client pulls diagnostics
    /// (`textDocument/diagnostic`), so none are pushed.
    pub pull_diagnostics: bool,
    /// `workspace.diagnostics.refreshSupport`: the client can be asked to
    /// pull again (`workspace/diagnostic/refresh`) when settings change.
    pub diagnostic_refresh: bool,
    /// `workspace.workspaceEdit.resourceOperations` has `create`: an edit
    /// may create a file (the `.dockerignore` DF601 writes).
    pub create_files: bool,
}

/// The server's state.
pub struct Session {
    /// How positions are counted.
    pub encoding: Encoding,
    /// What the client supports.
    pub caps: ClientCaps,
    /// Open documents by URI.
    pub documents: HashMap<String, Document>,
    settings: EditorSettings,
    /// The configs found so far (or why the `configuration` file is bad).
    configs: Result<Configs, String>,
    /// Requests sent to the client so far (their ids must differ).
    pub requests_sent: u64,
}

impl Session {
    /// A session with the client's settings.
    pub fn new(encoding: Encoding, caps: ClientCaps, settings: EditorSettings) -> Session {
        let configs = Configs::new(settings.configuration.as_deref());
        Session {
            encoding,
            caps,
            documents: HashMap::new(),
            settings,
            configs,
            requests_sent: 0,
        }
    }

    /// New editor settings: configs are found and read again.
    pub fn set_settings(&mut self, settings: EditorSettings) {
        self.settings = settings;
        self.reload();
    }

    /// Forgets every config read and every result (a `dfix.toml` changed).
    pub fn reload(&mut self) {
        self.configs = Configs::new(self.settings.configuration.as_deref());
        for d in self.documents.values_mut() {
            d.check = None;
            d.fixed = None;
        }
    }

    fn run(&mut self, key: &str, mode: Mode) -> Option<Outcome> {
        let overrides = self.settings.overrides();
        let doc = self.documents.get(key)?;
        let configs = match &mut self.configs {
            Ok(c) => c,
            Err(e) => return Some(Outcome::error(e.clone())),
        };
        let options = RunOptions {
            mode,
            overrides,
            // As `dfix -`: an editor's buffer.
            stdin: true,
        };
        Some(process_one(&doc.path, &doc.text, configs, &options))
    }

    /// The findings of a document, as `dfix --check` gives them (cached
    /// per version).
    pub fn check(&mut self, uri: &Uri) -> Option<&Outcome> {
        let key = uri.as_str();
        if self.documents.get(key)?.check.is_none() {
            let o = self.run(key, Mode::Check)?;
            self.documents.get_mut(key)?.check = Some(o);
        }
        self.documents.get(key)?.check.as_ref()
    }

    /// The document fixed, as `dfix -` prints it (cached per version).
    pub fn fixed(&mut self, uri: &Uri) -> Option<&Outcome> {
        let key = uri.as_str();
        if self.documents.get(key)?.fixed.is_none() {
            let o = self.run(key, Mode::Fix)?;
            self.documents.get_mut(key)?.fixed = Some(o);
        }
        self.documents.get(key)?.fixed.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_in_every_shape_clients_send() {
        let want = EditorSettings {
            unsafe_fixes: true,
            select: vec!["DF1".into()],
            ignore: vec![],
            configuration: Some("/x/dfix.toml".into()),
        };
        let inner = json!({"unsafeFixes": true, "select": ["DF1"], "configuration": "/x/dfix.toml", "other": 1});
        for v in [
            inner.clone(),
            json!({ "settings": inner }),
            json!({ "dfix": inner }),
            json!({ "settings": { "dfix": inner } }),
        ] {
            assert_eq!(EditorSettings::from_json(&v).unwrap(), want, "{v}");
        }
        assert_eq!(
            EditorSettings::from_json(&Value::Null).unwrap(),
            EditorSettings::default()
        );
        assert!(EditorSettings::from_json(&json!({"select": "DF1"})).is_err());
        assert!(EditorSettings::from_json(&json!({"unsafeFixes": "yes"})).is_err());
        assert!(EditorSettings::default().overrides().offline);
    }
}
