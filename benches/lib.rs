//! Shared helpers for the benchmarks.
//!
//! - [`rng`]: a small deterministic random generator (no seed from the clock, so
//!   every run measures the same inputs).
//! - [`rules`]: the shipped rule files, and a rules folder restricted to chosen rules.
//! - [`company`]: varied `company_establishment` submissions (form and documents read).
//! - [`handwritten`]: the 20 engine-bench rules written by hand over typed structs,
//!   the baseline the compiled rules are compared with.

pub mod rng {
    /// SplitMix64: tiny, fast, and good enough to vary test data.
    #[derive(Debug, Clone)]
    pub struct Rng(u64);

    impl Rng {
        pub fn new(seed: u64) -> Self {
            Rng(seed)
        }
        pub fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        /// Uniform in `0..n` (`n > 0`).
        pub fn below(&mut self, n: u64) -> u64 {
            self.next_u64() % n
        }
        /// Uniform in `lo..=hi`.
        pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
            lo + self.below((hi - lo + 1) as u64) as i64
        }
        /// True with probability `p`.
        pub fn chance(&mut self, p: f64) -> bool {
            (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
        }
        pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len() as u64) as usize]
        }
        /// Uniform in `lo..hi` (f32).
        pub fn unit(&mut self, lo: f32, hi: f32) -> f32 {
            lo + (hi - lo) * ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32)
        }
    }
}

pub mod rules {
    //! Rule files: the shipped packs, and variants restricted to some rules.

    use prereview_dsl::ir::RuleSet;
    use std::path::PathBuf;
    use std::sync::Arc;

    /// The 20 company_establishment rules of the engine bench, in the order the
    /// compiled procedure lists them (files sorted by name, rules in file order).
    pub const BENCH_RULES: [&str; 20] = [
        "CE-M01",   // completeness: missing documents (per person, by subject or ID)
        "CE-X02-1", // legal representative name = ID card name
        "CE-X02-2", // shareholder name = ID card name (per natural shareholder)
        "CE-X02-3", // ID card number = attachment subject
        "CE-X04-1", // Σ subscribed capital = registered capital
        "CE-L05-1", // forbidden words in the name (table, Aho-Corasick)
        "CE-L09-1", // contribution deadline ≤ 5 years (per shareholder; in force from 2024-07-01)
        "CE-L10",   // forbidden contribution method (table)
        "CE-L11",   // legal representative is a director or manager
        "CE-L12-1", // legal representative aged ≥ 16 (reject) / ≥ 18 (review)
        "CE-L13",   // supervisor is not a director or manager
        "CE-L16-1", // lease in force on the submission date
        "CE-F03-1", // legal representative ID number valid
        "CE-F03-2", // shareholder ID numbers valid
        "CE-F03-3", // officer ID numbers valid
        "CE-F04-1", // ID card not expired
        "CE-F06",   // registered capital in words = in figures
        "CE-F07-2", // contribution deadline after submission
        "CE-F08",   // phone number format
        "CE-F05",   // no letters or digits in the name (regex)
    ];

    /// The repository's `rules/` folder.
    pub fn rules_dir() -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules"))
    }

    /// Every shipped rule file (both packs, documents, params, tables, tests).
    pub fn shipped_files() -> Vec<(String, String)> {
        let dir = rules_dir();
        prereview_dsl::load::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read rules folder {}: {e}", dir.display()))
    }

    /// A rules folder with one pack, keeping its procedure, the document kinds,
    /// params and tables, and only the rules named in `keep`.
    pub fn restricted(
        files: &[(String, String)],
        pack: &str,
        keep: &[&str],
    ) -> Vec<(String, String)> {
        let prefix = format!("{pack}/");
        let mut found = Vec::new();
        let out = files
            .iter()
            .filter(|(p, _)| !p.contains("/tests/"))
            .filter_map(|(p, text)| {
                if !p.ends_with(".rules") {
                    return Some((p.clone(), text.clone()));
                }
                if !p.starts_with(&prefix) {
                    return None;
                }
                if p.ends_with("/procedure.rules") {
                    return Some((p.clone(), text.clone()));
                }
                let mut kept = String::new();
                let mut copying = false;
                for line in text.lines() {
                    if let Some(rest) = line.strip_prefix("rule ") {
                        let id = rest.split_whitespace().next().unwrap_or("");
                        copying = keep.contains(&id);
                        if copying {
                            found.push(id.to_string());
                        }
                    }
                    if copying {
                        kept.push_str(line);
                        kept.push('\n');
                        if line.trim_end() == "}" {
                            copying = false;
                        }
                    }
                }
                Some((p.clone(), kept))
            })
            .collect();
        for id in keep {
            assert!(
                found.iter().any(|f| f == id),
                "rule {id} not found in pack {pack}"
            );
        }
        out
    }

    /// Compiles rule files, panicking with the diagnostics if they do not compile.
    pub fn compile(files: &[(String, String)]) -> Arc<RuleSet> {
        let c = prereview_dsl::compile(files);
        match c.rule_set {
            Some(rs) => rs,
            None => panic!(
                "rules do not compile: {:?}",
                c.errors().map(|d| format!("{d:?}")).collect::<Vec<_>>()
            ),
        }
    }

    /// The engine bench's rule set: company_establishment restricted to [`BENCH_RULES`].
    pub fn bench_rule_set() -> Arc<RuleSet> {
        compile(&restricted(
            &shipped_files(),
            "company_establishment",
            &BENCH_RULES,
        ))
    }
}

pub mod company {
    //! Varied, deterministic `company_establishment` submissions.
    //!
    //! About a third carry a defect of some kind (invalid ID number, capital not
    //! adding up, deadline beyond five years, forbidden contribution method or name
    //! word, supervisor who is also director, minor legal representative, expired
    //! ID card or lease, missing or mismatched ID card, wrong amount in words, bad
    //! phone…), and some documents have fields read with too little confidence.

    use crate::rng::Rng;
    use chrono::{Datelike, Duration, NaiveDate};
    use prereview_engine::{DocumentInput, SubmissionInput};
    use prereview_model::document::{ReadDocument, ReadField};
    use serde_json::{json, Value};
    use std::collections::BTreeMap;

    const SURNAMES: &[&str] = &[
        "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高",
        "林", "何", "郭", "马", "罗", "欧阳", "司马",
    ];
    const GIVEN: &[&str] = &[
        "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
        "明", "超", "秀英", "霞", "平", "刚", "桂英", "晓雯", "明远", "建国", "子涵", "浩然",
        "雨桐", "思远", "一鸣",
    ];
    /// (6-digit division code, province, city, district) for addresses and ID numbers.
    const PLACES: &[(&str, &str, &str, &str)] = &[
        ("370102", "山东省", "济南市", "历下区"),
        ("370103", "山东省", "济南市", "市中区"),
        ("370112", "山东省", "济南市", "历城区"),
        ("370202", "山东省", "青岛市", "市南区"),
        ("110101", "北京市", "北京市", "东城区"),
        ("310104", "上海市", "上海市", "徐汇区"),
        ("440305", "广东省", "深圳市", "南山区"),
        ("320102", "江苏省", "南京市", "玄武区"),
        ("330106", "浙江省", "杭州市", "西湖区"),
        ("510107", "四川省", "成都市", "武侯区"),
    ];
    const NAME_REGIONS: &[&str] = &[
        "济南市",
        "济南",
        "青岛市",
        "山东",
        "北京",
        "上海市",
        "深圳市",
        "济南市历下区",
        "济南历城",
    ];
    const TRADE_NAMES: &[&str] = &[
        "泉悦", "华信", "明达", "鼎盛", "恒通", "瑞丰", "嘉禾", "博远", "宏图", "启航", "云帆",
        "卓越", "盛世", "安泰", "金诚", "翰林", "青禾", "远山",
    ];
    const INDUSTRIES: &[&str] = &[
        "网络科技",
        "商贸",
        "餐饮管理",
        "信息技术",
        "建筑工程",
        "文化传媒",
        "物流",
        "医药科技",
        "教育咨询",
        "农业发展",
    ];
    const ROADS: &[&str] = &[
        "泉城路",
        "经十路",
        "文化东路",
        "山大南路",
        "香港中路",
        "长安街",
        "淮海中路",
        "深南大道",
        "中山路",
        "天府大道",
    ];
    const LESSORS: &[&str] = &[
        "济南泉城置业有限公司",
        "青岛海景物业管理有限公司",
        "北京东方房地产开发有限公司",
        "深圳南山产业园运营有限公司",
    ];

    #[derive(Clone)]
    struct Person {
        name: String,
        id: String,
        birth: NaiveDate,
        male: bool,
        place: usize,
    }

    fn iso(d: NaiveDate) -> String {
        d.format("%Y-%m-%d").to_string()
    }

    fn person(r: &mut Rng, today: NaiveDate, age: (i64, i64), taken: &[Person]) -> Person {
        loop {
            let name = format!(
                "{}{}",
                r.pick(SURNAMES),
                if r.chance(0.6) {
                    r.pick(GIVEN).to_string()
                } else {
                    format!("{}{}", r.pick(GIVEN), r.pick(GIVEN))
                }
            );
            let days = r.range(age.0 * 365 + 5, age.1 * 365 + 300);
            let birth = today - Duration::days(days);
            let place = r.below(PLACES.len() as u64) as usize;
            let seq = r.range(1, 999);
            let male = seq % 2 == 1;
            let first17 = format!("{}{}{:03}", PLACES[place].0, birth.format("%Y%m%d"), seq);
            let check =
                prereview_validators::resident_id::check_character(&first17).expect("17 digits");
            let id = format!("{first17}{check}");
            if taken.iter().all(|p| p.id != id && p.name != name) {
                return Person {
                    name,
                    id,
                    birth,
                    male,
                    place,
                };
            }
        }
    }

    /// Makes the ID number fail its checksum (the check character replaced).
    fn break_checksum(id: &str) -> String {
        let last = id.chars().last().unwrap_or('0');
        let other = if last == '3' { '7' } else { '3' };
        format!("{}{other}", &id[..17])
    }

    fn address(r: &mut Rng, place: usize, with_province: bool) -> String {
        let (_, prov, city, district) = PLACES[place];
        let head = if with_province && prov != city {
            format!("{prov}{city}{district}")
        } else {
            format!("{city}{district}")
        };
        format!(
            "{head}{}{}号{}层{}室",
            r.pick(ROADS),
            r.range(1, 399),
            r.range(1, 30),
            r.range(101, 2999)
        )
    }

    fn field(r: &mut Rng, value: Value, low: bool, identifier: bool) -> ReadField {
        let confidence = if low {
            r.unit(0.35, 0.78)
        } else if identifier {
            r.unit(0.92, 0.995)
        } else {
            // Above the rules' text threshold (0.90): trusted readings.
            r.unit(0.91, 0.995)
        };
        let placed = r.chance(0.5);
        ReadField {
            value: Some(value),
            confidence,
            page: placed.then_some(1),
            bbox: placed.then(|| {
                [
                    r.range(50, 600) as u32,
                    r.range(50, 900) as u32,
                    r.range(80, 500) as u32,
                    r.range(24, 48) as u32,
                ]
            }),
            reason: None,
            raw: None,
        }
    }

    fn document(
        r: &mut Rng,
        kind: &str,
        file: String,
        subject: Option<String>,
        values: Vec<(&str, Value, bool)>,
    ) -> DocumentInput {
        // A few documents have one field read with too little confidence, or not at all.
        let doubtful = if r.chance(0.025) {
            Some(r.below(values.len() as u64) as usize)
        } else {
            None
        };
        let unread = r.chance(0.15);
        let mut fields = BTreeMap::new();
        for (i, (name, v, identifier)) in values.into_iter().enumerate() {
            let mut f = field(r, v, doubtful == Some(i) && !unread, identifier);
            if doubtful == Some(i) && unread {
                f.value = None;
                f.confidence = 0.0;
                f.reason = Some("未找到该字段".into());
            }
            fields.insert(name.to_string(), f);
        }
        DocumentInput {
            document: ReadDocument {
                file,
                kind: kind.into(),
                fields,
                pages: Some(1),
                error: None,
            },
            subject,
        }
    }

    fn id_card(r: &mut Rng, p: &Person, today: NaiveDate, file: String) -> DocumentInput {
        // Issued some time ago with the period the holder's age then prescribes.
        let mut issued = today - Duration::days(r.range(30, 3000));
        if prereview_validators::date::age_on(p.birth, issued).is_none_or(|a| a < 16) {
            // Issued before 16: valid five years, so issued recently enough.
            issued = today - Duration::days(r.range(30, 1500));
        }
        let age_at_issue = prereview_validators::date::age_on(p.birth, issued).unwrap_or(0);
        let years = match age_at_issue {
            a if a < 16 => Some(5),
            a if a <= 25 => Some(10),
            a if a <= 45 => Some(20),
            _ => None,
        };
        let mut until = match years {
            Some(y) => json!(iso(
                prereview_validators::date::add_years(issued, y).unwrap_or(issued)
            )),
            None => json!("长期"),
        };
        if r.chance(0.007) {
            until = json!(iso(today - Duration::days(r.range(1, 400))));
        }
        let name = if r.chance(0.01) {
            // OCR or typing mismatch between the form and the card.
            format!("{}{}", r.pick(SURNAMES), r.pick(GIVEN))
        } else {
            p.name.clone()
        };
        let subject = r.chance(0.9).then(|| p.id.clone());
        let addr = address(r, p.place, true);
        let (_, _, city, district) = PLACES[p.place];
        document(
            r,
            "id_card",
            file,
            subject,
            vec![
                ("name", json!(name), false),
                ("sex", json!(if p.male { "男" } else { "女" }), false),
                ("ethnicity", json!("汉"), false),
                ("birth_date", json!(iso(p.birth)), false),
                ("address", json!(addr), false),
                ("id_number", json!(p.id), true),
                (
                    "issuer",
                    json!(format!("{city}公安局{district}分局")),
                    false,
                ),
                ("valid_from", json!(iso(issued)), false),
                ("valid_until", until, false),
            ],
        )
    }

    /// `n` submissions from `seed`: the same seed always gives the same submissions.
    pub fn generate(n: usize, seed: u64) -> Vec<SubmissionInput> {
        (0..n).map(|i| submission(seed, i)).collect()
    }

    /// The `i`-th submission of the series `seed`.
    pub fn submission(seed: u64, i: usize) -> SubmissionInput {
        let mut r = Rng::new(seed ^ (i as u64).wrapping_mul(0xA076_1D64_78BD_642F));
        let r = &mut r;
        let base = NaiveDate::from_ymd_opt(2024, 3, 1).expect("date");
        let today = base + Duration::days(r.range(0, 820));

        // People: the legal representative (usually the first shareholder), the
        // shareholders, a manager and a supervisor.
        let mut people: Vec<Person> = Vec::new();
        let lr_age = if r.chance(0.005) {
            (14, 15)
        } else if r.chance(0.01) {
            (16, 17)
        } else {
            (22, 68)
        };
        let lr = person(r, today, lr_age, &people);
        people.push(lr.clone());
        let n_sh = match r.below(100) {
            0..=34 => 1,
            35..=69 => 2,
            70..=84 => 3,
            85..=94 => 4,
            _ => 5,
        };
        let lr_is_shareholder = r.chance(0.9);
        let capital_wan: i64 = if r.chance(0.5) {
            *r.pick(&[3, 10, 30, 50, 100, 200, 500, 1000])
        } else {
            r.range(1, 2000)
        };
        // Split in units of 0.01 万元 across the shareholders.
        let units = capital_wan * 100;
        let mut cuts: Vec<i64> = (1..n_sh).map(|_| r.range(1, units.max(2) - 1)).collect();
        cuts.sort_unstable();
        let mut shares = Vec::new();
        let mut prev = 0;
        for c in cuts.iter().chain(std::iter::once(&units)) {
            shares.push((*c - prev).max(0));
            prev = *c;
        }
        if r.chance(0.03) {
            // The shareholders' amounts do not add up to the registered capital.
            let k = r.below(shares.len() as u64) as usize;
            shares[k] += r.range(1, 500) * if r.chance(0.5) { 1 } else { -1 };
        }
        let mut shareholders = Vec::new();
        for (k, units) in shares.iter().enumerate() {
            let legal = k > 0 && r.chance(0.1);
            let deadline = if r.chance(0.015) {
                today + Duration::days(r.range(1830, 2600))
            } else if r.chance(0.007) {
                today - Duration::days(r.range(0, 200))
            } else {
                today + Duration::days(r.range(90, 1790))
            };
            let method = if r.chance(0.015) {
                *r.pick(&["劳务", "信用", "商誉", "设定担保的财产"])
            } else if r.chance(0.1) {
                *r.pick(&["实物", "知识产权", "股权", "土地使用权"])
            } else {
                "货币"
            };
            let amount = *units as f64 / 100.0;
            if legal {
                shareholders.push(json!({
                    "name": format!("{}{}有限公司", r.pick(NAME_REGIONS), r.pick(TRADE_NAMES)),
                    "kind": "legal",
                    "uscc": "91370102MA3C8GQX4N",
                    "subscribed_wan": amount,
                    "method": method,
                    "deadline": iso(deadline),
                }));
                continue;
            }
            let p = if k == 0 && lr_is_shareholder {
                lr.clone()
            } else {
                let p = person(r, today, (20, 75), &people);
                people.push(p.clone());
                p
            };
            let mut id = p.id.clone();
            if r.chance(0.007) {
                id = break_checksum(&id);
            }
            shareholders.push(json!({
                "name": p.name,
                "kind": "natural",
                "id_number": id,
                "subscribed_wan": amount,
                "method": method,
                "deadline": iso(deadline),
            }));
        }

        // Officers: the legal representative as executive director (and maybe
        // manager), and a supervisor who is someone else.
        let mut officers = Vec::new();
        let director_is_lr = !r.chance(0.02);
        let director = if director_is_lr {
            lr.clone()
        } else {
            let p = person(r, today, (25, 65), &people);
            people.push(p.clone());
            p
        };
        if director_is_lr && r.chance(0.3) {
            officers.push(("执行董事兼经理", director.clone()));
        } else {
            officers.push(("执行董事", director.clone()));
            if r.chance(0.5) {
                let m = if r.chance(0.5) {
                    director.clone()
                } else {
                    let p = person(r, today, (25, 65), &people);
                    people.push(p.clone());
                    p
                };
                officers.push(("经理", m));
            }
        }
        if !director_is_lr {
            // The legal representative holds no director or manager post.
            officers.push(("财务负责人", lr.clone()));
        }
        let supervisor = if r.chance(0.02) {
            director.clone()
        } else {
            let p = person(r, today, (22, 70), &people);
            people.push(p.clone());
            p
        };
        officers.push(("监事", supervisor));
        let officers_json: Vec<Value> = officers
            .iter()
            .map(|(pos, p)| json!({ "name": p.name, "id_number": p.id, "position": pos }))
            .collect();

        // Name.
        let mut trade = r.pick(TRADE_NAMES).to_string();
        if r.chance(0.02) {
            trade = r.pick(&["帝王", "军品", "国防", "战略研究"]).to_string();
        } else if r.chance(0.02) {
            trade = format!("{trade}{}", r.pick(&["ABC", "１号", "E家", "360"]));
        }
        let company_name = format!(
            "{}{}{}{}",
            r.pick(NAME_REGIONS),
            trade,
            r.pick(INDUSTRIES),
            r.pick(&["有限公司", "有限责任公司"])
        );

        let place = r.below(PLACES.len() as u64) as usize;
        let addr = address(r, place, true);
        let lease = r.chance(0.85);
        let lessor = r.pick(LESSORS).to_string();
        let term_start = today - Duration::days(r.range(0, 700));
        let term_end = if r.chance(0.02) {
            today - Duration::days(r.range(1, 300))
        } else {
            // One to five years, ending at least a month after the submission.
            let mut years = r.range(1, 5) as i32;
            loop {
                let end = prereview_validators::date::add_years(term_start, years)
                    .unwrap_or(NaiveDate::MAX);
                if end > today + Duration::days(30) {
                    break end;
                }
                years += 1;
            }
        };
        let premises = if lease {
            let mut p = json!({
                "kind": "lease",
                "term_start": iso(term_start),
                "term_end": iso(term_end),
            });
            if r.chance(0.9) {
                p["lessor"] = json!(lessor);
            }
            p
        } else {
            json!({ "kind": "own" })
        };

        let phone = if r.chance(0.02) {
            r.pick(&["1234567", "2591234567", "138-0531"]).to_string()
        } else {
            format!("1{}{:09}", r.range(3, 9), r.below(1_000_000_000))
        };
        let mut form = json!({
            "company_name": company_name,
            "org_form": "有限责任公司",
            "registered_capital_wan": capital_wan,
            "address": addr,
            "business_scope": "软件开发；信息技术咨询服务；网络技术服务",
            "operating_term": "长期",
            "legal_representative": { "name": lr.name, "id_number": lr.id, "phone": phone },
            "shareholders": shareholders,
            "officers": officers_json,
            "premises": premises,
        });
        if r.chance(0.005) {
            form["legal_representative"]["id_number"] = json!(break_checksum(&lr.id));
        }
        if r.chance(0.6) {
            let mut fen = capital_wan * 1_000_000;
            if r.chance(0.04) {
                fen += 100_000 * r.range(1, 9);
            }
            form["registered_capital_upper"] =
                json!(prereview_validators::amount::format_rmb_upper(fen).expect("non-negative"));
        }

        // Documents: one ID card per person (a few missing), the lease or title deed.
        let mut documents = Vec::new();
        let mut missing_card = r.chance(0.025);
        for (k, p) in people.iter().enumerate() {
            if missing_card && (k > 0 || r.chance(0.3)) {
                missing_card = false;
                continue;
            }
            documents.push(id_card(r, p, today, format!("id_{k}.png")));
        }
        if lease && !r.chance(0.02) {
            let lessee = if r.chance(0.9) {
                company_name.clone()
            } else {
                lr.name.clone()
            };
            let area = r.range(20, 800) as f64 + 0.5;
            documents.push(document(
                r,
                "lease_contract",
                "lease.png".into(),
                None,
                vec![
                    ("lessor", json!(lessor), false),
                    ("lessee", json!(lessee), false),
                    ("premises_address", json!(addr), false),
                    ("area_m2", json!(area), false),
                    ("term_start", json!(iso(term_start)), false),
                    ("term_end", json!(iso(term_end)), false),
                    ("usage", json!("办公"), false),
                ],
            ));
        }
        if !lease && !r.chance(0.03) {
            let area = r.range(20, 800) as f64;
            documents.push(document(
                r,
                "property_certificate",
                "property.png".into(),
                None,
                vec![
                    ("owner", json!(company_name), false),
                    ("address", json!(addr), false),
                    ("usage", json!("商业"), false),
                    ("area_m2", json!(area), false),
                ],
            ));
        }
        SubmissionInput {
            id: format!("BENCH-{seed:x}-{i:06}-{}", today.year()),
            procedure: "company_establishment".into(),
            submitted_at: Ok(today),
            form,
            documents,
        }
    }
}

pub mod handwritten {
    //! The 20 bench rules ([`crate::rules::BENCH_RULES`]) written by hand over plain
    //! structs, with the same three-valued semantics as the compiled rules where it
    //! matters (a field read with too little confidence is unknown; an unknown
    //! operand makes the check `review`), using the same validators.

    use aho_corasick::AhoCorasick;
    use chrono::NaiveDate;
    use prereview_engine::{Decision, SubmissionInput};
    use prereview_model::document::ReadDocument;
    use prereview_validators::{amount, date, phone, resident_id, text};
    use serde::{Deserialize, Deserializer};
    use std::collections::HashSet;

    /// One rule's outcome for one submission or list item.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Out {
        Pass,
        NotApplicable,
        /// The index of the check that failed (the worst, as the engine picks it).
        Fail(u8),
        Review,
    }

    impl From<&Decision> for Out {
        fn from(d: &Decision) -> Out {
            match d {
                Decision::Pass => Out::Pass,
                Decision::NotApplicable => Out::NotApplicable,
                Decision::Fail(i, _) => Out::Fail(*i as u8),
                Decision::Review(_) => Out::Review,
            }
        }
    }

    fn fen<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let wan = f64::deserialize(d)?;
        if wan.is_finite() && wan.abs() < 1e9 {
            Ok((wan * 1_000_000.0).round() as i64)
        } else {
            Err(serde::de::Error::custom("amount out of range"))
        }
    }

    #[derive(Debug, Deserialize)]
    pub struct Form {
        pub company_name: String,
        #[serde(rename = "registered_capital_wan", deserialize_with = "fen")]
        pub registered_capital_fen: i64,
        #[serde(default)]
        pub registered_capital_upper: Option<String>,
        pub address: String,
        pub legal_representative: LegalRep,
        pub shareholders: Vec<Shareholder>,
        pub officers: Vec<Officer>,
        pub premises: Premises,
    }

    #[derive(Debug, Deserialize)]
    pub struct LegalRep {
        pub name: String,
        pub id_number: String,
        pub phone: String,
    }

    #[derive(Debug, Deserialize)]
    pub struct Shareholder {
        pub name: String,
        pub kind: String,
        #[serde(default)]
        pub id_number: Option<String>,
        #[serde(rename = "subscribed_wan", deserialize_with = "fen")]
        pub subscribed_fen: i64,
        pub method: String,
        pub deadline: NaiveDate,
    }

    #[derive(Debug, Deserialize)]
    pub struct Officer {
        pub name: String,
        pub id_number: String,
        pub position: String,
    }

    #[derive(Debug, Deserialize)]
    pub struct Premises {
        pub kind: String,
    }

    /// An ID card as read; `None` = unreadable or below the confidence threshold.
    #[derive(Debug)]
    pub struct IdCard {
        pub name: Option<String>,
        pub id_number: Option<String>,
        pub valid_until: Option<NaiveDate>,
        /// The attachment's subject (whose card it says it is); `None` = not stated.
        pub subject: Option<String>,
    }

    #[derive(Debug)]
    pub struct Lease {
        pub term_start: Option<NaiveDate>,
        pub term_end: Option<NaiveDate>,
    }

    /// One submission as plain typed structs.
    #[derive(Debug)]
    pub struct Submission {
        pub submitted_at: NaiveDate,
        pub form: Form,
        pub id_cards: Vec<IdCard>,
        pub leases: Vec<Lease>,
        pub property_certificates: usize,
    }

    // As `rules/params.toml`: ocr_min_confidence, ocr_min_confidence_identifier.
    const MIN_TEXT: f32 = 0.90;
    const MIN_IDENTIFIER: f32 = 0.90;

    fn read_text(d: &ReadDocument, name: &str, min: f32) -> Option<String> {
        if d.error.is_some() {
            return None;
        }
        let f = d.fields.get(name)?;
        if f.confidence < min {
            return None;
        }
        match f.value.as_ref()? {
            serde_json::Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }

    fn read_date(d: &ReadDocument, name: &str) -> Option<NaiveDate> {
        if d.error.is_some() {
            return None;
        }
        let f = d.fields.get(name)?;
        if f.confidence < MIN_TEXT {
            return None;
        }
        let s = f.value.as_ref()?.as_str()?.trim();
        if s == "长期" {
            return Some(NaiveDate::MAX);
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .or_else(|| date::parse_date(s).ok())
    }

    /// Converts the engine's input (form JSON, documents read) to the structs.
    pub fn convert(input: &SubmissionInput) -> Result<Submission, String> {
        let submitted_at = input.submitted_at.clone()?;
        let form = Form::deserialize(&input.form).map_err(|e| e.to_string())?;
        let mut id_cards = Vec::new();
        let mut leases = Vec::new();
        let mut property_certificates = 0;
        for d in &input.documents {
            let doc = &d.document;
            match doc.kind.as_str() {
                "id_card" => id_cards.push(IdCard {
                    name: read_text(doc, "name", MIN_TEXT),
                    id_number: read_text(doc, "id_number", MIN_IDENTIFIER),
                    valid_until: read_date(doc, "valid_until"),
                    subject: d.subject.clone(),
                }),
                "lease_contract" => leases.push(Lease {
                    term_start: read_date(doc, "term_start"),
                    term_end: read_date(doc, "term_end"),
                }),
                "property_certificate" => property_certificates += 1,
                _ => {}
            }
        }
        Ok(Submission {
            submitted_at,
            form,
            id_cards,
            leases,
            property_certificates,
        })
    }

    /// Same result as comparing `text::compact_code` of both, without allocating
    /// for ASCII input.
    fn same_code(a: &str, b: &str) -> bool {
        if !(a.is_ascii() && b.is_ascii()) {
            return text::compact_code(a) == text::compact_code(b);
        }
        let canon = |s: &'_ str| {
            s.bytes()
                .filter(|&c| !(c as char).is_whitespace() && c != b'-')
                .map(|c| match c {
                    b'[' | b'{' => b'(',
                    b']' | b'}' => b')',
                    c => c.to_ascii_uppercase(),
                })
                .collect::<smallvec_free::Bytes>()
        };
        canon(a) == canon(b)
    }

    mod smallvec_free {
        /// Up to 32 bytes inline (ID numbers are 18), else compared as a `Vec`.
        #[derive(PartialEq, Eq)]
        pub enum Bytes {
            Inline([u8; 32], usize),
            Heap(Vec<u8>),
        }
        impl FromIterator<u8> for Bytes {
            fn from_iter<I: IntoIterator<Item = u8>>(it: I) -> Self {
                let mut buf = [0u8; 32];
                let mut n = 0;
                let mut it = it.into_iter();
                for c in it.by_ref() {
                    if n == 32 {
                        let mut v = buf.to_vec();
                        v.push(c);
                        v.extend(it);
                        return Bytes::Heap(v);
                    }
                    buf[n] = c;
                    n += 1;
                }
                Bytes::Inline(buf, n)
            }
        }
    }

    fn same_text(a: &str, b: &str) -> bool {
        a == b || text::normalize(a) == text::normalize(b)
    }

    fn holds(position: &str, what: &str) -> bool {
        text::normalize(position).contains(what)
    }

    fn pass_if(ok: bool) -> Out {
        if ok {
            Out::Pass
        } else {
            Out::Fail(0)
        }
    }

    enum Lookup<'a> {
        Found(&'a IdCard),
        /// A card without subject whose number could not be read might be the one.
        Doubtful,
        Absent,
    }

    /// The ID card of the person with number `id`: by the attachment's subject,
    /// else by the number read on the card.
    fn card_of<'a>(cards: &'a [IdCard], id: &str) -> Lookup<'a> {
        let mut doubtful = false;
        for c in cards {
            if let Some(s) = &c.subject {
                if same_code(s, id) {
                    return Lookup::Found(c);
                }
                continue;
            }
            match &c.id_number {
                Some(n) if same_code(n, id) => return Lookup::Found(c),
                None => doubtful = true,
                _ => {}
            }
        }
        if doubtful {
            Lookup::Doubtful
        } else {
            Lookup::Absent
        }
    }

    fn name_matches_card(cards: &[IdCard], id: &str, name: &str) -> Out {
        match card_of(cards, id) {
            Lookup::Absent => Out::NotApplicable,
            Lookup::Doubtful => Out::Review,
            Lookup::Found(c) => match &c.name {
                None => Out::Review,
                Some(n) => pass_if(same_text(n, name)),
            },
        }
    }

    /// Pushes one outcome per item, or `NotApplicable` once for no items.
    fn each<T>(out: &mut Vec<Out>, items: impl Iterator<Item = T>, mut f: impl FnMut(T) -> Out) {
        let before = out.len();
        for it in items {
            out.push(f(it));
        }
        if out.len() == before {
            out.push(Out::NotApplicable);
        }
    }

    /// The data the checks use: word lists indexed once.
    pub struct Checks {
        forbidden_name_words: AhoCorasick,
        forbidden_methods: HashSet<String>,
        /// The day the five-year contribution limit took effect.
        l09_from: NaiveDate,
    }

    fn table_entries(file: &str) -> Vec<String> {
        #[derive(Deserialize)]
        struct Table {
            entries: Vec<String>,
        }
        let path = crate::rules::rules_dir().join("tables").join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let t: Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        t.entries.iter().map(|e| text::normalize(e)).collect()
    }

    impl Default for Checks {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Checks {
        pub fn new() -> Self {
            Checks {
                forbidden_name_words: AhoCorasick::new(table_entries("forbidden_name_words.toml"))
                    .expect("automaton"),
                forbidden_methods: table_entries("forbidden_contribution_methods.toml")
                    .into_iter()
                    .collect(),
                l09_from: NaiveDate::from_ymd_opt(2024, 7, 1).expect("date"),
            }
        }

        /// Appends the outcomes of the 20 rules in [`crate::rules::BENCH_RULES`]
        /// order, one per list item for `for each` rules.
        pub fn check(&self, s: &Submission, out: &mut Vec<Out>) {
            let today = s.submitted_at;
            let f = &s.form;
            let lr = &f.legal_representative;
            let cards = &s.id_cards[..];
            let natural = || f.shareholders.iter().filter(|sh| sh.kind == "natural");

            // CE-M01: every required document present.
            out.push(self.missing_documents(s));
            // CE-X02-1..3: names and numbers as on the ID cards.
            let card_name = name_matches_card(cards, &lr.id_number, &lr.name);
            out.push(card_name);
            each(out, natural(), |sh| match &sh.id_number {
                None => Out::NotApplicable,
                Some(id) => name_matches_card(cards, id, &sh.name),
            });
            each(
                out,
                cards.iter().filter(|c| c.subject.is_some()),
                |c| match (&c.id_number, &c.subject) {
                    (Some(n), Some(s)) => pass_if(same_text(n, s)),
                    _ => Out::Review,
                },
            );
            // CE-X04-1: Σ subscribed = registered.
            let total = f
                .shareholders
                .iter()
                .try_fold(0i64, |t, sh| t.checked_add(sh.subscribed_fen));
            out.push(match total {
                Some(t) => pass_if(t == f.registered_capital_fen),
                None => Out::Review,
            });
            // CE-L05-1: no forbidden word in the name.
            let name = text::normalize(&f.company_name);
            out.push(pass_if(!self.forbidden_name_words.is_match(&name)));
            // CE-L09-1: deadline within five years (in force from 2024-07-01).
            if today >= self.l09_from {
                let limit = date::add_years(today, 5);
                each(out, f.shareholders.iter(), |sh| match limit {
                    Some(l) => pass_if(sh.deadline <= l),
                    None => Out::Review,
                });
            }
            // CE-L10: no forbidden contribution method.
            each(out, f.shareholders.iter(), |sh| {
                pass_if(
                    !self
                        .forbidden_methods
                        .contains(&text::normalize(&sh.method)),
                )
            });
            // CE-L11: the legal representative is a director or manager.
            let executive = |o: &Officer| holds(&o.position, "董事") || holds(&o.position, "经理");
            out.push(pass_if(
                f.officers
                    .iter()
                    .any(|o| same_text(&o.id_number, &lr.id_number) && executive(o)),
            ));
            // CE-L12-1: age ≥ 16 (reject), ≥ 18 (review).
            let lr_id = resident_id::validate(&lr.id_number, today);
            let age = if lr_id.valid {
                lr_id.birth_date.and_then(|b| date::age_on(b, today))
            } else {
                None
            };
            out.push(match age {
                None => Out::Review,
                Some(a) if a < 16 => Out::Fail(0),
                Some(a) if a < 18 => Out::Fail(1),
                Some(_) => Out::Pass,
            });
            // CE-L13: a supervisor is no director or manager.
            each(
                out,
                f.officers.iter().filter(|m| holds(&m.position, "监事")),
                |m| {
                    pass_if(
                        !f.officers
                            .iter()
                            .any(|o| executive(o) && same_text(&o.id_number, &m.id_number)),
                    )
                },
            );
            // CE-L16-1: the lease is in force (Kleene `and`).
            each(out, s.leases.iter(), |l| {
                let started = l.term_start.map(|d| d <= today);
                let running = l.term_end.map(|d| today <= d);
                match (started, running) {
                    (Some(false), _) | (_, Some(false)) => Out::Fail(0),
                    (Some(true), Some(true)) => Out::Pass,
                    _ => Out::Review,
                }
            });
            // CE-F03-1..3: ID numbers valid.
            out.push(pass_if(lr_id.valid));
            each(out, natural(), |sh| match &sh.id_number {
                None => Out::Review,
                Some(id) => pass_if(resident_id::validate(id, today).valid),
            });
            each(out, f.officers.iter(), |o| {
                pass_if(resident_id::validate(&o.id_number, today).valid)
            });
            // CE-F04-1: ID cards not expired.
            each(out, cards.iter(), |c| match c.valid_until {
                None => Out::Review,
                Some(d) => pass_if(d >= today),
            });
            // CE-F06: capital in words = in figures.
            out.push(match &f.registered_capital_upper {
                None => Out::NotApplicable,
                Some(t) => match amount::parse_amount_text(t) {
                    Ok(p) => pass_if(p.fen == f.registered_capital_fen),
                    Err(_) => Out::Review,
                },
            });
            // CE-F07-2: deadline after the submission date.
            each(out, f.shareholders.iter(), |sh| {
                pass_if(sh.deadline > today)
            });
            // CE-F08: phone number format.
            out.push(pass_if(phone::validate_phone(&lr.phone).valid));
            // CE-F05: no Latin letters or Arabic digits in the name.
            out.push(pass_if(!name.bytes().any(|b| b.is_ascii_alphanumeric())));
        }

        fn missing_documents(&self, s: &Submission) -> Out {
            let f = &s.form;
            let mut missing = false;
            let mut unknown = false;
            let mut need = |id: Option<&str>| match id {
                None => unknown = true,
                Some(id) => match card_of(&s.id_cards, id) {
                    Lookup::Found(_) => {}
                    Lookup::Doubtful => unknown = true,
                    Lookup::Absent => missing = true,
                },
            };
            need(Some(&f.legal_representative.id_number));
            for sh in f.shareholders.iter().filter(|sh| sh.kind == "natural") {
                need(sh.id_number.as_deref());
            }
            match f.premises.kind.as_str() {
                "lease" => missing |= s.leases.is_empty(),
                "own" => missing |= s.leases.is_empty() && s.property_certificates == 0,
                _ => {}
            }
            if missing {
                Out::Fail(0)
            } else if unknown {
                Out::Review
            } else {
                Out::Pass
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::handwritten::{convert, Checks, Out};
    use super::*;
    use prereview_engine::Engine;
    use std::collections::BTreeMap;

    #[test]
    fn generator_is_deterministic_and_varied() {
        let a = company::generate(50, 7);
        let b = company::generate(50, 7);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.form, y.form);
            assert_eq!(x.documents.len(), y.documents.len());
        }
        let names: std::collections::HashSet<_> = a
            .iter()
            .map(|s| s.form["company_name"].to_string())
            .collect();
        assert!(names.len() > 30, "names should vary: {names:?}");
    }

    #[test]
    fn amounts_in_words_parse_back() {
        for wan in [1i64, 3, 10, 100, 1005, 1999, 2000] {
            let fen = wan * 1_000_000;
            let t = prereview_validators::amount::format_rmb_upper(fen).unwrap();
            assert_eq!(
                prereview_validators::amount::parse_amount_text(&t)
                    .unwrap()
                    .fen,
                fen,
                "{t}"
            );
        }
    }

    /// The hand-written checks and the compiled rules agree on every submission,
    /// and the generated data exercises every outcome.
    #[test]
    fn handwritten_agrees_with_compiled_rules() {
        let rs = rules::bench_rule_set();
        let p = rs.procedure("company_establishment").unwrap();
        let ids: Vec<&str> = p.rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, rules::BENCH_RULES);
        let engine = Engine::new(rs.clone());
        let pi = engine.procedure_index("company_establishment").unwrap();
        let checks = Checks::new();
        let mut defective = 0;
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let n = 3000;
        for input in company::generate(n, 42) {
            let (facts, params) = engine.facts(pi, &input);
            let compiled: Vec<Out> = engine
                .decide(pi, &facts, &params)
                .iter()
                .map(Out::from)
                .collect();
            let mut hand = Vec::new();
            checks.check(&convert(&input).unwrap(), &mut hand);
            assert_eq!(compiled, hand, "{}: {:#?}", input.id, input);
            if hand.iter().any(|o| matches!(o, Out::Fail(_) | Out::Review)) {
                defective += 1;
            }
            for o in hand {
                *seen.entry(format!("{o:?}")).or_default() += 1;
            }
        }
        assert!(
            (n / 5..n / 2).contains(&defective),
            "{defective} of {n} defective"
        );
        for want in ["Pass", "NotApplicable", "Fail(0)", "Fail(1)", "Review"] {
            assert!(seen.contains_key(want), "no {want} outcome: {seen:?}");
        }
    }
}
