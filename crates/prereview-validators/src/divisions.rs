//! GB/T 2260 administrative divisions (province, prefecture, county).
//!
//! Data: `rules/tables/divisions-gbt2260.csv`, extracted from the MIT-licensed
//! crate `cinv` 0.1.2 (notice in `rules/tables/divisions-gbt2260.LICENSE`),
//! embedded at compile time and parsed once on first use. It holds the
//! *current* codes only; a short hand-kept list of abolished codes (e.g.
//! 370181 章丘市) and of recently created ones is added below, because
//! identity numbers keep the code they were issued with (GB 11643-1999) and the
//! USCC keeps the registering authority's code (GB 32100-2015). That list is
//! deliberately partial: a code absent from it is not known to be old or new.

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::LazyLock;

static CSV: &str = include_str!("../../../rules/tables/divisions-gbt2260.csv");

/// Administrative level of a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 省级: 省, 自治区, 直辖市.
    Province = 1,
    /// 地级: 地级市, 地区, 自治州, 盟.
    City = 2,
    /// 县级: 市辖区, 县级市, 县, 自治县, 旗, 林区, 特区.
    County = 3,
}

/// One GB/T 2260 division.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Division {
    /// Six-digit code, e.g. `370102`.
    pub code: String,
    /// Full official name, e.g. `历下区`.
    pub name: String,
    /// Name without its administrative suffix (see [`short_name`]), e.g. `历下`.
    pub short: String,
    /// Administrative level.
    pub level: Level,
    /// Code of the parent division (`None` for provinces). Counties of
    /// 直辖市 and 省直辖县级行政单位 have the province as parent.
    pub parent: Option<String>,
    /// Kind as listed in the table (省, 地级市, 市辖区, 县…; `已撤销` for
    /// abolished codes).
    pub kind: String,
    /// Year the code was abolished, for the historical entries; `None` if current.
    pub abolished: Option<u16>,
    /// Year the code was created, where known (a few recent changes only).
    pub created: Option<u16>,
}

/// Abolished codes that still appear in identity numbers and old credit codes.
/// (code, name, parent, year abolished). Partial, hand-kept; see module doc.
const HISTORICAL: &[(&str, &str, &str, u16)] = &[
    ("370125", "济阳县", "370100", 2018),
    ("370181", "章丘市", "370100", 2016),
    ("371200", "莱芜市", "370000", 2019),
    ("371202", "莱城区", "371200", 2019),
    ("371203", "钢城区", "371200", 2019),
    ("110228", "密云县", "110000", 2015),
    ("110229", "延庆县", "110000", 2015),
    ("330181", "萧山市", "330100", 2001),
    ("330184", "余杭市", "330100", 2001),
];

/// Current codes created recently (code, year), for the F03 "region created
/// after the birth year" warning. Partial, hand-kept; see module doc.
const CREATED: &[(&str, u16)] = &[
    ("110118", 2015),
    ("110119", 2015),
    ("370114", 2016),
    ("370115", 2018),
    ("370116", 2019),
    ("370117", 2019),
    ("330113", 2021),
    ("330114", 2021),
];

/// How a code was resolved by [`lookup_with_fallback`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// The six-digit code itself is known (current or historical).
    Exact,
    /// Only the first four digits (the prefecture) are known.
    City,
    /// Only the first two digits (the province) are known.
    Province,
}

/// A division found in free text by [`contains_division_name`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DivisionMatch {
    /// Byte offset of the match in the searched text.
    pub start: usize,
    /// Byte offset one past the match.
    pub end: usize,
    /// The text that matched (a full name or a short name).
    pub matched: String,
    /// Whether the match is a full official name (`历下区`) rather than a
    /// short one (`历下`).
    pub full_name: bool,
    /// Every current division with that (full or short) name.
    pub divisions: Vec<&'static Division>,
}

/// Province, prefecture and county of a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Chain {
    /// Province-level division.
    pub province: Option<&'static Division>,
    /// Prefecture-level division (absent for 直辖市 counties and 省直辖县).
    pub city: Option<&'static Division>,
    /// County-level division.
    pub county: Option<&'static Division>,
}

struct Table {
    all: Vec<Division>,
    by_code: HashMap<String, usize>,
    by_name: HashMap<String, Vec<usize>>,
    children: HashMap<String, Vec<usize>>,
    matcher: Option<AhoCorasick>,
    /// Per matcher pattern: (pattern, is full name, division indexes).
    patterns: Vec<(String, bool, Vec<usize>)>,
}

static TABLE: LazyLock<Table> = LazyLock::new(build_table);

fn build_table() -> Table {
    let mut all = Vec::with_capacity(3300);
    for line in CSV.lines().skip(1) {
        let f: Vec<&str> = line.trim_end_matches('\r').split(',').collect();
        // Malformed lines are skipped (the table is vendored and tested; a
        // panic here would take down every caller).
        if f.len() < 5 || f[0].len() != 6 || !f[0].bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let level = match f[2] {
            "1" => Level::Province,
            "2" => Level::City,
            "3" => Level::County,
            _ => continue,
        };
        all.push(Division {
            code: f[0].to_string(),
            name: f[1].to_string(),
            short: short_name(f[1]).to_string(),
            level,
            parent: (!f[3].is_empty()).then(|| f[3].to_string()),
            kind: f[4].to_string(),
            abolished: None,
            created: CREATED.iter().find(|(c, _)| *c == f[0]).map(|&(_, y)| y),
        });
    }
    for &(code, name, parent, year) in HISTORICAL {
        let level = if code.ends_with("00") {
            Level::City
        } else {
            Level::County
        };
        all.push(Division {
            code: code.to_string(),
            name: name.to_string(),
            short: short_name(name).to_string(),
            level,
            parent: Some(parent.to_string()),
            kind: "已撤销".to_string(),
            abolished: Some(year),
            created: None,
        });
    }
    let mut by_code = HashMap::with_capacity(all.len());
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    let mut children: HashMap<String, Vec<usize>> = HashMap::new();
    let mut pat_index: HashMap<String, usize> = HashMap::new();
    let mut patterns: Vec<(String, bool, Vec<usize>)> = Vec::new();
    for (i, d) in all.iter().enumerate() {
        // A current code wins over a historical entry with the same code.
        by_code.entry(d.code.clone()).or_insert(i);
        if let Some(p) = &d.parent {
            children.entry(p.clone()).or_default().push(i);
        }
        if d.abolished.is_some() {
            continue;
        }
        by_name.entry(d.name.clone()).or_default().push(i);
        let short = d.short.as_str();
        let mut add = |pat: &str, full: bool| {
            let k = *pat_index.entry(pat.to_string()).or_insert_with(|| {
                patterns.push((pat.to_string(), full, Vec::new()));
                patterns.len() - 1
            });
            // A pattern that is some division's full name stays "full".
            patterns[k].1 |= full;
            patterns[k].2.push(i);
        };
        add(&d.name, true);
        if short != d.name {
            add(short, false);
            by_name.entry(short.to_string()).or_default().push(i);
        }
    }
    let matcher = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(patterns.iter().map(|p| p.0.as_str()))
        .ok();
    Table {
        all,
        by_code,
        by_name,
        children,
        matcher,
        patterns,
    }
}

/// Every division in the table (current ones, then the historical entries).
pub fn all() -> &'static [Division] {
    &TABLE.all
}

/// The division with this exact six-digit code (current or historical).
pub fn lookup(code: &str) -> Option<&'static Division> {
    let t = &*TABLE;
    t.by_code.get(code).map(|&i| &t.all[i])
}

/// Resolve a six-digit code, falling back to its prefecture (`XXXX00`) and then
/// its province (`XX0000`) when the exact code is unknown.
pub fn lookup_with_fallback(code: &str) -> Option<(&'static Division, Resolution)> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some(d) = lookup(code) {
        return Some((d, Resolution::Exact));
    }
    let mut buf = [b'0'; 6];
    buf[..4].copy_from_slice(&code.as_bytes()[..4]);
    if let Some(d) = std::str::from_utf8(&buf).ok().and_then(lookup) {
        return Some((d, Resolution::City));
    }
    buf[2..4].copy_from_slice(b"00");
    std::str::from_utf8(&buf)
        .ok()
        .and_then(lookup)
        .map(|d| (d, Resolution::Province))
}

/// Divisions whose parent is `code`.
pub fn children(code: &str) -> Vec<&'static Division> {
    let t = &*TABLE;
    t.children
        .get(code)
        .map(|v| v.iter().map(|&i| &t.all[i]).collect())
        .unwrap_or_default()
}

/// Current divisions with this full name or short name (`历下区` or `历下`).
pub fn by_name(name: &str) -> Vec<&'static Division> {
    let t = &*TABLE;
    t.by_name
        .get(name)
        .map(|v| v.iter().map(|&i| &t.all[i]).collect())
        .unwrap_or_default()
}

/// Province, prefecture and county of a known code (`None` if the code is
/// not in the table; use [`lookup_with_fallback`] first for partial codes).
pub fn chain(code: &str) -> Option<Chain> {
    let mut chain = Chain {
        province: None,
        city: None,
        county: None,
    };
    let mut cur = lookup(code);
    // At most three levels; the bound guards against a cyclic table.
    for _ in 0..4 {
        let Some(d) = cur else { break };
        match d.level {
            Level::Province => chain.province = Some(d),
            Level::City => chain.city = Some(d),
            Level::County => chain.county = Some(d),
        }
        cur = d.parent.as_deref().and_then(lookup);
    }
    if chain.province.is_none() && chain.city.is_none() && chain.county.is_none() {
        return None;
    }
    Some(chain)
}

const GENERIC_SUFFIXES: &[&str] = &[
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "林区",
    "新区",
    "特区",
    "省",
    "市",
    "区",
    "县",
    "旗",
    "盟",
];

/// The 55 minority nationalities; names in division names appear with or
/// without 族 (广西壮族自治区, 新疆维吾尔自治区).
const NATIONALITIES: &[&str] = &[
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
];

/// A division name without its administrative suffix, as used in enterprise
/// names: `山东省` → `山东`, `广西壮族自治区` → `广西`, `延边朝鲜族自治州` →
/// `延边`, `历下区` → `历下`, `鄂伦春自治旗` → `鄂伦春`.
///
/// Never shortens a name to a single character: `城区`, `易县`, `和县` stay as
/// they are. Names without a known suffix are returned unchanged.
pub fn short_name(name: &str) -> &str {
    let n = name.trim();
    for suf in GENERIC_SUFFIXES {
        if let Some(stem) = n.strip_suffix(suf) {
            if stem.chars().count() < 2 {
                return n;
            }
            if suf.starts_with("自治") {
                return strip_nationalities(stem);
            }
            return stem;
        }
    }
    n
}

/// Strip trailing nationality names (`黔东南苗族侗族` → `黔东南`), keeping at
/// least two characters (`鄂伦春` stays, `内蒙古` stays).
fn strip_nationalities(mut stem: &str) -> &str {
    'outer: loop {
        for nat in NATIONALITIES {
            let with_zu_len = nat.len() + "族".len();
            let candidates: [Option<&str>; 2] = [
                stem.strip_suffix('族').and_then(|s| s.strip_suffix(nat)),
                // Without 族 only for multi-character names (宁夏回 is not a thing).
                if nat.chars().count() >= 2 {
                    stem.strip_suffix(nat)
                } else {
                    None
                },
            ];
            if let Some(rest) = candidates.into_iter().flatten().next() {
                if rest.chars().count() >= 2 {
                    stem = rest;
                    continue 'outer;
                }
                // Stripping would leave < 2 chars: keep the name but drop a
                // trailing 族 (鄂温克族 → 鄂温克).
                if stem.len() == rest.len() + with_zu_len {
                    if let Some(s) = stem.strip_suffix('族') {
                        return s;
                    }
                }
                return stem;
            }
        }
        return stem;
    }
}

/// Whether `name` is the full or short name of a current province-, prefecture-
/// or county-level division (`历下区`, `历下`, `济南`, `山东省`).
pub fn is_county_level_or_higher_name(name: &str) -> bool {
    let n = name.trim();
    !n.is_empty() && TABLE.by_name.contains_key(n)
}

/// Every division name (full or short, current divisions only) occurring in
/// `text`, leftmost-longest and non-overlapping, in text order.
///
/// Short names can be ordinary words (`中山`, `和平`, `市中`), so callers
/// should treat short-name hits as candidates, not proof.
pub fn contains_division_name(text: &str) -> Vec<DivisionMatch> {
    let t = &*TABLE;
    let Some(m) = &t.matcher else {
        return Vec::new();
    };
    m.find_iter(text)
        .map(|hit| {
            let (pat, full, idx) = &t.patterns[hit.pattern().as_usize()];
            DivisionMatch {
                start: hit.start(),
                end: hit.end(),
                matched: pat.clone(),
                full_name: *full,
                divisions: idx.iter().map(|&i| &t.all[i]).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_loads_every_row() {
        let current = all().iter().filter(|d| d.abolished.is_none()).count();
        assert_eq!(current, CSV.lines().count() - 1);
        assert_eq!(lookup("370102").unwrap().name, "历下区");
        assert_eq!(lookup("370181").unwrap().abolished, Some(2016));
        assert!(lookup("999999").is_none());
    }

    #[test]
    fn fallback() {
        assert_eq!(
            lookup_with_fallback("370199").map(|(d, r)| (d.name.as_str(), r)),
            Some(("济南市", Resolution::City))
        );
        assert_eq!(
            lookup_with_fallback("379999").map(|(d, r)| (d.name.as_str(), r)),
            Some(("山东省", Resolution::Province))
        );
        assert!(lookup_with_fallback("999999").is_none());
        assert!(lookup_with_fallback("99").is_none());
    }

    #[test]
    fn chains() {
        let c = chain("370102").unwrap();
        assert_eq!(c.province.unwrap().name, "山东省");
        assert_eq!(c.city.unwrap().name, "济南市");
        assert_eq!(c.county.unwrap().name, "历下区");
        let c = chain("110105").unwrap();
        assert_eq!(c.province.unwrap().name, "北京市");
        assert!(c.city.is_none());
        let c = chain("370181").unwrap();
        assert_eq!(c.city.unwrap().name, "济南市");
    }

    #[test]
    fn short_names() {
        for (full, short) in [
            ("山东省", "山东"),
            ("北京市", "北京"),
            ("内蒙古自治区", "内蒙古"),
            ("广西壮族自治区", "广西"),
            ("新疆维吾尔自治区", "新疆"),
            ("宁夏回族自治区", "宁夏"),
            ("西藏自治区", "西藏"),
            ("延边朝鲜族自治州", "延边"),
            ("黔东南苗族侗族自治州", "黔东南"),
            ("克孜勒苏柯尔克孜自治州", "克孜勒苏"),
            ("海西蒙古族藏族自治州", "海西"),
            ("鄂伦春自治旗", "鄂伦春"),
            ("鄂温克族自治旗", "鄂温克"),
            ("互助土族自治县", "互助"),
            ("积石山保安族东乡族撒拉族自治县", "积石山"),
            ("历下区", "历下"),
            ("市中区", "市中"),
            ("沙县区", "沙县"),
            ("城区", "城区"),
            ("易县", "易县"),
            ("神农架林区", "神农架"),
            ("浦东新区", "浦东"),
            ("阿里地区", "阿里"),
            ("兴安盟", "兴安"),
        ] {
            assert_eq!(short_name(full), short, "{full}");
        }
    }

    #[test]
    fn names_in_text() {
        assert!(is_county_level_or_higher_name("历下区"));
        assert!(is_county_level_or_higher_name("济南"));
        assert!(!is_county_level_or_higher_name("泉城"));
        let hits = contains_division_name("济南历下张三餐饮有限公司");
        let names: Vec<&str> = hits.iter().map(|h| h.matched.as_str()).collect();
        assert_eq!(names, ["济南", "历下"]);
        assert!(!hits[0].full_name);
        let hits = contains_division_name("山东省济南市历下区");
        assert!(hits.iter().all(|h| h.full_name));
        assert_eq!(hits.len(), 3);
    }
}

/// Names of the province, prefecture and county a code belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Region {
    /// Province-level name, e.g. `山东省`.
    pub province: String,
    /// Prefecture-level name, e.g. `济南市` (none for 直辖市 and 省直辖县).
    pub city: Option<String>,
    /// County-level name, e.g. `历下区` (none when only a prefix was resolved).
    pub county: Option<String>,
}

impl Region {
    /// Region of a division code (exact codes only; see [`lookup_with_fallback`]).
    pub fn of(code: &str) -> Option<Region> {
        let c = chain(code)?;
        Some(Region {
            province: c.province?.name.clone(),
            city: c.city.map(|d| d.name.clone()),
            county: c.county.map(|d| d.name.clone()),
        })
    }

    /// The names joined, e.g. `山东省济南市历下区`.
    pub fn joined(&self) -> String {
        let mut s = self.province.clone();
        for part in [&self.city, &self.county].into_iter().flatten() {
            s.push_str(part);
        }
        s
    }
}
