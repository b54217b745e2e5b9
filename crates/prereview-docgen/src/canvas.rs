//! A page to draw on, in millimetres, with CJK text that falls back per character
//! and reports where its ink landed (the truth boxes).

use crate::fonts::{fonts, Face};
use ab_glyph::{point, Font, FontRef, GlyphId, PxScale, ScaleFont};
use image::{Rgb, RgbImage};

/// Black ink.
pub const BLACK: Rgb<u8> = Rgb([20, 20, 20]);
/// Seal red.
pub const RED: Rgb<u8> = Rgb([214, 40, 40]);
/// White paper.
pub const WHITE: Rgb<u8> = Rgb([255, 255, 255]);

/// An axis-aligned box in pixels (min inclusive, max exclusive), as floats while drawing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PxBox {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl PxBox {
    /// Smallest box containing both.
    pub fn union(self, o: PxBox) -> PxBox {
        PxBox {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }

    /// `[x, y, width, height]` in whole pixels, clamped to a `w`×`h` image.
    pub fn to_bbox(self, w: u32, h: u32) -> [u32; 4] {
        let x0 = self.x0.floor().clamp(0.0, w as f32) as u32;
        let y0 = self.y0.floor().clamp(0.0, h as f32) as u32;
        let x1 = self.x1.ceil().clamp(0.0, w as f32) as u32;
        let y1 = self.y1.ceil().clamp(0.0, h as f32) as u32;
        [x0, y0, x1.saturating_sub(x0), y1.saturating_sub(y0)]
    }
}

/// Union of optional boxes.
pub fn union_opt(a: Option<PxBox>, b: Option<PxBox>) -> Option<PxBox> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.union(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// A page being drawn at a fixed resolution.
pub struct Canvas {
    pub img: RgbImage,
    pub dpi: f32,
    px_per_mm: f32,
}

/// Points to millimetres.
pub const MM_PER_PT: f32 = 25.4 / 72.0;

impl Canvas {
    /// A blank page of `w_mm`×`h_mm` at `dpi`.
    pub fn new(w_mm: f32, h_mm: f32, dpi: f32, bg: Rgb<u8>) -> Canvas {
        let px_per_mm = dpi / 25.4;
        let w = (w_mm * px_per_mm).round().max(1.0) as u32;
        let h = (h_mm * px_per_mm).round().max(1.0) as u32;
        Canvas {
            img: RgbImage::from_pixel(w, h, bg),
            dpi,
            px_per_mm,
        }
    }

    /// Millimetres to pixels.
    pub fn px(&self, mm: f32) -> f32 {
        mm * self.px_per_mm
    }

    /// Page width in mm.
    pub fn width_mm(&self) -> f32 {
        self.img.width() as f32 / self.px_per_mm
    }

    /// Page height in mm.
    pub fn height_mm(&self) -> f32 {
        self.img.height() as f32 / self.px_per_mm
    }

    #[inline]
    fn blend(&mut self, x: i64, y: i64, c: Rgb<u8>, a: f32) {
        if x < 0 || y < 0 || x >= self.img.width() as i64 || y >= self.img.height() as i64 {
            return;
        }
        let a = a.clamp(0.0, 1.0);
        if a <= 0.0 {
            return;
        }
        let p = self.img.get_pixel_mut(x as u32, y as u32);
        for i in 0..3 {
            let d = p.0[i] as f32;
            // Multiply-like mixing so red seals over black text stay dark, as ink does.
            let s = c.0[i] as f32;
            let mixed = d * (1.0 - a) + (s.min(d)) * a;
            p.0[i] = mixed.round() as u8;
        }
    }

    /// Fills a rectangle (mm).
    pub fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: Rgb<u8>) {
        let (x0, y0) = (self.px(x), self.px(y));
        let (x1, y1) = (self.px(x + w), self.px(y + h));
        let xi0 = x0.floor() as i64;
        let xi1 = x1.ceil() as i64;
        let yi0 = y0.floor() as i64;
        let yi1 = y1.ceil() as i64;
        for yy in yi0..yi1 {
            let cy = coverage_1d(yy as f32, y0, y1);
            for xx in xi0..xi1 {
                let cx = coverage_1d(xx as f32, x0, x1);
                self.blend(xx, yy, c, cx * cy);
            }
        }
    }

    /// A rectangle outline with stroke width `t` (mm), drawn inside the box.
    pub fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, t: f32, c: Rgb<u8>) {
        self.fill_rect(x, y, w, t, c);
        self.fill_rect(x, y + h - t, w, t, c);
        self.fill_rect(x, y, t, h, c);
        self.fill_rect(x + w - t, y, t, h, c);
    }

    /// A straight line of width `t` (mm), anti-aliased.
    pub fn line(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, t: f32, c: Rgb<u8>) {
        let (ax, ay, bx, by) = (self.px(x0), self.px(y0), self.px(x1), self.px(y1));
        let half = (self.px(t) / 2.0).max(0.5);
        let minx = (ax.min(bx) - half - 1.0).floor() as i64;
        let maxx = (ax.max(bx) + half + 1.0).ceil() as i64;
        let miny = (ay.min(by) - half - 1.0).floor() as i64;
        let maxy = (ay.max(by) + half + 1.0).ceil() as i64;
        let (dx, dy) = (bx - ax, by - ay);
        let len2 = (dx * dx + dy * dy).max(1e-6);
        for yy in miny..=maxy {
            for xx in minx..=maxx {
                let (px, py) = (xx as f32 + 0.5, yy as f32 + 0.5);
                let t = (((px - ax) * dx + (py - ay) * dy) / len2).clamp(0.0, 1.0);
                let (qx, qy) = (ax + t * dx - px, ay + t * dy - py);
                let d = (qx * qx + qy * qy).sqrt();
                self.blend(xx, yy, c, half + 0.5 - d);
            }
        }
    }

    /// A dashed line (mm).
    pub fn dashed_line(
        &mut self,
        x0: f32,
        y0: f32,
        x1: f32,
        y1: f32,
        t: f32,
        dash: f32,
        c: Rgb<u8>,
    ) {
        let len = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
        let n = (len / dash).floor() as usize;
        for i in (0..n).step_by(2) {
            let a = i as f32 / n as f32;
            let b = (i + 1) as f32 / n as f32;
            self.line(
                x0 + (x1 - x0) * a,
                y0 + (y1 - y0) * a,
                x0 + (x1 - x0) * b,
                y0 + (y1 - y0) * b,
                t,
                c,
            );
        }
    }

    /// A filled ellipse (mm), anti-aliased at the edge.
    pub fn fill_ellipse(&mut self, cx: f32, cy: f32, rx: f32, ry: f32, c: Rgb<u8>) {
        let (cxp, cyp, rxp, ryp) = (self.px(cx), self.px(cy), self.px(rx), self.px(ry));
        for yy in (cyp - ryp - 1.0) as i64..=(cyp + ryp + 1.0) as i64 {
            for xx in (cxp - rxp - 1.0) as i64..=(cxp + rxp + 1.0) as i64 {
                let nx = (xx as f32 + 0.5 - cxp) / rxp;
                let ny = (yy as f32 + 0.5 - cyp) / ryp;
                let d = (nx * nx + ny * ny).sqrt();
                // Edge softness of about one pixel.
                let a = (1.0 - d) * rxp.min(ryp) + 0.5;
                self.blend(xx, yy, c, a);
            }
        }
    }

    /// A ring (circle outline) of radius `r` and width `t` (mm), optionally only
    /// between angles `a0..a1` (radians, 0 = east, clockwise as y grows down).
    pub fn ring(&mut self, cx: f32, cy: f32, r: f32, t: f32, c: Rgb<u8>, arc: Option<(f32, f32)>) {
        let (cxp, cyp, rp, half) = (self.px(cx), self.px(cy), self.px(r), self.px(t) / 2.0);
        let half = half.max(0.5);
        let m = rp + half + 1.0;
        for yy in (cyp - m) as i64..=(cyp + m) as i64 {
            for xx in (cxp - m) as i64..=(cxp + m) as i64 {
                let (dx, dy) = (xx as f32 + 0.5 - cxp, yy as f32 + 0.5 - cyp);
                if let Some((a0, a1)) = arc {
                    let mut ang = dy.atan2(dx);
                    if ang < a0 {
                        ang += std::f32::consts::TAU;
                    }
                    if ang < a0 || ang > a1 {
                        continue;
                    }
                }
                let d = ((dx * dx + dy * dy).sqrt() - rp).abs();
                self.blend(xx, yy, c, half + 0.5 - d);
            }
        }
    }

    /// A five-pointed star (mm), as on official seals.
    pub fn star(&mut self, cx: f32, cy: f32, r: f32, c: Rgb<u8>) {
        let (cxp, cyp, rp) = (self.px(cx), self.px(cy), self.px(r));
        let mut pts = Vec::with_capacity(10);
        for i in 0..10 {
            let rr = if i % 2 == 0 { rp } else { rp * 0.382 };
            let a = -std::f32::consts::FRAC_PI_2 + i as f32 * std::f32::consts::PI / 5.0;
            pts.push((cxp + rr * a.cos(), cyp + rr * a.sin()));
        }
        for yy in (cyp - rp) as i64..=(cyp + rp) as i64 {
            for xx in (cxp - rp) as i64..=(cxp + rp) as i64 {
                if point_in_polygon(xx as f32 + 0.5, yy as f32 + 0.5, &pts) {
                    self.blend(xx, yy, c, 1.0);
                }
            }
        }
    }

    /// Width in mm of `s` set in `face` at `size_pt`, with `spacing_em` extra space
    /// after each character but the last.
    pub fn text_width(&self, face: &'static Face, size_pt: f32, s: &str, spacing_em: f32) -> f32 {
        text_width_mm(face, size_pt, s, spacing_em)
    }

    /// Draws `s` with its baseline at `baseline` (mm) starting at `x` (mm).
    /// Returns the ink box in pixels (None for blank text).
    pub fn text(
        &mut self,
        face: &'static Face,
        size_pt: f32,
        x: f32,
        baseline: f32,
        s: &str,
        color: Rgb<u8>,
        spacing_em: f32,
    ) -> Option<PxBox> {
        let px_size = size_pt * self.dpi / 72.0;
        let mut pen = self.px(x);
        let base = self.px(baseline);
        let mut ink: Option<PxBox> = None;
        let n = s.chars().count();
        for (i, ch) in s.chars().enumerate() {
            let (font, id) = pick(face, ch);
            let scale = em_scale(font, px_size);
            let adv = font.as_scaled(scale).h_advance(id);
            let glyph = id.with_scale_and_position(scale, point(pen, base));
            if let Some(og) = font.outline_glyph(glyph) {
                let b = og.px_bounds();
                let (bx, by) = (b.min.x as i64, b.min.y as i64);
                og.draw(|gx, gy, cov| self.blend(bx + gx as i64, by + gy as i64, color, cov));
                ink = union_opt(
                    ink,
                    Some(PxBox {
                        x0: b.min.x,
                        y0: b.min.y,
                        x1: b.max.x,
                        y1: b.max.y,
                    }),
                );
            }
            pen += adv;
            if i + 1 < n {
                pen += spacing_em * px_size;
            }
        }
        ink
    }

    /// Draws one character centred on (`cx`, `cy`) mm, rotated by `angle` radians
    /// (clockwise), e.g. the text around a seal.
    pub fn rotated_char(
        &mut self,
        face: &'static Face,
        size_pt: f32,
        cx: f32,
        cy: f32,
        angle: f32,
        ch: char,
        color: Rgb<u8>,
    ) {
        let px_size = size_pt * self.dpi / 72.0;
        let (font, id) = pick(face, ch);
        let scale = em_scale(font, px_size);
        let glyph = id.with_scale_and_position(scale, point(0.0, 0.0));
        let Some(og) = font.outline_glyph(glyph) else {
            return;
        };
        let b = og.px_bounds();
        let (w, h) = (
            b.width().ceil() as usize + 1,
            b.height().ceil() as usize + 1,
        );
        let mut buf = vec![0f32; w * h];
        og.draw(|x, y, c| {
            let i = y as usize * w + x as usize;
            if i < buf.len() {
                buf[i] = c;
            }
        });
        // Glyph centre in its own buffer coordinates.
        let (gcx, gcy) = (w as f32 / 2.0, h as f32 / 2.0);
        let (sin, cos) = angle.sin_cos();
        let (ccx, ccy) = (self.px(cx), self.px(cy));
        let r = ((w * w + h * h) as f32).sqrt() / 2.0 + 1.0;
        for yy in (ccy - r) as i64..=(ccy + r) as i64 {
            for xx in (ccx - r) as i64..=(ccx + r) as i64 {
                let (dx, dy) = (xx as f32 + 0.5 - ccx, yy as f32 + 0.5 - ccy);
                // Inverse rotation back into the glyph buffer.
                let u = dx * cos + dy * sin + gcx;
                let v = -dx * sin + dy * cos + gcy;
                if u < 0.0 || v < 0.0 {
                    continue;
                }
                let (ui, vi) = (u as usize, v as usize);
                if ui < w && vi < h {
                    let c = buf[vi * w + ui];
                    self.blend(xx, yy, color, c);
                }
            }
        }
    }

    /// A round official seal (公章): ring, star, the organisation's name along the
    /// upper arc and an optional line below the star.
    pub fn seal(
        &mut self,
        face: &'static Face,
        cx: f32,
        cy: f32,
        r: f32,
        org: &str,
        below: &str,
        color: Rgb<u8>,
    ) {
        self.ring(cx, cy, r, r * 0.06, color, None);
        self.star(cx, cy, r * 0.3, color);
        let chars: Vec<char> = org.chars().collect();
        let n = chars.len().max(1) as f32;
        let span = (220f32).to_radians().min(n * 0.42);
        let size = (r * 0.32 / MM_PER_PT).min(r * 1.6 / n.sqrt() / MM_PER_PT);
        let rr = r * 0.74;
        for (i, ch) in chars.iter().enumerate() {
            let t = if chars.len() == 1 {
                0.5
            } else {
                i as f32 / (n - 1.0)
            };
            // Angle from the top, left to right.
            let a = -span / 2.0 + span * t;
            let x = cx + rr * a.sin();
            let y = cy - rr * a.cos();
            self.rotated_char(face, size, x, y, a, *ch, color);
        }
        if !below.is_empty() {
            let size = r * 0.22 / MM_PER_PT;
            let w = self.text_width(face, size, below, 0.0);
            self.text(face, size, cx - w / 2.0, cy + r * 0.62, below, color, 0.0);
        }
    }
}

/// Width in mm of a string (see [`Canvas::text_width`]).
pub fn text_width_mm(face: &'static Face, size_pt: f32, s: &str, spacing_em: f32) -> f32 {
    // Measured at 72 dpi where 1 px = 1 pt.
    let n = s.chars().count();
    let mut w = 0.0;
    for ch in s.chars() {
        let (font, id) = pick(face, ch);
        w += font.as_scaled(em_scale(font, size_pt)).h_advance(id);
    }
    if n > 1 {
        w += spacing_em * size_pt * (n - 1) as f32;
    }
    w * MM_PER_PT
}

/// The ab_glyph scale that makes one em `px_em` pixels (ab_glyph scales by the
/// ascent–descent height, which for CJK fonts is about 1.45 em).
fn em_scale(font: &FontRef<'static>, px_em: f32) -> PxScale {
    let upem = font.units_per_em().unwrap_or(1000.0);
    let height = font.height_unscaled();
    PxScale::from(px_em * height / upem)
}

/// The font and glyph to draw `ch` with: `face` if it has the glyph, else the fallback.
fn pick(face: &'static Face, ch: char) -> (&'static FontRef<'static>, GlyphId) {
    let id = face.font.glyph_id(ch);
    let f: &'static FontRef<'static> = &face.font;
    if id.0 != 0 || ch == ' ' {
        return (f, id);
    }
    match fonts() {
        Ok(fs) => {
            let fb: &'static FontRef<'static> = &fs.fallback().font;
            (fb, fb.glyph_id(ch))
        }
        Err(_) => (f, id),
    }
}

fn coverage_1d(p: f32, a: f32, b: f32) -> f32 {
    let lo = p.max(a);
    let hi = (p + 1.0).min(b);
    (hi - lo).clamp(0.0, 1.0)
}

fn point_in_polygon(x: f32, y: f32, pts: &[(f32, f32)]) -> bool {
    let mut inside = false;
    let mut j = pts.len() - 1;
    for i in 0..pts.len() {
        let (xi, yi) = pts[i];
        let (xj, yj) = pts[j];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}
