//! Text normalisation and fuzzy comparison for OCR'd Chinese text.
//!
//! [`normalize`] applies Unicode NFKC (UAX #15), which folds full-width ASCII
//! (`１２３ＡＢＣ（）`) to half-width, then unifies the bracket, dash and
//! middle-dot variants that scanners and input methods produce, maps the
//! geometric circle `○` (U+25CB) to the ideographic zero `〇` (U+3007) and
//! removes all whitespace. It is meant for *comparison*, not for display:
//! enterprise names keep their full-width brackets on the form (F05).

use unicode_normalization::UnicodeNormalization;

/// Canonical form for comparing two readings of the same text.
///
/// NFKC, full-width → half-width, `（【〔［` → `(` and `）】〕］` → `)`, dash
/// variants → `-`, middle-dot variants → `·`, `○` → `〇`, whitespace removed.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    if s.is_ascii() {
        // NFKC is the identity on ASCII; skip the decomposition machinery.
        out.extend(s.chars().filter(|c| !c.is_whitespace()).map(unify_char));
        return out;
    }
    for c in s.nfkc() {
        if c.is_whitespace() {
            continue;
        }
        out.push(unify_char(c));
    }
    out
}

/// Per-character unification applied after NFKC (see [`normalize`]).
#[inline]
pub(crate) fn unify_char(c: char) -> char {
    match c {
        '（' | '【' | '〔' | '［' | '[' | '〖' | '｛' | '{' => '(',
        '）' | '】' | '〕' | '］' | ']' | '〗' | '｝' | '}' => ')',
        '‐' | '‑' | '‒' | '–' | '—' | '―' | '－' | '−' | '﹣' => '-',
        '・' | '•' | '‧' | '∙' | '･' => '·',
        '○' | '◯' => '〇',
        _ => c,
    }
}

/// Canonical form of an identifier as typed or OCR'd: NFKC (full-width
/// digits and letters → ASCII), upper-case, whitespace and hyphen/dash
/// variants removed. `９１３７ 0102-mabqtu203w` → `91370102MABQTU203W`.
pub fn compact_code(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    if s.is_ascii() {
        // Same result as the general path below, without NFKC.
        out.extend(
            s.chars()
                .filter(|c| !c.is_whitespace())
                .map(unify_char)
                .filter(|&c| c != '-')
                .map(|c| c.to_ascii_uppercase()),
        );
        return out;
    }
    for c in s.nfkc() {
        if c.is_whitespace() {
            continue;
        }
        let c = unify_char(c);
        if c == '-' {
            continue;
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// Number of Unicode scalar values (what a person counts as "characters" in
/// Chinese text; a CJK ideograph counts 1, unlike `str::len`).
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Similarity in `0.0..=1.0` of two names or addresses, tolerant of OCR noise.
///
/// Both sides are [`normalize`]d first, then compared with the normalised
/// Levenshtein distance over characters (1 − distance / longer length).
/// Two empty strings are identical (1.0).
pub fn similarity(a: &str, b: &str) -> f64 {
    let a = normalize(a);
    let b = normalize(b);
    if a == b {
        return 1.0;
    }
    strsim::normalized_levenshtein(&a, &b).clamp(0.0, 1.0)
}

/// Value of a single Chinese or Arabic digit character (lower- or upper-case,
/// simplified or traditional, `〇`/`○`/`零`), or `None`.
pub fn digit_value(c: char) -> Option<u8> {
    Some(match c {
        '0' | '〇' | '○' | '零' | '◯' => 0,
        '1' | '一' | '壹' | '弌' => 1,
        '2' | '二' | '贰' | '貳' | '两' | '兩' | '弍' => 2,
        '3' | '三' | '叁' | '參' | '叄' | '参' => 3,
        '4' | '四' | '肆' => 4,
        '5' | '五' | '伍' => 5,
        '6' | '六' | '陆' | '陸' => 6,
        '7' | '七' | '柒' => 7,
        '8' | '八' | '捌' => 8,
        '9' | '九' | '玖' => 9,
        _ => return None,
    })
}

/// Parse a small Chinese or Arabic number 0–9999 such as `十二`, `二十九`,
/// `壹拾伍`, `零贰拾`, `一二零一` (digit by digit), `1201`.
///
/// Leading `零` is ignored (票据 dates write 零壹拾月). Returns `None` for
/// anything else, including empty input.
pub fn parse_small_number(s: &str) -> Option<u32> {
    let trimmed = s.trim_start_matches(['零', '〇', '○', '0']);
    if trimmed.is_empty() {
        // Only zeros is 0; the empty string is no number.
        return if s.is_empty() { None } else { Some(0) };
    }
    let s = trimmed;
    // Digit-by-digit form (一二零一, 2024, 二〇二四).
    if s.chars().all(|c| digit_value(c).is_some()) {
        let mut v: u32 = 0;
        for c in s.chars() {
            v = v.checked_mul(10)?.checked_add(u32::from(digit_value(c)?))?;
        }
        return if v <= 9999 { Some(v) } else { None };
    }
    // Positional form with 十/拾, 百/佰, 千/仟.
    let mut total: u32 = 0;
    let mut pending: Option<u32> = None;
    let mut last_unit = u32::MAX;
    let mut zero_seen = false;
    for c in s.chars() {
        let unit = match c {
            '十' | '拾' => Some(10),
            '百' | '佰' => Some(100),
            '千' | '仟' => Some(1000),
            _ => None,
        };
        if let Some(u) = unit {
            if u >= last_unit {
                return None;
            }
            let d = match pending.take() {
                Some(d) => d,
                // A bare 十 at the start means 10 (十二 = 12).
                None if u == 10 && total == 0 && !zero_seen => 1,
                None => return None,
            };
            total += d * u;
            last_unit = u;
            zero_seen = false;
        } else {
            let d = u32::from(digit_value(c)?);
            if d == 0 {
                if pending.is_some() {
                    return None;
                }
                zero_seen = true;
                continue;
            }
            if pending.is_some() {
                return None;
            }
            pending = Some(d);
        }
    }
    if let Some(d) = pending {
        // A trailing digit is ones, unless it directly follows a unit without
        // 零 where it is ambiguous only for 百/千 (二百五 = 250 colloquially);
        // accept it as ones only after 十 or after 零.
        if last_unit != 10 && last_unit != u32::MAX && !zero_seen {
            return None;
        }
        total += d;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_width_brackets_space() {
        assert_eq!(normalize("济南 （历下）　ＡＢＣ１２３"), "济南(历下)ABC123");
        assert_eq!(normalize("【甲】—乙"), "(甲)-乙");
        assert_eq!(normalize("二○二四"), "二〇二四");
    }

    #[test]
    fn similarity_bounds() {
        assert_eq!(similarity("", ""), 1.0);
        assert_eq!(similarity("济南市", "济南市"), 1.0);
        let s = similarity("济南历下张三餐饮有限公司", "济南历下张三餐钦有限公司");
        assert!(s > 0.9 && s < 1.0, "{s}");
        assert!(similarity("abc", "xyz") < 0.01);
        assert_eq!(similarity("（甲）", "(甲)"), 1.0);
    }

    #[test]
    fn small_numbers() {
        assert_eq!(parse_small_number("十二"), Some(12));
        assert_eq!(parse_small_number("二十九"), Some(29));
        assert_eq!(parse_small_number("壹拾伍"), Some(15));
        assert_eq!(parse_small_number("零壹拾"), Some(10));
        assert_eq!(parse_small_number("零贰拾"), Some(20));
        assert_eq!(parse_small_number("三十一"), Some(31));
        assert_eq!(parse_small_number("一二零一"), Some(1201));
        assert_eq!(parse_small_number("八十八"), Some(88));
        assert_eq!(parse_small_number("一百零五"), Some(105));
        assert_eq!(parse_small_number("一百二十"), Some(120));
        assert_eq!(parse_small_number("十十"), None);
        assert_eq!(parse_small_number(""), None);
        assert_eq!(char_len("济南a"), 3);
    }
}
