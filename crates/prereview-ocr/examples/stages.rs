//! `cargo run --release --example stages -- IMAGE...`: time of each stage of
//! reading a page (decode, preprocess, recognise) on one engine, summed over
//! the images, to see where a page's time goes. `PREPROCESS='{…}'` as in `read`.

use prereview_ocr::engine::Engine;
use prereview_ocr::{preprocess, EngineConfig, ImageLimits, Preprocess};
use std::time::Instant;

fn main() {
    prereview_ocr::ensure_single_threaded_openmp();
    let pre: Preprocess = std::env::var("PREPROCESS")
        .ok()
        .map(|p| serde_json::from_str(&p).expect("PREPROCESS json"))
        .unwrap_or_default();
    let limits = ImageLimits::default();
    let mut engine = Engine::new(EngineConfig::default());
    let (mut t_dec, mut t_pre, mut t_ocr, mut px) = (0.0, 0.0, 0.0, 0u64);
    let files: Vec<String> = std::env::args().skip(1).collect();
    for f in &files {
        let bytes = std::fs::read(f).expect("read");
        let t = Instant::now();
        let Ok(d) = preprocess::decode(&bytes, &limits) else {
            eprintln!("{f}: cannot decode");
            continue;
        };
        t_dec += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let (img, _) = preprocess::prepare(&d.image, &pre);
        t_pre += t.elapsed().as_secs_f64();
        px += img.width() as u64 * img.height() as u64;
        let t = Instant::now();
        let words = engine.recognize(&img, 3).expect("ocr");
        t_ocr += t.elapsed().as_secs_f64();
        std::hint::black_box(words);
    }
    let n = files.len().max(1) as f64;
    println!(
        "{} pages: decode {:.3} s/page, preprocess {:.3} s/page, recognise {:.3} s/page, {:.1} Mpx/page",
        files.len(),
        t_dec / n,
        t_pre / n,
        t_ocr / n,
        px as f64 / n / 1e6
    );
}
