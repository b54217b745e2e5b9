//! 公民身份号码 — GB 11643-1999 (ISO 7064 MOD 11-2), and ID-card validity
//! periods — 居民身份证法 第5条.
//!
//! Layout: 6-digit GB/T 2260 address code, 8-digit birth date, 3-digit
//! sequence (odd = male), check character (weights 2^(18−i) mod 11,
//! C = (12 − Σ mod 11) mod 11, 10 → `X`).
//!
//! [`validate`] follows catalog F03: checksum and birth-date errors make the
//! number invalid; an address code in no table keeps it valid but sets
//! `needs_review`; a code only known by its 4- or 2-digit prefix, a code
//! created after the birth year (births from 1985 on only), and sequence 000
//! are warnings. Holders born before 1985 got their numbers with the codes of
//! 1984 onwards, so no creation-year comparison is made for them.

use crate::date::{add_years, age_on};
use crate::divisions::{self, Region, Resolution};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Weights Wi = 2^(18-i) mod 11 for positions 1–17.
pub const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The MOD 11-2 check character (`0`–`9` or `X`) for the first 17 digits.
///
/// Returns `None` unless `first17` is exactly 17 ASCII digits.
pub fn check_character(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (i, &c) in b.iter().enumerate() {
        if !c.is_ascii_digit() {
            return None;
        }
        sum += u32::from(c - b'0') * WEIGHTS[i];
    }
    let v = (12 - sum % 11) % 11;
    Some(if v == 10 {
        'X'
    } else {
        (b'0' + v as u8) as char
    })
}

/// Sex encoded by the sequence code (odd = male).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    /// 男.
    M,
    /// 女.
    F,
}

impl Sex {
    /// `男` or `女`.
    pub fn chinese(self) -> &'static str {
        match self {
            Sex::M => "男",
            Sex::F => "女",
        }
    }
}

/// Why an identity number is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdErrorKind {
    /// Not 18 (or legacy 15) characters.
    Length,
    /// Non-digit in the first 17 positions or a bad check character.
    Format,
    /// MOD 11-2 check fails.
    Checksum,
    /// The birth date is not a real calendar date.
    BirthDate,
    /// The birth date is after `today`.
    FutureBirth,
    /// Older than 120 years.
    ImplausibleAge,
}

/// Outcome of [`validate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResidentIdCheck {
    /// Format, checksum and birth date are correct.
    pub valid: bool,
    /// 18-character form (NFKC, upper-case X; 15-digit numbers upgraded).
    pub normalized: String,
    /// Why the number is invalid (Chinese), `None` when valid.
    pub reason: Option<String>,
    /// Machine-readable kind of `reason`.
    pub error_kind: Option<IdErrorKind>,
    /// Birth date (when it is a real date).
    pub birth_date: Option<NaiveDate>,
    /// Sex from the sequence code.
    pub sex: Option<Sex>,
    /// The six-digit address code.
    pub region_code: Option<String>,
    /// Names for the address code (after 6→4→2-digit fallback).
    pub region: Option<Region>,
    /// Findings that do not invalidate the number (Chinese).
    pub warnings: Vec<String>,
    /// The address code is in no table: a person must check (catalog F03).
    pub needs_review: bool,
    /// The input was a first-generation 15-digit number.
    pub upgraded_from_15: bool,
}

/// Upgrade a 15-digit first-generation number to 18 digits: insert `19`
/// after the address code and append the check character.
pub fn upgrade_15(n15: &str) -> Option<String> {
    if n15.len() != 15 || !n15.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut s = String::with_capacity(18);
    s.push_str(&n15[..6]);
    s.push_str("19");
    s.push_str(&n15[6..]);
    let c = check_character(&s)?;
    s.push(c);
    Some(s)
}

/// Validate a 公民身份号码 as of `today` (catalog F03).
pub fn validate(input: &str, today: NaiveDate) -> ResidentIdCheck {
    let mut out = ResidentIdCheck {
        valid: false,
        normalized: crate::text::compact_code(input),
        reason: None,
        error_kind: None,
        birth_date: None,
        sex: None,
        region_code: None,
        region: None,
        warnings: Vec::new(),
        needs_review: false,
        upgraded_from_15: false,
    };
    let fail = |out: &mut ResidentIdCheck, kind: IdErrorKind, reason: String| {
        out.error_kind = Some(kind);
        out.reason = Some(reason);
    };
    let n = out.normalized.chars().count();
    if n == 15 {
        match upgrade_15(&out.normalized) {
            Some(up) => {
                out.warnings
                    .push(format!("15位第一代身份证号码，已升级为18位：{up}"));
                out.normalized = up;
                out.upgraded_from_15 = true;
            }
            None => {
                fail(
                    &mut out,
                    IdErrorKind::Format,
                    "15位号码必须全部是数字".into(),
                );
                return out;
            }
        }
    } else if n != 18 {
        fail(
            &mut out,
            IdErrorKind::Length,
            format!("公民身份号码应为18位，实际为{n}位"),
        );
        return out;
    }
    if let Some((i, c)) = out
        .normalized
        .chars()
        .enumerate()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 17 && c == 'X')))
    {
        let msg = if i == 17 {
            format!("第18位校验码“{c}”无效：只能是0–9或X")
        } else {
            format!("第{}位“{c}”不是数字", i + 1)
        };
        fail(&mut out, IdErrorKind::Format, msg);
        return out;
    }
    let s = out.normalized.clone();
    let expected = check_character(&s[..17]);
    let actual = s.as_bytes()[17] as char;
    if expected != Some(actual) {
        let e = expected.unwrap_or('?');
        fail(
            &mut out,
            IdErrorKind::Checksum,
            format!("校验码错误：第18位应为{e}，实际为{actual}"),
        );
        return out;
    }
    out.sex = Some(if (s.as_bytes()[16] - b'0') % 2 == 1 {
        Sex::M
    } else {
        Sex::F
    });
    // All digits, so these parses cannot fail; map errors anyway.
    let y: i32 = s[6..10].parse().unwrap_or(0);
    let m: u32 = s[10..12].parse().unwrap_or(0);
    let d: u32 = s[12..14].parse().unwrap_or(0);
    let Some(birth) = NaiveDate::from_ymd_opt(y, m, d) else {
        fail(
            &mut out,
            IdErrorKind::BirthDate,
            format!("出生日期{}不是真实存在的日期", &s[6..14]),
        );
        return out;
    };
    out.birth_date = Some(birth);
    if birth > today {
        fail(
            &mut out,
            IdErrorKind::FutureBirth,
            format!("出生日期{birth}晚于今天{today}"),
        );
        return out;
    }
    match age_on(birth, today) {
        Some(a) if a <= 120 => {}
        _ => {
            fail(
                &mut out,
                IdErrorKind::ImplausibleAge,
                format!("出生日期{birth}对应年龄超过120岁"),
            );
            return out;
        }
    }
    out.valid = true;

    let code = &s[..6];
    out.region_code = Some(code.to_string());
    match divisions::lookup_with_fallback(code) {
        Some((div, Resolution::Exact)) => {
            out.region = Region::of(&div.code);
            // F03: creation-year comparison only for births from 1985 on.
            if let Some(created) = div.created {
                if birth.year() >= 1985 && i32::from(created) > birth.year() {
                    out.warnings.push(format!(
                        "地址码{code}（{}）设立于{created}年，晚于出生年份{}（可能为迁移或补登户口），建议核对",
                        div.name,
                        birth.year()
                    ));
                }
            }
        }
        Some((div, res)) => {
            out.region = Region::of(&div.code);
            let level = if res == Resolution::City {
                "地市"
            } else {
                "省"
            };
            out.warnings.push(format!(
                "地址码{code}不在区划表中（可能为已撤销的历史代码），仅按{level}级归属于{}",
                div.name
            ));
        }
        None => {
            out.needs_review = true;
            out.warnings
                .push(format!("地址码{code}不在任何行政区划表中，需人工复核"));
        }
    }
    if &s[14..17] == "000" {
        out.warnings
            .push("顺序码为000（顺序码应从001起），建议核对".to_string());
    }
    out
}

/// The validity period the law prescribes for an age at issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// A fixed number of years.
    Years(u8),
    /// 长期 (no end date).
    LongTerm,
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Period::Years(n) => write!(f, "{n}年"),
            Period::LongTerm => f.write_str("长期"),
        }
    }
}

/// Outcome of [`validity_period`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodCheck {
    /// The card's period matches the one the law prescribes for the
    /// holder's age at issue.
    pub consistent: bool,
    /// Age in 周岁 on the issue date (see [`crate::date::age_on`]).
    pub age_at_issue: Option<i32>,
    /// Period prescribed by 居民身份证法 第5条 for that age.
    pub expected: Option<Period>,
    /// Start of the period (issue date).
    pub from: NaiveDate,
    /// End of the period, `None` for 长期.
    pub until: Option<NaiveDate>,
    /// Why it is inconsistent (Chinese), `None` when consistent.
    pub reason: Option<String>,
}

impl PeriodCheck {
    /// Whether the card has expired on `date` (the last day is still valid).
    pub fn expired_on(&self, date: NaiveDate) -> bool {
        self.until.is_some_and(|u| date > u)
    }
}

/// The period 居民身份证法 第5条 prescribes for an age at issue (周岁):
/// under 16 → 5 years; 16–25 → 10; 26–45 → 20; 46 and over → 长期.
pub fn prescribed_period(age_at_issue: i32) -> Option<Period> {
    match age_at_issue {
        a if a < 0 => None,
        0..=15 => Some(Period::Years(5)),
        16..=25 => Some(Period::Years(10)),
        26..=45 => Some(Period::Years(20)),
        _ => Some(Period::LongTerm),
    }
}

/// Check an ID card's validity period against the holder's age at issue
/// (catalog F04; `until = None` means 长期). A fixed period must end exactly
/// N years after `from` (29 February clamps to 28 February).
pub fn validity_period(birth: NaiveDate, from: NaiveDate, until: Option<NaiveDate>) -> PeriodCheck {
    let mut out = PeriodCheck {
        consistent: false,
        age_at_issue: age_on(birth, from),
        expected: None,
        from,
        until,
        reason: None,
    };
    let Some(age) = out.age_at_issue else {
        out.reason = Some(format!("签发日期{from}早于出生日期{birth}"));
        return out;
    };
    let expected = prescribed_period(age);
    out.expected = expected;
    let shown = match until {
        None => "长期".to_string(),
        Some(u) => u.to_string(),
    };
    match (expected, until) {
        (Some(Period::LongTerm), None) => out.consistent = true,
        (Some(Period::Years(n)), Some(u)) if add_years(from, i32::from(n)) == Some(u) => {
            out.consistent = true
        }
        (Some(p), _) => {
            out.reason = Some(format!(
                "签发时年满{age}周岁，法定有效期应为{p}，证件所载为{from}至{shown}"
            ));
        }
        (None, _) => out.reason = Some("无法计算签发时年龄".to_string()),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn standard_example() {
        assert_eq!(check_character("11010519491231002"), Some('X'));
        assert_eq!(check_character("1101051949123100"), None);
        assert_eq!(check_character("1101051949123100A"), None);
        assert_eq!(
            upgrade_15("110105491231002").as_deref(),
            Some("11010519491231002X")
        );
        let today = NaiveDate::from_ymd_opt(2025, 11, 20).unwrap();
        let c = validate("11010519491231002X", today);
        assert!(c.valid, "{c:?}");
        assert_eq!(c.sex, Some(Sex::F));
        assert!(c.warnings.is_empty());
        let c = validate("110105491231002", today);
        assert!(c.valid && c.upgraded_from_15 && !c.warnings.is_empty());
    }

    #[test]
    fn unknown_region_needs_review() {
        let today = NaiveDate::from_ymd_opt(2025, 11, 20).unwrap();
        let mut s = String::from("99999919900101001");
        s.push(check_character(&s).unwrap());
        let c = validate(&s, today);
        assert!(c.valid && c.needs_review, "{c:?}");
        // Historical code: valid, no fallback warning.
        let mut s = String::from("37018119900101001");
        s.push(check_character(&s).unwrap());
        let c = validate(&s, today);
        assert!(c.valid && !c.needs_review && c.warnings.is_empty(), "{c:?}");
        assert_eq!(c.region.unwrap().county.as_deref(), Some("章丘市"));
        // Pre-1985 birth with a code created in 2016: no creation-year warning.
        let mut s = String::from("37011419600101001");
        s.push(check_character(&s).unwrap());
        let c = validate(&s, today);
        assert!(c.valid && c.warnings.is_empty(), "{c:?}");
    }
}
