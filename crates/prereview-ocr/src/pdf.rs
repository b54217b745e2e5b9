//! Scanned PDFs → one PNG per page, with poppler's `pdftoppm` (Debian
//! `poppler-utils`) run as a subprocess.
//!
//! Why a subprocess and not a crate: the pure-Rust PDF crates parse PDFs but do
//! not render them (a scan page may be JBIG2, CCITT, JPEG2000, or drawn with
//! vector fills); pdfium needs a binary library that Debian does not ship and
//! mupdf is AGPL. Poppler renders everything, and a subprocess isolates us from
//! its crashes and lets us enforce a time limit by killing it.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Why a PDF could not be rasterised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("无法读取 PDF：未安装 poppler-utils（pdftoppm） (cannot read PDF: pdftoppm from poppler-utils is not installed)")]
    NoPoppler,
    #[error("PDF 文件损坏或无法解析 (corrupt or unreadable PDF: {0})")]
    Corrupt(String),
    #[error("PDF 页数过多：{pages} 页，上限 {limit} 页 (PDF has {pages} pages, limit {limit})")]
    TooManyPages { pages: u32, limit: u32 },
    #[error("PDF 渲染超时（超过 {0} 秒） (PDF rendering took longer than {0} s)")]
    Timeout(u64),
}

/// Is this a PDF (by its first bytes)?
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.len() >= 5 && &bytes[..5] == b"%PDF-"
}

/// Runs a command with a deadline; returns (status ok, stdout, stderr).
fn run(cmd: &mut Command, timeout: Duration) -> Result<(bool, String, String), PdfError> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => PdfError::NoPoppler,
            _ => PdfError::Corrupt(e.to_string()),
        })?;
    // Drain pipes on threads so a chatty child cannot block on a full pipe.
    let mut so = child.stdout.take();
    let mut se = child.stderr.take();
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(o) = so.as_mut() {
            let _ = o.read_to_string(&mut s);
        }
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(o) = se.as_mut() {
            let _ = o.read_to_string(&mut s);
        }
        s
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(PdfError::Timeout(timeout.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(PdfError::Corrupt(e.to_string())),
        }
    };
    let out = t_out.join().unwrap_or_default();
    let err = t_err.join().unwrap_or_default();
    Ok((status.success(), out, err))
}

/// Page count and the largest page area in square inches, from `pdfinfo`.
fn info(path: &Path, timeout: Duration) -> Result<(u32, f64), PdfError> {
    let (ok, out, err) = run(
        Command::new("pdfinfo")
            .arg("-f")
            .arg("1")
            .arg("-l")
            .arg("100000")
            .arg(path),
        timeout,
    )?;
    if !ok {
        return Err(PdfError::Corrupt(
            err.lines().next().unwrap_or("").to_string(),
        ));
    }
    let mut pages = 0;
    let mut max_area = 0.0f64;
    for line in out.lines() {
        if let Some(v) = line.strip_prefix("Pages:") {
            pages = v.trim().parse().unwrap_or(0);
        }
        // "Page    1 size: 595.276 x 841.89 pts (A4)"
        if line.starts_with("Page ") && line.contains(" size:") {
            let nums: Vec<f64> = line
                .split(" size:")
                .nth(1)
                .unwrap_or("")
                .split_whitespace()
                .filter_map(|t| t.parse().ok())
                .collect();
            if nums.len() >= 2 {
                max_area = max_area.max(nums[0] / 72.0 * nums[1] / 72.0);
            }
        }
    }
    if pages == 0 {
        return Err(PdfError::Corrupt("no pages".into()));
    }
    Ok((pages, max_area))
}

/// Renders every page to grey PNG bytes at `dpi` (lowered for pages so large
/// that they would exceed `max_pixels`).
pub fn rasterize(
    path: &Path,
    dpi: u32,
    max_pages: u32,
    max_pixels: u64,
    timeout: Duration,
) -> Result<Vec<Vec<u8>>, PdfError> {
    let (pages, area) = info(path, timeout)?;
    if pages > max_pages {
        return Err(PdfError::TooManyPages {
            pages,
            limit: max_pages,
        });
    }
    let mut dpi = dpi as f64;
    if area > 0.0 && area * dpi * dpi > max_pixels as f64 {
        dpi = (max_pixels as f64 / area).sqrt().floor().max(36.0);
    }
    let dir = tempfile::tempdir().map_err(|e| PdfError::Corrupt(e.to_string()))?;
    let prefix = dir.path().join("p");
    let (ok, _, err) = run(
        Command::new("pdftoppm")
            .arg("-r")
            .arg(format!("{}", dpi as u32))
            .arg("-gray")
            .arg("-png")
            .arg(path)
            .arg(&prefix),
        timeout,
    )?;
    if !ok {
        return Err(PdfError::Corrupt(
            err.lines().next().unwrap_or("").to_string(),
        ));
    }
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .map_err(|e| PdfError::Corrupt(e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    // p-1.png … p-10.png: sort by the page number, not the text.
    files.sort_by_key(|p| {
        p.file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.rsplit('-').next())
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(u32::MAX)
    });
    files
        .iter()
        .map(|f| std::fs::read(f).map_err(|e| PdfError::Corrupt(e.to_string())))
        .collect()
}
