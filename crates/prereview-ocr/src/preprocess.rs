//! Page images → the grey image Tesseract reads: decode within limits, EXIF
//! orientation, grey, scale to a good text height, deskew, binarise.
//!
//! Each step is switchable in [`Preprocess`] so its effect can be measured
//! (`benches/ocr_accuracy.rs --variants`); the defaults are what paid off.

use crate::words::PageTransform;
use image::{DynamicImage, GrayImage, ImageDecoder, ImageReader, Limits};
use serde::{Deserialize, Serialize};
use std::io::Cursor;

/// Preprocessing switches. Part of the OCR cache key.
///
/// Why these steps: a prototype (share of field values found verbatim in
/// Tesseract's text, 25 generated documents per quality, psm 3) went from
/// 51 / 69 / 35 % (clean / mild / heavy, grey as scanned) to 83 / 82 / 56 %
/// with the pages scaled, binarised against the local mean and ruling lines
/// removed; with a fixed 15 px window instead of one sized by the characters,
/// clean scans *fell* to 31 % (thick strokes of large characters went white),
/// hence every size here is relative to the measured characters. Field
/// accuracy of the pipeline itself, per variant: `docs/ocr.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocess {
    /// Scale the page so that a Chinese character is about this many pixels
    /// high (`None`: leave the size alone).
    pub target_char_px: Option<u32>,
    /// Never scale by more than this (a blank page has no characters to measure).
    pub max_upscale: f32,
    /// Straighten pages rotated by up to ±`max_skew_degrees`.
    pub deskew: bool,
    pub max_skew_degrees: f32,
    /// Binarise against the local mean (window ≈ one character): uneven
    /// light, grey card backgrounds and faint labels survive, where
    /// Tesseract's global Otsu threshold dropped whole cards.
    pub binarize: bool,
    /// Remove ruling lines (ink runs longer than three characters, across or
    /// down) after binarising: table grids made Tesseract's layout analysis
    /// drop the cells' text.
    pub remove_rules: bool,
}

impl Default for Preprocess {
    fn default() -> Self {
        Preprocess {
            target_char_px: Some(30),
            max_upscale: 3.0,
            deskew: true,
            max_skew_degrees: 6.0,
            binarize: true,
            remove_rules: true,
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

/// Page `page` (1-based) of an encoded image: the frame of that number of a
/// multi-page TIFF; any other image (a PDF page rendered on its own, a
/// single-page scan) is its own page. See [`decode`].
pub fn decode_page(
    bytes: &[u8],
    page: u32,
    limits: &ImageLimits,
) -> Result<DecodedPage, PageError> {
    if !prereview_pages::is_multi_page_tiff(bytes) {
        return decode(bytes, limits);
    }
    let page_bytes = prereview_pages::page_bytes(bytes, page as usize)
        .map_err(|e| PageError::Corrupt(e.to_string()))?;
    decode(&page_bytes, limits)
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
    let measured = estimate_char_height(page);
    let mut scale = 1.0f32;
    if let (Some(target), Some(ch)) = (p.target_char_px, measured) {
        let s = target as f32 / ch;
        // Small changes cost a resampling for nothing.
        if !(0.85..=1.2).contains(&s) {
            scale = s.clamp(0.25, p.max_upscale.max(1.0));
        }
    }
    let mut img = if (scale - 1.0).abs() > f32::EPSILON {
        let nw = ((w as f32 * scale).round() as u32).max(1);
        let nh = ((h as f32 * scale).round() as u32).max(1);
        resize_gray(page, nw, nh)
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
    let ch = measured.map_or(30.0, |c| c * scale).max(8.0);
    if p.binarize {
        img = binarize_local_mean(&img, ch.round() as u32, 20);
        if p.remove_rules {
            remove_rules(&mut img, (ch * 3.0).round() as u32);
        }
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

/// The page at most `max_side` pixels on its long side (borrowed when it
/// already is), with the factor used.
fn shrunk(img: &GrayImage, max_side: u32) -> (std::borrow::Cow<'_, GrayImage>, f32) {
    let (w, h) = img.dimensions();
    let f = (max_side as f32 / w.max(h).max(1) as f32).min(1.0);
    if f < 1.0 {
        let (nw, nh) = ((w as f32 * f) as u32, (h as f32 * f) as u32);
        (
            std::borrow::Cow::Owned(resize_gray(img, nw.max(1), nh.max(1))),
            f,
        )
    } else {
        (std::borrow::Cow::Borrowed(img), f)
    }
}

/// A small binary (ink = true) copy of the page, at most `max_side` pixels on
/// its long side, with the factor used.
fn small_ink(img: &GrayImage, max_side: u32) -> (Vec<bool>, u32, u32, f32) {
    let (src, f) = shrunk(img, max_side);
    let src = &*src;
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
    let (src, f) = shrunk(img, max_side);
    let src = &*src;
    let (w, h) = (src.width() as usize, src.height() as usize);
    let px = src.as_raw();
    // Integral image for box means.
    let mut sum = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += px[y * w + x] as u64;
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
            ink[y * w + x] = (px[y * w + x] as f32) + 30.0 < mean;
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
    let (wu, hu) = (w as usize, h as usize);
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    // Output pixel p samples source c + R(−deg)(p − c).
    let (s, c) = (-deg).to_radians().sin_cos();
    let src = img.as_raw();
    let mut out = vec![255u8; wu * hu];
    let (max_x, max_y) = ((w - 1) as f32, (h - 1) as f32);
    for oy in 0..hu {
        let dy = oy as f32 + 0.5 - cy;
        // Source position of the row's first pixel; each step right adds (c, s).
        let dx0 = 0.5 - cx;
        let mut sx = cx + dx0 * c - dy * s - 0.5;
        let mut sy = cy + dx0 * s + dy * c - 0.5;
        let row = &mut out[oy * wu..(oy + 1) * wu];
        for o in row.iter_mut() {
            if sx >= 0.0 && sy >= 0.0 && sx <= max_x && sy <= max_y {
                let (x0, y0) = (sx as usize, sy as usize);
                let (x1, y1) = ((x0 + 1).min(wu - 1), (y0 + 1).min(hu - 1));
                let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
                let p = |x: usize, y: usize| src[y * wu + x] as f32;
                let top = p(x0, y0) + (p(x1, y0) - p(x0, y0)) * fx;
                let bottom = p(x0, y1) + (p(x1, y1) - p(x0, y1)) * fx;
                *o = (top + (bottom - top) * fy).round() as u8;
            }
            sx += c;
            sy += s;
        }
    }
    GrayImage::from_raw(w, h, out).unwrap_or_else(|| img.clone())
}

/// Resamples a grey image (Catmull–Rom convolution; the kernel widens when
/// shrinking, so small copies are averaged, not aliased). SIMD through
/// `fast_image_resize`: measured ≈ 15× `image::imageops::resize` here
/// (a 300-dpi A4 page: 324 ms → 22 ms).
pub fn resize_gray(img: &GrayImage, nw: u32, nh: u32) -> GrayImage {
    use fast_image_resize as fr;
    let (w, h) = img.dimensions();
    let resized = (|| {
        let src = fr::images::ImageRef::new(w, h, img.as_raw(), fr::PixelType::U8).ok()?;
        let mut dst = fr::images::Image::new(nw.max(1), nh.max(1), fr::PixelType::U8);
        let opts = fr::ResizeOptions::new()
            .resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::CatmullRom));
        fr::Resizer::new().resize(&src, &mut dst, &opts).ok()?;
        GrayImage::from_raw(nw.max(1), nh.max(1), dst.into_vec())
    })();
    resized.unwrap_or_else(|| {
        image::imageops::resize(
            img,
            nw.max(1),
            nh.max(1),
            image::imageops::FilterType::CatmullRom,
        )
    })
}

/// Ink where a pixel is darker than the mean of its (2r+1)² window by more
/// than `offset` grey levels; ink black, the rest white. Integral image: O(1)
/// per pixel. A window about one character across keeps thick strokes black
/// (a smaller one whitens their insides) and follows uneven light.
pub fn binarize_local_mean(img: &GrayImage, radius: u32, offset: u8) -> GrayImage {
    let (w, h) = img.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    let stride = wu + 1;
    let px = img.as_raw();
    let mut sum = vec![0u32; stride * (hu + 1)];
    for y in 0..hu {
        let mut rs = 0u32;
        for x in 0..wu {
            rs += px[y * wu + x] as u32;
            sum[(y + 1) * stride + x + 1] = sum[y * stride + x + 1] + rs;
        }
    }
    let r = radius.max(1) as usize;
    let mut out = vec![255u8; wu * hu];
    for y in 0..hu {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(hu));
        for x in 0..wu {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(wu));
            let n = ((y1 - y0) * (x1 - x0)) as u32;
            // u32 wraps are exact here: the true total fits (≤ 255 · pixels).
            let total = sum[y1 * stride + x1]
                .wrapping_add(sum[y0 * stride + x0])
                .wrapping_sub(sum[y0 * stride + x1])
                .wrapping_sub(sum[y1 * stride + x0]);
            let v = px[y * wu + x] as u32;
            if (v + offset as u32) * n < total {
                out[y * wu + x] = 0;
            }
        }
    }
    GrayImage::from_raw(w, h, out).unwrap_or_else(|| GrayImage::new(w, h))
}

/// Whitens ink runs of at least `min_run` pixels along a row or a column
/// (table rules, frames, underlines), and the pixel next to them on each
/// side (their anti-aliased edge). Characters are never that long.
pub fn remove_rules(img: &mut GrayImage, min_run: u32) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let min_run = min_run.max(8) as usize;
    let px = img.as_raw();
    let mut rule = vec![false; w * h];
    // Rows, then columns: a line of `len` pixels from `first`, `step` apart.
    let mut mark = |first: usize, step: usize, len: usize| {
        let mut k = 0;
        while k < len {
            if px[first + k * step] != 0 {
                k += 1;
                continue;
            }
            let s = k;
            while k < len && px[first + k * step] == 0 {
                k += 1;
            }
            if k - s >= min_run {
                (s..k).for_each(|j| rule[first + j * step] = true);
            }
        }
    };
    for y in 0..h {
        mark(y * w, 1, w);
    }
    for x in 0..w {
        mark(x, w, h);
    }
    let raw = img.as_mut();
    for y in 0..h {
        for x in 0..w {
            if !rule[y * w + x] {
                continue;
            }
            for (dx, dy) in [(0i64, 0i64), (-1, 0), (1, 0), (0, -1), (0, 1)] {
                let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                if nx >= 0 && ny >= 0 && (nx as usize) < w && (ny as usize) < h {
                    raw[ny as usize * w + nx as usize] = 255;
                }
            }
        }
    }
}

/// The height (pixels of `img`) of a Chinese character, from the connected
/// ink components of character size: the 75th percentile of their heights
/// (radicals and Latin letters are lower, whole characters the highest
/// common size). Unlike a row profile it does not merge the lines of a
/// skewed page. `None` when fewer than 20 such components are found.
pub fn estimate_char_height(img: &GrayImage) -> Option<f32> {
    let (ink, w, h, f) = local_ink(img, 1600);
    let (wu, hu) = (w as usize, h as usize);
    let mut seen = vec![false; wu * hu];
    let mut heights = Vec::new();
    let mut stack = Vec::new();
    let max_h = (h / 12).max(4);
    for start in 0..wu * hu {
        if !ink[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (mut x0, mut x1, mut y0, mut y1) = (usize::MAX, 0, usize::MAX, 0);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % wu, i / wu);
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
            let mut visit = |j: usize| {
                if ink[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                visit(i - 1);
            }
            if x + 1 < wu {
                visit(i + 1);
            }
            if y > 0 {
                visit(i - wu);
            }
            if y + 1 < hu {
                visit(i + wu);
            }
        }
        let (cw, ch) = ((x1 - x0 + 1) as u32, (y1 - y0 + 1) as u32);
        // Character-sized: not specks, rules, frames or photos.
        if (4..=max_h).contains(&ch) && cw >= 2 && cw <= 2 * ch && ch <= 3 * cw {
            heights.push(ch);
        }
    }
    if heights.len() < 20 {
        return None;
    }
    heights.sort_unstable();
    Some(heights[heights.len() * 3 / 4] as f32 / f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

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

    /// Blocks of 36 px "characters" (a frame with a cross, like 田) in rows.
    fn characters_image(size: u32) -> GrayImage {
        let mut img = GrayImage::from_pixel(1200, 800, Luma([235]));
        for row in 0..6u32 {
            for col in 0..20u32 {
                let (x0, y0) = (60 + col * size * 3 / 2, 60 + row * size * 2);
                for d in 0..size {
                    for t in 0..3 {
                        for (x, y) in [
                            (x0 + d, y0 + t),
                            (x0 + d, y0 + size - 1 - t),
                            (x0 + t, y0 + d),
                            (x0 + size - 1 - t, y0 + d),
                            (x0 + d, y0 + size / 2 + t),
                            (x0 + size / 2 + t, y0 + d),
                        ] {
                            img.put_pixel(x.min(1199), y.min(799), Luma([40]));
                        }
                    }
                }
            }
        }
        img
    }

    #[test]
    fn character_height_is_measured_even_on_a_skewed_page() {
        for a in [0.0f32, 3.0] {
            let img = characters_image(30);
            let img = if a != 0.0 { rotate(&img, a) } else { img };
            let h = estimate_char_height(&img).unwrap();
            assert!((28.0..=36.0).contains(&h), "angle {a}: {h}");
        }
        assert!(estimate_char_height(&GrayImage::from_pixel(100, 100, Luma([255]))).is_none());
    }

    #[test]
    fn binarising_follows_uneven_light_and_keeps_thick_strokes() {
        // Light falls off left to right; a 12 px thick bar and a faint mark.
        let mut img = GrayImage::from_fn(300, 100, |x, _| Luma([250 - (x / 3) as u8]));
        for y in 30..70 {
            for x in 20..32 {
                img.put_pixel(x, y, Luma([30]));
            }
            for x in 250..254 {
                img.put_pixel(x, y, Luma([120]));
            }
        }
        let b = binarize_local_mean(&img, 30, 20);
        assert_eq!(b.get_pixel(26, 50).0, [0], "inside the thick bar");
        assert_eq!(b.get_pixel(251, 50).0, [0], "faint mark in the dark part");
        assert_eq!(b.get_pixel(150, 10).0, [255], "background");
        assert_eq!(b.get_pixel(290, 90).0, [255], "dark background is not ink");
    }

    #[test]
    fn rules_go_characters_stay() {
        let mut img = GrayImage::from_pixel(400, 200, Luma([255]));
        for x in 10..390 {
            img.put_pixel(x, 100, Luma([0])); // a table rule
        }
        for y in 20..180 {
            img.put_pixel(200, y, Luma([0])); // a column rule
        }
        for y in 40..70 {
            for x in 40..70 {
                img.put_pixel(x, y, Luma([0])); // a 30 px character
            }
        }
        remove_rules(&mut img, 90);
        assert_eq!(img.get_pixel(300, 100).0, [255]);
        assert_eq!(img.get_pixel(200, 150).0, [255]);
        assert_eq!(img.get_pixel(55, 55).0, [0]);
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
