//! End to end on the committed fixture submissions: real scans, real Tesseract,
//! the built-in rules. Each fixture's `expected.json` says what a correct engine
//! concludes (written by the generator that injected the defects).

use prereview_cli::review::Pipeline;
use prereview_model::report::Verdict;
use std::path::Path;

#[derive(serde::Deserialize)]
struct Expected {
    verdict: Verdict,
    #[serde(default)]
    defects: Vec<serde_json::Value>,
}

#[test]
fn fixture_submissions_get_their_expected_verdicts_with_real_ocr() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/submissions");
    let dirs = prereview_submission::discover(&root).expect("fixtures/submissions");
    assert!(dirs.len() >= 6, "expected the committed fixture submissions under {}", root.display());
    let c = prereview_dsl::compile(&prereview_cli::rules::builtin_files());
    let pipeline = Pipeline::new(c.rule_set.expect("rules compile"), prereview_ocr::Settings::default());

    let mut mismatches = Vec::new();
    let mut unsafe_passes = Vec::new();
    for dir in &dirs {
        let expected: Expected = serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
        let report = pipeline.review_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let not_pass: Vec<String> = report
            .findings
            .iter()
            .filter(|f| !matches!(f.outcome, prereview_model::report::Outcome::Pass | prereview_model::report::Outcome::NotApplicable))
            .map(|f| format!("{} {}: {}", f.rule, f.outcome.as_str(), f.message))
            .chain(report.errors.iter().cloned())
            .collect();
        if report.verdict == Verdict::Pass && expected.verdict != Verdict::Pass {
            unsafe_passes.push(format!("{}: expected {:?} ({:?})", dir.display(), expected.verdict, expected.defects));
        }
        if report.verdict != expected.verdict {
            mismatches.push(format!(
                "{}: expected {:?}, got {:?}\n    defects: {:?}\n    {}",
                dir.file_name().unwrap().to_string_lossy(),
                expected.verdict,
                report.verdict,
                expected.defects,
                not_pass.join("\n    ")
            ));
        }
    }
    // The property that matters most first: a defective application never passes.
    assert!(unsafe_passes.is_empty(), "defective submissions passed:\n{}", unsafe_passes.join("\n"));
    assert!(mismatches.is_empty(), "{} of {} fixtures got another verdict:\n{}", mismatches.len(), dirs.len(), mismatches.join("\n"));
}
