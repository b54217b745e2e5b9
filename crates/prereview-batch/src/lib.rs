//! `prereview batch DIR --out REPORT_DIR`: pre-reviews every submission folder
//! under a folder, in parallel, and files the results.
//!
//! The report folder holds, per submission, `reports/<id>.json` (the contract
//! report, unmasked: the machine record) and `submissions/<id>.html` (the page for
//! an officer, personal numbers masked unless asked otherwise); and for the batch
//! `summary.json`, `queue.csv` (the re-check queue) and `index.html`, rebuilt from
//! the reports on disk at the end of every run. The crops of the pages are kept
//! in a cache folder (see [`BatchOptions::crop_cache`]), so that a re-run over
//! the same scans decodes none; `summary.json` says what each run read and drew
//! ([`WorkCounts`]).
//!
//! Guarantees: a submission whose reviewer fails or panics gets a `review` report
//! saying so and the batch goes on; every file is written atomically, so a run
//! killed at any point and started again with the same `--out` resumes and ends
//! with exactly one report per submission; `--shard K/N` takes a stable share of
//! the submissions and [`merge`] joins shard folders into one.

mod atomic;
mod discover;
mod progress;
mod summary;

pub use discover::{discover, fnv1a64, parse_shard, shard_of, SubmissionEntry};
pub use progress::ProgressMode;
pub use summary::{
    rebuild_outputs, BatchSummary, QueueEntry, RuleCounts, RunInfo, VerdictCounts, WorkCounts,
};

use atomic::{remove_leftovers, write_atomic};
use prereview_model::report::{verdict_of, Report, Verdict};
use prereview_report::{render_html_with_stats, RenderOptions, RenderStats};
use rayon::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Reviews one submission folder end to end (load, read documents, judge). Implemented by the binary.
pub trait Reviewer: Sync {
    /// Never panics. Err = the submission could not be judged at all (message says what and where).
    fn review(&self, submission_dir: &Path) -> Result<Report, String>;

    /// The reviewer's cache folder, if it keeps one: the batch keeps the crops
    /// of the HTML pages in its `crops/` subfolder (unless
    /// [`BatchOptions::crop_cache`] says otherwise), so that a re-run with other
    /// rules decodes no scan either.
    fn cache_dir(&self) -> Option<PathBuf> {
        None
    }

    /// Documents read so far over the reviewer's lifetime: `(by OCR, from its
    /// cache)`. The batch reports the difference over a run in `summary.json`.
    fn document_counts(&self) -> (u64, u64) {
        (0, 0)
    }

    /// How the reviewer reads documents, for `summary.json` (`run.reading`).
    fn reading(&self) -> Option<String> {
        None
    }

    /// Whether `report`, left in the report folder by an earlier run, is what
    /// this reviewer would write for `submission_dir` now: the same rules and the
    /// same reading. A resumed run keeps a current report and judges the
    /// submission again otherwise, so that a verdict made under other rules is
    /// never handed on as this run's.
    fn is_current(&self, _submission_dir: &Path, _report: &Report) -> bool {
        true
    }
}

/// Prefix of the entry in a report's `errors` that marks a submission the batch
/// could not judge at all (reviewer error or crash). [`BatchSummary::failed`]
/// counts reports carrying it.
pub const NOT_JUDGED: &str = "未能完成预审 not judged: ";

/// Whether the batch could not judge the submission of `report` (it carries
/// [`NOT_JUDGED`]).
pub(crate) fn not_judged(report: &Report) -> bool {
    report.errors.iter().any(|e| e.starts_with(NOT_JUDGED))
}

/// How a batch runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOptions {
    /// The report folder (created if needed; an earlier run's folder is resumed).
    pub out: PathBuf,
    /// Worker threads; 0 = one per CPU.
    pub jobs: usize,
    /// No progress output at all (overrides `progress`).
    pub quiet: bool,
    /// `(K, N)`: only the submissions of shard K (0-based) of N.
    pub shard: Option<(u32, u32)>,
    /// HTML pages and the queue show personal numbers in full (authorised use).
    pub unmasked: bool,
    pub progress: ProgressMode,
    /// The OCR's PDF resolution: boxes on PDF pages are in pixels at this dpi
    /// (for the crops in the HTML pages).
    pub pdf_box_dpi: u32,
    /// On resume, judge again the submissions an earlier run could not judge
    /// (their report carries [`NOT_JUDGED`]); by default every complete report is kept.
    pub retry_not_judged: bool,
    /// Where the crops of the HTML pages are kept (keyed by the scan's content
    /// and the box). None: `crops/` in [`Reviewer::cache_dir`], or no cache.
    pub crop_cache: Option<PathBuf>,
}

impl BatchOptions {
    /// Defaults: one worker per CPU, progress shown, all submissions, masked.
    pub fn new(out: impl Into<PathBuf>) -> Self {
        BatchOptions {
            out: out.into(),
            jobs: 0,
            quiet: false,
            shard: None,
            unmasked: false,
            progress: ProgressMode::Auto,
            pdf_box_dpi: prereview_report::DEFAULT_PDF_BOX_DPI,
            retry_not_judged: false,
            crop_cache: None,
        }
    }
}

/// Why a batch (not a single submission) could not go on.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("{}: no submission folder (a folder holding submission.json) found", .0.display())]
    NoSubmissions(PathBuf),
    #[error("{}: the report cannot be read: {message}", path.display())]
    BadReport { path: PathBuf, message: String },
    #[error("merging: submission “{key}” has different reports in {} and {}", first.display(), second.display())]
    MergeConflict {
        key: String,
        first: PathBuf,
        second: PathBuf,
    },
}

impl BatchError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        BatchError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Where a submission's outputs go.
fn report_path(out: &Path, key: &str) -> PathBuf {
    out.join("reports").join(format!("{key}.json"))
}

fn page_path(out: &Path, key: &str) -> PathBuf {
    out.join("submissions").join(format!("{key}.html"))
}

const INDEX_HREF: &str = "../index.html";

fn render_opts(unmasked: bool, pdf_box_dpi: u32, crop_cache: Option<PathBuf>) -> RenderOptions {
    RenderOptions {
        unmasked,
        index_href: Some(INDEX_HREF.to_string()),
        pdf_box_dpi,
        crop_cache,
    }
}

fn prepare_out(out: &Path) -> Result<(), BatchError> {
    for sub in ["reports", "submissions"] {
        let dir = out.join(sub);
        std::fs::create_dir_all(&dir).map_err(|e| BatchError::io(&dir, e))?;
        remove_leftovers(&dir)?;
    }
    remove_leftovers(out)?;
    Ok(())
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string())
}

/// The report for a submission that could not be judged: verdict `review`.
fn not_judged_report(entry: &SubmissionEntry, why: &str) -> Report {
    Report {
        submission: entry.key.clone(),
        procedure: entry
            .procedure
            .clone()
            .unwrap_or_else(|| "unknown".to_string()),
        verdict: Verdict::Review,
        submitted_at: entry.submitted_at.clone(),
        rule_set: None,
        reading: None,
        findings: Vec::new(),
        documents: Vec::new(),
        errors: vec![format!("{NOT_JUDGED}{why}")],
    }
}

/// Runs the reviewer on one submission, turning errors and panics into a report.
fn judge(reviewer: &dyn Reviewer, entry: &SubmissionEntry) -> (Report, bool) {
    let outcome = catch_unwind(AssertUnwindSafe(|| reviewer.review(&entry.dir)));
    let mut report = match outcome {
        Ok(Ok(report)) => report,
        Ok(Err(msg)) => return (not_judged_report(entry, &msg), true),
        Err(payload) => {
            let why = format!(
                "the reviewer stopped unexpectedly on {} ({})",
                entry.dir.display(),
                panic_message(payload.as_ref())
            );
            return (not_judged_report(entry, &why), true);
        }
    };
    if let Some(first) = &entry.duplicate_of {
        report.errors.push(format!(
            "the submission id is also used by {}; this report is filed as “{}”",
            first.display(),
            entry.key
        ));
    }
    // The batch never lowers a verdict, and never lets one pass that its own
    // findings or errors do not allow.
    report.verdict = report
        .verdict
        .max(verdict_of(&report.findings, !report.errors.is_empty()));
    (report, false)
}

fn render_page(report: &Report, dir: Option<&Path>, opts: &RenderOptions) -> (String, RenderStats) {
    catch_unwind(AssertUnwindSafe(|| render_html_with_stats(report, dir, opts)))
    .unwrap_or_else(|payload| {
        // The JSON report is the record; the page says it could not be drawn.
        (format!(
            "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{0}</title></head><body>\
             <p><a href=\"{INDEX_HREF}\">← 批次总览</a></p><h1>{0}</h1><p>页面生成失败 the page could not be drawn: {1}. \
             结论 verdict: {2}. 见 see reports/{0}.json</p></body></html>",
            prereview_report::html_escape(&report.submission),
            prereview_report::html_escape(&panic_message(payload.as_ref())),
            report.verdict.as_str()
        ), RenderStats::default())
    })
}

enum Done {
    Resumed {
        pages: u64,
    },
    Judged {
        pages: u64,
        failed: bool,
        verdict: Verdict,
        /// It replaced an earlier run's report that was not current.
        outdated: bool,
    },
}

fn process(
    reviewer: &dyn Reviewer,
    entry: &SubmissionEntry,
    out: &Path,
    opts: &RenderOptions,
    retry_not_judged: bool,
    drawn: &Mutex<RenderStats>,
) -> Result<Done, BatchError> {
    let count = |stats: RenderStats| {
        if let Ok(mut d) = drawn.lock() {
            d.add(&stats);
        }
    };
    let json_path = report_path(out, &entry.key);
    let html_path = page_path(out, &entry.key);
    let existing = summary::read_report(&json_path);
    // A report the reviewer could not make is kept as it is (or retried on
    // request); a judged one only while it is current.
    let (keep, outdated) = match &existing {
        None => (false, false),
        Some(r) if not_judged(r) => (!retry_not_judged, false),
        Some(r) => {
            let current = reviewer.is_current(&entry.dir, r);
            (current, !current)
        }
    };
    if let Some(report) = existing.filter(|_| keep) {
        if !html_path.is_file() {
            let (page, stats) = render_page(&report, Some(&entry.dir), opts);
            count(stats);
            write_atomic(&html_path, page.as_bytes())?;
        }
        return Ok(Done::Resumed {
            pages: prereview_report::pages_read(&report),
        });
    }
    let (report, failed) = judge(reviewer, entry);
    let (page, stats) = render_page(&report, Some(&entry.dir), opts);
    count(stats);
    // The page first, the report last: a report on disk means the submission is done.
    write_atomic(&html_path, page.as_bytes())?;
    let json = serde_json::to_vec_pretty(&report).expect("a report serialises");
    write_atomic(&json_path, &json)?;
    Ok(Done::Judged {
        pages: prereview_report::pages_read(&report),
        failed,
        verdict: report.verdict,
        outdated,
    })
}

/// Pre-reviews every submission under `input` (see the crate docs) and returns
/// the summary over every report in `options.out`. An error here means the batch
/// itself could not go on (unreadable input, report folder not writable); a
/// submission that cannot be judged is reported, counted in
/// [`BatchSummary::failed`], and does not stop the batch.
pub fn run(
    reviewer: &dyn Reviewer,
    input: &Path,
    options: &BatchOptions,
) -> Result<BatchSummary, BatchError> {
    let started = Instant::now();
    if let Some((k, n)) = options.shard {
        if n == 0 || k >= n {
            return Err(BatchError::Invalid(format!(
                "shard {k}/{n}: K must be from 0 to N-1 (shards count from 0)"
            )));
        }
    }
    let out = &options.out;
    prepare_out(out)?;
    let all = discover(input, Some(out))?;
    if all.is_empty() {
        return Err(BatchError::NoSubmissions(input.to_path_buf()));
    }
    let entries: Vec<SubmissionEntry> = match options.shard {
        Some((k, n)) => all
            .into_iter()
            .filter(|e| shard_of(&e.key, n) == k)
            .collect(),
        None => all,
    };

    let jobs = if options.jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        options.jobs
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("prereview-batch-{i}"))
        .build()
        .map_err(|e| BatchError::Invalid(format!("cannot start {jobs} worker threads: {e}")))?;

    let mode = if options.quiet {
        ProgressMode::Off
    } else {
        options.progress
    };
    let progress = progress::Progress::new(mode, entries.len() as u64);
    let crop_cache = options
        .crop_cache
        .clone()
        .or_else(|| reviewer.cache_dir().map(|d| d.join("crops")));
    let opts = render_opts(options.unmasked, options.pdf_box_dpi, crop_cache);
    let documents_before = reviewer.document_counts();
    let drawn = Mutex::new(RenderStats::default());
    let reviewed = AtomicU64::new(0);
    let resumed = AtomicU64::new(0);
    let outdated = AtomicU64::new(0);
    let failed = AtomicU64::new(0);
    let result = pool.install(|| {
        entries.par_iter().try_for_each(|entry| {
            match process(
                reviewer,
                entry,
                out,
                &opts,
                options.retry_not_judged,
                &drawn,
            )? {
                Done::Resumed { pages } => {
                    resumed.fetch_add(1, Ordering::Relaxed);
                    progress.done(&entry.key, "resumed", pages);
                }
                Done::Judged {
                    pages,
                    failed: f,
                    verdict,
                    outdated: o,
                } => {
                    reviewed.fetch_add(1, Ordering::Relaxed);
                    if o {
                        outdated.fetch_add(1, Ordering::Relaxed);
                    }
                    if f {
                        failed.fetch_add(1, Ordering::Relaxed);
                        progress.note(&format!(
                            "batch: {} could not be judged (see reports/{}.json)",
                            entry.dir.display(),
                            entry.key
                        ));
                    }
                    progress.done(&entry.key, verdict.as_str(), pages);
                }
            }
            Ok::<(), BatchError>(())
        })
    });
    progress.finish();
    result?;

    let documents_after = reviewer.document_counts();
    let drawn = drawn.into_inner().unwrap_or_default();
    let work = WorkCounts {
        documents_read: documents_after.0.saturating_sub(documents_before.0),
        documents_from_cache: documents_after.1.saturating_sub(documents_before.1),
        scans_decoded: drawn.scans_decoded,
        pdf_pages_rendered: drawn.pdf_pages_rendered,
        crops_drawn: drawn.crops_drawn,
        crops_from_cache: drawn.crops_from_cache,
    };
    let run = RunInfo {
        reviewed: reviewed.into_inner(),
        resumed: resumed.into_inner(),
        outdated: outdated.into_inner(),
        failed_this_run: failed.into_inner(),
        jobs,
        shard: options.shard.map(|(k, n)| format!("{k}/{n}")),
        merged_from: Vec::new(),
        reading: reviewer.reading(),
        work,
    };
    rebuild_outputs(out, options.unmasked, run, started.elapsed().as_secs_f64())
}

/// How [`merge_with`] writes the merged overview.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeOptions {
    /// The queue and index show personal numbers in full.
    pub unmasked: bool,
}

/// Joins the report folders of shard runs into `out` (masked overview).
/// See [`merge_with`].
pub fn merge(out: &Path, inputs: &[PathBuf]) -> Result<BatchSummary, BatchError> {
    merge_with(out, inputs, &MergeOptions::default())
}

/// Joins the report folders of shard runs into `out`: copies every complete
/// report and its page (atomically), then rebuilds summary, queue and index.
/// A submission present in two inputs with different reports is an error; the
/// same report twice is kept once. `out` may be one of the inputs.
pub fn merge_with(
    out: &Path,
    inputs: &[PathBuf],
    options: &MergeOptions,
) -> Result<BatchSummary, BatchError> {
    prepare_out(out)?;
    let out_canon = out.canonicalize().map_err(|e| BatchError::io(out, e))?;
    let mut wall: f64 = 0.0;
    let mut run = RunInfo::default();
    // The shards' readings: kept only when they all agree.
    let mut readings: Vec<Option<String>> = Vec::new();
    // Where each key came from, to name both sides of a conflict.
    let mut origin: std::collections::HashMap<String, PathBuf> = Default::default();
    for input in inputs {
        let canon = input.canonicalize().map_err(|e| BatchError::io(input, e))?;
        if let Ok(bytes) = std::fs::read(input.join("summary.json")) {
            if let Ok(s) = serde_json::from_slice::<BatchSummary>(&bytes) {
                wall = wall.max(s.wall_time_secs);
                run.reviewed += s.run.reviewed;
                run.resumed += s.run.resumed;
                run.outdated += s.run.outdated;
                run.failed_this_run += s.run.failed_this_run;
                run.jobs = run.jobs.max(s.run.jobs);
                run.work.add(&s.run.work);
                readings.push(s.run.reading.clone());
            }
        }
        run.merged_from.push(input.display().to_string());
        let same_dir = canon == out_canon;
        for key in summary::report_keys(input)? {
            let src = report_path(input, &key);
            let bytes = std::fs::read(&src).map_err(|e| BatchError::io(&src, e))?;
            let report: Report =
                serde_json::from_slice(&bytes).map_err(|e| BatchError::BadReport {
                    path: src.clone(),
                    message: format!("line {}, column {}: {e}", e.line(), e.column()),
                })?;
            let dst = report_path(out, &key);
            if let Some(first) = origin.get(&key) {
                if std::fs::read(&dst).ok().as_deref() != Some(&bytes[..]) {
                    return Err(BatchError::MergeConflict {
                        key,
                        first: first.clone(),
                        second: input.clone(),
                    });
                }
                continue;
            }
            origin.insert(key.clone(), input.clone());
            if same_dir {
                continue;
            }
            let src_page = page_path(input, &key);
            let page = match std::fs::read(&src_page) {
                Ok(page) => page,
                // No scans at hand here: the page is drawn without crops.
                Err(_) => render_page(
                    &report,
                    None,
                    &render_opts(
                        options.unmasked,
                        prereview_report::DEFAULT_PDF_BOX_DPI,
                        None,
                    ),
                )
                .0
                .into_bytes(),
            };
            write_atomic(&page_path(out, &key), &page)?;
            write_atomic(&dst, &bytes)?;
        }
    }
    if readings.len() == inputs.len() && readings.windows(2).all(|w| w[0] == w[1]) {
        run.reading = readings.pop().flatten();
    }
    rebuild_outputs(out, options.unmasked, run, wall)
}
