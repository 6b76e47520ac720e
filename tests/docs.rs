//! The documentation's examples are tests, like the tutorial's (`tests/tutorial.rs`):
//!
//! - every command transcript in `README.md` and `docs/*.md` (a ```` ```text ```` block whose
//!   first line is `$ caplab ...`) is run, and the lines it shows must be lines the command
//!   prints, in order; a line `…` stands for lines left out;
//! - every figure quoted in prose carries a check beside it,
//!   `<!-- check SCENARIO DESIGN METRIC VALUE -->` (`METRIC` as in assertions:
//!   `endpoints.read.failure_rate`, `messages.processed`, `p99_latency_ms`), and the bundled
//!   scenario's run at its own seed must give `VALUE` as written: `3.96%` is a fraction
//!   shown in percent with two decimals, `80.4` a number rounded to one decimal,
//!   `4,120,890` an integer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The documentation files, in a stable order.
fn documents() -> Vec<PathBuf> {
    let mut files = vec![PathBuf::from("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir("docs")
        .expect("docs/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        // The tutorial's commands are `cargo run --example` lines, run by tests/tutorial.rs.
        .filter(|p| p.file_name().is_some_and(|n| n != "tutorial.md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// A command transcript: where it is, the command, the lines shown.
struct Transcript {
    at: String,
    command: String,
    shown: Vec<String>,
}

fn transcripts(file: &Path, text: &str) -> Vec<Transcript> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        if line.trim() != "```text" {
            continue;
        }
        let block: Vec<&str> = lines
            .by_ref()
            .map(|(_, l)| l)
            .take_while(|l| l.trim() != "```")
            .collect();
        let Some(command) = block.first().and_then(|l| l.strip_prefix("$ caplab ")) else {
            continue;
        };
        out.push(Transcript {
            at: format!("{}:{}", file.display(), i + 2),
            command: command.trim().to_string(),
            shown: block[1..]
                .iter()
                .map(|l| l.trim_end().to_string())
                .collect(),
        });
    }
    out
}

/// The complete scenarios written out in `text`: ```` ```json ```` blocks holding an object
/// with `version`, `name` and `designs`, as (name, file text).
fn scenarios(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "```json" {
            continue;
        }
        let block: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        let body = block.join("\n");
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str(&body) else {
            continue;
        };
        if let (Some(name), true, true) = (
            map.get("name").and_then(|n| n.as_str()),
            map.contains_key("version"),
            map.contains_key("designs"),
        ) {
            out.push((name.to_string(), body));
        }
    }
    out
}

/// Whether `shown` appears in `printed` in order: consecutive shown lines are consecutive
/// printed lines, except across a `…` line. On failure, the first shown line not found.
fn matches(shown: &[String], printed: &[&str]) -> Result<(), String> {
    let mut from = 0;
    let mut gap = true;
    for line in shown {
        if line == "…" {
            gap = true;
            continue;
        }
        let found = if gap {
            printed[from..]
                .iter()
                .position(|p| p.trim_end() == line)
                .map(|k| from + k)
        } else {
            (printed.get(from).map(|p| p.trim_end()) == Some(line.as_str())).then_some(from)
        };
        match found {
            Some(k) => from = k + 1,
            None => return Err(line.clone()),
        }
        gap = false;
    }
    Ok(())
}

#[test]
fn every_transcript_in_the_docs_is_what_the_command_prints() {
    let bin = env!("CARGO_BIN_EXE_caplab");
    let root = std::env::current_dir().expect("cwd");
    let mut ran = 0;
    for file in documents() {
        let text = std::fs::read_to_string(&file).expect("readable");
        let written = scenarios(&text);
        for t in transcripts(&file, &text) {
            // A fresh directory per command, with the scenarios reachable as in the
            // repository, so `wrote out/...` lines read as they do there.
            let dir =
                std::env::temp_dir().join(format!("caplab-docs-{}-{ran}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("temp dir");
            #[cfg(unix)]
            std::os::unix::fs::symlink(root.join("scenarios"), dir.join("scenarios"))
                .expect("symlink");
            // The scenarios the page writes out, saved as the reader would save them.
            for (name, body) in &written {
                std::fs::write(dir.join(format!("{name}.json")), body).expect("write");
            }
            let o = Command::new(bin)
                .args(t.command.split_whitespace())
                .current_dir(&dir)
                .env("NO_COLOR", "1")
                .env("CI", "1")
                .output()
                .expect("caplab runs");
            let printed = String::from_utf8_lossy(&o.stdout).into_owned()
                + &String::from_utf8_lossy(&o.stderr);
            let lines: Vec<&str> = printed.lines().collect();
            if let Err(missing) = matches(&t.shown, &lines) {
                panic!(
                    "{}: `caplab {}` does not print the documented line\n  {missing}\n\
                     it printed:\n{printed}",
                    t.at, t.command
                );
            }
            let _ = std::fs::remove_dir_all(&dir);
            ran += 1;
        }
    }
    assert!(ran >= 3, "expected transcripts in the docs, found {ran}");
}

/// `<!-- check SCENARIO DESIGN METRIC VALUE -->`.
struct Check {
    at: String,
    scenario: String,
    design: String,
    metric: String,
    value: String,
}

fn checks(file: &Path, text: &str) -> Vec<Check> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("<!-- check ") {
            let after = &rest[start + "<!-- check ".len()..];
            let Some(end) = after.find("-->") else {
                break;
            };
            let words: Vec<&str> = after[..end].split_whitespace().collect();
            assert_eq!(
                words.len(),
                4,
                "{}:{}: a check is `<!-- check SCENARIO DESIGN METRIC VALUE -->`",
                file.display(),
                i + 1
            );
            out.push(Check {
                at: format!("{}:{}", file.display(), i + 1),
                scenario: words[0].to_string(),
                design: words[1].to_string(),
                metric: words[2].to_string(),
                value: words[3].to_string(),
            });
            rest = &after[end..];
        }
    }
    out
}

/// `actual` as `written` shows a number: the same unit (a trailing `%` is a fraction shown
/// in percent) and the same number of decimals; thousands separators as written.
fn shown_like(actual: f64, written: &str) -> String {
    let (body, percent) = match written.strip_suffix('%') {
        Some(b) => (b, true),
        None => (written, false),
    };
    let x = if percent { actual * 100.0 } else { actual };
    let decimals = body.split_once('.').map_or(0, |(_, d)| d.len());
    let mut text = format!("{x:.decimals$}");
    if body.contains(',') {
        let (int, frac) = text
            .split_once('.')
            .map_or((text.as_str(), ""), |(a, b)| (a, b));
        let digits: Vec<char> = int.chars().collect();
        let mut grouped = String::new();
        for (k, c) in digits.iter().enumerate() {
            if k > 0 && (digits.len() - k) % 3 == 0 && c.is_ascii_digit() {
                grouped.push(',');
            }
            grouped.push(*c);
        }
        text = if frac.is_empty() {
            grouped
        } else {
            format!("{grouped}.{frac}")
        };
    }
    if percent {
        text.push('%');
    }
    text
}

#[test]
fn every_figure_quoted_in_the_docs_is_what_the_run_gives() {
    let mut all = Vec::new();
    for file in documents() {
        let text = std::fs::read_to_string(&file).expect("readable");
        all.extend(checks(&file, &text));
    }
    assert!(
        all.len() >= 10,
        "expected checked figures, found {}",
        all.len()
    );
    let mut by_scenario: BTreeMap<&str, Vec<&Check>> = BTreeMap::new();
    for c in &all {
        by_scenario.entry(c.scenario.as_str()).or_default().push(c);
    }
    let mut wrong = Vec::new();
    for (name, checks) in by_scenario {
        let b = models::bundled::find(name)
            .unwrap_or_else(|| panic!("{}: no scenario {name}", checks[0].at));
        let scenario = b.load().unwrap_or_else(|e| panic!("{e}"));
        // Only the designs the checks name.
        let designs: Vec<String> = checks.iter().map(|c| c.design.clone()).collect();
        let r = models::run::run_scenario(&scenario, scenario.seed, &designs)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        for c in checks {
            let d = r
                .designs
                .iter()
                .find(|d| d.name == c.design)
                .unwrap_or_else(|| panic!("{}: {name} has no design {}", c.at, c.design));
            let actual = models::assertions::metric_value(d, &c.metric)
                .unwrap_or_else(|e| panic!("{}: {e}", c.at));
            let got = shown_like(actual, &c.value);
            if got != c.value {
                wrong.push(format!(
                    "{}: {name} {} {}: the docs say {}, the run gives {got}",
                    c.at, c.design, c.metric, c.value
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "figures that disagree:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_scenario_written_out_in_the_docs_is_valid() {
    let bin = env!("CARGO_BIN_EXE_caplab");
    let mut found = 0;
    for file in documents() {
        let text = std::fs::read_to_string(&file).expect("readable");
        for (name, body) in scenarios(&text) {
            let path = std::env::temp_dir()
                .join(format!("caplab-docs-{}-{name}.json", std::process::id()));
            std::fs::write(&path, &body).expect("write");
            let o = Command::new(bin)
                .arg("validate")
                .arg(&path)
                .output()
                .expect("caplab runs");
            let _ = std::fs::remove_file(&path);
            assert!(
                o.status.success(),
                "{}: scenario {name} does not validate:\n{}",
                file.display(),
                String::from_utf8_lossy(&o.stderr)
            );
            found += 1;
        }
    }
    assert!(found >= 1, "the README writes a scenario from scratch");
}

#[test]
fn figures_are_compared_as_written() {
    assert_eq!(shown_like(0.03961, "3.96%"), "3.96%");
    assert_eq!(shown_like(80.43, "80.4"), "80.4");
    assert_eq!(shown_like(4_120_890.0, "4,120,890"), "4,120,890");
    assert_eq!(shown_like(4_120_890.0, "4120890"), "4120890");
    assert_eq!(shown_like(0.0, "0"), "0");
    let shown: Vec<String> = ["a", "…", "c", "d"].map(String::from).to_vec();
    assert!(matches(&shown, &["a", "b", "c", "d"]).is_ok());
    assert_eq!(matches(&shown, &["a", "b", "c", "x", "d"]), Err("d".into()));
}
