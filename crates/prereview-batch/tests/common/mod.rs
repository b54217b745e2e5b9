//! A fake Reviewer for the batch tests: it derives a report from a `fake` block
//! in `submission.json` (which rules fail, how many pages, whether to fail or
//! panic, how long to take). It tests the batch mechanics, not rules.
#![allow(dead_code)]

use prereview_batch::Reviewer;
use prereview_model::document::{ReadDocument, ReadField};
use prereview_model::report::{
    verdict_of, DocumentSource, Evidence, EvidenceSource, Finding, Outcome, Report, RuleSetInfo,
    Severity,
};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What a fake submission asks of the reviewer.
#[derive(Clone, Default)]
pub struct Spec {
    pub id: String,
    pub procedure: &'static str,
    pub submitted_at: String,
    /// Rules that fail with severity reject.
    pub fail: Vec<&'static str>,
    /// Rules that need a person.
    pub review: Vec<&'static str>,
    pub pass: Vec<&'static str>,
    pub pages: u32,
    /// "ok", "error" or "panic".
    pub behaviour: &'static str,
    pub sleep_ms: u64,
}

impl Spec {
    pub fn new(id: &str) -> Self {
        Spec {
            id: id.to_string(),
            procedure: "company_establishment",
            submitted_at: "2025-11-20".to_string(),
            pass: vec!["CE-001"],
            pages: 1,
            behaviour: "ok",
            ..Default::default()
        }
    }
}

/// Writes a submission folder at `dir` following `spec`, with a small PNG scan.
pub fn write_submission(dir: &Path, spec: &Spec) {
    std::fs::create_dir_all(dir).unwrap();
    let sub = json!({
        "id": spec.id,
        "procedure": spec.procedure,
        "submitted_at": spec.submitted_at,
        "form": { "legal_representative": { "name": "张伟", "id_number": "370102199003071234", "phone": "13900000000" } },
        "attachments": [ { "kind": "id_card", "file": "id_card.png" } ],
        "fake": {
            "fail": spec.fail, "review": spec.review, "pass": spec.pass,
            "pages": spec.pages, "behaviour": spec.behaviour, "sleep_ms": spec.sleep_ms,
        }
    });
    std::fs::write(
        dir.join("submission.json"),
        serde_json::to_vec_pretty(&sub).unwrap(),
    )
    .unwrap();
    // A light page with a dark block where the "name" field is.
    let mut img = image::RgbImage::from_pixel(400, 250, image::Rgb([240, 240, 235]));
    for y in 40..80 {
        for x in 100..220 {
            img.put_pixel(x, y, image::Rgb([30, 30, 40]));
        }
    }
    img.save(dir.join("id_card.png")).unwrap();
}

/// The fake reviewer; counts its calls.
#[derive(Default)]
pub struct FakeReviewer {
    pub calls: AtomicUsize,
    /// Extra delay per submission, on top of the spec's.
    pub sleep_ms: u64,
    /// The version of the rules it judges by: a report made under another is
    /// not current.
    pub rules: &'static str,
}

impl FakeReviewer {
    /// A reviewer judging by the rules of that version.
    pub fn judging_by(rules: &'static str) -> Self {
        FakeReviewer {
            rules,
            ..Default::default()
        }
    }
}

fn finding(rule: &str, outcome: Outcome, severity: Severity) -> Finding {
    Finding {
        rule: rule.to_string(),
        title: format!("规则 {rule}"),
        outcome,
        severity,
        category: String::new(),
        basis: "《市场主体登记管理条例实施细则》第二十二条".to_string(),
        message: if outcome == Outcome::Pass {
            String::new()
        } else {
            // A comma, quotes and a personal number: CSV quoting and masking.
            format!("身份证号370102199003071234与表单不一致, 请核对 \"{rule}\"")
        },
        evidence: vec![
            Evidence {
                path: "form.legal_representative.name".into(),
                value: json!("张伟"),
                source: EvidenceSource::Named("form".into()),
                note: None,
            },
            Evidence {
                path: "doc.id_card[0].name".into(),
                value: json!("张玮"),
                source: EvidenceSource::Document(DocumentSource {
                    file: "id_card.png".into(),
                    page: Some(1),
                    bbox: Some([100, 40, 120, 40]),
                    confidence: 0.9,
                }),
                note: None,
            },
        ],
    }
}

impl Reviewer for FakeReviewer {
    fn review(&self, dir: &Path) -> Result<Report, String> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let path = dir.join("submission.json");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let sub: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let fake = &sub["fake"];
        let sleep = fake["sleep_ms"].as_u64().unwrap_or(0) + self.sleep_ms;
        if sleep > 0 {
            std::thread::sleep(std::time::Duration::from_millis(sleep));
        }
        match fake["behaviour"].as_str() {
            Some("error") => return Err(format!("{}: attachment 1 cannot be read", dir.display())),
            Some("panic") => panic!("fake reviewer panics on purpose"),
            _ => {}
        }
        let rules = |k: &str| -> Vec<String> {
            fake[k]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut findings = Vec::new();
        for r in rules("pass") {
            findings.push(finding(&r, Outcome::Pass, Severity::Reject));
        }
        for r in rules("fail") {
            findings.push(finding(&r, Outcome::Fail, Severity::Reject));
        }
        for r in rules("review") {
            findings.push(finding(&r, Outcome::Review, Severity::Review));
        }
        let mut fields = std::collections::BTreeMap::new();
        fields.insert(
            "name".to_string(),
            ReadField {
                value: Some(json!("张玮")),
                confidence: 0.9,
                page: Some(1),
                bbox: Some([100, 40, 120, 40]),
                reason: None,
                raw: None,
            },
        );
        Ok(Report {
            submission: sub["id"].as_str().unwrap_or("").to_string(),
            procedure: sub["procedure"].as_str().unwrap_or("").to_string(),
            verdict: verdict_of(&findings, false),
            submitted_at: sub["submitted_at"].as_str().map(String::from),
            rule_set: Some(RuleSetInfo {
                version: self.rules.to_string(),
                effective_on: sub["submitted_at"].as_str().unwrap_or("").to_string(),
            }),
            reading: None,
            findings,
            documents: vec![ReadDocument {
                file: "id_card.png".into(),
                kind: "id_card".into(),
                fields,
                pages: fake["pages"].as_u64().map(|p| p as u32),
                error: None,
            }],
            errors: Vec::new(),
        })
    }

    fn reading(&self) -> Option<String> {
        Some("fake reading".into())
    }

    fn is_current(&self, _dir: &Path, report: &Report) -> bool {
        report.rule_set.as_ref().map(|r| r.version.as_str()) == Some(self.rules)
    }
}

/// Files in `dir` (names), sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `n` plain submissions SUB-0000… with varied outcomes, as specs.
pub fn varied_specs(n: usize) -> Vec<Spec> {
    (0..n)
        .map(|i| {
            let mut s = Spec::new(&format!("SUB-{i:04}"));
            s.pages = 1 + (i % 3) as u32;
            s.submitted_at = format!("2025-11-{:02}", 1 + i % 28);
            match i % 5 {
                0 => s.fail = vec!["CE-014"],
                1 => s.fail = vec!["CE-014", "CE-021"],
                2 => s.review = vec!["CE-003"],
                _ => {}
            }
            if i % 2 == 0 {
                s.procedure = "public_venue_health_permit";
            }
            s
        })
        .collect()
}
