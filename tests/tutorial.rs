//! `docs/tutorial.md` never rots: every `cargo run --example NAME -- ARGS` line of its
//! shell blocks must name an example that exists, and running that example's binary
//! (built by `cargo test` into `target/debug/examples/`) with those arguments must give
//! the exit code and the output written on the `# expect:` line under it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One tutorial command: the example, its arguments, the exit code and output expected.
#[derive(Debug)]
struct Step {
    line: usize,
    example: String,
    args: Vec<String>,
    exit: i32,
    contains: Vec<String>,
}

/// Parses `# expect: exit=N "text" "more text"`.
fn expectation(line: &str) -> Option<(i32, Vec<String>)> {
    let rest = line.trim().strip_prefix("# expect:")?.trim();
    let (exit, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let exit = exit.strip_prefix("exit=")?.parse().ok()?;
    let contains = rest
        .split('"')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s.to_string())
        .collect();
    Some((exit, contains))
}

fn steps(text: &str) -> Vec<Step> {
    let mut out = Vec::new();
    let mut in_sh = false;
    let lines: Vec<&str> = text.lines().collect();
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim();
        if line.starts_with("```") {
            in_sh = !in_sh && line == "```sh";
            continue;
        }
        let Some(rest) = line.strip_prefix("cargo run --example ").filter(|_| in_sh) else {
            continue;
        };
        let mut words = rest.split_whitespace();
        let example = words.next().unwrap_or_default().to_string();
        let args: Vec<String> = words.skip_while(|w| *w == "--").map(String::from).collect();
        let (exit, contains) = lines
            .get(i + 1)
            .and_then(|l| expectation(l))
            .unwrap_or_else(|| panic!("tutorial line {}: no `# expect:` line under it", i + 1));
        out.push(Step {
            line: i + 1,
            example,
            args,
            exit,
            contains,
        });
    }
    out
}

fn examples_dir() -> PathBuf {
    // target/debug/deps/tests-<hash> → target/debug/examples
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/debug")
        .join("examples")
}

#[test]
fn the_expectation_grammar() {
    assert_eq!(
        expectation("# expect: exit=1 \"NOT linearizable\" \"why:\""),
        Some((1, vec!["NOT linearizable".to_string(), "why:".to_string()]))
    );
    assert_eq!(expectation("# expect: exit=0"), Some((0, vec![])));
    assert_eq!(expectation("# nothing"), None);
}

#[test]
fn every_tutorial_command_runs_as_the_tutorial_says() {
    let text = std::fs::read_to_string("docs/tutorial.md").expect("docs/tutorial.md");
    let steps = steps(&text);
    assert!(
        steps.len() >= 14,
        "the tutorial lost its commands: {steps:?}"
    );
    let dir = examples_dir();
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tutorial");
    for step in &steps {
        assert!(
            Path::new("examples")
                .join(format!("{}.rs", step.example))
                .exists(),
            "tutorial line {}: no examples/{}.rs",
            step.line,
            step.example
        );
        let bin = dir.join(&step.example);
        assert!(
            bin.exists(),
            "{} is not built: `cargo test` builds the examples (or run `cargo build --examples`)",
            bin.display()
        );
        // Output goes under the test's temporary directory, not into the repository.
        let under_tmp = |s: &str| s.replace("out/lab/", &format!("{}/out/lab/", tmp.display()));
        let mut args: Vec<String> = step.args.iter().map(|a| under_tmp(a)).collect();
        let grading = args.first().is_some_and(|a| a == "grade");
        if !grading && !args.iter().any(|a| a == "--out") && !args.iter().any(|a| a == "--step") {
            args.push("--out".to_string());
            args.push(format!("{}/out/lab/{}", tmp.display(), step.example));
        }
        let output = Command::new(&bin)
            .args(&args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(step.exit),
            "tutorial line {}: {} {args:?}\n{stdout}\n{stderr}",
            step.line,
            step.example
        );
        for want in &step.contains {
            assert!(
                stdout.contains(&under_tmp(want)),
                "tutorial line {}: the output of {} {args:?} lacks {want:?}:\n{stdout}",
                step.line,
                step.example
            );
        }
    }
}

#[test]
fn a_bad_option_is_an_error_with_exit_code_2() {
    let bin = examples_dir().join("single-register");
    if !bin.exists() {
        panic!("{} is not built: run `cargo test`", bin.display());
    }
    let output = Command::new(&bin).arg("--sed").output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unexpected argument '--sed'"), "{stderr}");
    // A value that is not a number, a window that is not one, a replica that does not
    // exist, a faults file that does not parse: each named, exit code 2.
    for (args, want) in [
        (
            &["--seed", "x"][..],
            "invalid value 'x' for '--seed <SEED>'",
        ),
        (&["--window", "5..2"][..], "FROM_MS..TO_MS with FROM < TO"),
        (&["--step", "--state", "kv#7"][..], "no node \"kv#7\""),
        (&["--nemesis", "crash,flood"][..], "unknown word \"flood\""),
        (
            &["--faults", "Cargo.toml"][..],
            "Cargo.toml:1:2: not a list of faults",
        ),
        (&["chaos", "--seed", "3"][..], "--seed, --step, --state"),
        (
            &["grade", "--pack", "no-such-dir"][..],
            "no-such-dir: cannot read",
        ),
    ] {
        let output = Command::new(&bin).args(args).output().expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    let output = Command::new(&bin)
        .args(["--scenario", "scenarios/no-such-file.json"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no-such-file.json"));
}

#[test]
fn the_examples_work_outside_the_repository() {
    // From a directory with no scenarios/ folder: the bundled scenario is compiled in.
    let bin = examples_dir().join("majority-register");
    assert!(
        bin.exists(),
        "{} is not built: run `cargo test`",
        bin.display()
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("outside");
    std::fs::create_dir_all(&dir).expect("a directory");
    let output = Command::new(&bin)
        .current_dir(&dir)
        .args(["--quiet", "--duration", "15"])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("verdict: linearizable"), "{stdout}");
    assert!(dir.join("out/lab/majority-register/index.html").exists());
    // A name that is neither a file nor a bundled scenario lists the bundled ones.
    let output = Command::new(&bin)
        .current_dir(&dir)
        .args(["--scenario", "cap-partiton"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains("nor is it a bundled scenario: cap-partition"),
        "{stderr}"
    );
}
