//! End to end with real Tesseract on a few committed synthetic scans
//! (`tests/images`, written by prereview-docgen with their truth files).
//! Kept few: each page costs seconds.

use prereview_model::document::FieldType;
use prereview_ocr::{default_threshold, specs, Hints, Reader, Settings};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

fn img(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/images")
        .join(name)
}

fn truth(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(img(name)).unwrap()).unwrap()
}

fn reader(cache: Option<PathBuf>) -> Reader {
    Reader::new(Settings {
        threads: 2,
        cache_dir: cache,
        ..Settings::default()
    })
    .unwrap()
}

fn norm(v: &Value) -> String {
    match v {
        Value::String(s) => prereview_validators::text::normalize(s),
        other => other.to_string(),
    }
}

fn overlaps(a: [u32; 4], b: &Value) -> bool {
    let b: Vec<u32> = b
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u32)
        .collect();
    a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3]
}

/// Reads the scans; trusted values equal the truth, and a correct value's box
/// lies on the printed value in the original image's pixels.
#[test]
fn scans_read_with_trust_and_location() {
    let r = reader(None);
    for (file, t) in [
        ("clean_id_card_03.png", "clean_id_card_03.truth.json"),
        (
            "mild_health_certificate_03.jpg",
            "mild_health_certificate_03.truth.json",
        ),
    ] {
        let t = truth(t);
        let spec = specs::builtin()
            .into_iter()
            .find(|s| s.kind == t["kind"])
            .unwrap();
        let doc = r.read_document(&img(file), &spec, &Hints::new());
        assert!(doc.error.is_none(), "{file}: {:?}", doc.error);
        let mut correct = 0;
        for f in &spec.fields {
            let rf = &doc.fields[&f.name];
            let want = &t["fields"][&f.name];
            match &rf.value {
                Some(v) if norm(v) == norm(want) || (f.ty == FieldType::Number && v == want) => {
                    correct += 1;
                    let b = rf.bbox.expect("box");
                    assert!(
                        overlaps(b, &t["boxes"][&f.name]["bbox"]),
                        "{file} {}: box {b:?} not on the value",
                        f.name
                    );
                }
                Some(v) => assert!(
                    rf.confidence < default_threshold(f.ty),
                    "{file} {}: wrong {v} (want {want}) at confidence {}",
                    f.name,
                    rf.confidence
                ),
                None => assert!(rf.reason.is_some()),
            }
        }
        assert!(
            correct * 2 >= spec.fields.len(),
            "{file}: only {correct} fields right: {doc:#?}"
        );
    }
    assert!(r.engines_created() <= r.threads(), "one engine per worker");
}

/// A second run (another reader, as with other rules) re-reads no image.
#[test]
fn cache_serves_the_second_run() {
    let dir = tempfile::tempdir().unwrap();
    let a = reader(Some(dir.path().to_path_buf()));
    let first = a.ocr_pages(&img("clean_id_card_03.png")).unwrap();
    assert_eq!(a.pages_ocrd(), 1);
    let again = a.ocr_pages(&img("clean_id_card_03.png")).unwrap();
    assert_eq!(a.pages_ocrd(), 1);
    assert_eq!(first, again);
    let b = reader(Some(dir.path().to_path_buf()));
    assert_eq!(b.ocr_pages(&img("clean_id_card_03.png")).unwrap(), first);
    assert_eq!(b.pages_ocrd(), 0);
    // Another page segmentation mode is another reading, not a cache hit.
    b.ocr_pages_psm(&img("clean_id_card_03.png"), 6).unwrap();
    assert_eq!(b.pages_ocrd(), 1);
}

/// Every page of a scanned PDF is rendered (pdftoppm) and read.
#[test]
fn pdf_pages_are_rasterised() {
    let pages = prereview_ocr::pdf::rasterize(
        &img("clean_lease_contract_02.pdf"),
        100,
        10,
        60_000_000,
        Duration::from_secs(60),
    )
    .unwrap();
    assert_eq!(pages.len(), 2);
    let e = prereview_ocr::pdf::rasterize(
        &img("clean_lease_contract_02.pdf"),
        100,
        1,
        60_000_000,
        Duration::from_secs(60),
    )
    .unwrap_err();
    assert!(e.to_string().contains("页数过多"), "{e}");
}

/// Bad input never panics: a document-level error in Chinese and English,
/// every field null with a reason.
#[test]
fn unreadable_documents_report_errors() {
    let dir = tempfile::tempdir().unwrap();
    let spec = specs::builtin()
        .into_iter()
        .find(|s| s.kind == "id_card")
        .unwrap();
    let r = Reader::new(Settings {
        threads: 1,
        page_timeout: Duration::from_millis(1),
        ..Settings::default()
    })
    .unwrap();
    let corrupt = dir.path().join("x.png");
    std::fs::write(&corrupt, b"\x89PNG\r\n\x1a\nnot really").unwrap();
    let pdf = dir.path().join("y.pdf");
    std::fs::write(&pdf, b"%PDF-1.4 garbage").unwrap();
    for (p, needle) in [
        (corrupt, "损坏"),
        (pdf, "PDF"),
        (dir.path().join("missing.png"), "无法读取"),
        // A real page that cannot be read within 1 ms.
        (img("clean_id_card_03.png"), "超时"),
    ] {
        let d = r.read_document(&p, &spec, &Hints::new());
        let e = d.error.clone().unwrap_or_default();
        assert!(e.contains(needle), "{}: {e}", p.display());
        assert_eq!(d.fields.len(), spec.fields.len());
        assert!(d
            .fields
            .values()
            .all(|f| f.value.is_none() && f.reason.is_some()));
    }
    // Tesseract was stopped at the limit, so the worker kept its engine for
    // the next page: no replacement worker, no second engine.
    let again = r.read_document(&img("clean_id_card_03.png"), &spec, &Hints::new());
    assert!(again.error.unwrap_or_default().contains("超时"));
    assert_eq!(r.engines_created(), 1);
}

/// The time limit stops a recognition inside Tesseract, between words: the
/// call returns a timeout instead of the page, and the same engine then
/// reads the page in full.
#[test]
fn a_time_limit_stops_tesseract_and_keeps_the_engine() {
    use prereview_ocr::engine::Engine;
    use prereview_ocr::EngineError;
    let page = image::open(img("mild_health_certificate_03.jpg"))
        .unwrap()
        .into_luma8();
    let (prepared, _) = prereview_ocr::preprocess::prepare(&page, &Default::default());
    let mut engine = Engine::new(Default::default());
    // Load the model first, so that the limit falls inside the recognition.
    let blank = image::GrayImage::from_pixel(64, 32, image::Luma([255]));
    engine.recognize(&blank, 7).unwrap();
    engine.start_clock(Some(Duration::from_millis(20)));
    let e = engine.recognize(&prepared, 3).unwrap_err();
    assert!(matches!(e, EngineError::Timeout(_)), "{e}");
    assert!(e.to_string().contains("超过 0.02 秒"), "{e}");
    engine.start_clock(None);
    let words = engine.recognize(&prepared, 3).unwrap();
    let text: String = words.iter().map(|w| w.text.as_str()).collect();
    assert!(text.contains("健康证明"), "{text}");
    assert_eq!(engine.created, 1);
}

/// A single line read with a whitelist: the ID number line of a committed
/// scan (cut where the truth box says, with a margin) reads as the printed
/// number, with a per-character confidence; the whitelist is cleared after,
/// so the same engine still reads Chinese.
#[test]
fn line_reading_with_whitelist_then_without() {
    let t = truth("clean_id_card_03.truth.json");
    let page = image::open(img("clean_id_card_03.png"))
        .unwrap()
        .into_luma8();
    let b: Vec<u32> = t["boxes"]["id_number"]["bbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u32)
        .collect();
    let crop =
        image::imageops::crop_imm(&page, b[0] - 20, b[1] - 12, b[2] + 40, b[3] + 24).to_image();
    let mut engine = prereview_ocr::engine::Engine::new(Default::default());
    let r = engine.recognize_line(&crop, "0123456789X").unwrap();
    assert_eq!(
        r.text.replace(' ', ""),
        t["fields"]["id_number"].as_str().unwrap()
    );
    assert!(
        r.min_conf() > 0.5 && r.min_conf() <= 1.0,
        "{}",
        r.min_conf()
    );
    let nb: Vec<u32> = t["boxes"]["name"]["bbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u32)
        .collect();
    let name =
        image::imageops::crop_imm(&page, nb[0] - 20, nb[1] - 12, nb[2] + 40, nb[3] + 24).to_image();
    let r = engine.recognize_line(&name, "").unwrap();
    assert!(!r.text.is_ascii(), "whitelist left set: {:?}", r.text);
}

/// A multi-page TIFF (as scanners and fax gateways write): every page is
/// read, and a value on page 2 says page 2 (the image crate alone reads page 1).
#[test]
fn every_page_of_a_multi_page_tiff_is_read() {
    use tiff::encoder::{colortype, TiffEncoder};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scan.tif");
    let mut out = std::fs::File::create(&path).unwrap();
    let mut tif = TiffEncoder::new(&mut out).unwrap();
    // A blank cover sheet, then the certificate.
    let cert = image::open(img("mild_health_certificate_03.jpg"))
        .unwrap()
        .to_luma8();
    let cover = image::GrayImage::from_pixel(cert.width(), cert.height(), image::Luma([255]));
    for g in [&cover, &cert] {
        tif.write_image::<colortype::Gray8>(g.width(), g.height(), g.as_raw())
            .unwrap();
    }
    drop(out);
    let reader = Reader::new(Settings {
        threads: 2,
        second_look: prereview_ocr::SecondLook::Off,
        reread: prereview_ocr::Reread::Off,
        band_pass: false,
        ..Settings::default()
    })
    .unwrap();
    let spec = specs::builtin()
        .into_iter()
        .find(|s| s.kind == "health_certificate")
        .unwrap();
    let doc = reader.read_document(&path, &spec, &Hints::new());
    assert_eq!(doc.error, None);
    assert_eq!(doc.pages, Some(2));
    let t = truth("mild_health_certificate_03.truth.json");
    let right: Vec<&String> = doc
        .fields
        .iter()
        .filter(|(name, f)| f.value.as_ref().map(norm) == Some(norm(&t["fields"][name.as_str()])))
        .map(|(name, f)| {
            assert_eq!(f.page, Some(2), "{name}: {f:?}");
            name
        })
        .collect();
    assert!(right.len() >= 4, "{right:?} of {:?}", doc.fields);
}

/// The installed model's characters come from its own file: a name on the
/// form with a character it cannot output (昳, as the Debian `chi_sim` has
/// no 昳) sends the field read to a person, with that character named.
#[test]
fn a_form_name_the_model_cannot_write_goes_to_a_person() {
    use prereview_model::document::{ReadDocument, ReadField};
    let charset = prereview_ocr::charset::ModelCharset::load("chi_sim", None)
        .expect("the chi_sim model is installed (scripts/install-deps)");
    assert!(charset.len() > 3000, "{}", charset.len());
    assert!(charset.can_output('张') && charset.can_output('7'));
    assert_eq!(charset.unreadable_in("韦昳"), vec!['昳']);
    // The reader loads the same set.
    assert_eq!(reader(None).charset().map(|c| c.len()), Some(charset.len()));

    let spec = specs::builtin()
        .into_iter()
        .find(|s| s.kind == "id_card")
        .unwrap();
    let read = ReadField {
        value: Some(serde_json::json!("韦歇")),
        confidence: 0.93,
        page: Some(1),
        bbox: Some([10, 10, 40, 20]),
        reason: None,
        raw: Some("韦 歇".into()),
    };
    let doc = ReadDocument {
        file: "id.png".into(),
        kind: "id_card".into(),
        fields: [("name".to_string(), read.clone())].into(),
        pages: Some(1),
        error: None,
    };
    let hints = |name: &str| Hints::from([("name".to_string(), name.to_string())]);
    let mut d = doc.clone();
    prereview_ocr::extract::doubt_unwritable_hints(&mut d, &spec, &hints("韦昳"), &charset);
    let name = &d.fields["name"];
    assert_eq!(name.value, read.value, "the value stays as read");
    assert!(name.confidence < default_threshold(FieldType::Text));
    assert!(name.reason.as_deref().unwrap().contains("“昳”"), "{name:?}");
    // A form name the model can write changes nothing.
    let mut d = doc.clone();
    prereview_ocr::extract::doubt_unwritable_hints(&mut d, &spec, &hints("韦歌"), &charset);
    assert_eq!(d.fields["name"], read);
}
