//! The pre-review report (interface contract §2).

use crate::document::ReadDocument;
use serde::{Deserialize, Serialize};

/// The verdict on one submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 系统预审通过: nothing found.
    Pass,
    /// 人工复核: something the system could not decide.
    Review,
    /// 退回补正: a rule of severity `reject` failed.
    Reject,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Review => "review",
            Verdict::Reject => "reject",
        }
    }
}

/// The outcome of one rule on one submission (or one list item).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    NotApplicable,
    Review,
    Fail,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::NotApplicable => "not_applicable",
            Outcome::Review => "review",
            Outcome::Fail => "fail",
        }
    }
}

/// What a failed rule means for the submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A note for the officer; does not change the verdict.
    Warn,
    /// A person must decide.
    Review,
    /// A defect the applicant must correct.
    Reject,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warn => "warn",
            Severity::Review => "review",
            Severity::Reject => "reject",
        }
    }
}

/// Where an evidence value came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EvidenceSource {
    /// `"form"`, `"submission"` or `"parameter"`.
    Named(String),
    /// A field read from a document.
    Document(DocumentSource),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentSource {
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bbox: Option<[u32; 4]>,
    pub confidence: f32,
}

/// One value a rule read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// `form.shareholders[1].deadline`, `doc.id_card[0].name`.
    pub path: String,
    /// The value read; `null` when it was unknown.
    pub value: serde_json::Value,
    pub source: EvidenceSource,
    /// Why the value is unknown, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One rule's finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub title: String,
    pub outcome: Outcome,
    pub severity: Severity,
    #[serde(default)]
    pub category: String,
    pub basis: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

/// Which rules judged the submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSetInfo {
    /// A content hash of the rule packs and their data.
    pub version: String,
    /// The date whose rules were applied (the submission's `submitted_at`).
    pub effective_on: String,
}

/// The report on one submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub submission: String,
    pub procedure: String,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_set: Option<RuleSetInfo>,
    /// How the attachments were read: the OCR passes, the Tesseract version
    /// and a digest of each language model (`summary.json`'s `run.reading`).
    /// Absent when no attachment was read (a `documents.json` override).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub documents: Vec<ReadDocument>,
    /// Problems with the submission itself (unreadable attachment, path leaving the
    /// folder…). Any entry forces the verdict away from `pass`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// The verdict from a list of findings (contract §2): any failed `reject` rule
/// rejects; otherwise any review (or failed `review` rule) asks for a person.
pub fn verdict_of(findings: &[Finding], has_errors: bool) -> Verdict {
    let mut verdict = if has_errors {
        Verdict::Review
    } else {
        Verdict::Pass
    };
    for f in findings {
        let v = match (f.outcome, f.severity) {
            (Outcome::Fail, Severity::Reject) => Verdict::Reject,
            (Outcome::Fail, Severity::Review) | (Outcome::Review, _) => Verdict::Review,
            _ => Verdict::Pass,
        };
        verdict = verdict.max(v);
    }
    verdict
}
