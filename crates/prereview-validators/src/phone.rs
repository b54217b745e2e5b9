//! Contact telephone numbers (catalog F08).
//!
//! Mobile: `^1[3-9]\d{9}$` after removing spaces, hyphens and a `+86`/`0086`
//! prefix. Landline: `^0\d{2,3}-?\d{7,8}$` (area code with leading 0, then a
//! 7- or 8-digit subscriber number); `(0531)88886666` is accepted too. The
//! patterns are the catalog's (no national standard is cited for them).

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

/// Kind of a valid phone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    /// 手机.
    Mobile,
    /// 固定电话.
    Landline,
}

/// Outcome of [`validate_phone`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhoneCheck {
    /// Mobile or landline format matched.
    pub valid: bool,
    /// Which one matched.
    pub kind: Option<PhoneKind>,
    /// Digits only for mobiles (`13812345678`), `0531-88886666` for landlines.
    pub normalized: String,
    /// Why the number is invalid (Chinese).
    pub reason: Option<String>,
}

/// NFKC, drop whitespace and brackets; dashes unified to '-'.
fn clean(s: &str) -> String {
    s.nfkc()
        .map(crate::text::unify_char)
        .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')')
        .collect()
}

fn mobile_digits(cleaned: &str) -> Option<String> {
    let mut s = cleaned;
    for p in ["+86", "0086"] {
        if let Some(r) = s.strip_prefix(p) {
            s = r.trim_start_matches('-');
            break;
        }
    }
    let digits: String = s.chars().filter(|&c| c != '-').collect();
    let b = digits.as_bytes();
    (b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1]))
    .then_some(digits)
}

fn landline_parts(cleaned: &str) -> Option<(String, String)> {
    let all_digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    let (area, number) = match cleaned.split_once('-') {
        Some((a, n)) => {
            if !all_digits(a) || !all_digits(n) || !(3..=4).contains(&a.len()) {
                return None;
            }
            (a.to_string(), n.to_string())
        }
        None => {
            if !all_digits(cleaned) {
                return None;
            }
            // Without a dash the split is ambiguous for 11 digits; the
            // regex accepts either reading, so pick the 3-digit area code
            // for 010/02x (the only 3-digit area codes) and 4 otherwise.
            let b = cleaned.as_bytes();
            let area_len = if b.len() >= 2 && (b[1] == b'1' || b[1] == b'2') {
                3
            } else {
                4
            };
            if cleaned.len() <= area_len {
                return None;
            }
            (
                cleaned[..area_len].to_string(),
                cleaned[area_len..].to_string(),
            )
        }
    };
    (area.starts_with('0') && (7..=8).contains(&number.len())).then_some((area, number))
}

/// `^1[3-9]\d{9}$` after normalisation (see module doc).
pub fn is_mobile(s: &str) -> bool {
    mobile_digits(&clean(s)).is_some()
}

/// `^0\d{2,3}-?\d{7,8}$` after normalisation (see module doc).
pub fn is_landline(s: &str) -> bool {
    landline_parts(&clean(s)).is_some()
}

/// Validate a contact number as mobile or landline.
pub fn validate_phone(s: &str) -> PhoneCheck {
    let c = clean(s);
    if let Some(m) = mobile_digits(&c) {
        return PhoneCheck {
            valid: true,
            kind: Some(PhoneKind::Mobile),
            normalized: m,
            reason: None,
        };
    }
    if let Some((a, n)) = landline_parts(&c) {
        return PhoneCheck {
            valid: true,
            kind: Some(PhoneKind::Landline),
            normalized: format!("{a}-{n}"),
            reason: None,
        };
    }
    let reason = if c.is_empty() {
        "电话号码为空".to_string()
    } else if c.starts_with('1') {
        "手机号码应为11位，以13–19开头".to_string()
    } else {
        "既不是11位手机号码，也不是“区号-号码”格式的固定电话".to_string()
    };
    PhoneCheck {
        valid: false,
        kind: None,
        normalized: c,
        reason: Some(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles() {
        for s in [
            "13812345678",
            "138 1234 5678",
            "+86 138-1234-5678",
            "１３８１２３４５６７８",
            "19912345678",
        ] {
            assert!(is_mobile(s), "{s}");
        }
        for s in [
            "12812345678",
            "1381234567",
            "138123456789",
            "",
            "1381234567a",
        ] {
            assert!(!is_mobile(s), "{s}");
        }
    }

    #[test]
    fn landlines() {
        for s in [
            "0531-88886666",
            "053188886666",
            "010-12345678",
            "(0531)8888666",
            "0531－88886666",
        ] {
            assert!(is_landline(s), "{s}");
        }
        for s in [
            "531-88886666",
            "0531-888866",
            "0531-888866667",
            "05318888",
            "0531-8888-6666",
        ] {
            assert!(!is_landline(s), "{s}");
        }
        let c = validate_phone("0531 88886666");
        assert_eq!(c.normalized, "0531-88886666");
        assert_eq!(c.kind, Some(PhoneKind::Landline));
        assert!(!validate_phone("abc").valid);
    }
}
