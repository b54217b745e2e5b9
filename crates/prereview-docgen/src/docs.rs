//! Document kinds of contract §1.3: their data and how each is drawn.

use crate::canvas::{text_width_mm, union_opt, Canvas, PxBox, BLACK, RED, WHITE};
use crate::data::{self, cn_date, dotted_date, iso, yuan_upper, Person, Rng8};
use crate::fonts::{fonts, Face, FaceStyle};
use crate::Error;
use chrono::{Datelike, NaiveDate};
use image::{Rgb, RgbImage};
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A document kind of contract §1.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    IdCard,
    BusinessLicense,
    LeaseContract,
    PropertyCertificate,
    HealthCertificate,
    HygieneInspectionReport,
    FloorPlan,
}

impl Kind {
    /// Every kind, in a fixed order.
    pub const ALL: [Kind; 7] = [
        Kind::IdCard,
        Kind::BusinessLicense,
        Kind::LeaseContract,
        Kind::PropertyCertificate,
        Kind::HealthCertificate,
        Kind::HygieneInspectionReport,
        Kind::FloorPlan,
    ];

    /// The kind name used in submissions (`id_card`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::IdCard => "id_card",
            Kind::BusinessLicense => "business_license",
            Kind::LeaseContract => "lease_contract",
            Kind::PropertyCertificate => "property_certificate",
            Kind::HealthCertificate => "health_certificate",
            Kind::HygieneInspectionReport => "hygiene_inspection_report",
            Kind::FloorPlan => "floor_plan",
        }
    }

    /// Field names of the kind (contract §1.3), in contract order.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::IdCard => &[
                "name",
                "sex",
                "ethnicity",
                "birth_date",
                "address",
                "id_number",
                "issuer",
                "valid_from",
                "valid_until",
            ],
            Kind::BusinessLicense => &[
                "uscc",
                "name",
                "type",
                "legal_representative",
                "registered_capital_wan",
                "established_on",
                "term",
                "address",
                "business_scope",
            ],
            Kind::LeaseContract => &[
                "lessor",
                "lessee",
                "premises_address",
                "area_m2",
                "term_start",
                "term_end",
                "usage",
            ],
            Kind::PropertyCertificate => &["owner", "address", "usage", "area_m2"],
            Kind::HealthCertificate => &[
                "name",
                "sex",
                "id_number",
                "certificate_no",
                "issued_on",
                "valid_until",
                "result",
            ],
            Kind::HygieneInspectionReport => {
                &["unit_name", "report_no", "inspected_on", "conclusion"]
            }
            Kind::FloorPlan => &[],
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Kind, String> {
        Kind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown document kind `{s}`"))
    }
}

/// 营业执照 content.
#[derive(Debug, Clone)]
pub struct License {
    pub uscc: String,
    pub name: String,
    pub company_type: String,
    pub legal_rep: String,
    pub capital_wan: u64,
    pub established: NaiveDate,
    /// `None` = 长期.
    pub term_end: Option<NaiveDate>,
    pub address: String,
    pub scope: Vec<String>,
    /// 登记机关.
    pub authority: String,
    pub issued: NaiveDate,
}

/// 房屋租赁合同 content.
#[derive(Debug, Clone)]
pub struct Lease {
    pub lessor: String,
    /// The lessor's ID number or USCC.
    pub lessor_id: String,
    pub lessee: String,
    pub address: String,
    pub area_m2: f64,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub usage: String,
    pub rent_yuan_month: u64,
    pub signed: NaiveDate,
    /// Whether the contract runs to a second page (the long boilerplate).
    pub long: bool,
}

/// 不动产权证书 content.
#[derive(Debug, Clone)]
pub struct Property {
    pub owner: String,
    pub address: String,
    pub usage: String,
    pub area_m2: f64,
    pub cert_no: String,
    pub county_code: String,
}

/// 健康证明 content.
#[derive(Debug, Clone)]
pub struct Health {
    pub name: String,
    pub sex: String,
    pub id_number: String,
    pub cert_no: String,
    pub issued: NaiveDate,
    pub valid_until: NaiveDate,
    pub result: String,
    pub issuer: String,
}

/// 卫生检测报告 content.
#[derive(Debug, Clone)]
pub struct Hygiene {
    pub unit_name: String,
    pub unit_address: String,
    pub report_no: String,
    pub inspected: NaiveDate,
    pub reported: NaiveDate,
    pub lab: String,
    pub venue: String,
    /// Whether every item meets the standard.
    pub pass: bool,
}

/// 平面图 content.
#[derive(Debug, Clone)]
pub struct FloorPlan {
    pub unit_name: String,
    pub address: String,
    pub venue: String,
    pub area_m2: f64,
    pub drawn: NaiveDate,
}

/// What one document says.
#[derive(Debug, Clone)]
pub enum DocData {
    IdCard(Person),
    BusinessLicense(License),
    LeaseContract(Lease),
    PropertyCertificate(Property),
    HealthCertificate(Health),
    HygieneInspectionReport(Hygiene),
    FloorPlan(FloorPlan),
}

impl DocData {
    /// The document's kind.
    pub fn kind(&self) -> Kind {
        match self {
            DocData::IdCard(_) => Kind::IdCard,
            DocData::BusinessLicense(_) => Kind::BusinessLicense,
            DocData::LeaseContract(_) => Kind::LeaseContract,
            DocData::PropertyCertificate(_) => Kind::PropertyCertificate,
            DocData::HealthCertificate(_) => Kind::HealthCertificate,
            DocData::HygieneInspectionReport(_) => Kind::HygieneInspectionReport,
            DocData::FloorPlan(_) => Kind::FloorPlan,
        }
    }
}

/// A drawn document: pages at `dpi`, canonical field values and where they are.
pub struct Rendered {
    pub kind: Kind,
    pub dpi: f32,
    pub pages: Vec<RgbImage>,
    /// Canonical values (contract `ReadField.value` form).
    pub fields: BTreeMap<String, Value>,
    /// Page (1-based) and ink box of each value, in pixels of that page.
    pub boxes: BTreeMap<String, (u32, PxBox)>,
    /// Faces used (for the truth file).
    pub fonts: Vec<&'static str>,
}

/// A field name with its canonical value.
type FieldValue = (&'static str, Value);
/// A piece of text, possibly a field value.
type Span<'a> = (&'a str, Option<FieldValue>);
/// The same with owned text.
type OwnedSpan = (String, Option<FieldValue>);

struct Rec {
    fields: BTreeMap<String, Value>,
    boxes: BTreeMap<String, (u32, PxBox)>,
}

impl Rec {
    fn new() -> Rec {
        Rec {
            fields: BTreeMap::new(),
            boxes: BTreeMap::new(),
        }
    }
    fn put(&mut self, name: &str, value: Value, page: u32, b: Option<PxBox>) {
        self.fields.insert(name.to_string(), value);
        if let Some(b) = b {
            let e = self.boxes.entry(name.to_string()).or_insert((page, b));
            if e.0 == page {
                e.1 = e.1.union(b);
            }
        }
    }
}

/// Faces picked for one document.
struct Faces {
    label: &'static Face,
    value: &'static Face,
    title: &'static Face,
}

fn pick_faces(rng: &mut Rng8, value_styles: &[FaceStyle]) -> Result<Faces, Error> {
    let fs = fonts()?;
    let style = *value_styles.choose(rng).unwrap_or(&FaceStyle::Sans);
    let values = fs.of_style(style);
    let value = *values.choose(rng).unwrap_or(&fs.fallback());
    let sans = fs.of_style(FaceStyle::Sans);
    let label = if rng.gen_bool(0.5) {
        value
    } else {
        *sans.choose(rng).unwrap()
    };
    let title = *sans.choose(rng).unwrap();
    Ok(Faces {
        label,
        value,
        title,
    })
}

/// Extra letter spacing (em) that spreads an `n`-character label over `width_chars`.
fn spread(label: &str, width_chars: f32) -> f32 {
    let n = label.chars().count() as f32;
    if n <= 1.0 {
        0.0
    } else {
        ((width_chars - n) / (n - 1.0)).max(0.0)
    }
}

/// Splits `text` into lines of at most `width` mm, never inside a run of ASCII
/// letters/digits and never starting a line with closing punctuation.
pub fn wrap(
    face: &'static Face,
    size: f32,
    text: &str,
    width: f32,
    first_indent: f32,
) -> Vec<String> {
    let tokens = tokens(text);
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut avail = width - first_indent;
    for t in tokens {
        let candidate = format!("{cur}{t}");
        if !cur.is_empty() && text_width_mm(face, size, &candidate, 0.0) > avail && !is_closing(&t)
        {
            lines.push(std::mem::take(&mut cur));
            avail = width;
            cur = t;
        } else {
            cur = candidate;
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

fn is_closing(t: &str) -> bool {
    t.chars()
        .next()
        .map(|c| "，。；：、）》”！？,.;:)".contains(c))
        .unwrap_or(false)
}

fn tokens(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut run = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric()
            || (c == '.' && !run.is_empty())
            || (c == '-' && !run.is_empty())
        {
            run.push(c);
        } else {
            if !run.is_empty() {
                out.push(std::mem::take(&mut run));
            }
            out.push(c.to_string());
        }
    }
    if !run.is_empty() {
        out.push(run);
    }
    out
}

/// Draws a paragraph made of spans, some of them field values, wrapping at `width`;
/// returns the baseline after the last line. Field boxes go to `rec`.
fn paragraph(
    c: &mut Canvas,
    rec: &mut Rec,
    page: u32,
    face: &'static Face,
    size: f32,
    x: f32,
    baseline: f32,
    width: f32,
    line_h: f32,
    indent: f32,
    spans: &[Span],
) -> f32 {
    // Lay out the whole text once, then draw span by span along the lines.
    let full: String = spans.iter().map(|s| s.0).collect();
    let lines = wrap(face, size, &full, width, indent);
    let mut span_of_char = Vec::new();
    for (i, (t, _)) in spans.iter().enumerate() {
        for _ in t.chars() {
            span_of_char.push(i);
        }
    }
    let mut boxes: Vec<Option<PxBox>> = vec![None; spans.len()];
    let mut ci = 0usize;
    let mut y = baseline;
    for (li, line) in lines.iter().enumerate() {
        let mut pen = x + if li == 0 { indent } else { 0.0 };
        // Group the line's characters by span.
        let chars: Vec<char> = line.chars().collect();
        let mut k = 0;
        while k < chars.len() {
            let sp = span_of_char.get(ci + k).copied().unwrap_or(0);
            let mut j = k;
            while j < chars.len() && span_of_char.get(ci + j).copied().unwrap_or(0) == sp {
                j += 1;
            }
            let piece: String = chars[k..j].iter().collect();
            let b = c.text(face, size, pen, y, &piece, BLACK, 0.0);
            pen += text_width_mm(face, size, &piece, 0.0);
            boxes[sp] = union_opt(boxes[sp], b);
            k = j;
        }
        ci += chars.len();
        y += line_h;
    }
    for (i, (_, f)) in spans.iter().enumerate() {
        if let Some((name, v)) = f {
            rec.put(name, v.clone(), page, boxes[i]);
        }
    }
    y
}

/// Renders a document at `dpi`.
pub fn render(doc: &DocData, dpi: f32, rng: &mut Rng8) -> Result<Rendered, Error> {
    let kind = doc.kind();
    let (pages, rec, faces) = match doc {
        DocData::IdCard(p) => id_card(p, dpi, rng)?,
        DocData::BusinessLicense(l) => business_license(l, dpi, rng)?,
        DocData::LeaseContract(l) => lease(l, dpi, rng)?,
        DocData::PropertyCertificate(p) => property(p, dpi, rng)?,
        DocData::HealthCertificate(h) => health(h, dpi, rng)?,
        DocData::HygieneInspectionReport(h) => hygiene(h, dpi, rng)?,
        DocData::FloorPlan(f) => floor_plan(f, dpi, rng)?,
    };
    let mut names = vec![faces.label.name, faces.value.name, faces.title.name];
    names.sort_unstable();
    names.dedup();
    Ok(Rendered {
        kind,
        dpi,
        pages,
        fields: rec.fields,
        boxes: rec.boxes,
        fonts: names,
    })
}

type Out = (Vec<RgbImage>, Rec, Faces);

fn paper(rng: &mut Rng8) -> Rgb<u8> {
    // Slightly off-white paper, as scanners see it.
    let v = rng.gen_range(246..=255u8);
    Rgb([v, v, v.saturating_sub(rng.gen_range(0..4))])
}

// ---------------------------------------------------------------- 居民身份证

fn id_card(p: &Person, dpi: f32, rng: &mut Rng8) -> Result<Out, Error> {
    let f = pick_faces(rng, &[FaceStyle::Sans, FaceStyle::Serif, FaceStyle::Sans])?;
    let mut c = Canvas::new(210.0, 297.0, dpi, paper(rng));
    let mut rec = Rec::new();
    let s: f32 = rng.gen_range(1.0..1.35);
    let (cw, ch) = (85.6 * s, 54.0 * s);
    let color_copy = rng.gen_bool(0.5);
    let tint = if color_copy {
        Rgb([228, 236, 244])
    } else {
        Rgb([236, 236, 236])
    };
    let label_col = if color_copy {
        Rgb([60, 110, 170])
    } else {
        Rgb([90, 90, 90])
    };
    let x0 = (210.0 - cw) / 2.0 + rng.gen_range(-10.0..10.0);
    let y_front = rng.gen_range(30.0..60.0);
    let y_back = y_front + ch + rng.gen_range(15.0..40.0);
    let spaced = rng.gen_bool(0.6);
    let lab_em = if spaced { 1.0 } else { 0.0 };
    let ls = 7.5 * s;
    let vs = 9.0 * s;

    // Front: 人像面.
    card_outline(&mut c, x0, y_front, cw, ch, tint);
    let lx = x0 + 6.0 * s;
    let vx = x0 + 17.0 * s;
    let row = |i: f32| y_front + (10.0 + 7.3 * i) * s;
    c.text(f.label, ls, lx, row(0.0), "姓名", label_col, lab_em);
    let b = c.text(f.value, vs, vx, row(0.0), &p.name, BLACK, 0.0);
    rec.put("name", json!(p.name), 1, b);
    c.text(f.label, ls, lx, row(1.0), "性别", label_col, lab_em);
    let b = c.text(f.value, vs, vx, row(1.0), p.sex, BLACK, 0.0);
    rec.put("sex", json!(p.sex), 1, b);
    c.text(
        f.label,
        ls,
        x0 + 30.0 * s,
        row(1.0),
        "民族",
        label_col,
        lab_em,
    );
    let b = c.text(
        f.value,
        vs,
        x0 + 41.0 * s,
        row(1.0),
        p.ethnicity,
        BLACK,
        0.0,
    );
    rec.put("ethnicity", json!(p.ethnicity), 1, b);
    c.text(f.label, ls, lx, row(2.0), "出生", label_col, lab_em);
    let birth = format!(
        "{} 年 {} 月 {} 日",
        p.birth.year(),
        p.birth.month(),
        p.birth.day()
    );
    let b = c.text(f.value, vs, vx, row(2.0), &birth, BLACK, 0.0);
    rec.put("birth_date", json!(iso(p.birth)), 1, b);
    c.text(f.label, ls, lx, row(3.0), "住址", label_col, lab_em);
    let lines = wrap(f.value, vs, &p.address, 38.0 * s, 0.0);
    let mut ab = None;
    for (i, l) in lines.iter().enumerate().take(3) {
        ab = union_opt(
            ab,
            c.text(
                f.value,
                vs,
                vx,
                row(3.0) + i as f32 * 4.8 * s,
                l,
                BLACK,
                0.0,
            ),
        );
    }
    rec.put("address", json!(p.address), 1, ab);
    c.text(
        f.label,
        ls,
        lx,
        y_front + 47.0 * s,
        "公民身份号码",
        label_col,
        0.0,
    );
    let b = c.text(
        f.value,
        10.5 * s,
        x0 + 30.0 * s,
        y_front + 47.3 * s,
        &p.id_number,
        BLACK,
        0.08,
    );
    rec.put("id_number", json!(p.id_number), 1, b);
    portrait(&mut c, x0 + 57.0 * s, y_front + 8.0 * s, 24.0 * s, 30.0 * s);

    // Back: 国徽面.
    card_outline(&mut c, x0, y_back, cw, ch, tint);
    let emblem = if color_copy {
        RED
    } else {
        Rgb([110, 110, 110])
    };
    c.ring(
        x0 + 13.0 * s,
        y_back + 13.0 * s,
        7.5 * s,
        1.2 * s,
        emblem,
        None,
    );
    c.star(x0 + 13.0 * s, y_back + 12.0 * s, 3.5 * s, emblem);
    c.text(
        f.title,
        10.0 * s,
        x0 + 30.0 * s,
        y_back + 13.0 * s,
        "中华人民共和国",
        BLACK,
        0.35,
    );
    c.text(
        f.title,
        17.0 * s,
        x0 + 26.0 * s,
        y_back + 27.0 * s,
        "居民身份证",
        BLACK,
        0.3,
    );
    let bl = x0 + 12.0 * s;
    let bv = x0 + 28.0 * s;
    c.text(
        f.label,
        ls,
        bl,
        y_back + 42.0 * s,
        "签发机关",
        label_col,
        0.0,
    );
    let b = c.text(f.value, vs, bv, y_back + 42.0 * s, &p.issuer, BLACK, 0.0);
    rec.put("issuer", json!(p.issuer), 1, b);
    c.text(
        f.label,
        ls,
        bl,
        y_back + 49.0 * s,
        "有效期限",
        label_col,
        0.0,
    );
    let from = dotted_date(p.valid_from);
    let b = c.text(f.value, vs, bv, y_back + 49.0 * s, &from, BLACK, 0.0);
    rec.put("valid_from", json!(iso(p.valid_from)), 1, b);
    let mut pen = bv + text_width_mm(f.value, vs, &from, 0.0);
    c.text(f.value, vs, pen, y_back + 49.0 * s, "-", BLACK, 0.0);
    pen += text_width_mm(f.value, vs, "-", 0.0);
    let (until_txt, until_val) = match p.valid_until {
        Some(d) => (dotted_date(d), json!(iso(d))),
        None => ("长期".to_string(), json!("长期")),
    };
    let b = c.text(f.value, vs, pen, y_back + 49.0 * s, &until_txt, BLACK, 0.0);
    rec.put("valid_until", until_val, 1, b);
    Ok((vec![c.img], rec, f))
}

fn card_outline(c: &mut Canvas, x: f32, y: f32, w: f32, h: f32, tint: Rgb<u8>) {
    c.fill_rect(x, y, w, h, tint);
    // Guilloche-like fine lines that the real card has behind the text.
    let mut k = 0.0;
    while k < h {
        let col = Rgb([tint.0[0] - 8, tint.0[1] - 6, tint.0[2] - 4]);
        c.line(x + 1.0, y + k, x + w - 1.0, y + k + 2.0, 0.12, col);
        k += 3.1;
    }
    c.stroke_rect(x, y, w, h, 0.3, Rgb([150, 150, 150]));
}

fn portrait(c: &mut Canvas, x: f32, y: f32, w: f32, h: f32) {
    c.fill_rect(x, y, w, h, Rgb([225, 225, 225]));
    let g = Rgb([120, 120, 120]);
    c.fill_ellipse(x + w / 2.0, y + h * 0.36, w * 0.2, h * 0.18, g);
    // Shoulders stay inside the photo box.
    c.fill_ellipse(x + w / 2.0, y + h * 0.84, w * 0.4, h * 0.15, g);
}

// ---------------------------------------------------------------- 营业执照

fn business_license(l: &License, dpi: f32, rng: &mut Rng8) -> Result<Out, Error> {
    let f = pick_faces(rng, &[FaceStyle::Serif, FaceStyle::Sans, FaceStyle::Kai])?;
    let mut c = Canvas::new(297.0, 210.0, dpi, paper(rng));
    let mut rec = Rec::new();
    let frame = Rgb([176, 120, 60]);
    c.stroke_rect(6.0, 6.0, 285.0, 198.0, 1.6, frame);
    c.stroke_rect(9.5, 9.5, 278.0, 191.0, 0.4, frame);
    // National emblem at the top centre.
    c.ring(148.5, 24.0, 8.0, 1.4, RED, None);
    c.star(148.5, 23.0, 4.0, RED);
    let tw = text_width_mm(f.title, 34.0, "营业执照", 0.6);
    c.text(
        f.title,
        34.0,
        148.5 - tw / 2.0,
        52.0,
        "营业执照",
        BLACK,
        0.6,
    );
    if rng.gen_bool(0.5) {
        let t = "（副        本）";
        let w = text_width_mm(f.title, 12.0, t, 0.0);
        c.text(f.title, 12.0, 148.5 - w / 2.0, 61.0, t, BLACK, 0.0);
    }
    // 统一社会信用代码: label above the value, top left.
    c.text(f.label, 10.5, 22.0, 27.0, "统一社会信用代码", BLACK, 0.0);
    let b = c.text(f.value, 13.0, 22.0, 35.0, &l.uscc, BLACK, 0.05);
    rec.put("uscc", json!(l.uscc), 1, b);
    qr(&mut c, 248.0, 18.0, 26.0, rng);

    let size = rng.gen_range(11.0..12.5);
    let line_h = size * 0.52;
    let lab_w = 4.0; // labels spread to four characters: 名    称
    let two_col = rng.gen_bool(0.7);
    let (lx1, lx2, col_w, top) = if two_col {
        (22.0, 156.0, 100.0, 78.0)
    } else {
        (40.0, 40.0, 200.0, 72.0)
    };
    let label_mm = text_width_mm(f.label, size, "法定代表人", 0.0) + 5.0;
    let capital_text = match rng.gen_range(0..3) {
        0 => format!("{}万元", l.capital_wan),
        1 => yuan_upper(l.capital_wan * 10_000),
        _ => format!("人民币{}", yuan_upper(l.capital_wan * 10_000)),
    };
    let term_text = match l.term_end {
        Some(e) => format!("{}至{}", cn_date(l.established, true), cn_date(e, true)),
        None => format!("{}至长期", cn_date(l.established, true)),
    };
    let scope = if l.scope.iter().any(|s| s.contains("项目：")) {
        format!(
            "{}。（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
            l.scope.join("；")
        )
    } else if rng.gen_bool(0.5) {
        format!(
            "一般项目：{}。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）",
            l.scope.join("；")
        )
    } else {
        format!(
            "{}。（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
            l.scope.join("；")
        )
    };
    let term_val = match l.term_end {
        Some(e) => json!(iso(e)),
        None => json!("长期"),
    };
    let left: Vec<(&str, String, &str, Value)> = vec![
        ("名称", l.name.clone(), "name", json!(l.name)),
        (
            "类型",
            l.company_type.clone(),
            "type",
            json!(l.company_type),
        ),
        (
            "法定代表人",
            l.legal_rep.clone(),
            "legal_representative",
            json!(l.legal_rep),
        ),
        ("经营范围", scope.clone(), "business_scope", json!(scope)),
    ];
    let right: Vec<(&str, String, &str, Value)> = vec![
        (
            "注册资本",
            capital_text,
            "registered_capital_wan",
            json!(l.capital_wan),
        ),
        (
            "成立日期",
            cn_date(l.established, true),
            "established_on",
            json!(iso(l.established)),
        ),
        ("营业期限", term_text, "term", term_val),
        ("住所", l.address.clone(), "address", json!(l.address)),
    ];
    let mut y = top;
    let mut draw_col =
        |c: &mut Canvas, items: &[(&str, String, &str, Value)], x: f32, y0: f32| -> f32 {
            let mut y = y0;
            for (label, value, name, v) in items {
                c.text(
                    f.label,
                    size,
                    x,
                    y,
                    label,
                    BLACK,
                    spread(label, lab_w + 1.0),
                );
                let lines = wrap(f.value, size, value, col_w - label_mm, 0.0);
                let mut bb = None;
                for (i, line) in lines.iter().enumerate() {
                    bb = union_opt(
                        bb,
                        c.text(
                            f.value,
                            size,
                            x + label_mm,
                            y + i as f32 * line_h * 1.15,
                            line,
                            BLACK,
                            0.0,
                        ),
                    );
                }
                rec.put(name, v.clone(), 1, bb);
                y += line_h * 1.15 * lines.len() as f32 + line_h * 0.9;
            }
            y
        };
    if two_col {
        draw_col(&mut c, &left, lx1, y);
        draw_col(&mut c, &right, lx2, y);
    } else {
        let mut all = left.clone();
        all.splice(3..3, right.clone());
        y = draw_col(&mut c, &all, lx1, y);
        let _ = y;
    }
    // 登记机关 with its seal over the date.
    let ax = 190.0;
    c.text(f.label, 12.0, ax, 178.0, "登记机关", BLACK, 0.2);
    let dt = cn_date(l.issued, false);
    c.text(f.value, 12.0, ax + 10.0, 192.0, &dt, BLACK, 0.0);
    c.seal(f.title, ax + 42.0, 178.0, 19.0, &l.authority, "", RED);
    Ok((vec![c.img], rec, f))
}

fn qr(c: &mut Canvas, x: f32, y: f32, size: f32, rng: &mut Rng8) {
    let n = 25;
    let m = size / n as f32;
    for i in 0..n {
        for j in 0..n {
            // The three finder squares: ring, gap, solid centre.
            let local = if i < 7 && j < 7 {
                Some((i, j))
            } else if i >= n - 7 && j < 7 {
                Some((i - (n - 7), j))
            } else if i < 7 && j >= n - 7 {
                Some((i, j - (n - 7)))
            } else {
                None
            };
            let on = match local {
                Some((a, b)) => a.min(b).min(6 - a).min(6 - b) != 1,
                None => rng.gen_bool(0.5),
            };
            if on {
                c.fill_rect(x + j as f32 * m, y + i as f32 * m, m, m, BLACK);
            }
        }
    }
}

// ---------------------------------------------------------------- 房屋租赁合同

const LEASE_BOILERPLATE: &[&str] = &[
    "第五条 房屋维修与使用：租赁期间，甲方应保证房屋主体结构安全及设施正常使用；因乙方使用不当造成房屋或设施损坏的，由乙方负责修复或赔偿。乙方不得擅自改变房屋结构。",
    "第六条 费用承担：租赁期间，水费、电费、燃气费、物业管理费及通讯费由乙方按实际发生数额承担，房屋的房产税等由甲方承担。",
    "第七条 转租：未经甲方书面同意，乙方不得将该房屋转租、转借他人使用。",
    "第八条 合同的解除：有下列情形之一的，甲方有权解除本合同：（一）乙方擅自改变房屋用途的；（二）乙方拖欠租金累计达两个月以上的；（三）乙方利用该房屋从事违法活动的。",
    "第九条 违约责任：任何一方违反本合同约定的，应向守约方支付相当于一个月租金的违约金；给对方造成损失的，还应赔偿损失。",
    "第十条 争议解决：本合同履行中发生争议的，由双方协商解决；协商不成的，任何一方均可向房屋所在地人民法院提起诉讼。",
    "第十一条 其他：本合同未尽事宜，双方可另行签订补充协议，补充协议与本合同具有同等法律效力。本合同一式两份，甲乙双方各执一份，自双方签字（盖章）之日起生效。",
];

/// A page flow for prose documents: moves to a new page when the text reaches the bottom.
struct Flow {
    pages: Vec<Canvas>,
    dpi: f32,
    bg: Rgb<u8>,
    y: f32,
    top: f32,
    bottom: f32,
}

impl Flow {
    fn cur(&mut self) -> &mut Canvas {
        self.pages.last_mut().expect("one page")
    }
    fn page_no(&self) -> u32 {
        self.pages.len() as u32
    }
    fn ensure(&mut self, need: f32) {
        if self.y + need > self.bottom {
            self.pages
                .push(Canvas::new(210.0, 297.0, self.dpi, self.bg));
            self.y = self.top;
        }
    }
}

fn lease(l: &Lease, dpi: f32, rng: &mut Rng8) -> Result<Out, Error> {
    let f = pick_faces(
        rng,
        &[
            FaceStyle::Serif,
            FaceStyle::Serif,
            FaceStyle::Sans,
            FaceStyle::Kai,
        ],
    )?;
    let bg = paper(rng);
    let mut fl = Flow {
        pages: vec![Canvas::new(210.0, 297.0, dpi, bg)],
        dpi,
        bg,
        y: 38.0,
        top: 28.0,
        bottom: 272.0,
    };
    let mut rec = Rec::new();
    let size: f32 = rng.gen_range(11.0..12.5);
    let lh = size * 0.352 * rng.gen_range(1.6..1.9);
    let (x, width) = (25.0, 160.0);
    let title = "房屋租赁合同";
    let tw = text_width_mm(f.title, 20.0, title, 0.3);
    let y0 = fl.y;
    fl.cur()
        .text(f.title, 20.0, 105.0 - tw / 2.0, y0, title, BLACK, 0.3);
    fl.y += 16.0;
    let area_txt = data::wan_text(l.area_m2);
    let area_txt = if area_txt.contains('.') {
        format!("{:.2}", l.area_m2)
    } else {
        area_txt
    };
    let party_id = if l.lessor_id.len() == 18
        && l.lessor_id.chars().take(2).all(|c| c.is_ascii_digit())
        && !l.lessor_id.starts_with("91")
    {
        "身份证号码"
    } else {
        "统一社会信用代码"
    };
    let blocks: Vec<Vec<Span>> = vec![
        vec![
            ("出租方（甲方）：", None),
            (&l.lessor, Some(("lessor", json!(l.lessor)))),
        ],
        vec![(party_id, None), ("：", None), (&l.lessor_id, None)],
        vec![
            ("承租方（乙方）：", None),
            (&l.lessee, Some(("lessee", json!(l.lessee)))),
        ],
    ];
    for b in &blocks {
        fl.ensure(lh);
        let page = fl.page_no();
        let y = fl.y;
        fl.y = paragraph(
            fl.cur(),
            &mut rec,
            page,
            f.value,
            size,
            x,
            y,
            width,
            lh,
            0.0,
            b,
        );
    }
    fl.y += lh * 0.4;
    let start_t = cn_date(l.start, rng.gen_bool(0.3));
    let end_t = cn_date(l.end, rng.gen_bool(0.3));
    // A term ending the day before an anniversary of the start is whole months.
    let after = l.end + chrono::Duration::days(1);
    let months =
        (after.year() - l.start.year()) * 12 + after.month() as i32 - l.start.month() as i32;
    let rent = l.rent_yuan_month.to_string();
    let rent_up = yuan_upper(l.rent_yuan_month);
    let separate_address = rng.gen_bool(0.4);
    let mut paras: Vec<Vec<Span>> = vec![vec![(
        "根据《中华人民共和国民法典》及有关法律、法规的规定，甲乙双方在平等、自愿、协商一致的基础上，就乙方承租甲方房屋事宜，订立本合同。",
        None,
    )]];
    if separate_address {
        paras.push(vec![("第一条 房屋基本情况", None)]);
        paras.push(vec![
            ("房屋坐落：", None),
            (&l.address, Some(("premises_address", json!(l.address)))),
        ]);
        paras.push(vec![
            ("建筑面积：", None),
            (&area_txt, Some(("area_m2", json!(l.area_m2)))),
            ("平方米。", None),
        ]);
    } else {
        paras.push(vec![
            ("第一条 甲方将坐落于", None),
            (&l.address, Some(("premises_address", json!(l.address)))),
            (
                "的房屋（以下简称该房屋）出租给乙方使用，该房屋建筑面积",
                None,
            ),
            (&area_txt, Some(("area_m2", json!(l.area_m2)))),
            ("平方米。甲方保证对该房屋享有合法的出租权利。", None),
        ]);
    }
    paras.push(vec![
        ("第二条 租赁用途：乙方承租该房屋用于", None),
        (&l.usage, Some(("usage", json!(l.usage)))),
        ("，未经甲方书面同意，乙方不得擅自改变房屋用途。", None),
    ]);
    let months_t = format!("，共计{months}个月。");
    paras.push(vec![
        ("第三条 租赁期限：租赁期限自", None),
        (&start_t, Some(("term_start", json!(iso(l.start))))),
        ("起至", None),
        (&end_t, Some(("term_end", json!(iso(l.end))))),
        ("止", None),
        (&months_t, None),
        (
            "租赁期满，乙方需继续承租的，应于期满前三十日书面通知甲方。",
            None,
        ),
    ]);
    let rent_t = format!("第四条 租金及支付方式：月租金为人民币{rent}元（大写：{rent_up}），按季度支付，乙方应于每季度首月五日前支付当季租金。");
    paras.push(vec![(&rent_t, None)]);
    let n_boiler = if l.long { LEASE_BOILERPLATE.len() } else { 2 };
    let start_b = LEASE_BOILERPLATE.len() - n_boiler;
    for b in &LEASE_BOILERPLATE[start_b..] {
        paras.push(vec![(b, None)]);
    }
    for p in &paras {
        let text: String = p.iter().map(|s| s.0).collect();
        let n_lines = wrap(f.value, size, &text, width, size * 0.352 * 2.0).len() as f32;
        // Keep field paragraphs on one page so each value has one box.
        fl.ensure(lh * n_lines.min(6.0));
        let page = fl.page_no();
        let y = fl.y;
        fl.y = paragraph(
            fl.cur(),
            &mut rec,
            page,
            f.value,
            size,
            x,
            y,
            width,
            lh,
            size * 0.352 * 2.0,
            p,
        );
        fl.y += lh * 0.25;
    }
    // Signatures.
    fl.ensure(45.0);
    fl.y += 10.0;
    let y = fl.y;
    let sig = fl.cur();
    sig.text(f.value, size, x, y, "甲方（签章）：", BLACK, 0.0);
    sig.text(f.value, size, 115.0, y, "乙方（签章）：", BLACK, 0.0);
    let fs = fonts()?;
    let kai = fs.of_style(FaceStyle::Kai)[0];
    if l.lessor.ends_with("公司") {
        sig.seal(
            f.title,
            x + 45.0,
            y - 2.0,
            17.0,
            &l.lessor,
            "合同专用章",
            RED,
        );
    } else {
        sig.text(
            kai,
            16.0,
            x + 30.0,
            y + 1.0,
            &l.lessor,
            Rgb([30, 30, 90]),
            0.0,
        );
    }
    if l.lessee.ends_with("公司") {
        sig.seal(f.title, 150.0, y - 2.0, 17.0, &l.lessee, "合同专用章", RED);
    } else {
        sig.text(kai, 16.0, 145.0, y + 1.0, &l.lessee, Rgb([30, 30, 90]), 0.0);
    }
    let dt = format!("签订日期：{}", cn_date(l.signed, false));
    sig.text(f.value, size, x, y + 22.0, &dt, BLACK, 0.0);
    sig.text(f.value, size, 115.0, y + 22.0, &dt, BLACK, 0.0);
    let n = fl.pages.len();
    if n > 1 {
        for (i, p) in fl.pages.iter_mut().enumerate() {
            let t = format!("第 {} 页 共 {} 页", i + 1, n);
            let w = text_width_mm(f.value, 9.0, &t, 0.0);
            p.text(f.value, 9.0, 105.0 - w / 2.0, 285.0, &t, BLACK, 0.0);
        }
    }
    Ok((fl.pages.into_iter().map(|c| c.img).collect(), rec, f))
}

// ---------------------------------------------------------------- 不动产权证书

fn property(p: &Property, dpi: f32, rng: &mut Rng8) -> Result<Out, Error> {
    let f = pick_faces(rng, &[FaceStyle::Serif, FaceStyle::Sans])?;
    let mut c = Canvas::new(210.0, 297.0, dpi, Rgb([250, 247, 238]));
    let mut rec = Rec::new();
    let title = "不动产权证书";
    let tw = text_width_mm(f.title, 22.0, title, 0.4);
    c.text(f.title, 22.0, 105.0 - tw / 2.0, 30.0, title, BLACK, 0.4);
    c.text(f.value, 11.0, 30.0, 46.0, &p.cert_no, BLACK, 0.0);
    let size = rng.gen_range(10.5..12.0);
    let (x0, lw, vw) = (25.0, 34.0, 128.0);
    let area_val = if rng.gen_bool(0.5) {
        format!("{:.2}", p.area_m2)
    } else {
        data::wan_text(p.area_m2)
    };
    let land = format!("{:.2}", p.area_m2 * rng.gen_range(3.0..40.0));
    let unit = if rng.gen_bool(0.5) {
        "㎡"
    } else {
        "平方米"
    };
    let unit_no = format!(
        "{} {:03}{:03} GB{:05} F{:08}",
        p.county_code,
        rng.gen_range(1..20),
        rng.gen_range(1..30),
        rng.gen_range(1..99999),
        rng.gen_range(1..99_999_999)
    );
    let start_year = rng.gen_range(1998..2020);
    let rows: Vec<(&str, Vec<OwnedSpan>)> = vec![
        (
            "权利人",
            vec![(p.owner.clone(), Some(("owner", json!(p.owner))))],
        ),
        ("共有情况", vec![("单独所有".into(), None)]),
        (
            "坐落",
            vec![(p.address.clone(), Some(("address", json!(p.address))))],
        ),
        ("不动产单元号", vec![(unit_no, None)]),
        (
            "权利类型",
            vec![("国有建设用地使用权/房屋所有权".into(), None)],
        ),
        ("权利性质", vec![("出让/市场化商品房".into(), None)]),
        (
            "用途",
            vec![
                (
                    format!(
                        "{}用地/",
                        if p.usage == "住宅" {
                            "城镇住宅"
                        } else {
                            "商服"
                        }
                    ),
                    None,
                ),
                (p.usage.clone(), Some(("usage", json!(p.usage)))),
            ],
        ),
        (
            "面积",
            vec![
                (format!("共有宗地面积{land}{unit}/房屋建筑面积"), None),
                (area_val, Some(("area_m2", json!(p.area_m2)))),
                (unit.to_string(), None),
            ],
        ),
        (
            "使用期限",
            vec![(
                format!(
                    "国有建设用地使用权 {}年{:02}月{:02}日起{}年{:02}月{:02}日止",
                    start_year,
                    5,
                    1,
                    start_year + 40,
                    4,
                    30
                ),
                None,
            )],
        ),
        (
            "权利其他状况",
            vec![("专有建筑面积：见附记\n分摊建筑面积：见附记".into(), None)],
        ),
    ];
    let mut y = 55.0;
    let row_pad = 4.0;
    let lh = size * 0.352 * 1.5;
    let border = Rgb([60, 60, 60]);
    for (label, spans) in &rows {
        let text: String = spans.iter().map(|s| s.0.as_str()).collect();
        let n = text
            .split('\n')
            .map(|t| wrap(f.value, size, t, vw - 6.0, 0.0).len())
            .sum::<usize>()
            .max(1);
        let h = n as f32 * lh + 2.0 * row_pad;
        c.stroke_rect(x0, y, lw, h, 0.3, border);
        c.stroke_rect(x0 + lw, y, vw, h, 0.3, border);
        let lwid = text_width_mm(f.label, size, label, 0.0);
        c.text(
            f.label,
            size,
            x0 + (lw - lwid) / 2.0,
            y + h / 2.0 + size * 0.352 * 0.35,
            label,
            BLACK,
            0.0,
        );
        if text.contains('\n') {
            for (i, t) in text.split('\n').enumerate() {
                c.text(
                    f.value,
                    size,
                    x0 + lw + 3.0,
                    y + row_pad + lh * (i as f32 + 0.75),
                    t,
                    BLACK,
                    0.0,
                );
            }
        } else {
            let sp: Vec<Span> = spans.iter().map(|(t, v)| (t.as_str(), v.clone())).collect();
            paragraph(
                &mut c,
                &mut rec,
                1,
                f.value,
                size,
                x0 + lw + 3.0,
                y + row_pad + lh * 0.75,
                vw - 6.0,
                lh,
                0.0,
                &sp,
            );
        }
        y += h;
    }
    c.text(f.label, 11.0, x0, y + 12.0, "附记", BLACK, 0.0);
    c.seal(f.title, 150.0, y + 30.0, 18.0, "不动产登记专用章", "", RED);
    Ok((vec![c.img], rec, f))
}

// ---------------------------------------------------------------- 健康证明

fn health(h: &Health, dpi: f32, rng: &mut Rng8) -> Result<Out, Error> {
    let f = pick_faces(rng, &[FaceStyle::Sans, FaceStyle::Serif])?;
    let mut c = Canvas::new(148.0, 105.0, dpi, WHITE);
    let mut rec = Rec::new();
    let tint = [
        Rgb([232, 244, 236]),
        Rgb([236, 240, 250]),
        Rgb([250, 250, 250]),
    ][rng.gen_range(0..3)];
    c.fill_rect(4.0, 4.0, 140.0, 97.0, tint);
    c.stroke_rect(4.0, 4.0, 140.0, 97.0, 0.6, Rgb([60, 110, 80]));
    let title = ["健康证明", "从业人员健康证明", "公共场所从业人员健康证明"][rng.gen_range(0..3)];
    let tw = text_width_mm(f.title, 17.0, title, 0.25);
    c.text(f.title, 17.0, 74.0 - tw / 2.0, 18.0, title, BLACK, 0.25);
    let size = rng.gen_range(10.0..11.5);
    let grid = rng.gen_bool(0.4);
    let date_fmt = rng.gen_range(0..3);
    let fmt = |d: NaiveDate| match date_fmt {
        0 => cn_date(d, false),
        1 => iso(d),
        _ => cn_date(d, true),
    };
    let items: Vec<(&str, String, &str, Value)> = vec![
        ("姓名", h.name.clone(), "name", json!(h.name)),
        ("性别", h.sex.clone(), "sex", json!(h.sex)),
        (
            "身份证号",
            h.id_number.clone(),
            "id_number",
            json!(h.id_number),
        ),
        (
            "编号",
            h.cert_no.clone(),
            "certificate_no",
            json!(h.cert_no),
        ),
        ("发证日期", fmt(h.issued), "issued_on", json!(iso(h.issued))),
        (
            "有效期至",
            fmt(h.valid_until),
            "valid_until",
            json!(iso(h.valid_until)),
        ),
        ("体检结论", h.result.clone(), "result", json!(h.result)),
    ];
    let (x, mut y) = (12.0, 32.0);
    let lh = 8.8;
    let lab_w = text_width_mm(f.label, size, "发证日期：", 0.0) + 2.0;
    for (label, value, name, v) in &items {
        let lt = if grid {
            label.to_string()
        } else {
            format!("{label}：")
        };
        let em = if label.chars().count() == 2 {
            spread(label, 4.0)
        } else {
            0.0
        };
        c.text(f.label, size, x, y, &lt, BLACK, if grid { em } else { 0.0 });
        let b = c.text(f.value, size, x + lab_w, y, value, BLACK, 0.0);
        rec.put(name, v.clone(), 1, b);
        if grid {
            c.stroke_rect(x - 2.0, y - 6.2, lab_w, lh, 0.25, Rgb([90, 90, 90]));
            c.stroke_rect(x - 2.0 + lab_w, y - 6.2, 72.0, lh, 0.25, Rgb([90, 90, 90]));
        }
        y += lh;
    }
    portrait(&mut c, 106.0, 28.0, 27.0, 35.0);
    c.seal(f.title, 118.0, 82.0, 14.0, &h.issuer, "体检专用章", RED);
    Ok((vec![c.img], rec, f))
}

// ---------------------------------------------------------------- 卫生检测报告

fn hygiene(h: &Hygiene, dpi: f32, rng: &mut Rng8) -> Result<Out, Error> {
    let f = pick_faces(rng, &[FaceStyle::Serif, FaceStyle::Sans])?;
    let mut c = Canvas::new(210.0, 297.0, dpi, paper(rng));
    let mut rec = Rec::new();
    let lw = text_width_mm(f.label, 11.0, &h.lab, 0.0);
    c.text(f.label, 11.0, 105.0 - lw / 2.0, 22.0, &h.lab, BLACK, 0.0);
    c.line(20.0, 25.0, 190.0, 25.0, 0.5, BLACK);
    let title = if rng.gen_bool(0.5) {
        "卫生检测报告"
    } else {
        "公共场所卫生检测报告"
    };
    let tw = text_width_mm(f.title, 20.0, title, 0.2);
    c.text(f.title, 20.0, 105.0 - tw / 2.0, 40.0, title, BLACK, 0.2);
    let size = rng.gen_range(10.5..11.5);
    c.text(f.label, size, 120.0, 52.0, "报告编号：", BLACK, 0.0);
    let x_no = 120.0 + text_width_mm(f.label, size, "报告编号：", 0.0);
    let b = c.text(f.value, size, x_no, 52.0, &h.report_no, BLACK, 0.0);
    rec.put("report_no", json!(h.report_no), 1, b);

    let (x0, lw, vw) = (20.0, 32.0, 138.0);
    let mut y = 58.0;
    let rowh: f32 = 9.5;
    let date_txt = cn_date(h.inspected, rng.gen_bool(0.5));
    let head: Vec<(&str, String, Option<FieldValue>)> = vec![
        (
            "受检单位",
            h.unit_name.clone(),
            Some(("unit_name", json!(h.unit_name))),
        ),
        ("单位地址", h.unit_address.clone(), None),
        ("场所类别", h.venue.clone(), None),
        ("检测类别", "委托检测".into(), None),
        (
            "检测日期",
            date_txt,
            Some(("inspected_on", json!(iso(h.inspected)))),
        ),
        ("报告日期", cn_date(h.reported, false), None),
    ];
    for (label, value, field) in &head {
        let lines = wrap(f.value, size, value, vw - 6.0, 0.0);
        let hgt = rowh.max(lines.len() as f32 * 5.6 + 4.0);
        c.stroke_rect(x0, y, lw, hgt, 0.3, BLACK);
        c.stroke_rect(x0 + lw, y, vw, hgt, 0.3, BLACK);
        c.text(
            f.label,
            size,
            x0 + 3.0,
            y + hgt / 2.0 + 1.5,
            label,
            BLACK,
            0.0,
        );
        let mut bb = None;
        for (i, l) in lines.iter().enumerate() {
            bb = union_opt(
                bb,
                c.text(
                    f.value,
                    size,
                    x0 + lw + 3.0,
                    y + 6.3 + i as f32 * 5.6,
                    l,
                    BLACK,
                    0.0,
                ),
            );
        }
        if let Some((name, v)) = field {
            rec.put(name, v.clone(), 1, bb);
        }
        y += hgt;
    }
    // Results table.
    y += 8.0;
    let cols = [
        ("检测项目", 42.0),
        ("单位", 22.0),
        ("标准限值", 36.0),
        ("检测结果", 32.0),
        ("单项判定", 38.0),
    ];
    let mut items: Vec<(&str, &str, String, f64, f64)> = vec![
        ("室内温度", "℃", "16～20".into(), 16.0, 20.0),
        ("相对湿度", "%", "40～65".into(), 40.0, 65.0),
        ("二氧化碳", "%", "≤0.15".into(), 0.03, 0.15),
        ("甲醛", "mg/m³", "≤0.10".into(), 0.01, 0.10),
        ("细菌总数", "CFU/m³", "≤1500".into(), 100.0, 1500.0),
        ("噪声", "dB(A)", "≤55".into(), 35.0, 55.0),
        ("照度", "lx", "≥100".into(), 100.0, 400.0),
    ];
    if h.venue == "游泳场所" {
        items.push(("游离性余氯", "mg/L", "0.3～1.0".into(), 0.3, 1.0));
        items.push(("浑浊度", "NTU", "≤0.5".into(), 0.1, 0.5));
    }
    let fail_idx = if h.pass {
        usize::MAX
    } else {
        rng.gen_range(2..5)
    };
    let mut xx = x0;
    for (name, w) in cols {
        c.stroke_rect(xx, y, w, rowh, 0.3, BLACK);
        c.text(f.label, size, xx + 3.0, y + 6.5, name, BLACK, 0.0);
        xx += w;
    }
    y += rowh;
    let mut failed_name = "";
    for (i, (name, unit, std, lo, hi)) in items.iter().enumerate() {
        let ok = i != fail_idx;
        let v = if ok {
            lo + (hi - lo) * rng.gen_range(0.15..0.85)
        } else {
            hi * rng.gen_range(1.3..2.2)
        };
        if !ok {
            failed_name = name;
        }
        let vtxt = if *hi >= 100.0 {
            format!("{:.0}", v)
        } else {
            format!("{:.2}", v)
        };
        let cells = [
            name.to_string(),
            unit.to_string(),
            std.clone(),
            vtxt,
            if ok {
                "合格".into()
            } else {
                "不合格".into()
            },
        ];
        let mut xx = x0;
        for ((_, w), t) in cols.iter().zip(cells.iter()) {
            c.stroke_rect(xx, y, *w, rowh, 0.3, BLACK);
            c.text(f.value, size, xx + 3.0, y + 6.5, t, BLACK, 0.0);
            xx += w;
        }
        y += rowh;
    }
    y += 10.0;
    let std_name = "《公共场所卫生指标及限值要求》（GB 37488-2019）";
    let conclusion = if h.pass {
        match rng.gen_range(0..3) {
            0 => format!("所检项目符合{std_name}卫生标准要求。"),
            1 => "合格".to_string(),
            _ => format!("经检测，所检项目均符合{std_name}的要求，检测结果合格。"),
        }
    } else {
        match rng.gen_range(0..2) {
            0 => format!("所检项目中{failed_name}不符合{std_name}的要求，不合格。"),
            _ => "不合格".to_string(),
        }
    };
    c.text(f.label, size + 0.5, x0, y, "检测结论：", BLACK, 0.0);
    y = paragraph(
        &mut c,
        &mut rec,
        1,
        f.value,
        size,
        x0 + text_width_mm(f.label, size + 0.5, "检测结论：", 0.0),
        y,
        vw + lw - 26.0,
        6.0,
        0.0,
        &[(&conclusion, Some(("conclusion", json!(conclusion))))],
    );
    y += 12.0;
    c.text(f.value, size, x0, y, "编制：", BLACK, 0.0);
    c.text(f.value, size, x0 + 55.0, y, "审核：", BLACK, 0.0);
    c.text(f.value, size, x0 + 110.0, y, "批准：", BLACK, 0.0);
    c.seal(
        f.title,
        150.0,
        y + 22.0,
        18.0,
        &h.lab,
        "检验检测专用章",
        RED,
    );
    Ok((vec![c.img], rec, f))
}

// ---------------------------------------------------------------- 平面图

fn floor_plan(p: &FloorPlan, dpi: f32, rng: &mut Rng8) -> Result<Out, Error> {
    let f = pick_faces(rng, &[FaceStyle::Sans, FaceStyle::Serif])?;
    let mut c = Canvas::new(297.0, 210.0, dpi, WHITE);
    let rec = Rec::new();
    let title = if rng.gen_bool(0.5) {
        format!("{}平面图", p.unit_name)
    } else {
        "平面图".to_string()
    };
    let tw = text_width_mm(f.title, 18.0, &title, 0.1);
    c.text(f.title, 18.0, 148.5 - tw / 2.0, 20.0, &title, BLACK, 0.1);
    let rooms: &[&str] = match p.venue.as_str() {
        "住宿场所" => &[
            "大堂",
            "前台",
            "客房",
            "客房",
            "布草间",
            "消毒间",
            "卫生间",
            "员工休息室",
            "仓库",
        ],
        "美容美发场所" => &[
            "接待区",
            "美发区",
            "洗头区",
            "美容间",
            "消毒间",
            "卫生间",
            "储藏室",
            "员工休息室",
        ],
        "沐浴场所" => &[
            "大厅",
            "更衣室",
            "淋浴区",
            "休息大厅",
            "消毒间",
            "卫生间",
            "锅炉房",
            "布草间",
        ],
        "游泳场所" => &[
            "门厅",
            "更衣室",
            "淋浴室",
            "强制通过式浸脚池",
            "泳池",
            "水质处理机房",
            "救生员室",
            "卫生间",
        ],
        _ => &["办公区", "会议室", "前台", "卫生间", "仓库", "茶水间"],
    };
    // Outer walls, then split into rooms by alternating cuts.
    let (ox, oy, ow, oh) = (30.0, 35.0, 200.0, 140.0);
    let mut cells = vec![(ox, oy, ow, oh)];
    while cells.len() < rooms.len().min(8) {
        cells.sort_by(|a, b| {
            (b.2 * b.3)
                .partial_cmp(&(a.2 * a.3))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let (x, y, w, h) = cells.remove(0);
        let t: f32 = rng.gen_range(0.35..0.65);
        if w > h {
            cells.push((x, y, w * t, h));
            cells.push((x + w * t, y, w * (1.0 - t), h));
        } else {
            cells.push((x, y, w, h * t));
            cells.push((x, y + h * t, w, h * (1.0 - t)));
        }
    }
    cells.sort_by(|a, b| {
        (a.1, a.0)
            .partial_cmp(&(b.1, b.0))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let wall = Rgb([30, 30, 30]);
    for (i, (x, y, w, h)) in cells.iter().enumerate() {
        c.stroke_rect(*x, *y, *w, *h, 0.8, wall);
        let name = rooms[i % rooms.len()];
        let size = if name.chars().count() > 6 { 8.0 } else { 10.0 };
        let nw = text_width_mm(f.value, size, name, 0.0);
        c.text(
            f.value,
            size,
            x + w / 2.0 - nw / 2.0,
            y + h / 2.0,
            name,
            BLACK,
            0.0,
        );
        let area = format!("{:.1}㎡", (w * h) / (ow * oh) * p.area_m2 as f32);
        let aw = text_width_mm(f.value, 8.0, &area, 0.0);
        c.text(
            f.value,
            8.0,
            x + w / 2.0 - aw / 2.0,
            y + h / 2.0 + 5.0,
            &area,
            Rgb([80, 80, 80]),
            0.0,
        );
        // A door: a gap in the wall and its swing arc.
        let d = 8.0f32.min(w / 3.0);
        c.fill_rect(x + 4.0, y + h - 0.8, d, 0.8, WHITE);
        c.line(x + 4.0, y + h, x + 4.0, y + h - d, 0.3, wall);
        c.ring(
            x + 4.0,
            y + h,
            d,
            0.2,
            wall,
            Some((-std::f32::consts::FRAC_PI_2, 0.0)),
        );
    }
    c.stroke_rect(ox - 1.5, oy - 1.5, ow + 3.0, oh + 3.0, 1.5, wall);
    // Entrance and dimension lines.
    let ex = ox + ow * rng.gen_range(0.3..0.7);
    c.fill_rect(ex, oy + oh - 1.0, 14.0, 3.5, WHITE);
    c.text(f.value, 10.0, ex, oy + oh + 10.0, "入口", BLACK, 0.0);
    c.line(ox, oy - 8.0, ox + ow, oy - 8.0, 0.25, BLACK);
    let scale_m = (p.area_m2 as f32 / (ow * oh / 10_000.0)).sqrt();
    let dim = format!("{}", ((ow / 100.0) * scale_m * 1000.0).round() as i64);
    c.text(
        f.value,
        8.0,
        ox + ow / 2.0 - 5.0,
        oy - 10.0,
        &dim,
        BLACK,
        0.0,
    );
    c.line(ox - 8.0, oy, ox - 8.0, oy + oh, 0.25, BLACK);
    // North arrow.
    c.line(262.0, 60.0, 262.0, 40.0, 0.5, BLACK);
    c.line(262.0, 40.0, 259.0, 46.0, 0.5, BLACK);
    c.line(262.0, 40.0, 265.0, 46.0, 0.5, BLACK);
    c.text(f.value, 11.0, 259.5, 36.0, "N", BLACK, 0.0);
    // Title block.
    let (bx, by) = (180.0, 180.0);
    c.stroke_rect(bx, by, 105.0, 24.0, 0.4, BLACK);
    c.dashed_line(bx, by + 12.0, bx + 105.0, by + 12.0, 0.2, 1.5, BLACK);
    let name_lines = wrap(f.value, 8.5, &format!("单位：{}", p.unit_name), 100.0, 0.0);
    c.text(f.value, 8.5, bx + 2.0, by + 5.0, &name_lines[0], BLACK, 0.0);
    let addr_lines = wrap(f.value, 7.5, &format!("地址：{}", p.address), 100.0, 0.0);
    c.text(
        f.value,
        7.5,
        bx + 2.0,
        by + 10.0,
        &addr_lines[0],
        BLACK,
        0.0,
    );
    let info = format!(
        "营业面积：{}平方米   比例 1:100   绘制日期：{}",
        data::wan_text(p.area_m2),
        iso(p.drawn)
    );
    c.text(f.value, 7.5, bx + 2.0, by + 18.0, &info, BLACK, 0.0);
    Ok((vec![c.img], rec, f))
}
