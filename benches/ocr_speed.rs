//! OCR throughput measurement (a binary, not a criterion bench): pages per
//! second on all cores through `prereview_ocr::Reader` versus the `tesseract`
//! command line run once per image, two at a time, on the same images in the
//! same run; the single-engine rate; CPU per page with Tesseract's OpenMP
//! threading capped (`OMP_THREAD_LIMIT=1`) and not; memory per worker.
//!
//! ```text
//! cargo bench -p prereview-benches --bench ocr_speed -- [--dir DIR] [--per-kind N] [--seed S]
//! ```
//! Without `--dir`, generates clean and mild image documents with
//! `prereview-docgen`. Targets: ≥ 1.5× the CLI, within 10 % of
//! cores × the single-engine rate.

use prereview_ocr::{Reader, Settings};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

fn cpu_seconds() -> f64 {
    // utime + stime of this process (all threads), from /proc/self/stat.
    let Ok(s) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let after = s.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn rss_mib() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Runs `f` on every image from `threads` threads taking the next image
/// in turn; returns the wall seconds.
fn on_threads(images: &[PathBuf], threads: usize, f: impl Fn(&Path) + Sync) -> f64 {
    let next = AtomicUsize::new(0);
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(p) = images.get(i) else { break };
                f(p);
            });
        }
    });
    t.elapsed().as_secs_f64()
}

/// (wall seconds, CPU seconds) to OCR every image with `threads` workers and
/// as many callers.
fn run_reader(images: &[PathBuf], threads: usize) -> (f64, f64, usize) {
    let reader = Reader::new(Settings {
        threads,
        ..Settings::default()
    })
    .expect("reader");
    let cpu0 = cpu_seconds();
    let wall = on_threads(images, threads, |p| {
        if let Err(e) = reader.ocr_pages(p) {
            eprintln!("{}: {e}", p.display());
        }
    });
    (wall, cpu_seconds() - cpu0, reader.engines_created())
}

/// Wall seconds to run the `tesseract` CLI once per image, `jobs` at a time.
/// `omp_limit`: `None` runs it as a stock machine would (OpenMP threads as
/// Tesseract chooses: the naive approach); `Some("1")` caps them, the CLI at
/// its best on a busy machine.
fn run_cli(images: &[PathBuf], jobs: usize, psm: u8, lang: &str, omp_limit: Option<&str>) -> f64 {
    on_threads(images, jobs, |p| {
        let mut cmd = Command::new("tesseract");
        match omp_limit {
            Some(v) => cmd.env("OMP_THREAD_LIMIT", v),
            // This process runs with the limit set (see main): unset it.
            None => cmd.env_remove("OMP_THREAD_LIMIT"),
        };
        let st = cmd
            .arg(p)
            .arg("-")
            .args(["-l", lang, "--psm", &psm.to_string(), "tsv"])
            .output();
        if let Err(e) = st {
            eprintln!("tesseract CLI: {e}");
        }
    })
}

/// Wall seconds to read every image as a document of its kind (the file
/// name's stem without its number: `id_card_03.png` is an `id_card`) with
/// `threads` workers: the whole pipeline, second looks and crop re-reads
/// included. Returns the wall time and the pages OCR'd (passes counted).
fn run_documents(images: &[PathBuf], threads: usize) -> (f64, usize) {
    let reader = Reader::new(Settings {
        threads,
        ..Settings::default()
    })
    .expect("reader");
    let specs = prereview_ocr::specs::builtin();
    let wall = on_threads(images, threads, |p| {
        let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned());
        let kind = stem
            .as_deref()
            .and_then(|s| s.rsplit_once('_'))
            .map(|(k, _)| k);
        if let Some(spec) = specs.iter().find(|s| Some(s.kind.as_str()) == kind) {
            std::hint::black_box(reader.read_document(p, spec, &Default::default()));
        }
    });
    (wall, reader.pages_ocrd())
}

fn images_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for q in ["clean", "mild"] {
        let Ok(rd) = std::fs::read_dir(dir.join(q)) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("png" | "jpg" | "jpeg" | "tif" | "tiff")
            ) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    // Child mode: OCR with whatever OMP_THREAD_LIMIT the parent set; print CPU/page.
    if let Some(dir) = opt("--omp-probe") {
        let images = images_in(Path::new(&dir));
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (wall, cpu, _) = run_reader(&images, cores);
        println!("{} {wall} {cpu}", images.len());
        return;
    }
    prereview_ocr::ensure_single_threaded_openmp();
    let tmp;
    let dir = match opt("--dir") {
        Some(d) => PathBuf::from(d),
        None => {
            let per_kind: usize = opt("--per-kind").and_then(|v| v.parse().ok()).unwrap_or(2);
            let seed: u64 = opt("--seed").and_then(|v| v.parse().ok()).unwrap_or(99);
            tmp = tempfile::tempdir().expect("tempdir");
            prereview_docgen::generate_documents(
                tmp.path(),
                per_kind,
                &[
                    prereview_docgen::Quality::Clean,
                    prereview_docgen::Quality::Mild,
                ],
                seed,
            )
            .expect("generate");
            tmp.path().to_path_buf()
        }
    };
    let images = images_in(&dir);
    let n = images.len();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let settings = Settings::default();
    println!(
        "OCR speed: {n} page images from {}, {cores} cores, lang {} psm {}, OMP_THREAD_LIMIT={}\n",
        dir.display(),
        settings.engine.languages,
        settings.engine.psm,
        std::env::var("OMP_THREAD_LIMIT").unwrap_or_else(|_| "unset".into())
    );

    let rss0 = rss_mib();
    let (w1, c1, e1) = run_reader(&images, 1);
    let rss1 = rss_mib();
    let single = n as f64 / w1;
    println!(
        "single engine:      {single:.3} pages/s ({w1:.1} s, CPU {:.2} s/page, {e1} engine)",
        c1 / n as f64
    );
    let (wn, cn, en) = run_reader(&images, cores);
    let rssn = rss_mib();
    let all = n as f64 / wn;
    println!(
        "prereview {cores} workers: {all:.3} pages/s ({wn:.1} s, CPU {:.2} s/page, {en} engines) = {:.0}% of {cores} × single",
        cn / n as f64,
        100.0 * all / (single * cores as f64)
    );
    let (wd, passes) = run_documents(&images, cores);
    let docs = n as f64 / wd;
    println!(
        "prereview {cores} workers, whole reading: {docs:.3} documents/s ({wd:.1} s; {passes} page passes for {n} pages)"
    );
    let (psm, lang) = (settings.engine.psm, &settings.engine.languages);
    let wc = run_cli(&images, 2, psm, lang, None);
    let cli = n as f64 / wc;
    println!(
        "tesseract CLI ×2:   {cli:.3} pages/s ({wc:.1} s; OpenMP as installed: the naive run)"
    );
    let wt = run_cli(&images, 2, psm, lang, Some("1"));
    let tuned = n as f64 / wt;
    println!("tesseract CLI ×2, OMP_THREAD_LIMIT=1: {tuned:.3} pages/s ({wt:.1} s)");
    println!(
        "prereview / CLI:    {:.2}× (naive), {:.2}× (CLI with OpenMP capped)",
        all / cli,
        all / tuned
    );
    println!(
        "whole reading / CLI's one pass: {:.2}× (naive), {:.2}× (capped)",
        docs / cli,
        docs / tuned
    );
    println!(
        "memory: RSS {rss0:.0} MiB before, {rss1:.0} MiB after 1 worker, {rssn:.0} MiB after {cores} workers ≈ {:.0} MiB per worker",
        (rssn - rss0) / cores.max(1) as f64
    );

    // OpenMP: the same run in a child process with threading allowed.
    if let Ok(exe) = std::env::current_exe() {
        let out = Command::new(exe)
            .args(["--omp-probe", &dir.to_string_lossy()])
            .env("OMP_THREAD_LIMIT", "64")
            .output();
        if let Ok(o) = out {
            let s = String::from_utf8_lossy(&o.stdout);
            let v: Vec<f64> = s
                .split_whitespace()
                .filter_map(|t| t.parse().ok())
                .collect();
            if v.len() == 3 && v[0] > 0.0 {
                println!(
                    "OpenMP on (OMP_THREAD_LIMIT=64): {:.3} pages/s, CPU {:.2} s/page vs {:.2} s/page capped ({:.1}× the CPU)",
                    v[0] / v[1],
                    v[2] / v[0],
                    cn / n as f64,
                    (v[2] / v[0]) / (cn / n as f64)
                );
            }
        }
    }
}
