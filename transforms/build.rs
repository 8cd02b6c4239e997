//! The built-in data (`data/*.toml`) is TOML in the source: the shape users
//! extend in `dfix.toml`. The binary carries it as JSON, which parses several
//! times faster than TOML; that start-up cost is part of every `dfix -`
//! (the editor's format-on-save round trip). A syntax error in a data file
//! fails the build here, naming the file.

use std::path::PathBuf;

const DATA: [&str; 5] = ["bases", "images", "multistage", "secrets", "compose"];

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for name in DATA {
        let path = format!("data/{name}.toml");
        println!("cargo:rerun-if-changed={path}");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let value: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        let json = serde_json::to_string(&value).expect("TOML data is plain JSON data");
        std::fs::write(out.join(format!("{name}.json")), json).expect("OUT_DIR is writable");
    }
}
