//! The self-contained HTML page for one submission.

use crate::crop::{RenderStats, Scans};
use crate::{
    display_value, outcome_counts, outcome_label, pages_read, procedure_label, severity_label,
    verdict_label, RenderOptions, OUTCOME_ORDER,
};
use prereview_model::document::shown_confidence;
use prereview_model::report::{Evidence, EvidenceSource, Finding, Outcome, Report, Verdict};
use std::fmt::Write;
use std::path::Path;

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page's style sheet; shared with the batch index page.
pub const STYLE: &str = r#"
:root { --pass:#1e7e34; --review:#b36b00; --reject:#c0392b; --na:#6c757d; --line:#dde1e6; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei","PingFang SC","Microsoft YaHei",sans-serif;
       margin: 0 auto; max-width: 1100px; padding: 16px 24px 48px; color:#1d2329; background:#f6f7f9; line-height:1.5; }
h1 { font-size: 1.45rem; margin: .2em 0; } h2 { font-size: 1.15rem; margin: 1.4em 0 .5em; border-bottom: 2px solid var(--line); padding-bottom: .2em; }
.meta { color:#4a5560; font-size:.92rem; } .mono { font-family: "DejaVu Sans Mono", monospace; font-size:.86rem; }
.verdict { display:inline-block; padding:.35em .9em; border-radius:6px; color:#fff; font-weight:bold; font-size:1.15rem; margin:.5em 0; }
.v-pass { background:var(--pass); } .v-review { background:var(--review); } .v-reject { background:var(--reject); }
.counts { margin:.3em 0 1em; } .counts span { margin-right:1.2em; }
.finding { background:#fff; border:1px solid var(--line); border-left:6px solid var(--na); border-radius:6px; padding:.7em 1em; margin:.7em 0; }
.o-fail { border-left-color:var(--reject); } .o-review { border-left-color:var(--review); } .o-pass { border-left-color:var(--pass); }
.finding h3 { font-size:1rem; margin:0 0 .3em; } .sev { font-size:.8rem; padding:.1em .5em; border-radius:4px; background:#eef0f3; margin-left:.5em; font-weight:normal; }
.basis { color:#4a5560; font-size:.9rem; } .message { margin:.2em 0 .4em; }
.evidence { display:flex; flex-wrap:wrap; align-items:flex-start; gap:.7em; margin-top:.5em; }
.ev { border:1px solid var(--line); border-radius:5px; padding:.45em .7em; background:#fafbfc; min-width:220px; max-width:100%; }
.ev .value { font-size:1.05rem; font-weight:bold; } .ev .src { font-size:.82rem; color:#4a5560; }
.ev img { display:block; max-width:100%; margin-top:.4em; border:1px solid #ccd; }
.note { color:#8a5a00; font-size:.85rem; } .null { color:var(--reject); }
details { margin:.6em 0; } summary { cursor:pointer; font-weight:bold; }
table { border-collapse:collapse; width:100%; background:#fff; margin:.4em 0 1em; font-size:.92rem; }
th, td { border:1px solid var(--line); padding:.3em .5em; text-align:left; vertical-align:top; }
th { background:#eef0f3; } .low { background:#fff4e0; }
.errors li { color:var(--reject); } footer { margin-top:2em; color:#6c757d; font-size:.8rem; }
a { color:#0b5cad; }
"#;

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "v-pass",
        Verdict::Review => "v-review",
        Verdict::Reject => "v-reject",
    }
}

fn outcome_class(o: Outcome) -> &'static str {
    match o {
        Outcome::Fail => "o-fail",
        Outcome::Review => "o-review",
        Outcome::NotApplicable => "o-na",
        Outcome::Pass => "o-pass",
    }
}

/// Confidence below which a value read is highlighted for the officer.
const LOW_CONFIDENCE: f32 = 0.8;

/// One self-contained HTML page for a submission: the verdict, the findings
/// grouped by outcome (message, legal basis, evidence), and the documents read.
///
/// For evidence read from a scan, when `submission_dir` is given, the page shows a
/// crop of the scan around the field's box with the box drawn (PDF pages through
/// poppler's `pdftoppm`, boxes taken at `opts.pdf_box_dpi`); a scan that cannot be read omits the crop with a note.
/// No scripts, no external resources. Personal numbers are masked unless
/// `opts.unmasked`. With `opts.crop_cache`, crops drawn before are taken from there.
pub fn render_html(report: &Report, submission_dir: Option<&Path>, opts: &RenderOptions) -> String {
    render_html_with_stats(report, submission_dir, opts).0
}

/// [`render_html`], also saying what drawing the crops took (pages decoded, PDF
/// pages rasterised, crops drawn or taken from the cache).
pub fn render_html_with_stats(
    report: &Report,
    submission_dir: Option<&Path>,
    opts: &RenderOptions,
) -> (String, RenderStats) {
    let mut scans =
        submission_dir.map(|d| Scans::new(d, opts.pdf_box_dpi, opts.crop_cache.as_deref()));
    let esc = |s: &str| html_escape(&opts.mask(s));
    let mut h = String::with_capacity(16 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>预审报告 {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&report.submission)
    );
    if let Some(href) = &opts.index_href {
        let _ = writeln!(
            h,
            "<p><a href=\"{}\">← 批次总览 batch overview</a></p>",
            html_escape(href)
        );
    }
    let _ = writeln!(
        h,
        "<h1>预审报告 Pre-review report: <span class=\"mono\">{}</span></h1>",
        esc(&report.submission)
    );
    let mut meta = format!(
        "{} <span class=\"mono\">{}</span>",
        html_escape(&procedure_label(&report.procedure)),
        html_escape(&report.procedure)
    );
    if let Some(at) = &report.submitted_at {
        let _ = write!(meta, " · 申请日期 submitted {}", html_escape(at));
    }
    if let Some(rs) = &report.rule_set {
        let _ = write!(
            meta,
            " · 规则版本 rules <span class=\"mono\">{}</span> ({})",
            html_escape(&rs.version),
            html_escape(&rs.effective_on)
        );
    }
    if let Some(r) = &report.reading {
        let _ = write!(
            meta,
            " · 识别方式 read with <span class=\"mono\">{}</span>",
            html_escape(r)
        );
    }
    let _ = writeln!(h, "<p class=\"meta\">{meta}</p>");
    let _ = writeln!(
        h,
        "<div class=\"verdict {}\" id=\"verdict\" data-verdict=\"{}\">{}</div>",
        verdict_class(report.verdict),
        report.verdict.as_str(),
        verdict_label(report.verdict)
    );
    let counts = outcome_counts(report);
    let _ = write!(h, "<p class=\"counts\">");
    for (o, n) in OUTCOME_ORDER.iter().zip(counts) {
        let _ = write!(h, "<span>{}: <b>{n}</b></span>", outcome_label(*o));
    }
    let _ = writeln!(
        h,
        "<span>文件 documents: <b>{}</b></span><span>页 pages: <b>{}</b></span></p>",
        report.documents.len(),
        pages_read(report)
    );

    if !report.errors.is_empty() {
        let _ = writeln!(h, "<h2>错误 Errors</h2>\n<ul class=\"errors\">");
        for e in &report.errors {
            let _ = writeln!(h, "<li>{}</li>", esc(e));
        }
        let _ = writeln!(h, "</ul>");
    }

    for (outcome, n) in OUTCOME_ORDER.iter().zip(counts) {
        if n == 0 {
            continue;
        }
        let group = report.findings.iter().filter(|f| f.outcome == *outcome);
        // What needs a person is open; the rest is folded away.
        let folded = matches!(outcome, Outcome::NotApplicable | Outcome::Pass);
        if folded {
            let _ = writeln!(
                h,
                "<details class=\"group\"><summary>{} ({n})</summary>",
                outcome_label(*outcome)
            );
        } else {
            let _ = writeln!(
                h,
                "<h2 class=\"group\">{} ({n})</h2>",
                outcome_label(*outcome)
            );
        }
        for f in group {
            write_finding(&mut h, f, scans.as_mut(), opts);
        }
        if folded {
            let _ = writeln!(h, "</details>");
        }
    }

    write_documents(&mut h, report, opts);

    let _ = writeln!(
        h,
        "<footer>prereview 系统预审 — 预审结果仅供审批人员参考，最终以人工审核为准。{}</footer>\n</body>\n</html>",
        if opts.unmasked {
            "本页显示完整的身份证号和电话号码。 Personal numbers shown in full."
        } else {
            "身份证号、电话号码已部分隐藏。 Personal numbers are masked."
        }
    );
    (h, scans.map(|s| s.stats).unwrap_or_default())
}

fn write_finding(h: &mut String, f: &Finding, scans: Option<&mut Scans<'_>>, opts: &RenderOptions) {
    let _ = writeln!(
        h,
        "<article class=\"finding {}\" id=\"rule-{}\">\n<h3><span class=\"mono\">{}</span> {}<span class=\"sev\">{}</span></h3>",
        outcome_class(f.outcome),
        html_escape(&f.rule),
        html_escape(&f.rule),
        html_escape(&f.title),
        severity_label(f.severity)
    );
    if !f.message.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"message\">{}</p>",
            html_escape(&opts.mask(&f.message))
        );
    }
    if !f.basis.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"basis\">依据 basis: {}</p>",
            html_escape(&f.basis)
        );
    }
    if !f.evidence.is_empty() && f.outcome != Outcome::Pass {
        let _ = writeln!(h, "<div class=\"evidence\">");
        let mut scans = scans;
        for e in &f.evidence {
            write_evidence(h, e, scans.as_deref_mut(), opts);
        }
        let _ = writeln!(h, "</div>");
    }
    let _ = writeln!(h, "</article>");
}

fn write_evidence(
    h: &mut String,
    e: &Evidence,
    scans: Option<&mut Scans<'_>>,
    opts: &RenderOptions,
) {
    let value = opts.mask_field(&e.path, &e.value);
    let value_html = if value.is_null() {
        "<span class=\"null\">— 未读出 unknown</span>".to_string()
    } else {
        html_escape(&display_value(&value))
    };
    let _ = write!(
        h,
        "<div class=\"ev\"><div class=\"mono\">{}</div><div class=\"value\">{value_html}</div>",
        html_escape(&e.path)
    );
    match &e.source {
        EvidenceSource::Named(name) => {
            let label = match name.as_str() {
                "form" => "申请表 form",
                "submission" => "申请 submission",
                "parameter" => "参数 parameter",
                other => other,
            };
            let _ = write!(h, "<div class=\"src\">{}</div>", html_escape(label));
        }
        EvidenceSource::Document(d) => {
            let low = if d.confidence < LOW_CONFIDENCE {
                " class=\"low\""
            } else {
                ""
            };
            let _ = write!(
                h,
                "<div class=\"src\">扫描件 scan <span class=\"mono\">{}</span>{} · <span{low}>置信度 confidence {}</span></div>",
                html_escape(&d.file),
                d.page.map(|p| format!(" 第{p}页")).unwrap_or_default(),
                shown_confidence(d.confidence)
            );
            match (d.bbox, scans) {
                (Some(bbox), Some(scans)) => {
                    let redact = if opts.unmasked {
                        None
                    } else {
                        redaction(&e.path, &e.value)
                    };
                    match scans.crop_data_uri(&d.file, d.page.unwrap_or(1), bbox, redact) {
                        Ok(uri) => {
                            let _ = write!(
                                h,
                                "<img class=\"crop\" alt=\"{} 的扫描截图\" src=\"{uri}\">",
                                html_escape(&e.path)
                            );
                        }
                        Err(why) => {
                            let _ = write!(
                                h,
                                "<div class=\"note\">无法显示扫描截图 no crop: {}</div>",
                                html_escape(&opts.mask(&why))
                            );
                        }
                    }
                }
                (Some(_), None) => {}
                (None, _) => {
                    let _ = write!(
                        h,
                        "<div class=\"note\">无位置信息 the value has no box on the page</div>"
                    );
                }
            }
        }
    }
    if let Some(note) = &e.note {
        let _ = write!(
            h,
            "<div class=\"note\">{}</div>",
            html_escape(&opts.mask(note))
        );
    }
    let _ = writeln!(h, "</div>");
}

/// The part of a personal number's box to paint over in a masked crop, as
/// fractions of the box width, matching what [`crate::mask_text`] hides (the
/// characters of an ID number or phone are about equally wide).
fn redaction(path: &str, value: &serde_json::Value) -> Option<(f32, f32)> {
    let field = path.rsplit('.').next().unwrap_or(path);
    let field = field.split('[').next().unwrap_or(field);
    if !matches!(
        field,
        "id_number" | "phone" | "mobile" | "subject" | "contact_phone"
    ) {
        return None;
    }
    let n = match value {
        serde_json::Value::String(s) => s.chars().count(),
        serde_json::Value::Number(n) => n.to_string().len(),
        // Unknown value: hide the whole box.
        _ => return Some((0.0, 1.0)),
    } as f32;
    Some(match n as usize {
        18 => (6.0 / 18.0 - 0.02, 14.0 / 18.0 + 0.02),
        15 => (6.0 / 15.0 - 0.02, 11.0 / 15.0 + 0.02),
        11 => (3.0 / 11.0 - 0.02, 7.0 / 11.0 + 0.02),
        0..=4 => (0.0, 1.0),
        _ => (2.0 / n - 0.02, (n - 2.0) / n + 0.02),
    })
}

fn write_documents(h: &mut String, report: &Report, opts: &RenderOptions) {
    if report.documents.is_empty() {
        return;
    }
    let _ = writeln!(h, "<h2>读取的文件 Documents read</h2>");
    for d in &report.documents {
        let _ = writeln!(
            h,
            "<details><summary><span class=\"mono\">{}</span> — {}{}</summary>",
            html_escape(&d.file),
            html_escape(&d.kind),
            d.pages
                .map(|p| format!(", {p} 页 pages"))
                .unwrap_or_default()
        );
        if let Some(err) = &d.error {
            let _ = writeln!(
                h,
                "<p class=\"null\">无法读取 unreadable: {}</p>",
                html_escape(&opts.mask(err))
            );
        }
        if !d.fields.is_empty() {
            let _ = writeln!(
                h,
                "<table><tr><th>字段 field</th><th>值 value</th><th>置信度 confidence</th><th>页 page</th><th>说明 note</th></tr>"
            );
            for (name, f) in &d.fields {
                let value = f
                    .value
                    .as_ref()
                    .map(|v| html_escape(&display_value(&opts.mask_field(name, v))))
                    .unwrap_or_else(|| "<span class=\"null\">— 未读出</span>".to_string());
                let low = f.value.is_none() || f.confidence < LOW_CONFIDENCE;
                let _ = writeln!(
                    h,
                    "<tr{}><td class=\"mono\">{}</td><td>{value}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    if low { " class=\"low\"" } else { "" },
                    html_escape(name),
                    shown_confidence(f.confidence),
                    f.page.map(|p| p.to_string()).unwrap_or_default(),
                    f.reason
                        .as_deref()
                        .map(|r| html_escape(&opts.mask(r)))
                        .unwrap_or_default()
                );
            }
            let _ = writeln!(h, "</table>");
        }
        let _ = writeln!(h, "</details>");
    }
}
