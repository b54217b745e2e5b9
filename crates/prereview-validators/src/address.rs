//! Postal addresses: split into parts and compare (catalog X05, 住所一致).
//!
//! [`parse`] normalises the text ([`crate::text::normalize`]), turns Chinese
//! numerals in front of address units into Arabic ones (`一百八十八号` →
//! `188号`, `十二层` → `12层`), recognises the GB/T 2260 province, prefecture
//! and county (full or short names; missing upper levels are filled in from
//! the table when unambiguous), and splits the rest into town, street,
//! number, building, unit, floor and room.
//!
//! [`compare`] decides whether two addresses are the same place. Floor and
//! room differences are reported separately (`MinorDiffers`) because
//! contracts often omit them; anything the parser cannot align is
//! `Uncertain`, never `Same`.

use crate::divisions::{self, Division, Level};
use crate::text::{normalize, similarity};
use regex::Regex;
use serde::Serialize;
use std::sync::LazyLock;

/// Parts of an address. Numbers are Arabic; missing parts are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AddressParts {
    /// Province-level name (full form, from the table), e.g. `山东省`.
    pub province: Option<String>,
    /// Prefecture-level name, e.g. `济南市`.
    pub city: Option<String>,
    /// County-level name, e.g. `历下区`.
    pub district: Option<String>,
    /// 街道 / 镇 / 乡, e.g. `泉城路街道`.
    pub town: Option<String>,
    /// Road and anything before the house number, e.g. `泉城路`.
    pub street: Option<String>,
    /// House number without 号, e.g. `188` or `1-1`.
    pub number: Option<String>,
    /// Building (号楼/栋/幢/座), e.g. `3` or `A`.
    pub building: Option<String>,
    /// 单元.
    pub unit: Option<String>,
    /// Floor (层/楼).
    pub floor: Option<String>,
    /// Room (室/户/房 or a trailing number).
    pub room: Option<String>,
    /// Text the parser did not assign (estate or building names…).
    pub rest: String,
    /// The normalised full text with Arabic numerals.
    pub normalized: String,
}

/// Result of [`compare`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressMatch {
    /// Same place.
    Same,
    /// Same building; only floor and/or room differ or are missing on one side.
    MinorDiffers,
    /// Different places.
    Differs,
    /// Cannot tell (unparsed parts, possible OCR misreading): a person decides.
    Uncertain,
}

static CN_NUM_UNIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("([零〇一二三四五六七八九十百千两]+)(号楼|号院|号|层|楼|室|单元|栋|幢|座|弄|户)")
        .expect("static regex")
});
static PART: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d+(?:-\d+)*|[A-Z])(号楼|号院|号|栋|幢|座|单元|层|楼|室|户|房)")
        .expect("static regex")
});
static TRAILING_NUM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d+(?:-\d+)*)$").expect("static regex"));

/// Length in bytes of a leading 街道/镇/乡 name, if any. 镇/乡 count only when
/// not followed by a road word (镇江路, 新乡路 are roads).
fn town_prefix(s: &str) -> Option<usize> {
    if let Some(i) = s.find("街道") {
        let mut end = i + "街道".len();
        if s[end..].starts_with("办事处") {
            end += "办事处".len();
        }
        return (i >= 6 && end < s.len()).then_some(end);
    }
    for (i, c) in s.char_indices() {
        if c != '镇' && c != '乡' {
            continue;
        }
        let end = i + c.len_utf8();
        let next = s[end..].chars().next()?;
        if i >= 6
            && !matches!(
                next,
                '路' | '街' | '道' | '巷' | '弄' | '大' | '村' | '政' | '里'
            )
        {
            return Some(end);
        }
    }
    None
}

/// Chinese numerals before address units → Arabic (`十二层` → `12层`).
fn arabic_numbers(s: &str) -> String {
    CN_NUM_UNIT
        .replace_all(s, |c: &regex::Captures<'_>| {
            let num = c[1].replace(['两'], "二");
            match crate::text::parse_small_number(&num) {
                Some(v) => format!("{v}{}", &c[2]),
                None => c[0].to_string(),
            }
        })
        .into_owned()
}

/// Match a division name (full first, then short) at the start of `s`.
fn match_prefix<'a>(
    s: &str,
    candidates: impl Iterator<Item = &'a Division>,
) -> Option<(&'a Division, usize)> {
    let mut best: Option<(&Division, usize)> = None;
    for d in candidates {
        if d.abolished.is_some() {
            continue;
        }
        for name in [d.name.as_str(), d.short.as_str()] {
            if name.chars().count() >= 2
                && s.starts_with(name)
                && best.is_none_or(|(_, l)| name.len() > l)
            {
                best = Some((d, name.len()));
            }
        }
    }
    best
}

/// Split an address into parts (see module doc). Never fails: what is not
/// recognised ends up in `rest` or `street`.
pub fn parse(input: &str) -> AddressParts {
    let normalized = arabic_numbers(&normalize(input));
    let mut p = AddressParts {
        normalized: normalized.clone(),
        ..AddressParts::default()
    };
    let mut s = normalized.as_str();
    let all = divisions::all();

    // Administrative divisions, top-down, each level optional.
    let mut prov: Option<&Division> = None;
    let mut city: Option<&Division> = None;
    let mut county: Option<&Division> = None;
    if let Some((d, l)) = match_prefix(s, all.iter().filter(|d| d.level == Level::Province)) {
        prov = Some(d);
        s = &s[l..];
    }
    let city_cands: Vec<&Division> = match prov {
        Some(pd) => divisions::children(&pd.code)
            .into_iter()
            .filter(|d| d.level == Level::City)
            .collect(),
        None => all.iter().filter(|d| d.level == Level::City).collect(),
    };
    if let Some((d, l)) = match_prefix(s, city_cands.into_iter()) {
        city = Some(d);
        s = &s[l..];
    }
    let county_cands: Vec<&Division> = match (city, prov) {
        (Some(c), _) => divisions::children(&c.code),
        (None, Some(pd)) => divisions::children(&pd.code)
            .into_iter()
            .filter(|d| d.level == Level::County)
            .collect(),
        (None, None) => all.iter().filter(|d| d.level == Level::County).collect(),
    };
    if prov.is_none() && city.is_none() {
        // Without upper levels only an unambiguous full county name counts.
        let hits: Vec<&Division> = county_cands
            .iter()
            .copied()
            .filter(|d| d.abolished.is_none() && s.starts_with(d.name.as_str()))
            .collect();
        if let [d] = hits.as_slice() {
            county = Some(d);
            s = &s[d.name.len()..];
        }
    } else if let Some((d, l)) = match_prefix(s, county_cands.into_iter()) {
        county = Some(d);
        s = &s[l..];
    }
    // Fill the upper levels from the most specific division found.
    if let Some(code) = county.or(city).map(|d| d.code.as_str()) {
        if let Some(ch) = divisions::chain(code) {
            prov = prov.or(ch.province);
            city = city.or(ch.city);
        }
    }
    p.province = prov.map(|d| d.name.clone());
    p.city = city.map(|d| d.name.clone());
    p.district = county.map(|d| d.name.clone());

    // Town (街道/镇/乡) at the front of the remainder.
    let mut rest_start = s;
    if let Some(end) = town_prefix(s) {
        p.town = Some(s[..end].to_string());
        rest_start = &s[end..];
    }
    let s = rest_start;

    let mut rest = String::new();
    let mut last_end = 0;
    let mut first = true;
    for m in PART.captures_iter(s) {
        let (Some(all_m), Some(num), Some(unit)) = (c_get(&m, 0), c_get(&m, 1), c_get(&m, 2))
        else {
            continue;
        };
        let between = &s[last_end..all_m.0];
        if first {
            if !between.is_empty() {
                p.street = Some(between.to_string());
            }
        } else {
            rest.push_str(between);
        }
        first = false;
        last_end = all_m.1;
        let num = num.2.to_string();
        match unit.2 {
            "号" | "号院" if p.number.is_none() && p.building.is_none() => p.number = Some(num),
            "号楼" | "栋" | "幢" | "座" if p.building.is_none() => p.building = Some(num),
            "单元" if p.unit.is_none() => p.unit = Some(num),
            "层" | "楼" if p.floor.is_none() => p.floor = Some(num),
            "室" | "户" | "房" | "号" if p.room.is_none() => p.room = Some(num),
            _ => {
                rest.push_str(&s[all_m.0..all_m.1]);
            }
        }
    }
    let tail = &s[last_end..];
    if first {
        // No numbered part at all.
        if !tail.is_empty() {
            p.street = Some(tail.to_string());
        }
    } else if let Some(c) = TRAILING_NUM.captures(tail) {
        let num = c.get(1).map_or("", |m| m.as_str());
        let before = &tail[..tail.len() - num.len()];
        rest.push_str(before);
        let parts: Vec<&str> = num.split('-').collect();
        if parts.len() == 3 && p.building.is_none() && p.unit.is_none() && p.room.is_none() {
            // 3-2-1201 shorthand: building-unit-room.
            p.building = Some(parts[0].to_string());
            p.unit = Some(parts[1].to_string());
            p.room = Some(parts[2].to_string());
        } else if p.room.is_none() {
            p.room = Some(num.to_string());
        } else {
            rest.push_str(num);
        }
    } else {
        rest.push_str(tail);
    }
    p.rest = rest;
    p
}

fn c_get<'h>(c: &regex::Captures<'h>, i: usize) -> Option<(usize, usize, &'h str)> {
    c.get(i).map(|m| (m.start(), m.end(), m.as_str()))
}

fn same_opt(a: &Option<String>, b: &Option<String>) -> Option<bool> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x == y),
        _ => None,
    }
}

/// Compare two addresses (catalog X05). See [`compare_with_reason`].
pub fn compare(a: &str, b: &str) -> AddressMatch {
    compare_with_reason(a, b).0
}

/// Compare two addresses and say why (Chinese).
pub fn compare_with_reason(a: &str, b: &str) -> (AddressMatch, String) {
    let pa = parse(a);
    let pb = parse(b);
    if pa.normalized.is_empty() || pb.normalized.is_empty() {
        return (AddressMatch::Uncertain, "地址为空".into());
    }
    if pa.normalized == pb.normalized {
        return (AddressMatch::Same, "地址相同".into());
    }
    for (what, x, y) in [
        ("省", &pa.province, &pb.province),
        ("市", &pa.city, &pb.city),
        ("区县", &pa.district, &pb.district),
    ] {
        if same_opt(x, y) == Some(false) {
            return (
                AddressMatch::Differs,
                format!(
                    "{what}不同：{}／{}",
                    x.as_deref().unwrap_or(""),
                    y.as_deref().unwrap_or("")
                ),
            );
        }
    }
    let parsed = |p: &AddressParts| p.street.is_some() && p.number.is_some();
    if !parsed(&pa) || !parsed(&pb) {
        // Not enough structure: fall back to whole-text similarity, and never
        // call it Same.
        let sim = similarity(&pa.normalized, &pb.normalized);
        return if sim < 0.5 {
            (
                AddressMatch::Differs,
                format!("无法解析门牌，整体相似度{sim:.2}"),
            )
        } else {
            (
                AddressMatch::Uncertain,
                format!("无法解析门牌，整体相似度{sim:.2}"),
            )
        };
    }
    if same_opt(&pa.number, &pb.number) == Some(false) {
        return (
            AddressMatch::Differs,
            format!(
                "门牌号不同：{}号／{}号",
                pa.number.as_deref().unwrap_or(""),
                pb.number.as_deref().unwrap_or("")
            ),
        );
    }
    let sa = pa.street.as_deref().unwrap_or("");
    let sb = pb.street.as_deref().unwrap_or("");
    if sa != sb {
        // One side may carry the town or an upper level the other omits.
        let contained = sa.ends_with(sb) || sb.ends_with(sa);
        let sim = similarity(sa, sb);
        // One misread character in a short road name is still "maybe".
        let one_char = strsim::generic_levenshtein(
            &sa.chars().collect::<Vec<_>>(),
            &sb.chars().collect::<Vec<_>>(),
        ) <= 1;
        if !contained {
            return if sim >= 0.75 || one_char {
                (
                    AddressMatch::Uncertain,
                    format!("道路名称相近但不同（可能识别错误）：{sa}／{sb}"),
                )
            } else {
                (AddressMatch::Differs, format!("道路不同：{sa}／{sb}"))
            };
        }
    }
    for (what, x, y) in [
        ("楼栋", &pa.building, &pb.building),
        ("单元", &pa.unit, &pb.unit),
    ] {
        match (x, y) {
            (Some(u), Some(v)) if u != v => {
                return (AddressMatch::Differs, format!("{what}不同：{u}／{v}"));
            }
            (Some(_), None) | (None, Some(_)) => {
                return (AddressMatch::Uncertain, format!("一方缺少{what}"));
            }
            _ => {}
        }
    }
    if pa.rest != pb.rest && similarity(&pa.rest, &pb.rest) < 0.8 {
        return (
            AddressMatch::Uncertain,
            format!("其余部分不同：“{}”／“{}”", pa.rest, pb.rest),
        );
    }
    if pa.floor != pb.floor || pa.room != pb.room {
        return (
            AddressMatch::MinorDiffers,
            "仅楼层或房间号不同（或一方未写）".into(),
        );
    }
    if pa.town != pb.town && pa.town.is_some() && pb.town.is_some() {
        return (AddressMatch::Uncertain, "街道（乡镇）不同".into());
    }
    (AddressMatch::Same, "地址各部分一致".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_parts() {
        let p = parse("山东省济南市历下区泉城路188号3号楼2单元1201室");
        assert_eq!(p.province.as_deref(), Some("山东省"));
        assert_eq!(p.city.as_deref(), Some("济南市"));
        assert_eq!(p.district.as_deref(), Some("历下区"));
        assert_eq!(p.street.as_deref(), Some("泉城路"));
        assert_eq!(p.number.as_deref(), Some("188"));
        assert_eq!(p.building.as_deref(), Some("3"));
        assert_eq!(p.unit.as_deref(), Some("2"));
        assert_eq!(p.room.as_deref(), Some("1201"));
        let p = parse("北京市朝阳区建国路八十八号十二层1203");
        assert_eq!(p.province.as_deref(), Some("北京市"));
        assert_eq!(p.city, None);
        assert_eq!(p.district.as_deref(), Some("朝阳区"));
        assert_eq!(p.number.as_deref(), Some("88"));
        assert_eq!(p.floor.as_deref(), Some("12"));
        assert_eq!(p.room.as_deref(), Some("1203"));
        let p = parse("济南历下经十路100号A座5层502室");
        assert_eq!(p.province.as_deref(), Some("山东省"));
        assert_eq!(p.district.as_deref(), Some("历下区"));
        assert_eq!(p.street.as_deref(), Some("经十路"));
        assert_eq!(p.building.as_deref(), Some("A"));
        let p = parse("历下区泉城路街道泉城路188号");
        assert_eq!(p.city.as_deref(), Some("济南市"));
        assert_eq!(p.town.as_deref(), Some("泉城路街道"));
        assert_eq!(p.street.as_deref(), Some("泉城路"));
        let p = parse("花园小区3-2-1201");
        assert_eq!(p.room, None);
    }

    #[test]
    fn compares() {
        use AddressMatch::*;
        let a = "山东省济南市历下区泉城路188号3号楼2单元1201室";
        assert_eq!(compare(a, a), Same);
        assert_eq!(
            compare(a, "济南市历下区泉城路一百八十八号3号楼2单元1201室"),
            Same
        );
        assert_eq!(
            compare(a, "山东省济南市历下区泉城路188号3号楼2单元1202室"),
            MinorDiffers
        );
        assert_eq!(
            compare(a, "山东省济南市历下区泉城路188号3号楼2单元"),
            MinorDiffers
        );
        assert_eq!(
            compare(a, "山东省济南市历下区泉城路189号3号楼2单元1201室"),
            Differs
        );
        assert_eq!(
            compare(a, "山东省济南市市中区泉城路188号3号楼2单元1201室"),
            Differs
        );
        assert_eq!(
            compare(a, "山东省济南市历下区泉成路188号3号楼2单元1201室"),
            Uncertain
        );
        assert_eq!(
            compare(a, "山东省济南市历下区泉城路188号4号楼2单元1201室"),
            Differs
        );
        assert_eq!(
            compare(a, "山东省济南市历下区泉城路188号2单元1201室"),
            Uncertain
        );
        assert_eq!(compare("", a), Uncertain);
        assert_eq!(compare("某某地方", "某某地芳"), Uncertain);
    }
}
