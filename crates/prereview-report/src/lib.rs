//! Renders a pre-review [`Report`] for people.
//!
//! One report model, several renderings: [`render_text`] for a terminal,
//! [`render_html`] for a self-contained page (inline CSS, no network) that shows,
//! for every value read from a scan, a crop of the page with the field's box drawn.
//! Crops may be kept in a cache folder keyed by the scan's content
//! ([`RenderOptions::crop_cache`]), so that drawing a page again decodes no scan.
//! Resident ID numbers and mobile phone numbers are masked unless
//! [`RenderOptions::unmasked`] is set; the JSON report is never masked (it is the
//! machine record).

mod crop;
mod html;
mod mask;
mod text;

pub use crop::{RenderStats, PDF_RENDER_DPI};
pub use html::{html_escape, render_html, render_html_with_stats, STYLE};
pub use mask::{mask_field_value, mask_text, mask_value};
pub use text::render_text;

use prereview_model::report::{Outcome, Report, Severity, Verdict};
use std::borrow::Cow;
use std::path::PathBuf;

/// How a report is rendered for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// Show resident ID and phone numbers in full (authorised use only).
    pub unmasked: bool,
    /// A link back to an overview page (a batch's `index.html`), shown at the top
    /// of the HTML page.
    pub index_href: Option<String>,
    /// The resolution at which the OCR rasterised PDF pages, i.e. the pixel grid
    /// of the boxes reported for PDF attachments (the OCR's `pdf_dpi`).
    pub pdf_box_dpi: u32,
    /// A folder where crops are kept, keyed by the scan's content and the box:
    /// a page drawn again with crops drawn before decodes no scan and runs no
    /// `pdftoppm`. None: every crop is drawn from the scan.
    pub crop_cache: Option<PathBuf>,
}

/// The OCR's default PDF resolution, which boxes on PDF pages refer to.
pub const DEFAULT_PDF_BOX_DPI: u32 = 300;

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            unmasked: false,
            index_href: None,
            pdf_box_dpi: DEFAULT_PDF_BOX_DPI,
            crop_cache: None,
        }
    }
}

impl RenderOptions {
    /// Masks `text` unless rendering unmasked.
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if self.unmasked {
            Cow::Borrowed(text)
        } else {
            mask_text(text)
        }
    }

    /// Masks a field value read at `path` unless rendering unmasked.
    pub fn mask_field(&self, path: &str, value: &serde_json::Value) -> serde_json::Value {
        if self.unmasked {
            value.clone()
        } else {
            mask_field_value(path, value)
        }
    }
}

/// 中文 and English name of a verdict, as shown to officers.
pub fn verdict_label(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "系统预审通过 pass",
        Verdict::Review => "人工复核 review",
        Verdict::Reject => "退回补正 reject",
    }
}

/// 中文 and English name of a finding's outcome.
pub fn outcome_label(o: Outcome) -> &'static str {
    match o {
        Outcome::Fail => "不通过 fail",
        Outcome::Review => "需人工复核 review",
        Outcome::NotApplicable => "不适用 not applicable",
        Outcome::Pass => "通过 pass",
    }
}

/// 中文 name of a severity.
pub fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Reject => "退回 reject",
        Severity::Review => "复核 review",
        Severity::Warn => "提示 warn",
    }
}

/// The Chinese name of a procedure, or the name as given when unknown.
pub fn procedure_label(procedure: &str) -> Cow<'_, str> {
    match procedure {
        "company_establishment" => Cow::Borrowed("有限责任公司设立登记"),
        "public_venue_health_permit" => Cow::Borrowed("公共场所卫生许可证（新办）"),
        other => Cow::Borrowed(other),
    }
}

/// Outcomes in the order they are shown: what needs action first.
pub(crate) const OUTCOME_ORDER: [Outcome; 4] = [
    Outcome::Fail,
    Outcome::Review,
    Outcome::NotApplicable,
    Outcome::Pass,
];

/// Counts of findings per outcome, in [`OUTCOME_ORDER`].
pub(crate) fn outcome_counts(report: &Report) -> [usize; 4] {
    let mut counts = [0; 4];
    for f in &report.findings {
        let i = OUTCOME_ORDER
            .iter()
            .position(|o| *o == f.outcome)
            .unwrap_or(0);
        counts[i] += 1;
    }
    counts
}

/// Total pages read across the report's documents.
pub fn pages_read(report: &Report) -> u64 {
    report
        .documents
        .iter()
        .map(|d| u64::from(d.pages.unwrap_or(0)))
        .sum()
}

/// One line of counts: `12 findings: 8 pass, 1 fail, 1 review, 2 not applicable; 2 documents, 3 pages`.
pub fn summary_line(report: &Report) -> String {
    let [fail, review, na, pass] = outcome_counts(report);
    let mut line = format!(
        "{} findings: {pass} pass, {fail} fail, {review} review, {na} not applicable; {} documents, {} pages",
        report.findings.len(),
        report.documents.len(),
        pages_read(report)
    );
    if !report.errors.is_empty() {
        line.push_str(&format!("; errors: {}", report.errors.len()));
    }
    line
}

/// A JSON value as shown to a person: strings without quotes, `null` as a dash.
pub(crate) fn display_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "—".to_string(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
