//! A re-run with other rules over the same documents re-reads no image: every
//! document comes from the cache, and reads the same; the batch's pages are drawn
//! from cached crops, decoding no scan.

use prereview_batch::{BatchOptions, BatchSummary, ProgressMode};
use prereview_cli::review::Pipeline;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/submissions/SUB-2025-025004")
}

/// The built-in rules with one parameter changed (a new rule-set version).
fn changed_rules() -> Vec<(String, String)> {
    prereview_cli::rules::builtin_files()
        .into_iter()
        .map(|(p, t)| {
            if p == "params.toml" {
                (p, t.replace("value = 30", "value = 45"))
            } else {
                (p, t)
            }
        })
        .collect()
}

fn pipeline(files: &[(String, String)], cache: &Path) -> Pipeline {
    let settings = prereview_ocr::Settings {
        cache_dir: Some(cache.to_path_buf()),
        ..Default::default()
    };
    Pipeline::new(prereview_dsl::compile(files).rule_set.unwrap(), settings)
}

#[test]
fn a_rerun_with_other_rules_reads_every_document_from_the_cache() {
    let work = tempfile::tempdir().unwrap();
    let cache = work.path().join("cache");

    let first = pipeline(&prereview_cli::rules::builtin_files(), &cache);
    let a = first.review_dir(&fixture()).unwrap();
    assert_eq!(first.cache_hits(), 0);
    assert_eq!(first.ocr_reads() as usize, a.documents.len());

    let second = pipeline(&changed_rules(), &cache);
    let b = second.review_dir(&fixture()).unwrap();
    assert_ne!(b.rule_set, a.rule_set);
    assert_eq!(
        second.cache_hits() as usize,
        a.documents.len(),
        "every document from the cache"
    );
    assert_eq!(second.ocr_reads(), 0, "no document read by OCR");
    assert_eq!(a.documents, b.documents);

    // Other reading settings give other documents: none is served from the
    // cache (the pages' words still are).
    let settings = prereview_ocr::Settings {
        cache_dir: Some(cache.to_path_buf()),
        second_look: prereview_ocr::SecondLook::Off,
        ..Default::default()
    };
    let third = Pipeline::new(
        prereview_dsl::compile(&prereview_cli::rules::builtin_files())
            .rule_set
            .unwrap(),
        settings,
    );
    let c = third.review_dir(&fixture()).unwrap();
    assert_eq!(third.cache_hits(), 0, "no document from the cache");
    assert_eq!(third.ocr_reads() as usize, a.documents.len());

    // Each report says how its documents were read; a cached read says the
    // same as the first (the cache key holds the reading).
    let reading = a.reading.as_deref().unwrap_or_default();
    assert!(
        reading.contains("second look Doubtful") && reading.contains("tesseract "),
        "{reading}"
    );
    assert_eq!(b.reading, a.reading);
    assert!(
        c.reading
            .as_deref()
            .unwrap_or_default()
            .contains("second look Off"),
        "{:?}",
        c.reading
    );
}

fn batch(pipeline: &Pipeline, input: &Path, out: &Path) -> BatchSummary {
    let mut o = BatchOptions::new(out);
    o.jobs = 2;
    o.progress = ProgressMode::Off;
    prereview_batch::run(pipeline, input, &o).unwrap()
}

/// Every file of a report folder but `summary.json` (it holds times and counts of
/// the run), by relative path.
fn outputs(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for sub in ["reports", "submissions"] {
        for e in std::fs::read_dir(dir.join(sub)).unwrap() {
            let p = e.unwrap().path();
            files.push((
                Path::new(sub).join(p.file_name().unwrap()),
                std::fs::read(&p).unwrap(),
            ));
        }
    }
    for f in ["queue.csv", "index.html"] {
        files.push((f.into(), std::fs::read(dir.join(f)).unwrap()));
    }
    files.sort();
    files
}

#[test]
fn a_cached_batch_rerun_reads_and_decodes_nothing_and_writes_the_same() {
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("in");
    let sub = input.join("SUB-2025-025004");
    std::fs::create_dir_all(&sub).unwrap();
    for e in std::fs::read_dir(fixture()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), sub.join(e.file_name())).unwrap();
    }
    let cache = work.path().join("cache");
    let builtin = prereview_cli::rules::builtin_files();

    // First run: everything read and drawn.
    let first = batch(&pipeline(&builtin, &cache), &input, &work.path().join("o1"));
    let w = &first.run.work;
    assert!(w.documents_read > 0, "{w:?}");
    assert_eq!(w.documents_from_cache, 0, "{w:?}");
    assert!(w.scans_decoded > 0 && w.crops_drawn > 0, "{w:?}");
    // The summary says how the documents were read.
    let reading = first.run.reading.as_deref().unwrap_or_default();
    assert!(
        reading.contains("second look Doubtful") && reading.contains("chi_sim "),
        "{reading}"
    );

    // Other rules, same scans: no OCR.
    let second = batch(
        &pipeline(&changed_rules(), &cache),
        &input,
        &work.path().join("o2"),
    );
    let w = &second.run.work;
    assert_eq!(w.documents_read, 0, "{w:?}");
    assert_eq!(
        w.documents_from_cache, first.run.work.documents_read,
        "{w:?}"
    );

    // The first rules again into a fresh folder: nothing read, nothing decoded or
    // rasterised, and the same reports, pages, queue and index as the first run.
    let third = batch(&pipeline(&builtin, &cache), &input, &work.path().join("o3"));
    let w = &third.run.work;
    assert_eq!(w.documents_read, 0, "{w:?}");
    assert_eq!(
        (w.scans_decoded, w.pdf_pages_rendered, w.crops_drawn),
        (0, 0, 0),
        "{w:?}"
    );
    assert_eq!(
        w.crops_from_cache,
        first.run.work.crops_drawn + first.run.work.crops_from_cache,
        "{w:?}"
    );
    let (a, c) = (
        outputs(&work.path().join("o1")),
        outputs(&work.path().join("o3")),
    );
    assert_eq!(a.len(), c.len());
    for ((pa, ba), (pc, bc)) in a.iter().zip(&c) {
        assert_eq!(pa, pc);
        assert!(
            ba == bc,
            "{} differs between the first and the cached run",
            pa.display()
        );
    }

    // Resuming the second run's folder under the first rules: its report was
    // made under other rules, so it is judged again (from the cache), and then
    // it is current.
    let o2 = work.path().join("o2");
    let fourth = batch(&pipeline(&builtin, &cache), &input, &o2);
    let counts = |s: &BatchSummary| (s.run.reviewed, s.run.outdated, s.run.resumed);
    assert_eq!(counts(&fourth), (1, 1, 0));
    assert_eq!(fourth.run.work.documents_read, 0);
    assert_eq!(outputs(&o2), a, "the same as the first run's");
    assert_eq!(
        counts(&batch(&pipeline(&builtin, &cache), &input, &o2)),
        (0, 0, 1)
    );

    // Read another way: judged again.
    let settings = prereview_ocr::Settings {
        cache_dir: Some(cache.to_path_buf()),
        second_look: prereview_ocr::SecondLook::Off,
        ..Default::default()
    };
    let other_reading = Pipeline::new(prereview_dsl::compile(&builtin).rule_set.unwrap(), settings);
    assert_eq!(counts(&batch(&other_reading, &input, &o2)), (1, 1, 0));

    // A report that does not say how it was read (an older build's), while the
    // submission has scans to read: judged again.
    let report_path = o2.join("reports/SUB-2025-025004.json");
    let mut report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
    assert!(report.as_object_mut().unwrap().remove("reading").is_some());
    std::fs::write(&report_path, serde_json::to_vec(&report).unwrap()).unwrap();
    assert_eq!(
        counts(&batch(&pipeline(&builtin, &cache), &input, &o2)),
        (1, 1, 0)
    );
}
