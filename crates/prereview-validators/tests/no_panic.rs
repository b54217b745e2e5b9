//! Property tests: every public function accepts arbitrary strings (ASCII,
//! CJK, full-width, control characters, very long) without panicking, and
//! the generators round-trip through the validators.

use chrono::NaiveDate;
use prereview_validators::*;
use proptest::prelude::*;

/// Strings mixing the characters the parsers care about with anything else.
fn nasty() -> impl Strategy<Value = String> {
    let alphabet: Vec<char> = "0123456789X-./年月日〇○零一二三四五六七八九十壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整正人民币¥(),:（）长期至号楼层室单元省市区县路 \u{3000}１２３ＡＢｘ貳參陸萬億圓两毛另"
        .chars()
        .collect();
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(proptest::sample::select(alphabet), 0..64)
            .prop_map(|v| v.into_iter().collect::<String>()),
        "[0-9A-Z]{0,20}",
        // Very long input.
        proptest::collection::vec(any::<char>(), 1000..3000)
            .prop_map(|v| v.into_iter().collect::<String>()),
    ]
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    (-300_000i32..300_000)
        .prop_map(|n| NaiveDate::from_num_days_from_ce_opt(730_000 + n).unwrap_or(NaiveDate::MIN))
}

fn extreme_date() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![Just(NaiveDate::MIN), Just(NaiveDate::MAX), any_date()]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn identifiers_never_panic(s in nasty(), today in extreme_date()) {
        let _ = uscc::check_character(&s);
        let _ = uscc::validate(&s);
        let _ = org_code::check_character(&s);
        let _ = org_code::validate(&s);
        let _ = resident_id::check_character(&s);
        let _ = resident_id::upgrade_15(&s);
        let _ = resident_id::validate(&s, today);
    }

    #[test]
    fn values_never_panic(s in nasty()) {
        let _ = amount::parse_rmb_upper(&s);
        let _ = amount::parse_amount_text(&s);
        let _ = amount::parse_figure(&s);
        let _ = date::parse_date(&s);
        let _ = date::parse_validity(&s);
        let _ = phone::is_mobile(&s);
        let _ = phone::is_landline(&s);
        let _ = phone::validate_phone(&s);
    }

    #[test]
    fn text_and_divisions_never_panic(a in nasty(), b in nasty()) {
        let _ = text::normalize(&a);
        let _ = text::compact_code(&a);
        let _ = text::char_len(&a);
        let _ = text::parse_small_number(&a);
        let sim = text::similarity(&a, &b);
        prop_assert!((0.0..=1.0).contains(&sim));
        let _ = divisions::lookup(&a);
        let _ = divisions::lookup_with_fallback(&a);
        let _ = divisions::chain(&a);
        let _ = divisions::short_name(&a);
        let _ = divisions::by_name(&a);
        let _ = divisions::is_county_level_or_higher_name(&a);
        for m in divisions::contains_division_name(&a) {
            prop_assert_eq!(&a[m.start..m.end], m.matched.as_str());
        }
        let _ = address::parse(&a);
        let _ = address::compare(&a, &b);
    }

    #[test]
    fn report_never_panics(kind in "[a-z-]{0,10}", s in nasty(), today in extreme_date()) {
        for k in report::KINDS.iter().copied().chain([kind.as_str()]) {
            if let Ok(r) = report::validate(k, &s, today) {
                let _ = r.to_string();
            }
        }
    }

    #[test]
    fn calendar_never_panics(d in extreme_date(), e in extreme_date(), n in any::<i32>()) {
        let _ = date::add_years(d, n);
        let _ = date::add_months(d, n);
        if let Some(a) = date::age_on(d, e) {
            prop_assert!(a >= 0);
        }
        let _ = resident_id::validity_period(d, e, None);
        let _ = resident_id::validity_period(d, e, Some(d));
    }

    /// Any 17-character body plus its check character validates; changing the
    /// check character breaks it.
    #[test]
    fn uscc_generated_codes_validate(body in "[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{9}") {
        let c = uscc::check_character(&body).unwrap();
        let code = format!("{body}{c}");
        prop_assert!(uscc::validate(&code).valid);
        let other = if c == '0' { '1' } else { '0' };
        let bad = format!("{body}{other}");
        prop_assert!(!uscc::validate(&bad).valid);
    }

    #[test]
    fn resident_ids_generated_validate(y in 1906i32..2025, doy in 0u32..365, seq in 1u32..1000, region in proptest::sample::select(vec!["370102", "110105", "440305", "650102"])) {
        let birth = NaiveDate::from_yo_opt(y, doy % 365 + 1).unwrap();
        let body = format!("{region}{}{seq:03}", birth.format("%Y%m%d"));
        let id = format!("{body}{}", resident_id::check_character(&body).unwrap());
        let today = NaiveDate::from_ymd_opt(2025, 11, 20).unwrap();
        let c = resident_id::validate(&id, today);
        prop_assert!(c.valid, "{} {:?}", id, c);
        prop_assert_eq!(c.birth_date, Some(birth));
    }

    /// Uppercase amounts written by our conforming generator parse back
    /// exactly and without warnings.
    #[test]
    fn amount_roundtrip(fen in 0i64..10_000_000_000_000_000) {
        let s = amount::format_rmb_upper(fen).unwrap();
        let p = amount::parse_rmb_upper(&s).unwrap();
        prop_assert_eq!(p.fen, fen, "{}", s);
        prop_assert!(p.warnings.is_empty(), "{}: {:?}", s, p.warnings);
    }

    #[test]
    fn figure_roundtrip(fen in 0i64..1_000_000_000_000_000) {
        let s = format!("{}.{:02}元", fen / 100, fen % 100);
        prop_assert_eq!(amount::parse_amount_text(&s).map(|p| p.fen), Ok(fen));
    }

    #[test]
    fn date_roundtrip(d in any_date()) {
        use chrono::Datelike;
        prop_assume!((1000..=9999).contains(&d.year()));
        for f in ["%Y-%m-%d", "%Y/%-m/%-d", "%Y.%m.%d", "%Y%m%d", "%Y年%-m月%-d日", "%Y年%m月%d日"] {
            let s = d.format(f).to_string();
            prop_assert_eq!(date::parse_date(&s), Ok(d), "{}", s);
        }
    }
}

proptest! {
    /// The ASCII fast paths agree with the general NFKC path: prefixing a
    /// non-ASCII character that normalisation removes must not change results.
    #[test]
    fn ascii_fast_path_matches_general_path(s in "[ -~\t]{0,40}") {
        let slow = format!("\u{3000}{s}");
        prop_assert_eq!(text::normalize(&s), text::normalize(&slow));
        prop_assert_eq!(text::compact_code(&s), text::compact_code(&slow));
        prop_assert_eq!(date::parse_date(&s).ok(), date::parse_date(&slow).ok());
    }
}
