//! 组织机构代码 — GB 11714-1997.
//!
//! Eight body characters (digits, or upper-case Latin letters valued A=10 …
//! Z=35) and one check character: weights `3,7,9,10,5,8,4,2`,
//! C9 = 11 − (Σ mod 11), where 10 is written `X` and 11 is written `0`.
//! Usually displayed `XXXXXXXX-C`. Positions 9–17 of a USCC are this code.

use serde::Serialize;

/// GB 11714 weights for the eight body characters.
pub const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Outcome of [`validate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgCodeCheck {
    /// Format and check character are correct.
    pub valid: bool,
    /// The nine characters without separator, upper-case (as far as they
    /// could be normalised).
    pub normalized: String,
    /// Display form `XXXXXXXX-C` when the input has nine characters.
    pub display: Option<String>,
    /// Why the code is invalid (Chinese), `None` when valid.
    pub reason: Option<String>,
    /// The check character the body calls for, when the body is well-formed.
    pub expected_check: Option<char>,
}

#[inline]
fn body_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        _ => None,
    }
}

/// The GB 11714 check character for eight body characters (`0`–`9` or `X`).
/// `None` unless `body8` is exactly eight ASCII digits or upper-case letters.
pub fn check_character(body8: &str) -> Option<char> {
    let b = body8.as_bytes();
    if b.len() != 8 {
        return None;
    }
    let mut sum = 0u32;
    for (i, &c) in b.iter().enumerate() {
        sum += body_value(c)? * WEIGHTS[i];
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        v => (b'0' + v as u8) as char,
    })
}

/// Validate an organisation code, `XXXXXXXXC` or `XXXXXXXX-C` (full-width
/// characters, lower case and spaces are tolerated).
pub fn validate(input: &str) -> OrgCodeCheck {
    // Only one separator, and only before the check character, is allowed:
    // count hyphens before compacting.
    let mut s = String::with_capacity(input.len());
    let mut hyphens = Vec::new();
    for c in crate::text::normalize(input).chars() {
        if c == '-' {
            hyphens.push(s.chars().count());
        } else {
            s.push(c.to_ascii_uppercase());
        }
    }
    let n = s.chars().count();
    let mut out = OrgCodeCheck {
        valid: false,
        display: (n == 9 && s.is_ascii()).then(|| format!("{}-{}", &s[..8], &s[8..])),
        normalized: s,
        reason: None,
        expected_check: None,
    };
    if hyphens.len() > 1 || hyphens.first().is_some_and(|&p| p != 8) {
        out.reason = Some("分隔符位置错误：组织机构代码应写作“XXXXXXXX-C”".into());
        return out;
    }
    if n != 9 {
        out.reason = Some(format!("长度应为9位（8位本体代码+1位校验码），实际为{n}位"));
        return out;
    }
    let s = out.normalized.as_str();
    if let Some((i, c)) = s
        .chars()
        .take(8)
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_digit() || c.is_ascii_uppercase()))
    {
        out.reason = Some(format!("第{}位“{c}”不是数字或大写字母", i + 1));
        return out;
    }
    let last = s.as_bytes()[8];
    if !(last.is_ascii_digit() || last == b'X') {
        out.reason = Some(format!(
            "校验码“{}”无效：校验码只能是0–9或X",
            s.chars().nth(8).unwrap_or('?')
        ));
        return out;
    }
    let expected = check_character(&s[..8]);
    out.expected_check = expected;
    match expected {
        Some(e) if e as u8 == last => out.valid = true,
        Some(e) => out.reason = Some(format!("校验码错误：应为{e}，实际为{}", last as char)),
        None => out.reason = Some("本体代码格式错误".into()),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_example() {
        assert_eq!(check_character("55138508"), Some('2'));
        let c = validate("55138508-2");
        assert!(c.valid, "{c:?}");
        assert_eq!(c.display.as_deref(), Some("55138508-2"));
        assert!(validate("５５１３８５０８－２").valid);
        assert!(!validate("55138508-3").valid);
        assert!(!validate("5513-8508-2").valid);
        assert!(!validate("").valid);
        assert!(!validate("中文中文中文中文中").valid);
    }
}
