//! Masking of personal numbers (resident ID numbers, mobile phone numbers) for
//! reports shown to people. The JSON report stays unmasked: it is the machine record.

use serde_json::Value;
use std::borrow::Cow;

/// Masks every resident ID number and mobile phone number in `text`:
/// `370102199003071234` → `370102********1234`, `13900000000` → `139****0000`.
///
/// A number is recognised only as a whole token (not inside a longer run of
/// letters or digits), so credit codes and report numbers are left alone.
pub fn mask_text(text: &str) -> Cow<'_, str> {
    let tokens = tokens(text);
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let (start, end) = tokens[i];
        let tok = &text[start..end];
        if let Some(masked) = mask_token(tok) {
            edits.push((start, end, masked));
            i += 1;
            continue;
        }
        // A phone number written in groups: 139-0000-0000 or 139 0000 0000.
        if i + 2 < tokens.len() && is_phone_head(tok) {
            let (s1, e1) = tokens[i + 1];
            let (s2, e2) = tokens[i + 2];
            let sep_ok = |a: usize, b: usize| {
                let sep = &text[a..b];
                sep == "-" || sep == " "
            };
            if sep_ok(end, s1)
                && sep_ok(e1, s2)
                && is_digits(&text[s1..e1], 4)
                && is_digits(&text[s2..e2], 4)
            {
                edits.push((s1, e1, "****".to_string()));
                i += 3;
                continue;
            }
        }
        i += 1;
    }
    if edits.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (s, e, rep) in edits {
        out.push_str(&text[last..s]);
        out.push_str(&rep);
        last = e;
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// Masks a value read for a field. Fields that hold a personal number
/// (`id_number`, `phone`, `subject`…) are masked even when the value is not
/// well formed (an OCR misreading is still someone's number); other values go
/// through [`mask_text`].
pub fn mask_field_value(path: &str, value: &Value) -> Value {
    let field = path
        .rsplit('.')
        .next()
        .unwrap_or(path)
        .split('[')
        .next()
        .unwrap_or("");
    let personal = matches!(
        field,
        "id_number" | "phone" | "mobile" | "subject" | "contact_phone"
    );
    match value {
        Value::String(s) if personal => {
            let masked = mask_text(s);
            if masked != s.as_str() {
                Value::String(masked.into_owned())
            } else {
                Value::String(mask_middle(s))
            }
        }
        Value::Number(n) if personal => Value::String(mask_middle(&n.to_string())),
        other => mask_value(other),
    }
}

/// Masks every string (and number that looks like a phone or ID number) inside a JSON value.
pub fn mask_value(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(mask_text(s).into_owned()),
        Value::Number(n) => {
            let s = n.to_string();
            match mask_token(&s) {
                Some(m) => Value::String(m),
                None => value.clone(),
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(mask_value).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), mask_field_value(k, v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Byte ranges of maximal runs of ASCII letters and digits.
fn tokens(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if c.is_ascii_alphanumeric() {
            if start.is_none() {
                start = Some(i);
            }
        } else if let Some(s) = start.take() {
            out.push((s, i));
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

fn is_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_phone_head(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 3 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b[2].is_ascii_digit()
}

fn is_mobile(s: &str) -> bool {
    is_digits(s, 11) && is_phone_head(&s[..3])
}

fn mask_token(tok: &str) -> Option<String> {
    let b = tok.as_bytes();
    // 18-character resident ID: 17 digits and a digit or X check character.
    if b.len() == 18
        && b[..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17] == b'X' || b[17] == b'x')
    {
        return Some(format!("{}********{}", &tok[..6], &tok[14..]));
    }
    // Old 15-digit resident ID.
    if is_digits(tok, 15) {
        return Some(format!("{}*****{}", &tok[..6], &tok[11..]));
    }
    if is_mobile(tok) {
        return Some(format!("{}****{}", &tok[..3], &tok[7..]));
    }
    // With the country code: 8613900000000.
    if b.len() == 13 && tok.starts_with("86") && is_mobile(&tok[2..]) {
        return Some(format!("86{}****{}", &tok[2..5], &tok[9..]));
    }
    None
}

/// Keeps the first and last two characters of a value that must not be shown.
fn mask_middle(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..2].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 4));
    out.extend(&chars[chars.len() - 2..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_ids_and_phones_in_chinese_text() {
        assert_eq!(
            mask_text("身份证号370102199003071234，电话13900000000。"),
            "身份证号370102********1234，电话139****0000。"
        );
        assert_eq!(mask_text("11010519491231002X"), "110105********002X");
        assert_eq!(mask_text("旧证 370102900307123"), "旧证 370102*****7123");
        assert_eq!(mask_text("+86 139-1234-5678"), "+86 139-****-5678");
        assert_eq!(mask_text("8613912345678"), "86139****5678");
    }

    #[test]
    fn leaves_other_numbers_alone() {
        // Credit code with letters, a date, an amount, a longer digit run.
        for s in [
            "91370102MA3CXXXX1X",
            "2025-11-20",
            "500万元",
            "1234567890123456789012",
            "报告编号 JN2025-0001",
            "12345678901",
        ] {
            assert_eq!(mask_text(s), s, "{s}");
        }
    }

    #[test]
    fn masks_personal_fields_even_when_malformed() {
        assert_eq!(
            mask_field_value("doc.id_card.id_number", &json!("3701021990030712")),
            json!("37************12")
        );
        assert_eq!(
            mask_field_value("form.legal_representative.phone", &json!(13900000000u64)),
            json!("13*******00")
        );
        assert_eq!(
            mask_field_value("form.shareholders[0].name", &json!("张伟")),
            json!("张伟")
        );
        assert_eq!(
            mask_value(&json!({"id_number": "370102199003071234", "n": [13900000000u64]})),
            json!({"id_number": "370102********1234", "n": ["139****0000"]})
        );
    }
}
