//! Golden results (`caplab run --expect FILE [--bless]`): a fresh `results.json` compared
//! leaf by leaf with a saved one, designs named by name, `caplab_version` ignored.

use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};

/// Why golden results could not be compared.
#[derive(Debug)]
pub enum GoldenError {
    /// No file at the path.
    Missing(PathBuf),
    /// The file is not a `results.json` (located by the reader).
    NotResults(reports::ReportError),
    /// The file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not JSON.
    NotJson {
        /// The file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
    /// The fresh results are not JSON.
    FreshNotJson(serde_json::Error),
}

impl fmt::Display for GoldenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GoldenError::Missing(path) => write!(
                f,
                "cannot read the golden results {}: no such file (create it with --bless)",
                path.display()
            ),
            GoldenError::NotResults(e) => write!(f, "{e}"),
            GoldenError::Read { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            GoldenError::NotJson { path, source } => {
                write!(f, "{}: not JSON: {source}", path.display())
            }
            GoldenError::FreshNotJson(e) => write!(f, "results: not JSON: {e}"),
        }
    }
}

impl std::error::Error for GoldenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GoldenError::Missing(_) => None,
            GoldenError::NotResults(e) => Some(e),
            GoldenError::Read { source, .. } => Some(source),
            GoldenError::NotJson { source, .. } | GoldenError::FreshNotJson(source) => Some(source),
        }
    }
}

/// Reads golden results: a file that is missing, unreadable, not JSON or not a
/// `results.json` is bad input, said in one line that names the file.
pub fn read(golden: &Path) -> Result<Value, GoldenError> {
    if !golden.is_file() {
        return Err(GoldenError::Missing(golden.to_path_buf()));
    }
    // Located errors for a file that is not JSON or not results.
    reports::files::read_results(golden).map_err(GoldenError::NotResults)?;
    let text = std::fs::read_to_string(golden).map_err(|source| GoldenError::Read {
        path: golden.to_path_buf(),
        source,
    })?;
    serde_json::from_str::<Value>(&text).map_err(|source| GoldenError::NotJson {
        path: golden.to_path_buf(),
        source,
    })
}

/// Compares fresh `results.json` text with a golden file: every leaf that differs (apart
/// from `caplab_version`), one `path: old → new` each, in file order; empty when equal.
pub fn differences(golden: &Path, fresh: &str) -> Result<Vec<String>, GoldenError> {
    let mut old = read(golden)?;
    let mut new = serde_json::from_str::<Value>(fresh).map_err(GoldenError::FreshNotJson)?;
    for v in [&mut old, &mut new] {
        if let Value::Object(m) = v {
            m.shift_remove("caplab_version");
        }
    }
    let mut diffs = Vec::new();
    diff(&old, &new, String::new(), &mut diffs);
    Ok(diffs)
}

/// The first 20 differences, one per line, and how many more there are.
pub fn differences_text(diffs: &[String]) -> String {
    let mut text = diffs
        .iter()
        .take(20)
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    if diffs.len() > 20 {
        text.push_str(&format!("\n… and {} more", diffs.len() - 20));
    }
    text
}

/// Writes `fresh` as the golden results at `golden` (its directory created).
pub fn bless(golden: &Path, fresh: &str) -> std::io::Result<()> {
    if let Some(dir) = golden.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(golden, fresh)
}

/// Collects `path: old → new` for every leaf that differs, naming designs by name.
fn diff(a: &Value, b: &Value, path: String, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match y.get(k) {
                    Some(vb) => diff(va, vb, p, out),
                    None => out.push(format!("{p}: {} → (absent)", short(va))),
                }
            }
            for (k, vb) in y {
                if !x.contains_key(k) {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    out.push(format!("{p}: (absent) → {}", short(vb)));
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                let label = match va.get("name").and_then(Value::as_str) {
                    Some(n) if path == "designs" => format!("{path}[{n}]"),
                    _ => format!("{path}[{i}]"),
                };
                diff(va, vb, label, out);
            }
        }
        _ if a != b => out.push(format!("{path}: {} → {}", short(a), short(b))),
        _ => {}
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("caplab-golden-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, text).expect("written");
        path
    }

    #[test]
    fn differences_name_designs_ignore_the_version_and_are_cut_at_twenty() {
        let old = serde_json::json!({
            "caplab_version": "0.0.1",
            "designs": [{"name": "a", "events": 1}, {"name": "b", "events": 2}],
        });
        let path = temp("old.json", &old.to_string());
        // read() wants a results.json: compare through diff() directly for the leaves.
        let new = serde_json::json!({
            "caplab_version": "9.9.9",
            "designs": [{"name": "a", "events": 1}, {"name": "b", "events": 3}],
            "extra": true,
        });
        let mut diffs = Vec::new();
        let strip = |mut v: Value| {
            if let Value::Object(m) = &mut v {
                m.shift_remove("caplab_version");
            }
            v
        };
        diff(&strip(old), &strip(new), String::new(), &mut diffs);
        assert_eq!(
            diffs,
            ["designs[b].events: 2 → 3", "extra: (absent) → true"]
        );
        let many: Vec<String> = (0..23).map(|i| format!("x{i}: 0 → 1")).collect();
        let text = differences_text(&many);
        assert_eq!(text.lines().count(), 21);
        assert!(text.ends_with("… and 3 more"), "{text}");
        // Not a results.json: bad input, naming the file.
        let e = read(&path).expect_err("not results");
        assert!(matches!(e, GoldenError::NotResults(_)));
        assert!(e.to_string().contains("old.json"), "{e}");
    }

    #[test]
    fn a_missing_golden_file_says_how_to_make_it() {
        let e = read(Path::new("no/such/golden.json")).expect_err("missing");
        assert_eq!(
            e.to_string(),
            "cannot read the golden results no/such/golden.json: no such file (create it with --bless)"
        );
    }
}
