//! A re-run with other rules over the same documents re-reads no image: every
//! document comes from the cache, and reads the same.

use prereview_cli::review::Pipeline;
use std::path::Path;

#[test]
fn a_rerun_with_other_rules_reads_every_document_from_the_cache() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/submissions/SUB-2025-025004");
    let work = tempfile::tempdir().unwrap();
    let cache = work.path().join("cache");
    let settings = || prereview_ocr::Settings {
        cache_dir: Some(cache.clone()),
        ..Default::default()
    };

    let files = prereview_cli::rules::builtin_files();
    let first = Pipeline::new(prereview_dsl::compile(&files).rule_set.unwrap(), settings());
    let a = first.review_dir(&fixture).unwrap();
    assert_eq!(first.cache_hits(), 0);

    // Other rules: a parameter changed (a new rule-set version).
    let changed: Vec<(String, String)> = files
        .into_iter()
        .map(|(p, t)| {
            if p == "params.toml" {
                (p, t.replace("value = 30", "value = 45"))
            } else {
                (p, t)
            }
        })
        .collect();
    let rs = prereview_dsl::compile(&changed).rule_set.unwrap();
    assert_ne!(rs.version, a.rule_set.as_ref().unwrap().version);
    let second = Pipeline::new(rs, settings());
    let b = second.review_dir(&fixture).unwrap();
    assert_eq!(
        second.cache_hits() as usize,
        a.documents.len(),
        "every document from the cache"
    );
    assert_eq!(a.documents, b.documents);
}
