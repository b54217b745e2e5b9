//! Field extraction, generic over a [`DocumentSpec`]: find each field's label
//! on the page, take the value after it (same line, next line, or continued
//! over lines for multi-line fields, up to the next label), read it with the
//! field type's grammar, and score it.
//!
//! Nothing here knows a document kind: everything per kind is in the spec.

pub mod layout;
pub mod values;

use crate::words::PageWords;
use layout::{build_lines, find_label, inside_longer_label, key_of, Hit, Line};
use prereview_model::document::{DocumentSpec, FieldSpec, IdPart, ReadDocument, ReadField};
use std::collections::BTreeMap;

/// Expected values (from the application form) by field name. They only
/// choose among readings the page itself supports (e.g. two identity numbers
/// that both pass the check digit); a value is never taken from them.
pub type Hints = BTreeMap<String, String>;

/// The confidence above which a value is trusted without a person, by field
/// type (rule catalog: τ = 0.90 for identifiers, 0.80 for free text). Rules
/// may use their own; the accuracy benchmark uses these.
pub fn default_threshold(ty: prereview_model::document::FieldType) -> f32 {
    use prereview_model::document::FieldType::*;
    match ty {
        ResidentId | Uscc | Date | Money | Number => 0.90,
        Text => 0.80,
    }
}

struct PageLines<'a> {
    page: &'a PageWords,
    lines: Vec<Line>,
    /// Every label hit on the page: (field index, hit).
    hits: Vec<(usize, Hit)>,
}

/// A span of characters: (line, start char, end char) pieces on one page.
#[derive(Debug, Clone, Default)]
struct Span {
    parts: Vec<(usize, usize, usize)>,
}

/// Where a field's value stands (or, when it could not be read after its
/// label, should stand) on a page: a rectangle of the *processed* image, for
/// reading that line again on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueRegion {
    /// Index into the pages given to [`extract_with_regions`].
    pub page: usize,
    /// `[x, y, width, height]` in processed-image pixels.
    pub rect: [u32; 4],
    /// Height of the text line, processed-image pixels.
    pub line_height: u32,
}

/// Reads every field of `spec` from OCR'd pages. `file` of the result is empty
/// (the caller knows it); `pages` is the page count.
pub fn extract(pages: &[PageWords], spec: &DocumentSpec, hints: &Hints) -> ReadDocument {
    extract_with_regions(pages, spec, hints).0
}

/// [`extract()`], also returning, by field name, the one-line region of each
/// value read on a single line or left unread after a located label
/// (multi-line values have none).
pub fn extract_with_regions(
    pages: &[PageWords],
    spec: &DocumentSpec,
    hints: &Hints,
) -> (ReadDocument, BTreeMap<String, ValueRegion>) {
    // Label keys of every field, in the spec's order (earlier = preferred).
    // Printed labels of no field come after the fields' (index ≥ fields.len()).
    let label_keys: Vec<Vec<Vec<char>>> = spec
        .fields
        .iter()
        .map(|f| f.labels.iter().map(|l| key_of(l)).collect())
        .chain(spec.other_labels.iter().map(|l| vec![key_of(l)]))
        .collect();
    let pls: Vec<PageLines> = pages
        .iter()
        .map(|p| {
            let lines = build_lines(p);
            let hits = page_hits(&lines, &label_keys);
            PageLines {
                page: p,
                lines,
                hits,
            }
        })
        .collect();
    let mut fields = BTreeMap::new();
    let mut regions = BTreeMap::new();
    for (fi, field) in spec.fields.iter().enumerate() {
        let hint = hints.get(&field.name).map(String::as_str);
        let (mut rf, region) = read_field(&pls, fi, field, hint);
        // No label found: a value that tells itself by its check character
        // or its format may still be on the page.
        if rf.value.is_none() && rf.bbox.is_none() {
            let found = if self_checking(field, spec) {
                find_unlabelled(&pls, field, hint)
            } else if field.unlabelled {
                find_by_grammar(&pls, field, hint)
            } else {
                None
            };
            if let Some(found) = found {
                rf = found;
            }
        }
        if let Some(r) = region {
            regions.insert(field.name.clone(), r);
        }
        fields.insert(field.name.clone(), rf);
    }
    let mut doc = ReadDocument {
        file: String::new(),
        kind: spec.kind.clone(),
        fields,
        pages: Some(pages.len() as u32),
        error: None,
    };
    confirm_identifiers(&mut doc, spec, hints);
    confirm_implied(&mut doc, spec);
    one_text_one_field(&mut doc, spec);
    (doc, regions)
}

/// A text on the page is the value of one field. When two fields were read
/// from the same place (a misread 身份证号 whose 证号 was taken for 编号's
/// label), at least one is wrong and nothing tells which: both are doubted.
/// Range parts (the start and end of one 有效期限) share their text by design.
pub fn one_text_one_field(doc: &mut ReadDocument, spec: &DocumentSpec) {
    let located: Vec<(&FieldSpec, u32, [u32; 4])> = spec
        .fields
        .iter()
        .filter(|f| f.range_part.is_none())
        .filter_map(|f| {
            let rf = doc.fields.get(&f.name)?;
            rf.value.as_ref()?;
            Some((f, rf.page?, rf.bbox?))
        })
        .collect();
    for (i, a) in located.iter().enumerate() {
        for b in &located[i + 1..] {
            if a.1 != b.1 || !mostly_overlap(a.2, b.2) {
                continue;
            }
            for (field, other) in [(a.0, b.0), (b.0, a.0)] {
                if let Some(rf) = doc.fields.get_mut(&field.name) {
                    rf.confidence = rf.confidence.min(SHARED_TEXT_CONFIDENCE);
                    rf.reason = Some(format!(
                        "同一处文字也被读作“{}” (the same text was also read as another field)",
                        other.title
                    ));
                }
            }
        }
    }
}

/// The confidence left to fields read from the same text (below any threshold).
const SHARED_TEXT_CONFIDENCE: f32 = 0.5;

/// Whether two boxes overlap by more than half of the smaller one.
fn mostly_overlap(a: [u32; 4], b: [u32; 4]) -> bool {
    let w = (a[0] + a[2])
        .min(b[0] + b[2])
        .saturating_sub(a[0].max(b[0])) as u64;
    let h = (a[1] + a[3])
        .min(b[1] + b[3])
        .saturating_sub(a[1].max(b[1])) as u64;
    let small = (a[2] as u64 * a[3] as u64).min(b[2] as u64 * b[3] as u64);
    small > 0 && 2 * w * h > small
}

/// The confidence of an identifier that passed its check character as read
/// and equals the form's value.
pub const CONFIRMED_IDENTIFIER: f32 = 0.95;

const CONFIRMED_NOTE: &str =
    "校验位正确且与申请表一致 (check character valid and equal to the form's value)";

/// Raises to [`CONFIRMED_IDENTIFIER`] the confidence of each resident ID
/// number or credit code that validated as read (no correction, no doubt
/// noted) and equals the form's value. Why this is safe: for a wrong
/// reading to be raised, OCR would have to misread the document's number
/// into exactly the form's different number and still pass the check
/// character. Text, dates and amounts are never raised this way: a slip of
/// 3 for 8 or 丰 for 峰 could turn a real mismatch into a match.
pub fn confirm_identifiers(doc: &mut ReadDocument, spec: &DocumentSpec, hints: &Hints) {
    use prereview_model::document::FieldType::{ResidentId, Uscc};
    for f in spec
        .fields
        .iter()
        .filter(|f| matches!(f.ty, ResidentId | Uscc))
    {
        let (Some(rf), Some(h)) = (doc.fields.get_mut(&f.name), hints.get(&f.name)) else {
            continue;
        };
        // As printed: no correction noted. Found without its label is as
        // printed too: the check character, not the label, vouches for it.
        let as_read = match rf.reason.as_deref() {
            None => true,
            Some(r) => r == CONFIRMED_NOTE || r == unlabelled_note(f),
        };
        let equal = rf
            .value
            .as_ref()
            .and_then(|v| v.as_str())
            .is_some_and(|v| v == prereview_validators::text::compact_code(h));
        if as_read && equal && rf.confidence < CONFIRMED_IDENTIFIER {
            rf.confidence = CONFIRMED_IDENTIFIER;
            rf.reason = Some(CONFIRMED_NOTE.into());
        }
    }
}

/// The confidence left to a value whose expected value holds characters the
/// model cannot output (below any threshold).
pub const UNWRITABLE_HINT_CONFIDENCE: f32 = 0.5;

/// Doubts each text field whose expected value (the form's, in `hints`)
/// holds characters the recognition model cannot output: the page may say
/// exactly that, but OCR can only have read something else (韦昳 as 韦歇),
/// and a rule comparing the two would find a difference the document does
/// not have. The value stays as read, below every threshold, with a note
/// naming the characters so that the officer knows why. Lowers only: the
/// form never raises or supplies a value.
pub fn doubt_unwritable_hints(
    doc: &mut ReadDocument,
    spec: &DocumentSpec,
    hints: &Hints,
    charset: &crate::charset::ModelCharset,
) {
    use prereview_model::document::FieldType;
    for f in spec.fields.iter().filter(|f| f.ty == FieldType::Text) {
        let (Some(hint), Some(rf)) = (hints.get(&f.name), doc.fields.get_mut(&f.name)) else {
            continue;
        };
        let missing = charset.unreadable_in(hint);
        if missing.is_empty() || rf.value.is_none() {
            continue;
        }
        let chars: String = missing.iter().map(|c| format!("“{c}”")).collect();
        rf.confidence = rf.confidence.min(UNWRITABLE_HINT_CONFIDENCE);
        rf.reason = Some(format!(
            "申请表中的{chars}不在识别模型的字符集内，须人工核对 (the form's {} cannot be output by the OCR model: a person must compare)",
            missing.iter().collect::<String>()
        ));
    }
}

/// The confidence of a value equal to what the document's own resident ID
/// number says about it (see [`FieldSpec::implied_by`]).
pub const IMPLIED_CONFIDENCE: f32 = 0.95;

const IMPLIED_NOTE: &str =
    "与本证件公民身份号码所含信息一致 (equal to what the document's own ID number says)";

/// Raises to [`IMPLIED_CONFIDENCE`] each field whose value equals what the
/// document's own resident ID number says (the card's 出生 against digits
/// 7–14, its 性别 against digit 17). Why this is safe: the number is printed
/// apart, in other glyphs, and passes its check character only when read
/// right, so a misread date or sex would have to meet a misread number that
/// still passes the check. The form plays no part. A different value is left
/// as read: whether the document contradicts itself is for the rules.
pub fn confirm_implied(doc: &mut ReadDocument, spec: &DocumentSpec) {
    for f in &spec.fields {
        let Some(implied) = &f.implied_by else {
            continue;
        };
        let Some(carrier) = doc.fields.get(&implied.field) else {
            continue;
        };
        let page = carrier.page;
        let said = carrier
            .value
            .as_ref()
            .and_then(|v| v.as_str())
            .and_then(|number| id_number_says(number, implied.part));
        let (Some(said), Some(rf)) = (said, doc.fields.get_mut(&f.name)) else {
            continue;
        };
        // Read from the same page: a file holding two people's papers must
        // not confirm one's 性别 by the other's number.
        let equal =
            rf.page == page && rf.value.as_ref().and_then(|v| v.as_str()) == Some(said.as_str());
        if equal && rf.confidence < IMPLIED_CONFIDENCE {
            rf.confidence = IMPLIED_CONFIDENCE;
            rf.reason = Some(IMPLIED_NOTE.into());
        }
    }
}

/// What an 18-character resident ID number says about `part`, in the form a
/// field holds it (ISO date, 男/女); nothing unless it passes its check
/// character (the validator sets both only past that check).
fn id_number_says(number: &str, part: IdPart) -> Option<String> {
    // No "today": only the number's own parts matter here, not its age.
    let check = prereview_validators::resident_id::validate(number, chrono::NaiveDate::MAX);
    if check.upgraded_from_15 {
        return None; // a 15-digit number has no check character to vouch for it
    }
    match part {
        IdPart::BirthDate => check.birth_date.map(|d| d.format("%Y-%m-%d").to_string()),
        IdPart::Sex => check.sex.map(|s| s.chinese().to_string()),
    }
}

/// The region to re-read for a value on `li` from char `a` (to `b` when the
/// value was read). Identifiers and dates run on to the next label or the end
/// of the line (the page pass may have cut them at a gap); text keeps its span.
fn region_of(
    pl: &PageLines,
    pi: usize,
    li: usize,
    a: usize,
    b: Option<usize>,
    stops: &[&Hit],
    extend: bool,
) -> Option<ValueRegion> {
    let line = &pl.lines[li];
    let h = line.height();
    let pw = pl.page.transform.processed[0];
    let ph = pl.page.transform.processed[1];
    let next_stop = stops
        .iter()
        .filter(|st| st.line == li && st.start >= b.unwrap_or(a).max(a))
        .map(|st| word_box(line, st.start).0)
        .min();
    let x0 = if a < line.chars.len() {
        word_box(line, a).0
    } else {
        line.chars.last().map_or(0, |c| c.bbox[0] + c.bbox[2])
    }
    .saturating_sub(h / 2);
    let x1 = match (b, extend) {
        (Some(b), false) if b > a => word_box(line, b - 1).1 + h / 2,
        _ => {
            let line_end = line.chars.last().map_or(0, |c| c.bbox[0] + c.bbox[2]);
            // An unread value may stand well right of what the page pass saw.
            let reach = if b.is_some() { 2 * h } else { 12 * h };
            next_stop.map_or(line_end + reach, |x| x.saturating_sub(h / 4))
        }
    }
    .min(pw);
    let y0 = line.y0.saturating_sub(h / 4);
    let y1 = (line.y1 + h / 4).min(ph);
    // `then`, not `then_some`: the rectangle is only computed when it is one
    // (overlapping word boxes can put the next label left of the value).
    (x1 > x0 + h && y1 > y0).then(|| ValueRegion {
        page: pi,
        rect: [x0, y0, x1 - x0, y1 - y0],
        line_height: h,
    })
}

/// All label hits on a page: (field index, hit), nested hits removed.
fn page_hits(lines: &[Line], label_keys: &[Vec<Vec<char>>]) -> Vec<(usize, Hit)> {
    let mut all = Vec::new();
    for (fi, keys) in label_keys.iter().enumerate() {
        for (li, k) in keys.iter().enumerate() {
            if k.is_empty() {
                continue;
            }
            for mut h in find_label(lines, k) {
                // Another field's longer label holding this one (证号 in
                // 身份证号), however misread, is that field's. Not a label this
                // field has too (range parts share 有效期限).
                let line = &lines[h.line];
                let at = line.key_pos.iter().position(|&p| p == h.start);
                let taken = at.is_some_and(|at| {
                    label_keys
                        .iter()
                        .enumerate()
                        .filter(|(other, _)| *other != fi)
                        .flat_map(|(_, ks)| ks)
                        .filter(|longer| !keys.contains(longer))
                        .any(|longer| inside_longer_label(line, at, k, longer))
                });
                if taken {
                    continue;
                }
                h.label_index = li;
                all.push((fi, h));
            }
        }
    }
    // Drop a hit inside a longer or better one (名称 inside 企业名称).
    let snapshot = all.clone();
    all.retain(|(_, h)| {
        !snapshot.iter().any(|(_, o)| {
            o.line == h.line
                && o.start <= h.start
                && o.end >= h.end
                && (o.end - o.start > h.end - h.start
                    || (o.end - o.start == h.end - h.start && o.errors < h.errors))
        })
    });
    all.sort_by_key(|(fi, h)| (h.line, h.start, *fi));
    all.dedup_by(|a, b| {
        a.1.line == b.1.line && a.1.start == b.1.start && a.1.end == b.1.end && a.0 == b.0
    });
    all
}

fn read_field(
    pls: &[PageLines],
    fi: usize,
    field: &FieldSpec,
    hint: Option<&str>,
) -> (ReadField, Option<ValueRegion>) {
    // Candidate label hits of this field over all pages, best first.
    let mut cands: Vec<(usize, &Hit)> = Vec::new();
    for (pi, pl) in pls.iter().enumerate() {
        cands.extend(
            pl.hits
                .iter()
                .filter(|(f, _)| *f == fi)
                .map(|(_, h)| (pi, h)),
        );
    }
    cands.sort_by_key(|(pi, h)| (h.errors, h.label_index, !h.label_like, *pi, h.line, h.start));
    let mut first_failure: Option<(ReadField, Option<ValueRegion>)> = None;
    let extend = field.ty != prereview_model::document::FieldType::Text;
    for &(pi, hit) in cands.iter().take(8) {
        let pl = &pls[pi];
        let hits = &pl.hits;
        // Hits of *other* fields (and of this field's other labels elsewhere)
        // end a value; fuzzy ones only where they look like labels.
        let stops: Vec<&Hit> = hits
            .iter()
            .filter(|(f, h)| {
                // Not this field's own labels (租赁期限：租赁期限自…), nor fields
                // sharing this label (range parts) at the same place.
                *f != fi
                    && !(h.line == hit.line && h.start == hit.start)
                    && (h.errors == 0 || h.label_like)
            })
            .map(|(_, h)| h)
            .collect();
        let ends: Vec<Vec<char>> = field
            .ends
            .iter()
            .map(|e| key_of(e))
            .filter(|k| !k.is_empty())
            .collect();
        // The value after the label on its line; when that does not parse
        // (a stamp, a QR code or noise beside the label), the line below.
        for below in [false, true] {
            let Some(span) = value_span(&pl.lines, hit, &stops, &ends, field.multiline, below)
            else {
                if below {
                    break;
                }
                first_failure.get_or_insert_with(|| {
                    let rf = with_location(
                        ReadField::missing(format!(
                            "“{}”标签后没有内容 (nothing after the label)",
                            field.title
                        )),
                        pl,
                        &Span {
                            parts: vec![(hit.line, hit.start, hit.end)],
                        },
                    );
                    (rf, region_of(pl, pi, hit.line, hit.end, None, &stops, true))
                });
                break;
            };
            let region = match span.parts.as_slice() {
                [(li, a, b)] => region_of(pl, pi, *li, *a, Some(*b), &stops, extend),
                _ => None,
            };
            let text = span_text(&pl.lines, &span);
            let raw = span_raw(pl, &span);
            match values::parse(field, &text, hint) {
                Ok(p) => {
                    let conf = span_confidence(pl, &span)
                        * p.factor
                        * if hit.errors > 0 { 0.97 } else { 1.0 };
                    let mut rf = with_location(
                        ReadField {
                            value: Some(p.value),
                            confidence: round3(conf.clamp(0.0, 1.0)),
                            page: None,
                            bbox: None,
                            reason: p.note,
                            raw: Some(raw),
                        },
                        pl,
                        &span,
                    );
                    if rf.value.as_ref().is_some_and(|v| v.is_null()) {
                        rf.value = None;
                    }
                    return (rf, region);
                }
                Err(why) => {
                    first_failure.get_or_insert_with(|| {
                        let mut rf = with_location(ReadField::missing(why), pl, &span);
                        rf.raw = Some(raw);
                        let first = span.parts[0];
                        let region = region_of(pl, pi, first.0, first.1, None, &stops, true);
                        (rf, region)
                    });
                    if span.parts[0].0 != hit.line {
                        break;
                    }
                }
            }
        }
    }
    first_failure.unwrap_or_else(|| {
        (
            ReadField::missing(format!(
                "未找到“{}”（标签：{}） (label not found on the page)",
                field.title,
                field.labels.join("、")
            )),
            None,
        )
    })
}

/// Identifiers that prove themselves (a resident ID number's or a credit
/// code's check character), when the spec has one field of the type: such a
/// value can be recognised without its label.
fn self_checking(field: &FieldSpec, spec: &DocumentSpec) -> bool {
    use prereview_model::document::FieldType::{ResidentId, Uscc};
    matches!(field.ty, ResidentId | Uscc)
        && spec.fields.iter().filter(|f| f.ty == field.ty).count() == 1
}

/// A field whose label was not found (a faint label on a poor scan), read
/// from the one 18-character run on the pages that passes the field's
/// check; `None` when no run or several different ones do. The confidence
/// is lowered (no label vouches for it) and the note says how it was found.
fn find_unlabelled(pls: &[PageLines], field: &FieldSpec, hint: Option<&str>) -> Option<ReadField> {
    let mut found: Vec<(serde_json::Value, ReadField)> = Vec::new();
    for (pl, li, start, i) in runs(pls, |c| c.is_ascii_alphanumeric()) {
        for a in start..i.saturating_sub(17) {
            let span = Span {
                parts: vec![(li, a, a + 18)],
            };
            let text = span_text(&pl.lines, &span);
            let Ok(p) = values::parse(field, &text, hint) else {
                continue;
            };
            if p.value.is_null() || found.iter().any(|(v, _)| *v == p.value) {
                continue;
            }
            let value = p.value.clone();
            found.push((
                value,
                found_without_label(pl, &span, p, unlabelled_note(field)),
            ));
        }
    }
    match found.len() {
        1 => found.pop().map(|(_, rf)| rf),
        _ => None,
    }
}

/// A date field whose label was not found ([`FieldSpec::unlabelled`]), read
/// from the one run of date characters on the pages (digits, 年月日, `.-/`,
/// and for a range 至 and 长期) that the field's grammar reads whole; `None`
/// when none does or several read differently. The confidence is lowered
/// and the note says how it was found.
fn find_by_grammar(pls: &[PageLines], field: &FieldSpec, hint: Option<&str>) -> Option<ReadField> {
    let dateish = |c: char| c.is_ascii_digit() || "年月日.-/—~至长期".contains(c);
    let mut found: Option<ReadField> = None;
    for (pl, li, start, i) in runs(pls, dateish) {
        let chars = &pl.lines[li].chars;
        let digits = chars[start..i]
            .iter()
            .filter(|c| c.c.is_ascii_digit())
            .count();
        if digits < 6 {
            continue;
        }
        let span = Span {
            parts: vec![(li, start, i)],
        };
        let text = span_text(&pl.lines, &span);
        if !values::is_whole_date_text(field.range_part, &text) {
            continue;
        }
        let Some(p) = values::parse(field, &text, hint)
            .ok()
            .filter(|p| !p.value.is_null())
        else {
            continue;
        };
        match &found {
            Some(rf) if rf.value.as_ref() != Some(&p.value) => {
                return None; // two dates: which is this field's?
            }
            Some(_) => {}
            None => {
                found = Some(found_without_label(pl, &span, p, unlabelled_note(field)));
            }
        }
    }
    found
}

/// A value read from `span` without its label: the confidence lowered (no
/// label vouches for it), the note saying how it was found, and a
/// correction made while parsing kept in the note (only a value read as
/// printed may be confirmed later).
fn found_without_label(pl: &PageLines, span: &Span, p: values::Parsed, how: String) -> ReadField {
    let rf = ReadField {
        value: Some(p.value),
        confidence: round3((span_confidence(pl, span) * p.factor * 0.9).clamp(0.0, 1.0)),
        page: None,
        bbox: None,
        reason: Some(match &p.note {
            None => how,
            Some(n) => format!("{how}；{n}"),
        }),
        raw: Some(span_raw(pl, span)),
    };
    with_location(rf, pl, span)
}

/// Every maximal run of characters `keep` accepts, on every line of every
/// page: (page, line index, start, end) in the line's characters.
fn runs<'a>(
    pls: &'a [PageLines<'a>],
    keep: impl Fn(char) -> bool,
) -> Vec<(&'a PageLines<'a>, usize, usize, usize)> {
    let mut out = Vec::new();
    for pl in pls {
        for (li, line) in pl.lines.iter().enumerate() {
            let chars = &line.chars;
            let mut i = 0;
            while i < chars.len() {
                if !keep(chars[i].c) {
                    i += 1;
                    continue;
                }
                let start = i;
                while i < chars.len() && keep(chars[i].c) {
                    i += 1;
                }
                out.push((pl, li, start, i));
            }
        }
    }
    out
}

/// The note of an identifier found without its label, as read.
/// How a value found without its label was recognised: a date field marked
/// [`FieldSpec::unlabelled`] by its format, an identifier by its check character.
fn unlabelled_note(field: &FieldSpec) -> String {
    let (how, how_en) = if field.unlabelled {
        ("日期格式", "date format")
    } else {
        ("校验位", "check character")
    };
    format!(
        "未找到“{}”标签，按{how}识别 (no label found; recognised by its {how_en})",
        field.title
    )
}

fn round3(v: f32) -> f32 {
    (v * 1000.0).round() / 1000.0
}

/// The characters of a value after `hit`: on the same line up to the next
/// stop; else on the next line below the label; multi-line values continue
/// on following lines until a line that starts with a label.
fn value_span(
    lines: &[Line],
    hit: &Hit,
    stops: &[&Hit],
    ends: &[Vec<char>],
    multiline: bool,
    below: bool,
) -> Option<Span> {
    let line = &lines[hit.line];
    let h = line.height();
    let word_x0 = |l: &Line, ci: usize| word_box(l, ci).0;
    let label_x0 = word_x0(line, hit.start);
    // A label inside running text (甲方将坐落于…) wraps to the margin; a
    // label in a form column keeps its value in that column.
    let column_x0 = if hit.label_like { label_x0 } else { 0 };
    let mut span = Span::default();
    let mut right_bound = u32::MAX;
    // Same line (unless asked for the line below).
    let (s, e, stopped_by, mut ended) = if below {
        (0, 0, None, false)
    } else {
        piece(line, hit.line, hit.end, stops, ends)
    };
    if let Some(st) = stopped_by {
        right_bound = word_x0(line, st);
    }
    let mut last_line = hit.line;
    if s < e {
        span.parts.push((hit.line, s, e));
    } else if let Some(cell) = multiline
        .then(|| cell_beside(lines, hit, stops, ends))
        .flatten()
    {
        // The whole value stands in the cell beside the label; nothing continues it.
        last_line = cell.parts.iter().map(|p| p.0).max().unwrap_or(hit.line);
        span = cell;
        ended = true;
    } else {
        // Next line below, under or right of the label. Measured from the
        // label's own characters: other ink on its line (a QR code beside
        // 统一社会信用代码) can reach far below it.
        let [_, label_y0, _, label_y1] = label_box(line, hit).unwrap_or([0, line.y0, 0, line.y1]);
        let lh = label_y1.saturating_sub(label_y0).clamp(1, h);
        let next = (hit.line + 1..lines.len()).take(3).find(|&j| {
            lines[j].y0 >= label_y1.saturating_sub(lh / 4) && lines[j].y0 <= label_y1 + lh * 2
        })?;
        let nl = &lines[next];
        let from = (0..nl.chars.len()).find(|&ci| word_box(nl, ci).0 + h >= label_x0)?;
        if stops
            .iter()
            .any(|st| st.line == next && st.start <= from && st.end > from)
        {
            return None;
        }
        let (s2, e2, stopped, end2) = piece(nl, next, from, stops, ends);
        if s2 >= e2 {
            return None;
        }
        ended = end2;
        if let Some(st) = stopped {
            right_bound = word_x0(nl, st);
        }
        span.parts.push((next, s2, e2));
        last_line = next;
    }
    // Continuation lines wrap inside the first line's column: ink further
    // right (a photo's outline beside an ID card's address) is not the value.
    if let Some(&(li, a, b)) = span.parts.first() {
        if b > a {
            let l = &lines[li];
            right_bound = right_bound.min(word_box(l, b - 1).1 + 2 * l.height());
        }
    }
    // A value that met one of its `ends` texts is complete.
    if multiline && !ended {
        let mut prev = last_line;
        for j in last_line + 1..lines.len() {
            if span.parts.len() >= 6 {
                break;
            }
            let nl = &lines[j];
            let gap = nl.y0 as i64 - lines[prev].y1 as i64;
            if gap > (lines[prev].height() as i64 * 6) / 5 {
                break;
            }
            // Characters of this line inside the value's column.
            let Some(from) = (0..nl.chars.len()).find(|&ci| {
                let (x0, x1) = word_box(nl, ci);
                (x0 + x1) / 2 + h >= column_x0 && (x0 + x1) / 2 < right_bound
            }) else {
                // Only ink beside the column (between two lines of the value).
                continue;
            };
            if stops.iter().any(|st| st.line == j && st.start <= from + 1)
                || starts_with_any(nl, from, ends)
            {
                break;
            }
            let (s2, mut e2, _, end2) = piece(nl, j, from, stops, ends);
            while e2 > s2 && word_box(nl, e2 - 1).0 >= right_bound {
                e2 -= 1;
            }
            if s2 >= e2 {
                break;
            }
            span.parts.push((j, s2, e2));
            prev = j;
            if end2 {
                break;
            }
        }
    }
    (!span.parts.is_empty()).then_some(span)
}

/// A value of several lines centred beside its label in a table cell
/// (不动产权证书's 坐落): OCR puts the label on a line of its own, between the
/// value's lines. Taken only when lines starting right of the label stand
/// both above and below the label's middle, each within a line and a half of
/// the label, with no other label before them on their line.
fn cell_beside(lines: &[Line], hit: &Hit, stops: &[&Hit], ends: &[Vec<char>]) -> Option<Span> {
    let [_, ly0, lx1, ly1] = label_box(&lines[hit.line], hit)?;
    let lh = ly1.checked_sub(ly0)?.max(1);
    let mid = (ly0 + ly1) / 2;
    let lo = ly0.saturating_sub(lh * 3 / 2);
    let hi = ly1 + lh * 3 / 2;
    let mut cell: Vec<usize> = (0..lines.len())
        .filter(|&j| j != hit.line)
        .filter(|&j| {
            let l = &lines[j];
            let Some(first) = l.chars.first() else {
                return false;
            };
            l.y0 >= lo
                && l.y1 <= hi
                && first.bbox[0] + lh / 4 >= lx1
                && first.bbox[0] <= lx1 + 8 * lh
                && !stops.iter().any(|st| st.line == j)
        })
        .collect();
    cell.sort_by_key(|&j| lines[j].y0);
    let centre = |j: usize| (lines[j].y0 + lines[j].y1) / 2;
    if !(cell.iter().any(|&j| centre(j) < mid) && cell.iter().any(|&j| centre(j) > mid)) {
        return None;
    }
    let mut span = Span::default();
    for j in cell {
        let (s, e, _, ended) = piece(&lines[j], j, 0, stops, ends);
        if s < e {
            span.parts.push((j, s, e));
        }
        if ended {
            break;
        }
    }
    (!span.parts.is_empty()).then_some(span)
}

/// `[x0, y0, x1, y1]` of a label's own characters (not of its whole line,
/// which other ink can stretch); `None` for a hit without characters.
fn label_box(line: &Line, hit: &Hit) -> Option<[u32; 4]> {
    let label = &line.chars[hit.start.min(line.chars.len())..hit.end.min(line.chars.len())];
    label
        .iter()
        .map(|c| c.bbox)
        .fold(None, |acc, [x, y, w, h]| {
            let [x0, y0, x1, y1] = acc.unwrap_or([x, y, x + w, y + h]);
            Some([x0.min(x), y0.min(y), x1.max(x + w), y1.max(y + h)])
        })
}

fn starts_with_any(line: &Line, from: usize, texts: &[Vec<char>]) -> bool {
    texts.iter().any(|k| {
        from + k.len() <= line.chars.len() && (0..k.len()).all(|j| line.chars[from + j].c == k[j])
    })
}

/// From char `from` on a line: skip separators, run to the next stop hit, an
/// `ends` text, or a wide gap. Returns (start, end, char index of the stop
/// hit that ended it, whether an `ends` text completed the value).
fn piece(
    line: &Line,
    li: usize,
    from: usize,
    stops: &[&Hit],
    ends: &[Vec<char>],
) -> (usize, usize, Option<usize>, bool) {
    let mut s = from;
    while s < line.chars.len() && layout::is_separator(line.chars[s].c) {
        // A short bracketed decoration after the label (出租方（甲方）：, read
        // as "(RA) :") is part of the label, not the value.
        if line.chars[s].c == '(' {
            if let Some(close) =
                (s + 1..(s + 8).min(line.chars.len())).find(|&i| line.chars[i].c == ')')
            {
                s = close + 1;
                continue;
            }
        }
        s += 1;
    }
    let mut e = line.chars.len();
    let mut stopped = None;
    let mut ended = false;
    for st in stops {
        if st.line == li && st.start >= s && st.start < e {
            e = st.start;
            stopped = Some(st.start);
        }
    }
    for k in ends {
        if let Some(p) = (s..e).find(|&p| {
            p + k.len() <= line.chars.len() && (0..k.len()).all(|j| line.chars[p + j].c == k[j])
        }) {
            if p < e {
                e = p;
                stopped = None;
                ended = true;
            }
        }
    }
    if let Some(g) = (s + 1..e).find(|&i| line.chars[i].gap_before) {
        e = g;
        stopped = None;
    }
    (s, e, stopped, ended)
}

/// Left and right x of one character.
fn word_box(line: &Line, ci: usize) -> (u32, u32) {
    let b = line.chars[ci].bbox;
    (b[0], b[0] + b[2])
}

fn span_text(lines: &[Line], span: &Span) -> String {
    let mut s = String::new();
    for &(li, a, b) in &span.parts {
        let l = &lines[li];
        for i in a..b {
            if l.chars[i].gap_before && i > a {
                s.push(' ');
            }
            s.push(l.chars[i].c);
        }
    }
    s
}

fn span_words(pl: &PageLines, span: &Span) -> Vec<usize> {
    let mut ws = Vec::new();
    for &(li, a, b) in &span.parts {
        for i in a..b {
            let w = pl.lines[li].chars[i].word;
            if ws.last() != Some(&w) {
                ws.push(w);
            }
        }
    }
    ws
}

/// The OCR text of the words the value touches, as Tesseract gave it.
fn span_raw(pl: &PageLines, span: &Span) -> String {
    span_words(pl, span)
        .iter()
        .map(|&w| pl.page.words[w].text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// 0–1 from the word confidences: the mean pulled towards the weakest word
/// (one bad character makes a wrong name).
fn span_confidence(pl: &PageLines, span: &Span) -> f32 {
    let mut confs = Vec::new();
    for &(li, a, b) in &span.parts {
        for i in a..b {
            confs.push(pl.page.words[pl.lines[li].chars[i].word].conf);
        }
    }
    if confs.is_empty() {
        return 0.0;
    }
    let mean = confs.iter().sum::<f32>() / confs.len() as f32;
    let min = confs.iter().cloned().fold(f32::MAX, f32::min);
    (0.5 * mean + 0.5 * min) / 100.0
}

fn with_location(mut rf: ReadField, pl: &PageLines, span: &Span) -> ReadField {
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0u32, 0u32);
    for &(li, a, b) in &span.parts {
        for i in a..b {
            let bx = pl.lines[li].chars[i].bbox;
            x0 = x0.min(bx[0]);
            y0 = y0.min(bx[1]);
            x1 = x1.max(bx[0] + bx[2]);
            y1 = y1.max(bx[1] + bx[3]);
        }
    }
    rf.page = Some(pl.page.page);
    if x0 < x1 && y0 < y1 {
        rf.bbox = Some(pl.page.to_original([x0, y0, x1 - x0, y1 - y0]));
    }
    rf
}
