//! Compiler diagnostics, data-driven: each `tests/diagnostics/*.rules` file marks the
//! lines that must be reported with `# error: CODE` or `# warning: CODE`; every
//! marked diagnostic must be reported, at that line, and nothing else. The full
//! rendering (caret, label, help) is snapshotted with insta.

use std::path::Path;

fn shared_files() -> Vec<(String, String)> {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    prereview_dsl::load::read_dir(&rules)
        .unwrap()
        .into_iter()
        .filter(|(p, _)| {
            p.starts_with("documents/") || p.starts_with("tables/") || p == "params.toml"
        })
        .collect()
}

fn expected(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for marker in ["# error: ", "# warning: "] {
            if let Some(pos) = line.find(marker) {
                out.push((i + 1, line[pos + marker.len()..].trim().to_string()));
            }
        }
    }
    out.sort();
    out
}

fn check_case(name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics");
    let text = std::fs::read_to_string(dir.join(format!("{name}.rules"))).unwrap();
    let procedure = std::fs::read_to_string(dir.join("procedure.rules")).unwrap();
    let mut files = shared_files();
    files.push(("test_procedure/procedure.rules".into(), procedure));
    let path = format!("test_procedure/{name}.rules");
    files.push((path.clone(), text.clone()));
    let c = prereview_dsl::compile(&files);
    let file = c.sources.files.iter().position(|f| f.name == path).unwrap();
    let mut got: Vec<(usize, String)> = c
        .diagnostics
        .iter()
        .map(|d| {
            assert_eq!(
                d.file.0 as usize,
                file,
                "diagnostic in another file: {}",
                d.render(&c.sources, false)
            );
            (
                c.sources.get(d.file).line_col(d.span.start).0,
                d.code.to_string(),
            )
        })
        .collect();
    got.sort();
    let rendered: Vec<String> = c
        .diagnostics
        .iter()
        .map(|d| d.render(&c.sources, false))
        .collect();
    assert_eq!(got, expected(&text), "\n{}", rendered.join("\n"));
    if c.diagnostics.iter().any(|d| d.is_error()) {
        assert!(
            c.rule_set.is_none(),
            "a rule set with errors must not be produced"
        );
    }
    insta::assert_snapshot!(name, rendered.join("\n"));
}

#[test]
fn unknown_names_suggest_the_closest() {
    check_case("names");
}

#[test]
fn type_errors() {
    check_case("types");
}

#[test]
fn rule_structure() {
    check_case("structure");
}

#[test]
fn syntax_errors_do_not_hide_later_rules() {
    check_case("syntax");
}
