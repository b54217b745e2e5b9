//! The batch's overview files, always rebuilt from the reports on disk:
//! `summary.json`, `queue.csv` (the re-check queue) and `index.html`.

use crate::atomic::write_atomic;
use crate::{BatchError, NOT_JUDGED};
use prereview_model::report::{Finding, Outcome, Report, Severity, Verdict};
use prereview_report::{html_escape, procedure_label, verdict_label, RenderOptions};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Submissions per verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerdictCounts {
    pub submissions: u64,
    pub pass: u64,
    pub review: u64,
    pub reject: u64,
}

impl VerdictCounts {
    fn add(&mut self, v: Verdict) {
        self.submissions += 1;
        match v {
            Verdict::Pass => self.pass += 1,
            Verdict::Review => self.review += 1,
            Verdict::Reject => self.reject += 1,
        }
    }
}

/// Findings of one rule per outcome, over all submissions (a rule checked per
/// list item counts once per item).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCounts {
    pub title: String,
    pub pass: u64,
    pub fail: u64,
    pub review: u64,
    pub not_applicable: u64,
}

/// What this run did (differs between runs that produce the same reports).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Submissions judged by this run.
    pub reviewed: u64,
    /// Submissions whose complete report from an earlier run was kept.
    pub resumed: u64,
    /// Of those judged by this run, how many replaced an earlier run's report
    /// that was made with other rules or another reading
    /// ([`crate::Reviewer::is_current`]).
    #[serde(default)]
    pub outdated: u64,
    /// Of those judged by this run, how many could not be judged.
    pub failed_this_run: u64,
    /// Worker threads.
    pub jobs: usize,
    /// `K/N` when this run took one shard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// The report folders merged into this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
    /// How documents were read (the reviewer's own words: reading passes,
    /// recognition engine and model), so that two runs' reports can be told
    /// apart. A merge keeps it when every shard says the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
    /// The reading and drawing this run did (a re-run over the same scans shows
    /// here that it read and decoded nothing).
    #[serde(default)]
    pub work: WorkCounts,
}

/// Reading and drawing done by one run, for `summary.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkCounts {
    /// Documents read by OCR (as told by [`crate::Reviewer::document_counts`]).
    pub documents_read: u64,
    /// Documents taken from the reviewer's cache instead.
    pub documents_from_cache: u64,
    /// Pages decoded to draw the crops of the HTML pages.
    pub scans_decoded: u64,
    /// Of those, PDF pages rasterised with `pdftoppm`.
    pub pdf_pages_rendered: u64,
    /// Crops drawn from a decoded page.
    pub crops_drawn: u64,
    /// Crops taken from the crop cache.
    pub crops_from_cache: u64,
}

impl WorkCounts {
    /// Adds `other`'s counts to these (merging shards).
    pub fn add(&mut self, other: &WorkCounts) {
        self.documents_read += other.documents_read;
        self.documents_from_cache += other.documents_from_cache;
        self.scans_decoded += other.scans_decoded;
        self.pdf_pages_rendered += other.pdf_pages_rendered;
        self.crops_drawn += other.crops_drawn;
        self.crops_from_cache += other.crops_from_cache;
    }
}

/// `summary.json`: counts over every report in the report folder.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchSummary {
    /// Reports in the folder.
    pub submissions: u64,
    /// Submissions that could not be judged at all (reviewer error or crash);
    /// their verdict is `review`.
    pub failed: u64,
    /// Pages read, summed over the reports' documents.
    pub pages_read: u64,
    pub verdicts: VerdictCounts,
    pub procedures: BTreeMap<String, VerdictCounts>,
    pub rules: BTreeMap<String, RuleCounts>,
    /// Wall time of the run that wrote this summary (of the slowest shard when merged).
    pub wall_time_secs: f64,
    pub run: RunInfo,
}

impl BatchSummary {
    /// The process exit status for this batch: 0 when every submission was
    /// judged, else the number that could not be (at most 100).
    pub fn exit_code(&self) -> i32 {
        self.failed.min(100) as i32
    }
}

/// One line of the re-check queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    /// The file name (without extension) of the report and page.
    pub key: String,
    pub submission: String,
    pub procedure: String,
    pub verdict: Verdict,
    pub submitted_at: Option<String>,
    /// The submission could not be judged at all.
    pub not_judged: bool,
    /// Failed rules of severity `reject`.
    pub reject_failures: usize,
    /// Other findings that need a person (failed `review`/`warn` rules, `review` outcomes).
    pub other_findings: usize,
    pub errors: usize,
    /// The most serious findings: `RULE 标题: message`.
    pub top: Vec<String>,
}

impl QueueEntry {
    /// Most urgent first: `reject` before `review`; within `review`, submissions
    /// that could not be judged at all first (a person must do the whole review);
    /// then more failed `reject` rules, more other findings, more errors; then the
    /// oldest submission; then the id.
    fn urgency(&self) -> impl Ord + '_ {
        (
            Reverse(self.verdict),
            !self.not_judged,
            Reverse(self.reject_failures),
            Reverse(self.other_findings),
            Reverse(self.errors),
            self.submitted_at.is_none(),
            self.submitted_at.as_deref(),
            self.submission.as_str(),
            self.key.as_str(),
        )
    }
}

fn finding_rank(f: &Finding) -> Option<u8> {
    match (f.outcome, f.severity) {
        (Outcome::Fail, Severity::Reject) => Some(0),
        (Outcome::Fail, Severity::Review) => Some(1),
        (Outcome::Review, _) => Some(2),
        (Outcome::Fail, Severity::Warn) => Some(3),
        _ => None,
    }
}

/// Top findings shown in the queue.
const TOP_FINDINGS: usize = 3;
/// Queue lines shown in `index.html` (the CSV holds all).
const INDEX_QUEUE_LIMIT: usize = 1000;

fn queue_entry(key: &str, r: &Report, opts: &RenderOptions) -> QueueEntry {
    let mut ranked: Vec<(u8, &Finding)> = r
        .findings
        .iter()
        .filter_map(|f| finding_rank(f).map(|k| (k, f)))
        .collect();
    ranked.sort_by_key(|(k, _)| *k);
    let reject_failures = ranked.iter().filter(|(k, _)| *k == 0).count();
    let not_judged = crate::not_judged(r);
    let mut top: Vec<String> = Vec::new();
    if not_judged {
        top.extend(
            r.errors
                .iter()
                .filter(|e| e.starts_with(NOT_JUDGED))
                .map(|e| opts.mask(e).into_owned()),
        );
    }
    top.extend(ranked.iter().map(|(_, f)| {
        let msg = if f.message.is_empty() {
            &f.title
        } else {
            &f.message
        };
        format!("{} {}: {}", f.rule, f.title, opts.mask(msg))
    }));
    if top.len() < TOP_FINDINGS {
        top.extend(
            r.errors
                .iter()
                .filter(|e| !e.starts_with(NOT_JUDGED))
                .map(|e| opts.mask(e).into_owned()),
        );
    }
    top.truncate(TOP_FINDINGS);
    QueueEntry {
        key: key.to_string(),
        submission: r.submission.clone(),
        procedure: r.procedure.clone(),
        verdict: r.verdict,
        submitted_at: r.submitted_at.clone(),
        not_judged,
        reject_failures,
        other_findings: ranked.len() - reject_failures,
        errors: r.errors.len(),
        top,
    }
}

/// Reads a report written by a batch; `None` when it is absent or incomplete.
pub(crate) fn read_report(path: &Path) -> Option<Report> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The report keys (file names without `.json`) in `<out>/reports`, sorted.
pub(crate) fn report_keys(out: &Path) -> Result<Vec<String>, BatchError> {
    let dir = out.join("reports");
    let mut keys = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| BatchError::io(&dir, e))? {
        let entry = entry.map_err(|e| BatchError::io(&dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if let Some(key) = name.strip_suffix(".json") {
            keys.push(key.to_string());
        }
    }
    keys.sort();
    Ok(keys)
}

/// Rebuilds `summary.json`, `queue.csv` and `index.html` in `out` from the
/// reports in `<out>/reports`, one report in memory at a time. `run` and
/// `wall_time_secs` describe the run that asks for it.
pub fn rebuild_outputs(
    out: &Path,
    unmasked: bool,
    run: RunInfo,
    wall_time_secs: f64,
) -> Result<BatchSummary, BatchError> {
    let opts = RenderOptions {
        unmasked,
        ..Default::default()
    };
    let mut s = BatchSummary {
        wall_time_secs,
        run,
        ..Default::default()
    };
    let mut queue = Vec::new();
    for key in report_keys(out)? {
        let path = out.join("reports").join(format!("{key}.json"));
        let bytes = std::fs::read(&path).map_err(|e| BatchError::io(&path, e))?;
        let r: Report = serde_json::from_slice(&bytes).map_err(|e| BatchError::BadReport {
            path: path.clone(),
            message: format!("line {}, column {}: {e}", e.line(), e.column()),
        })?;
        s.submissions += 1;
        s.verdicts.add(r.verdict);
        s.procedures
            .entry(r.procedure.clone())
            .or_default()
            .add(r.verdict);
        s.pages_read += prereview_report::pages_read(&r);
        if crate::not_judged(&r) {
            s.failed += 1;
        }
        for f in &r.findings {
            let c = s.rules.entry(f.rule.clone()).or_default();
            if c.title.is_empty() {
                c.title = f.title.clone();
            }
            match f.outcome {
                Outcome::Pass => c.pass += 1,
                Outcome::Fail => c.fail += 1,
                Outcome::Review => c.review += 1,
                Outcome::NotApplicable => c.not_applicable += 1,
            }
        }
        if r.verdict != Verdict::Pass {
            queue.push(queue_entry(&key, &r, &opts));
        }
    }
    queue.sort_by(|a, b| a.urgency().cmp(&b.urgency()));

    let json = serde_json::to_vec_pretty(&s).expect("summary serialises");
    write_atomic(&out.join("summary.json"), &json)?;
    write_atomic(&out.join("queue.csv"), &queue_csv(&queue)?)?;
    write_atomic(
        &out.join("index.html"),
        render_index(&s, &queue, &opts).as_bytes(),
    )?;
    Ok(s)
}

fn queue_csv(queue: &[QueueEntry]) -> Result<Vec<u8>, BatchError> {
    // The BOM makes spreadsheet programs read the file as UTF-8.
    let mut buf = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut buf);
        let csv_err = |e: csv::Error| BatchError::Invalid(format!("queue.csv: {e}"));
        w.write_record([
            "rank",
            "submission",
            "procedure",
            "verdict",
            "submitted_at",
            "not_judged",
            "reject_failures",
            "other_findings",
            "errors",
            "top_findings",
            "report",
            "page",
        ])
        .map_err(csv_err)?;
        for (i, q) in queue.iter().enumerate() {
            w.write_record([
                (i + 1).to_string(),
                q.submission.clone(),
                q.procedure.clone(),
                q.verdict.as_str().to_string(),
                q.submitted_at.clone().unwrap_or_default(),
                if q.not_judged { "yes" } else { "no" }.to_string(),
                q.reject_failures.to_string(),
                q.other_findings.to_string(),
                q.errors.to_string(),
                q.top.join("\n"),
                format!("reports/{}.json", q.key),
                format!("submissions/{}.html", q.key),
            ])
            .map_err(csv_err)?;
        }
        w.flush()
            .map_err(|e| BatchError::Invalid(format!("queue.csv: {e}")))?;
    }
    Ok(buf)
}

/// Percent-encodes a file name for use in a relative link.
pub(crate) fn url_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn render_index(s: &BatchSummary, queue: &[QueueEntry], opts: &RenderOptions) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>批量预审 Batch pre-review</title>\n<style>{}\n\
         .tiles {{ display:flex; flex-wrap:wrap; gap:.8em; margin:1em 0; }}\n\
         .tile {{ background:#fff; border:1px solid var(--line); border-radius:6px; padding:.5em 1em; min-width:120px; }}\n\
         .tile b {{ display:block; font-size:1.6rem; }}\n\
         .t-pass b {{ color:var(--pass); }} .t-review b {{ color:var(--review); }} .t-reject b {{ color:var(--reject); }}\n\
         td.num {{ text-align:right; }}\n</style>\n</head>\n<body>\n",
        prereview_report::STYLE
    );
    let _ = writeln!(h, "<h1>批量预审 Batch pre-review</h1>");
    let _ = writeln!(
        h,
        "<p class=\"meta\"><a href=\"summary.json\">summary.json</a> · <a href=\"queue.csv\">queue.csv</a> · 报告 reports: <span class=\"mono\">reports/</span></p>"
    );
    let _ = writeln!(h, "<div class=\"tiles\" id=\"counts\">");
    let tiles = [
        ("", "申请 submissions", s.submissions),
        ("t-pass", verdict_label(Verdict::Pass), s.verdicts.pass),
        (
            "t-review",
            verdict_label(Verdict::Review),
            s.verdicts.review,
        ),
        (
            "t-reject",
            verdict_label(Verdict::Reject),
            s.verdicts.reject,
        ),
        ("t-reject", "未能预审 not judged", s.failed),
        ("", "页 pages read", s.pages_read),
    ];
    for (class, label, n) in tiles {
        let _ = writeln!(h, "<div class=\"tile {class}\">{label}<b>{n}</b></div>");
    }
    let _ = writeln!(h, "</div>");

    if !s.procedures.is_empty() {
        let _ = writeln!(
            h,
            "<h2>按事项 By procedure</h2>\n<table><tr><th>事项 procedure</th><th>申请 submissions</th><th>通过 pass</th><th>复核 review</th><th>退回 reject</th></tr>"
        );
        for (p, c) in &s.procedures {
            let _ = writeln!(
                h,
                "<tr><td>{} <span class=\"mono\">{}</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                html_escape(&procedure_label(p)),
                html_escape(p),
                c.submissions,
                c.pass,
                c.review,
                c.reject
            );
        }
        let _ = writeln!(h, "</table>");
    }

    let mut rules: Vec<(&String, &RuleCounts)> = s
        .rules
        .iter()
        .filter(|(_, c)| c.fail + c.review > 0)
        .collect();
    rules.sort_by_key(|(id, c)| (Reverse(c.fail), Reverse(c.review), id.as_str()));
    if !rules.is_empty() {
        let _ = writeln!(
            h,
            "<h2>最常不通过的规则 Rules that fail most</h2>\n<table id=\"rules\"><tr><th>规则 rule</th><th>标题 title</th><th>不通过 fail</th><th>复核 review</th><th>通过 pass</th><th>不适用 n/a</th></tr>"
        );
        for (id, c) in rules.iter().take(20) {
            let _ = writeln!(
                h,
                "<tr><td class=\"mono\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                html_escape(id),
                html_escape(&c.title),
                c.fail,
                c.review,
                c.pass,
                c.not_applicable
            );
        }
        let _ = writeln!(h, "</table>");
    }

    let _ = writeln!(h, "<h2>人工复核队列 Re-check queue ({})</h2>", queue.len());
    if queue.is_empty() {
        let _ = writeln!(h, "<p>无 none.</p>");
    } else {
        let _ = writeln!(
            h,
            "<table id=\"queue\"><tr><th>#</th><th>申请 submission</th><th>事项 procedure</th><th>结论 verdict</th><th>申请日期 submitted</th><th>主要问题 top findings</th></tr>"
        );
        for (i, q) in queue.iter().take(INDEX_QUEUE_LIMIT).enumerate() {
            let top: Vec<String> = q.top.iter().map(|t| html_escape(t)).collect();
            let _ = writeln!(
                h,
                "<tr><td class=\"num\">{}</td><td><a class=\"sub\" href=\"submissions/{}.html\">{}</a></td><td>{}</td><td><span class=\"verdict-cell\">{}</span></td><td>{}</td><td>{}</td></tr>",
                i + 1,
                url_segment(&q.key),
                html_escape(&opts.mask(&q.submission)),
                html_escape(&procedure_label(&q.procedure)),
                verdict_label(q.verdict),
                html_escape(q.submitted_at.as_deref().unwrap_or("")),
                top.join("<br>")
            );
        }
        let _ = writeln!(h, "</table>");
        if queue.len() > INDEX_QUEUE_LIMIT {
            let _ = writeln!(
                h,
                "<p>仅显示前 {INDEX_QUEUE_LIMIT} 项；完整队列见 queue.csv. Only the first {INDEX_QUEUE_LIMIT} are shown; queue.csv holds all {}.</p>",
                queue.len()
            );
        }
    }
    let _ = writeln!(
        h,
        "<footer>prereview 系统预审 — 预审结果仅供审批人员参考，最终以人工审核为准。{}</footer>\n</body>\n</html>",
        if opts.unmasked {
            "Personal numbers shown in full."
        } else {
            "身份证号、电话号码已部分隐藏。 Personal numbers are masked."
        }
    );
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_segments() {
        assert_eq!(url_segment("SUB-2025-000123"), "SUB-2025-000123");
        assert_eq!(url_segment("申请 1#"), "%E7%94%B3%E8%AF%B7%201%23");
    }
}
