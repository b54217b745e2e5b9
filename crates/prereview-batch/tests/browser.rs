//! The batch's pages in a real headless browser (Debian `chromium`): the index
//! loads, its queue links point to existing pages, and the scan crops of a
//! submission page decode as images.
//!
//! Without chromium the test is skipped with a notice, unless `CI` is set, when
//! a missing chromium is a failure. `PREREVIEW_UPDATE_SCREENSHOTS=1` also copies
//! the screenshots to `docs/` (committed: `docs/batch-submission.png`,
//! `docs/batch-index.png`).

mod common;

use common::*;
use prereview_batch::{run, BatchOptions, Reviewer};
use prereview_model::report::Report;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Replays `report.json` when a submission folder has one (the fixture with real
/// scans), else the fake reviewer.
struct FixtureReviewer(FakeReviewer);

impl Reviewer for FixtureReviewer {
    fn review(&self, dir: &Path) -> Result<Report, String> {
        let path = dir.join("report.json");
        if path.is_file() {
            let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
            return serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()));
        }
        self.0.review(dir)
    }
}

fn find_chromium() -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// Runs headless chromium with `args` then `url`; returns stdout.
fn chromium(bin: &Path, profile: &Path, args: &[String], url: &str) -> String {
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).ok();
        s
    });
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(90) {
            child.kill().ok();
            child.wait().ok();
            panic!("chromium did not finish within 90 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// A PNG looks drawn: not one flat colour.
fn assert_not_blank(png: &Path) {
    let img = image::open(png).unwrap().to_rgb8();
    let first = *img.get_pixel(0, 0);
    let differing = img.pixels().filter(|p| **p != first).count();
    assert!(differing > 10_000, "{} looks blank", png.display());
}

#[test]
fn pages_render_in_headless_chromium() {
    let Some(bin) = find_chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is not installed (apt-get install -y chromium) and CI is set"
        );
        eprintln!("NOTICE: chromium not found; skipping the headless browser test");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../prereview-report/tests/fixtures/SUB-2025-000123");
    copy_dir(&fixture, &input.join("SUB-2025-000123"));
    for s in varied_specs(6) {
        write_submission(&input.join(&s.id), &s);
    }
    let out = tmp.path().join("out");
    let o = BatchOptions {
        quiet: true,
        jobs: 2,
        ..BatchOptions::new(&out)
    };
    let summary = run(&FixtureReviewer(FakeReviewer::default()), &input, &o).unwrap();
    let queued = summary.verdicts.review + summary.verdicts.reject;
    let profile = tmp.path().join("profile");

    // The index: loads, shows the counts, every queue link points to a page.
    let index_url = format!("file://{}", out.join("index.html").display());
    let dom = chromium(&bin, &profile, &["--dump-dom".into()], &index_url);
    assert!(dom.contains("批量预审"), "index did not load: {dom:.300}");
    assert!(dom.contains("id=\"queue\""));
    let links: Vec<String> = dom
        .split("href=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .filter(|h| h.starts_with("submissions/"))
        .collect();
    assert_eq!(links.len() as u64, queued, "{links:?}");
    for l in &links {
        let path = out.join(percent_decode(l));
        assert!(path.is_file(), "queue link {l} points nowhere");
    }

    // The fixture's page, with a probe appended that reports, after load, the
    // size of every image as the browser decoded it.
    let page = std::fs::read_to_string(out.join("submissions/SUB-2025-000123.html")).unwrap();
    let sources = page.matches("src=\"data:image/jpeg;base64,").count();
    assert_eq!(sources, 3, "crops in the page");
    let probe = page.replace(
        "</body>",
        "<script>window.addEventListener('load', async () => {\
           const imgs = [...document.images];\
           await Promise.all(imgs.map(i => i.decode().catch(() => null)));\
           const p = document.createElement('pre'); p.id = 'probe';\
           p.textContent = 'PRO' + 'BE: ' + imgs.map(i => i.naturalWidth + 'x' + i.naturalHeight).join(' ') + ' END';\
           document.body.appendChild(p); });</script></body>",
    );
    let probe_path = out.join("submissions/probe.html");
    std::fs::write(&probe_path, probe).unwrap();
    // On a loaded machine Chromium may dump the page before the load event
    // (seen when the whole workspace's tests ran at once): try again.
    let mut dom = String::new();
    for _ in 0..3 {
        dom = chromium(
            &bin,
            &profile,
            &["--dump-dom".into(), "--virtual-time-budget=10000".into()],
            &format!("file://{}", probe_path.display()),
        );
        if dom.contains("PROBE: ") {
            break;
        }
    }
    let line = dom
        .split("PROBE: ")
        .nth(1)
        .and_then(|s| s.split(" END").next())
        .unwrap_or_else(|| panic!("probe did not run: {dom:.500}"));
    let sizes: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(sizes.len(), 3, "{line}");
    for s in sizes {
        let (w, h) = s.split_once('x').unwrap();
        let (w, h): (u32, u32) = (w.parse().unwrap(), h.parse().unwrap());
        assert!(w > 20 && h > 20, "a crop did not decode: {s}");
    }
    assert!(dom.contains("退回补正"));
    std::fs::remove_file(&probe_path).unwrap();

    // Screenshots of both pages.
    let shots = [
        (
            "batch-submission.png",
            out.join("submissions/SUB-2025-000123.html"),
            "1100,1900",
        ),
        ("batch-index.png", out.join("index.html"), "1100,1000"),
    ];
    for (name, page, size) in shots {
        let png = tmp.path().join(name);
        chromium(
            &bin,
            &profile,
            &[
                format!("--screenshot={}", png.display()),
                format!("--window-size={size}"),
            ],
            &format!("file://{}", page.display()),
        );
        assert_not_blank(&png);
        if std::env::var_os("PREREVIEW_UPDATE_SCREENSHOTS").is_some() {
            let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
            std::fs::copy(&png, docs.join(name)).unwrap();
        }
    }
}
