//! Loading a scenario file with precise errors.
//!
//! Every problem carries the JSON path of the offending value
//! (`designs[1].services.cart.handlers.checkout[2].call.timeout_ms`: dots between keys, `[i]`
//! for array indexes, no leading `$`) and, where known, its 1-based line and column, so a
//! person can jump straight to it. Syntax and type errors come from serde (one at a time: the
//! parser cannot go on past them); once the file parses, [`Checked::new`] (validation, and
//! compiling, which resolves the names) reports every semantic problem at once, and a small
//! scanner of the source text
//! ([`PositionIndex`]) gives each of them a line and column.
//!
//! Columns count characters (Unicode scalar values), not bytes, so they match what an editor
//! shows on lines with non-ASCII text.

pub use crate::validate::Problem;

use crate::plan::Checked;
use crate::scenario::Scenario;
use std::collections::{HashMap, HashSet};

mod strict;
use std::fmt;
use std::path::Path;

/// Why a scenario file was rejected: all the problems found, in order of position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file, as the user named it (a label for text not read from a file).
    pub file: String,
    /// What is wrong; never empty when returned by [`load_str`] or [`load_file`].
    pub problems: Vec<Problem>,
}

impl fmt::Display for ScenarioError {
    /// One line per problem, `{file}:{line}:{column}: {path}: {message}`, the position left
    /// out when unknown and the path when empty (a problem with the whole file).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.problems.is_empty() {
            return write!(f, "{}: invalid scenario", self.file);
        }
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", escaped(&self.file))?;
            if let Some(line) = p.line {
                write!(f, ":{line}")?;
                if let Some(column) = p.column {
                    write!(f, ":{column}")?;
                }
            }
            if !p.path.is_empty() {
                write!(f, ": {}", escaped(&p.path))?;
            }
            write!(f, ": {}", escaped(&p.message))?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// `text` with its control characters escaped (`\n`, `\u{1b}`...): a name holding a
/// newline or a terminal escape must not split a problem over two lines or reach the
/// terminal as a command. Other characters, non-ASCII ones included, are kept.
fn escaped(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Reads and checks the scenario file at `path`. A file that cannot be read, is not UTF-8,
/// does not parse or does not validate gives a [`ScenarioError`] labelled with `path`.
pub fn load_file(path: &Path) -> Result<Checked, ScenarioError> {
    let label = path.display().to_string();
    let fail = |problem: Problem| ScenarioError {
        file: label.clone(),
        problems: vec![problem],
    };
    let bytes =
        std::fs::read(path).map_err(|e| fail(Problem::new("", format!("cannot read: {e}"))))?;
    match String::from_utf8(bytes) {
        Ok(text) => load_str(&label, &text),
        Err(e) => {
            // Point at the first bad byte: the valid prefix tells its line and column.
            let good = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..good]);
            let line = prefix.matches('\n').count() + 1;
            let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            Err(fail(Problem {
                path: String::new(),
                line: Some(line),
                column: Some(column),
                message: "the file is not UTF-8 text".to_string(),
            }))
        }
    }
}

/// Parses and checks a scenario given as text ([`Checked::new`]: validated and compiled);
/// `file_label` names it in the error.
///
/// A syntax or type error stops parsing and is the only problem reported; otherwise every
/// semantic problem (see [`crate::validate`]) and every duplicate map key is reported, sorted
/// by position.
pub fn load_str(file_label: &str, text: &str) -> Result<Checked, ScenarioError> {
    // Some editors put a byte-order mark first; serde_json rejects it, and it is invisible in
    // the editor, so columns are counted as if it were not there.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let fail = |problems: Vec<Problem>| ScenarioError {
        file: file_label.to_string(),
        problems,
    };
    let scenario = parse(text).map_err(|p| fail(vec![p]))?;

    let index = PositionIndex::new(text);
    let mut problems = match Checked::new(scenario) {
        Ok(checked) if index.duplicates.is_empty() => return Ok(checked),
        Ok(_) => Vec::new(),
        Err(refused) => refused.problems,
    };
    for (path, key, (line, column)) in &index.duplicates {
        // serde keeps the last of duplicate map keys without a word; the earlier entry (a
        // service, a handler...) would silently vanish.
        problems.push(Problem {
            path: path.clone(),
            line: Some(*line),
            column: Some(*column),
            message: format!(
                "duplicate key `{key}`: it replaces an earlier entry of the same name"
            ),
        });
    }
    for p in &mut problems {
        index.fill(p);
    }
    // Stable: problems at the same place keep validation's order. Unknown positions last.
    problems.sort_by_key(|p| (p.line.is_none(), p.line, p.column));
    Err(fail(problems))
}

/// serde's verdict on the text: the scenario, or the first syntax or type error with its path
/// and position.
fn parse(text: &str) -> Result<Scenario, Problem> {
    let mut de = serde_json::Deserializer::from_str(text);
    // Strict: an array where the format wants an object is refused (serde alone takes it).
    let scenario = serde_path_to_error::deserialize::<_, Scenario>(strict::Strict(&mut de))
        .map_err(|err| serde_problem(text, format_path(err.path()), err.inner()))?;
    // Without this, `{...} garbage` would be accepted.
    de.end()
        .map_err(|err| serde_problem(text, String::new(), &err))?;
    Ok(scenario)
}

/// A problem from serde_json's error `err` met at `path`.
fn serde_problem(text: &str, path: String, err: &serde_json::Error) -> Problem {
    let (line, column) = (err.line(), err.column());
    let mut problem = Problem {
        path,
        line: (line > 0).then_some(line),
        column: (line > 0).then(|| char_column(text, line, column)),
        message: serde_message(err),
    };
    if err.is_data() {
        // serde_json points just past the offending token (the end of a wrong-typed value, the
        // closing quote of an unknown key, the `}` of an object missing a field). The start of
        // the member's key is where a person looks, and where semantic problems point.
        let index = PositionIndex::new(text);
        let mut at = index.get(&problem.path);
        // For an unknown key (or variant), serde_path_to_error may or may not have recorded it
        // as the path's last segment; either way the problem belongs to the object holding it
        // (the message names the key), and the key's own position is the most precise.
        if let Some(name) = duplicate_name(&problem.message) {
            // serde stops at the second occurrence of a field; the scanner recorded where it
            // is (the first one whose holder is the problem's path, or any with that key).
            let found = index
                .duplicates
                .iter()
                .find(|(path, key, _)| {
                    key == name && parent_path(path) == Some(problem.path.as_str())
                })
                .or_else(|| index.duplicates.iter().find(|(_, key, _)| key == name));
            if let Some((path, _, pos)) = found {
                problem.path = path.clone();
                at = Some(*pos);
            }
        } else if let Some(name) = unknown_name(&problem.message) {
            let holder = match problem.path.strip_suffix(name) {
                Some("") => String::new(),
                Some(parent) if parent.ends_with('.') => parent[..parent.len() - 1].to_string(),
                _ => problem.path.clone(),
            };
            let mut key_path = holder.clone();
            push_key(&mut key_path, name);
            at = index.get(&key_path).or(at);
            problem.path = holder;
        }
        if let Some((line, column)) = at {
            problem.line = Some(line);
            problem.column = Some(column);
        }
    }
    problem
}

/// serde_json's message without the ` at line L column C` it appends (we report the position
/// separately, and sometimes a better one).
fn serde_message(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    match full.strip_suffix(&suffix) {
        Some(message) => message.to_string(),
        None => full,
    }
}

/// The name in serde's `duplicate field `x`` message.
fn duplicate_name(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("duplicate field `")?;
    rest.find('`').map(|end| &rest[..end])
}

/// The name in serde's `unknown field `x`, ...` or `unknown variant `x`, ...` message.
fn unknown_name(message: &str) -> Option<&str> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    rest.find("`, ")
        .or_else(|| rest.find('`'))
        .map(|end| &rest[..end])
}

/// serde_json counts columns in bytes; convert to characters on `line` (1-based) of `text`.
/// serde_json's column is the number of bytes of the line consumed so far (0 right after a
/// newline), so the character column is the number of characters starting before it, at
/// least 1.
fn char_column(text: &str, line: usize, byte_column: usize) -> usize {
    let Some(line_text) = text.split('\n').nth(line - 1) else {
        return byte_column.max(1);
    };
    let chars = line_text
        .char_indices()
        .take_while(|&(i, _)| i < byte_column)
        .count();
    chars.max(1)
}

/// A path from serde_path_to_error in this crate's notation.
fn format_path(path: &serde_path_to_error::Path) -> String {
    let segments: Vec<_> = path.iter().collect();
    // A syntax error where a key was expected ends the path with an unknown segment, which
    // would print as a useless `?`: the path of the enclosing value says more.
    let known = segments
        .iter()
        .rposition(|s| !matches!(s, serde_path_to_error::Segment::Unknown))
        .map_or(0, |last| last + 1);
    let mut out = String::new();
    for segment in &segments[..known] {
        match segment {
            serde_path_to_error::Segment::Seq { index } => push_index(&mut out, *index),
            serde_path_to_error::Segment::Map { key } => push_key(&mut out, key),
            serde_path_to_error::Segment::Enum { variant } => push_key(&mut out, variant),
            // A map key that is not a string; JSON has none, but say so rather than guess.
            serde_path_to_error::Segment::Unknown => push_key(&mut out, "?"),
        }
    }
    out
}

/// Appends `.key` to a path (just `key` at the root).
fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

/// Appends `[index]` to a path.
fn push_index(path: &mut String, index: usize) {
    path.push('[');
    path.push_str(&index.to_string());
    path.push(']');
}

/// The path one level up (`a.b[2]` → `a.b` → `a` → ``), or `None` at the root.
fn parent_path(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    if path.ends_with(']') {
        if let Some(open) = path.rfind('[') {
            return Some(&path[..open]);
        }
    }
    Some(path.rfind('.').map_or("", |dot| &path[..dot]))
}

/// Deepest nesting the scanner follows. serde_json refuses more than 128 levels, so nothing
/// deeper can parse; the cap only keeps a hostile file from overflowing the scanner's stack.
const MAX_DEPTH: usize = 256;

/// Where each value of a JSON text is: JSON path → 1-based (line, column) of the value's first
/// character, or for an object member of its key's opening quote.
///
/// Built by a small scanner that trusts serde_json for validity: on malformed text it stops at
/// the first error and keeps what it indexed up to there.
#[derive(Clone, Debug, Default)]
pub struct PositionIndex {
    /// Path → position.
    positions: HashMap<String, (usize, usize)>,
    /// Object members whose key repeats an earlier key of the same object: path, key and
    /// position of the later one. The index keeps the first.
    duplicates: Vec<(String, String, (usize, usize))>,
}

impl PositionIndex {
    /// Indexes `text` (a JSON document).
    pub fn new(text: &str) -> PositionIndex {
        let mut scanner = Scanner {
            chars: text.chars().peekable(),
            line: 1,
            column: 1,
            muted: 0,
            index: PositionIndex::default(),
        };
        // A malformed document is serde's to report; the partial index is still useful.
        let _ = scanner.document();
        scanner.index
    }

    /// The position of the value at `path`, if the text has it.
    pub fn get(&self, path: &str) -> Option<(usize, usize)> {
        self.positions.get(path).copied()
    }

    /// The position of the value at `path` or, when the text lacks it (a field left to its
    /// default), of its nearest enclosing value that the text has.
    pub fn locate(&self, path: &str) -> Option<(usize, usize)> {
        let mut path = Some(path);
        while let Some(p) = path {
            if let Some(pos) = self.get(p) {
                return Some(pos);
            }
            path = parent_path(p);
        }
        None
    }

    /// Sets `problem`'s line and column from its path, unless they are already known.
    pub fn fill(&self, problem: &mut Problem) {
        if problem.line.is_some() {
            return;
        }
        if let Some((line, column)) = self.locate(&problem.path) {
            problem.line = Some(line);
            problem.column = Some(column);
        }
    }
}

/// Why scanning stopped early (the text is not valid JSON, or nests too deeply).
struct Malformed;

/// A recursive-descent walk over JSON text that records positions (see [`PositionIndex`]).
struct Scanner<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    /// Line of the next character.
    line: usize,
    /// Column of the next character.
    column: usize,
    /// Nonzero while scanning the value of a duplicate key, which is not recorded.
    muted: usize,
    index: PositionIndex,
}

impl Scanner<'_> {
    fn document(&mut self) -> Result<(), Malformed> {
        self.skip_whitespace();
        let at = self.position();
        self.value("", at, 0)
    }

    fn record(&mut self, path: &str, at: (usize, usize)) {
        if self.muted == 0 {
            self.index.positions.insert(path.to_string(), at);
        }
    }

    fn position(&self) -> (usize, usize) {
        (self.line, self.column)
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn expect(&mut self, want: char) -> Result<(), Malformed> {
        match self.bump() {
            Some(c) if c == want => Ok(()),
            _ => Err(Malformed),
        }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.bump();
        }
    }

    /// Scans the value starting at the next character (whitespace skipped), recording `at` for
    /// `path`.
    fn value(&mut self, path: &str, at: (usize, usize), depth: usize) -> Result<(), Malformed> {
        if depth > MAX_DEPTH {
            return Err(Malformed);
        }
        self.skip_whitespace();
        match self.peek() {
            Some('{') => {
                self.record(path, at);
                self.object(path, depth)
            }
            Some('[') => {
                self.record(path, at);
                self.array(path, depth)
            }
            Some('"') => {
                self.record(path, at);
                self.string().map(drop)
            }
            Some(c) if c == '-' || c.is_ascii_digit() => {
                self.record(path, at);
                // serde_json has checked the syntax; take the number's characters.
                while matches!(self.peek(), Some('0'..='9' | '-' | '+' | '.' | 'e' | 'E')) {
                    self.bump();
                }
                Ok(())
            }
            Some('t' | 'f' | 'n') => {
                self.record(path, at);
                let mut word = String::new();
                while let Some(c) = self.peek().filter(char::is_ascii_alphabetic) {
                    word.push(c);
                    self.bump();
                }
                match word.as_str() {
                    "true" | "false" | "null" => Ok(()),
                    _ => Err(Malformed),
                }
            }
            _ => Err(Malformed),
        }
    }

    fn object(&mut self, path: &str, depth: usize) -> Result<(), Malformed> {
        self.expect('{')?;
        self.skip_whitespace();
        if self.peek() == Some('}') {
            self.bump();
            return Ok(());
        }
        // Keys seen in this object (not paths: a key `a.b` and a nested `a` → `b` share one).
        let mut keys = HashSet::new();
        loop {
            self.skip_whitespace();
            let at = self.position();
            let key = self.string()?;
            self.skip_whitespace();
            self.expect(':')?;
            let mut child = path.to_string();
            push_key(&mut child, &key);
            if !keys.contains(&key) {
                keys.insert(key);
                self.value(&child, at, depth + 1)?;
            } else {
                // The first occurrence keeps the index: serde meets it first, so its errors
                // are there. The duplicate itself is reported by the loader.
                self.index.duplicates.push((child.clone(), key, at));
                self.muted += 1;
                let scanned = self.value(&child, at, depth + 1);
                self.muted -= 1;
                scanned?;
            }
            self.skip_whitespace();
            match self.bump() {
                Some(',') => continue,
                Some('}') => return Ok(()),
                _ => return Err(Malformed),
            }
        }
    }

    fn array(&mut self, path: &str, depth: usize) -> Result<(), Malformed> {
        self.expect('[')?;
        self.skip_whitespace();
        if self.peek() == Some(']') {
            self.bump();
            return Ok(());
        }
        let mut i = 0;
        loop {
            self.skip_whitespace();
            let at = self.position();
            let mut child = path.to_string();
            push_index(&mut child, i);
            self.value(&child, at, depth + 1)?;
            self.skip_whitespace();
            match self.bump() {
                Some(',') => i += 1,
                Some(']') => return Ok(()),
                _ => return Err(Malformed),
            }
        }
    }

    /// Scans a string and returns its decoded text (keys must match serde's decoding).
    fn string(&mut self) -> Result<String, Malformed> {
        self.expect('"')?;
        let mut out = String::new();
        loop {
            match self.bump().ok_or(Malformed)? {
                '"' => return Ok(out),
                '\\' => match self.bump().ok_or(Malformed)? {
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    '/' => out.push('/'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => out.push(self.unicode_escape()?),
                    _ => return Err(Malformed),
                },
                c if c < ' ' => return Err(Malformed),
                c => out.push(c),
            }
        }
    }

    /// The character of a `\uXXXX` escape (the `\u` already read), joining a UTF-16
    /// surrogate pair `\uD83D\uDE00` into one character.
    fn unicode_escape(&mut self) -> Result<char, Malformed> {
        let first = self.hex4()?;
        if !(0xD800..0xDC00).contains(&first) {
            // A lone low surrogate cannot be a key serde accepted; any stand-in will do.
            return Ok(char::from_u32(first).unwrap_or(char::REPLACEMENT_CHARACTER));
        }
        if self.peek() != Some('\\') {
            return Ok(char::REPLACEMENT_CHARACTER);
        }
        self.bump();
        self.expect('u')?;
        let second = self.hex4()?;
        if !(0xDC00..0xE000).contains(&second) {
            return Ok(char::REPLACEMENT_CHARACTER);
        }
        let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
        Ok(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER))
    }

    fn hex4(&mut self) -> Result<u32, Malformed> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = self.bump().and_then(|c| c.to_digit(16)).ok_or(Malformed)?;
            code = code * 16 + digit;
        }
        Ok(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid scenario, laid out one member per line where tests point at positions.
    const MINIMAL: &str = r#"{
  "version": 1,
  "name": "minimal",
  "description": "one service, one endpoint",
  "seed": 7,
  "duration_s": 10,
  "workload": {
    "arrivals": {"poisson": {"rate_per_s": 5}},
    "classes": [{"endpoint": "get"}]
  },
  "designs": [
    {
      "name": "single",
      "entry": "api",
      "services": {
        "api": {
          "workers": 4,
          "handlers": {"get": [{"compute": {"ms": {"constant": {"value": 1}}}}]}
        }
      }
    }
  ]
}"#;

    /// 1-based (line, column) of the `nth` (from 0) occurrence of `needle`: an oracle
    /// independent of the scanner (plain substring search).
    fn find(text: &str, needle: &str, nth: usize) -> (usize, usize) {
        let (offset, _) = text.match_indices(needle).nth(nth).expect("needle in text");
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    }

    fn problems(text: &str) -> Vec<Problem> {
        match load_str("test.json", text) {
            Ok(_) => panic!("expected problems"),
            Err(e) => {
                assert_eq!(e.file, "test.json");
                e.problems
            }
        }
    }

    fn only_problem(text: &str) -> Problem {
        let mut all = problems(text);
        assert_eq!(all.len(), 1, "{all:?}");
        all.remove(0)
    }

    #[test]
    fn a_valid_minimal_scenario_loads() {
        let s = load_str("m.json", MINIMAL).expect("valid");
        assert_eq!(s.name, "minimal");
        assert_eq!(s.designs[0].services["api"].workers, 4);
        // Defaults filled in by serde.
        assert_eq!(s.window_s, 1.0);
        assert!(s.faults.is_empty());
    }

    #[test]
    fn unknown_field_points_at_the_service_and_the_key() {
        let text = MINIMAL.replace(r#""workers": 4,"#, r#""workers": 4, "wokers": 3,"#);
        let p = only_problem(&text);
        assert_eq!(p.path, "designs[0].services.api");
        // Line 17 is `          "workers": 4, "wokers": 3,`: 10 spaces, then 14 characters
        // of `"workers": 4, ` before the unknown key's opening quote.
        assert_eq!((p.line, p.column), (Some(17), Some(25)));
        assert!(
            p.message.starts_with("unknown field `wokers`"),
            "{}",
            p.message
        );
        // serde lists what would have been accepted.
        assert!(p.message.contains("`workers`"), "{}", p.message);
    }

    #[test]
    fn unknown_variant_points_at_the_step() {
        let text = MINIMAL.replace(r#"{"compute": {"ms""#, r#"{"comptue": {"ms""#);
        let p = only_problem(&text);
        assert_eq!(p.path, "designs[0].services.api.handlers.get[0]");
        // At the misspelt key, not at the step's `{` one column before.
        assert_eq!((p.line, p.column), (Some(18), Some(33)));
        assert!(
            p.message.contains("expected one of `compute`"),
            "{}",
            p.message
        );

        // A unit variant written as a string: at the field's key.
        let text = MINIMAL.replace(r#""workers": 4,"#, r#""workers": 4, "balancer": "rr","#);
        let p = only_problem(&text);
        assert_eq!(p.path, "designs[0].services.api.balancer");
        assert_eq!((p.line, p.column), (Some(17), Some(25)));
        assert!(
            p.message.starts_with("unknown variant `rr`"),
            "{}",
            p.message
        );
    }

    #[test]
    fn missing_field_points_at_the_object_holding_it() {
        let text = MINIMAL.replace(r#""workers": 4,"#, "");
        let p = only_problem(&text);
        assert_eq!(p.path, "designs[0].services.api");
        assert_eq!((p.line, p.column), (Some(16), Some(9)));
        assert_eq!(p.message, "missing field `workers`");
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        // The comma after the seed is missing: serde_json stops at the next key.
        let text = MINIMAL.replace(r#""seed": 7,"#, r#""seed": 7"#);
        let p = only_problem(&text);
        assert_eq!((p.line, p.column), (Some(6), Some(3)));
        assert_eq!(p.message, "expected `,` or `}`");
        // No `?` for the key serde could not read.
        assert_eq!(p.path, "");
        let shown = ScenarioError {
            file: "f.json".into(),
            problems: vec![p],
        }
        .to_string();
        assert_eq!(shown, "f.json:6:3: expected `,` or `}`");
    }

    #[test]
    fn syntax_error_columns_count_characters_not_bytes() {
        // `é` is two bytes; serde_json's byte column would be one more.
        let text = "{\"name\": \"é\" x}";
        let p = only_problem(text);
        assert_eq!((p.line, p.column), (Some(1), Some(14)));
    }

    #[test]
    fn truncated_file_and_trailing_garbage_are_syntax_errors() {
        let p = only_problem(&MINIMAL[..MINIMAL.len() - 1]);
        assert!(p.message.contains("EOF"), "{}", p.message);
        assert!(p.line.is_some());
        let p = only_problem(&format!("{MINIMAL}\n}}"));
        assert_eq!(p.message, "trailing characters");
        assert_eq!((p.line, p.column), (Some(24), Some(1)));
    }

    #[test]
    fn type_error_deep_inside_has_its_full_path() {
        let text = MINIMAL.replace(
            r#"[{"compute": {"ms": {"constant": {"value": 1}}}}]"#,
            r#"[{"compute": {"ms": {"constant": {"value": 1}}}},
                      {"call": {"service": "api", "endpoint": "get", "timeout_ms": "fast"}}]"#,
        );
        let p = only_problem(&text);
        assert_eq!(
            p.path,
            "designs[0].services.api.handlers.get[1].call.timeout_ms"
        );
        let (line, column) = find(&text, "\"timeout_ms\"", 0);
        assert_eq!((p.line, p.column), (Some(line), Some(column)));
        assert!(
            p.message.contains("invalid type: string \"fast\""),
            "{}",
            p.message
        );

        let text = MINIMAL.replace(
            r#"[{"compute": {"ms": {"constant": {"value": 1}}}}]"#,
            r#"[{"call": {"service": "api", "endpoint": "get", "timeout_ms": "fast"}}]"#,
        );
        assert_eq!(
            only_problem(&text).path,
            "designs[0].services.api.handlers.get[0].call.timeout_ms"
        );
    }

    #[test]
    fn three_semantic_problems_are_reported_at_once_at_their_keys() {
        let text = MINIMAL
            .replace(
                r#""duration_s": 10,"#,
                r#""duration_s": 10, "warmup_s": 10,"#,
            )
            .replace(
                r#""seed": 7,"#,
                r#""seed": 7,
  "network": {"latency_ms": {"exponential": {"mean": -2}}},"#,
            )
            .replace(
                r#"[{"compute": {"ms": {"constant": {"value": 1}}}}]"#,
                r#"[{"call": {"service": "cart", "endpoint": "get"}}]"#,
            );
        let all = problems(&text);
        let got: Vec<(&str, Option<usize>, Option<usize>)> = all
            .iter()
            .map(|p| (p.path.as_str(), p.line, p.column))
            .collect();
        let (l1, c1) = find(&text, "\"mean\"", 0);
        let (l2, c2) = find(&text, "\"warmup_s\"", 0);
        let (l3, c3) = find(&text, "\"service\"", 0);
        // In order of position.
        assert_eq!(
            got,
            vec![
                ("network.latency_ms.exponential.mean", Some(l1), Some(c1)),
                ("warmup_s", Some(l2), Some(c2)),
                (
                    "designs[0].services.api.handlers.get[0].call.service",
                    Some(l3),
                    Some(c3)
                ),
            ],
            "{all:?}"
        );
        assert!(all[0].message.contains("> 0"), "{}", all[0].message);
        assert!(all[1].message.contains("duration_s"), "{}", all[1].message);
        assert!(all[2]
            .message
            .contains("`cart` is not a service of design `single`"));
        // Displayed one per line, position first.
        let shown = load_str("s.json", &text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with(&format!(
            "s.json:{l1}:{c1}: network.latency_ms.exponential.mean: "
        )));
    }

    #[test]
    fn a_defaulted_field_is_located_at_its_nearest_written_ancestor() {
        // window_s is left to its default (1 s): too many windows for the limit, which is
        // written, but the problem is about window_s, absent from the text.
        let text = MINIMAL.replace(
            r#""seed": 7,"#,
            r#""seed": 7, "limits": {"max_windows": 5},"#,
        );
        let p = only_problem(&text);
        assert_eq!(p.path, "window_s");
        assert_eq!((p.line, p.column), (Some(1), Some(1)));
    }

    #[test]
    fn duplicate_map_keys_are_reported() {
        let text = MINIMAL.replace(
            r#""handlers": {"get": [{"#,
            r#""handlers": {"get": [], "get": [{"#,
        );
        let p = only_problem(&text);
        assert_eq!(p.path, "designs[0].services.api.handlers.get");
        let (line, column) = find(&text, "\"get\"", 2);
        assert_eq!((p.line, p.column), (Some(line), Some(column)));
        assert!(
            p.message.starts_with("duplicate key `get`"),
            "{}",
            p.message
        );
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let text = format!("\u{feff}{MINIMAL}");
        assert!(load_str("bom.json", &text).is_ok());
    }

    #[test]
    fn load_file_reports_read_errors_and_bad_utf8_without_panicking() {
        let dir = std::env::temp_dir().join(format!("caplab-load-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let missing = dir.join("missing.json");
        let err = load_file(&missing).expect_err("missing file");
        assert_eq!(err.problems.len(), 1);
        assert!(err.problems[0].message.starts_with("cannot read:"));
        assert_eq!(err.file, missing.display().to_string());
        assert!(err
            .to_string()
            .starts_with(&format!("{}: cannot read:", missing.display())));

        let bad = dir.join("bad.json");
        std::fs::write(&bad, b"{\n  \"name\": \"\xff\"\n}").expect("write");
        let err = load_file(&bad).expect_err("not utf-8");
        let p = &err.problems[0];
        assert_eq!((p.line, p.column), (Some(2), Some(12)));

        let good = dir.join("good.json");
        std::fs::write(&good, MINIMAL).expect("write");
        assert!(load_file(&good).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn display_leaves_out_unknown_positions_and_empty_paths() {
        let e = ScenarioError {
            file: "x.json".into(),
            problems: vec![
                Problem::new("designs[0].entry", "bad entry"),
                Problem {
                    path: String::new(),
                    line: Some(3),
                    column: Some(4),
                    message: "m".into(),
                },
            ],
        };
        assert_eq!(
            e.to_string(),
            "x.json: designs[0].entry: bad entry\nx.json:3:4: m"
        );
    }

    #[test]
    fn scanner_positions_on_tricky_input() {
        let text = "{\"a\\\"b\": \"x\\\"}\\\\\", \"é😀\": [1, {\"k\": [true, null]}, [[-1.5e3]]],\n\t\"u\\u00e9\\ud83d\\ude00\": {\"\": false, \"x\": \"]}[{\"}\r\n}";
        let index = PositionIndex::new(text);
        // Escaped quotes inside keys and values do not end them.
        assert_eq!(index.get(""), Some((1, 1)));
        assert_eq!(index.get("a\"b"), Some((1, 2)));
        // Columns count characters: `é😀` is two, however many bytes.
        assert_eq!(index.get("é😀"), Some((1, 20)));
        assert_eq!(index.get("é😀[0]"), Some((1, 27)));
        assert_eq!(index.get("é😀[1]"), Some((1, 30)));
        assert_eq!(index.get("é😀[1].k"), Some((1, 31)));
        assert_eq!(index.get("é😀[1].k[1]"), Some((1, 43)));
        assert_eq!(index.get("é😀[2][0][0]"), Some((1, 53)));
        // \u escapes (with a surrogate pair) decode like serde's keys; a tab is one column.
        assert_eq!(index.get("ué😀"), Some((2, 2)));
        assert_eq!(index.get("ué😀."), Some((2, 26)));
        // Brackets inside a string are text.
        assert_eq!(index.get("ué😀.x"), Some((2, 37)));
        assert_eq!(index.get("ué😀.x.y"), None);
        assert_eq!(index.locate("ué😀.x.y"), Some((2, 37)));
        assert_eq!(index.locate("nope[3]"), Some((1, 1)));
    }

    #[test]
    fn scanner_keeps_what_it_indexed_before_malformed_text() {
        let index = PositionIndex::new("{\"a\": 1,\n \"b\": [2, }");
        assert_eq!(index.get("a"), Some((1, 2)));
        assert_eq!(index.get("b[0]"), Some((2, 8)));
        // Hostile nesting stops the scanner instead of overflowing its stack.
        let deep = "[".repeat(100_000);
        assert_eq!(PositionIndex::new(&deep).get(""), Some((1, 1)));
    }

    #[test]
    fn parent_paths() {
        assert_eq!(parent_path("a.b[2]"), Some("a.b"));
        assert_eq!(parent_path("a.b"), Some("a"));
        assert_eq!(parent_path("a"), Some(""));
        assert_eq!(parent_path(""), None);
    }
}
