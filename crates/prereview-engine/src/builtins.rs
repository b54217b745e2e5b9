//! The strict functions of the language (every argument known). Domain checks
//! delegate to `prereview-validators`.

use crate::value::{Value, LONG_TERM};
use chrono::NaiveDate;
use prereview_dsl::ir::Builtin;
use prereview_validators::{address, amount, date, divisions, phone, resident_id, text, uscc};
use std::borrow::Cow;

/// The day identifiers are judged on when no submission date is known: it only
/// bounds "birth date not in the future", so a late date errs on the lenient side
/// and other rules (which need `submitted_at`) ask for review anyway.
const FALLBACK_TODAY: NaiveDate = NaiveDate::MAX;

/// `text::normalize(s)`, borrowing `s` when normalising would not change it.
///
/// Printable ASCII other than the brackets `[]{}` and CJK unified ideographs
/// (U+4E00–U+9FFF) are left as they are by NFKC (none decomposes, none combines)
/// and by the bracket/dash/dot unification, and none is whitespace: a text made
/// only of those is already normal. Anything else takes the full path.
pub fn normalized(s: &str) -> Cow<'_, str> {
    let stable = |c: char| {
        (c.is_ascii_graphic() && !matches!(c, '[' | ']' | '{' | '}'))
            || ('\u{4E00}'..='\u{9FFF}').contains(&c)
    };
    if s.chars().all(stable) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(text::normalize(s))
    }
}

/// `contains`, `starts_with`, `ends_with` and `same_text` of two known texts
/// (the same as [`call`] with these arguments, without making values of them).
pub fn text_pair(b: Builtin, x: &str, y: &str) -> Value {
    match b {
        Builtin::Contains => Value::Bool(normalized(x).contains(&*normalized(y))),
        Builtin::StartsWith => Value::Bool(normalized(x).starts_with(&*normalized(y))),
        Builtin::EndsWith => Value::Bool(normalized(x).ends_with(&*normalized(y))),
        Builtin::SameText => Value::Bool(x == y || normalized(x) == normalized(y)),
        _ => Value::unknown("", "内部错误：函数参数类型不符（请报告此规则）", false),
    }
}

pub fn call(b: Builtin, args: &[Value], today: Option<NaiveDate>) -> Value {
    const NONE: Value = Value::Bool(false);
    let mut refs: [&Value; 3] = [&NONE; 3];
    for (r, a) in refs.iter_mut().zip(args) {
        *r = a;
    }
    call_refs(b, &refs[..args.len().min(3)], today)
}

/// [`call`] on borrowed arguments (the evaluator reads them in place).
pub fn call_refs(b: Builtin, args: &[&Value], today: Option<NaiveDate>) -> Value {
    use Value::*;
    let today = today.unwrap_or(FALLBACK_TODAY);
    let undefined = |why: String| Value::unknown("", why, false);
    match (b, args) {
        (Builtin::Norm, [Text(t)]) => match normalized(t) {
            Cow::Borrowed(_) => Text(t.clone()),
            Cow::Owned(n) => Text(n.into()),
        },
        (Builtin::Len, [Text(t)]) => Number(text::char_len(t) as f64),
        (Builtin::Len, [List(l)]) => Number(l.len() as f64),
        (
            Builtin::Contains | Builtin::StartsWith | Builtin::EndsWith | Builtin::SameText,
            [Text(x), Text(y)],
        ) => text_pair(b, x, y),
        (Builtin::Similarity, [Text(a), Text(b)]) => Number(text::similarity(a, b)),
        (Builtin::SameAddress, [Text(a), Text(b)]) => match address::compare_with_reason(a, b) {
            (address::AddressMatch::Same | address::AddressMatch::MinorDiffers, _) => Bool(true),
            (address::AddressMatch::Differs, _) => Bool(false),
            (address::AddressMatch::Uncertain, why) => {
                undefined(format!("无法确定地址“{a}”与“{b}”是否一致：{why}"))
            }
        },
        (Builtin::Join, [List(items), Text(sep)]) => {
            let parts: Vec<String> = items.iter().map(|v| v.to_string()).collect();
            Text(parts.join(sep).into())
        }
        (Builtin::ValidId, [Text(t)]) => Bool(resident_id::validate(t, today).valid),
        (Builtin::IdProblem, [Text(t)]) => Text(
            resident_id::validate(t, today)
                .reason
                .unwrap_or_default()
                .into(),
        ),
        (Builtin::IdBirth, [Text(t)]) => match resident_id::validate(t, today) {
            r if r.valid => r
                .birth_date
                .map_or_else(|| undefined(format!("身份号码 {t} 无出生日期")), Date),
            r => undefined(format!(
                "身份号码 {t} 无效（{}），无法取出生日期",
                r.reason.unwrap_or_default()
            )),
        },
        (Builtin::IdSex, [Text(t)]) => match resident_id::validate(t, today) {
            r if r.valid => match r.sex {
                Some(resident_id::Sex::M) => Text("男".into()),
                Some(resident_id::Sex::F) => Text("女".into()),
                None => undefined(format!("身份号码 {t} 无性别信息")),
            },
            r => undefined(format!(
                "身份号码 {t} 无效（{}），无法取出性别",
                r.reason.unwrap_or_default()
            )),
        },
        (Builtin::IdRegionKnown, [Text(t)]) => {
            let r = resident_id::validate(t, today);
            if !r.valid {
                return undefined(format!("身份号码 {t} 无效，无法判断地址码"));
            }
            Bool(
                r.region_code
                    .as_deref()
                    .and_then(divisions::lookup)
                    .is_some(),
            )
        }
        (Builtin::ValidUscc, [Text(t)]) => Bool(uscc::validate(t).valid),
        (Builtin::UsccProblem, [Text(t)]) => {
            Text(uscc::validate(t).reason.unwrap_or_default().into())
        }
        (Builtin::ValidPhone, [Text(t)]) => Bool(phone::validate_phone(t).valid),
        (Builtin::IdPeriodOk, [Date(birth), Date(from), Date(until)]) => {
            let until = (*until != LONG_TERM).then_some(*until);
            Bool(resident_id::validity_period(*birth, *from, until).consistent)
        }
        (Builtin::AddYears, [Date(d), Number(n)]) => whole(*n)
            .and_then(|n| date::add_years(*d, n))
            .map_or_else(|| undefined(format!("{d} 加 {n} 年超出日期范围")), Date),
        (Builtin::AddMonths, [Date(d), Number(n)]) => whole(*n)
            .and_then(|n| date::add_months(*d, n))
            .map_or_else(|| undefined(format!("{d} 加 {n} 个月超出日期范围")), Date),
        (Builtin::AddDays, [Date(d), Number(n)]) => whole(*n)
            .and_then(|n| d.checked_add_signed(chrono::Duration::try_days(n as i64)?))
            .map_or_else(|| undefined(format!("{d} 加 {n} 天超出日期范围")), Date),
        (Builtin::AgeOn, [Date(birth), Date(on)]) => date::age_on(*birth, *on).map_or_else(
            || undefined(format!("出生日期 {birth} 晚于 {on}")),
            |a| Number(a as f64),
        ),
        (Builtin::DaysBetween, [Date(a), Date(b)]) => Number((*b - *a).num_days() as f64),
        (Builtin::ParseAmount, [Text(t)]) => match amount::parse_amount_text(t) {
            Ok(p) => Money(p.fen),
            Err(e) => undefined(format!("金额“{t}”无法解析：{e}")),
        },
        (Builtin::ParseDate, [Text(t)]) => match date::parse_date(t) {
            Ok(d) => Date(d),
            Err(e) => undefined(format!("日期“{t}”无法解析：{e}")),
        },
        (Builtin::NameRegion, [Text(t)]) => Text(leading_region(t).0.into()),
        (Builtin::NameRegionOk, [Text(t)]) => Bool(leading_region(t).1),
        (Builtin::NameForm, [Text(t)]) => {
            let n = normalized(t);
            let form = ORG_FORMS
                .iter()
                .find(|f| n.ends_with(*f))
                .copied()
                .unwrap_or("");
            Text(form.into())
        }
        (Builtin::NameCore, [Text(t)]) => Text(name_core(t).into()),
        (Builtin::StartsWithDivision, [Text(t)]) => {
            let n = normalized(t);
            Bool(
                divisions::contains_division_name(&n)
                    .first()
                    .is_some_and(|m| m.start == 0 && m.matched.chars().count() >= 2),
            )
        }
        (Builtin::UsccSemanticMisses, [Text(t)]) => Number(f64::from(
            prereview_validators::uscc::validate(t).semantic_misses,
        )),
        (Builtin::Wan, [Number(n)]) => Money((n * 1_000_000.0).round() as i64),
        (Builtin::Min, [a, b]) => less(a, b).map_or_else(
            || (*a).clone(),
            |l| if l { (*a).clone() } else { (*b).clone() },
        ),
        (Builtin::Max, [a, b]) => less(a, b).map_or_else(
            || (*a).clone(),
            |l| if l { (*b).clone() } else { (*a).clone() },
        ),
        (Builtin::Abs, [Number(n)]) => Number(n.abs()),
        (Builtin::Year, [Date(d)]) => Number(chrono::Datelike::year(d) as f64),
        _ => undefined("内部错误：函数参数类型不符（请报告此规则）".into()),
    }
}

/// Organisation forms an enterprise name may end with, longest first.
const ORG_FORMS: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "股份公司",
    "合伙企业",
    "个人独资企业",
    "专业合作社",
    "分公司",
];

fn whole(n: f64) -> Option<i32> {
    (n.fract() == 0.0 && n.abs() < 100_000.0).then_some(n as i32)
}

fn less(a: &Value, b: &Value) -> Option<bool> {
    match crate::eval::compare(prereview_dsl::ir::CmpOp::Lt, a, b) {
        Value::Bool(l) => Some(l),
        _ => None,
    }
}

/// An enterprise name without its division prefix, a bracketed division
/// (`泉悦（济南）…`) and its organisation form: the 字号 and the industry words.
fn name_core(name: &str) -> String {
    let n = text::normalize(name);
    let (region, _) = leading_region(name);
    let mut core: &str = n.strip_prefix(region.as_str()).unwrap_or(&n);
    if let Some(form) = ORG_FORMS.iter().find(|f| core.ends_with(*f)) {
        core = &core[..core.len() - form.len()];
    }
    let mut out = String::with_capacity(core.len());
    let mut depth = 0;
    for c in core.chars() {
        match c {
            '(' | '（' => depth += 1,
            ')' | '）' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The administrative divisions an enterprise name starts with (`济南市历下区`,
/// `济南历下`), and whether they are legal there: a 市辖区 must come after its
/// 设区的市 (企业名称登记管理规定 第7条).
fn leading_region(name: &str) -> (String, bool) {
    let n = text::normalize(name);
    let mut region = String::new();
    let mut end = 0;
    let mut chain: Vec<&divisions::Division> = Vec::new();
    for m in divisions::contains_division_name(&n) {
        if m.start != end {
            break;
        }
        // A further division belongs to the prefix only when it lies inside the
        // previous one (济南 → 历下); 济南青岛… has 青岛 as its 字号.
        let pick = match chain.last() {
            None => m.divisions.first().copied(),
            Some(p) => m
                .divisions
                .iter()
                .find(|d| d.parent.as_deref() == Some(p.code.as_str()))
                .copied(),
        };
        let Some(d) = pick else { break };
        region.push_str(&m.matched);
        end = m.end;
        chain.push(d);
    }
    let ok = match chain.first() {
        None => true,
        Some(first) => {
            let is_district =
                first.level == divisions::Level::County && first.kind.contains("市辖区");
            !is_district
        }
    };
    (region, ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every text `normalized` borrows is one `text::normalize` leaves unchanged.
    #[test]
    fn normalized_borrows_only_normal_text() {
        let stable: Vec<char> = (0x21u32..0x7F)
            .chain(0x4E00..=0x9FFF)
            .filter_map(char::from_u32)
            .collect();
        for &c in &stable {
            let s = c.to_string();
            assert_eq!(normalized(&s), text::normalize(&s), "U+{:04X}", c as u32);
        }
        // Pairs across the set (composition looks at neighbours).
        for (i, &a) in stable.iter().enumerate().step_by(7) {
            let b = stable[(i * 31 + 5) % stable.len()];
            let s: String = [a, b, a].iter().collect();
            assert_eq!(normalized(&s), text::normalize(&s), "{s}");
        }
        for s in [
            "济南市（历下）",
            "ＡＢＣ",
            "a b",
            "[x]",
            "\u{3000}中",
            "e\u{301}",
        ] {
            assert!(matches!(normalized(s), Cow::Owned(_)), "{s}");
            assert_eq!(normalized(s), text::normalize(s));
        }
    }
}
