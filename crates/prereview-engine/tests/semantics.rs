//! The language's semantics, rule by rule: three-valued logic, exact calendar and
//! money arithmetic, quantifiers over lists with unknown items.

use prereview_engine::{Engine, SubmissionInput};
use prereview_model::report::Outcome;
use std::path::Path;
use std::sync::Arc;

const PROCEDURE: &str = r#"
procedure sem "语义测试" {
  form {
    d: date "日期"
    e?: date "另一日期"
    n?: number "数"
    m?: money "金额"
    m2?: money "金额2"
    s?: text "文本"
    flag?: bool "标志"
    items: list { x?: number "x" } "列表"
  }
}
"#;

/// Compiles one rule (body only) against the test form and judges `form`.
fn outcome(check: &str, form: serde_json::Value, submitted_at: &str) -> (Outcome, String) {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    let mut files: Vec<(String, String)> = prereview_dsl::load::read_dir(&rules)
        .unwrap()
        .into_iter()
        .filter(|(p, _)| {
            p.starts_with("documents/") || p.starts_with("tables/") || p == "params.toml"
        })
        .collect();
    files.push(("sem/procedure.rules".into(), PROCEDURE.into()));
    let rule = format!(
        "rule S-1 \"t\" {{\n category validity\n severity reject\n basis \"《测试》第一条\"\n {check}\n message \"failed\"\n}}\n"
    );
    files.push(("sem/rule.rules".into(), rule));
    let c = prereview_dsl::compile(&files);
    let rendered: Vec<String> = c
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.render(&c.sources, false))
        .collect();
    let rs = c
        .rule_set
        .unwrap_or_else(|| panic!("{}", rendered.join("\n")));
    let engine = Engine::new(Arc::clone(&rs));
    let input = SubmissionInput {
        id: "T".into(),
        procedure: "sem".into(),
        submitted_at: chrono::NaiveDate::parse_from_str(submitted_at, "%Y-%m-%d")
            .map_err(|e| e.to_string()),
        form,
        documents: vec![],
    };
    let report = engine.judge(&input).unwrap();
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "S-1")
        .expect("finding");
    (f.outcome, f.message.clone())
}

fn o(check: &str, form: serde_json::Value) -> Outcome {
    outcome(check, form, "2025-11-20").0
}

use serde_json::json;

#[test]
fn leap_day_plus_one_year_is_28_february() {
    let f = json!({"d": "2024-02-29", "items": []});
    assert_eq!(
        o("check add_years(form.d, 1) == 2025-02-28", f.clone()),
        Outcome::Pass
    );
    assert_eq!(
        o("check add_years(form.d, 4) == 2028-02-29", f.clone()),
        Outcome::Pass
    );
    assert_eq!(
        o("check add_months(form.d, 12) == 2025-02-28", f),
        Outcome::Pass
    );
}

#[test]
fn month_ends_clamp() {
    let f = json!({"d": "2025-01-31", "items": []});
    assert_eq!(
        o("check add_months(form.d, 1) == 2025-02-28", f.clone()),
        Outcome::Pass
    );
    assert_eq!(
        o("check add_months(form.d, 3) == 2025-04-30", f),
        Outcome::Pass
    );
}

#[test]
fn age_of_someone_born_on_29_february() {
    let f = json!({"d": "2008-02-29", "items": []});
    // 周岁 count from the day after the anniversary; in 2026 the anniversary is 28 February.
    assert_eq!(
        o("check age_on(form.d, 2026-02-28) == 17", f.clone()),
        Outcome::Pass
    );
    assert_eq!(
        o("check age_on(form.d, 2026-03-01) == 18", f.clone()),
        Outcome::Pass
    );
    assert_eq!(
        o("check age_on(form.d, 2028-02-29) == 19", f.clone()),
        Outcome::Pass
    );
    assert_eq!(
        o("check age_on(form.d, 2028-03-01) == 20", f),
        Outcome::Pass
    );
}

#[test]
fn an_invalid_date_is_unknown_not_earliest() {
    // A peer engine compared an invalid date as earlier than everything and passed.
    let f = json!({"d": "2025-02-30", "items": []});
    let (out, msg) = outcome("check form.d <= 2030-01-01", f, "2025-11-20");
    assert_eq!(out, Outcome::Review);
    assert!(msg.contains("2025-02-30"), "{msg}");
}

#[test]
fn a_failed_addition_is_unknown_not_false() {
    // Far-future arithmetic overflows the calendar: unknown (review), never a silent false.
    let f = json!({"d": "2025-01-01", "n": 1.0e6, "items": []});
    assert_eq!(
        o("check not (add_years(form.d, form.n) > 2025-01-01)", f),
        Outcome::Review
    );
}

#[test]
fn kleene_and_or() {
    let unknown = json!({"d": "2025-01-01", "items": []}); // n missing
    assert_eq!(
        o("check form.n > 1 and false", unknown.clone()),
        Outcome::Fail
    );
    assert_eq!(
        o("check false and form.n > 1", unknown.clone()),
        Outcome::Fail
    );
    assert_eq!(
        o("check form.n > 1 and true", unknown.clone()),
        Outcome::Review
    );
    assert_eq!(
        o("check form.n > 1 or true", unknown.clone()),
        Outcome::Pass
    );
    assert_eq!(
        o("check form.n > 1 or false", unknown.clone()),
        Outcome::Review
    );
    assert_eq!(o("check not (form.n > 1)", unknown), Outcome::Review);
}

#[test]
fn quantifiers_are_three_valued() {
    let f = json!({"d": "2025-01-01", "items": [{"x": 1}, {}, {"x": 3}]});
    assert_eq!(
        o("check all i in form.items: i.x > 0", f.clone()),
        Outcome::Review
    );
    assert_eq!(
        o("check all i in form.items: i.x > 2", f.clone()),
        Outcome::Fail
    );
    assert_eq!(
        o("check any i in form.items: i.x > 2", f.clone()),
        Outcome::Pass
    );
    assert_eq!(
        o("check any i in form.items: i.x > 5", f.clone()),
        Outcome::Review
    );
    assert_eq!(
        o("check (sum i in form.items: i.x) > 0", f.clone()),
        Outcome::Review
    );
    assert_eq!(
        o(
            "check (count i in form.items where i.x > 2) == 1",
            f.clone()
        ),
        Outcome::Review
    );
    let known = json!({"d": "2025-01-01", "items": [{"x": 1}, {"x": 1}]});
    assert_eq!(
        o("check unique i in form.items: i.x", known.clone()),
        Outcome::Fail
    );
    assert_eq!(
        o("check (sum i in form.items: i.x) == 2", known),
        Outcome::Pass
    );
    let empty = json!({"d": "2025-01-01", "items": []});
    assert_eq!(
        o("check all i in form.items: i.x > 100", empty.clone()),
        Outcome::Pass
    );
    assert_eq!(
        o("check any i in form.items: i.x > 100", empty),
        Outcome::Fail
    );
}

#[test]
fn money_is_exact() {
    // 0.1 万元 + 0.2 万元 is exactly 0.3 万元 (3,000 元), unlike binary floating point.
    let f = json!({"d": "2025-01-01", "m": 0.1, "m2": 0.2, "items": []});
    assert_eq!(o("check form.m + form.m2 == 0.3", f.clone()), Outcome::Pass);
    assert_eq!(
        o(
            "check parse_amount(\"叁仟元整\") == form.m + form.m2",
            f.clone()
        ),
        Outcome::Pass
    );
    assert_eq!(
        o(
            "check parse_amount(\"叁仟元零壹分\") == form.m + form.m2",
            f
        ),
        Outcome::Fail
    );
}

#[test]
fn mistyped_form_values_are_unknown_with_the_cause() {
    let f = json!({"d": "2025-01-01", "n": "many", "items": []});
    let (out, msg) = outcome("check form.n > 1", f, "2025-11-20");
    assert_eq!(out, Outcome::Review);
    assert!(msg.contains("form.n") && msg.contains("many"), "{msg}");
}

#[test]
fn present_and_known_tell_absent_from_unreadable() {
    let f = json!({"d": "2025-01-01", "items": []});
    assert_eq!(o("check not present(form.s)", f.clone()), Outcome::Pass);
    assert_eq!(o("check not known(form.s)", f), Outcome::Pass);
    let bad = json!({"d": "2025-01-01", "n": "x", "items": []});
    assert_eq!(
        o("check present(form.n) and not known(form.n)", bad),
        Outcome::Pass
    );
}

#[test]
fn when_unknown_asks_for_review() {
    let f = json!({"d": "2025-01-01", "items": []});
    assert_eq!(
        o(
            "when form.flag\n check true or form.d > 2000-01-01",
            f.clone()
        ),
        Outcome::Review
    );
    let off = json!({"d": "2025-01-01", "flag": false, "items": []});
    assert_eq!(
        o("when form.flag\n check false", off),
        Outcome::NotApplicable
    );
}

#[test]
fn an_unparsable_submission_date_reviews_date_rules() {
    let f = json!({"d": "2025-01-01", "items": []});
    let (out, _) = outcome("check form.d < submitted_at", f, "2025-13-01");
    assert_eq!(out, Outcome::Review);
}
