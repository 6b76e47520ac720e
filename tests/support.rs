//! Helpers shared by the test modules that drive the `caplab` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `caplab ARGS`, without colours and as under CI (no progress bars).
pub fn caplab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_caplab"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("CI", "1")
        .output()
        .expect("caplab runs")
}

/// A fresh, empty directory for one test: `caplab-<topic>-<pid>-<name>` under the system's
/// temporary directory.
pub fn temp_dir(topic: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("caplab-{topic}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A file's text; a missing file fails the test, naming it.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}
