//! Companies and the documents about them, built from the same facts so that
//! documents agree with forms unless a defect says otherwise.

use crate::data::{self, add_years, date_between, County, Industry, Person, RegionStyle, Rng8};
use crate::docs::{FloorPlan, Health, Hygiene, Lease, License, Property};
use chrono::{Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::Rng;

/// A company (existing or being founded).
#[derive(Debug, Clone)]
pub struct Company {
    pub name: String,
    pub county: County,
    pub address: String,
    pub uscc: String,
    pub industry: &'static Industry,
    pub capital_wan: u64,
    pub company_type: String,
    pub established: NaiveDate,
    pub term_end: Option<NaiveDate>,
    pub authority: String,
    pub legal_rep: Person,
}

/// A county usable as a company seat; `district_only` restricts to 市辖区.
pub fn seat_county(rng: &mut Rng8, district_only: bool) -> County {
    let d = data::divisions();
    loop {
        let i = *d.seat_counties.choose(rng).expect("seat counties");
        let c = &d.counties[i];
        if !district_only || c.kind == "市辖区" {
            return c.clone();
        }
    }
}

/// A county in the same city as `c` (people mostly live near their company).
pub fn county_near(rng: &mut Rng8, c: &County) -> County {
    let d = data::divisions();
    if rng.gen_bool(0.6) {
        let same: Vec<&County> = d
            .counties
            .iter()
            .filter(|x| x.city == c.city && x.province == c.province)
            .collect();
        if let Some(x) = same.choose(rng) {
            return (*x).clone();
        }
    }
    d.counties.choose(rng).expect("counties").clone()
}

/// A person living near `c` (see [`county_near`]).
pub fn person_near(
    rng: &mut Rng8,
    on: NaiveDate,
    age_min: i32,
    age_max: i32,
    allow_rare: bool,
    c: &County,
) -> Person {
    let county = county_near(rng, c);
    data::person_in(rng, on, age_min, age_max, allow_rare, &county)
}

/// 登记机关 of a county.
pub fn authority(c: &County) -> String {
    if c.kind == "市辖区" {
        format!("{}{}市场监督管理局", c.city, c.name)
    } else {
        format!("{}市场监督管理局", c.name)
    }
}

/// A company name with a clean region part for `county`.
pub fn clean_name(rng: &mut Rng8, county: &County, zihao: &str, industry: &str) -> String {
    let styles: &[RegionStyle] = if county.kind == "市辖区" {
        &[
            RegionStyle::City,
            RegionStyle::CityFull,
            RegionStyle::CityDistrict,
        ]
    } else {
        &[RegionStyle::City, RegionStyle::CityFull]
    };
    let style = *styles.choose(rng).unwrap();
    let suffix = if rng.gen_bool(0.75) {
        "有限公司"
    } else {
        "有限责任公司"
    };
    data::company_name(county, style, zihao, industry, suffix)
}

/// An existing company, `years_old` years since founding as of `on`.
pub fn company(rng: &mut Rng8, on: NaiveDate, venue: bool) -> Company {
    let county = seat_county(rng, false);
    let industry = if venue {
        data::VENUE_INDUSTRIES.choose(rng).unwrap()
    } else {
        data::INDUSTRIES.choose(rng).unwrap()
    };
    let z = data::zihao(rng);
    let name = clean_name(rng, &county, &z, industry.term);
    let established = date_between(rng, add_years(on, -8), on - Duration::days(60));
    let term_end = if rng.gen_bool(0.6) {
        None
    } else {
        Some(add_years(established, 20) - Duration::days(1))
    };
    let legal_rep = person_near(rng, on, 25, 62, false, &county);
    Company {
        uscc: data::uscc_code(rng, &county.code),
        address: data::business_address(rng, &county),
        capital_wan: *[10u64, 30, 50, 100, 200, 300, 500, 1000]
            .choose(rng)
            .unwrap(),
        company_type: [
            "有限责任公司（自然人投资或控股）",
            "有限责任公司（自然人独资）",
            "其他有限责任公司",
        ][rng.gen_range(0..3)]
        .to_string(),
        established,
        term_end,
        authority: authority(&county),
        name,
        county,
        industry,
        legal_rep,
    }
}

/// The company's 营业执照.
pub fn license(c: &Company) -> License {
    License {
        uscc: c.uscc.clone(),
        name: c.name.clone(),
        company_type: c.company_type.clone(),
        legal_rep: c.legal_rep.name.clone(),
        capital_wan: c.capital_wan,
        established: c.established,
        term_end: c.term_end,
        address: c.address.clone(),
        scope: c.industry.scope.iter().map(|s| s.to_string()).collect(),
        authority: c.authority.clone(),
        issued: c.established,
    }
}

const LESSOR_INDUSTRY: &[&str] = &["置业", "房地产开发", "物业管理", "资产管理"];

/// A lessor: a person (name, ID) or a property company (name, USCC).
pub fn lessor(rng: &mut Rng8, on: NaiveDate, county: &County) -> (String, String) {
    if rng.gen_bool(0.5) {
        let p = data::person_in(rng, on, 30, 70, false, county);
        (p.name, p.id_number)
    } else {
        let z = data::zihao(rng);
        let ind = LESSOR_INDUSTRY.choose(rng).unwrap();
        let name = data::company_name(county, RegionStyle::City, &z, ind, "有限公司");
        (name, data::uscc_code(rng, &county.code))
    }
}

/// A lease of `address` to `lessee`, in force on `on` for at least 13 more months.
pub fn lease(
    rng: &mut Rng8,
    on: NaiveDate,
    county: &County,
    address: &str,
    lessee: &str,
    long: bool,
) -> Lease {
    let (lessor, lessor_id) = lessor(rng, on, county);
    let start = date_between(rng, on - Duration::days(120), on - Duration::days(3));
    let years = rng.gen_range(2..=5);
    let end = add_years(start, years) - Duration::days(1);
    let area: f64 = (rng.gen_range(3000..30000) as f64) / 100.0;
    Lease {
        lessor,
        lessor_id,
        lessee: lessee.to_string(),
        address: address.to_string(),
        area_m2: if rng.gen_bool(0.5) {
            area.round()
        } else {
            area
        },
        start,
        end,
        usage: ["办公", "商业", "商业经营", "办公用房"][rng.gen_range(0..4)].to_string(),
        rent_yuan_month: rng.gen_range(15..300) * 100,
        signed: start - Duration::days(rng.gen_range(1..20)),
        long,
    }
}

/// A 不动产权证书 of `owner` for `address`.
pub fn property(
    rng: &mut Rng8,
    county: &County,
    owner: &str,
    address: &str,
    area: f64,
) -> Property {
    let prov_abbr = province_abbr(&county.province);
    let year = rng.gen_range(2012..2024);
    let place = if county.city.is_empty() {
        county.name.clone()
    } else {
        county.city.clone()
    };
    Property {
        owner: owner.to_string(),
        address: address.to_string(),
        usage: ["商业", "办公", "商业服务"][rng.gen_range(0..3)].to_string(),
        area_m2: area,
        cert_no: format!(
            "{prov_abbr}（{year}）{place}不动产权第{:07}号",
            rng.gen_range(1..9_999_999)
        ),
        county_code: county.code.clone(),
    }
}

fn province_abbr(p: &str) -> &'static str {
    const T: &[(&str, &str)] = &[
        ("北京", "京"),
        ("天津", "津"),
        ("河北", "冀"),
        ("山西", "晋"),
        ("内蒙古", "蒙"),
        ("辽宁", "辽"),
        ("吉林", "吉"),
        ("黑龙江", "黑"),
        ("上海", "沪"),
        ("江苏", "苏"),
        ("浙江", "浙"),
        ("安徽", "皖"),
        ("福建", "闽"),
        ("江西", "赣"),
        ("山东", "鲁"),
        ("河南", "豫"),
        ("湖北", "鄂"),
        ("湖南", "湘"),
        ("广东", "粤"),
        ("广西", "桂"),
        ("海南", "琼"),
        ("重庆", "渝"),
        ("四川", "川"),
        ("贵州", "贵"),
        ("云南", "云"),
        ("西藏", "藏"),
        ("陕西", "陕"),
        ("甘肃", "甘"),
        ("青海", "青"),
        ("宁夏", "宁"),
        ("新疆", "新"),
    ];
    T.iter()
        .find(|(k, _)| p.starts_with(k))
        .map(|x| x.1)
        .unwrap_or("鲁")
}

/// A 健康证明 for `p` issued `age_days` before `on`, valid one year.
pub fn health(rng: &mut Rng8, p: &Person, county: &County, issued: NaiveDate) -> Health {
    let issuer = if rng.gen_bool(0.6) {
        format!(
            "{}疾病预防控制中心",
            if county.city.is_empty() {
                &county.name
            } else {
                &county.city
            }
        )
    } else {
        format!("{}人民医院", county.name)
    };
    let no = if rng.gen_bool(0.5) {
        format!(
            "{}{}{:05}",
            issued.format("%Y"),
            county.code,
            rng.gen_range(1..99999)
        )
    } else {
        format!("JK{}{:04}", issued.format("%Y%m%d"), rng.gen_range(1..9999))
    };
    Health {
        name: p.name.clone(),
        sex: p.sex.to_string(),
        id_number: p.id_number.clone(),
        cert_no: no,
        issued,
        valid_until: add_years(issued, 1) - Duration::days(1),
        result: "合格".into(),
        issuer,
    }
}

/// A 卫生检测报告 for a venue, inspected shortly before `on`.
pub fn hygiene(rng: &mut Rng8, on: NaiveDate, c: &Company, venue: &str, pass: bool) -> Hygiene {
    let inspected = date_between(rng, on - Duration::days(60), on - Duration::days(12));
    let reported = inspected + Duration::days(rng.gen_range(3..10));
    let city = c.county.city_short();
    let lab = if rng.gen_bool(0.5) {
        format!("{}疾病预防控制中心", c.county.city)
    } else {
        format!("{city}{}检测技术有限公司", data::zihao(rng))
    };
    let report_no = match rng.gen_range(0..3) {
        0 => format!(
            "GW{}{:04}",
            inspected.format("%Y%m"),
            rng.gen_range(1..9999)
        ),
        1 => format!(
            "JC-{}-{:05}",
            inspected.format("%Y"),
            rng.gen_range(1..99999)
        ),
        _ => format!(
            "{}WJ{:06}",
            inspected.format("%Y"),
            rng.gen_range(1..999999)
        ),
    };
    Hygiene {
        unit_name: c.name.clone(),
        unit_address: c.address.clone(),
        report_no,
        inspected,
        reported,
        lab,
        venue: venue.to_string(),
        pass,
    }
}

/// A 平面图 of the venue.
pub fn floor_plan(c: &Company, venue: &str, area: f64, drawn: NaiveDate) -> FloorPlan {
    FloorPlan {
        unit_name: c.name.clone(),
        address: c.address.clone(),
        venue: venue.to_string(),
        area_m2: area,
        drawn,
    }
}
