//! The compact terminal report.

use crate::{
    display_value, outcome_label, procedure_label, severity_label, summary_line, verdict_label,
    RenderOptions,
};
use prereview_model::document::shown_confidence;
use prereview_model::report::{Evidence, EvidenceSource, Finding, Outcome, Report};
use std::fmt::Write;

/// A compact, readable report for a terminal: the verdict first, then the
/// findings that did not pass grouped by outcome (message, basis, evidence),
/// then a line of counts. Personal numbers are masked unless `opts.unmasked`.
pub fn render_text(report: &Report, opts: &RenderOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  {}",
        verdict_label(report.verdict).to_uppercase(),
        opts.mask(&report.submission)
    );
    let mut meta = format!(
        "  {} ({})",
        procedure_label(&report.procedure),
        report.procedure
    );
    if let Some(at) = &report.submitted_at {
        let _ = write!(meta, ", submitted {at}");
    }
    if let Some(rs) = &report.rule_set {
        let _ = write!(meta, ", rules {} as of {}", rs.version, rs.effective_on);
    }
    if let Some(r) = &report.reading {
        let _ = write!(meta, "\n  read with {r}");
    }
    let _ = writeln!(out, "{meta}");

    if !report.errors.is_empty() {
        let _ = writeln!(out, "\nErrors ({}):", report.errors.len());
        for e in &report.errors {
            let _ = writeln!(out, "  ! {}", opts.mask(e));
        }
    }

    for outcome in [Outcome::Fail, Outcome::Review] {
        let group: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.outcome == outcome)
            .collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{} ({}):", outcome_label(outcome), group.len());
        for f in group {
            write_finding(&mut out, f, opts);
        }
    }

    let na: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::NotApplicable)
        .map(|f| f.rule.as_str())
        .collect();
    if !na.is_empty() {
        let _ = writeln!(
            out,
            "\n{} ({}): {}",
            outcome_label(Outcome::NotApplicable),
            na.len(),
            na.join(", ")
        );
    }

    let _ = writeln!(out, "\n{}", summary_line(report));
    out
}

fn write_finding(out: &mut String, f: &Finding, opts: &RenderOptions) {
    let mark = if f.outcome == Outcome::Fail {
        "✗"
    } else {
        "?"
    };
    let _ = writeln!(
        out,
        "  {mark} {} {} [{}]",
        f.rule,
        f.title,
        severity_label(f.severity)
    );
    if !f.message.is_empty() {
        let _ = writeln!(out, "    {}", opts.mask(&f.message));
    }
    if !f.basis.is_empty() {
        let _ = writeln!(out, "    依据 basis: {}", f.basis);
    }
    for e in &f.evidence {
        let _ = writeln!(out, "    · {}", evidence_line(e, opts));
    }
}

fn evidence_line(e: &Evidence, opts: &RenderOptions) -> String {
    let value = display_value(&opts.mask_field(&e.path, &e.value));
    let mut line = format!("{} = {value}", e.path);
    match &e.source {
        EvidenceSource::Named(name) => {
            let _ = write!(line, "  ({name})");
        }
        EvidenceSource::Document(d) => {
            let _ = write!(line, "  ({}", d.file);
            if let Some(p) = d.page {
                let _ = write!(line, " p.{p}");
            }
            if let Some([x, y, w, h]) = d.bbox {
                let _ = write!(line, " [{x},{y},{w},{h}]");
            }
            let _ = write!(line, ", confidence {})", shown_confidence(d.confidence));
        }
    }
    if let Some(note) = &e.note {
        let _ = write!(line, " — {}", opts.mask(note));
    }
    line
}
