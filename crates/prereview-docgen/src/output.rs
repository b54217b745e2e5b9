//! Writing scans (PNG, JPEG, scanned PDF) and their truth files.

use crate::data::Rng8;
use crate::degrade::{Quality, Scan};
use crate::docs::{render, DocData};
use crate::Error;
use image::codecs::jpeg::JpegEncoder;
use image::{ImageEncoder, RgbImage};
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// A field's place on the page.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TruthBox {
    pub page: u32,
    /// `[x, y, width, height]` in pixels of that page as written.
    pub bbox: [u32; 4],
}

/// `<name>.truth.json`: what the document says and where.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Truth {
    pub file: String,
    pub kind: String,
    pub quality: Quality,
    /// Present (true) only for documents made deliberately unreadable.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub illegible: bool,
    pub pages: u32,
    /// Resolution the pages were rendered at (PDF pages: of the embedded images).
    pub dpi: u32,
    pub fonts: Vec<String>,
    /// Canonical values, as `ReadField.value` in prereview-model.
    pub fields: BTreeMap<String, Value>,
    pub boxes: BTreeMap<String, TruthBox>,
}

/// Renders `doc`, degrades it to `quality` and writes `<dir>/<stem>.<ext>` plus
/// `<dir>/<stem>.truth.json`. Multi-page documents become a scanned PDF.
///
/// `layout_seed` decides fonts and layout, `scan_seed` the degradation, so one document
/// can be written at several qualities with the same look.
pub fn write_document(
    dir: &Path,
    stem: &str,
    doc: &DocData,
    quality: Quality,
    illegible: bool,
    layout_seed: u64,
    scan_seed: u64,
) -> Result<Truth, Error> {
    let mut scan_rng = Rng8::seed_from_u64(scan_seed);
    let mut scan = Scan::new(quality, illegible, &mut scan_rng);
    let r = render(doc, scan.dpi, &mut Rng8::seed_from_u64(layout_seed))?;
    if r.pages.len() > 1 && quality == Quality::Clean {
        // Multi-page clean scans go into the PDF losslessly, which is only small in grey.
        scan.grey = true;
    }
    let seed: u64 = scan_rng.gen();
    let mut pages = Vec::with_capacity(r.pages.len());
    let mut boxes = BTreeMap::new();
    for (i, page) in r.pages.into_iter().enumerate() {
        let (w, h) = page.dimensions();
        for (name, (p, b)) in &r.boxes {
            if *p == i as u32 + 1 {
                let mb = scan.map_box(*b, w, h);
                boxes.insert(
                    name.clone(),
                    TruthBox {
                        page: *p,
                        bbox: mb.to_bbox(w, h),
                    },
                );
            }
        }
        pages.push(scan.apply(page, seed.wrapping_add(i as u64)));
    }
    let ext = if pages.len() > 1 {
        "pdf"
    } else if scan.jpeg_quality.is_some() {
        "jpg"
    } else {
        "png"
    };
    let file = format!("{stem}.{ext}");
    let path = dir.join(&file);
    let bytes = match ext {
        "pdf" => pdf(&pages, scan.dpi, scan.jpeg_quality, scan.grey)?,
        "jpg" => jpeg(&pages[0], scan.jpeg_quality.unwrap_or(60), scan.grey)?,
        _ => png(&pages[0], scan.grey)?,
    };
    write(&path, &bytes)?;
    let truth = Truth {
        file: file.clone(),
        kind: r.kind.as_str().to_string(),
        quality,
        illegible,
        pages: pages.len() as u32,
        dpi: scan.dpi.round() as u32,
        fonts: r.fonts.iter().map(|s| s.to_string()).collect(),
        fields: r.fields,
        boxes,
    };
    let json = serde_json::to_vec_pretty(&truth)
        .map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
    write(&dir.join(format!("{stem}.truth.json")), &json)?;
    Ok(truth)
}

/// Writes bytes, naming the file in any error.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut f = std::fs::File::create(path)
        .map_err(|e| Error::Io(format!("cannot create {}: {e}", path.display())))?;
    f.write_all(bytes)
        .map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))
}

fn png(img: &RgbImage, grey: bool) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    if grey {
        // 16 grey levels keep text edges smooth at a third of the size of 8-bit.
        let mut enc = png::Encoder::new(&mut out, img.width(), img.height());
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Four);
        enc.set_compression(png::Compression::Balanced);
        let mut w = enc
            .write_header()
            .map_err(|e| Error::Io(format!("PNG encoding failed: {e}")))?;
        w.write_image_data(&grey4(img))
            .map_err(|e| Error::Io(format!("PNG encoding failed: {e}")))?;
        w.finish()
            .map_err(|e| Error::Io(format!("PNG encoding failed: {e}")))?;
        return Ok(out);
    }
    // Colour scans: a 6×6×6 palette (each channel in six steps) keeps seals red and text
    // crisp at well under half the size of 24-bit RGB.
    let mut palette = Vec::with_capacity(216 * 3);
    for r in 0..6u32 {
        for g in 0..6u32 {
            for b in 0..6u32 {
                palette.extend([r, g, b].map(|v| (v * 51) as u8));
            }
        }
    }
    let q = |v: u8| (v as u32 * 5 + 127) / 255;
    let idx: Vec<u8> = img
        .as_raw()
        .chunks_exact(3)
        .map(|p| (q(p[0]) * 36 + q(p[1]) * 6 + q(p[2])) as u8)
        .collect();
    let mut enc = png::Encoder::new(&mut out, img.width(), img.height());
    enc.set_color(png::ColorType::Indexed);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_palette(palette);
    enc.set_compression(png::Compression::Balanced);
    let mut w = enc
        .write_header()
        .map_err(|e| Error::Io(format!("PNG encoding failed: {e}")))?;
    w.write_image_data(&idx)
        .map_err(|e| Error::Io(format!("PNG encoding failed: {e}")))?;
    w.finish()
        .map_err(|e| Error::Io(format!("PNG encoding failed: {e}")))?;
    Ok(out)
}

/// Rows of 4-bit grey samples, two per byte, each row padded to a whole byte.
fn grey4(img: &RgbImage) -> Vec<u8> {
    let w = img.width() as usize;
    let row = w.div_ceil(2);
    let mut out = Vec::with_capacity(row * img.height() as usize);
    for line in img.as_raw().chunks_exact(w * 3) {
        for pair in line.chunks(6) {
            let v = |k: usize| {
                pair.get(k * 3 + 1)
                    .map_or(0, |g| ((*g as u32 * 15 + 127) / 255) as u8)
            };
            out.push(v(0) << 4 | v(1));
        }
    }
    out
}

fn jpeg(img: &RgbImage, q: u8, grey: bool) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    let enc = JpegEncoder::new_with_quality(&mut out, q);
    if grey {
        let g: Vec<u8> = img.as_raw().chunks_exact(3).map(|p| p[1]).collect();
        enc.write_image(&g, img.width(), img.height(), image::ExtendedColorType::L8)
    } else {
        enc.write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
    }
    .map_err(|e| Error::Io(format!("JPEG encoding failed: {e}")))?;
    Ok(out)
}

/// A minimal PDF: one page per image at `dpi`, each a full-page JPEG (DCTDecode) of
/// quality `q`, or, for clean greyscale scans (`q` = None), a lossless 4-bit grey
/// image (FlateDecode). No dates or IDs, so the bytes depend only on the pages.
pub fn pdf(pages: &[RgbImage], dpi: f32, q: Option<u8>, grey: bool) -> Result<Vec<u8>, Error> {
    let mut out: Vec<u8> = Vec::new();
    let mut offsets: Vec<usize> = Vec::new();
    out.extend_from_slice(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
    let n = pages.len();
    // Objects: 1 catalog, 2 pages, then per page: page, image, content.
    let page_obj = |i: usize| 3 + i * 3;
    let obj = |out: &mut Vec<u8>, offsets: &mut Vec<usize>, body: &[u8]| {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", offsets.len()).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    };
    obj(&mut out, &mut offsets, b"<< /Type /Catalog /Pages 2 0 R >>");
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", page_obj(i))).collect();
    obj(
        &mut out,
        &mut offsets,
        format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).as_bytes(),
    );
    for (i, img) in pages.iter().enumerate() {
        let (w, h) = img.dimensions();
        let (wpt, hpt) = (w as f32 * 72.0 / dpi, h as f32 * 72.0 / dpi);
        let p = page_obj(i);
        obj(
            &mut out,
            &mut offsets,
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {wpt:.2} {hpt:.2}] /Resources << /XObject << /Im0 {} 0 R >> >> /Contents {} 0 R >>",
                p + 1,
                p + 2
            )
            .as_bytes(),
        );
        let cs = if grey { "DeviceGray" } else { "DeviceRGB" };
        let (data, bits, filter) = match (q, grey) {
            (None, true) => (zlib(&grey4(img))?, 4, "FlateDecode"),
            (q, _) => (jpeg(img, q.unwrap_or(85), grey)?, 8, "DCTDecode"),
        };
        let mut body = format!(
            "<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /{cs} /BitsPerComponent {bits} /Filter /{filter} /Length {} >>\nstream\n",
            data.len()
        )
        .into_bytes();
        body.extend_from_slice(&data);
        body.extend_from_slice(b"\nendstream");
        obj(&mut out, &mut offsets, &body);
        let content = format!("q {wpt:.2} 0 0 {hpt:.2} 0 0 cm /Im0 Do Q");
        obj(
            &mut out,
            &mut offsets,
            format!(
                "<< /Length {} >>\nstream\n{content}\nendstream",
                content.len()
            )
            .as_bytes(),
        );
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes(),
    );
    for o in &offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            offsets.len() + 1
        )
        .as_bytes(),
    );
    Ok(out)
}

fn zlib(data: &[u8]) -> Result<Vec<u8>, Error> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data)
        .map_err(|e| Error::Io(format!("compression failed: {e}")))?;
    e.finish()
        .map_err(|e| Error::Io(format!("compression failed: {e}")))
}
