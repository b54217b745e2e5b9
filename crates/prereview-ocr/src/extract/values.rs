//! Value grammars per field type: the text after a label → a canonical value.
//!
//! Identifiers are read through their check characters: OCR confusions
//! (`O/0`, `l/1`, `S/5`, `Z/2`, `B/8`…) generate candidate readings and the
//! check digit picks. A letter where only digits can stand is certainly a
//! misreading, so fixing it costs little confidence; changing one digit into
//! another is a guess, so a reading that needed it stays below the review
//! threshold. Expected values (hints) only choose among readings the page
//! supports; they are never copied in.

use chrono::NaiveDate;
use prereview_model::document::{FieldSpec, FieldType, Lexicon, RangePart};
use prereview_validators::{amount, date, resident_id, text, uscc};
use regex::Regex;
use serde_json::Value;
use std::sync::OnceLock;

/// A value read from text, with a confidence factor for how it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub value: Value,
    /// Multiplies the OCR confidence: 1.0 when the value validated as read.
    pub factor: f32,
    /// Why the value is doubtful, if it is.
    pub note: Option<String>,
}

/// Why a value could not be read (user-facing, bilingual).
pub type Failure = String;

fn re(cell: &'static OnceLock<Regex>, pat: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pat).expect("static regex"))
}

/// Today's date (UTC), for validators that reject future birth dates.
pub fn today() -> NaiveDate {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.checked_add_days(chrono::Days::new(days)))
        .unwrap_or(NaiveDate::MAX)
}

/// Reads `text` (the characters after the label, as OCR gave them) as a
/// value of the field's type.
pub fn parse(field: &FieldSpec, text_in: &str, hint: Option<&str>) -> Result<Parsed, Failure> {
    let mut t = clean(text_in);
    if let Some(p) = &field.pattern {
        // Patterns are checked when specs load; a bad one here means no match.
        let Ok(rx) = Regex::new(p) else {
            return Err("字段格式定义无效 (invalid field pattern)".into());
        };
        let norm = text::normalize(&t);
        let Some(caps) = rx.captures(&norm) else {
            return Err(format!(
                "“{t}”不符合预期格式 (does not match the expected form)"
            ));
        };
        t = caps
            .name("v")
            .or_else(|| caps.get(0))
            .map(|m| m.as_str().to_string())
            .unwrap_or_default();
    }
    if t.is_empty() {
        return Err("标签后没有内容 (nothing after the label)".into());
    }
    match field.ty {
        FieldType::Text => parse_text(field, &t),
        FieldType::Number => parse_number(&t),
        FieldType::Money => parse_money(&t),
        FieldType::Date => parse_date_field(field.range_part, &t),
        FieldType::ResidentId => parse_resident_id(&t, hint),
        FieldType::Uscc => parse_uscc(&t, hint),
    }
}

/// Trims separators and decoration around a value; removes the spaces OCR
/// puts between Chinese characters (keeps one between Latin words or digits).
pub fn clean(s: &str) -> String {
    let mut out = String::new();
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            let prev = out.chars().last().unwrap_or(' ');
            if prev.is_ascii_alphanumeric() && c.is_ascii_alphanumeric() {
                out.push(' ');
            }
            pending_space = false;
        }
        out.push(c);
    }
    let edge = |c: char| {
        matches!(
            c,
            ':' | '：'
                | ','
                | '，'
                | '.'
                | '。'
                | ';'
                | '；'
                | '、'
                | '|'
                | '_'
                | '-'
                | '—'
                | '"'
                | '“'
                | '”'
                | '\''
                | '‘'
                | '’'
                | '·'
        )
    };
    out.trim_matches(edge).trim().to_string()
}

fn parse_text(field: &FieldSpec, t: &str) -> Result<Parsed, Failure> {
    if field.choices.is_empty() {
        if field.lexicon == Some(Lexicon::Divisions) {
            let (fixed, fixes) = fix_divisions(t);
            if fixes > 0 {
                return Ok(Parsed {
                    note: Some(format!(
                        "读作“{t}”，按行政区划名称更正为“{fixed}” (read as “{t}”, corrected to the division names)"
                    )),
                    value: Value::String(fixed),
                    factor: 0.9f32.powi(fixes as i32),
                });
            }
        }
        if field.lexicon == Some(Lexicon::Surnames) {
            if let Some(why) = unlike_a_name(t) {
                return Ok(Parsed {
                    value: Value::String(t.to_string()),
                    factor: 0.8,
                    note: Some(why),
                });
            }
        }
        if let Some(c) = look_alike_in_code(t) {
            // 2025WJO43317: was it O or 0? Only a person can tell.
            return Ok(Parsed {
                value: Value::String(t.to_string()),
                factor: 0.85,
                note: Some(format!(
                    "编号中的“{c}”可能是数字 (the “{c}” in this number may be a digit)"
                )),
            });
        }
        return Ok(Parsed {
            value: Value::String(t.to_string()),
            factor: 1.0,
            note: None,
        });
    }
    let norm = text::normalize(t);
    // Exact, or the reading starts with a choice (a neighbour's text ran on).
    let mut starts: Vec<&String> = field
        .choices
        .iter()
        .filter(|c| norm == text::normalize(c))
        .collect();
    if starts.is_empty() {
        starts = field
            .choices
            .iter()
            .filter(|c| norm.starts_with(&text::normalize(c)))
            .collect();
        // 不合格 starts with neither 合格 nor vice versa, but keep the longest.
        starts.sort_by_key(|c| std::cmp::Reverse(c.chars().count()));
        starts.truncate(1);
    }
    if let Some(c) = starts.first() {
        return Ok(Parsed {
            value: Value::String((*c).clone()),
            factor: 1.0,
            note: None,
        });
    }
    let near: Vec<&String> = field
        .choices
        .iter()
        .filter(|c| strsim::levenshtein(&norm, &text::normalize(c)) <= 1 && c.chars().count() > 1)
        .collect();
    if near.len() == 1 {
        return Ok(Parsed {
            value: Value::String(near[0].clone()),
            factor: 0.7,
            note: Some(format!("读作“{t}”，按最接近的取值“{}”处理 (read as “{t}”, taken as the nearest allowed value)", near[0])),
        });
    }
    Err(format!(
        "“{t}”不是允许的取值（{}） (not one of the allowed values)",
        field.choices.join("、")
    ))
}

/// Why a reading of a person's name looks misread: one to four Chinese
/// characters (longer readings are organisations' names) that are a lone
/// character or start with no known surname.
fn unlike_a_name(t: &str) -> Option<String> {
    let chars: Vec<char> = t.chars().collect();
    if chars.is_empty() || chars.len() > 4 || !chars.iter().all(|&c| is_cjk(c)) {
        return None;
    }
    if chars.len() == 1 {
        return Some(format!(
            "只读到一个字“{t}”，不像姓名 (a single character is not a name)"
        ));
    }
    if prereview_validators::surnames::surname_of(t).is_some() {
        return None;
    }
    Some(format!(
        "“{}”不是已知姓氏，可能误识 (“{}” is no known surname: possibly misread)",
        chars[0], chars[0]
    ))
}

/// In a code of letters and digits (a report or certificate number), a
/// letter OCR confuses with a digit standing next to a digit.
fn look_alike_in_code(t: &str) -> Option<char> {
    let chars: Vec<char> = t.chars().collect();
    let code = chars.len() >= 4
        && chars
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || "-()[]".contains(*c))
        && chars.iter().any(|c| c.is_ascii_digit());
    if !code {
        return None;
    }
    (0..chars.len()).find_map(|i| {
        let next_to_digit = (i > 0 && chars[i - 1].is_ascii_digit())
            || chars.get(i + 1).is_some_and(|c| c.is_ascii_digit());
        ("OoDQIl".contains(chars[i]) && next_to_digit).then_some(chars[i])
    })
}

/// Replaces letters OCR confuses with digits, where a digit is expected
/// (between or next to digits).
fn fix_digits(s: &str) -> (String, usize) {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut fixes = 0;
    for (i, &c) in chars.iter().enumerate() {
        let near_digit = |d: isize| {
            let j = i as isize + d;
            j >= 0 && (j as usize) < chars.len() && chars[j as usize].is_ascii_digit()
        };
        let mapped = match c {
            'O' | 'o' | 'D' | 'Q' | '〇' => Some('0'),
            'l' | 'I' | 'i' | '|' | '!' => Some('1'),
            'Z' | 'z' => Some('2'),
            'S' | 's' => Some('5'),
            'B' => Some('8'),
            'G' | 'b' => Some('6'),
            'g' | 'q' => Some('9'),
            _ => None,
        };
        match mapped {
            Some(d) if near_digit(-1) || near_digit(1) => {
                out.push(d);
                fixes += 1;
            }
            _ => out.push(c),
        }
    }
    (out, fixes)
}

fn parse_number(t: &str) -> Result<Parsed, Failure> {
    static NUM: OnceLock<Regex> = OnceLock::new();
    let nfkc = text::normalize(t);
    let (fixed, fixes) = fix_digits(&nfkc);
    let rx = re(&NUM, r"\d+(?:[.,]\d+)?");
    let Some(m) = rx.find(&fixed) else {
        return Err(format!("“{t}”中没有数字 (no number in the text)"));
    };
    let s = m.as_str().replace(',', ".");
    let v: f64 = s
        .parse()
        .map_err(|_| format!("“{t}”不是数字 (not a number)"))?;
    let Some(n) = serde_json::Number::from_f64(v) else {
        return Err(format!("“{t}”不是数字 (not a number)"));
    };
    Ok(Parsed {
        value: Value::Number(n),
        factor: 0.97f32.powi(fixes as i32),
        note: None,
    })
}

fn wan_of(fen: i64) -> Option<Value> {
    serde_json::Number::from_f64(fen as f64 / 1_000_000.0).map(Value::Number)
}

/// Corrects single misread characters in the division names an address
/// starts with, walking down from the province (or, when the address starts
/// lower, a prefecture): at each level a name of the table that is written
/// there is taken as is; else a name the same length that differs in one
/// character (one in five for long names), when exactly one name under the previous division does and
/// the text read is no division's name. Returns the text and the number of
/// names corrected. Stops at the first level it cannot place.
pub fn fix_divisions(t: &str) -> (String, usize) {
    use prereview_validators::divisions::{self, Level};
    let chars: Vec<char> = t.chars().collect();
    let mut out: Vec<char> = chars.clone();
    let mut pos = 0;
    let mut fixes = 0;
    let mut parent: Option<&str> = None;
    let current = |d: &&divisions::Division| d.abolished.is_none();
    for _ in 0..3 {
        let cands: Vec<&divisions::Division> = match parent {
            Some(code) => divisions::children(code)
                .into_iter()
                .filter(current)
                .collect(),
            None => divisions::all()
                .iter()
                .filter(current)
                .filter(|d| matches!(d.level, Level::Province | Level::City))
                .collect(),
        };
        let at = |d: &divisions::Division| -> Option<usize> {
            let n: Vec<char> = d.name.chars().collect();
            (pos + n.len() <= chars.len())
                .then(|| (0..n.len()).filter(|&i| chars[pos + i] != n[i]).count())
        };
        if let Some(d) = cands
            .iter()
            .filter(|d| at(d) == Some(0))
            .max_by_key(|d| d.name.chars().count())
        {
            pos += d.name.chars().count();
            parent = Some(&d.code);
            continue;
        }
        // One slip per five characters: a long autonomous county's name
        // (镇沅彝族哈尼族拉祜族自治县) may lose two and stay unmistakable.
        let allowed = |d: &divisions::Division| (d.name.chars().count() / 5).max(1);
        let near: Vec<&&divisions::Division> = cands
            .iter()
            .filter(|d| at(d).is_some_and(|k| k >= 1 && k <= allowed(d)))
            .collect();
        let [d] = near.as_slice() else { break };
        let n = d.name.chars().count();
        let read: String = chars[pos..pos + n].iter().collect();
        if !divisions::by_name(&read).is_empty() {
            break;
        }
        out.splice(pos..pos + n, d.name.chars());
        fixes += 1;
        pos += n;
        parent = Some(&d.code);
    }
    (out.into_iter().collect(), fixes)
}

/// A CJK unified ideograph.
fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// Replaces characters OCR reads in place of a 大写 numeral (参 for 叁, 抬
/// for 拾…), only inside a run that already has numerals or 万/元 next to it.
fn fix_upper_numerals(s: &str) -> (String, usize) {
    let is_numeral = |c: char| "零壹贰貳叁參肆伍陆陸柒捌玖拾佰仟万萬亿億元圆整".contains(c);
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut fixes = 0;
    for (i, &c) in chars.iter().enumerate() {
        let mapped = match c {
            '参' | '叄' => Some('叁'),
            '抬' | '恰' | '拈' => Some('拾'),
            '伯' | '陌' => Some('佰'),
            '武' | '戴' => Some('贰'),
            '肄' => Some('肆'),
            '任' => Some('仟'),
            _ => None,
        };
        let near =
            (i > 0 && is_numeral(chars[i - 1])) || chars.get(i + 1).is_some_and(|&n| is_numeral(n));
        match mapped {
            Some(m) if near => {
                out.push(m);
                fixes += 1;
            }
            _ => out.push(c),
        }
    }
    (out, fixes)
}

fn parse_money(t: &str) -> Result<Parsed, Failure> {
    static FIG: OnceLock<Regex> = OnceLock::new();
    static UP: OnceLock<Regex> = OnceLock::new();
    let (norm, upper_fixes) = fix_upper_numerals(&text::normalize(t));
    let (fixed, fixes) = fix_digits(&norm);
    let fixes = fixes + upper_fixes;
    let fig = re(&FIG, r"(?:¥|人民币)?\d[\d,]*(?:\.\d+)?(?:万元|万|元)");
    let up = re(
        &UP,
        r"(?:人民币)?[零壹贰貳叁參肆伍陆陸柒捌玖拾佰仟万萬亿億元圆圓角分整正]{2,}",
    );
    let figure = fig
        .find(&fixed)
        .and_then(|m| {
            // `500万` without 元 on a licence means 万元.
            let s = m.as_str();
            let s = if s.ends_with('万') {
                format!("{s}元")
            } else {
                s.to_string()
            };
            amount::parse_amount_text(&s).ok()
        })
        .map(|p| p.fen);
    let upper = up
        .find(&norm)
        .filter(|m| {
            m.as_str().chars().any(|c| {
                !matches!(
                    c,
                    '元' | '圆' | '整' | '正' | '万' | '亿' | '人' | '民' | '币'
                )
            })
        })
        .map(|m| {
            // A character read between 人民币 and the numerals that is not
            // one of them (臣佰万元整) means a numeral was misread: the run
            // after it would be a smaller amount (佰万元整 = 100万).
            let before = norm[..m.start()].trim_end_matches([' ', ':']);
            let stray = before
                .chars()
                .next_back()
                .is_some_and(|c| is_cjk(c) && c != '币' && c != '写');
            if stray {
                Err(())
            } else {
                amount::parse_rmb_upper(m.as_str())
                    .map(|p| p.fen)
                    .map_err(|_| ())
            }
        })
        .transpose()
        .map_err(|()| {
            format!(
                "“{t}”中的大写金额有无法识别的字 (a numeral of the amount in words is unreadable)"
            )
        })?;
    let factor = 0.97f32.powi(fixes as i32);
    match (upper, figure) {
        (Some(u), Some(f)) if u != f => Ok(Parsed {
            value: wan_of(u).unwrap_or(Value::Null),
            factor: 0.5,
            note: Some("大写与小写金额不一致 (the amount in words and in figures differ)".into()),
        }),
        (Some(v), _) | (None, Some(v)) => Ok(Parsed {
            value: wan_of(v).ok_or("金额超出范围 (amount out of range)")?,
            factor,
            note: None,
        }),
        (None, None) => Err(format!("“{t}”不是金额 (not an amount)")),
    }
}

/// Dates and `长期` found in a text, in order, as (ISO or 长期, fixes made).
fn find_dates(t: &str) -> Vec<(String, usize)> {
    static D: OnceLock<Regex> = OnceLock::new();
    let norm = text::normalize(t);
    let (fixed, fixes) = fix_digits(&norm);
    let rx = re(
        &D,
        r"(?x)
        \d{4}\s*[年./-]\s*\d{1,2}\s*[月./-]\s*\d{1,2}\s*日?
      | [〇零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日
      | \d{8}
      | 长期|永久|长久
    ",
    );
    let mut out = Vec::new();
    for m in rx.find_iter(&fixed) {
        let s = m.as_str();
        if matches!(s, "长期" | "永久" | "长久") {
            out.push(("长期".to_string(), 0));
            continue;
        }
        if let Ok(d) = date::parse_date(s) {
            out.push((d.format("%Y-%m-%d").to_string(), fixes));
        }
    }
    out
}

/// Whether a readable date stands in `s`.
fn date_before(s: &str) -> bool {
    find_dates(s).iter().any(|(d, _)| d != "长期")
}

/// Whether `t` is, whole, what a date field reads: one date for a plain
/// date, a start date and an end (a date or 长期) for a range part, written
/// with date separators (a run of bare digits, such as an ID number, holds
/// a birth date but is not one). For dates found without their label, where
/// only the shape of the text vouches for which field it is.
pub fn is_whole_date_text(part: Option<RangePart>, t: &str) -> bool {
    if !t.chars().any(|c| "年月日.-/".contains(c)) {
        return false;
    }
    let dates = find_dates(t);
    let starts_with_date = dates.first().is_some_and(|(d, _)| d != "长期");
    match part {
        None => dates.len() == 1 && starts_with_date,
        Some(_) => dates.len() == 2 && starts_with_date,
    }
}

fn parse_date_field(part: Option<RangePart>, t: &str) -> Result<Parsed, Failure> {
    let dates = find_dates(t);
    // With one readable date in a range, which end it is depends on where it
    // stands: a misread start (2025年?月28日) must not make the end the start.
    if part.is_some() && dates.len() == 1 {
        let norm = text::normalize(t);
        let sep = norm.find(['至', '到', '~']);
        let first_digit = norm.find(|c: char| c.is_ascii_digit() || c == '长');
        let date_after_sep = match (sep, first_digit) {
            (Some(sp), Some(d)) => {
                // The readable date is the one after the separator when
                // something date-like also stands before it.
                let before_has_digit = norm[..sp].chars().any(|c| c.is_ascii_digit());
                let after_has_digit = norm[sp..].chars().any(|c| c.is_ascii_digit() || c == '长');
                before_has_digit && after_has_digit && d < sp && !date_before(&norm[..sp])
            }
            _ => false,
        };
        let wanted_end = part == Some(RangePart::End);
        if date_after_sep != wanted_end || sep.is_none() && wanted_end {
            return Err(format!(
                "“{t}”中没有可识别的{}日期 (no date found for this end of the range)",
                if wanted_end { "结束" } else { "开始" }
            ));
        }
        let (d, fixes) = &dates[0];
        return Ok(Parsed {
            value: Value::String(d.clone()),
            factor: 0.97f32.powi(*fixes as i32),
            note: None,
        });
    }
    let pick = match part {
        None | Some(RangePart::Start) => dates.iter().find(|(d, _)| d != "长期"),
        Some(RangePart::End) => {
            // The end is what follows the first date.
            let first = dates.iter().position(|(d, _)| d != "长期");
            first.and_then(|i| dates.get(i + 1))
        }
    };
    match pick {
        Some((d, fixes)) => {
            if part == Some(RangePart::End) {
                // A range whose end is before its start was misread.
                if let (Some((a, _)), false) = (dates.first(), d == "长期") {
                    if a.as_str() > d.as_str() {
                        return Ok(Parsed {
                            value: Value::String(d.clone()),
                            factor: 0.5,
                            note: Some("结束日期早于开始日期 (end date before start date)".into()),
                        });
                    }
                }
            }
            Ok(Parsed {
                value: Value::String(d.clone()),
                factor: 0.97f32.powi(*fixes as i32),
                note: None,
            })
        }
        None => Err(format!("“{t}”中没有可识别的日期 (no date found)")),
    }
}

/// Candidate characters for one OCR'd character of an identifier: the
/// certain readings (a letter where only a digit can stand) and the guesses
/// (a digit that looks like another).
fn digit_readings(c: char) -> (Option<char>, &'static [char]) {
    match c {
        '0'..='9' => (
            Some(c),
            match c {
                '0' => &['8', '6', '9'],
                '1' => &['7', '4'],
                '2' => &['7', '3'],
                '3' => &['8', '5', '2'],
                '4' => &['1', '9'],
                '5' => &['6', '3', '8'],
                '6' => &['8', '5', '0'],
                '7' => &['1', '2'],
                '8' => &['3', '6', '0', '9', '5'],
                '9' => &['8', '0', '4'],
                _ => &[],
            },
        ),
        'O' | 'o' | 'D' | 'Q' | 'U' | '〇' => (Some('0'), &[]),
        'l' | 'I' | 'i' | 'L' | '|' | '!' | 'J' | 'T' => (Some('1'), &['7']),
        'Z' | 'z' => (Some('2'), &[]),
        'S' | 's' => (Some('5'), &[]),
        'B' => (Some('8'), &[]),
        'G' | 'b' => (Some('6'), &[]),
        'g' | 'q' => (Some('9'), &[]),
        'A' => (Some('4'), &[]),
        _ => (None, &[]),
    }
}

/// The identifier-looking run of `t`: letters and digits (no spaces).
fn code_chars(t: &str) -> Vec<char> {
    use unicode_normalization::UnicodeNormalization;
    t.nfkc()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '|' | '!' | '〇' | '×'))
        .collect()
}

/// Picks among validating readings: the hint when it is one of them, else
/// the only one; several without a hint stay undecided.
fn choose<'a>(valid: &'a [String], hint: Option<&str>) -> Option<&'a String> {
    if let Some(h) = hint {
        let h = text::compact_code(h);
        if let Some(v) = valid.iter().find(|v| **v == h) {
            return Some(v);
        }
    }
    (valid.len() == 1).then(|| &valid[0])
}

fn parse_resident_id(t: &str, hint: Option<&str>) -> Result<Parsed, Failure> {
    let raw = code_chars(t);
    if raw.len() < 15 {
        return Err(format!("“{t}”不是身份号码 (not an identity number)"));
    }
    let today = today();
    let ok = |s: &str| resident_id::validate(s, today).valid;
    // Windows of 18 (the number may have neighbours glued on), then 15.
    let mut first_reading = None;
    for len in [18usize, 15] {
        // A 15-digit (first-generation) number only when that is all there
        // is: a window of a longer, misread number would be "upgraded" into a
        // valid-looking invention.
        if len == 15 && raw.len() != 15 {
            continue;
        }
        for start in 0..=raw.len().saturating_sub(len) {
            let win = &raw[start..(start + len).min(raw.len())];
            if win.len() < len {
                continue;
            }
            let mut certain = String::new();
            let mut fixes = 0;
            let mut good = true;
            for (i, &c) in win.iter().enumerate() {
                if i == 17 && matches!(c, 'X' | 'x' | '×' | 'K' | 'k') {
                    certain.push('X');
                    continue;
                }
                match digit_readings(c) {
                    (Some(d), _) => {
                        if d != c {
                            fixes += 1;
                        }
                        certain.push(d);
                    }
                    (None, _) => {
                        good = false;
                        break;
                    }
                }
            }
            if !good {
                continue;
            }
            first_reading.get_or_insert_with(|| certain.clone());
            if ok(&certain) {
                let v = resident_id::validate(&certain, today).normalized;
                return Ok(Parsed {
                    value: Value::String(v),
                    factor: 0.97f32.powi(fixes),
                    note: None,
                });
            }
            // One digit misread as another: every single change that validates.
            let cs: Vec<char> = certain.chars().collect();
            let mut valid = Vec::new();
            for i in 0..cs.len() {
                let alts: Vec<char> = if i == 17 && len == 18 {
                    let mut a: Vec<char> = digit_readings(cs[i]).1.to_vec();
                    if cs[i] != 'X' {
                        a.push('X');
                    }
                    if cs[i] == 'X' {
                        a.extend(['8', '4', '1']);
                    }
                    a
                } else {
                    digit_readings(cs[i]).1.to_vec()
                };
                for a in alts {
                    let mut c2 = cs.clone();
                    c2[i] = a;
                    let s: String = c2.into_iter().collect();
                    if ok(&s) {
                        valid.push(resident_id::validate(&s, today).normalized);
                    }
                }
            }
            if let Some(v) = choose(&valid, hint) {
                return Ok(Parsed {
                    value: Value::String(v.clone()),
                    factor: 0.75,
                    note: Some(format!(
                        "识别为“{certain}”，校验不通过，按形近数字更正 (read as {certain}, corrected one look-alike digit)"
                    )),
                });
            }
        }
    }
    match first_reading {
        Some(r) => {
            let check = resident_id::validate(&r, today);
            Ok(Parsed {
                value: Value::String(check.normalized),
                factor: 0.4,
                note: Some(format!(
                    "身份号码校验不通过：{} (identity number does not validate)",
                    check.reason.unwrap_or_default()
                )),
            })
        }
        None => Err(format!("“{t}”不是身份号码 (not an identity number)")),
    }
}

/// Readings of one OCR'd USCC character at position `i` (0-based): certain and guessed.
fn uscc_readings(c: char, i: usize) -> (Option<char>, Vec<char>) {
    let c = c.to_ascii_uppercase();
    let digit_only = (2..8).contains(&i);
    let in_alphabet = |x: char| x.is_ascii() && uscc::char_value(x as u8).is_some();
    if digit_only {
        return match digit_readings(c) {
            (Some(d), g) => (Some(d), g.to_vec()),
            (None, _) => (None, vec![]),
        };
    }
    let certain = match c {
        'O' => Some('0'),
        'I' => Some('1'),
        'Z' => Some('2'),
        'S' => Some('5'),
        'V' => Some('U'),
        '〇' => Some('0'),
        '|' | '!' => Some('1'),
        x if in_alphabet(x) => Some(x),
        _ => None,
    };
    let guesses: Vec<char> = match certain {
        Some('0') => vec!['D', 'Q', '8'],
        Some('1') => vec!['L', 'T', '7'],
        Some('2') => vec!['7'],
        Some('5') => vec!['6', '3'],
        Some('6') => vec!['G', '8', '5'],
        Some('8') => vec!['B', '3', '6', '0'],
        Some('B') => vec!['8'],
        Some('D') => vec!['0'],
        Some('Q') => vec!['0'],
        Some('G') => vec!['6'],
        Some('U') => vec!['Y', '0'],
        Some('Y') => vec!['U', 'T'],
        Some('T') => vec!['1', '7', 'Y'],
        Some('L') => vec!['1'],
        Some('A') => vec!['4'],
        Some('4') => vec!['A'],
        Some('7') => vec!['1', 'T'],
        _ => vec![],
    };
    (
        certain,
        guesses.into_iter().filter(|&g| in_alphabet(g)).collect(),
    )
}

fn parse_uscc(t: &str, hint: Option<&str>) -> Result<Parsed, Failure> {
    let raw = code_chars(t);
    if raw.len() < 18 {
        return Err(format!("“{t}”不是统一社会信用代码 (not a credit code)"));
    }
    let ok = |s: &str| uscc::validate(s).valid;
    let mut first_reading = None;
    for start in 0..=raw.len() - 18 {
        let win = &raw[start..start + 18];
        let mut certain = String::new();
        let mut guesses = Vec::new();
        let mut fixes = 0;
        let mut good = true;
        for (i, &c) in win.iter().enumerate() {
            match uscc_readings(c, i) {
                (Some(d), g) => {
                    if d != c.to_ascii_uppercase() {
                        fixes += 1;
                    }
                    certain.push(d);
                    guesses.push(g);
                }
                (None, _) => {
                    good = false;
                    break;
                }
            }
        }
        if !good {
            continue;
        }
        first_reading.get_or_insert_with(|| certain.clone());
        if ok(&certain) {
            return Ok(Parsed {
                value: Value::String(certain),
                factor: 0.97f32.powi(fixes),
                note: None,
            });
        }
        let cs: Vec<char> = certain.chars().collect();
        let mut valid = Vec::new();
        for (i, g) in guesses.iter().enumerate() {
            for &a in g {
                let mut c2 = cs.clone();
                c2[i] = a;
                let s: String = c2.into_iter().collect();
                if ok(&s) {
                    valid.push(s);
                }
            }
        }
        if let Some(v) = choose(&valid, hint) {
            return Ok(Parsed {
                value: Value::String(v.clone()),
                factor: 0.75,
                note: Some(format!(
                    "识别为“{certain}”，校验不通过，按形近字符更正 (read as {certain}, corrected one look-alike character)"
                )),
            });
        }
    }
    match first_reading {
        Some(r) => {
            let check = uscc::validate(&r);
            Ok(Parsed {
                value: Value::String(check.normalized),
                factor: 0.4,
                note: Some(format!(
                    "信用代码校验不通过：{} (credit code does not validate)",
                    check.reason.unwrap_or_default()
                )),
            })
        }
        None => Err(format!("“{t}”不是统一社会信用代码 (not a credit code)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(ty: FieldType) -> FieldSpec {
        FieldSpec {
            name: "f".into(),
            title: "F".into(),
            ty,
            labels: vec!["F".into()],
            pattern: None,
            multiline: false,
            choices: vec![],
            range_part: None,
            ends: vec![],
            lexicon: None,
            implied_by: None,
            unlabelled: false,
        }
    }

    #[test]
    fn names_starting_with_no_surname_are_doubted_never_changed() {
        let name = FieldSpec {
            lexicon: Some(Lexicon::Surnames),
            ..field(FieldType::Text)
        };
        for (read, doubted) in [
            ("郝宇", false),
            ("欧阳娜", false),
            ("部字", true),                      // 郝宇 misread
            ("个涛林", true),                    // 何涛林 misread
            ("性", true),                        // a label's character, not a name
            ("上海康益物业管理有限公司", false), // an organisation
            ("John Smith", false),
        ] {
            let p = parse(&name, read, None).unwrap();
            assert_eq!(p.value, Value::String(read.into()), "never rewritten");
            assert_eq!(p.note.is_some(), doubted, "{read}: {:?}", p.note);
            assert_eq!(p.factor < 1.0, doubted, "{read}");
        }
        // Without the lexicon nothing is doubted.
        assert!(parse(&field(FieldType::Text), "部字", None)
            .unwrap()
            .note
            .is_none());
    }

    #[test]
    fn letters_like_digits_in_codes_are_doubted() {
        let report = FieldSpec {
            pattern: Some("(?P<v>[0-9A-Za-z-]{4,40})".into()),
            ..field(FieldType::Text)
        };
        let p = parse(&report, "2025WJO43317", None).unwrap();
        assert_eq!(
            p.value,
            Value::String("2025WJO43317".into()),
            "never rewritten"
        );
        assert!(p.factor < 0.9 && p.note.is_some());
        // Letters away from the digits, and ordinary text, are not doubted.
        assert_eq!(parse(&report, "JK202511015313", None).unwrap().factor, 1.0);
        assert_eq!(
            parse(&field(FieldType::Text), "张三", None).unwrap().factor,
            1.0
        );
    }

    #[test]
    fn division_names_are_corrected_only_when_one_name_fits() {
        // 涞水县 is under 保定市; 沫水县 is no division's name.
        assert_eq!(
            fix_divisions("河北省保定市沫水县学府路348号"),
            ("河北省保定市涞水县学府路348号".to_string(), 1)
        );
        // An address starting at the prefecture.
        assert_eq!(fix_divisions("榆林市组德县经十路").1, 1);
        // Correct names are left alone, and so is the rest of the address.
        assert_eq!(
            fix_divisions("河北省保定市涞水县沫水路"),
            ("河北省保定市涞水县沫水路".to_string(), 0)
        );
        // 梅具区 is one character from both 梅江区 and 梅县区: not guessed.
        assert_eq!(fix_divisions("广东省梅州市梅具区中山路").1, 0);
        // A long name may lose one character in five (彝 and 祜 here)…
        assert_eq!(
            fix_divisions("云南省普洱市镇沅码族哈尼族拉社族自治县工业南路").0,
            "云南省普洱市镇沅彝族哈尼族拉祜族自治县工业南路"
        );
        // …a short one only one.
        assert_eq!(fix_divisions("河北省保定市沫木县学府路").1, 0);
        assert_eq!(fix_divisions("").1, 0);
    }

    fn val(ty: FieldType, t: &str) -> Result<Parsed, Failure> {
        parse(&field(ty), t, None)
    }

    #[test]
    fn resident_id_confusions() {
        let p = val(FieldType::ResidentId, "37O1O2l985O316O419").unwrap();
        assert_eq!(p.value, "370102198503160419");
        assert!(p.factor > 0.8 && p.factor < 1.0);
        let p = val(FieldType::ResidentId, ": 370102198503160419 ").unwrap();
        assert_eq!(
            (p.value.as_str(), p.factor),
            (Some("370102198503160419"), 1.0)
        );
        // One digit misread (…0419 → …0418): corrected only with low confidence.
        let p = val(FieldType::ResidentId, "370102198503160418").unwrap();
        assert!(p.factor < 0.8, "{p:?}");
        // Lower-case x check character.
        let p = val(FieldType::ResidentId, "11010519491231002x").unwrap();
        assert_eq!(p.value, "11010519491231002X");
    }

    #[test]
    fn uscc_confusions() {
        let p = val(FieldType::Uscc, "9137O1O2MABQTU2O3W").unwrap();
        assert_eq!(p.value, "91370102MABQTU203W");
        let p = val(FieldType::Uscc, "91370102MABQTU203W").unwrap();
        assert_eq!(p.factor, 1.0);
        assert!(val(FieldType::Uscc, "123").is_err());
    }

    #[test]
    fn hint_chooses_but_is_never_copied() {
        // Check digit wrong; the hint is a different number entirely.
        let p = parse(
            &field(FieldType::ResidentId),
            "370102198503160418",
            Some("110105194912310021"),
        )
        .unwrap();
        assert_ne!(p.value, "110105194912310021");
    }

    #[test]
    fn dates_ranges_money_numbers() {
        assert_eq!(
            val(FieldType::Date, "1985 年 3 月 16 日").unwrap().value,
            "1985-03-16"
        );
        let mut f = field(FieldType::Date);
        f.range_part = Some(RangePart::End);
        assert_eq!(
            parse(&f, "2016.04.02-2036.04.02", None).unwrap().value,
            "2036-04-02"
        );
        assert_eq!(parse(&f, "2016.04.02-长期", None).unwrap().value, "长期");
        assert_eq!(
            parse(&f, "自2024年1月1日起至2026年12月31日止", None)
                .unwrap()
                .value,
            "2026-12-31"
        );
        f.range_part = Some(RangePart::Start);
        assert_eq!(
            parse(&f, "2016.O4.02-2036.04.02", None).unwrap().value,
            "2016-04-02"
        );
        assert_eq!(val(FieldType::Money, "伍佰万元整").unwrap().value, 500.0);
        // OCR's 参 for 叁 is read as 叁, at a lower confidence.
        let p = val(FieldType::Money, "人民币参拾万元整").unwrap();
        assert_eq!((p.value.as_f64(), p.factor < 1.0), (Some(30.0), true));
        assert_eq!(
            val(FieldType::Money, "人民币伍抬万元整").unwrap().value,
            50.0
        );
        // An unknown character before the numerals is not skipped (臣佰 ≠ 佰).
        assert!(val(FieldType::Money, "人民币臣佰万元整").is_err());
        assert_eq!(val(FieldType::Money, "人民币500万元").unwrap().value, 500.0);
        assert_eq!(
            val(FieldType::Money, "壹佰万元整（¥1000000.00）")
                .unwrap()
                .value,
            100.0
        );
        assert_eq!(val(FieldType::Number, "120.5 平方米").unwrap().value, 120.5);
        assert!(val(FieldType::Number, "平方米").is_err());
    }

    #[test]
    fn choices_snap_or_refuse() {
        let mut f = field(FieldType::Text);
        f.choices = vec!["男".into(), "女".into()];
        assert_eq!(parse(&f, "男", None).unwrap().value, "男");
        assert_eq!(parse(&f, "女 民", None).unwrap().value, "女");
        assert!(parse(&f, "B", None).is_err());
        f.choices = vec!["合格".into(), "不合格".into()];
        assert_eq!(parse(&f, "不合格", None).unwrap().value, "不合格");
        let p = parse(&f, "合恪", None).unwrap();
        assert_eq!((p.value.as_str(), p.factor < 1.0), (Some("合格"), true));
    }

    #[test]
    fn clean_spaces() {
        assert_eq!(clean("：张 明 远 "), "张明远");
        assert_eq!(clean("Room 801"), "Room 801");
    }
}
