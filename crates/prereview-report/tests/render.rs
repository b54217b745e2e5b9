//! Rendering of a fixed report: snapshots of the text and HTML (without crops),
//! crops from a PNG scan and a PDF page, masking.

use base64::Engine;
use prereview_model::report::Report;
use prereview_report::{render_html, render_html_with_stats, render_text, RenderOptions};
use std::path::{Path, PathBuf};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/SUB-2025-000123")
}

fn fixture_report() -> Report {
    let text = std::fs::read_to_string(fixture_dir().join("report.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The data URIs of every `<img>` in the page, decoded.
fn crops(html: &str) -> Vec<image::DynamicImage> {
    html.split("src=\"data:image/jpeg;base64,")
        .skip(1)
        .map(|rest| {
            let b64 = &rest[..rest.find('"').unwrap()];
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap();
            image::load_from_memory(&bytes).unwrap()
        })
        .collect()
}

#[test]
fn text_snapshot() {
    insta::assert_snapshot!(render_text(&fixture_report(), &RenderOptions::default()));
}

#[test]
fn html_snapshot_without_scans() {
    let html = render_html(&fixture_report(), None, &RenderOptions::default());
    assert!(!html.contains("data:image"));
    insta::assert_snapshot!(html);
}

#[test]
fn both_headers_say_how_the_documents_were_read() {
    let mut report = fixture_report();
    let none = render_text(&report, &RenderOptions::default());
    assert!(
        !none.contains("read with"),
        "no reading claimed without one"
    );
    report.reading = Some("second look Doubtful, tesseract 5.3.0|chi_sim <a5fc>".into());
    let text = render_text(&report, &RenderOptions::default());
    assert!(text.contains("read with second look Doubtful, tesseract 5.3.0|chi_sim <a5fc>"));
    let html = render_html(&report, None, &RenderOptions::default());
    assert!(html.contains("识别方式 read with"));
    assert!(
        html.contains("tesseract 5.3.0|chi_sim &lt;a5fc&gt;"),
        "escaped in HTML"
    );
}

#[test]
fn masked_by_default_unmasked_on_request() {
    let report = fixture_report();
    for out in [
        render_text(&report, &RenderOptions::default()),
        render_html(&report, Some(&fixture_dir()), &RenderOptions::default()),
    ] {
        assert!(!out.contains("370102199003071234"));
        assert!(!out.contains("13900000000"));
        assert!(out.contains("370102********1234"));
        assert!(out.contains("139****0000"));
    }
    let open = RenderOptions {
        unmasked: true,
        ..Default::default()
    };
    assert!(render_text(&report, &open).contains("370102199003071234"));
    assert!(render_html(&report, None, &open).contains("13900000000"));
}

#[test]
fn html_is_self_contained() {
    let html = render_html(
        &fixture_report(),
        Some(&fixture_dir()),
        &RenderOptions::default(),
    );
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("退回补正"));
    for banned in ["http://", "https://", "<script", "<link", "@import"] {
        assert!(!html.contains(banned), "page refers to {banned}");
    }
}

#[test]
fn crops_from_png_and_pdf_show_the_box() {
    if which("pdftoppm").is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "pdftoppm (poppler-utils) is missing in CI"
        );
        eprintln!("NOTICE: pdftoppm not installed; PDF crop not tested");
        return;
    }
    let html = render_html(
        &fixture_report(),
        Some(&fixture_dir()),
        &RenderOptions::default(),
    );
    let imgs = crops(&html);
    // CE-014 (id card name), CE-021 (lease.pdf term), CE-003 (id card number);
    // the missing scan of CE-030 gives a note instead.
    assert_eq!(imgs.len(), 3, "{} crops", imgs.len());
    assert!(html.contains("无法显示扫描截图"));
    assert!(html.contains("missing_scan.jpg"));
    for img in &imgs {
        let rgb = img.to_rgb8();
        assert!(rgb.width() <= 560 && rgb.height() <= 300);
        // The red box survives JPEG: some strongly red pixels.
        let red = rgb
            .pixels()
            .filter(|p| p[0] > 170 && p[1] < 90 && p[2] < 90)
            .count();
        assert!(red > 50, "no box drawn ({red} red pixels)");
        // The box is drawn around ink.
        let dark = ink_inside_box(&rgb);
        assert!(dark > 30, "no ink inside the box ({dark} dark pixels)");
    }
}

#[test]
fn pdf_boxes_follow_the_ocr_resolution() {
    if which("pdftoppm").is_none() {
        return;
    }
    // The same report read as if the OCR had rendered the PDF at 150 dpi: the box
    // (in 300-dpi pixels) then lands elsewhere and the crop differs.
    let report = fixture_report();
    let at300 = render_html(&report, Some(&fixture_dir()), &RenderOptions::default());
    let at150 = render_html(
        &report,
        Some(&fixture_dir()),
        &RenderOptions {
            pdf_box_dpi: 150,
            ..Default::default()
        },
    );
    let (a, b) = (crops(&at300), crops(&at150));
    assert_eq!(a.len(), b.len());
    assert!(ink_inside_box(&a[1].to_rgb8()) > 30);
    assert!(
        ink_inside_box(&b[1].to_rgb8()) < 5,
        "a box at the wrong resolution should miss the text"
    );
}

#[test]
fn unreadable_scan_omits_the_crop_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("id_card_zhangwei.png"), b"not an image").unwrap();
    let html = render_html(
        &fixture_report(),
        Some(dir.path()),
        &RenderOptions::default(),
    );
    assert!(!html.contains("data:image"));
    assert!(html.contains("the image could not be read"));
    assert!(html.contains("lease.pdf"));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn crops_drawn_once_are_taken_from_the_cache_and_equal() {
    let pdf = which("pdftoppm").is_some();
    let work = tempfile::tempdir().unwrap();
    let scans = work.path().join("scans");
    copy_dir(&fixture_dir(), &scans);
    let report = fixture_report();
    let plain = RenderOptions::default();
    let cached = RenderOptions {
        crop_cache: Some(work.path().join("crops")),
        ..Default::default()
    };

    let (without, s0) = render_html_with_stats(&report, Some(&scans), &plain);
    assert_eq!(s0.crops_from_cache, 0);
    assert!(s0.scans_decoded >= 1 && s0.crops_drawn >= 2, "{s0:?}");
    assert_eq!(s0.pdf_pages_rendered, u64::from(pdf));

    // First page with the cache: drawn as without it, and kept.
    let (first, s1) = render_html_with_stats(&report, Some(&scans), &cached);
    assert_eq!(first, without);
    assert_eq!(
        (s1.scans_decoded, s1.crops_drawn),
        (s0.scans_decoded, s0.crops_drawn)
    );

    // Again: the same page, and no scan decoded, no PDF page rasterised.
    let (again, s2) = render_html_with_stats(&report, Some(&scans), &cached);
    assert_eq!(again, without);
    assert_eq!(s2.scans_decoded, 0, "{s2:?}");
    assert_eq!(s2.pdf_pages_rendered, 0, "{s2:?}");
    assert_eq!(s2.crops_drawn, 0, "{s2:?}");
    assert_eq!(s2.crops_from_cache, crops(&without).len() as u64);

    // The cache is keyed by content, not by file name: another scan under the
    // same name is decoded and its crops drawn anew.
    let card = scans.join("id_card_zhangwei.png");
    let img = image::open(&card).unwrap().fliph();
    img.save_with_format(&card, image::ImageFormat::Png)
        .unwrap();
    let (changed, s3) = render_html_with_stats(&report, Some(&scans), &cached);
    assert_eq!(s3.scans_decoded, 1, "{s3:?}");
    assert_eq!(s3.pdf_pages_rendered, 0, "{s3:?}");
    assert_ne!(changed, without);
    let (direct, _) = render_html_with_stats(&report, Some(&scans), &plain);
    assert_eq!(changed, direct);
}

/// Dark pixels inside the red frame drawn on a crop.
fn ink_inside_box(rgb: &image::RgbImage) -> usize {
    let is_red = |p: &image::Rgb<u8>| p[0] > 170 && p[1] < 90 && p[2] < 90;
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in rgb.enumerate_pixels() {
        if is_red(p) {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    if x0 == u32::MAX {
        return 0;
    }
    (x0 + 3..x1.saturating_sub(2))
        .flat_map(|x| (y0 + 3..y1.saturating_sub(2)).map(move |y| (x, y)))
        .filter(|&(x, y)| {
            let p = rgb.get_pixel(x, y);
            p[0] < 90 && p[1] < 90 && p[2] < 90
        })
        .count()
}

fn which(cmd: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(cmd))
            .find(|p| p.is_file())
    })
}
