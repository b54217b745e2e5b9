//! `cargo run --example read -- FILE KIND [--words] [--record OUT.json]`: the fields of one document
//! (and with `--words` the OCR lines), for trying out specs and settings.

use prereview_ocr::{specs, Hints, Reader, Settings};

fn main() {
    prereview_ocr::ensure_single_threaded_openmp();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: read FILE KIND [--words]");
        std::process::exit(2);
    }
    let Some(spec) = specs::builtin().into_iter().find(|s| s.kind == args[1]) else {
        eprintln!("unknown kind {}", args[1]);
        std::process::exit(2);
    };
    let mut settings = Settings {
        threads: 1,
        ..Settings::default()
    };
    // Experiments: PREPROCESS='{"target_char_px":null,...}', LANG=chi_sim, PSM=6.
    if let Ok(p) = std::env::var("PREPROCESS") {
        settings.preprocess = serde_json::from_str(&p).expect("PREPROCESS json");
    }
    if let Ok(l) = std::env::var("OCR_LANG") {
        settings.engine.languages = l;
    }
    if let Ok(p) = std::env::var("PSM") {
        settings.engine.psm = p.parse().expect("PSM");
    }
    if let Ok(out) = std::env::var("DUMP") {
        let bytes = std::fs::read(&args[0]).expect("read");
        let page = prereview_ocr::preprocess::decode(&bytes, &settings.limits).expect("decode");
        let (img, t) = prereview_ocr::preprocess::prepare(&page.image, &settings.preprocess);
        eprintln!("{t:?}");
        img.save(out).expect("save");
    }
    let reader = match Reader::new(settings) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let path = std::path::Path::new(&args[0]);
    if let Some(i) = args.iter().position(|a| a == "--record") {
        // Writes the OCR words as JSON (recorded fixtures for extraction tests).
        let out = args.get(i + 1).expect("--record OUT");
        let pages = reader.ocr_pages(path).expect("ocr");
        std::fs::write(out, serde_json::to_string(&pages).expect("json")).expect("write");
    }
    if args.iter().any(|a| a == "--words") {
        match reader.ocr_pages(path) {
            Ok(pages) => {
                for p in &pages {
                    println!(
                        "--- page {} ({}x{}, {:?})\n{}",
                        p.page,
                        p.width,
                        p.height,
                        p.transform,
                        p.text()
                    );
                }
            }
            Err(e) => eprintln!("{e}"),
        }
    }
    let doc = reader.read_document(path, &spec, &Hints::new());
    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
}
