//! Realistic, valid synthetic data: people, addresses from GB/T 2260, identifiers
//! with correct check characters, company names, money in 大写.

use chrono::{Datelike, Duration, NaiveDate};
use prereview_validators::{resident_id, uscc};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

/// The RNG used everywhere: portable and stable across platforms and versions.
pub type Rng8 = ChaCha8Rng;

// ---------------------------------------------------------------- divisions

/// One county-level division with its parents.
#[derive(Debug, Clone)]
pub struct County {
    pub code: String,
    pub name: String,
    /// GB/T 2260 type: 市辖区, 县, 县级市, 自治县, 旗…
    pub kind: String,
    pub province: String,
    /// The prefecture-level city, empty under a 直辖市 or for a province-administered county.
    pub city: String,
}

impl County {
    /// Full administrative prefix of an address (山东省济南市历下区, 北京市朝阳区).
    pub fn full(&self) -> String {
        if self.province == self.city || self.city.is_empty() {
            format!("{}{}", self.province, self.name)
        } else {
            format!("{}{}{}", self.province, self.city, self.name)
        }
    }

    /// City and county without the province (济南市历下区), as addresses are often written.
    pub fn short(&self) -> String {
        if self.city.is_empty() {
            format!("{}{}", self.province, self.name)
        } else {
            format!("{}{}", self.city, self.name)
        }
    }

    /// City name for company names (济南, 北京), empty if none.
    pub fn city_short(&self) -> String {
        strip_suffix(&self.city)
    }

    /// County name without its suffix (历下), or empty if that would be one character.
    pub fn county_short(&self) -> String {
        let s = strip_suffix(&self.name);
        if s.chars().count() >= 2 {
            s
        } else {
            String::new()
        }
    }
}

fn strip_suffix(name: &str) -> String {
    for suf in ["自治县", "自治旗", "市", "区", "县", "旗"] {
        if let Some(s) = name.strip_suffix(suf) {
            if s.chars().count() >= 2 {
                return s.to_string();
            }
        }
    }
    name.to_string()
}

/// The division table, parsed once.
pub struct Divisions {
    pub counties: Vec<County>,
    /// Counties usable for company seats: under a 地级市 or a 直辖市, with a usable short name.
    pub seat_counties: Vec<usize>,
    /// Every division name without suffix, for keeping 字号 apart from place names.
    pub place_names: HashSet<String>,
}

static DIVISIONS: OnceLock<Divisions> = OnceLock::new();

/// GB/T 2260 divisions (from the repository's `rules/tables/divisions-gbt2260.csv`).
pub fn divisions() -> &'static Divisions {
    DIVISIONS.get_or_init(|| {
        parse_divisions(include_str!("../../../rules/tables/divisions-gbt2260.csv"))
    })
}

fn parse_divisions(csv: &str) -> Divisions {
    let mut names: BTreeMap<String, (String, String, String)> = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < 5 {
            continue;
        }
        names.insert(
            f[0].to_string(),
            (f[1].to_string(), f[3].to_string(), f[4].to_string()),
        );
    }
    let mut counties = Vec::new();
    let mut place_names = HashSet::new();
    for (code, (name, parent, kind)) in &names {
        place_names.insert(strip_suffix(name));
        place_names.insert(name.clone());
        let level3 = !code.ends_with("00");
        if !level3 {
            continue;
        }
        let Some((pname, pparent, pkind)) = names.get(parent) else {
            continue;
        };
        let (province, city) = if pkind == "直辖市" {
            (pname.clone(), pname.clone())
        } else if pparent.is_empty() {
            // Province-administered county-level city (济源市).
            (pname.clone(), String::new())
        } else {
            let prov = names.get(pparent).map(|p| p.0.clone()).unwrap_or_default();
            (prov, pname.clone())
        };
        counties.push(County {
            code: code.clone(),
            name: name.clone(),
            kind: kind.clone(),
            province,
            city,
        });
    }
    let seat_counties = counties
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            !c.city.is_empty()
                && c.city.ends_with('市')
                && c.city_short().chars().count() >= 2
                && !c.county_short().is_empty()
        })
        .map(|(i, _)| i)
        .collect();
    Divisions {
        counties,
        seat_counties,
        place_names,
    }
}

// ---------------------------------------------------------------- people

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
    "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "段", "雷", "侯", "龙",
    "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "武", "戴", "孔", "汤",
    "宁", "乔", "孟", "聂",
];
/// Less common surnames, including compound ones and characters outside GB 2312 level 1.
const RARE_SURNAMES: &[&str] = &[
    "欧阳", "上官", "诸葛", "司马", "亓", "逄", "禚", "隗", "晁", "靳", "郜", "芮", "邴", "蒯",
    "仉",
];
const GIVEN_MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞",
    "鑫", "波", "宁", "浩", "凯", "健", "俊", "帆", "宇", "峰", "建", "国", "志", "文", "博", "晨",
    "阳", "海", "林", "东", "振", "远", "航", "泽", "嘉", "睿", "子", "轩", "昊", "天", "瑞", "梓",
    "思", "成", "永", "新", "德", "庆", "长", "正", "兴", "洪", "春", "家",
];
const GIVEN_FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "燕", "红", "丹", "萍", "琳", "雪",
    "慧", "颖", "倩", "婷", "晶", "欣", "悦", "怡", "佳", "雨", "彤", "涵", "梦", "晓", "雯", "璐",
    "洁", "莉", "琴", "云", "莹", "瑶", "婉", "思", "美", "诗", "可", "心", "雅", "文", "春", "玉",
    "兰", "凤",
];
/// Rarer given-name characters (many outside GB 2312), used in the `documents` data only:
/// in submissions they would make a careful engine ask a person (X02 生僻字).
const GIVEN_RARE: &[&str] = &[
    "喆", "堃", "玥", "婧", "昳", "翀", "彧", "琰", "祎", "淏", "犇", "垚", "珺", "昶", "旻", "暐",
    "赟", "镕", "骞", "洺",
];
/// Characters one keystroke or one radical away, for the "differs by one character" defect.
pub const LOOKALIKES: &[(&str, &str)] = &[
    ("伟", "玮"),
    ("明", "铭"),
    ("华", "桦"),
    ("静", "婧"),
    ("丽", "莉"),
    ("军", "君"),
    ("杰", "洁"),
    ("芳", "方"),
    ("娜", "那"),
    ("敏", "民"),
    ("磊", "垒"),
    ("涛", "滔"),
    ("斌", "彬"),
    ("超", "潮"),
    ("刚", "钢"),
    ("平", "萍"),
    ("辉", "晖"),
    ("鹏", "朋"),
    ("飞", "菲"),
    ("波", "博"),
    ("宁", "凝"),
    ("浩", "皓"),
    ("健", "建"),
    ("宇", "雨"),
    ("峰", "锋"),
    ("晨", "辰"),
    ("阳", "洋"),
    ("林", "琳"),
    ("东", "冬"),
    ("航", "杭"),
    ("睿", "瑞"),
    ("玲", "铃"),
    ("燕", "艳"),
    ("红", "虹"),
    ("丹", "单"),
    ("琳", "林"),
    ("雪", "薛"),
    ("慧", "惠"),
    ("颖", "莹"),
    ("婷", "亭"),
    ("晶", "京"),
    ("欣", "馨"),
];
const ETHNICITIES: &[(&str, u32)] = &[
    ("汉", 900),
    ("回", 20),
    ("满", 15),
    ("蒙古", 10),
    ("壮", 12),
    ("维吾尔", 8),
    ("苗", 6),
    ("彝", 5),
    ("土家", 6),
    ("藏", 4),
    ("朝鲜", 4),
    ("侗", 3),
    ("瑶", 3),
    ("白", 2),
];
const ROADS: &[&str] = &[
    "人民路",
    "解放路",
    "建设路",
    "文化路",
    "中山路",
    "和平路",
    "新华路",
    "胜利路",
    "光明路",
    "青年路",
    "工业南路",
    "经十路",
    "花园路",
    "朝阳街",
    "幸福街",
    "迎宾大道",
    "滨河路",
    "振兴路",
    "长江路",
    "黄河路",
    "泉城路",
    "历山路",
    "兴华街",
    "新民街",
    "团结路",
    "春晖路",
    "学府路",
    "永安街",
    "东风路",
    "北园大街",
];
const ESTATES: &[&str] = &[
    "阳光花园",
    "锦绣家园",
    "翠湖小区",
    "幸福里",
    "和谐家园",
    "绿城花苑",
    "金色港湾",
    "书香苑",
    "丽景湾",
    "滨江名邸",
    "怡景园",
    "康居小区",
];
const BUILDINGS: &[&str] = &[
    "国际金融中心",
    "时代广场",
    "恒隆广场",
    "创业大厦",
    "科技园",
    "银座中心",
    "世纪大厦",
    "财富中心",
    "新城大厦",
    "万达广场",
];
const TOWNS: &[&str] = &[
    "城关镇",
    "新华镇",
    "龙泉镇",
    "柳林镇",
    "东关街道",
    "西城街道",
    "南湖镇",
    "石桥镇",
];
const VILLAGES: &[&str] = &[
    "王庄村",
    "李家村",
    "张集村",
    "东河村",
    "后屯村",
    "杨树村",
    "马店村",
    "孙楼村",
];

/// A natural person with every field a 居民身份证 shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub name: String,
    /// 男 or 女.
    pub sex: &'static str,
    pub ethnicity: &'static str,
    pub birth: NaiveDate,
    /// 住址 on the card.
    pub address: String,
    pub id_number: String,
    /// 签发机关.
    pub issuer: String,
    pub valid_from: NaiveDate,
    /// `None` = 长期.
    pub valid_until: Option<NaiveDate>,
    pub phone: String,
}

/// A name: surname + 1–2 given characters.
pub fn person_name(rng: &mut Rng8, male: bool, allow_rare: bool) -> String {
    let surname = if allow_rare && rng.gen_bool(0.15) {
        RARE_SURNAMES.choose(rng).unwrap()
    } else {
        SURNAMES.choose(rng).unwrap()
    };
    let pool = if male { GIVEN_MALE } else { GIVEN_FEMALE };
    let n = if rng.gen_bool(0.7) { 2 } else { 1 };
    let mut s = surname.to_string();
    for i in 0..n {
        if allow_rare && i == n - 1 && rng.gen_bool(0.2) {
            s.push_str(GIVEN_RARE.choose(rng).unwrap());
        } else {
            s.push_str(pool.choose(rng).unwrap());
        }
    }
    s
}

/// The same name with one given-name character replaced by a look- or sound-alike.
pub fn alter_one_char(rng: &mut Rng8, name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    // Never alter the surname: the defect is a typo in the given name.
    for i in (1..chars.len()).rev() {
        let c = chars[i].to_string();
        if let Some((_, b)) = LOOKALIKES.iter().find(|(a, _)| *a == c) {
            let mut out: String = chars[..i].iter().collect();
            out.push_str(b);
            out.extend(&chars[i + 1..]);
            return out;
        }
    }
    let last = chars.len() - 1;
    let mut out: String = chars[..last].iter().collect();
    let pool: Vec<&&str> = GIVEN_MALE
        .iter()
        .chain(GIVEN_FEMALE)
        .filter(|c| **c != chars[last].to_string())
        .collect();
    out.push_str(pool.choose(rng).unwrap());
    out
}

fn weighted_ethnicity(rng: &mut Rng8) -> &'static str {
    let total: u32 = ETHNICITIES.iter().map(|e| e.1).sum();
    let mut r = rng.gen_range(0..total);
    for (e, w) in ETHNICITIES {
        if r < *w {
            return e;
        }
        r -= w;
    }
    "汉"
}

/// A residential address in `county`.
pub fn home_address(rng: &mut Rng8, county: &County) -> String {
    let prefix = county.full();
    if county.kind == "市辖区" || rng.gen_bool(0.6) {
        let road = ROADS.choose(rng).unwrap();
        match rng.gen_range(0..3) {
            0 => format!(
                "{prefix}{road}{}号{}号楼{}单元{}{:02}",
                rng.gen_range(1..400),
                rng.gen_range(1..30),
                rng.gen_range(1..5),
                rng.gen_range(1..19),
                rng.gen_range(1..5)
            ),
            1 => format!(
                "{prefix}{road}{}号{}{}号楼{}{:02}室",
                rng.gen_range(1..400),
                ESTATES.choose(rng).unwrap(),
                rng.gen_range(1..30),
                rng.gen_range(1..30),
                rng.gen_range(1..5)
            ),
            _ => format!("{prefix}{road}{}号", rng.gen_range(1..999)),
        }
    } else {
        format!(
            "{prefix}{}{}{}号",
            TOWNS.choose(rng).unwrap(),
            VILLAGES.choose(rng).unwrap(),
            rng.gen_range(1..300)
        )
    }
}

/// A business address (住所) in `county`.
pub fn business_address(rng: &mut Rng8, county: &County) -> String {
    let prefix = county.full();
    let road = ROADS.choose(rng).unwrap();
    match rng.gen_range(0..3) {
        0 => format!(
            "{prefix}{road}{}号{}层{}{:02}室",
            rng.gen_range(1..400),
            rng.gen_range(1..25),
            rng.gen_range(1..25),
            rng.gen_range(1..20)
        ),
        1 => format!(
            "{prefix}{road}{}号{}{}层",
            rng.gen_range(1..400),
            BUILDINGS.choose(rng).unwrap(),
            rng.gen_range(1..30)
        ),
        _ => format!(
            "{prefix}{road}{}号{}号商铺",
            rng.gen_range(1..400),
            rng.gen_range(1..40)
        ),
    }
}

/// 签发机关 for a card issued in `county`.
pub fn issuer(county: &County) -> String {
    if county.kind == "市辖区" && !county.city.is_empty() {
        let short = county.name.trim_end_matches('区');
        let short = if short.chars().count() >= 2 {
            short
        } else {
            &county.name
        };
        format!("{}公安局{}分局", county.city, short)
    } else {
        format!("{}公安局", county.name)
    }
}

/// A resident ID number with a correct check character.
pub fn resident_id(rng: &mut Rng8, county_code: &str, birth: NaiveDate, male: bool) -> String {
    let mut seq: u32 = rng.gen_range(1..999);
    // Digit 17 odd = male.
    if (seq % 2 == 1) != male {
        seq = if seq >= 998 { seq - 1 } else { seq + 1 };
    }
    let first17 = format!("{county_code}{}{:03}", birth.format("%Y%m%d"), seq);
    let check = resident_id::check_character(&first17).expect("17 digits");
    format!("{first17}{check}")
}

/// The same ID number with a wrong check character.
pub fn break_id_check(id: &str) -> String {
    let first17 = &id[..17];
    let good = resident_id::check_character(first17).unwrap_or('0');
    // Step deterministically away from the correct character.
    let next = match good {
        '9' => '0',
        'X' => '3',
        c => (c as u8 + 1) as char,
    };
    format!("{first17}{next}")
}

/// Card validity by age at issue (居民身份证法 第5条): <16 → 5 y, 16–25 → 10, 26–45 → 20, ≥46 → 长期.
pub fn card_validity_years(age_at_issue: i32) -> Option<i32> {
    match age_at_issue {
        a if a < 16 => Some(5),
        a if a <= 25 => Some(10),
        a if a <= 45 => Some(20),
        _ => None,
    }
}

/// Whole years from `birth` to `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut a = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        a -= 1;
    }
    a
}

/// `d` plus `years` calendar years (29 Feb → 28 Feb).
pub fn add_years(d: NaiveDate, years: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year() + years, d.month(), d.day())
        .or_else(|| NaiveDate::from_ymd_opt(d.year() + years, d.month(), 28))
        .expect("valid date")
}

/// A uniformly random date in `[a, b]`.
pub fn date_between(rng: &mut Rng8, a: NaiveDate, b: NaiveDate) -> NaiveDate {
    let span = (b - a).num_days().max(0);
    a + Duration::days(rng.gen_range(0..=span))
}

/// A person aged `age_min..=age_max` on `on`, whose card is valid on `on`.
pub fn person(
    rng: &mut Rng8,
    on: NaiveDate,
    age_min: i32,
    age_max: i32,
    allow_rare: bool,
) -> Person {
    let divs = divisions();
    let county = divs.counties.choose(rng).expect("divisions").clone();
    person_in(rng, on, age_min, age_max, allow_rare, &county)
}

/// Like [`person`], living (and registered) in `county`.
pub fn person_in(
    rng: &mut Rng8,
    on: NaiveDate,
    age_min: i32,
    age_max: i32,
    allow_rare: bool,
    county: &County,
) -> Person {
    let male = rng.gen_bool(0.55);
    let age = rng.gen_range(age_min..=age_max);
    // Birthday such that the age on `on` is exactly `age`.
    let latest = add_years(on, -age);
    let earliest = add_years(on, -age - 1) + Duration::days(1);
    let birth = date_between(rng, earliest, latest);
    let id_number = resident_id(rng, &county.code, birth, male);
    let (valid_from, valid_until) = card_validity(rng, birth, on);
    Person {
        name: person_name(rng, male, allow_rare),
        sex: if male { "男" } else { "女" },
        ethnicity: weighted_ethnicity(rng),
        birth,
        address: home_address(rng, county),
        id_number,
        issuer: issuer(county),
        valid_from,
        valid_until,
        phone: mobile(rng),
    }
}

/// An issue date and end date consistent with the holder's age, valid on `on`
/// with at least a month left.
pub fn card_validity(
    rng: &mut Rng8,
    birth: NaiveDate,
    on: NaiveDate,
) -> (NaiveDate, Option<NaiveDate>) {
    for _ in 0..200 {
        let from = date_between(rng, add_years(on, -19), on - Duration::days(20));
        if from < birth + Duration::days(30) {
            continue;
        }
        let until = card_validity_years(age_on(birth, from)).map(|y| add_years(from, y));
        match until {
            Some(u) if u > on + Duration::days(40) => return (from, Some(u)),
            None => return (from, None),
            _ => {}
        }
    }
    // Young holder: a card issued last year always works.
    let from = on - Duration::days(200);
    (
        from,
        card_validity_years(age_on(birth, from)).map(|y| add_years(from, y)),
    )
}

/// A mainland mobile number.
pub fn mobile(rng: &mut Rng8) -> String {
    let p = ["13", "15", "17", "18", "19"].choose(rng).unwrap();
    format!(
        "{p}{}{:08}",
        rng.gen_range(0..10),
        rng.gen_range(0..100_000_000u32)
    )
}

// ---------------------------------------------------------------- companies

/// Industry terms with their 经营范围 items and (for public venues) the 场所类别.
#[derive(Debug)]
pub struct Industry {
    pub term: &'static str,
    pub scope: &'static [&'static str],
    pub venue: Option<&'static str>,
}

/// Industries of ordinary companies (no pre-licensed items, so M03 stays out of it).
pub const INDUSTRIES: &[Industry] = &[
    Industry {
        term: "网络科技",
        scope: &[
            "软件开发",
            "信息技术咨询服务",
            "网络技术服务",
            "信息系统集成服务",
        ],
        venue: None,
    },
    Industry {
        term: "信息技术",
        scope: &["软件开发", "数据处理和存储支持服务", "信息技术咨询服务"],
        venue: None,
    },
    Industry {
        term: "商贸",
        scope: &[
            "日用百货销售",
            "五金产品零售",
            "服装服饰零售",
            "文具用品零售",
        ],
        venue: None,
    },
    Industry {
        term: "文化传媒",
        scope: &[
            "组织文化艺术交流活动",
            "广告设计、代理",
            "会议及展览服务",
            "图文设计制作",
        ],
        venue: None,
    },
    Industry {
        term: "物流",
        scope: &[
            "普通货物仓储服务（不含危险化学品等需许可审批的项目）",
            "国内货物运输代理",
            "装卸搬运",
        ],
        venue: None,
    },
    Industry {
        term: "环保科技",
        scope: &[
            "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广",
            "环保咨询服务",
            "资源再生利用技术研发",
        ],
        venue: None,
    },
    Industry {
        term: "教育咨询",
        scope: &[
            "教育咨询服务（不含涉许可审批的教育培训活动）",
            "业务培训（不含教育培训、职业技能培训等需取得许可的培训）",
        ],
        venue: None,
    },
    Industry {
        term: "企业管理咨询",
        scope: &["企业管理咨询", "市场营销策划", "社会经济咨询服务"],
        venue: None,
    },
];

/// Industries of public venues (公共场所卫生许可).
pub const VENUE_INDUSTRIES: &[Industry] = &[
    Industry {
        term: "酒店管理",
        scope: &["许可项目：住宿服务", "一般项目：酒店管理", "会议及展览服务"],
        venue: Some("住宿场所"),
    },
    Industry {
        term: "美容美发",
        scope: &["许可项目：理发服务；生活美容服务", "一般项目：化妆品零售"],
        venue: Some("美容美发场所"),
    },
    Industry {
        term: "洗浴服务",
        scope: &[
            "许可项目：洗浴服务",
            "一般项目：足浴服务；养生保健服务（非医疗）",
        ],
        venue: Some("沐浴场所"),
    },
    Industry {
        term: "体育发展",
        scope: &[
            "许可项目：高危险性体育运动（游泳）",
            "一般项目：健身休闲活动；体育用品及器材零售",
        ],
        venue: Some("游泳场所"),
    },
];

const ZIHAO_CHARS: &[&str] = &[
    "泉", "悦", "鑫", "源", "华", "创", "恒", "泰", "博", "远", "嘉", "禾", "锦", "程", "瑞", "丰",
    "启", "航", "明", "德", "晟", "睿", "宏", "盛", "弘", "毅", "诚", "信", "达", "益", "康", "辰",
    "新", "拓", "捷", "优", "迈", "卓", "越", "润", "泽", "祥", "和", "聚", "贤", "朗", "峻", "科",
    "正",
];

/// Words that must never appear in a clean name (exact examples from the 2017 禁限用规则,
/// restricted words of 规定第12条, and a few misleading ones).
pub const NAME_FORBIDDEN: &[&str] = &[
    "支那",
    "黑太阳",
    "大地主",
    "九一一",
    "东突",
    "占中",
    "大东亚",
    "大和",
    "福尔摩萨",
    "妻妾成群",
    "海洛因",
    "推牌九",
    "帝王",
    "鬼都",
    "八一",
    "中国",
    "中华",
    "中央",
    "全国",
    "国家",
    "国际",
    "最佳",
    "最高级",
];

/// Forbidden words used by the "forbidden word" defect.
pub const DEFECT_FORBIDDEN: &[&str] = &["海洛因", "推牌九", "妻妾成群", "黑太阳"];

/// A 字号 of two characters that is no place name and holds no forbidden word.
pub fn zihao(rng: &mut Rng8) -> String {
    let divs = divisions();
    loop {
        let a = ZIHAO_CHARS.choose(rng).unwrap();
        let b = ZIHAO_CHARS.choose(rng).unwrap();
        if a == b {
            continue;
        }
        let z = format!("{a}{b}");
        if divs.place_names.contains(&z) || NAME_FORBIDDEN.iter().any(|w| z.contains(w)) {
            continue;
        }
        return z;
    }
}

/// How the region part of a company name is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionStyle {
    /// 济南泉悦… (city without 市).
    City,
    /// 济南市泉悦….
    CityFull,
    /// 济南历下泉悦… (city + 市辖区, both without suffix).
    CityDistrict,
    /// 历下泉悦… (a 市辖区 alone: L02 defect).
    DistrictOnly,
}

/// A company name: region + 字号 + industry + 有限公司.
pub fn company_name(
    county: &County,
    style: RegionStyle,
    zihao: &str,
    industry: &str,
    suffix: &str,
) -> String {
    let region = match style {
        RegionStyle::City => county.city_short(),
        RegionStyle::CityFull => county.city.clone(),
        RegionStyle::CityDistrict => format!("{}{}", county.city_short(), county.county_short()),
        RegionStyle::DistrictOnly => county.county_short(),
    };
    format!("{region}{zihao}{industry}{suffix}")
}

/// A USCC for a company registered in `county_code`, with correct GB 11714 and GB 32100 check characters.
pub fn uscc_code(rng: &mut Rng8, county_code: &str) -> String {
    const ORG: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    // Modern codes start their organisation body with MA (assigned from 2015 on).
    let mut body = String::from("MA");
    for _ in 0..6 {
        body.push(ORG[rng.gen_range(0..ORG.len())] as char);
    }
    let org_check = org_code_check(&body);
    let first17 = format!("91{county_code}{body}{org_check}");
    let c = uscc::check_character(&first17).expect("USCC alphabet");
    format!("{first17}{c}")
}

/// The same USCC with a wrong check character.
pub fn break_uscc_check(code: &str) -> String {
    let first17 = &code[..17];
    let good = uscc::check_character(first17).unwrap_or('0');
    let alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    let idx = alphabet.find(good).unwrap_or(0);
    let bad = alphabet.as_bytes()[(idx + 7) % 31] as char;
    format!("{first17}{bad}")
}

/// GB 11714 organisation-code check character for an 8-character body (letters A=10…Z=35).
fn org_code_check(body: &str) -> char {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(c, w)| {
            let v = if c.is_ascii_digit() {
                (c - b'0') as u32
            } else {
                (c - b'A') as u32 + 10
            };
            v * w
        })
        .sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        v => (b'0' + v as u8) as char,
    }
}

// ---------------------------------------------------------------- amounts and dates

const DIGITS_UPPER: [&str; 10] = ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"];

/// An integer amount of yuan in 大写 (`伍佰万元整`).
pub fn yuan_upper(n: u64) -> String {
    if n == 0 {
        return "零元整".into();
    }
    let groups = [
        (n / 100_000_000, "亿"),
        ((n / 10_000) % 10_000, "万"),
        (n % 10_000, ""),
    ];
    let mut out = String::new();
    let mut started = false;
    let mut gap = false;
    for (g, unit) in groups {
        let g = g as u32;
        if g == 0 {
            gap |= started;
            continue;
        }
        if started && (gap || g < 1000) {
            out.push('零');
        }
        out.push_str(&section_upper(g));
        out.push_str(unit);
        started = true;
        gap = false;
    }
    out.push_str("元整");
    out
}

fn section_upper(n: u32) -> String {
    let d = [n / 1000, n / 100 % 10, n / 10 % 10, n % 10];
    let u = ["仟", "佰", "拾", ""];
    let mut out = String::new();
    let (mut started, mut zero) = (false, false);
    for i in 0..4 {
        if d[i] == 0 {
            zero |= started;
        } else {
            if zero {
                out.push('零');
                zero = false;
            }
            out.push_str(DIGITS_UPPER[d[i] as usize]);
            out.push_str(u[i]);
            started = true;
        }
    }
    out
}

/// `2025年3月5日`, zero-padded when `padded`.
pub fn cn_date(d: NaiveDate, padded: bool) -> String {
    if padded {
        format!("{}年{:02}月{:02}日", d.year(), d.month(), d.day())
    } else {
        format!("{}年{}月{}日", d.year(), d.month(), d.day())
    }
}

/// `2025.03.05`.
pub fn dotted_date(d: NaiveDate) -> String {
    d.format("%Y.%m.%d").to_string()
}

/// `2025-03-05`.
pub fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A number in 万元 as JSON-friendly f64 text (`50`, `12.5`).
pub fn wan_text(w: f64) -> String {
    if (w - w.round()).abs() < 1e-9 {
        format!("{}", w.round() as i64)
    } else {
        format!("{w}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn upper_case_amounts() {
        assert_eq!(yuan_upper(5_000_000), "伍佰万元整");
        assert_eq!(yuan_upper(10_500_000), "壹仟零伍拾万元整");
        assert_eq!(yuan_upper(1_000_050_000), "壹拾亿零伍万元整");
        assert_eq!(yuan_upper(100_000), "壹拾万元整");
        assert_eq!(yuan_upper(6_800), "陆仟捌佰元整");
        assert_eq!(yuan_upper(1_005), "壹仟零伍元整");
    }

    #[test]
    fn identifiers_validate_and_broken_ones_do_not() {
        let mut rng = Rng8::seed_from_u64(3);
        let on = NaiveDate::from_ymd_opt(2025, 11, 20).unwrap();
        for _ in 0..500 {
            let p = person(&mut rng, on, 18, 80, true);
            let check = resident_id::check_character(&p.id_number[..17]).unwrap();
            assert!(p.id_number.ends_with(check), "{}", p.id_number);
            assert_eq!(&p.id_number[6..14], p.birth.format("%Y%m%d").to_string());
            let odd = (p.id_number.as_bytes()[16] - b'0') % 2 == 1;
            assert_eq!(odd, p.sex == "男");
            assert!(divisions()
                .counties
                .iter()
                .any(|c| c.code == p.id_number[..6]));
            let bad = break_id_check(&p.id_number);
            assert!(!bad.ends_with(check));
            // Card validity matches the age at issue (居民身份证法 第5条).
            let years = card_validity_years(age_on(p.birth, p.valid_from));
            assert_eq!(p.valid_until, years.map(|y| add_years(p.valid_from, y)));
            assert!(p.valid_until.iter().all(|u| *u > on));
            let code = uscc_code(&mut rng, &p.id_number[..6]);
            let c = uscc::check_character(&code[..17]).unwrap();
            assert!(code.ends_with(c), "{code}");
            assert_eq!(org_code_check(&code[8..16]), code.chars().nth(16).unwrap());
            assert!(!break_uscc_check(&code).ends_with(c));
        }
    }

    #[test]
    fn org_code_example() {
        // GB 11714 example from the rule catalog: 55138508 → 2.
        assert_eq!(org_code_check("55138508"), '2');
    }

    #[test]
    fn names_differ_by_exactly_one_character() {
        let mut rng = Rng8::seed_from_u64(5);
        for _ in 0..200 {
            let male = rng.gen_bool(0.5);
            let n = person_name(&mut rng, male, false);
            let m = alter_one_char(&mut rng, &n);
            assert_eq!(n.chars().count(), m.chars().count());
            assert_eq!(
                n.chars().zip(m.chars()).filter(|(a, b)| a != b).count(),
                1,
                "{n} {m}"
            );
        }
    }
}
