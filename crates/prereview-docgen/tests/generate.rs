//! End-to-end generation: determinism, identifiers in the written files, truth boxes.

use prereview_docgen::{generate_documents, generate_submissions, Quality, SubmissionOptions};
use prereview_validators::{resident_id, uscc};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn small(seed: u64, share: f64) -> SubmissionOptions {
    SubmissionOptions {
        count: 1,
        seed,
        pages_min: 2,
        pages_max: 3,
        defect_share: share,
        defects: Vec::new(),
        // Cheap scans keep the test quick in debug builds; the code path is the same.
        qualities: vec![Quality::Mild, Quality::Heavy],
    }
}

#[test]
fn same_seed_gives_identical_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    generate_submissions(a.path(), &small(42, 0.0)).unwrap();
    generate_submissions(b.path(), &small(42, 0.0)).unwrap();
    let fa = files(a.path());
    let fb = files(b.path());
    assert!(fa.keys().any(|k| k.ends_with("submission.json")));
    assert!(fa
        .keys()
        .any(|k| k.ends_with(".png") || k.ends_with(".jpg") || k.ends_with(".pdf")));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (k, v) in &fa {
        assert!(
            v == &fb[k],
            "{k} differs between two runs with the same seed"
        );
    }
    // A different seed gives a different submission.
    let c = tempfile::tempdir().unwrap();
    generate_submissions(c.path(), &small(43, 0.0)).unwrap();
    let fc = files(c.path());
    let json = |m: &BTreeMap<String, Vec<u8>>| {
        m.iter()
            .find(|(k, _)| k.ends_with("submission.json"))
            .unwrap()
            .1
            .clone()
    };
    assert_ne!(json(&fa), json(&fc));
}

fn id_ok(v: &str) -> bool {
    v.len() == 18 && resident_id::check_character(&v[..17]) == v[17..].chars().next()
}

fn uscc_ok(v: &str) -> bool {
    v.len() == 18 && uscc::check_character(&v[..17]) == v[17..].chars().next()
}

fn walk_ids(v: &Value, ids: &mut Vec<String>, usccs: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("id_number" | "subject", Value::String(s)) => ids.push(s.clone()),
                    ("uscc", Value::String(s)) => usccs.push(s.clone()),
                    _ => walk_ids(x, ids, usccs),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| walk_ids(x, ids, usccs)),
        _ => {}
    }
}

#[test]
fn written_identifiers_validate_and_truth_boxes_fit() {
    let dir = tempfile::tempdir().unwrap();
    // Index 2 of a run is a health-permit submission (procedures alternate in pairs).
    let opts = SubmissionOptions {
        count: 3,
        seed: 7,
        pages_min: 5,
        pages_max: 5,
        defect_share: 0.0,
        defects: Vec::new(),
        qualities: vec![Quality::Mild],
    };
    let summary = generate_submissions(dir.path(), &opts).unwrap();
    assert_eq!(summary.len(), 3);
    let (mut ids, mut usccs) = (Vec::new(), Vec::new());
    let mut cards = 0;
    for s in &summary {
        assert_eq!(
            serde_json::to_value(&s.expected).unwrap()["verdict"],
            "pass"
        );
        let sub = dir.path().join(&s.id);
        let form: Value =
            serde_json::from_slice(&std::fs::read(sub.join("submission.json")).unwrap()).unwrap();
        walk_ids(&form, &mut ids, &mut usccs);
        for att in form["attachments"].as_array().unwrap() {
            let file = att["file"].as_str().unwrap();
            assert!(sub.join(file).exists(), "{file}");
            let stem = file.rsplit_once('.').unwrap().0;
            let truth: Value = serde_json::from_slice(
                &std::fs::read(sub.join(format!("{stem}.truth.json"))).unwrap(),
            )
            .unwrap();
            assert_eq!(truth["kind"], att["kind"]);
            walk_ids(&truth["fields"], &mut ids, &mut usccs);
            if truth["kind"] == "id_card" {
                cards += 1;
                assert_eq!(truth["fields"]["id_number"], att["subject"]);
            }
            // Every field of the kind has a value; boxes lie inside the page.
            if !file.ends_with(".pdf") {
                let img = image::open(sub.join(file)).unwrap();
                for (name, b) in truth["boxes"].as_object().unwrap() {
                    let bb: Vec<u64> = b["bbox"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_u64().unwrap())
                        .collect();
                    assert!(bb[2] > 0 && bb[3] > 0, "{file} {name}: empty box");
                    assert!(
                        bb[0] + bb[2] <= img.width() as u64 && bb[1] + bb[3] <= img.height() as u64,
                        "{file} {name}"
                    );
                }
                // The ink is where the box says: the box is not blank.
                {
                    let g = img.to_luma8();
                    for (name, b) in truth["boxes"].as_object().unwrap() {
                        let bb: Vec<u32> = b["bbox"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|x| x.as_u64().unwrap() as u32)
                            .collect();
                        let dark = (bb[1]..bb[1] + bb[3])
                            .flat_map(|y| (bb[0]..bb[0] + bb[2]).map(move |x| (x, y)))
                            .filter(|(x, y)| g.get_pixel(*x, *y).0[0] < 128)
                            .count();
                        assert!(dark > 10, "{file} {name}: no ink in its box");
                    }
                }
            }
        }
    }
    assert!(cards >= 2);
    assert!(!ids.is_empty() && !usccs.is_empty());
    for id in &ids {
        assert!(id_ok(id), "invalid resident ID {id}");
    }
    for c in &usccs {
        assert!(uscc_ok(c), "invalid USCC {c}");
    }
}

#[test]
fn documents_come_with_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let truths = generate_documents(dir.path(), 1, &[Quality::Heavy], 3).unwrap();
    assert_eq!(truths.len(), 7);
    for t in &truths {
        let kind: prereview_docgen::Kind = t.kind.parse().unwrap();
        let mut want: Vec<&str> = kind.fields().to_vec();
        want.sort_unstable();
        let got: Vec<&str> = t.fields.keys().map(String::as_str).collect();
        assert_eq!(got, want, "{}", t.file);
        assert!(dir.path().join("heavy").join(&t.file).exists());
    }
}

#[test]
fn bad_options_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = small(1, 0.0);
    o.pages_min = 9;
    o.pages_max = 3;
    let e = generate_submissions(dir.path(), &o)
        .unwrap_err()
        .to_string();
    assert!(e.contains("--pages-min"), "{e}");
    o = small(1, 1.5);
    assert!(generate_submissions(dir.path(), &o).is_err());
}
