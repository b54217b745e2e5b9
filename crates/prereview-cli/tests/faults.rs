//! Fault isolation with the real pipeline: corrupt and oversized scans never stop a
//! batch, never panic, and never let a submission pass.

use prereview_cli::review::Pipeline;
use prereview_model::report::Verdict;
use std::path::Path;

mod common;
use common::copy_dir;

fn set_id(dir: &Path, id: &str) {
    let path = dir.join("submission.json");
    let mut sub: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    sub["id"] = id.into();
    std::fs::write(&path, serde_json::to_vec(&sub).unwrap()).unwrap();
}

#[test]
fn corrupt_and_oversized_scans_are_reviewed_and_the_batch_goes_on() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/submissions");
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("in");
    // A correct submission whose documents are given as documents.json (no OCR needed)…
    let good = input.join("good");
    copy_dir(&fixtures.join("SUB-2025-025003"), &good);
    let truth: Vec<serde_json::Value> = std::fs::read_dir(&good)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".truth.json"))
        .map(|e| {
            let t: serde_json::Value =
                serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap();
            let fields: serde_json::Map<String, serde_json::Value> = t["fields"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        serde_json::json!({ "value": v, "confidence": 0.99 }),
                    )
                })
                .collect();
            serde_json::json!({ "file": t["file"], "kind": t["kind"], "fields": fields })
        })
        .collect();
    let truth_docs = serde_json::to_string(&truth).unwrap();
    set_id(&good, "GOOD");
    std::fs::write(good.join("documents.json"), &truth_docs).unwrap();

    // …and two copies of a submission with a damaged scan, read by OCR.
    let corrupt = input.join("corrupt");
    copy_dir(&fixtures.join("SUB-2025-025003"), &corrupt);
    let sub: serde_json::Value =
        serde_json::from_slice(&std::fs::read(corrupt.join("submission.json")).unwrap()).unwrap();
    let first = sub["attachments"][0]["file"].as_str().unwrap().to_string();
    std::fs::write(
        corrupt.join(&first),
        b"\x89PNG\r\n\x1a\n this is not an image",
    )
    .unwrap();
    set_id(&corrupt, "CORRUPT");

    let oversized = input.join("oversized");
    copy_dir(&fixtures.join("SUB-2025-025003"), &oversized);
    // A PNG header announcing 60000 x 60000 pixels: a decompression bomb, refused before decoding.
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(&60000u32.to_be_bytes());
    png.extend_from_slice(&60000u32.to_be_bytes());
    png.extend_from_slice(&[8, 0, 0, 0, 0, 0, 0, 0, 0]);
    std::fs::write(oversized.join(&first), &png).unwrap();
    set_id(&oversized, "OVERSIZED");

    let c = prereview_dsl::compile(&prereview_cli::rules::builtin_files());
    let pipeline = Pipeline::new(c.rule_set.unwrap(), prereview_ocr::Settings::default());
    let mut options = prereview_batch::BatchOptions::new(work.path().join("out"));
    options.quiet = true;
    let summary = prereview_batch::run(&pipeline, &input, &options).unwrap();
    assert_eq!(
        summary.verdicts.submissions, 3,
        "the batch judged every submission"
    );

    let report = |id: &str| -> prereview_model::report::Report {
        let path = work.path().join("out/reports").join(format!("{id}.json"));
        serde_json::from_slice(
            &std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        )
        .unwrap()
    };
    assert_eq!(report("GOOD").verdict, Verdict::Pass);
    for name in ["CORRUPT", "OVERSIZED"] {
        let r = report(name);
        assert_eq!(r.verdict, Verdict::Review, "{name}: {:?}", r.errors);
        assert!(
            r.errors.iter().any(|e| e.contains(&first)),
            "{name}: the error names the attachment: {:?}",
            r.errors
        );
    }
}
