//! One entry point for the command line: validate a value of a named kind
//! and get a serialisable report plus a one-line human summary.
//!
//! Kinds: `uscc` (GB 32100-2015), `id` (GB 11643-1999), `org-code`
//! (GB 11714-1997), `amount` (会计基础工作规范 第52条), `date`, `phone`.

use crate::divisions::Region;
use crate::resident_id::Sex;
use chrono::NaiveDate;
use serde::Serialize;
use std::fmt;
use thiserror::Error;

/// The kinds [`validate`] understands.
pub const KINDS: &[&str] = &["uscc", "id", "org-code", "amount", "date", "phone"];

/// A kind name [`validate`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("未知的校验类型“{kind}”（unknown kind）；可用类型：uscc, id, org-code, amount, date, phone{}", suggestion.as_ref().map(|s| format!("。您是否要用“{s}”？(did you mean `{s}`?)")).unwrap_or_default())]
pub struct UnknownKind {
    /// What was asked for.
    pub kind: String,
    /// The closest valid kind, if any is close.
    pub suggestion: Option<String>,
}

/// Result of [`validate`]. Serialises to `{"kind","input","valid","reason",…}`
/// with the kind-specific fields present only when they apply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidationReport {
    /// Canonical kind name (one of [`KINDS`]).
    pub kind: String,
    /// The input as given.
    pub input: String,
    /// Whether the value is valid.
    pub valid: bool,
    /// Why not (Chinese), `null` when valid.
    pub reason: Option<String>,
    /// Non-blocking findings (Chinese).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// A person should look at it even though `valid` may be true.
    pub needs_review: bool,
    /// Normalised form of the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normalized: Option<String>,
    /// Amount in 分.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fen: Option<i64>,
    /// Amount in 元 (for display; computations use `fen`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yuan: Option<f64>,
    /// Date in ISO 8601.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iso: Option<String>,
    /// Birth date of an ID holder (ISO 8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// Sex of an ID holder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// Division code (ID address code or USCC registering authority).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_code: Option<String>,
    /// Division names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
    /// USCC 登记管理部门.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// USCC 机构类别.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Organisation code (positions 9–17 of a USCC, or the org-code itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_code: Option<String>,
    /// Whether the organisation code passes GB 11714.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_code_valid: Option<bool>,
    /// Display form (`XXXXXXXX-C` for org codes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// `mobile` or `landline`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_kind: Option<crate::phone::PhoneKind>,
}

impl ValidationReport {
    fn new(kind: &str, input: &str) -> Self {
        ValidationReport {
            kind: kind.to_string(),
            input: input.to_string(),
            valid: false,
            reason: None,
            warnings: Vec::new(),
            needs_review: false,
            normalized: None,
            fen: None,
            yuan: None,
            iso: None,
            birth_date: None,
            sex: None,
            region_code: None,
            region: None,
            department: None,
            category: None,
            org_code: None,
            org_code_valid: None,
            display: None,
            phone_kind: None,
        }
    }
}

fn canonical_kind(kind: &str) -> Option<&'static str> {
    let k = kind.trim().to_ascii_lowercase().replace('_', "-");
    Some(match k.as_str() {
        "uscc" | "credit-code" => "uscc",
        "id" | "ric" | "resident-id" | "id-card" => "id",
        "org-code" | "org" | "orgcode" => "org-code",
        "amount" | "money" => "amount",
        "date" => "date",
        "phone" | "tel" | "mobile" => "phone",
        _ => return None,
    })
}

/// Validate `input` as `kind` (see [`KINDS`]); `today` is the reference date
/// for ID birth dates. Unknown kinds are an error that lists the valid ones.
pub fn validate(
    kind: &str,
    input: &str,
    today: NaiveDate,
) -> Result<ValidationReport, UnknownKind> {
    let Some(k) = canonical_kind(kind) else {
        let lower = kind.trim().to_ascii_lowercase();
        let suggestion = KINDS
            .iter()
            .map(|c| (strsim::levenshtein(&lower, c), *c))
            .min()
            .filter(|(d, c)| *d <= 2.max(c.len() / 3) && *d < lower.chars().count().max(1))
            .map(|(_, c)| c.to_string());
        return Err(UnknownKind {
            kind: kind.to_string(),
            suggestion,
        });
    };
    let mut r = ValidationReport::new(k, input);
    match k {
        "uscc" => {
            let c = crate::uscc::validate(input);
            r.valid = c.valid;
            r.reason = c.reason;
            r.warnings = c.warnings;
            r.needs_review = c.needs_review;
            r.normalized = Some(c.normalized);
            r.department = c.department;
            r.category = c.category;
            r.region_code = c.region_code;
            r.region = c.region;
            r.org_code = c.org_code;
            r.org_code_valid = c.org_code_valid;
        }
        "id" => {
            let c = crate::resident_id::validate(input, today);
            r.valid = c.valid;
            r.reason = c.reason;
            r.warnings = c.warnings;
            r.needs_review = c.needs_review;
            r.normalized = Some(c.normalized);
            r.birth_date = c.birth_date.map(|d| d.to_string());
            r.sex = c.sex;
            r.region_code = c.region_code;
            r.region = c.region;
        }
        "org-code" => {
            let c = crate::org_code::validate(input);
            r.valid = c.valid;
            r.reason = c.reason;
            r.normalized = Some(c.normalized.clone());
            r.org_code = Some(c.normalized);
            r.org_code_valid = Some(c.valid);
            r.display = c.display;
        }
        "amount" => match crate::amount::parse_amount_text(input) {
            Ok(a) => {
                r.valid = true;
                r.fen = Some(a.fen);
                r.yuan = Some(a.fen as f64 / 100.0);
                r.normalized = Some(a.yuan_string());
                r.warnings = a.warnings;
            }
            Err(e) => r.reason = Some(e.to_string()),
        },
        "date" => match crate::date::parse_date(input) {
            Ok(d) => {
                r.valid = true;
                r.iso = Some(d.to_string());
            }
            Err(e) => r.reason = Some(e.to_string()),
        },
        _ => {
            let c = crate::phone::validate_phone(input);
            r.valid = c.valid;
            r.reason = c.reason;
            r.normalized = Some(c.normalized);
            r.phone_kind = c.kind;
        }
    }
    Ok(r)
}

impl fmt::Display for ValidationReport {
    /// One line: `[uscc] 91110108551385082Q — 有效 valid (工商/市场监管·企业, 北京市海淀区)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = match (self.valid, self.needs_review) {
            (true, false) => "有效 valid",
            (true, true) => "有效但需人工复核 valid, needs review",
            (false, _) => "无效 invalid",
        };
        write!(f, "[{}] {} — {verdict}", self.kind, self.input.trim())?;
        let mut details: Vec<String> = Vec::new();
        if let Some(r) = &self.reason {
            details.push(r.clone());
        }
        if let (Some(d), Some(c)) = (&self.department, &self.category) {
            details.push(format!("{d}·{c}"));
        }
        if let Some(b) = &self.birth_date {
            details.push(format!("出生 {b}"));
        }
        if let Some(s) = self.sex {
            details.push(s.chinese().to_string());
        }
        if let Some(r) = &self.region {
            details.push(r.joined());
        }
        if let Some(d) = &self.display {
            details.push(d.clone());
        }
        if let (Some(n), Some(_)) = (&self.normalized, self.fen) {
            details.push(format!("{n} 元"));
        }
        if let Some(i) = &self.iso {
            details.push(i.clone());
        }
        if let Some(k) = self.phone_kind {
            details.push(
                match k {
                    crate::phone::PhoneKind::Mobile => "手机 mobile",
                    crate::phone::PhoneKind::Landline => "固话 landline",
                }
                .to_string(),
            );
        }
        details.extend(self.warnings.iter().map(|w| format!("注意：{w}")));
        if !details.is_empty() {
            write!(f, " ({})", details.join("; "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 11, 20).unwrap()
    }

    fn json(kind: &str, input: &str) -> serde_json::Value {
        serde_json::to_value(validate(kind, input, today()).unwrap()).unwrap()
    }

    #[test]
    fn json_shapes() {
        let j = json("amount", "伍佰万元整");
        assert_eq!(j["kind"], "amount");
        assert_eq!(j["input"], "伍佰万元整");
        assert_eq!(j["valid"], true);
        assert!(j["reason"].is_null());
        assert_eq!(j["yuan"], 5_000_000.0);
        assert_eq!(j["fen"], 500_000_000);
        let j = json("date", "二〇二四年三月五日");
        assert_eq!(j["iso"], "2024-03-05");
        let j = json("date", "2023年2月29日");
        assert_eq!(j["valid"], false);
        assert!(j["reason"].as_str().unwrap().contains("不是真实存在的日期"));
        let j = json("id", "11010519491231002X");
        assert_eq!(j["birth_date"], "1949-12-31");
        assert_eq!(j["sex"], "F");
        assert_eq!(j["region"]["province"], "北京市");
        assert_eq!(j["region"]["county"], "朝阳区");
        let j = json("uscc", "91110108551385082Q");
        assert_eq!(j["department"], "工商/市场监管");
        assert_eq!(j["category"], "企业");
        assert_eq!(j["org_code"], "551385082");
        assert_eq!(j["org_code_valid"], true);
        let j = json("org-code", "551385082");
        assert_eq!(j["display"], "55138508-2");
        let j = json("phone", "13812345678");
        assert_eq!(j["phone_kind"], "mobile");
        let r = validate("amount", "伍佰万元整", today()).unwrap();
        assert!(r.to_string().contains("5000000.00 元"), "{r}");
    }

    #[test]
    fn unknown_kind() {
        let e = validate("usc", "x", today()).unwrap_err();
        assert_eq!(e.suggestion.as_deref(), Some("uscc"));
        assert!(e.to_string().contains("org-code"));
        let e = validate("amonut", "x", today()).unwrap_err();
        assert_eq!(e.suggestion.as_deref(), Some("amount"));
        let e = validate("zzzzzzzzzz", "x", today()).unwrap_err();
        assert_eq!(e.suggestion, None);
        assert!(
            validate("RIC", "11010519491231002X", today())
                .unwrap()
                .valid
        );
    }
}
