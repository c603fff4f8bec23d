//! Keeps tests/COVERAGE.md honest: every normative statement that binds a client
//! (tests/data/client_statements.txt) has a row, and every row that names a test names one that
//! exists and cites that statement:
//! - `session: `module::test`` — a scenario in tests/scenarios/ whose `shows!` lists the
//!   statement for that version;
//! - `codec: `module::test` [MQTT-x]` — a test of mqtt-kit-codec (its src/ test modules or tests/)
//!   whose body cites `[MQTT-x]` (for a 3.1.1 row, x may be the 5.0 number of the same rule);
//! - `none (why)` — not shown here, and why.
//!
//! `UPDATE_COVERAGE=1 cargo test -p mqtt-kit-session --test coverage` rewrites the file from the
//! marks in the tests, keeping the hand-written reasons of rows nothing shows.

// A file that cannot be read is a failed check: unwrapping says which.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

type Key = (String, String); // (version, id)

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The client-binding statements, in file order, with whether they are the required ones
/// (applies_to client/both) or extra checks (server+check).
fn statements() -> Vec<(Key, bool)> {
    let text = fs::read_to_string(crate_dir().join("tests/data/client_statements.txt"))
        .expect("tests/data/client_statements.txt");
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (
                (fields[0].to_owned(), fields[1].to_owned()),
                fields[2] != "server+check",
            )
        })
        .collect()
}

/// `(name, body)` of every `#[test]` function in `source`; the body runs to the next test.
fn test_functions(source: &str) -> Vec<(String, &str)> {
    let starts: Vec<usize> = source.match_indices("#[test]").map(|(at, _)| at).collect();
    let mut tests = Vec::new();
    for (index, start) in starts.iter().enumerate() {
        let end = starts.get(index + 1).copied().unwrap_or(source.len());
        let span = &source[*start..end];
        let Some(fn_at) = span.find("fn ") else {
            continue;
        };
        let name: String = span[fn_at + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        tests.push((name, span));
    }
    tests
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.extend(rust_files(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn module_name(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

/// Scenario `module::test` -> statements its `shows!` lists.
fn session_marks() -> BTreeMap<String, BTreeSet<Key>> {
    let mut marks = BTreeMap::new();
    for file in rust_files(&crate_dir().join("tests/scenarios")) {
        let source = fs::read_to_string(&file).unwrap();
        for (name, body) in test_functions(&source) {
            let mut shown = BTreeSet::new();
            for (at, _) in body.match_indices("shows!(") {
                let inner = &body[at + 7..];
                let inner = &inner[..inner.find(");").unwrap_or(inner.len())];
                for pair in inner.split(';') {
                    let quoted: Vec<&str> = pair.split('"').skip(1).step_by(2).collect();
                    if let [version, id] = quoted.as_slice() {
                        shown.insert((version.to_string(), id.to_string()));
                    }
                }
            }
            marks.insert(format!("{}::{name}", module_name(&file)), shown);
        }
    }
    marks
}

/// mqtt-kit-codec test `module::test` -> `(version it is attributed to, cited id)`: a citation
/// written after "3.1.1" on its line counts for 3.1.1, others for 5.0.
fn codec_marks() -> BTreeMap<String, BTreeSet<Key>> {
    let codec = crate_dir().join("../mqtt-codec");
    let mut marks = BTreeMap::new();
    let mut files = rust_files(&codec.join("src"));
    files.extend(rust_files(&codec.join("tests")));
    for file in files {
        let source = fs::read_to_string(&file).unwrap();
        for (name, body) in test_functions(&source) {
            let mut cited = BTreeSet::new();
            for (at, _) in body.match_indices("[MQTT-") {
                let id: String = body[at + 1..].chars().take_while(|c| *c != ']').collect();
                let line_start = body[..at].rfind('\n').map_or(0, |n| n + 1);
                let version = if body[line_start..at].contains("3.1.1") {
                    "3.1.1"
                } else {
                    "5.0"
                };
                cited.insert((version.to_owned(), id));
            }
            marks.insert(format!("{}::{name}", module_name(&file)), cited);
        }
    }
    marks
}

#[derive(Debug, Clone, PartialEq)]
enum Shown {
    Session(Vec<String>),
    Codec(Vec<(String, String)>),
    None(String),
}

fn parse_row(line: &str) -> Option<(Key, Shown)> {
    let cells: Vec<&str> = line.split('|').map(str::trim).collect();
    if cells.len() < 5 || !cells[1].starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let key = (cells[1].to_owned(), cells[2].to_owned());
    let how = cells[3];
    let names = |text: &str| -> Vec<String> {
        text.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    };
    let shown = if let Some(rest) = how.strip_prefix("session:") {
        Shown::Session(names(rest))
    } else if let Some(rest) = how.strip_prefix("codec:") {
        let tests = names(rest);
        let cited: Vec<String> = rest
            .split('[')
            .skip(1)
            .filter_map(|part| part.split(']').next())
            .map(str::to_owned)
            .collect();
        Shown::Codec(tests.into_iter().zip(cited).collect())
    } else {
        Shown::None(how.strip_prefix("none").unwrap_or(how).trim().to_owned())
    };
    Some((key, shown))
}

fn coverage_path() -> PathBuf {
    crate_dir().join("tests/COVERAGE.md")
}

fn read_rows() -> BTreeMap<Key, Shown> {
    let text = fs::read_to_string(coverage_path()).unwrap_or_default();
    text.lines().filter_map(parse_row).collect()
}

/// What the marks say about `key`.
fn derive(
    key: &Key,
    session: &BTreeMap<String, BTreeSet<Key>>,
    codec: &BTreeMap<String, BTreeSet<Key>>,
    equivalents: &BTreeMap<Key, String>,
    previous: Option<&Shown>,
) -> Shown {
    let by_session: Vec<String> = session
        .iter()
        .filter(|(_, shown)| shown.contains(key))
        .map(|(name, _)| name.clone())
        .collect();
    if !by_session.is_empty() {
        return Shown::Session(by_session);
    }
    let mut wanted = vec![key.clone()];
    if let Some(same) = equivalents.get(key) {
        wanted.push(("5.0".to_owned(), same.clone()));
    }
    for want in &wanted {
        let by_codec: Vec<(String, String)> = codec
            .iter()
            .filter(|(_, cited)| cited.contains(want))
            .map(|(name, _)| (name.clone(), want.1.clone()))
            .take(3)
            .collect();
        if !by_codec.is_empty() {
            return Shown::Codec(by_codec);
        }
    }
    match previous {
        Some(Shown::None(reason)) => Shown::None(reason.clone()),
        _ => Shown::None("(not covered: give the reason)".to_owned()),
    }
}

/// 3.1.1 ids whose rule has another number in 5.0 (tests/data/equivalent_ids.txt).
fn equivalents() -> BTreeMap<Key, String> {
    let text =
        fs::read_to_string(crate_dir().join("tests/data/equivalent_ids.txt")).unwrap_or_default();
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (
                ("3.1.1".to_owned(), fields[0].to_owned()),
                fields[1].to_owned(),
            )
        })
        .collect()
}

fn render(rows: &[(Key, bool, Shown)]) -> String {
    let mut out = String::new();
    out.push_str(
        "# Normative statements binding a client: where each is shown\n\n\
         Checked by `tests/coverage.rs` (every client-binding statement of\n\
         `tests/data/client_statements.txt` has a row; every test named exists and cites the\n\
         statement). Regenerate with `UPDATE_COVERAGE=1 cargo test -p mqtt-kit-session --test coverage`;\n\
         reasons of rows that nothing shows are kept. `session:` scenarios are in\n\
         `tests/scenarios/<module>.rs`; `codec:` tests are mqtt-kit-codec's (`src/<module>.rs` test\n\
         modules or `tests/`), with the id they cite (a 3.1.1 row may cite the 5.0 number of the\n\
         same rule, see `tests/data/equivalent_ids.txt`). Rows marked *extra* are server-side\n\
         statements with a check the client makes (`client_note` in the source data).\n\n",
    );
    for version in ["3.1.1", "5.0"] {
        let required: Vec<_> = rows
            .iter()
            .filter(|(k, r, _)| k.0 == version && *r)
            .collect();
        let shown = required
            .iter()
            .filter(|(_, _, s)| !matches!(s, Shown::None(_)))
            .count();
        out.push_str(&format!(
            "MQTT {version}: {shown} of {} client-binding statements shown.\n\n",
            required.len()
        ));
    }
    out.push_str("| version | statement | shown by |\n| --- | --- | --- |\n");
    for ((version, id), required, shown) in rows {
        let how = match shown {
            Shown::Session(tests) => format!(
                "session: {}",
                tests
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Shown::Codec(tests) => format!(
                "codec: {}",
                tests
                    .iter()
                    .map(|(t, id)| format!("`{t}` [{id}]"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Shown::None(reason) => format!("none {reason}"),
        };
        let extra = if *required { "" } else { " *extra*" };
        out.push_str(&format!("| {version} | {id}{extra} | {how} |\n"));
    }
    out
}

#[test]
fn coverage_table_is_complete_and_names_real_tests() {
    let statements = statements();
    let session = session_marks();
    let codec = codec_marks();
    let equivalents = equivalents();
    let mut rows = read_rows();
    // Rows carry " *extra*" after the id for server+check statements.
    rows = rows
        .into_iter()
        .map(|((v, id), shown)| ((v, id.trim_end_matches(" *extra*").to_owned()), shown))
        .collect();

    if std::env::var_os("UPDATE_COVERAGE").is_some() {
        let derived: Vec<(Key, bool, Shown)> = statements
            .iter()
            .map(|(key, required)| {
                let shown = derive(key, &session, &codec, &equivalents, rows.get(key));
                (key.clone(), *required, shown)
            })
            .collect();
        fs::write(coverage_path(), render(&derived)).unwrap();
        rows = derived.into_iter().map(|(k, _, s)| (k, s)).collect();
    }

    let mut problems = Vec::new();
    for (key, required) in &statements {
        match rows.get(key) {
            None if *required => problems.push(format!("{} {}: no row", key.0, key.1)),
            None => {}
            Some(Shown::None(reason))
                if reason.is_empty() || reason.contains("not covered: give the reason") =>
            {
                problems.push(format!("{} {}: no test and no reason", key.0, key.1));
            }
            Some(Shown::None(_)) => {}
            Some(Shown::Session(tests)) => {
                for test in tests {
                    match session.get(test) {
                        None => problems.push(format!("{} {}: no scenario {test}", key.0, key.1)),
                        Some(shown) if !shown.contains(key) => problems.push(format!(
                            "{} {}: {test} does not list it in shows!",
                            key.0, key.1
                        )),
                        Some(_) => {}
                    }
                }
            }
            Some(Shown::Codec(tests)) => {
                for (test, cited) in tests {
                    let ok = codec
                        .get(test)
                        .is_some_and(|ids| ids.iter().any(|(_, id)| id == cited));
                    if !ok {
                        problems.push(format!(
                            "{} {}: mqtt-kit-codec test {test} does not exist or does not cite [{cited}]",
                            key.0, key.1
                        ));
                    }
                    if key.0 == "5.0" && cited != &key.1 {
                        problems.push(format!("{} {}: cites another id, {cited}", key.0, key.1));
                    }
                }
            }
        }
    }
    // Every shows! mark names a statement of the list (no typos).
    let known: BTreeSet<&Key> = statements.iter().map(|(key, _)| key).collect();
    for (test, shown) in &session {
        for key in shown {
            if !known.contains(key) {
                problems.push(format!(
                    "{test} shows {} {}, which binds no client",
                    key.0, key.1
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "tests/COVERAGE.md:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_statement_list_has_every_client_binding_statement() {
    let statements = statements();
    let count = |version: &str| {
        statements
            .iter()
            .filter(|((v, _), required)| v == version && *required)
            .count()
    };
    // The figures of the source data (shared/conformance/normative/README.md).
    assert_eq!(count("3.1.1"), 72);
    assert_eq!(count("5.0"), 133);
}
