//! The raw OCR layer's output: words with boxes and confidences, per page.
//!
//! Stored in the OCR cache and in recorded test fixtures, so the format is
//! plain serde JSON and changes only with [`crate::cache::FORMAT_VERSION`].

use serde::{Deserialize, Serialize};

/// One word (for Chinese: usually one to a few characters) as Tesseract read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word {
    pub text: String,
    /// Tesseract's word confidence, 0–100.
    pub conf: f32,
    /// `[x, y, width, height]` in pixels of the *processed* image (see
    /// [`PageWords::to_original`]).
    pub bbox: [u32; 4],
    /// Tesseract's (block, paragraph, line) of the word, for tie-breaking.
    #[serde(default)]
    pub line: [u32; 3],
}

/// How the processed image that was OCR'd relates to the page image: it was
/// scaled by `scale`, then rotated by `deskew_degrees` about its centre (canvas
/// size kept).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PageTransform {
    pub scale: f32,
    /// Counter-clockwise rotation applied to straighten the page, in degrees.
    pub deskew_degrees: f32,
    /// Size of the processed image.
    pub processed: [u32; 2],
}

impl PageTransform {
    /// No change: the processed image is the page image.
    pub fn identity(width: u32, height: u32) -> Self {
        PageTransform {
            scale: 1.0,
            deskew_degrees: 0.0,
            processed: [width, height],
        }
    }
}

/// The words of one page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageWords {
    /// 1-based page number.
    pub page: u32,
    /// Size of the page image as displayed (after EXIF orientation), in pixels;
    /// the frame of every box in reports.
    pub width: u32,
    pub height: u32,
    pub transform: PageTransform,
    pub words: Vec<Word>,
}

impl PageWords {
    /// Maps a box of the processed image back to the page image: undoes the
    /// deskew rotation and the scaling, and clamps to the page.
    pub fn to_original(&self, bbox: [u32; 4]) -> [u32; 4] {
        let t = &self.transform;
        let [x, y, w, h] = bbox.map(|v| v as f64);
        let corners = [(x, y), (x + w, y), (x, y + h), (x + w, y + h)];
        let cx = t.processed[0] as f64 / 2.0;
        let cy = t.processed[1] as f64 / 2.0;
        // Deskew rotated the page by +θ; a processed point comes back by −θ.
        let th = -(t.deskew_degrees as f64).to_radians();
        let (s, c) = th.sin_cos();
        let scale = if t.scale > 0.0 { t.scale as f64 } else { 1.0 };
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (px, py) in corners {
            let (dx, dy) = (px - cx, py - cy);
            // Image coordinates have y down; this is the same rotation the
            // deskew step used (see preprocess::rotate).
            let rx = cx + dx * c - dy * s;
            let ry = cy + dx * s + dy * c;
            let (ox, oy) = (rx / scale, ry / scale);
            x0 = x0.min(ox);
            y0 = y0.min(oy);
            x1 = x1.max(ox);
            y1 = y1.max(oy);
        }
        let cl = |v: f64, max: u32| v.round().clamp(0.0, max as f64) as u32;
        let (ax, ay) = (cl(x0, self.width), cl(y0, self.height));
        let (bx, by) = (cl(x1, self.width), cl(y1, self.height));
        [ax, ay, bx.saturating_sub(ax), by.saturating_sub(ay)]
    }

    /// The page's text, line by line (Tesseract's lines), for display and debugging.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut last = None;
        for w in &self.words {
            if last.is_some() && last != Some(w.line) {
                out.push('\n');
            } else if last.is_some() {
                out.push(' ');
            }
            out.push_str(&w.text);
            last = Some(w.line);
        }
        out
    }
}

/// Parses Tesseract's TSV output (level 5 rows are words).
pub fn parse_tsv(tsv: &str) -> Vec<Word> {
    let mut out = Vec::new();
    for row in tsv.lines() {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let num = |i: usize| cols[i].trim().parse::<i64>().unwrap_or(0).max(0) as u32;
        let conf: f32 = cols[10].trim().parse().unwrap_or(-1.0);
        let text = cols[11..].join("\t");
        let text = text.trim();
        if text.is_empty() || conf < 0.0 {
            continue;
        }
        out.push(Word {
            text: text.to_string(),
            conf: conf.clamp(0.0, 100.0),
            bbox: [num(6), num(7), num(8), num(9)],
            line: [num(2), num(3), num(4)],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t100\t50\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t10\t20\t30\t40\t96.5\t姓名\n\
                   5\t1\t1\t1\t1\t2\t50\t20\t30\t40\t-1\t \n\
                   5\t1\t1\t1\t2\t1\t10\t70\t30\t40\t88\t张三\n";
        let w = parse_tsv(tsv);
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].text, "姓名");
        assert_eq!(w[0].bbox, [10, 20, 30, 40]);
        assert_eq!(w[1].line, [1, 1, 2]);
    }

    #[test]
    fn back_to_original_undoes_scale_and_rotation() {
        let pw = |deg: f32| PageWords {
            page: 1,
            width: 1000,
            height: 500,
            transform: PageTransform {
                scale: 2.0,
                deskew_degrees: deg,
                processed: [2000, 1000],
            },
            words: vec![],
        };
        assert_eq!(pw(0.0).to_original([200, 100, 400, 50]), [100, 50, 200, 25]);
        // A box at the centre stays centred under rotation.
        let b = pw(3.0).to_original([900, 480, 200, 40]);
        let (cx, cy) = (b[0] + b[2] / 2, b[1] + b[3] / 2);
        assert!(
            (499..=501).contains(&cx) && (249..=251).contains(&cy),
            "{b:?}"
        );
    }
}
