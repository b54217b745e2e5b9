//! Regenerates the fixture scans under `tests/fixtures/SUB-2025-000123/`:
//! `cargo test -p prereview-report --test make_fixture -- --ignored`.
//! It prints the box of every field drawn, which `report.json` records (for the
//! PDF doubled: the lease page is drawn at 150 dpi, and the OCR reports boxes on
//! PDF pages in pixels of its 300-dpi rendering).
//! The committed files are what the other tests use; this only documents how
//! they were made (a synthetic ID card and a one-page scanned PDF lease).

use ab_glyph::{FontVec, PxScale};
use image::{ImageEncoder, Rgb, RgbImage};
use imageproc::drawing::{draw_filled_rect_mut, draw_text_mut, text_size};
use imageproc::rect::Rect;
use std::path::Path;

const FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

fn font() -> FontVec {
    FontVec::try_from_vec_and_index(std::fs::read(FONT).expect(FONT), 0).unwrap()
}

/// Draws `label` then `value`; prints and returns the value's box.
#[allow(clippy::too_many_arguments)]
fn field(
    img: &mut RgbImage,
    f: &FontVec,
    x: i32,
    y: i32,
    px: f32,
    label: &str,
    value: &str,
    name: &str,
) {
    let scale = PxScale::from(px);
    let grey = Rgb([90, 90, 110]);
    let ink = Rgb([20, 20, 30]);
    draw_text_mut(img, grey, x, y, scale, f, label);
    let (lw, _) = text_size(scale, f, label);
    let vx = x + lw as i32 + (px * 0.6) as i32;
    draw_text_mut(img, ink, vx, y, scale, f, value);
    let (vw, vh) = text_size(scale, f, value);
    println!("{name}: [{vx}, {y}, {vw}, {}]", vh.max(px as u32));
}

/// A minimal PDF with one page showing a JPEG at 150 dpi, so that pdftoppm at
/// 150 dpi gives back the image's pixel grid.
fn write_pdf(path: &Path, jpeg: &[u8], w: u32, h: u32) {
    let pw = w as f64 * 72.0 / 150.0;
    let ph = h as f64 * 72.0 / 150.0;
    let content = format!("q {pw:.3} 0 0 {ph:.3} 0 0 cm /Im0 Do Q");
    let mut objs: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw:.3} {ph:.3}] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>").into_bytes(),
    ];
    let mut img = format!("<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length {} >>\nstream\n", jpeg.len()).into_bytes();
    img.extend_from_slice(jpeg);
    img.extend_from_slice(b"\nendstream");
    objs.push(img);
    objs.push(
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        )
        .into_bytes(),
    );
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objs.len() + 1
        )
        .as_bytes(),
    );
    std::fs::write(path, out).unwrap();
}

#[test]
#[ignore = "regenerates committed fixture files"]
fn make_fixture_scans() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/SUB-2025-000123");
    let f = font();

    // ID card, front side, at roughly 300 dpi photo scale.
    let mut card = RgbImage::from_pixel(1000, 630, Rgb([236, 241, 246]));
    draw_filled_rect_mut(
        &mut card,
        Rect::at(0, 0).of_size(1000, 14),
        Rgb([150, 180, 210]),
    );
    draw_filled_rect_mut(
        &mut card,
        Rect::at(700, 90).of_size(230, 290),
        Rgb([205, 212, 222]),
    );
    println!("id_card.png");
    field(&mut card, &f, 60, 80, 40.0, "姓名", "张玮", "name");
    field(&mut card, &f, 60, 160, 36.0, "性别", "男", "sex");
    field(&mut card, &f, 300, 160, 36.0, "民族", "汉", "ethnicity");
    field(
        &mut card,
        &f,
        60,
        235,
        36.0,
        "出生",
        "1990年3月7日",
        "birth_date",
    );
    field(
        &mut card,
        &f,
        60,
        310,
        36.0,
        "住址",
        "山东省济南市历下区泉城路188号",
        "address",
    );
    field(
        &mut card,
        &f,
        60,
        520,
        40.0,
        "公民身份号码",
        "370102199003071234",
        "id_number",
    );
    card.save(dir.join("id_card_zhangwei.png")).unwrap();

    // Lease contract, page 1, A4 at 150 dpi.
    let (w, h) = (1240, 1754);
    let mut page = RgbImage::from_pixel(w, h, Rgb([252, 251, 247]));
    draw_text_mut(
        &mut page,
        Rgb([20, 20, 30]),
        470,
        120,
        PxScale::from(56.0),
        &f,
        "房屋租赁合同",
    );
    println!("lease.pdf");
    field(
        &mut page,
        &f,
        120,
        300,
        34.0,
        "出租方（甲方）：",
        "济南泉城置业有限公司",
        "lessor",
    );
    field(
        &mut page,
        &f,
        120,
        370,
        34.0,
        "承租方（乙方）：",
        "济南泉悦网络科技有限公司",
        "lessee",
    );
    field(
        &mut page,
        &f,
        120,
        440,
        34.0,
        "房屋坐落：",
        "山东省济南市历下区泉城路188号8层801室",
        "premises_address",
    );
    field(
        &mut page,
        &f,
        120,
        510,
        34.0,
        "租赁期限：",
        "2025年1月1日至2025年12月31日",
        "term",
    );
    field(&mut page, &f, 120, 580, 34.0, "房屋用途：", "办公", "usage");
    for i in 0..14 {
        let y = 700 + i * 60;
        draw_filled_rect_mut(
            &mut page,
            Rect::at(120, y).of_size(1000 - (i as u32 % 3) * 120, 6),
            Rgb([200, 200, 205]),
        );
    }
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80)
        .write_image(page.as_raw(), w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    write_pdf(&dir.join("lease.pdf"), &jpeg, w, h);
}
