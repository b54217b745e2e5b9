//! The batch mechanics with a fake reviewer: outputs, fault isolation, resume,
//! shards and merge.

mod common;

use common::*;
use prereview_batch::{
    merge, run, shard_of, BatchError, BatchOptions, BatchSummary, ProgressMode, NOT_JUDGED,
};
use prereview_model::report::{Report, Verdict};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

fn opts(out: &Path) -> BatchOptions {
    BatchOptions {
        jobs: 2,
        quiet: true,
        ..BatchOptions::new(out)
    }
}

fn read_report(out: &Path, key: &str) -> Report {
    let bytes = std::fs::read(out.join("reports").join(format!("{key}.json"))).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn make_batch(root: &Path, specs: &[Spec]) {
    for s in specs {
        write_submission(&root.join(&s.id), s);
    }
}

#[test]
fn writes_reports_pages_summary_queue_and_index() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    let mut specs = varied_specs(10);
    specs[3].behaviour = "error";
    specs[4].behaviour = "panic";
    make_batch(&input, &specs);
    // Nested groups and a folder that is not a submission.
    let mut nested = Spec::new("SUB-NESTED");
    nested.fail = vec!["CE-030"];
    write_submission(&input.join("group/2025-11/SUB-NESTED"), &nested);
    std::fs::create_dir_all(input.join("not-a-submission/scans")).unwrap();

    let reviewer = FakeReviewer::default();
    let summary = run(&reviewer, &input, &opts(&out)).unwrap();
    assert_eq!(reviewer.calls.load(Ordering::SeqCst), 11);
    assert_eq!(summary.submissions, 11);
    assert_eq!(summary.failed, 2);
    assert_eq!(summary.exit_code(), 2);
    assert_eq!(summary.run.reviewed, 11);

    let reports = names(&out.join("reports"));
    let pages = names(&out.join("submissions"));
    assert_eq!(reports.len(), 11);
    assert_eq!(pages.len(), 11);
    assert!(reports.contains(&"SUB-NESTED.json".to_string()));

    // Expected counts, derived from the specs independently of the batch.
    let mut expect = (0u64, 0u64, 0u64, 0u64); // pass, review, reject, pages
    let all: Vec<&Spec> = specs.iter().chain([&nested]).collect();
    for s in &all {
        let verdict = match s.behaviour {
            "ok" if !s.fail.is_empty() => Verdict::Reject,
            "ok" if !s.review.is_empty() => Verdict::Review,
            "ok" => Verdict::Pass,
            _ => Verdict::Review,
        };
        match verdict {
            Verdict::Pass => expect.0 += 1,
            Verdict::Review => expect.1 += 1,
            Verdict::Reject => expect.2 += 1,
        }
        if s.behaviour == "ok" {
            expect.3 += u64::from(s.pages);
        }
        let r = read_report(&out, &s.id);
        assert_eq!(r.verdict, verdict, "{}", s.id);
    }
    assert_eq!(
        (
            summary.verdicts.pass,
            summary.verdicts.review,
            summary.verdicts.reject,
            summary.pages_read
        ),
        expect
    );
    assert_eq!(summary.rules["CE-014"].fail, 4); // i = 0, 1, 5, 6 (3, 4 fail to judge)
    assert_eq!(summary.rules["CE-001"].pass, 9);
    let procs: u64 = summary.procedures.values().map(|c| c.submissions).sum();
    assert_eq!(procs, 11);

    // A reviewer error and a panic: a review report saying so.
    for key in ["SUB-0003", "SUB-0004"] {
        let r = read_report(&out, key);
        assert_eq!(r.verdict, Verdict::Review);
        assert!(r.errors[0].starts_with(NOT_JUDGED), "{:?}", r.errors);
    }
    assert!(read_report(&out, "SUB-0004").errors[0].contains("panics on purpose"));

    // summary.json on disk is the returned summary.
    let on_disk: BatchSummary =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(on_disk, summary);

    // queue.csv: BOM, proper quoting, every non-pass submission, most urgent first.
    let bytes = std::fs::read(out.join("queue.csv")).unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()));
    let mut rdr = csv::Reader::from_reader(&bytes[3..]);
    let header = rdr.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len() as u64, expect.1 + expect.2);
    let verdicts: Vec<&str> = rows
        .iter()
        .map(|r| r.get(col("verdict")).unwrap())
        .collect();
    let first_review = verdicts.iter().position(|v| *v == "review").unwrap();
    assert!(verdicts[..first_review].iter().all(|v| *v == "reject"));
    assert!(verdicts[first_review..].iter().all(|v| *v == "review"));
    // Two failed reject rules before one.
    let fails: Vec<usize> = rows[..first_review]
        .iter()
        .map(|r| r.get(col("reject_failures")).unwrap().parse().unwrap())
        .collect();
    assert!(fails.windows(2).all(|w| w[0] >= w[1]), "{fails:?}");
    assert_eq!(fails[0], 2);
    // Not-judged submissions lead the reviews.
    assert_eq!(rows[first_review].get(col("not_judged")), Some("yes"));
    let top = rows[0].get(col("top_findings")).unwrap();
    assert!(
        top.contains("CE-014") && top.contains(", 请核对 \"CE-"),
        "{top}"
    );
    assert!(top.contains("370102********1234") && !top.contains("370102199003071234"));
    for r in &rows {
        assert!(out.join(r.get(col("report")).unwrap()).is_file());
        assert!(out.join(r.get(col("page")).unwrap()).is_file());
    }

    // The JSON report is the machine record: unmasked. The page is masked.
    let json = std::fs::read_to_string(out.join("reports/SUB-0000.json")).unwrap();
    assert!(json.contains("370102199003071234"));
    let page = std::fs::read_to_string(out.join("submissions/SUB-0000.html")).unwrap();
    assert!(!page.contains("370102199003071234"));
    assert!(page.contains("data:image/jpeg;base64,"), "crop of the scan");
    assert!(page.contains("../index.html"));

    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    for r in &rows {
        let key = Path::new(r.get(col("page")).unwrap());
        assert!(index.contains(&format!("href=\"{}\"", key.display())));
    }
    assert!(index.contains("CE-014"));
    assert!(!index.contains("370102199003071234"));
}

#[test]
fn a_single_submission_folder_is_a_batch_of_one() {
    let tmp = tempfile::tempdir().unwrap();
    let sub = tmp.path().join("SUB-ONE");
    write_submission(&sub, &Spec::new("SUB-ONE"));
    let out = tmp.path().join("out");
    let s = run(&FakeReviewer::default(), &sub, &opts(&out)).unwrap();
    assert_eq!(s.submissions, 1);
    assert_eq!(names(&out.join("reports")), vec!["SUB-ONE.json"]);
}

#[test]
fn empty_input_and_bad_shard_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let err = run(&FakeReviewer::default(), tmp.path(), &opts(&out)).unwrap_err();
    assert!(matches!(err, BatchError::NoSubmissions(_)), "{err}");
    let mut o = opts(&out);
    o.shard = Some((3, 3));
    assert!(run(&FakeReviewer::default(), tmp.path(), &o).is_err());
    let missing = tmp.path().join("nope");
    let err = run(&FakeReviewer::default(), &missing, &opts(&out)).unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
}

#[test]
fn duplicate_ids_are_both_kept_and_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    write_submission(&input.join("a"), &Spec::new("SUB-DUP"));
    write_submission(&input.join("b"), &Spec::new("SUB-DUP"));
    let out = tmp.path().join("out");
    let s = run(&FakeReviewer::default(), &input, &opts(&out)).unwrap();
    assert_eq!(s.submissions, 2);
    assert_eq!(
        names(&out.join("reports")),
        vec!["SUB-DUP.json", "SUB-DUP~2.json"]
    );
    let second = read_report(&out, "SUB-DUP~2");
    assert_eq!(second.verdict, Verdict::Review);
    assert!(second.errors[0].contains("also used by"));
}

#[test]
fn resume_skips_complete_reports_and_redoes_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    make_batch(&input, &varied_specs(8));
    let first = run(&FakeReviewer::default(), &input, &opts(&out)).unwrap();

    // A complete run again: nothing judged twice.
    let r = FakeReviewer::default();
    let again = run(&r, &input, &opts(&out)).unwrap();
    assert_eq!(r.calls.load(Ordering::SeqCst), 0);
    assert_eq!(again.run.resumed, 8);
    assert_eq!(
        BatchSummary {
            wall_time_secs: 0.0,
            run: Default::default(),
            ..again.clone()
        },
        BatchSummary {
            wall_time_secs: 0.0,
            run: Default::default(),
            ..first
        }
    );

    // A missing report, a truncated report, a missing page and temp left-overs.
    std::fs::remove_file(out.join("reports/SUB-0001.json")).unwrap();
    let full = std::fs::read(out.join("reports/SUB-0002.json")).unwrap();
    std::fs::write(out.join("reports/SUB-0002.json"), &full[..full.len() / 2]).unwrap();
    std::fs::remove_file(out.join("submissions/SUB-0003.html")).unwrap();
    std::fs::write(out.join("reports/.prereview-tmp-abc"), b"{").unwrap();
    std::fs::write(out.join("submissions/.prereview-tmp-def"), b"<").unwrap();
    let r = FakeReviewer::default();
    let third = run(&r, &input, &opts(&out)).unwrap();
    assert_eq!(r.calls.load(Ordering::SeqCst), 2);
    assert_eq!((third.run.reviewed, third.run.resumed), (2, 6));
    assert_eq!(names(&out.join("reports")).len(), 8);
    assert_eq!(names(&out.join("submissions")).len(), 8);
    assert_eq!(read_report(&out, "SUB-0002").submission, "SUB-0002");
}

#[test]
fn reports_made_under_other_rules_are_judged_again_on_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    let mut specs = varied_specs(6);
    specs[5].behaviour = "error";
    make_batch(&input, &specs);
    let old = FakeReviewer::judging_by("v1");
    run(&old, &input, &opts(&out)).unwrap();

    let new = FakeReviewer::judging_by("v2");
    let s = run(&new, &input, &opts(&out)).unwrap();
    // The five judged under v1 are judged again; the one not judged is kept
    // (it is retried on request only).
    assert_eq!(new.calls.load(Ordering::SeqCst), 5);
    assert_eq!((s.run.reviewed, s.run.outdated, s.run.resumed), (5, 5, 1));
    for spec in &specs[..5] {
        let r = read_report(&out, &spec.id);
        assert_eq!(r.rule_set.unwrap().version, "v2", "{}", spec.id);
    }

    // Now current: nothing judged again.
    let same = FakeReviewer::judging_by("v2");
    let s = run(&same, &input, &opts(&out)).unwrap();
    assert_eq!(same.calls.load(Ordering::SeqCst), 0);
    assert_eq!((s.run.reviewed, s.run.outdated, s.run.resumed), (0, 0, 6));
}

#[test]
fn not_judged_submissions_are_kept_or_retried_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    let mut specs = varied_specs(4);
    specs[2].behaviour = "error";
    make_batch(&input, &specs);
    assert_eq!(
        run(&FakeReviewer::default(), &input, &opts(&out))
            .unwrap()
            .failed,
        1
    );

    // Kept by default.
    let r = FakeReviewer::default();
    assert_eq!(run(&r, &input, &opts(&out)).unwrap().failed, 1);
    assert_eq!(r.calls.load(Ordering::SeqCst), 0);

    // Retried on request; the input was fixed meanwhile.
    specs[2].behaviour = "ok";
    write_submission(&input.join(&specs[2].id), &specs[2]);
    let r = FakeReviewer::default();
    let mut o = opts(&out);
    o.retry_not_judged = true;
    let s = run(&r, &input, &o).unwrap();
    assert_eq!(r.calls.load(Ordering::SeqCst), 1);
    assert_eq!((s.failed, s.exit_code()), (0, 0));
    assert_eq!(s.run.outdated, 0, "a retry is not an outdated report");
    assert!(read_report(&out, "SUB-0002").errors.is_empty());
}

fn compare_dirs(a: &Path, b: &Path) {
    for sub in ["reports", "submissions"] {
        let na = names(&a.join(sub));
        assert_eq!(na, names(&b.join(sub)), "{sub}");
        for n in na {
            assert!(
                std::fs::read(a.join(sub).join(&n)).unwrap()
                    == std::fs::read(b.join(sub).join(&n)).unwrap(),
                "{sub}/{n} differs"
            );
        }
    }
    for f in ["queue.csv", "index.html"] {
        assert!(
            std::fs::read(a.join(f)).unwrap() == std::fs::read(b.join(f)).unwrap(),
            "{f} differs"
        );
    }
    let strip = |p: &Path| {
        let mut s: BatchSummary =
            serde_json::from_slice(&std::fs::read(p.join("summary.json")).unwrap()).unwrap();
        s.wall_time_secs = 0.0;
        s.run = Default::default();
        s
    };
    assert_eq!(strip(a), strip(b));
}

#[test]
fn shards_then_merge_equal_the_unsharded_run() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let mut specs = varied_specs(30);
    specs[7].behaviour = "panic";
    make_batch(&input, &specs);
    let whole = tmp.path().join("whole");
    run(&FakeReviewer::default(), &input, &opts(&whole)).unwrap();

    let n = 3;
    let mut shard_dirs: Vec<PathBuf> = Vec::new();
    let mut seen = 0;
    for k in 0..n {
        let dir = tmp.path().join(format!("shard-{k}"));
        let mut o = opts(&dir);
        o.shard = Some((k, n));
        o.jobs = 1;
        let s = run(&FakeReviewer::default(), &input, &o).unwrap();
        assert!(s.submissions > 0, "shard {k} empty");
        for key in names(&dir.join("reports")) {
            assert_eq!(shard_of(key.trim_end_matches(".json"), n), k);
        }
        seen += s.submissions;
        shard_dirs.push(dir);
    }
    assert_eq!(seen, 30, "shards are disjoint and cover the batch");

    let merged = tmp.path().join("merged");
    let m = merge(&merged, &shard_dirs).unwrap();
    assert_eq!(m.submissions, 30);
    assert_eq!(m.failed, 1);
    assert_eq!(m.run.merged_from.len(), 3);
    assert_eq!(
        m.run.reading.as_deref(),
        Some("fake reading"),
        "the shards agree"
    );
    compare_dirs(&whole, &merged);

    // A shard read otherwise: the merged summary does not claim one reading.
    let summary = shard_dirs[1].join("summary.json");
    let text = std::fs::read_to_string(&summary).unwrap();
    std::fs::write(&summary, text.replace("fake reading", "other reading")).unwrap();
    let m = merge(&tmp.path().join("mixed"), &shard_dirs).unwrap();
    assert_eq!(m.run.reading, None);

    // Merging the same shard twice is harmless; a different report is a conflict.
    merge(&merged, &[shard_dirs[0].clone(), shard_dirs[0].clone()]).unwrap();
    let other = tmp.path().join("other");
    std::fs::create_dir_all(other.join("reports")).unwrap();
    let key = names(&shard_dirs[0].join("reports"))[0].clone();
    let mut r: Report =
        serde_json::from_slice(&std::fs::read(shard_dirs[0].join("reports").join(&key)).unwrap())
            .unwrap();
    r.verdict = Verdict::Reject;
    r.errors.push("changed".into());
    std::fs::write(
        other.join("reports").join(&key),
        serde_json::to_vec(&r).unwrap(),
    )
    .unwrap();
    let err = merge(&tmp.path().join("m2"), &[shard_dirs[0].clone(), other]).unwrap_err();
    assert!(matches!(err, BatchError::MergeConflict { .. }), "{err}");
}

#[test]
fn progress_lines_do_not_disturb_results() {
    // Log-line mode writes to stderr only; the outputs are those of a quiet run.
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    make_batch(&input, &varied_specs(4));
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    run(&FakeReviewer::default(), &input, &opts(&a)).unwrap();
    let mut o = opts(&b);
    o.quiet = false;
    o.progress = ProgressMode::Lines;
    run(&FakeReviewer::default(), &input, &o).unwrap();
    compare_dirs(&a, &b);
}
