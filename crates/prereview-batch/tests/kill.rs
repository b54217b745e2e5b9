//! Killed half-way with SIGKILL and run again with the same `--out`, the batch
//! resumes and ends with exactly one complete report per submission.
//!
//! The child is this very test binary, re-run with `--exact child_batch` and an
//! environment variable naming the input and output: it runs a batch with a slow
//! fake reviewer until the parent kills it.

mod common;

use common::*;
use prereview_batch::{run, BatchOptions, ProgressMode};
use prereview_model::report::Report;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const ENV_IN: &str = "PREREVIEW_BATCH_TEST_CHILD_IN";
const ENV_OUT: &str = "PREREVIEW_BATCH_TEST_CHILD_OUT";
const TOTAL: usize = 24;

/// The child's side; does nothing in a normal test run.
#[test]
fn child_batch() {
    let (Some(input), Some(out)) = (std::env::var_os(ENV_IN), std::env::var_os(ENV_OUT)) else {
        return;
    };
    let reviewer = FakeReviewer {
        sleep_ms: 120,
        ..Default::default()
    };
    let mut o = BatchOptions::new(Path::new(&out));
    o.jobs = 2;
    o.progress = ProgressMode::Lines;
    run(&reviewer, Path::new(&input), &o).unwrap();
}

fn count_reports(out: &Path) -> usize {
    std::fs::read_dir(out.join("reports"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn sigkill_midway_then_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    for s in varied_specs(TOTAL) {
        write_submission(&input.join(&s.id), &s);
    }

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_batch", "--nocapture", "--test-threads=1"])
        .env(ENV_IN, &input)
        .env(ENV_OUT, &out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while count_reports(&out) < 6 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the child wrote no reports"
        );
        assert!(child.try_wait().unwrap().is_none(), "the child ended early");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Child::kill sends SIGKILL on Unix: no clean-up runs in the child.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    let done_before = count_reports(&out);
    assert!(
        done_before < TOTAL,
        "the child finished before it was killed ({done_before} reports)"
    );
    // The killed run never got to the overview files.
    assert!(!out.join("summary.json").exists());

    let reviewer = FakeReviewer::default();
    let mut o = BatchOptions::new(&out);
    o.jobs = 2;
    o.quiet = true;
    let s = run(&reviewer, &input, &o).unwrap();

    // Exactly one complete report (and page) per submission, nothing else.
    let reports = names(&out.join("reports"));
    let pages = names(&out.join("submissions"));
    assert_eq!(reports.len(), TOTAL, "{reports:?}");
    assert_eq!(pages.len(), TOTAL, "{pages:?}");
    for (i, name) in reports.iter().enumerate() {
        assert_eq!(name, &format!("SUB-{i:04}.json"));
        let r: Report =
            serde_json::from_slice(&std::fs::read(out.join("reports").join(name)).unwrap())
                .unwrap();
        assert_eq!(r.submission, format!("SUB-{i:04}"));
    }
    for name in &pages {
        let html = std::fs::read_to_string(out.join("submissions").join(name)).unwrap();
        assert!(html.trim_end().ends_with("</html>"), "{name} is cut short");
    }
    // What the killed run finished was kept; only the rest was judged again.
    assert_eq!(s.run.resumed as usize, done_before);
    assert_eq!(s.run.reviewed as usize, TOTAL - done_before);
    assert_eq!(reviewer.calls.load(Ordering::SeqCst), TOTAL - done_before);
    assert_eq!(s.submissions as usize, TOTAL);
}
