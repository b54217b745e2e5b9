//! End to end on the committed fixture submissions: real scans, real Tesseract,
//! the built-in rules. Each fixture's `expected.json` says what a correct engine
//! concludes (written by the generator that injected the defects).
//!
//! What must always hold is safe degradation: the engine may send a submission to a
//! person (`review`) when it cannot read a scan well enough, but it must never be
//! more lenient than the truth (a defective submission passing), and never reject
//! what is correct. The stricter "exactly the expected verdict" depends on OCR
//! accuracy; it is measured by the ignored test below (`cargo test -- --ignored`).

use prereview_cli::review::Pipeline;
use prereview_model::report::{Outcome, Report, Verdict};
use std::path::{Path, PathBuf};

#[derive(serde::Deserialize)]
struct Expected {
    verdict: Verdict,
    #[serde(default)]
    defects: Vec<serde_json::Value>,
}

fn run_fixtures() -> Vec<(PathBuf, Expected, Report)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/submissions");
    let dirs = prereview_submission::discover(&root).expect("fixtures/submissions");
    assert!(
        dirs.len() >= 6,
        "expected the committed fixture submissions under {}",
        root.display()
    );
    let c = prereview_dsl::compile(&prereview_cli::rules::builtin_files());
    let pipeline = Pipeline::new(
        c.rule_set.expect("rules compile"),
        prereview_ocr::Settings::default(),
    );
    dirs.into_iter()
        .map(|dir| {
            let expected: Expected =
                serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                    .unwrap();
            let report = pipeline
                .review_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            (dir, expected, report)
        })
        .collect()
}

fn describe(dir: &Path, expected: &Expected, report: &Report) -> String {
    let not_pass: Vec<String> = report
        .findings
        .iter()
        .filter(|f| !matches!(f.outcome, Outcome::Pass | Outcome::NotApplicable))
        .map(|f| format!("{} {}: {}", f.rule, f.outcome.as_str(), f.message))
        .chain(report.errors.iter().cloned())
        .collect();
    format!(
        "{}: expected {:?}, got {:?}\n    defects: {:?}\n    {}",
        dir.file_name().unwrap().to_string_lossy(),
        expected.verdict,
        report.verdict,
        expected.defects,
        not_pass.join("\n    ")
    )
}

#[test]
fn fixtures_degrade_safely_with_real_ocr() {
    let results = run_fixtures();
    let mut unsafe_ = Vec::new();
    let mut exact = 0;
    for (dir, expected, report) in &results {
        let ok = report.verdict == expected.verdict || report.verdict == Verdict::Review;
        if !ok {
            unsafe_.push(describe(dir, expected, report));
        }
        exact += usize::from(report.verdict == expected.verdict);
        // A fixture whose defect is in the form alone is found whatever OCR reads.
        if expected
            .defects
            .iter()
            .any(|d| d["code"] == "capital_sum_mismatch")
        {
            assert_eq!(
                report.verdict,
                Verdict::Reject,
                "{}",
                describe(dir, expected, report)
            );
        }
    }
    println!(
        "fixtures with exactly the expected verdict: {exact} of {}",
        results.len()
    );
    assert!(
        unsafe_.is_empty(),
        "verdicts more lenient or harsher than the truth:\n{}",
        unsafe_.join("\n")
    );
}

#[test]
#[ignore = "measures OCR accuracy end to end; known gap: clean scans still go to review (see the OCR issue)"]
fn fixtures_get_exactly_the_expected_verdicts() {
    let results = run_fixtures();
    let mismatches: Vec<String> = results
        .iter()
        .filter(|(_, e, r)| r.verdict != e.verdict)
        .map(|(d, e, r)| describe(d, e, r))
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} fixtures got another verdict:\n{}",
        mismatches.len(),
        results.len(),
        mismatches.join("\n")
    );
}
