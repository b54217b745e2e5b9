//! Batch overhead: discovery, scheduling, atomic writes of report and page, and the
//! summary/queue/index rebuild, with a reviewer that does no work.
//! Reported as submissions per second (criterion's throughput).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use prereview_batch::{run, BatchOptions, Reviewer};
use prereview_model::report::{
    verdict_of, Evidence, EvidenceSource, Finding, Outcome, Report, Severity,
};
use std::path::Path;

const SUBMISSIONS: usize = 200;

/// Returns a small fixed report (one failed rule with evidence) without reading anything.
struct Trivial;

impl Reviewer for Trivial {
    fn review(&self, dir: &Path) -> Result<Report, String> {
        let id = dir.file_name().unwrap().to_string_lossy().into_owned();
        let findings = vec![Finding {
            rule: "CE-014".into(),
            title: "法定代表人姓名与身份证一致".into(),
            outcome: Outcome::Fail,
            severity: Severity::Reject,
            category: String::new(),
            basis: "《市场主体登记管理条例实施细则》第二十二条".into(),
            message: "表单法定代表人“张伟”与身份证姓名“张玮”不一致".into(),
            evidence: vec![Evidence {
                path: "form.legal_representative.name".into(),
                value: serde_json::json!("张伟"),
                source: EvidenceSource::Named("form".into()),
                note: None,
            }],
        }];
        Ok(Report {
            submission: id,
            procedure: "company_establishment".into(),
            verdict: verdict_of(&findings, false),
            submitted_at: Some("2025-11-20".into()),
            rule_set: None,
            reading: None,
            findings,
            documents: Vec::new(),
            errors: Vec::new(),
        })
    }
}

fn bench_batch(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    for i in 0..SUBMISSIONS {
        let dir = input.join(format!("SUB-{i:05}"));
        std::fs::create_dir_all(&dir).unwrap();
        let sub = serde_json::json!({"id": format!("SUB-{i:05}"), "procedure": "company_establishment",
            "submitted_at": "2025-11-20", "form": {}, "attachments": []});
        std::fs::write(dir.join("submission.json"), sub.to_string()).unwrap();
    }
    let mut group = c.benchmark_group("batch");
    group.sample_size(10);
    group.throughput(Throughput::Elements(SUBMISSIONS as u64));
    for jobs in [1, 2] {
        group.bench_function(format!("fresh_jobs{jobs}"), |b| {
            b.iter_with_setup(
                || {
                    let out = tmp.path().join("out");
                    let _ = std::fs::remove_dir_all(&out);
                    out
                },
                |out| {
                    let o = BatchOptions {
                        jobs,
                        quiet: true,
                        ..BatchOptions::new(&out)
                    };
                    run(&Trivial, &input, &o).unwrap()
                },
            )
        });
    }
    // Every report present: the cost of a resume that has nothing left to do.
    let out = tmp.path().join("done");
    let o = BatchOptions {
        jobs: 2,
        quiet: true,
        ..BatchOptions::new(&out)
    };
    run(&Trivial, &input, &o).unwrap();
    group.bench_function("resume_all_done_jobs2", |b| {
        b.iter(|| run(&Trivial, &input, &o).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench_batch);
criterion_main!(benches);
