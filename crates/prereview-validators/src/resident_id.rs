//! 公民身份号码 — GB 11643-1999 (ISO 7064 MOD 11-2).

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

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn standard_example() {
        assert_eq!(check_character("11010519491231002"), Some('X'));
        assert_eq!(check_character("1101051949123100"), None);
        assert_eq!(check_character("1101051949123100A"), None);
    }
}
