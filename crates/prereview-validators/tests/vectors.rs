//! Data-driven tests: every item of every section of `tests/data/vectors.json`
//! (the project's algorithm vectors, checked against python-stdnum 2.2 and
//! cn2an 0.5.24). Where the rule catalog says a peer library is wrong
//! (letter-led USCCs, all-zero USCC, future/over-age birth dates, sequence
//! 000, region created after birth), the catalog's verdict is asserted.

use chrono::NaiveDate;
use prereview_validators::{
    amount, date, org_code,
    resident_id::{self, IdErrorKind, Period, Sex},
    uscc::{self, UsccErrorKind},
};
use serde_json::Value;
use std::sync::LazyLock;

static V: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("data/vectors.json")).expect("vectors.json parses")
});

/// The application date of the sample bundles (catalog §9).
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 11, 20).unwrap()
}

fn section(path: &[&str]) -> &'static Vec<Value> {
    let mut v: &Value = &V;
    for p in path {
        v = &v[*p];
    }
    v.as_array()
        .unwrap_or_else(|| panic!("section {path:?} missing or not a list"))
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str()
        .unwrap_or_else(|| panic!("field {k} missing in {v}"))
}

fn iso(d: &str) -> NaiveDate {
    NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
}

// ---------------------------------------------------------------- USCC

fn assert_uscc_valid_item(item: &Value) {
    let code = s(item, "value");
    let c = uscc::validate(code);
    assert!(c.valid, "{code}: {c:?}");
    assert_eq!(c.error_kind, None);
    assert!(c.warnings.is_empty(), "{code}: {:?}", c.warnings);
    assert!(!c.needs_review, "{code}");
    assert_eq!(c.normalized, code);
    assert_eq!(c.department.as_deref(), Some(s(item, "dept")), "{code}");
    assert_eq!(c.category.as_deref(), Some(s(item, "kind")), "{code}");
    assert_eq!(c.region_code.as_deref(), Some(s(item, "region_code")));
    assert_eq!(c.org_code.as_deref(), Some(s(item, "org_code")));
    assert_eq!(
        c.org_code_valid,
        Some(item["org_code_gb11714_ok"].as_bool().unwrap())
    );
    if let Some(county) = item["region"].as_str() {
        assert_eq!(
            c.region.as_ref().and_then(|r| r.county.as_deref()),
            Some(county),
            "{code}"
        );
    }
    assert!(c.region.is_some(), "{code}: region names expected");
}

#[test]
fn uscc_valid() {
    let items = section(&["uscc", "valid"]);
    assert!(!items.is_empty());
    for item in items {
        assert_uscc_valid_item(item);
    }
}

#[test]
fn uscc_letter_led_valid_per_gb32100() {
    // python-stdnum rejects these (InvalidFormat); GB 32100 allows A/N/Y.
    let items = section(&["uscc", "letter_led"]);
    assert!(!items.is_empty());
    for item in items {
        assert_eq!(item["expected_valid_per_gb32100"], Value::Bool(true));
        assert_uscc_valid_item(item);
    }
}

#[test]
fn uscc_invalid() {
    let items = section(&["uscc", "invalid"]);
    assert!(!items.is_empty());
    for item in items {
        let code = s(item, "value");
        let expected = s(item, "expected");
        let c = uscc::validate(code);
        match expected {
            "InvalidChecksum" => {
                assert!(!c.valid, "{code}");
                assert_eq!(c.error_kind, Some(UsccErrorKind::Checksum), "{code}");
                assert!(c.reason.as_deref().unwrap().contains("校验码"), "{code}");
            }
            "InvalidFormat" => {
                assert!(!c.valid, "{code}");
                assert_eq!(c.error_kind, Some(UsccErrorKind::Format), "{code}");
            }
            "InvalidLength" => {
                assert!(!c.valid, "{code}");
                assert_eq!(c.error_kind, Some(UsccErrorKind::Length), "{code}");
            }
            e if e.starts_with("semantic") => {
                // Checksum is formally right (stdnum accepts); catalog F02
                // flags the semantics: at least one WARN.
                assert!(c.valid, "{code}: {c:?}");
                assert!(
                    c.semantic_misses >= 1 && !c.warnings.is_empty(),
                    "{code}: {c:?}"
                );
                if code == "000000000000000000" {
                    assert!(c.needs_review, "all-zero code must go to a person");
                }
            }
            other => panic!("unhandled expectation {other} for {code}"),
        }
    }
}

#[test]
fn uscc_normalizable() {
    for item in section(&["uscc", "normalizable"]) {
        let c = uscc::validate(s(item, "input"));
        assert_eq!(c.normalized, s(item, "normalized"));
        assert!(c.valid, "{c:?}");
        assert!(!c.needs_review);
    }
    // Full-width OCR output as well.
    let c = uscc::validate("９１１１０１０８５５１３８５０８２Ｑ");
    assert!(c.valid && c.normalized == "91110108551385082Q");
}

#[test]
fn uscc_real_codes_from_stdnum_tests() {
    let items = section(&["uscc", "real_from_stdnum_tests"]);
    assert_eq!(items.len(), 100);
    for item in items {
        let code = item.as_str().unwrap();
        let c = uscc::validate(code);
        assert!(c.valid, "{code}: {c:?}");
        assert_eq!(c.org_code_valid, Some(true), "{code}");
        assert!(c.warnings.is_empty(), "{code}: {:?}", c.warnings);
        assert!(c.department.is_some() && c.category.is_some(), "{code}");
    }
    // The list of real codes failing the org check is empty (catalog §5.1);
    // if entries appear, they must stay valid with a warning.
    for item in section(&["uscc", "real_failing_org_code_check"]) {
        let code = item.as_str().or_else(|| item["value"].as_str()).unwrap();
        let c = uscc::validate(code);
        assert!(c.valid && c.org_code_valid == Some(false) && !c.warnings.is_empty());
    }
}

// ---------------------------------------------------------------- org code

#[test]
fn org_code_valid() {
    let items = section(&["org_code", "valid"]);
    assert!(!items.is_empty());
    for item in items {
        for input in [s(item, "value"), s(item, "display")] {
            let c = org_code::validate(input);
            assert!(c.valid, "{input}: {c:?}");
            assert_eq!(c.display.as_deref(), Some(s(item, "display")));
            assert_eq!(c.normalized, s(item, "value"));
        }
    }
}

#[test]
fn org_code_invalid() {
    let items = section(&["org_code", "invalid"]);
    assert!(!items.is_empty());
    for item in items {
        let input = s(item, "value");
        let c = org_code::validate(input);
        assert!(!c.valid, "{input}");
        assert_eq!(item["our_valid"], Value::Bool(false));
        let reason = c.reason.as_deref().unwrap();
        match s(item, "expected") {
            "checksum" => assert!(reason.starts_with("校验码错误"), "{input}: {reason}"),
            "format" => assert!(!reason.starts_with("校验码错误"), "{input}: {reason}"),
            other => panic!("unhandled expectation {other}"),
        }
    }
}

// ---------------------------------------------------------------- resident ID

/// Our division table (cinv) carries current names; python-stdnum's
/// historical table names some codes differently.
fn expected_county(code: &str, vector_name: &str) -> String {
    match code {
        // stdnum: 南头区办事处 (name at the 1983 birth); GB/T 2260 today: 南山区.
        "440305" => "南山区".to_string(),
        _ => vector_name.to_string(),
    }
}

#[test]
fn ric_valid() {
    let items = section(&["ric", "valid"]);
    assert!(!items.is_empty());
    for item in items {
        let id = s(item, "value");
        let c = resident_id::validate(id, today());
        assert!(c.valid, "{id}: {c:?}");
        assert!(c.warnings.is_empty() && !c.needs_review, "{id}: {c:?}");
        assert_eq!(c.normalized, id);
        assert_eq!(c.birth_date, Some(iso(s(item, "birth_date"))), "{id}");
        let sex = match s(item, "sex") {
            "M" => Sex::M,
            _ => Sex::F,
        };
        assert_eq!(c.sex, Some(sex), "{id}");
        let code = s(item, "region_code");
        assert_eq!(c.region_code.as_deref(), Some(code));
        let region = c.region.as_ref().unwrap();
        assert_eq!(region.province, s(&item["region"], "province"), "{id}");
        assert_eq!(
            region.county.as_deref(),
            Some(expected_county(code, s(&item["region"], "county")).as_str()),
            "{id}"
        );
    }
}

#[test]
fn ric_invalid() {
    let items = section(&["ric", "invalid"]);
    assert!(!items.is_empty());
    for item in items {
        let id = s(item, "value");
        let c = resident_id::validate(id, today());
        assert!(!c.valid, "{id}: {c:?}");
        assert!(c.reason.is_some());
        let kind = match s(item, "expected") {
            "InvalidChecksum" => IdErrorKind::Checksum,
            "InvalidComponent" => IdErrorKind::BirthDate,
            "InvalidLength" => IdErrorKind::Length,
            "InvalidFormat" => IdErrorKind::Format,
            "semantic: implausible age" => IdErrorKind::ImplausibleAge,
            other => panic!("unhandled expectation {other} for {id}"),
        };
        assert_eq!(c.error_kind, Some(kind), "{id}: {:?}", c.reason);
    }
}

#[test]
fn ric_normalizable_and_legacy() {
    for item in section(&["ric", "normalizable"]) {
        let c = resident_id::validate(s(item, "input"), today());
        assert!(c.valid, "{c:?}");
        assert_eq!(c.normalized, s(item, "normalized"));
    }
    let items = section(&["ric", "legacy_15_upgrade"]);
    assert!(!items.is_empty());
    for item in items {
        let c = resident_id::validate(s(item, "input"), today());
        assert!(c.valid, "{c:?}");
        assert!(c.upgraded_from_15);
        assert_eq!(c.normalized, s(item, "upgraded"));
        assert!(
            c.warnings.iter().any(|w| w.contains("15位")),
            "{:?}",
            c.warnings
        );
        assert_eq!(
            resident_id::upgrade_15(s(item, "input")).as_deref(),
            Some(s(item, "upgraded"))
        );
    }
}

#[test]
fn ric_warn_items_are_valid_with_a_warning() {
    // Catalog F03: region newer than a post-1985 birth, and sequence 000, are
    // WARN (python-stdnum rejects the first and accepts the second silently).
    let items = section(&["ric", "warn"]);
    assert!(!items.is_empty());
    for item in items {
        let id = s(item, "value");
        let c = resident_id::validate(id, today());
        assert!(c.valid, "{id}: {c:?}");
        assert!(!c.needs_review, "{id}");
        assert!(!c.warnings.is_empty(), "{id}: expected a warning");
    }
}

#[test]
fn ric_future_birth_and_age_limit() {
    // cinv and stdnum accept these; the catalog does not.
    let mut future = String::from("37010220300101001");
    future.push(resident_id::check_character(&future).unwrap());
    let c = resident_id::validate(&future, today());
    assert_eq!(c.error_kind, Some(IdErrorKind::FutureBirth));
    // 120 years old on the day is fine, 121 is not.
    let mut old = String::from("37010219041119001");
    old.push(resident_id::check_character(&old).unwrap());
    assert_eq!(
        resident_id::validate(&old, today()).error_kind,
        Some(IdErrorKind::ImplausibleAge)
    );
    let mut ok = String::from("37010219041120001");
    ok.push(resident_id::check_character(&ok).unwrap());
    assert!(resident_id::validate(&ok, today()).valid);
}

#[test]
fn id_card_validity_periods() {
    let items = section(&["ric", "id_card_validity_period"]);
    assert!(!items.is_empty());
    for item in items {
        let text = s(item, "text_on_card");
        let (from, until) = date::parse_validity(text).unwrap();
        assert_eq!(from, date::parse_date(s(item, "valid_from")).unwrap());
        assert_eq!(until, date::parse_date(s(item, "valid_to")).ok());
        let birth = iso(s(item, "birth_date"));
        let p = resident_id::validity_period(birth, from, until);
        assert_eq!(
            p.consistent,
            item["consistent"].as_bool().unwrap(),
            "{text}: {p:?}"
        );
        let expected = match &item["expected_period_years"] {
            Value::Number(n) => Period::Years(n.as_u64().unwrap() as u8),
            _ => Period::LongTerm,
        };
        assert_eq!(p.expected, Some(expected), "{text}");
        assert_eq!(p.reason.is_none(), p.consistent);
    }
}

// ---------------------------------------------------------------- amounts

#[test]
fn amount_valid_exact_cents() {
    let items = section(&["amount_rmb_upper", "valid"]);
    assert!(!items.is_empty());
    for item in items {
        let text = s(item, "text");
        let cents = item["cents"].as_i64().unwrap();
        let p = amount::parse_rmb_upper(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(p.fen, cents, "{text}");
        assert_eq!(p.yuan_string(), s(item, "yuan"), "{text}");
        let norm_ok = item["accounting_norm_ok"].as_bool().unwrap();
        assert_eq!(
            p.warnings.is_empty(),
            norm_ok,
            "{text}: warnings {:?}, vector says norm ok = {norm_ok}",
            p.warnings
        );
        // The form-field entry point agrees.
        assert_eq!(
            amount::parse_amount_text(text).map(|a| a.fen),
            Ok(cents),
            "{text}"
        );
        // Our generator writes a conforming form with the same value.
        let canon = amount::format_rmb_upper(cents).unwrap();
        let back = amount::parse_rmb_upper(&canon).unwrap();
        assert_eq!(back.fen, cents, "{canon}");
        assert!(back.warnings.is_empty(), "{canon}: {:?}", back.warnings);
    }
}

#[test]
fn amount_invalid_or_suspicious() {
    // Verdict per item. Ok(fen) with warnings = value recoverable, norm broken.
    let verdicts: &[(&str, Option<i64>)] = &[
        ("一百万元整", Some(100_000_000)),
        ("壹佰拾元整", None),
        ("贰两元整", None),
        ("壹佰元零零伍分", Some(10_005)),
        ("叁拾万元整（￥300000.00）", Some(30_000_000)),
    ];
    let items = section(&["amount_rmb_upper", "invalid_or_suspicious"]);
    assert!(!items.is_empty());
    for item in items {
        let text = s(item, "text");
        let verdict = verdicts
            .iter()
            .find(|(t, _)| *t == text)
            .unwrap_or_else(|| panic!("no verdict for new vector {text}"))
            .1;
        let r = amount::parse_rmb_upper(text);
        match verdict {
            Some(fen) => {
                let p = r.unwrap_or_else(|e| panic!("{text}: {e}"));
                assert_eq!(p.fen, fen, "{text}");
                assert!(!p.warnings.is_empty(), "{text}: expected a warning");
                if let Some(c) = item["cents"].as_i64() {
                    assert_eq!(c, fen);
                }
            }
            None => {
                let e = r.expect_err(text);
                assert!(!e.to_string().is_empty());
            }
        }
    }
}

// ---------------------------------------------------------------- dates

#[test]
fn dates_valid() {
    let items = section(&["dates", "valid"]);
    assert!(!items.is_empty());
    for item in items {
        let text = s(item, "text");
        assert_eq!(date::parse_date(text), Ok(iso(s(item, "iso"))), "{text}");
    }
}

#[test]
fn dates_invalid() {
    let items = section(&["dates", "invalid"]);
    assert!(!items.is_empty());
    for item in items {
        let text = s(item, "text");
        let e = date::parse_date(text).expect_err(text);
        let reason = s(item, "reason");
        if reason.starts_with("no day") {
            assert!(matches!(e, date::DateError::MissingDay(_)), "{text}: {e:?}");
        } else {
            assert!(
                matches!(e, date::DateError::InvalidCalendarDate { .. }),
                "{text}: {e:?}"
            );
        }
    }
}
