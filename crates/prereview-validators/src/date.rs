//! Dates as written on application materials, and calendar arithmetic.
//!
//! [`parse_date`] accepts the formats of catalog §5.5: `2024年3月5日`,
//! `2024年03月05日`, `2024-03-05`, `2024/3/5`, `2024.03.05`, `20240305`,
//! `二〇二四年三月五日` (also with `○` U+25CB or `零`), and 票据 uppercase dates
//! `贰零贰肆年零叁月零伍日` (PBoC 票据书写规定: 零/壹 prefixes on month and day).
//! Full-width digits and separators are folded by NFKC first. Two-digit years
//! and dates without a day are rejected (catalog F07: route to a person).
//!
//! Calendar helpers never panic: they return `None` on overflow.

use chrono::{Datelike, Months, NaiveDate};
use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

/// Why a date could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DateError {
    /// Empty input.
    #[error("日期为空")]
    Empty,
    /// None of the known formats matched.
    #[error("无法识别的日期格式：“{0}”")]
    UnknownFormat(String),
    /// The year has two digits only.
    #[error("年份“{0}”只有两位，无法确定世纪")]
    TwoDigitYear(String),
    /// Year and month without a day.
    #[error("“{0}”缺少日，只精确到月")]
    MissingDay(String),
    /// Year, month and day read, but no such calendar day exists.
    #[error("{year}年{month}月{day}日不是真实存在的日期")]
    InvalidCalendarDate {
        /// Year as read.
        year: i32,
        /// Month as read.
        month: u32,
        /// Day as read.
        day: u32,
    },
    /// The end of a period is before its start.
    #[error("有效期结束日期{end}早于开始日期{start}")]
    EndBeforeStart {
        /// Start of the period.
        start: NaiveDate,
        /// End of the period.
        end: NaiveDate,
    },
}

fn prepare(s: &str) -> String {
    if s.is_ascii() {
        return s
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(crate::text::unify_char)
            .collect();
    }
    s.nfkc()
        .filter(|c| !c.is_whitespace())
        .map(crate::text::unify_char)
        .collect()
}

/// Parse one date in any of the supported formats (see module doc).
pub fn parse_date(input: &str) -> Result<NaiveDate, DateError> {
    let s = prepare(input);
    if s.is_empty() {
        return Err(DateError::Empty);
    }
    parse_prepared(&s)
}

fn parse_prepared(s: &str) -> Result<NaiveDate, DateError> {
    let unknown = || DateError::UnknownFormat(s.to_string());
    if s.is_ascii() {
        let b = s.as_bytes();
        // Compact YYYYMMDD.
        if b.len() == 8 && b.iter().all(u8::is_ascii_digit) {
            return make(num(&s[..4])?, num(&s[4..6])?, num(&s[6..8])?);
        }
        // Separated: Y-M-D, Y/M/D, Y.M.D with one separator kind.
        let sep = b.iter().copied().find(|c| matches!(c, b'-' | b'/' | b'.'));
        let Some(sep) = sep else {
            return Err(unknown());
        };
        let parts: Vec<&str> = s.split(sep as char).collect();
        if parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()))
        {
            return Err(unknown());
        }
        return match parts.as_slice() {
            [y, m, d] => {
                if y.len() == 2 {
                    return Err(DateError::TwoDigitYear(s.to_string()));
                }
                if y.len() != 4 || m.len() > 2 || d.len() > 2 {
                    return Err(unknown());
                }
                make(num(y)?, num(m)?, num(d)?)
            }
            [y, m] if y.len() == 4 && m.len() <= 2 => Err(DateError::MissingDay(s.to_string())),
            _ => Err(unknown()),
        };
    }
    // 年月日 forms (Arabic or Chinese numerals).
    let Some((y, rest)) = s.split_once('年') else {
        return Err(unknown());
    };
    let Some((m, rest)) = rest.split_once('月') else {
        return Err(unknown());
    };
    let d = rest
        .strip_suffix('日')
        .or_else(|| rest.strip_suffix('号'))
        .unwrap_or(rest);
    if d.is_empty() {
        return Err(DateError::MissingDay(s.to_string()));
    }
    let year = parse_year(y, s)?;
    let month = crate::text::parse_small_number(m).ok_or_else(unknown)?;
    let day = crate::text::parse_small_number(d).ok_or_else(unknown)?;
    make(year, month, day)
}

/// A year written digit by digit: `2024`, `二〇二四`, `二○二四`, `贰零贰肆`.
fn parse_year(y: &str, whole: &str) -> Result<u32, DateError> {
    let mut v: u32 = 0;
    let mut n = 0;
    for c in y.chars() {
        let d = crate::text::digit_value(c)
            .ok_or_else(|| DateError::UnknownFormat(whole.to_string()))?;
        v = v * 10 + u32::from(d);
        n += 1;
        if n > 4 {
            return Err(DateError::UnknownFormat(whole.to_string()));
        }
    }
    match n {
        4 => Ok(v),
        2 => Err(DateError::TwoDigitYear(whole.to_string())),
        _ => Err(DateError::UnknownFormat(whole.to_string())),
    }
}

fn num(s: &str) -> Result<u32, DateError> {
    s.parse::<u32>()
        .map_err(|_| DateError::UnknownFormat(s.to_string()))
}

fn make(year: u32, month: u32, day: u32) -> Result<NaiveDate, DateError> {
    if !(1000..=9999).contains(&year) {
        return Err(DateError::UnknownFormat(format!("{year}年")));
    }
    let y = year as i32;
    NaiveDate::from_ymd_opt(y, month, day).ok_or(DateError::InvalidCalendarDate {
        year: y,
        month,
        day,
    })
}

/// Words that mean "no end date" on ID cards and licences.
const OPEN_ENDED: &[&str] = &["长期", "长期有效", "永久", "永久有效", "长久", "无固定期限"];

/// Parse a validity period such as `2016.04.02-2036.04.02`, `2016.06.01-长期`,
/// `2016年4月2日至2036年4月2日` or `2016-04-02—2036-04-02`. The end is `None`
/// for 长期. The end must not be before the start.
pub fn parse_validity(input: &str) -> Result<(NaiveDate, Option<NaiveDate>), DateError> {
    let s = prepare(input);
    if s.is_empty() {
        return Err(DateError::Empty);
    }
    // Try every separator position; ISO dates contain '-' themselves, so the
    // split that makes both sides parse wins.
    let mut first_err: Option<DateError> = None;
    for (i, c) in s.char_indices() {
        if !matches!(c, '-' | '至' | '~' | '到') {
            continue;
        }
        let (a, b) = (&s[..i], &s[i + c.len_utf8()..]);
        let Ok(start) = parse_prepared(a) else {
            continue;
        };
        if OPEN_ENDED.contains(&b) {
            return Ok((start, None));
        }
        match parse_prepared(b) {
            Ok(end) if end < start => return Err(DateError::EndBeforeStart { start, end }),
            Ok(end) => return Ok((start, Some(end))),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    Err(first_err.unwrap_or(DateError::UnknownFormat(s)))
}

/// `d` plus `n` years (negative allowed). 29 February plus one year is
/// 28 February: the day is clamped to the end of the target month.
pub fn add_years(d: NaiveDate, n: i32) -> Option<NaiveDate> {
    add_months(d, n.checked_mul(12)?)
}

/// `d` plus `n` months (negative allowed); the day is clamped to the last
/// day of the target month (31 Jan + 1 month = 28/29 Feb). `None` on overflow.
pub fn add_months(d: NaiveDate, n: i32) -> Option<NaiveDate> {
    if n >= 0 {
        d.checked_add_months(Months::new(n as u32))
    } else {
        d.checked_sub_months(Months::new(n.unsigned_abs()))
    }
}

/// Age in 周岁 on day `on`.
///
/// Convention (Chinese legal usage: "周岁…从周岁生日的第二天起算"): a person
/// is N years old from the day *after* the Nth birthday anniversary. The
/// anniversary of 29 February in a non-leap year is 28 February (see
/// [`add_years`]), so someone born on 29 February turns a year older on
/// 1 March in non-leap years. Returns `None` if `on` is before `birth` or on
/// overflow; the day of birth itself is age 0.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> Option<i32> {
    if on < birth {
        return None;
    }
    let mut years = on.year().checked_sub(birth.year())?;
    // The anniversary must be strictly before `on` to count.
    let anniversary = add_years(birth, years)?;
    if anniversary >= on {
        years -= 1;
    }
    Some(years.max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn formats() {
        for s in [
            "2024年3月5日",
            "2024年03月05日",
            "2024-03-05",
            "2024/3/5",
            "2024.03.05",
            "20240305",
            "二〇二四年三月五日",
            "二○二四年三月五日",
            "二零二四年三月五日",
            "贰零贰肆年零叁月零伍日",
            "２０２４年３月５日",
            " 2024 年 3 月 5 日 ",
            "2024年3月5号",
        ] {
            assert_eq!(parse_date(s), Ok(d(2024, 3, 5)), "{s}");
        }
        assert_eq!(parse_date("贰零贰零年零贰月壹拾贰日"), Ok(d(2020, 2, 12)));
        assert_eq!(
            parse_date("贰零贰零年零壹拾月零贰拾日"),
            Ok(d(2020, 10, 20))
        );
    }

    #[test]
    fn rejections() {
        assert!(matches!(
            parse_date("24-03-05"),
            Err(DateError::TwoDigitYear(_))
        ));
        assert!(matches!(
            parse_date("2024年3月"),
            Err(DateError::MissingDay(_))
        ));
        assert!(matches!(
            parse_date("2023-02-29"),
            Err(DateError::InvalidCalendarDate { .. })
        ));
        assert_eq!(parse_date(""), Err(DateError::Empty));
        assert!(parse_date("2024-03/05").is_err());
        assert!(parse_date("2024年13月1日").is_err());
    }

    #[test]
    fn validity() {
        assert_eq!(
            parse_validity("2016.04.02-2036.04.02"),
            Ok((d(2016, 4, 2), Some(d(2036, 4, 2))))
        );
        assert_eq!(parse_validity("2016.06.01-长期"), Ok((d(2016, 6, 1), None)));
        assert_eq!(
            parse_validity("2016-04-02-2036-04-02"),
            Ok((d(2016, 4, 2), Some(d(2036, 4, 2))))
        );
        assert_eq!(
            parse_validity("2016年4月2日至2036年4月2日"),
            Ok((d(2016, 4, 2), Some(d(2036, 4, 2))))
        );
        assert!(matches!(
            parse_validity("2036.04.02-2016.04.02"),
            Err(DateError::EndBeforeStart { .. })
        ));
        assert!(parse_validity("2016.04.02-2036.02.30").is_err());
    }

    #[test]
    fn calendar() {
        assert_eq!(add_years(d(2020, 2, 29), 1), Some(d(2021, 2, 28)));
        assert_eq!(add_years(d(2020, 2, 29), 4), Some(d(2024, 2, 29)));
        assert_eq!(add_months(d(2024, 1, 31), 1), Some(d(2024, 2, 29)));
        assert_eq!(add_months(d(2024, 3, 31), -1), Some(d(2024, 2, 29)));
        assert_eq!(add_years(NaiveDate::MAX, 1), None);
        assert_eq!(add_years(d(2000, 1, 1), i32::MAX), None);
        // Born 29 Feb: older on 1 March in a non-leap year.
        assert_eq!(age_on(d(2004, 2, 29), d(2021, 2, 28)), Some(16));
        assert_eq!(age_on(d(2004, 2, 29), d(2021, 3, 1)), Some(17));
        // Day-after convention.
        assert_eq!(age_on(d(2000, 3, 5), d(2018, 3, 5)), Some(17));
        assert_eq!(age_on(d(2000, 3, 5), d(2018, 3, 6)), Some(18));
        assert_eq!(age_on(d(2000, 3, 5), d(2000, 3, 5)), Some(0));
        assert_eq!(age_on(d(2000, 3, 5), d(1999, 3, 5)), None);
        assert_eq!(
            age_on(NaiveDate::MIN, NaiveDate::MAX).map(|a| a > 0),
            Some(true)
        );
    }
}
