//! 统一社会信用代码 (USCC) — GB 32100-2015.

/// The 31-character USCC alphabet (I, O, Z, S, V are never used).
pub const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights Wi = 3^(i-1) mod 31 for positions 1–17.
pub const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Value of one USCC character (its index in [`ALPHABET`]).
#[inline]
pub fn char_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        _ => ALPHABET.iter().position(|&a| a == c).map(|p| p as u32),
    }
}

/// The GB 32100 check character (position 18) for the first 17 characters.
///
/// Returns `None` unless `first17` is exactly 17 characters of the USCC alphabet
/// (upper-case; no normalisation is done here).
pub fn check_character(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (i, &c) in b.iter().enumerate() {
        sum += char_value(c)? * WEIGHTS[i];
    }
    Some(ALPHABET[((31 - sum % 31) % 31) as usize] as char)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn catalog_examples() {
        assert_eq!(check_character("91370102MABQTU203"), Some('W'));
        assert_eq!(check_character("91110108551385082"), Some('Q'));
        assert_eq!(check_character("9111010855138508"), None);
        assert_eq!(check_character("9111010855138508I"), None);
    }
}
