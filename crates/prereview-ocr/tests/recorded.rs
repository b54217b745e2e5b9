//! Extraction from recorded OCR output (`tests/data/*.words.json`, written by
//! `cargo run --example read -- FILE KIND --record OUT`) against the truth of
//! the synthetic documents they came from. Fast: no Tesseract.

use prereview_model::document::{DocumentSpec, FieldSpec, FieldType};
use prereview_ocr::{default_threshold, extract, specs, Hints, PageWords};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

#[derive(Clone)]
struct Case {
    name: String,
    kind: String,
    pages: Vec<PageWords>,
    truth: BTreeMap<String, Value>,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(data_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".words.json"))
        .collect();
    files.sort();
    for f in files {
        let name = f
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".words.json", "");
        let pages: Vec<PageWords> =
            serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let t: Value = serde_json::from_str(
            &std::fs::read_to_string(data_dir().join(format!("{name}.truth.json"))).unwrap(),
        )
        .unwrap();
        out.push(Case {
            name,
            kind: t["kind"].as_str().unwrap().to_string(),
            pages,
            truth: t["fields"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        });
    }
    out
}

/// The recorded case of that name.
fn case(name: &str) -> Case {
    cases()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no recorded case {name}"))
}

/// Every recorded identifier field (resident ID number, credit code) that
/// has a true value: (case, its kind's spec, the field, the value).
fn identifier_fields() -> Vec<(Case, DocumentSpec, FieldSpec, String)> {
    let mut out = Vec::new();
    for case in cases() {
        let spec = spec(&case.kind);
        for field in spec
            .fields
            .iter()
            .filter(|f| matches!(f.ty, FieldType::ResidentId | FieldType::Uscc))
        {
            if let Some(want) = case.truth.get(&field.name).and_then(|v| v.as_str()) {
                out.push((case.clone(), spec.clone(), field.clone(), want.to_string()));
            }
        }
    }
    out
}

/// The pages with one digit of the number `want` read as the look-alike B.
fn with_look_alike(pages: &[PageWords], want: &str) -> Vec<PageWords> {
    let mut pages = pages.to_vec();
    for p in &mut pages {
        for w in &mut p.words {
            if w.text.contains(&want[..10]) {
                w.text = w.text.replacen(&want[6..7], "B", 1);
            }
        }
    }
    pages
}

fn spec(kind: &str) -> DocumentSpec {
    specs::builtin()
        .into_iter()
        .find(|s| s.kind == kind)
        .unwrap()
}

fn same(ty: FieldType, got: &Value, want: &Value) -> bool {
    use prereview_validators::text::normalize;
    match (got, want) {
        (Value::Number(a), Value::Number(b)) => {
            (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 0.005
        }
        (Value::String(a), Value::String(b)) if ty == FieldType::Text => {
            let k = |s: &str| -> String {
                normalize(s)
                    .chars()
                    .filter(|c| c.is_alphanumeric())
                    .collect()
            };
            k(a) == k(b)
                || prereview_validators::date::parse_validity(a).is_ok_and(|(_, e)| {
                    e.map_or("长期".to_string(), |d| d.format("%Y-%m-%d").to_string()) == *b
                })
        }
        (Value::String(a), Value::String(b)) => normalize(a) == normalize(b),
        _ => false,
    }
}

/// The property that matters: a value reported as trustworthy is right.
/// And a floor on how much is read, so a regression shows.
#[test]
fn trusted_values_are_right_and_most_fields_are_read() {
    let (mut total, mut correct) = (0, 0);
    for c in cases() {
        let spec = spec(&c.kind);
        let doc = extract(&c.pages, &spec, &Hints::new());
        assert_eq!(
            doc.fields.len(),
            spec.fields.len(),
            "{}: every field reported",
            c.name
        );
        for f in &spec.fields {
            let Some(want) = c.truth.get(&f.name) else {
                continue;
            };
            let rf = &doc.fields[&f.name];
            total += 1;
            match &rf.value {
                Some(v) if same(f.ty, v, want) => correct += 1,
                Some(v) => assert!(
                    rf.confidence < default_threshold(f.ty),
                    "{} {}: wrong value {v} (want {want}) reported with confidence {}",
                    c.name,
                    f.name,
                    rf.confidence
                ),
                None => assert!(
                    rf.reason.is_some(),
                    "{} {}: null without a reason",
                    c.name,
                    f.name
                ),
            }
            if rf.value.is_some() {
                let b = rf.bbox.expect("a value has a box");
                let p = &c.pages[rf.page.unwrap() as usize - 1];
                assert!(
                    b[0] + b[2] <= p.width && b[1] + b[3] <= p.height,
                    "{} {}: box {b:?} off the page",
                    c.name,
                    f.name
                );
            }
        }
    }
    eprintln!("recorded extraction: {correct}/{total} fields exact");
    assert!(
        correct * 100 >= total * 70,
        "only {correct}/{total} fields read correctly"
    );
}

/// A form whose name differs from the document by one character must not
/// turn the document's reading into the form's value.
#[test]
fn hints_never_copy_the_form_value() {
    let c = case("clean_id_card_03");
    let spec = spec("id_card");
    let truth_name = c.truth["name"].as_str().unwrap().to_string();
    let plain = extract(&c.pages, &spec, &Hints::new());
    // The form says a name one character off from the card.
    let mut form_name: Vec<char> = truth_name.chars().collect();
    form_name[0] = if form_name[0] == '张' { '章' } else { '张' };
    let form_name: String = form_name.into_iter().collect();
    let mut hints = Hints::new();
    hints.insert("name".into(), form_name.clone());
    hints.insert("id_number".into(), "110105194912310021".into());
    let hinted = extract(&c.pages, &spec, &hints);
    assert_eq!(
        hinted.fields["name"], plain.fields["name"],
        "hints changed the name reading"
    );
    assert_ne!(
        hinted.fields["name"].value,
        Some(Value::String(form_name.clone()))
    );
    assert_ne!(
        hinted.fields["id_number"].value,
        Some(Value::String("110105194912310021".into()))
    );

    // And when the card itself is edited to say the other name, that is what comes out.
    let mut edited = c.pages.clone();
    let mut changed = false;
    for p in &mut edited {
        for w in &mut p.words {
            if let Some(first) = truth_name.chars().next() {
                if w.text.starts_with(first) && !changed {
                    w.text =
                        w.text
                            .replacen(first, &form_name.chars().next().unwrap().to_string(), 1);
                    changed = true;
                }
            }
        }
    }
    let mut hints2 = Hints::new();
    hints2.insert("name".into(), truth_name.clone());
    let d = extract(&edited, &spec, &hints2);
    if changed && plain.fields["name"].value.is_some() {
        assert_eq!(
            d.fields["name"].value,
            Some(Value::String(form_name)),
            "must read what the card says"
        );
    }
}

#[test]
fn missing_document_text_gives_reasons_not_panics() {
    for s in specs::builtin() {
        let d = extract(&[], &s, &Hints::new());
        assert_eq!(d.fields.len(), s.fields.len());
        assert!(d
            .fields
            .values()
            .all(|f| f.value.is_none() && f.reason.is_some()));
    }
}

/// The region given for re-reading a value read on one line contains the
/// value's box, and a value's region lies on the page it was read from.
#[test]
fn value_regions_cover_the_values_read() {
    let mut checked = 0;
    for c in cases() {
        let s = spec(&c.kind);
        let (doc, regions) = prereview_ocr::extract_with_regions(&c.pages, &s, &Hints::new());
        for f in &s.fields {
            let Some(r) = regions.get(&f.name) else {
                continue;
            };
            let p = &c.pages[r.page];
            let [px, py] = p.transform.processed;
            assert!(r.rect[0] + r.rect[2] <= px && r.rect[1] + r.rect[3] <= py);
            let rf = &doc.fields[&f.name];
            let (Some(_), Some(b)) = (&rf.value, rf.bbox) else {
                continue;
            };
            assert_eq!(rf.page, Some(p.page));
            let o = p.to_original(r.rect);
            // Rounding through the transform may move an edge by a pixel or two.
            let inside = o[0] <= b[0] + 2
                && o[1] <= b[1] + 2
                && o[0] + o[2] + 2 >= b[0] + b[2]
                && o[1] + o[3] + 2 >= b[1] + b[3];
            assert!(
                inside,
                "{} {}: region {o:?} misses the value {b:?}",
                c.name, f.name
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} regions checked");
}

/// An identifier whose label cannot be read (a faint label on a poor scan)
/// is still found by its check character when it is the only one on the
/// page, with a note and a lower confidence; with two different valid
/// numbers on the page, neither is taken.
#[test]
fn identifiers_are_found_without_their_label_only_when_unique() {
    let mut tried = 0;
    for case in cases() {
        let spec = spec(&case.kind);
        let Some(field) = spec.fields.iter().find(|f| f.ty == FieldType::ResidentId) else {
            continue;
        };
        let Some(want) = case.truth.get(&field.name).and_then(|v| v.as_str()) else {
            continue;
        };
        let labelled = extract(&case.pages, &spec, &Hints::new());
        let lf = &labelled.fields[&field.name];
        if lf.value.as_ref().and_then(|v| v.as_str()) != Some(want) {
            continue; // the recorded reading itself missed the number
        }
        tried += 1;
        // Garble every word holding a character of the field's labels.
        let label_chars: String = field.labels.concat();
        let mut pages = case.pages.clone();
        for p in &mut pages {
            for w in &mut p.words {
                if w.text.chars().any(|c| label_chars.contains(c)) && !w.text.contains(&want[..6]) {
                    w.text = "口口".into();
                }
            }
        }
        let d = extract(&pages, &spec, &Hints::new());
        let f = &d.fields[&field.name];
        assert_eq!(
            f.value.as_ref().and_then(|v| v.as_str()),
            Some(want),
            "{}",
            case.name
        );
        assert!(f.reason.as_deref().is_some_and(|r| r.contains("校验位")));
        assert!(
            f.confidence < lf.confidence,
            "{} vs {}",
            f.confidence,
            lf.confidence
        );
        assert!(f.bbox.is_some());
        // A second, different valid number on the page: no guess.
        let mut two = pages.clone();
        let mut extra = two[0]
            .words
            .iter()
            .find(|w| w.text.contains(&want[..6]))
            .expect("the number's word")
            .clone();
        extra.text = "11010519491231002X".into();
        extra.bbox[1] += 400;
        two[0].words.push(extra);
        let d = extract(&two, &spec, &Hints::new());
        assert!(d.fields[&field.name].value.is_none(), "{}", case.name);
    }
    assert!(tried > 0, "no recorded document with a resident ID read");
}

/// An identifier read as printed (check character valid, nothing corrected)
/// that equals the form's value is raised to the confirmed confidence; a
/// different form value, or a reading that needed a correction, is not.
#[test]
fn identifiers_equal_to_the_form_are_confirmed_and_nothing_else() {
    let mut tried = 0;
    for (case, spec, field, want) in identifier_fields() {
        let want = want.as_str();
        let plain = extract(&case.pages, &spec, &Hints::new());
        let pf = &plain.fields[&field.name];
        if pf.value.as_ref().and_then(|v| v.as_str()) != Some(want) || pf.reason.is_some() {
            continue;
        }
        tried += 1;
        let same = Hints::from([(field.name.clone(), want.to_string())]);
        let d = extract(&case.pages, &spec, &same);
        let f = &d.fields[&field.name];
        assert_eq!(f.value, pf.value);
        assert!(f.confidence >= prereview_ocr::extract::CONFIRMED_IDENTIFIER);
        assert!(f.confidence >= pf.confidence);
        assert!(f.reason.as_deref().is_some_and(|r| r.contains("申请表")));
        // Another number on the form: the reading stands as it was.
        let other = if field.ty == FieldType::ResidentId {
            "11010519491231002X"
        } else {
            "91350100M000100Y43"
        };
        let d = extract(
            &case.pages,
            &spec,
            &Hints::from([(field.name.clone(), other.to_string())]),
        );
        assert_eq!(
            d.fields[&field.name].confidence, pf.confidence,
            "{}",
            case.name
        );
        // The page's number with a look-alike misread: corrected at most,
        // never confirmed.
        let d = extract(&with_look_alike(&case.pages, want), &spec, &same);
        assert!(
            d.fields[&field.name].confidence < prereview_ocr::extract::CONFIRMED_IDENTIFIER,
            "{}",
            case.name
        );
    }
    assert!(tried > 0, "no recorded identifier read as printed");
}

/// 不动产权证书's 坐落 spans two lines centred beside its label: OCR puts the
/// label on a line of its own between them. Both lines are the value, and
/// the autonomous county's two misread characters are corrected from GB/T 2260.
#[test]
fn a_value_centred_beside_its_label_is_read_from_both_lines() {
    let c = case("clean_property_certificate_02");
    let doc = extract(&c.pages, &spec(&c.kind), &Hints::new());
    let address = &doc.fields["address"];
    assert_eq!(
        address.value.as_ref(),
        Some(&c.truth["address"]),
        "{address:?}"
    );
    assert!(
        address.confidence < default_threshold(FieldType::Text),
        "{address:?}"
    );
    // The box covers both lines.
    let [_, _, _, h] = address.bbox.unwrap();
    assert!(h > 80, "{address:?}");
}

/// Two fields read from one place on the page (编号 taken from a misread
/// 身份证号's 证号) are both doubted: one of them is wrong.
#[test]
fn one_text_read_as_two_fields_is_doubted() {
    let c = case("clean_health_certificate_01");
    let spec = spec(&c.kind);
    let mut doc = extract(&c.pages, &spec, &Hints::new());
    let id = doc.fields["id_number"].clone();
    assert!(id.value.is_some());
    let before = doc.fields["sex"].confidence;
    doc.fields.insert("certificate_no".into(), id);
    prereview_ocr::extract::one_text_one_field(&mut doc, &spec);
    for f in ["id_number", "certificate_no"] {
        let rf = &doc.fields[f];
        assert!(
            rf.confidence < default_threshold(FieldType::Text),
            "{f}: {rf:?}"
        );
        assert!(
            rf.reason.as_deref().unwrap().contains("同一处文字"),
            "{f}: {rf:?}"
        );
    }
    // Fields elsewhere on the page are untouched.
    assert_eq!(doc.fields["sex"].confidence, before);
}

/// The card's own ID number confirms a 出生 and 性别 read equal to it. A
/// different reading, or a number failing its check character, confirms nothing.
#[test]
fn the_documents_own_id_number_confirms_birth_date_and_sex() {
    use prereview_ocr::extract::{confirm_implied, IMPLIED_CONFIDENCE};
    use serde_json::json;
    let c = case("clean_id_card_03");
    let spec = spec(&c.kind);
    let doc = extract(&c.pages, &spec, &Hints::new());
    let number = c.truth["id_number"].as_str().unwrap().to_string();
    let implied: Vec<&str> = spec
        .fields
        .iter()
        .filter(|f| f.implied_by.is_some())
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(implied, ["sex", "birth_date"], "declared in id_card.toml");
    let with = |field: &str, value: &str, id: &str| {
        let mut d = doc.clone();
        let rf = d.fields.get_mut(field).unwrap();
        rf.value = Some(json!(value));
        rf.confidence = 0.3;
        rf.reason = Some("两次识别结果不一致 (two readings disagree)".into());
        rf.page = Some(1);
        let number = d.fields.get_mut("id_number").unwrap();
        number.value = Some(json!(id));
        number.page = Some(1);
        confirm_implied(&mut d, &spec);
        d.fields[field].clone()
    };
    for field in implied {
        let right = c.truth[field].as_str().unwrap();
        let f = with(field, right, &number);
        assert!(f.confidence >= IMPLIED_CONFIDENCE, "{field}: {f:?}");
        assert!(f.reason.unwrap().contains("公民身份号码"), "{field}");
        // A reading that differs from the number stays doubted.
        let other = if field == "sex" {
            if right == "男" {
                "女"
            } else {
                "男"
            }
        } else {
            "1990-01-02"
        };
        assert_eq!(with(field, other, &number).confidence, 0.3, "{field}");
        // A number read on another page says nothing.
        let mut d = doc.clone();
        let rf = d.fields.get_mut(field).unwrap();
        rf.value = Some(json!(right));
        rf.confidence = 0.3;
        rf.page = Some(1);
        let carrier = d.fields.get_mut("id_number").unwrap();
        carrier.value = Some(json!(number));
        carrier.page = Some(2);
        confirm_implied(&mut d, &spec);
        assert_eq!(d.fields[field].confidence, 0.3, "{field}");
        // A number failing its check character says nothing.
        let mut bad = number.clone().into_bytes();
        bad[3] = if bad[3] == b'9' { b'0' } else { bad[3] + 1 };
        let bad = String::from_utf8(bad).unwrap();
        assert_eq!(with(field, right, &bad).confidence, 0.3, "{field}");
    }
}

/// An identifier found without its label (a faint label) and equal to the
/// form's number is confirmed like a labelled one when read as printed; one
/// corrected while parsing (B read for 8) is not.
#[test]
fn identifiers_found_without_their_label_are_confirmed_only_as_printed() {
    use prereview_ocr::extract::CONFIRMED_IDENTIFIER;
    let mut tried = 0;
    for (case, spec, field, want) in identifier_fields() {
        let want = want.as_str();
        // Every label of the field made unreadable.
        let mut pages = case.pages.clone();
        for p in &mut pages {
            for w in &mut p.words {
                let label_like = field.labels.iter().any(|l| {
                    let l: Vec<char> = l.chars().collect();
                    l.windows(2)
                        .any(|pair| w.text.contains(&pair.iter().collect::<String>()))
                });
                if label_like {
                    w.text = "口".into();
                }
            }
        }
        let hints = Hints::from([(field.name.clone(), want.to_string())]);
        let d = extract(&pages, &spec, &hints);
        let f = &d.fields[&field.name];
        let unlabelled = f
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("no label found"))
            || f.reason.as_deref().is_some_and(|r| r.contains("申请表"));
        if f.value.as_ref().and_then(|v| v.as_str()) != Some(want) || !unlabelled {
            continue;
        }
        tried += 1;
        assert!(f.confidence >= CONFIRMED_IDENTIFIER, "{}: {f:?}", case.name);
        // Without the form's number it stays below the threshold.
        let alone = extract(&pages, &spec, &Hints::new());
        assert!(
            alone.fields[&field.name].confidence < CONFIRMED_IDENTIFIER,
            "{}",
            case.name
        );
        // Corrected while parsing: never confirmed.
        let d = extract(&with_look_alike(&pages, want), &spec, &hints);
        assert!(
            d.fields[&field.name].confidence < CONFIRMED_IDENTIFIER,
            "{}: {:?}",
            case.name,
            d.fields[&field.name]
        );
    }
    assert!(tried > 0, "no identifier found without its label");
}

/// A date field declared `unlabelled` (an ID card's 出生 and 有效期限) is
/// found by its format when its label is garbled: the same value, lower
/// confidence, a note saying how. A second, different date of the same
/// shape on the page leaves it unread.
#[test]
fn dates_are_found_without_their_label_only_when_unique() {
    let mut tried = 0;
    for case in cases() {
        let spec = spec(&case.kind);
        let labelled = extract(&case.pages, &spec, &Hints::new());
        for field in spec.fields.iter().filter(|f| f.unlabelled) {
            let Some(want) = case.truth.get(&field.name) else {
                continue;
            };
            let lf = &labelled.fields[&field.name];
            if lf.value.as_ref() != Some(want) {
                continue; // the recorded reading itself missed it
            }
            tried += 1;
            // Garble the words of the field's labels (not the value's 年月日).
            let label_chars: String = field.labels.concat();
            let mut pages = case.pages.clone();
            for p in &mut pages {
                for w in &mut p.words {
                    let label_word = w.text.chars().all(|c| label_chars.contains(c))
                        && !w.text.chars().any(|c| "年月日".contains(c));
                    if label_word {
                        w.text = "口".into();
                    }
                }
            }
            let d = extract(&pages, &spec, &Hints::new());
            let f = &d.fields[&field.name];
            assert_eq!(f.value.as_ref(), Some(want), "{} {}", case.name, field.name);
            assert!(
                f.reason
                    .as_deref()
                    .is_some_and(|r| r.contains("日期格式") || r.contains("公民身份号码")),
                "{} {}: {:?}",
                case.name,
                field.name,
                f.reason
            );
            assert!(f.bbox.is_some());
            // Another text of the same shape, another date: no guess.
            let mut two = pages.clone();
            let mut extra = two[0].words[0].clone();
            extra.text = if field.range_part.is_some() {
                "2001.01.01-2011.01.01".into()
            } else {
                "1990年1月1日".into()
            };
            extra.bbox[1] += 2000;
            two[0].words.push(extra);
            let d = extract(&two, &spec, &Hints::new());
            assert!(
                d.fields[&field.name].value.is_none(),
                "{} {}: {:?}",
                case.name,
                field.name,
                d.fields[&field.name]
            );
        }
    }
    assert!(tried >= 2, "recorded dates declared unlabelled: {tried}");
}

/// A short label inside another field's longer one is that field's, even where
/// the longer one is misread: 证号 (the certificate's number) in 雪份证号.
#[test]
fn a_short_label_inside_another_fields_misread_label_is_not_taken() {
    let c = case("clean_health_certificate_01");
    let spec = spec(&c.kind);
    let id = c.truth["id_number"].clone();
    let mut pages = c.pages.clone();
    for w in &mut pages[0].words {
        match w.text.as_str() {
            "身份" => w.text = "雪份".into(), // 身份证号 no longer matches
            "编号" => w.text = "篇叶".into(), // nor does the certificate's own label
            _ => {}
        }
    }
    let doc = extract(&pages, &spec, &Hints::new());
    let cert = &doc.fields["certificate_no"];
    assert_ne!(cert.value.as_ref(), Some(&id), "{cert:?}");
    // The ID number, found by its check character, is not doubted as read twice.
    let got = &doc.fields["id_number"];
    assert_eq!(got.value.as_ref(), Some(&id), "{got:?}");
    assert!(
        !got.reason.as_deref().unwrap_or("").contains("同一处文字"),
        "{got:?}"
    );
}

/// Fields that share a label (the parts of a range) keep it where only its
/// shorter form matches: 有效期 + a misread 限, glued to the value.
#[test]
fn a_label_shared_by_range_parts_is_kept_for_both() {
    let word = |text: &str, x: u32| prereview_ocr::Word {
        text: text.into(),
        conf: 95.0,
        bbox: [x, 100, 30 * text.chars().count() as u32, 30],
        line: [1, 1, 1],
    };
    let pages = vec![PageWords {
        page: 1,
        width: 2000,
        height: 400,
        transform: prereview_ocr::PageTransform::identity(2000, 400),
        words: vec![
            word("有效期X2013.10.25-2033.10.25", 40),
            word("签发机关", 40),
        ],
    }];
    let doc = extract(&pages, &spec("id_card"), &Hints::new());
    for (f, want) in [("valid_from", "2013-10-25"), ("valid_until", "2033-10-25")] {
        let rf = &doc.fields[f];
        assert_eq!(
            rf.value.as_ref().and_then(|v| v.as_str()),
            Some(want),
            "{f}: {rf:?}"
        );
        // Found by its label, not by the date search.
        assert!(
            !rf.reason.as_deref().unwrap_or("").contains("未找到"),
            "{f}: {rf:?}"
        );
    }
}
