//! The compiler never panics: on arbitrary text, and on the shipped rule files
//! with random edits (deleted, duplicated and inserted characters), which reach far
//! deeper into the checker than random text does.

use proptest::prelude::*;
use std::path::Path;

fn shipped() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    prereview_dsl::load::read_dir(&dir).unwrap()
}

const SNIPPETS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "\"",
    "“",
    "[",
    "]",
    ".",
    ",",
    ":",
    "==",
    "and",
    "or",
    "not",
    "all x in ",
    "check ",
    "form.",
    "docs.id_card",
    "param.",
    "table.",
    "2024-02-30",
    "9999999999999999999",
    "{form.x}",
    "\n",
    "#",
    "rule X \"t\" {",
    "sum s in form.shareholders: s.subscribed_wan",
    "doc_of(id_card, ",
    "matches(x, \"(\")",
    "\\",
    "é",
    "名称",
];

proptest! {
    // PROPTEST_CASES raises the count for a longer campaign.
    #![proptest_config(ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300)))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        let mut files = shipped();
        files.push(("company_establishment/fuzz.rules".into(), text));
        let _ = prereview_dsl::compile(&files);
    }

    #[test]
    fn edited_rule_files_never_panic(
        file_index in 0usize..64,
        edits in proptest::collection::vec((0usize..100_000, 0usize..SNIPPETS.len(), 0u8..3), 1..6),
    ) {
        let mut files = shipped();
        let candidates: Vec<usize> = (0..files.len()).filter(|&i| files[i].0.ends_with(".rules") || files[i].0.ends_with(".toml")).collect();
        let target = candidates[file_index % candidates.len()];
        let mut text: Vec<char> = files[target].1.chars().collect();
        for (pos, snippet, op) in edits {
            if text.is_empty() { break; }
            let at = pos % text.len();
            match op {
                0 => { text.drain(at..(at + 1 + pos % 7).min(text.len())); }
                1 => { for (k, c) in SNIPPETS[snippet].chars().enumerate() { text.insert(at + k, c); } }
                _ => { let c = text[at]; text.insert(at, c); }
            }
        }
        files[target].1 = text.into_iter().collect();
        let c = prereview_dsl::compile(&files);
        for d in &c.diagnostics {
            let _ = d.render(&c.sources, false);
        }
    }
}
