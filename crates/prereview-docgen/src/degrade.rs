//! Scan quality: resolution, skew, blur, uneven lighting, noise and JPEG.

use crate::canvas::PxBox;
use crate::data::Rng8;
use image::{Rgb, RgbImage};
use rand::Rng;
use rayon::prelude::*;
use serde::Serialize;

/// How good a scan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    /// ≈300 dpi, straight, crisp, PNG.
    Clean,
    /// 150 dpi, skew ≤ ±1°, light noise, JPEG q≈60.
    Mild,
    /// 100–120 dpi, skew up to ±3°, blur, uneven lighting, noise, JPEG.
    Heavy,
}

impl Quality {
    /// All levels, in order.
    pub const ALL: [Quality; 3] = [Quality::Clean, Quality::Mild, Quality::Heavy];

    /// `clean`, `mild` or `heavy`.
    pub fn as_str(self) -> &'static str {
        match self {
            Quality::Clean => "clean",
            Quality::Mild => "mild",
            Quality::Heavy => "heavy",
        }
    }
}

/// The degradation applied to one document (all its pages share it).
#[derive(Debug, Clone, Copy)]
pub struct Scan {
    pub quality: Quality,
    /// Far beyond `heavy`: nobody (and no OCR) can read it; the submission must go to a person.
    pub illegible: bool,
    pub dpi: f32,
    /// Skew in degrees (positive = clockwise).
    pub angle_deg: f32,
    pub blur_sigma: f32,
    pub noise_sigma: f32,
    /// Depth of the lighting falloff (0 = even).
    pub lighting: f32,
    /// Contrast kept (1 = all); washed-out scans keep less.
    pub contrast: f32,
    /// JPEG quality, `None` for PNG.
    pub jpeg_quality: Option<u8>,
    /// A greyscale scan (most office scanners' default; also much smaller files).
    pub grey: bool,
}

impl Scan {
    /// Draws the parameters of a scan of `quality`.
    pub fn new(quality: Quality, illegible: bool, rng: &mut Rng8) -> Scan {
        if illegible {
            return Scan {
                quality,
                illegible,
                dpi: 60.0,
                angle_deg: rng.gen_range(-3.0..3.0),
                blur_sigma: 1.8,
                noise_sigma: 30.0,
                lighting: 0.5,
                contrast: 0.3,
                jpeg_quality: Some(15),
                grey: true,
            };
        }
        match quality {
            Quality::Clean => Scan {
                quality,
                illegible,
                dpi: 300.0,
                angle_deg: 0.0,
                blur_sigma: 0.0,
                noise_sigma: 0.0,
                lighting: 0.0,
                contrast: 1.0,
                jpeg_quality: None,
                grey: rng.gen_bool(0.8),
            },
            Quality::Mild => Scan {
                quality,
                illegible,
                dpi: 150.0,
                angle_deg: rng.gen_range(-1.0..1.0),
                blur_sigma: 0.0,
                noise_sigma: 1.5,
                lighting: rng.gen_range(0.0..0.06),
                contrast: 0.95,
                jpeg_quality: Some(rng.gen_range(55..=65)),
                grey: rng.gen_bool(0.6),
            },
            Quality::Heavy => {
                let s: f32 = if rng.gen_bool(0.5) { 1.0 } else { -1.0 };
                Scan {
                    quality,
                    illegible,
                    dpi: [100.0, 110.0, 120.0][rng.gen_range(0..3)],
                    angle_deg: s * rng.gen_range(1.5..3.0),
                    blur_sigma: rng.gen_range(0.5..0.8),
                    noise_sigma: 3.0,
                    lighting: rng.gen_range(0.15..0.3),
                    contrast: 0.85,
                    jpeg_quality: Some(rng.gen_range(40..=55)),
                    grey: rng.gen_bool(0.5),
                }
            }
        }
    }

    /// Applies the scan to a rendered page; `seed` varies the noise per page.
    pub fn apply(&self, img: RgbImage, seed: u64) -> RgbImage {
        let mut img = img;
        if self.grey {
            let raw: &mut [u8] = &mut img;
            for p in raw.chunks_exact_mut(3) {
                // Integer BT.601 luma, exact and fast even in debug builds.
                let l = ((299 * p[0] as u32 + 587 * p[1] as u32 + 114 * p[2] as u32 + 500) / 1000)
                    as u8;
                p.fill(l);
            }
        }
        if self.angle_deg != 0.0 {
            img = rotate(&img, self.angle_deg.to_radians());
        }
        if self.blur_sigma > 0.0 {
            img = imageproc::filter::gaussian_blur_f32(&img, self.blur_sigma);
        }
        if self.lighting > 0.0 || self.noise_sigma > 0.0 || self.contrast < 1.0 {
            light_and_noise(
                &mut img,
                self.lighting,
                self.noise_sigma,
                self.contrast,
                seed,
            );
        }
        img
    }

    /// Where a box of the rendered page ends up after [`Scan::apply`].
    pub fn map_box(&self, b: PxBox, w: u32, h: u32) -> PxBox {
        if self.angle_deg == 0.0 {
            return b;
        }
        let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
        let (s, c) = self.angle_deg.to_radians().sin_cos();
        let corners = [(b.x0, b.y0), (b.x1, b.y0), (b.x0, b.y1), (b.x1, b.y1)];
        let mut out: Option<PxBox> = None;
        for (x, y) in corners {
            let (dx, dy) = (x - cx, y - cy);
            let (rx, ry) = (cx + dx * c - dy * s, cy + dx * s + dy * c);
            let p = PxBox {
                x0: rx,
                y0: ry,
                x1: rx,
                y1: ry,
            };
            out = Some(out.map_or(p, |o| o.union(p)));
        }
        out.unwrap_or(b)
    }
}

/// Rotates about the centre by `theta` (clockwise on screen), same size, edges filled
/// with the page's corner colour; bilinear sampling.
fn rotate(img: &RgbImage, theta: f32) -> RgbImage {
    let (w, h) = img.dimensions();
    let bg = *img.get_pixel(0, 0);
    let (s, c) = theta.sin_cos();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let src = img.as_raw();
    let mut out = vec![0u8; (w * h * 3) as usize];
    out.par_chunks_mut((w * 3) as usize)
        .enumerate()
        .for_each(|(y, row)| {
            let dy = y as f32 + 0.5 - cy;
            for x in 0..w as usize {
                let dx = x as f32 + 0.5 - cx;
                // Inverse rotation: destination → source.
                let sx = cx + dx * c + dy * s - 0.5;
                let sy = cy - dx * s + dy * c - 0.5;
                let px = sample(src, w, h, sx, sy, bg);
                row[x * 3..x * 3 + 3].copy_from_slice(&px);
            }
        });
    RgbImage::from_raw(w, h, out).expect("buffer size")
}

#[inline]
fn sample(src: &[u8], w: u32, h: u32, x: f32, y: f32, bg: Rgb<u8>) -> [u8; 3] {
    let x0 = x.floor();
    let y0 = y.floor();
    let (fx, fy) = (x - x0, y - y0);
    let (xi, yi) = (x0 as i64, y0 as i64);
    let get = |xx: i64, yy: i64, k: usize| -> f32 {
        if xx < 0 || yy < 0 || xx >= w as i64 || yy >= h as i64 {
            bg.0[k] as f32
        } else {
            src[((yy as usize * w as usize) + xx as usize) * 3 + k] as f32
        }
    };
    let mut out = [0u8; 3];
    for (k, o) in out.iter_mut().enumerate() {
        let a = get(xi, yi, k) * (1.0 - fx) + get(xi + 1, yi, k) * fx;
        let b = get(xi, yi + 1, k) * (1.0 - fx) + get(xi + 1, yi + 1, k) * fx;
        *o = (a * (1.0 - fy) + b * fy).round().clamp(0.0, 255.0) as u8;
    }
    out
}

/// Deterministic per-pixel noise: a hash of (seed, index), not an RNG stream, so rows
/// can be processed in parallel and still give the same bytes.
#[inline]
fn hash(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn light_and_noise(img: &mut RgbImage, lighting: f32, sigma: f32, contrast: f32, seed: u64) {
    let (w, h) = img.dimensions();
    // Light source off-centre, as with a phone or a lid not closed.
    let lx = 0.2 + (hash(seed) % 1000) as f32 / 1000.0 * 0.6;
    let ly = 0.2 + (hash(seed ^ 1) % 1000) as f32 / 1000.0 * 0.6;
    let raw: &mut [u8] = img;
    raw.par_chunks_mut((w * 3) as usize)
        .enumerate()
        .for_each(|(y, row)| {
            let ny = y as f32 / h as f32 - ly;
            for x in 0..w as usize {
                let nx = x as f32 / w as f32 - lx;
                let light = 1.0 - lighting * (nx * nx + ny * ny) * 2.0;
                let r = hash(seed ^ ((y as u64) << 32 | x as u64));
                // Sum of four uniforms ≈ Gaussian, σ ≈ `sigma`.
                let u = ((r & 0xFFFF) + ((r >> 16) & 0xFFFF) + ((r >> 32) & 0xFFFF) + (r >> 48))
                    as f32
                    / 65535.0
                    - 2.0;
                let n = u * sigma * 1.73;
                for k in 0..3 {
                    let v = row[x * 3 + k] as f32;
                    let v = 255.0 - (255.0 - v) * contrast;
                    row[x * 3 + k] = (v * light + n).round().clamp(0.0, 255.0) as u8;
                }
            }
        });
}
