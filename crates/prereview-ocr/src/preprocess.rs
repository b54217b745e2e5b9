//! Page images → the grey image Tesseract reads: decode within limits, EXIF
//! orientation, grey, scale to a good text height, deskew, binarise.
//!
//! Each step is switchable in [`Preprocess`] so its effect can be measured
//! (`benches/ocr_accuracy.rs --variants`); the defaults are what paid off.

use crate::words::PageTransform;
use image::{DynamicImage, GrayImage, ImageDecoder, ImageReader, Limits, Luma};
use serde::{Deserialize, Serialize};
use std::io::Cursor;

/// Preprocessing switches. Part of the OCR cache key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocess {
    /// Scale the page so that a text line is about this many pixels high
    /// (`None`: leave the size alone).
    pub target_line_px: Option<u32>,
    /// Never scale by more than this (a blank page has no lines to measure).
    pub max_upscale: f32,
    /// Straighten pages rotated by up to ±`max_skew_degrees`.
    pub deskew: bool,
    pub max_skew_degrees: f32,
    /// Sauvola adaptive binarisation before OCR (`None`: give Tesseract grey
    /// and let it threshold).
    pub sauvola_k: Option<f32>,
}

impl Default for Preprocess {
    fn default() -> Self {
        Preprocess {
            target_line_px: Some(40),
            max_upscale: 3.0,
            deskew: true,
            max_skew_degrees: 6.0,
            sauvola_k: None,
        }
    }
}

/// Decoding limits (decompression bombs, huge uploads).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ImageLimits {
    /// Largest file accepted, bytes.
    pub max_file_bytes: u64,
    /// Largest page accepted, width × height pixels (checked from the header,
    /// before any pixel is decoded).
    pub max_pixels: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        ImageLimits {
            max_file_bytes: 50 * 1024 * 1024,
            // A4 at 600 dpi is 35 Mpx; a phone photo 12–50 Mpx.
            max_pixels: 60_000_000,
        }
    }
}

/// Why a page image could not be prepared (messages are user-facing, bilingual).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error(
        "文件过大：{bytes} 字节，上限 {limit} 字节 (file too large: {bytes} bytes, limit {limit})"
    )]
    FileTooLarge { bytes: u64, limit: u64 },
    #[error("图像过大：{width}×{height} 像素，上限 {limit} 像素 (image too large: {width}×{height} pixels, limit {limit})")]
    TooManyPixels { width: u32, height: u32, limit: u64 },
    #[error("无法识别的图像格式 (not a PNG, JPEG or TIFF image)")]
    UnknownFormat,
    #[error("图像文件损坏或无法解码 (corrupt or undecodable image: {0})")]
    Corrupt(String),
    #[error("图像为空 (empty image)")]
    Empty,
}

/// A decoded page: grey, upright as displayed.
pub struct DecodedPage {
    pub image: GrayImage,
}

/// Decodes an encoded image (PNG, JPEG, TIFF) within `limits`, applies its
/// EXIF orientation and converts to grey.
pub fn decode(bytes: &[u8], limits: &ImageLimits) -> Result<DecodedPage, PageError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(PageError::FileTooLarge {
            bytes: bytes.len() as u64,
            limit: limits.max_file_bytes,
        });
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PageError::Corrupt(e.to_string()))?;
    if reader.format().is_none() {
        return Err(PageError::UnknownFormat);
    }
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| PageError::Corrupt(e.to_string()))?;
    // The header is read; no pixel yet. Refuse bombs here.
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(PageError::Empty);
    }
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err(PageError::TooManyPixels {
            width: w,
            height: h,
            limit: limits.max_pixels,
        });
    }
    let mut lim = Limits::default();
    // RGBA16 worst case plus slack; keeps a lying header from allocating more.
    lim.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(1 << 20));
    decoder
        .set_limits(lim)
        .map_err(|e| PageError::Corrupt(e.to_string()))?;
    let orientation = decoder.orientation().ok();
    let mut img =
        DynamicImage::from_decoder(decoder).map_err(|e| PageError::Corrupt(e.to_string()))?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    Ok(DecodedPage {
        image: img.into_luma8(),
    })
}

/// Runs the enabled steps; returns the image to OCR and how it relates to the page.
pub fn prepare(page: &GrayImage, p: &Preprocess) -> (GrayImage, PageTransform) {
    let (w, h) = page.dimensions();
    let mut scale = 1.0f32;
    if let Some(target) = p.target_line_px {
        if let Some(line) = estimate_line_height(page) {
            let s = target as f32 / line;
            // Only scale when clearly off: the estimate is rough (photos and
            // frames merge with lines), and small changes cost time for nothing.
            if !(0.4..=1.7).contains(&s) {
                scale = s.clamp(0.25, p.max_upscale.max(1.0));
            }
        }
    }
    let mut img = if (scale - 1.0).abs() > f32::EPSILON {
        let nw = ((w as f32 * scale).round() as u32).max(1);
        let nh = ((h as f32 * scale).round() as u32).max(1);
        let filter = if scale > 1.0 {
            image::imageops::FilterType::CatmullRom
        } else {
            image::imageops::FilterType::Triangle
        };
        image::imageops::resize(page, nw, nh, filter)
    } else {
        page.clone()
    };
    let mut deskew = 0.0f32;
    if p.deskew {
        let a = estimate_skew(&img, p.max_skew_degrees);
        if a.abs() >= 0.3 {
            img = rotate(&img, a);
            deskew = a;
        }
    }
    if let Some(k) = p.sauvola_k {
        let line = estimate_line_height(&img).unwrap_or(30.0);
        let radius = ((line * 1.5) as u32).clamp(8, 60);
        img = sauvola(&img, radius, k);
    }
    let processed = [img.width(), img.height()];
    (
        img,
        PageTransform {
            scale,
            deskew_degrees: deskew,
            processed,
        },
    )
}

/// Otsu's global threshold of a grey image.
fn otsu(img: &GrayImage) -> u8 {
    let mut hist = [0u64; 256];
    for p in img.pixels() {
        hist[p.0[0] as usize] += 1;
    }
    let total: u64 = hist.iter().sum();
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * c as f64)
        .sum();
    let (mut wb, mut sb, mut best, mut best_t) = (0u64, 0f64, -1f64, 127u8);
    for (t, &c) in hist.iter().enumerate() {
        wb += c;
        if wb == 0 {
            continue;
        }
        let wf = total - wb;
        if wf == 0 {
            break;
        }
        sb += t as f64 * c as f64;
        let mb = sb / wb as f64;
        let mf = (sum_all - sb) / wf as f64;
        let between = wb as f64 * wf as f64 * (mb - mf) * (mb - mf);
        if between > best {
            best = between;
            best_t = t as u8;
        }
    }
    best_t
}

/// A small binary (ink = true) copy of the page, at most `max_side` pixels on
/// its long side, with the factor used.
fn small_ink(img: &GrayImage, max_side: u32) -> (Vec<bool>, u32, u32, f32) {
    let (w, h) = img.dimensions();
    let f = (max_side as f32 / w.max(h) as f32).min(1.0);
    let small;
    let src = if f < 1.0 {
        small = image::imageops::resize(
            img,
            ((w as f32 * f) as u32).max(1),
            ((h as f32 * f) as u32).max(1),
            image::imageops::FilterType::Triangle,
        );
        &small
    } else {
        img
    };
    let t = otsu(src);
    let ink = src.pixels().map(|p| p.0[0] <= t).collect();
    (ink, src.width(), src.height(), f)
}

/// Horizontal bands of content `(y0, y1)` (pixels of `img`) separated by at
/// least `min_gap` blank rows, each padded by up to `min_gap / 2`. Tesseract's
/// page layout analysis sometimes drops a whole block (an ID card with a
/// photo on a page with a second card); read alone, the band is found.
pub fn content_bands(img: &GrayImage, min_gap: u32) -> Vec<(u32, u32)> {
    let (ink, w, h, f) = local_ink(img, 1600);
    if w == 0 || h == 0 {
        return Vec::new();
    }
    // A row with a few specks of noise is still blank.
    let blank_max = (w / 400).max(1);
    let gap = ((min_gap as f32 * f).round() as u32).max(2);
    let mut bands: Vec<(u32, u32)> = Vec::new();
    let mut start: Option<u32> = None;
    let mut last_ink = 0u32;
    for y in 0..h {
        let row = &ink[(y * w) as usize..((y + 1) * w) as usize];
        let n = row.iter().filter(|&&b| b).count() as u32;
        if n > blank_max {
            match start {
                Some(_) if y - last_ink > gap => {
                    bands.push((start.unwrap_or(0), last_ink + 1));
                    start = Some(y);
                }
                None => start = Some(y),
                _ => {}
            }
            last_ink = y;
        }
    }
    if let Some(s) = start {
        bands.push((s, last_ink + 1));
    }
    let back = |v: u32| ((v as f32 / f).round() as u32).min(img.height());
    let pad = min_gap / 2;
    bands
        .into_iter()
        .map(|(a, b)| {
            (
                back(a).saturating_sub(pad),
                (back(b) + pad).min(img.height()),
            )
        })
        .filter(|(a, b)| b > a)
        .collect()
}

/// Like [`small_ink`], but ink is what is clearly darker than its
/// surroundings (a box mean), so that shading and grey card backgrounds on
/// photographed pages are not ink.
fn local_ink(img: &GrayImage, max_side: u32) -> (Vec<bool>, u32, u32, f32) {
    let (w, h) = img.dimensions();
    let f = (max_side as f32 / w.max(h).max(1) as f32).min(1.0);
    let small;
    let src = if f < 1.0 {
        small = image::imageops::resize(
            img,
            ((w as f32 * f) as u32).max(1),
            ((h as f32 * f) as u32).max(1),
            image::imageops::FilterType::Triangle,
        );
        &small
    } else {
        img
    };
    let (w, h) = (src.width() as usize, src.height() as usize);
    // Integral image for box means.
    let mut sum = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += src.get_pixel(x as u32, y as u32).0[0] as u64;
            sum[(y + 1) * (w + 1) + x + 1] = sum[y * (w + 1) + x + 1] + row;
        }
    }
    let r = 15usize;
    let mut ink = vec![false; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let total = sum[y1 * (w + 1) + x1] + sum[y0 * (w + 1) + x0]
                - sum[y0 * (w + 1) + x1]
                - sum[y1 * (w + 1) + x0];
            let mean = total as f32 / ((y1 - y0) * (x1 - x0)) as f32;
            ink[y * w + x] = (src.get_pixel(x as u32, y as u32).0[0] as f32) + 30.0 < mean;
        }
    }
    (ink, w as u32, h as u32, f)
}

/// Median height (pixels of `img`) of the text lines, from the horizontal
/// projection profile: runs of rows containing ink. `None` for a blank page.
pub fn estimate_line_height(img: &GrayImage) -> Option<f32> {
    let (ink, w, h, f) = small_ink(img, 1600);
    let mut rows = vec![0u32; h as usize];
    for y in 0..h as usize {
        rows[y] = ink[y * w as usize..(y + 1) * w as usize]
            .iter()
            .filter(|&&b| b)
            .count() as u32;
    }
    // A row belongs to a text line when it has a few ink pixels; ignore rules
    // and frame lines (runs of 1–2 rows) and page-high blobs (photos).
    let min_ink = (w / 200).max(2);
    let mut runs = Vec::new();
    let mut start = None;
    for (y, &r) in rows.iter().enumerate() {
        match (r >= min_ink, start) {
            (true, None) => start = Some(y),
            (false, Some(s)) => {
                runs.push((y - s) as u32);
                start = None;
            }
            _ => {}
        }
    }
    let mut runs: Vec<u32> = runs.into_iter().filter(|&r| r >= 3 && r < h / 4).collect();
    if runs.len() < 2 {
        return None;
    }
    runs.sort_unstable();
    Some(runs[runs.len() / 2] as f32 / f)
}

/// The rotation (degrees, counter-clockwise positive in image coordinates as
/// [`rotate`] uses them) that makes text lines horizontal: the angle whose
/// sheared row profile is sharpest (largest sum of squares).
pub fn estimate_skew(img: &GrayImage, max_deg: f32) -> f32 {
    let (ink, w, h, _) = small_ink(img, 1000);
    let pts: Vec<(f32, f32)> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| ink[(y * w + x) as usize])
        .map(|(x, y)| (x as f32 - w as f32 / 2.0, y as f32 - h as f32 / 2.0))
        .collect();
    if pts.len() < 50 {
        return 0.0;
    }
    let n_rows = (w + h) as usize * 2;
    let score = |deg: f32| -> f64 {
        // Row of a point after rotating the page by `deg`.
        let (s, c) = deg.to_radians().sin_cos();
        let mut bins = vec![0u32; n_rows];
        for &(x, y) in &pts {
            let r = x * s + y * c + n_rows as f32 / 2.0;
            if r >= 0.0 && (r as usize) < n_rows {
                bins[r as usize] += 1;
            }
        }
        bins.iter().map(|&b| (b as f64) * (b as f64)).sum()
    };
    let mut best = (0.0f32, score(0.0));
    let mut step = 0.5f32;
    let mut lo = -max_deg;
    let mut hi = max_deg;
    while step >= 0.1 {
        let mut a = lo;
        while a <= hi + 1e-4 {
            let sc = score(a);
            if sc > best.1 {
                best = (a, sc);
            }
            a += step;
        }
        lo = best.0 - step;
        hi = best.0 + step;
        step /= 4.0;
    }
    best.0
}

/// Rotates by `deg` about the centre, same canvas, white fill, bilinear.
/// A source point `q` lands at `c + R(deg)(q − c)`.
pub fn rotate(img: &GrayImage, deg: f32) -> GrayImage {
    let (w, h) = img.dimensions();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    // Output pixel p samples source c + R(−deg)(p − c).
    let (s, c) = (-deg).to_radians().sin_cos();
    let mut out = GrayImage::from_pixel(w, h, Luma([255]));
    for oy in 0..h {
        for ox in 0..w {
            let (dx, dy) = (ox as f32 + 0.5 - cx, oy as f32 + 0.5 - cy);
            let sx = cx + dx * c - dy * s - 0.5;
            let sy = cy + dx * s + dy * c - 0.5;
            if sx < 0.0 || sy < 0.0 || sx > (w - 1) as f32 || sy > (h - 1) as f32 {
                continue;
            }
            let (x0, y0) = (sx as u32, sy as u32);
            let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
            let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
            let p = |x, y| img.get_pixel(x, y).0[0] as f32;
            let v = p(x0, y0) * (1.0 - fx) * (1.0 - fy)
                + p(x1, y0) * fx * (1.0 - fy)
                + p(x0, y1) * (1.0 - fx) * fy
                + p(x1, y1) * fx * fy;
            out.put_pixel(ox, oy, Luma([v.round() as u8]));
        }
    }
    out
}

/// Sauvola's adaptive threshold: t = m · (1 + k · (σ / 128 − 1)) over a
/// (2r+1)² window, from integral images (O(1) per pixel).
pub fn sauvola(img: &GrayImage, radius: u32, k: f32) -> GrayImage {
    let (w, h) = img.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    let stride = wu + 1;
    let mut sum = vec![0u64; stride * (hu + 1)];
    let mut sq = vec![0u64; stride * (hu + 1)];
    for y in 0..hu {
        let (mut rs, mut rq) = (0u64, 0u64);
        for x in 0..wu {
            let v = img.get_pixel(x as u32, y as u32).0[0] as u64;
            rs += v;
            rq += v * v;
            sum[(y + 1) * stride + x + 1] = sum[y * stride + x + 1] + rs;
            sq[(y + 1) * stride + x + 1] = sq[y * stride + x + 1] + rq;
        }
    }
    let r = radius as usize;
    let mut out = GrayImage::new(w, h);
    for y in 0..hu {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(hu));
        for x in 0..wu {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(wu));
            let n = ((y1 - y0) * (x1 - x0)) as f64;
            let area = |t: &[u64]| {
                (t[y1 * stride + x1] + t[y0 * stride + x0]) as f64
                    - (t[y0 * stride + x1] + t[y1 * stride + x0]) as f64
            };
            let m = area(&sum) / n;
            let var = (area(&sq) / n - m * m).max(0.0);
            let t = m * (1.0 + k as f64 * (var.sqrt() / 128.0 - 1.0));
            let v = img.get_pixel(x as u32, y as u32).0[0] as f64;
            out.put_pixel(x as u32, y as u32, Luma([if v <= t { 0 } else { 255 }]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_image(angle: f32) -> GrayImage {
        let mut img = GrayImage::from_pixel(800, 600, Luma([255]));
        for l in 0..8u32 {
            let y = 60 + l * 60;
            for x in (100..700).step_by(3) {
                for dy in 0..24 {
                    if (x / 24) % 2 == 0 || dy % 5 == 0 {
                        img.put_pixel(x, y + dy, Luma([0]));
                    }
                }
            }
        }
        if angle != 0.0 {
            rotate(&img, angle)
        } else {
            img
        }
    }

    #[test]
    fn bands_split_at_wide_blank_gaps() {
        let mut img = GrayImage::from_pixel(400, 600, Luma([250]));
        for (y0, y1) in [(50u32, 70u32), (90, 110), (400, 420)] {
            for y in y0..y1 {
                for x in 40..360 {
                    img.put_pixel(x, y, Luma([20]));
                }
            }
        }
        let b = content_bands(&img, 100);
        assert_eq!(b.len(), 2, "{b:?}");
        assert!(b[0].0 <= 50 && b[0].1 >= 110 && b[0].1 < 400, "{b:?}");
        assert!(b[1].0 <= 400 && b[1].1 >= 420, "{b:?}");
        assert!(content_bands(&GrayImage::from_pixel(50, 50, Luma([255])), 10).is_empty());
    }

    #[test]
    fn line_height_is_measured() {
        let h = estimate_line_height(&lines_image(0.0)).unwrap();
        assert!((20.0..=30.0).contains(&h), "{h}");
        assert!(estimate_line_height(&GrayImage::from_pixel(100, 100, Luma([255]))).is_none());
    }

    #[test]
    fn skew_is_found_and_undone() {
        for a in [-3.0f32, 2.0] {
            let skewed = lines_image(a);
            let est = estimate_skew(&skewed, 6.0);
            assert!((est + a).abs() < 0.35, "rotated {a}, estimated {est}");
        }
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }

    #[test]
    fn bombs_are_refused_before_decoding() {
        // A valid PNG header claiming 100000×100000 pixels.
        let img = GrayImage::from_pixel(4, 4, Luma([255]));
        let mut png = Vec::new();
        DynamicImage::ImageLuma8(img)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        // Fix the IHDR chunk's CRC (over type + data, bytes 12..29).
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        let e = decode(&png, &ImageLimits::default()).err().unwrap();
        assert!(matches!(e, PageError::TooManyPixels { .. }), "{e}");
        assert!(e.to_string().contains("图像过大"));
        let e = decode(b"not an image", &ImageLimits::default())
            .err()
            .unwrap();
        assert!(matches!(e, PageError::UnknownFormat), "{e}");
        let lim = ImageLimits {
            max_file_bytes: 10,
            ..ImageLimits::default()
        };
        assert!(matches!(
            decode(&png, &lim),
            Err(PageError::FileTooLarge { .. })
        ));
    }
}
