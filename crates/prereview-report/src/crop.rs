//! Crops of the scanned pages around a field's box, for the HTML report.

use base64::Engine;
use image::{imageops, DynamicImage, GenericImageView, ImageFormat, ImageReader, Rgb, RgbImage};
use imageproc::drawing::{draw_filled_rect_mut, draw_hollow_rect_mut};
use imageproc::rect::Rect;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Resolution at which PDF pages are rasterised for crops (`pdftoppm -r`). Boxes
/// on PDF pages (measured at `RenderOptions::pdf_box_dpi`) are scaled to it.
pub const PDF_RENDER_DPI: u32 = 150;

/// Largest crop shown, in pixels; larger crops are downscaled.
const MAX_CROP_W: u32 = 560;
const MAX_CROP_H: u32 = 300;
/// A PDF page that takes longer than this to rasterise is given up.
const PDF_TIMEOUT: Duration = Duration::from_secs(60);

/// A page as decoded (and whether it came from a PDF), or why it cannot be shown.
type LoadedPage = Result<(Rc<DynamicImage>, bool), String>;

/// Work done while drawing the crops of one or more pages: what a batch reports
/// to show that a cached re-run decoded nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderStats {
    /// Pages decoded to draw crops (image files and PDF pages).
    pub scans_decoded: u64,
    /// Of those, PDF pages rasterised with `pdftoppm`.
    pub pdf_pages_rendered: u64,
    /// Crops drawn from a decoded page.
    pub crops_drawn: u64,
    /// Crops taken from the crop cache ([`crate::RenderOptions::crop_cache`]).
    pub crops_from_cache: u64,
}

impl RenderStats {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &RenderStats) {
        self.scans_decoded += other.scans_decoded;
        self.pdf_pages_rendered += other.pdf_pages_rendered;
        self.crops_drawn += other.crops_drawn;
        self.crops_from_cache += other.crops_from_cache;
    }
}

/// Loads each page of a submission once while one report is rendered, and keeps
/// the crops drawn in a cache folder when there is one.
pub(crate) struct Scans<'a> {
    dir: &'a Path,
    /// Each page as decoded, and whether it came from a PDF.
    pages: HashMap<(String, u32), LoadedPage>,
    pdf_box_dpi: u32,
    /// The crop cache folder.
    cache: Option<&'a Path>,
    /// SHA-256 (hex) of each attachment's bytes, None when it cannot be read.
    hashes: HashMap<String, Option<String>>,
    pub(crate) stats: RenderStats,
}

/// Bump when the way crops are drawn changes: entries of older drawings are then
/// not used.
const CROP_CACHE_VERSION: &str = "prereview-crop-v1";

impl<'a> Scans<'a> {
    pub(crate) fn new(dir: &'a Path, pdf_box_dpi: u32, cache: Option<&'a Path>) -> Self {
        Scans {
            dir,
            pages: HashMap::new(),
            pdf_box_dpi: pdf_box_dpi.max(1),
            cache,
            hashes: HashMap::new(),
            stats: RenderStats::default(),
        }
    }

    /// The content hash of an attachment, computed once per file.
    fn content_hash(&mut self, file: &str) -> Option<String> {
        let dir = self.dir;
        self.hashes
            .entry(file.to_string())
            .or_insert_with(|| {
                use sha2::{Digest, Sha256};
                let bytes = std::fs::read(resolve(dir, file).ok()?).ok()?;
                Some(hex(&Sha256::digest(&bytes)))
            })
            .clone()
    }

    /// Where the crop of `bbox` on `page` of `file` is cached: keyed by the file's
    /// content and everything that shapes the crop, never by its name.
    fn cache_path(
        &mut self,
        file: &str,
        page: u32,
        bbox: [u32; 4],
        redact: Option<(f32, f32)>,
    ) -> Option<PathBuf> {
        let dir = self.cache?;
        let content = self.content_hash(file)?;
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(CROP_CACHE_VERSION.as_bytes());
        h.update(content.as_bytes());
        h.update(page.to_le_bytes());
        for v in bbox {
            h.update(v.to_le_bytes());
        }
        match redact {
            Some((a, b)) => {
                h.update([1]);
                h.update(a.to_bits().to_le_bytes());
                h.update(b.to_bits().to_le_bytes());
            }
            None => h.update([0]),
        }
        h.update(self.pdf_box_dpi.to_le_bytes());
        h.update(PDF_RENDER_DPI.to_le_bytes());
        let key = hex(&h.finalize());
        Some(dir.join(&key[..2]).join(key))
    }

    /// A JPEG data URI of the page around `bbox`, with the box drawn; Err says
    /// why no crop can be shown.
    pub(crate) fn crop_data_uri(
        &mut self,
        file: &str,
        page: u32,
        bbox: [u32; 4],
        redact: Option<(f32, f32)>,
    ) -> Result<String, String> {
        let cached = self.cache_path(file, page, bbox, redact);
        if let Some(base) = &cached {
            // A crop drawn before, or the reason the box could not be cut from the page.
            if let Ok(bytes) = std::fs::read(base.with_extension("jpg")) {
                self.stats.crops_from_cache += 1;
                return Ok(data_uri(&bytes));
            }
            if let Ok(why) = std::fs::read_to_string(base.with_extension("err")) {
                self.stats.crops_from_cache += 1;
                return Err(why);
            }
        }
        let (img, pdf) = self.page(file, page)?;
        let bbox = if pdf && self.pdf_box_dpi != PDF_RENDER_DPI {
            let f = f64::from(PDF_RENDER_DPI) / f64::from(self.pdf_box_dpi);
            bbox.map(|v| (f64::from(v) * f).round() as u32)
        } else {
            bbox
        };
        let crop = match crop_with_box(&img, bbox, redact) {
            Ok(crop) => crop,
            Err(why) => {
                // Decided by the page's content: remembered like a crop.
                if let Some(base) = &cached {
                    store(&base.with_extension("err"), why.as_bytes());
                }
                return Err(why);
            }
        };
        let mut bytes = Vec::new();
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85);
        DynamicImage::ImageRgb8(crop)
            .write_with_encoder(encoder)
            .map_err(|e| format!("the crop could not be encoded: {e}"))?;
        self.stats.crops_drawn += 1;
        if let Some(base) = &cached {
            store(&base.with_extension("jpg"), &bytes);
        }
        Ok(data_uri(&bytes))
    }

    /// Page `page` of `file`, decoded once per report.
    fn page(&mut self, file: &str, page: u32) -> Result<(Rc<DynamicImage>, bool), String> {
        let key = (file.to_string(), page);
        if !self.pages.contains_key(&key) {
            let loaded = load_page(self.dir, file, page).map(|(img, pdf)| (Rc::new(img), pdf));
            if let Ok((_, pdf)) = &loaded {
                self.stats.scans_decoded += 1;
                self.stats.pdf_pages_rendered += u64::from(*pdf);
            }
            self.pages.insert(key.clone(), loaded);
        }
        self.pages[&key].clone()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn data_uri(jpeg: &[u8]) -> String {
    format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(jpeg)
    )
}

/// Writes a cache entry through a temporary file and a rename, so that a killed
/// run or two workers drawing the same crop never leave a half entry. A cache that
/// cannot be written only costs time: the crop is still shown.
fn store(path: &Path, bytes: &[u8]) {
    let Some(parent) = path.parent() else { return };
    let Some(name) = path.file_name() else { return };
    let tmp = parent.join(format!(
        ".{}.{}.{:?}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        std::thread::current().id()
    ));
    let written = std::fs::create_dir_all(parent)
        .and_then(|_| std::fs::write(&tmp, bytes))
        .and_then(|_| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// The page around `bbox` (`[x, y, w, h]` in page pixels) with a margin, the box
/// drawn in red, downscaled to at most `MAX_CROP_W`×`MAX_CROP_H`.
///
/// `redact` = `(from, to)` fractions of the box's width to paint over, so that a
/// masked personal number is masked in the picture too.
pub(crate) fn crop_with_box(
    img: &DynamicImage,
    bbox: [u32; 4],
    redact: Option<(f32, f32)>,
) -> Result<RgbImage, String> {
    let (iw, ih) = img.dimensions();
    let [x, y, w, h] = bbox;
    if w == 0 || h == 0 || x >= iw || y >= ih {
        return Err(format!(
            "the box [{x}, {y}, {w}, {h}] lies outside the page ({iw}×{ih} pixels)"
        ));
    }
    // Enough context to see the label before the value and the lines around it.
    let mx = (w / 4).max(h * 2).clamp(24, 240);
    let my = (h * 3 / 2).clamp(24, 160);
    let x0 = x.saturating_sub(mx);
    let y0 = y.saturating_sub(my);
    let x1 = x.saturating_add(w).saturating_add(mx).min(iw);
    let y1 = y.saturating_add(h).saturating_add(my).min(ih);
    // Only the crop is converted to RGB: converting a whole page costs more than
    // decoding it.
    let mut crop = img.crop_imm(x0, y0, x1 - x0, y1 - y0).to_rgb8();
    if let Some((from, to)) = redact {
        let from = from.clamp(0.0, 1.0);
        let to = to.clamp(from, 1.0);
        let rx = (x - x0) as f32 + w as f32 * from;
        let rw = (w as f32 * (to - from)).ceil().max(1.0) as u32;
        // A little above and below the box: glyphs may overhang it.
        let pad = h / 6;
        let ry = (y - y0).saturating_sub(pad) as i32;
        let rh = h + 2 * pad;
        draw_filled_rect_mut(
            &mut crop,
            Rect::at(rx.floor() as i32, ry).of_size(rw, rh),
            Rgb([128, 128, 128]),
        );
    }
    let scale = (MAX_CROP_W as f64 / crop.width() as f64)
        .min(MAX_CROP_H as f64 / crop.height() as f64)
        .min(1.0);
    if scale < 1.0 {
        let nw = ((crop.width() as f64 * scale).round() as u32).max(1);
        let nh = ((crop.height() as f64 * scale).round() as u32).max(1);
        crop = imageops::resize(&crop, nw, nh, imageops::FilterType::Triangle);
    }
    // The box in crop coordinates, clipped to the crop, drawn 2 px thick.
    let bx = ((x - x0) as f64 * scale).round() as i32;
    let by = ((y - y0) as f64 * scale).round() as i32;
    let bw = ((w.min(x1 - x) as f64 * scale).round() as u32).max(1);
    let bh = ((h.min(y1 - y) as f64 * scale).round() as u32).max(1);
    let red = Rgb([220u8, 20, 20]);
    for t in 0..2i32 {
        let rw = bw + 2 * t as u32;
        let rh = bh + 2 * t as u32;
        draw_hollow_rect_mut(&mut crop, Rect::at(bx - t, by - t).of_size(rw, rh), red);
    }
    Ok(crop)
}

/// Resolves an attachment name inside the submission folder, refusing names
/// that leave it.
fn resolve(dir: &Path, file: &str) -> Result<PathBuf, String> {
    let rel = Path::new(file);
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(format!(
            "the file name “{file}” leaves the submission folder"
        ));
    }
    let path = dir.join(rel);
    // Messages name the attachment, not where the server keeps it.
    let canon = path.canonicalize().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("{file}: the file does not exist"),
        _ => format!("{file}: {e}"),
    })?;
    let root = dir
        .canonicalize()
        .map_err(|e| format!("the submission folder cannot be opened: {e}"))?;
    if !canon.starts_with(&root) {
        return Err(format!(
            "the file “{file}” links outside the submission folder"
        ));
    }
    Ok(canon)
}

fn is_pdf(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 5];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .map(|_| &magic == b"%PDF-")
        .unwrap_or(false)
}

/// Loads page `page` (1-based) of an attachment; `true` when it is a PDF page
/// rendered at [`PDF_RENDER_DPI`].
pub(crate) fn load_page(dir: &Path, file: &str, page: u32) -> Result<(DynamicImage, bool), String> {
    let path = resolve(dir, file)?;
    if is_pdf(&path) {
        return load_pdf_page(&path, page).map(|img| (img, true));
    }
    let bytes = std::fs::read(&path).map_err(|e| format!("{file}: {e}"))?;
    if page > 1 && !prereview_pages::is_multi_page_tiff(&bytes) {
        return Err(format!("{file}: the image has one page, not {page}"));
    }
    // Page n of a multi-page TIFF as a file whose first page it is.
    let bytes =
        prereview_pages::page_bytes(&bytes, page as usize).map_err(|e| format!("{file}: {e}"))?;
    let reader = ImageReader::new(std::io::Cursor::new(bytes.as_ref()))
        .with_guessed_format()
        .map_err(|e| format!("{file}: {e}"))?;
    let img = reader
        .decode()
        .map_err(|e| format!("{file}: the image could not be read: {e}"))?;
    Ok((img, false))
}

fn load_pdf_page(path: &Path, page: u32) -> Result<DynamicImage, String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if page == 0 {
        return Err(format!(
            "{name}: page 0 does not exist (pages count from 1)"
        ));
    }
    let tmp = tempfile::tempdir().map_err(|e| format!("temporary folder: {e}"))?;
    let prefix = tmp.path().join("page");
    let mut child = Command::new("pdftoppm")
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        // PPM, not PNG: no compression to do and undo (measured: pdftoppm's zlib
        // was a fifth of the time spent drawing crops).
        .args(["-r", &PDF_RENDER_DPI.to_string()])
        .arg(path)
        .arg(&prefix)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("{name}: pdftoppm (poppler-utils) could not be started to show the page: {e}")
        })?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > PDF_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{name}: page {page} took longer than {}s to render",
                    PDF_TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("{name}: pdftoppm: {e}")),
        }
    };
    if !status.success() {
        let mut err = String::new();
        if let Some(mut s) = child.stderr.take() {
            use std::io::Read;
            let _ = s.read_to_string(&mut err);
        }
        return Err(format!(
            "{name}: page {page} could not be rendered: {}",
            err.trim()
        ));
    }
    let out = std::fs::read_dir(tmp.path())
        .map_err(|e| format!("temporary folder: {e}"))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "ppm"))
        .ok_or_else(|| format!("{name}: page {page} does not exist"))?;
    let bytes = std::fs::read(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    image::load_from_memory_with_format(&bytes, ImageFormat::Pnm)
        .map_err(|e| format!("{name}: the rendered page could not be read: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_pixel(1200, 800, Rgb([255, 255, 255])))
    }

    #[test]
    fn crop_is_bounded_and_has_the_box() {
        let c = crop_with_box(&page(), [400, 300, 200, 50], None).unwrap();
        assert!(c.width() <= MAX_CROP_W && c.height() <= MAX_CROP_H);
        // margins 100 and 75: the box starts at (100,75) in the crop (scale 1).
        assert_eq!(c.dimensions(), (400, 200));
        assert_eq!(c.get_pixel(100, 75), &Rgb([220, 20, 20]));
        assert_eq!(c.get_pixel(25, 40), &Rgb([255, 255, 255]));
    }

    #[test]
    fn redaction_paints_over_the_middle_of_the_box() {
        let c = crop_with_box(
            &page(),
            [400, 300, 180, 50],
            Some((6.0 / 18.0, 14.0 / 18.0)),
        )
        .unwrap();
        // box at (100,75) in the crop; redacted from x=100+60 to 100+140
        assert_eq!(c.get_pixel(100 + 100, 100), &Rgb([128, 128, 128]));
        assert_eq!(c.get_pixel(100 + 30, 100), &Rgb([255, 255, 255]));
        assert_eq!(c.get_pixel(100 + 160, 100), &Rgb([255, 255, 255]));
    }

    #[test]
    fn crop_at_the_edge_and_outside() {
        let c = crop_with_box(&page(), [1150, 780, 200, 50], None).unwrap();
        assert!(c.width() > 0 && c.height() > 0);
        assert!(crop_with_box(&page(), [1300, 10, 20, 20], None).is_err());
        assert!(crop_with_box(&page(), [10, 10, 0, 20], None).is_err());
    }

    #[test]
    fn later_pages_of_a_multi_page_tiff_are_shown() {
        use tiff::encoder::{colortype, TiffEncoder};
        let dir = tempfile::tempdir().unwrap();
        let mut f = std::fs::File::create(dir.path().join("scan.tif")).unwrap();
        let mut tif = TiffEncoder::new(&mut f).unwrap();
        for (w, v) in [(30u32, 10u8), (40, 200)] {
            tif.write_image::<colortype::Gray8>(w, 20, &vec![v; (w * 20) as usize])
                .unwrap();
        }
        drop(f);
        let (p2, pdf) = load_page(dir.path(), "scan.tif", 2).unwrap();
        assert!(!pdf);
        assert_eq!(p2.dimensions(), (40, 20));
        assert_eq!(p2.to_luma8().get_pixel(5, 5).0, [200]);
        assert_eq!(
            load_page(dir.path(), "scan.tif", 1).unwrap().0.dimensions(),
            (30, 20)
        );
        let e = load_page(dir.path(), "scan.tif", 3).unwrap_err();
        assert!(e.contains("2 page(s), not 3"), "{e}");
        page().save(dir.path().join("one.png")).unwrap();
        let e = load_page(dir.path(), "one.png", 2).unwrap_err();
        assert!(e.contains("one page, not 2"), "{e}");
    }

    #[test]
    fn refuses_paths_leaving_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load_page(dir.path(), "../x.png", 1)
            .unwrap_err()
            .contains("leaves"));
        assert!(load_page(dir.path(), "/etc/passwd", 1)
            .unwrap_err()
            .contains("leaves"));
        assert!(load_page(dir.path(), "missing.png", 1).is_err());
    }
}
