//! 统一社会信用代码 (USCC) — GB 32100-2015 (with its 2016 修改单).
//!
//! Layout: position 1 登记管理部门, 2 机构类别, 3–8 GB/T 2260 code of the
//! registering authority, 9–17 主体标识码 (the GB 11714-1997 organisation
//! code), 18 check character. Alphabet `0-9A-Z` without I, O, Z, S, V (31
//! characters); weights 3^(i−1) mod 31; C18 = alphabet[(31 − Σ mod 31) mod 31].
//!
//! [`validate`] implements catalog rules F01 (format and check character →
//! `valid`) and F02 (semantics → `warnings`; two or more semantic misses set
//! `needs_review`). Unlike python-stdnum, letter-led codes (A/N/Y) are valid,
//! full-width input is NFKC-normalised, and the all-zero code is flagged.

use crate::divisions::{self, Region, Resolution};
use serde::Serialize;

/// The 31-character USCC alphabet (I, O, Z, S, V are never used).
pub const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights Wi = 3^(i-1) mod 31 for positions 1–17.
pub const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Byte → value table (255 = not in the alphabet), built at compile time.
const VALUES: [u8; 256] = {
    let mut t = [255u8; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// Value of one USCC character (its index in [`ALPHABET`]).
#[inline]
pub fn char_value(c: u8) -> Option<u32> {
    match VALUES[c as usize] {
        255 => None,
        v => Some(u32::from(v)),
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

/// Why a USCC is invalid (F01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UsccErrorKind {
    /// Not 18 characters.
    Length,
    /// A character not allowed at its position.
    Format,
    /// The check character does not match.
    Checksum,
}

/// Outcome of [`validate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsccCheck {
    /// Format (F01) and check character are correct. Semantic problems (F02)
    /// do not clear this flag; they are listed in `warnings`.
    pub valid: bool,
    /// NFKC, upper-case, spaces and hyphens removed.
    pub normalized: String,
    /// Why the code is invalid (Chinese), `None` when valid.
    pub reason: Option<String>,
    /// Machine-readable kind of `reason`.
    pub error_kind: Option<UsccErrorKind>,
    /// 登记管理部门 (position 1), e.g. `工商/市场监管`.
    pub department: Option<String>,
    /// 机构类别 (position 2) for that department, e.g. `企业`.
    pub category: Option<String>,
    /// Positions 3–8.
    pub region_code: Option<String>,
    /// Names for `region_code` (after 6→4→2-digit fallback).
    pub region: Option<Region>,
    /// Positions 9–17 (GB 11714 organisation code).
    pub org_code: Option<String>,
    /// Whether `org_code` passes the GB 11714 check.
    pub org_code_valid: Option<bool>,
    /// F02 semantic findings and normalisation notes (Chinese).
    pub warnings: Vec<String>,
    /// Number of F02 semantic misses (department, category, region, org code).
    pub semantic_misses: u8,
    /// Two or more semantic misses: route to a person (catalog F02).
    pub needs_review: bool,
}

/// 登记管理部门 name for position 1.
pub fn department_name(c: char) -> Option<&'static str> {
    Some(match c {
        '1' => "机构编制",
        '2' => "外交",
        '3' => "司法行政",
        '4' => "文化",
        '5' => "民政",
        '6' => "旅游",
        '7' => "宗教",
        '8' => "工会",
        '9' => "工商/市场监管",
        'A' => "中央军委改革和编制办公室",
        'N' => "农业",
        'Y' => "其他",
        _ => return None,
    })
}

/// 机构类别 name for a department (position 1) and category (position 2),
/// per the GB 32100 code table.
pub fn category_name(dept: char, cat: char) -> Option<&'static str> {
    Some(match (dept, cat) {
        ('1', '1') => "机关",
        ('1', '2') => "事业单位",
        ('1', '3') => "中央编办直接管理机构编制的群众团体",
        ('2', '1') => "外国常驻新闻机构",
        ('3', '1') => "律师执业机构",
        ('3', '2') => "公证处",
        ('3', '3') => "基层法律服务所",
        ('3', '4') => "司法鉴定机构",
        ('3', '5') => "仲裁委员会",
        ('4', '1') => "外国在华文化中心",
        ('5', '1') => "社会团体",
        ('5', '2') => "民办非企业单位",
        ('5', '3') => "基金会",
        ('6', '1') => "外国旅游部门常驻代表机构",
        ('6', '2') => "港澳台地区旅游部门常驻内地（大陆）代表机构",
        ('7', '1') => "宗教活动场所",
        ('7', '2') => "宗教院校",
        ('8', '1') => "基层工会",
        ('9', '1') => "企业",
        ('9', '2') => "个体工商户",
        ('9', '3') => "农民专业合作社",
        ('A', '1') => "军队事业单位",
        ('N', '1') => "组级集体经济组织",
        ('N', '2') => "村级集体经济组织",
        ('N', '3') => "乡镇级集体经济组织",
        ('Y', '1') => "其他",
        ('1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | 'A' | 'N', '9') => "其他",
        _ => return None,
    })
}

/// Validate a 统一社会信用代码 (catalog F01 + F02).
pub fn validate(input: &str) -> UsccCheck {
    let normalized = crate::text::compact_code(input);
    let mut out = UsccCheck {
        valid: false,
        normalized,
        reason: None,
        error_kind: None,
        department: None,
        category: None,
        region_code: None,
        region: None,
        org_code: None,
        org_code_valid: None,
        warnings: Vec::new(),
        semantic_misses: 0,
        needs_review: false,
    };
    let n = out.normalized.chars().count();
    if n != 18 {
        out.reason = Some(format!("统一社会信用代码应为18位，实际为{n}位"));
        out.error_kind = Some(UsccErrorKind::Length);
        return out;
    }
    for (i, c) in out.normalized.chars().enumerate() {
        let ok = if (2..8).contains(&i) {
            c.is_ascii_digit()
        } else {
            c.is_ascii() && char_value(c as u8).is_some()
        };
        if !ok {
            out.reason = Some(if (2..8).contains(&i) {
                format!(
                    "第{}位“{c}”无效：第3–8位（登记管理机关行政区划码）必须是数字",
                    i + 1
                )
            } else {
                format!(
                    "第{}位“{c}”不是信用代码允许的字符（不使用I、O、Z、S、V）",
                    i + 1
                )
            });
            out.error_kind = Some(UsccErrorKind::Format);
            return out;
        }
    }
    // All 18 characters are ASCII from here on.
    let s = out.normalized.clone();
    let expected = check_character(&s[..17]);
    let actual = s.as_bytes()[17] as char;
    if expected != Some(actual) {
        out.reason = Some(match expected {
            Some(e) => format!("校验码错误：第18位应为{e}，实际为{actual}"),
            None => "校验码无法计算".to_string(),
        });
        out.error_kind = Some(UsccErrorKind::Checksum);
        return out;
    }
    out.valid = true;

    // F02 semantics: each miss is a warning; two or more → review.
    let dept = s.as_bytes()[0] as char;
    let cat = s.as_bytes()[1] as char;
    let mut misses = 0u8;
    match department_name(dept) {
        Some(d) => {
            out.department = Some(d.to_string());
            match category_name(dept, cat) {
                Some(c) => out.category = Some(c.to_string()),
                None => {
                    misses += 1;
                    out.warnings.push(format!(
                        "机构类别代码“{cat}”不属于登记管理部门“{d}”的类别表"
                    ));
                }
            }
        }
        None => {
            misses += 2;
            out.warnings.push(format!("登记管理部门代码“{dept}”不存在"));
            out.warnings
                .push(format!("机构类别代码“{cat}”无法对应（登记管理部门无效）"));
        }
    }
    let region_code = &s[2..8];
    out.region_code = Some(region_code.to_string());
    if region_code == "100000" {
        // Central-level registrations use 100000 (全国).
    } else {
        match divisions::lookup_with_fallback(region_code) {
            Some((d, Resolution::Exact)) => {
                out.region = Region::of(&d.code);
            }
            Some((d, res)) => {
                misses += 1;
                out.region = Region::of(&d.code);
                let level = if res == Resolution::City {
                    "地市"
                } else {
                    "省"
                };
                out.warnings.push(format!(
                    "行政区划码{region_code}不在区划表中（可能为已撤销的历史代码），仅按{level}级归属于{}",
                    d.name
                ));
            }
            None => {
                misses += 1;
                out.warnings
                    .push(format!("行政区划码{region_code}不是GB/T 2260区划代码"));
            }
        }
    }
    let org = &s[8..17];
    out.org_code = Some(org.to_string());
    let org_ok = crate::org_code::check_character(&org[..8]) == Some(org.as_bytes()[8] as char);
    out.org_code_valid = Some(org_ok);
    if !org_ok {
        misses += 1;
        out.warnings.push(format!(
            "第9–17位主体标识码{}-{}未通过GB 11714校验",
            &org[..8],
            &org[8..]
        ));
    }
    let changed = out.normalized != input;
    if changed && !input.is_empty() {
        out.warnings
            .push("输入已规范化（全角/小写/空格/连字符）后校验".to_string());
    }
    out.semantic_misses = misses;
    out.needs_review = misses >= 2;
    out
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
        let c = validate("91110108551385082Q");
        assert!(c.valid && c.warnings.is_empty(), "{c:?}");
        assert_eq!(c.org_code.as_deref(), Some("551385082"));
        assert_eq!(c.region.unwrap().county.as_deref(), Some("海淀区"));
    }

    #[test]
    fn all_zero_is_flagged() {
        let c = validate("000000000000000000");
        assert!(c.valid);
        assert!(c.needs_review);
        assert!(c.semantic_misses >= 2);
    }
}
