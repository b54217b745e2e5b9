//! Whole submission folders (contract §1) with an `expected.json` verdict.

use crate::data::{self, add_years, date_between, Person, RegionStyle, Rng8};
use crate::degrade::Quality;
use crate::docs::{DocData, Kind};
use crate::{mix, output, world, Error};
use chrono::{Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;
use std::path::Path;

/// The two procedures of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Procedure {
    /// 有限责任公司设立登记.
    CompanyEstablishment,
    /// 公共场所卫生许可证 新办.
    PublicVenueHealthPermit,
}

/// A defect that can be injected into a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Defect {
    /// The name on an ID card differs from the form by one character (X02 → reject).
    NameMismatchIdCard,
    /// A resident ID number on the form has a wrong check character (F03 → reject).
    FormIdChecksum,
    /// A health certificate expired before `submitted_at` (L15 → reject).
    ExpiredHealthCertificate,
    /// An employee on the form has no health certificate (X09 → reject).
    MissingHealthCertificate,
    /// The lease ended before `submitted_at` (L16 → reject).
    LeaseExpired,
    /// Σ subscribed capital ≠ registered capital (X04 → reject).
    CapitalSumMismatch,
    /// A contribution deadline more than 5 years after `submitted_at` (L09 → reject).
    #[serde(rename = "deadline_over_5_years")]
    #[value(name = "deadline_over_5_years")]
    DeadlineOver5Years,
    /// Contribution by 劳务 (L10 → reject).
    LaborContribution,
    /// The supervisor is also the executive director (L13 → reject).
    SupervisorIsDirector,
    /// A natural-person shareholder under 16 (→ review).
    MinorShareholder,
    /// The legal representative is 17 (L12 → review).
    #[serde(rename = "legal_rep_aged_17")]
    #[value(name = "legal_rep_aged_17")]
    LegalRepAged17,
    /// The hygiene report concludes 不合格 (L20 → reject).
    HygieneFail,
    /// The company name contains a forbidden word (L05 → reject).
    ForbiddenWordInName,
    /// The name's region is a 市辖区 without its city (L02 → reject).
    DistrictWithoutCity,
    /// The licence's (and form's) USCC has a wrong check character (F01 → reject).
    LicenceUsccCheck,
    /// The premises/licence address differs from the form's (X05 → reject).
    AddressMismatch,
    /// One document is scanned so badly nobody can read it (→ review).
    IllegibleDocument,
}

impl Defect {
    /// Every defect, in a fixed order.
    pub const ALL: [Defect; 17] = [
        Defect::NameMismatchIdCard,
        Defect::FormIdChecksum,
        Defect::ExpiredHealthCertificate,
        Defect::MissingHealthCertificate,
        Defect::LeaseExpired,
        Defect::CapitalSumMismatch,
        Defect::DeadlineOver5Years,
        Defect::LaborContribution,
        Defect::SupervisorIsDirector,
        Defect::MinorShareholder,
        Defect::LegalRepAged17,
        Defect::HygieneFail,
        Defect::ForbiddenWordInName,
        Defect::DistrictWithoutCity,
        Defect::LicenceUsccCheck,
        Defect::AddressMismatch,
        Defect::IllegibleDocument,
    ];

    /// The code written to `expected.json` (snake case, as on the command line).
    pub fn code(self) -> &'static str {
        match self {
            Defect::NameMismatchIdCard => "name_mismatch_id_card",
            Defect::FormIdChecksum => "form_id_checksum",
            Defect::ExpiredHealthCertificate => "expired_health_certificate",
            Defect::MissingHealthCertificate => "missing_health_certificate",
            Defect::LeaseExpired => "lease_expired",
            Defect::CapitalSumMismatch => "capital_sum_mismatch",
            Defect::DeadlineOver5Years => "deadline_over_5_years",
            Defect::LaborContribution => "labor_contribution",
            Defect::SupervisorIsDirector => "supervisor_is_director",
            Defect::MinorShareholder => "minor_shareholder",
            Defect::LegalRepAged17 => "legal_rep_aged_17",
            Defect::HygieneFail => "hygiene_fail",
            Defect::ForbiddenWordInName => "forbidden_word_in_name",
            Defect::DistrictWithoutCity => "district_without_city",
            Defect::LicenceUsccCheck => "licence_uscc_check",
            Defect::AddressMismatch => "address_mismatch",
            Defect::IllegibleDocument => "illegible_document",
        }
    }

    /// The rule-catalog rule that should catch it.
    pub fn rule(self) -> &'static str {
        match self {
            Defect::NameMismatchIdCard => "X02",
            Defect::FormIdChecksum => "F03",
            Defect::ExpiredHealthCertificate => "L15",
            Defect::MissingHealthCertificate => "X09",
            Defect::LeaseExpired => "L16",
            Defect::CapitalSumMismatch => "X04",
            Defect::DeadlineOver5Years => "L09",
            Defect::LaborContribution => "L10",
            Defect::SupervisorIsDirector => "L13",
            Defect::MinorShareholder => "L12",
            Defect::LegalRepAged17 => "L12",
            Defect::HygieneFail => "L20",
            Defect::ForbiddenWordInName => "L05",
            Defect::DistrictWithoutCity => "L02",
            Defect::LicenceUsccCheck => "F01",
            Defect::AddressMismatch => "X05",
            Defect::IllegibleDocument => "OCR",
        }
    }

    /// The verdict it alone leads to.
    pub fn verdict(self) -> Verdict {
        match self {
            Defect::MinorShareholder | Defect::LegalRepAged17 | Defect::IllegibleDocument => {
                Verdict::Review
            }
            _ => Verdict::Reject,
        }
    }

    /// Whether the defect can occur in `p`.
    pub fn applies_to(self, p: Procedure) -> bool {
        use Defect::*;
        match p {
            Procedure::CompanyEstablishment => !matches!(
                self,
                ExpiredHealthCertificate
                    | MissingHealthCertificate
                    | HygieneFail
                    | LicenceUsccCheck
            ),
            Procedure::PublicVenueHealthPermit => matches!(
                self,
                NameMismatchIdCard
                    | FormIdChecksum
                    | ExpiredHealthCertificate
                    | MissingHealthCertificate
                    | HygieneFail
                    | LicenceUsccCheck
                    | AddressMismatch
                    | IllegibleDocument
            ),
        }
    }
}

/// The verdict of `expected.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Review,
    Reject,
}

/// Options of `prereview-docgen submissions`.
#[derive(Debug, Clone)]
pub struct SubmissionOptions {
    pub count: usize,
    pub seed: u64,
    /// Pages per submission (all attachments), drawn uniformly from this range.
    pub pages_min: usize,
    pub pages_max: usize,
    /// Share of submissions with a defect (0–1), spread evenly over the sequence.
    pub defect_share: f64,
    /// Defects to use, in this order, cycling; empty = all, in a seed-shuffled order.
    pub defects: Vec<Defect>,
    /// Scan qualities allowed; empty = all (mixed as described in the crate docs).
    pub qualities: Vec<Quality>,
}

impl Default for SubmissionOptions {
    fn default() -> Self {
        SubmissionOptions {
            count: 8,
            seed: 1,
            pages_min: 5,
            pages_max: 10,
            defect_share: 0.4,
            defects: Vec::new(),
            qualities: Vec::new(),
        }
    }
}

/// One expected defect.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExpectedDefect {
    pub code: String,
    pub rule: String,
    pub description: String,
}

/// `expected.json`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Expected {
    pub verdict: Verdict,
    pub defects: Vec<ExpectedDefect>,
}

/// What was generated for one submission.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub id: String,
    pub procedure: Procedure,
    pub expected: Expected,
    pub attachments: usize,
    pub pages: u32,
}

// ---------------------------------------------------------------- submission.json

#[derive(Serialize)]
struct SubmissionJson<F: Serialize> {
    id: String,
    procedure: Procedure,
    submitted_at: String,
    form: F,
    attachments: Vec<AttachmentJson>,
}

#[derive(Serialize)]
struct AttachmentJson {
    kind: String,
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
}

#[derive(Serialize, Clone)]
struct CeForm {
    company_name: String,
    org_form: String,
    registered_capital_wan: u64,
    address: String,
    business_scope: String,
    operating_term: String,
    legal_representative: CeLegalRep,
    shareholders: Vec<Shareholder>,
    officers: Vec<Officer>,
    premises: Premises,
}

#[derive(Serialize, Clone)]
struct CeLegalRep {
    name: String,
    id_number: String,
    phone: String,
}

#[derive(Serialize, Clone)]
struct Shareholder {
    name: String,
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uscc: Option<String>,
    subscribed_wan: u64,
    method: String,
    deadline: String,
}

#[derive(Serialize, Clone)]
struct Officer {
    name: String,
    id_number: String,
    position: String,
}

#[derive(Serialize, Clone)]
struct Premises {
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    lessor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    term_start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    term_end: Option<String>,
}

#[derive(Serialize, Clone)]
struct GwForm {
    unit_name: String,
    uscc: String,
    legal_representative: GwLegalRep,
    address: String,
    venue_category: String,
    business_area_m2: f64,
    employees: Vec<Employee>,
}

#[derive(Serialize, Clone)]
struct GwLegalRep {
    name: String,
    id_number: String,
}

#[derive(Serialize, Clone)]
struct Employee {
    name: String,
    id_number: String,
    health_certificate_no: String,
}

// ---------------------------------------------------------------- building

struct Att {
    stem: String,
    doc: DocData,
    subject: Option<String>,
    /// The document shows the defect: keep it readable.
    carries_defect: bool,
    illegible: bool,
}

enum Form {
    Ce(CeForm),
    Gw(GwForm),
}

struct Built {
    form: Form,
    atts: Vec<Att>,
    defects: Vec<ExpectedDefect>,
}

fn expected_defect(d: Defect, description: String) -> ExpectedDefect {
    ExpectedDefect {
        code: d.code().to_string(),
        rule: d.rule().to_string(),
        description,
    }
}

fn card(p: &Person, stem: String, subject: &str) -> Att {
    Att {
        stem,
        doc: DocData::IdCard(p.clone()),
        subject: Some(subject.to_string()),
        carries_defect: false,
        illegible: false,
    }
}

fn plain(stem: &str, doc: DocData) -> Att {
    Att {
        stem: stem.to_string(),
        doc,
        subject: None,
        carries_defect: false,
        illegible: false,
    }
}

/// A different address in the same county (another house number).
fn other_address(rng: &mut Rng8, county: &data::County, not: &str) -> String {
    loop {
        let a = data::business_address(rng, county);
        if a != not {
            return a;
        }
    }
}

fn build_ce(rng: &mut Rng8, submitted: NaiveDate, pages: usize, defect: Option<Defect>) -> Built {
    use Defect::*;
    let is = |d: Defect| defect == Some(d);
    let county = world::seat_county(rng, is(DistrictWithoutCity));
    let industry = data::INDUSTRIES.choose(rng).unwrap();
    let zihao = if is(ForbiddenWordInName) {
        data::DEFECT_FORBIDDEN.choose(rng).unwrap().to_string()
    } else {
        data::zihao(rng)
    };
    let name = if is(DistrictWithoutCity) {
        data::company_name(
            &county,
            RegionStyle::DistrictOnly,
            &zihao,
            industry.term,
            "有限公司",
        )
    } else {
        world::clean_name(rng, &county, &zihao, industry.term)
    };
    let address = data::business_address(rng, &county);
    let lease_premises = is(LeaseExpired) || rng.gen_bool(0.75);
    let long_lease = lease_premises && rng.gen_bool(0.4);
    let with_prop = !lease_premises || rng.gen_bool(0.3);
    let premises_pages = if lease_premises {
        1 + long_lease as usize
    } else {
        0
    } + with_prop as usize;
    let mut n_cards = pages.saturating_sub(premises_pages).clamp(1, 6);
    if is(MinorShareholder) {
        n_cards = n_cards.max(2);
    }
    let mut lr_is_shareholder = rng.gen_bool(0.8);
    let mut n_nat = if lr_is_shareholder {
        n_cards
    } else {
        n_cards - 1
    };
    if n_nat == 0 {
        lr_is_shareholder = true;
        n_nat = 1;
    }
    if is(MinorShareholder) && lr_is_shareholder && n_nat < 2 {
        n_nat = 2;
    }
    let (amin, amax) = if is(LegalRepAged17) {
        (17, 17)
    } else {
        (25, 62)
    };
    let lr = world::person_near(rng, submitted, amin, amax, false, &county);
    let mut naturals: Vec<Person> = Vec::new();
    if lr_is_shareholder {
        naturals.push(lr.clone());
    }
    let mut minor_name = None;
    while naturals.len() < n_nat {
        let (a, b) = if is(MinorShareholder) && minor_name.is_none() {
            (12, 15)
        } else {
            (22, 65)
        };
        let p = world::person_near(rng, submitted, a, b, false, &county);
        if a == 12 {
            minor_name = Some((p.name.clone(), data::age_on(p.birth, submitted)));
        }
        naturals.push(p);
    }
    // Sometimes a company is a shareholder too.
    let legal_holder = if rng.gen_bool(0.15) {
        Some(world::company(rng, submitted, false))
    } else {
        None
    };
    let n_holders = naturals.len() + legal_holder.is_some() as usize;
    let capital = *[10u64, 30, 50, 100, 200, 300, 500, 1000]
        .choose(rng)
        .unwrap();
    let weights: Vec<u64> = (0..n_holders).map(|_| rng.gen_range(1..10)).collect();
    let wsum: u64 = weights.iter().sum();
    let rest = capital - n_holders as u64;
    let mut subs: Vec<u64> = weights.iter().map(|w| 1 + rest * w / wsum).collect();
    let diff = capital - subs.iter().sum::<u64>();
    subs[0] += diff;
    let deadline_max = add_years(submitted, 5) - Duration::days(60);
    let common_deadline = date_between(rng, submitted + Duration::days(365), deadline_max);
    let same = rng.gen_bool(0.7);
    let mut shareholders: Vec<Shareholder> = Vec::new();
    for (i, p) in naturals.iter().enumerate() {
        let dl = if same {
            common_deadline
        } else {
            date_between(rng, submitted + Duration::days(180), deadline_max)
        };
        shareholders.push(Shareholder {
            name: p.name.clone(),
            kind: "natural".into(),
            id_number: Some(p.id_number.clone()),
            uscc: None,
            subscribed_wan: subs[i],
            method: "货币".into(),
            deadline: data::iso(dl),
        });
    }
    if let Some(c) = &legal_holder {
        shareholders.push(Shareholder {
            name: c.name.clone(),
            kind: "legal".into(),
            id_number: None,
            uscc: Some(c.uscc.clone()),
            subscribed_wan: subs[n_holders - 1],
            method: "货币".into(),
            deadline: data::iso(common_deadline),
        });
    }
    // Officers: the legal rep is 执行董事; the 监事 is someone else.
    let manager = if rng.gen_bool(0.7) {
        lr.clone()
    } else {
        world::person_near(rng, submitted, 25, 60, false, &county)
    };
    let supervisor = if is(SupervisorIsDirector) {
        lr.clone()
    } else if let Some(p) = naturals.iter().find(|p| {
        p.id_number != lr.id_number
            && p.id_number != manager.id_number
            && data::age_on(p.birth, submitted) >= 18
    }) {
        p.clone()
    } else {
        world::person_near(rng, submitted, 25, 60, false, &county)
    };
    let officers = vec![
        Officer {
            name: lr.name.clone(),
            id_number: lr.id_number.clone(),
            position: "执行董事".into(),
        },
        Officer {
            name: manager.name.clone(),
            id_number: manager.id_number.clone(),
            position: "经理".into(),
        },
        Officer {
            name: supervisor.name.clone(),
            id_number: supervisor.id_number.clone(),
            position: "监事".into(),
        },
    ];
    let mut lease = world::lease(rng, submitted, &county, &address, &name, long_lease);
    let area = lease.area_m2;
    let mut defects = Vec::new();
    if is(LeaseExpired) {
        let end = submitted - Duration::days(rng.gen_range(10..200));
        lease.start = add_years(end, -rng.gen_range(1..4)) + Duration::days(1);
        lease.end = end;
        lease.signed = lease.start - Duration::days(5);
        defects.push(expected_defect(
            LeaseExpired,
            format!(
                "租赁合同租期至{}，早于申请日{}，住所使用证明已失效",
                data::iso(end),
                data::iso(submitted)
            ),
        ));
    }
    let premises = if lease_premises {
        Premises {
            kind: "lease".into(),
            lessor: Some(lease.lessor.clone()),
            term_start: Some(data::iso(lease.start)),
            term_end: Some(data::iso(lease.end)),
        }
    } else {
        Premises {
            kind: "own".into(),
            lessor: None,
            term_start: None,
            term_end: None,
        }
    };
    let single_natural = shareholders.len() == 1 && legal_holder.is_none();
    let mut form = CeForm {
        company_name: name.clone(),
        org_form: if single_natural {
            "有限责任公司（自然人独资）".into()
        } else {
            "有限责任公司".into()
        },
        registered_capital_wan: capital,
        address: address.clone(),
        business_scope: industry.scope.join("；"),
        operating_term: ["长期", "20年", "30年"][rng.gen_range(0..3)].into(),
        legal_representative: CeLegalRep {
            name: lr.name.clone(),
            id_number: lr.id_number.clone(),
            phone: lr.phone.clone(),
        },
        shareholders,
        officers,
        premises,
    };

    // Documents: one card per natural person among shareholders and the legal rep.
    let mut atts = Vec::new();
    let mut people: Vec<Person> = naturals.clone();
    if !lr_is_shareholder {
        people.insert(0, lr.clone());
    }
    for (i, p) in people.iter().enumerate() {
        atts.push(card(p, format!("id_card_{}", i + 1), &p.id_number));
    }
    let owner = if lease_premises {
        lease.lessor.clone()
    } else {
        lr.name.clone()
    };
    let mut prop = world::property(rng, &county, &owner, &address, area);
    if lease_premises {
        atts.push(plain(
            "lease_contract",
            DocData::LeaseContract(lease.clone()),
        ));
    }
    if with_prop {
        atts.push(plain(
            "property_certificate",
            DocData::PropertyCertificate(prop.clone()),
        ));
    }

    match defect {
        Some(NameMismatchIdCard) => {
            let shown = data::alter_one_char(rng, &lr.name);
            let idx = people
                .iter()
                .position(|p| p.id_number == lr.id_number)
                .unwrap_or(0);
            let mut p = people[idx].clone();
            p.name = shown.clone();
            atts[idx].doc = DocData::IdCard(p);
            atts[idx].carries_defect = true;
            defects.push(expected_defect(
                NameMismatchIdCard,
                format!("法定代表人身份证姓名“{shown}”与表单“{}”不一致", lr.name),
            ));
        }
        Some(FormIdChecksum) => {
            let idx = rng.gen_range(0..people.len());
            let good = people[idx].id_number.clone();
            let bad = data::break_id_check(&good);
            replace_id_ce(&mut form, &good, &bad);
            atts[idx].subject = Some(bad.clone());
            defects.push(expected_defect(
                FormIdChecksum,
                format!(
                    "表单中{}的公民身份号码{bad}校验位错误（应为{}）",
                    people[idx].name,
                    &good[17..]
                ),
            ));
        }
        Some(CapitalSumMismatch) => {
            let delta = (capital / 5).max(5);
            form.registered_capital_wan = capital + delta;
            defects.push(expected_defect(
                CapitalSumMismatch,
                format!(
                    "注册资本{}万元与股东认缴出资合计{capital}万元不一致",
                    capital + delta
                ),
            ));
        }
        Some(DeadlineOver5Years) => {
            let dl = add_years(submitted, 5) + Duration::days(rng.gen_range(40..700));
            form.shareholders[0].deadline = data::iso(dl);
            defects.push(expected_defect(
                DeadlineOver5Years,
                format!(
                    "股东{}认缴出资期限{}超过申请日起5年",
                    form.shareholders[0].name,
                    data::iso(dl)
                ),
            ));
        }
        Some(LaborContribution) => {
            let i = rng.gen_range(0..form.shareholders.len());
            form.shareholders[i].method = "劳务".into();
            defects.push(expected_defect(
                LaborContribution,
                format!(
                    "股东{}以劳务出资，属于不得作价出资的方式",
                    form.shareholders[i].name
                ),
            ));
        }
        Some(SupervisorIsDirector) => defects.push(expected_defect(
            SupervisorIsDirector,
            format!("{}同时担任执行董事和监事", lr.name),
        )),
        Some(MinorShareholder) => {
            let (n, age) = minor_name.clone().unwrap_or_default();
            if let Some(i) = people.iter().position(|p| p.name == n) {
                atts[i].carries_defect = true;
            }
            defects.push(expected_defect(
                MinorShareholder,
                format!("自然人股东{n}申请日年龄{age}岁，未满16周岁，需人工核实其民事行为能力及监护人代理"),
            ));
        }
        Some(LegalRepAged17) => {
            atts[0].carries_defect = true;
            defects.push(expected_defect(
                LegalRepAged17,
                format!("法定代表人{}申请日年龄17岁，未满18周岁，需人工核实是否以自己的劳动收入为主要生活来源", lr.name),
            ));
        }
        Some(ForbiddenWordInName) => defects.push(expected_defect(
            ForbiddenWordInName,
            format!("企业名称“{name}”含有禁用字词“{zihao}”"),
        )),
        Some(DistrictWithoutCity) => defects.push(expected_defect(
            DistrictWithoutCity,
            format!(
                "企业名称“{name}”中的市辖区“{}”未冠以所属设区的市“{}”",
                county.county_short(),
                county.city_short()
            ),
        )),
        Some(AddressMismatch) => {
            let other = other_address(rng, &county, &address);
            let mut which = "不动产权证书";
            for a in atts.iter_mut() {
                match &mut a.doc {
                    DocData::LeaseContract(l) => {
                        l.address = other.clone();
                        a.carries_defect = true;
                        which = "租赁合同";
                    }
                    DocData::PropertyCertificate(p) => {
                        p.address = other.clone();
                        a.carries_defect = true;
                    }
                    _ => {}
                }
            }
            prop.address = other.clone();
            defects.push(expected_defect(
                AddressMismatch,
                format!("表单住所“{address}”与{which}房屋坐落“{other}”不一致"),
            ));
        }
        Some(IllegibleDocument) => {
            let i = rng.gen_range(0..atts.len());
            atts[i].illegible = true;
            defects.push(expected_defect(
                IllegibleDocument,
                "附件{file}无法辨认（分辨率过低、严重模糊），需人工复核".to_string(),
            ));
            atts[i].carries_defect = true;
        }
        Some(LeaseExpired) => {
            for a in atts.iter_mut() {
                if a.doc.kind() == Kind::LeaseContract {
                    a.carries_defect = true;
                }
            }
        }
        _ => {}
    }
    Built {
        form: Form::Ce(form),
        atts,
        defects,
    }
}

fn replace_id_ce(form: &mut CeForm, good: &str, bad: &str) {
    if form.legal_representative.id_number == good {
        form.legal_representative.id_number = bad.to_string();
    }
    for s in form.shareholders.iter_mut() {
        if s.id_number.as_deref() == Some(good) {
            s.id_number = Some(bad.to_string());
        }
    }
    for o in form.officers.iter_mut() {
        if o.id_number == good {
            o.id_number = bad.to_string();
        }
    }
}

fn build_gw(rng: &mut Rng8, submitted: NaiveDate, pages: usize, defect: Option<Defect>) -> Built {
    use Defect::*;
    let is = |d: Defect| defect == Some(d);
    let mut c = world::company(rng, submitted, true);
    let venue = c.industry.venue.unwrap_or("住宿场所").to_string();
    let mut n_emp = pages.saturating_sub(4).clamp(1, 8);
    if is(MissingHealthCertificate) {
        n_emp = n_emp.max(2);
    }
    let mut defects = Vec::new();
    if is(LicenceUsccCheck) {
        let bad = data::break_uscc_check(&c.uscc);
        defects.push(expected_defect(
            LicenceUsccCheck,
            format!("统一社会信用代码{bad}校验位错误（营业执照与表单相同）"),
        ));
        c.uscc = bad;
    }
    let area = rng.gen_range(60..600) as f64;
    let employees: Vec<Person> = (0..n_emp)
        .map(|_| world::person_near(rng, submitted, 18, 55, false, &c.county))
        .collect();
    let mut certs: Vec<crate::docs::Health> = employees
        .iter()
        .map(|p| {
            let issued = date_between(
                rng,
                submitted - Duration::days(300),
                submitted - Duration::days(5),
            );
            world::health(rng, p, &c.county, issued)
        })
        .collect();
    let mut license = world::license(&c);
    let form_address = c.address.clone();
    let mut form = GwForm {
        unit_name: c.name.clone(),
        uscc: c.uscc.clone(),
        legal_representative: GwLegalRep {
            name: c.legal_rep.name.clone(),
            id_number: c.legal_rep.id_number.clone(),
        },
        address: form_address.clone(),
        venue_category: venue.clone(),
        business_area_m2: area,
        employees: employees
            .iter()
            .zip(&certs)
            .map(|(p, h)| Employee {
                name: p.name.clone(),
                id_number: p.id_number.clone(),
                health_certificate_no: h.cert_no.clone(),
            })
            .collect(),
    };
    let mut lr_card = c.legal_rep.clone();
    let mut missing: Option<usize> = None;
    let mut expired: Option<usize> = None;
    match defect {
        Some(NameMismatchIdCard) => {
            lr_card.name = data::alter_one_char(rng, &c.legal_rep.name);
            defects.push(expected_defect(
                NameMismatchIdCard,
                format!(
                    "法定代表人身份证姓名“{}”与表单“{}”不一致",
                    lr_card.name, c.legal_rep.name
                ),
            ));
        }
        Some(FormIdChecksum) => {
            let i = rng.gen_range(0..n_emp);
            let good = form.employees[i].id_number.clone();
            let bad = data::break_id_check(&good);
            form.employees[i].id_number = bad.clone();
            defects.push(expected_defect(
                FormIdChecksum,
                format!(
                    "表单中从业人员{}的公民身份号码{bad}校验位错误（应为{}）",
                    form.employees[i].name,
                    &good[17..]
                ),
            ));
        }
        Some(ExpiredHealthCertificate) => {
            let i = rng.gen_range(0..n_emp);
            let issued = submitted - Duration::days(rng.gen_range(380..600));
            let h = world::health(rng, &employees[i], &c.county, issued);
            form.employees[i].health_certificate_no = h.cert_no.clone();
            defects.push(expected_defect(
                ExpiredHealthCertificate,
                format!(
                    "从业人员{}的健康证明有效期至{}，申请日{}已过期",
                    employees[i].name,
                    data::iso(h.valid_until),
                    data::iso(submitted)
                ),
            ));
            certs[i] = h;
            expired = Some(i);
        }
        Some(MissingHealthCertificate) => {
            let i = rng.gen_range(0..n_emp);
            missing = Some(i);
            defects.push(expected_defect(
                MissingHealthCertificate,
                format!("从业人员{}未提交健康证明", employees[i].name),
            ));
        }
        Some(AddressMismatch) => {
            let other = other_address(rng, &c.county, &form_address);
            license.address = other.clone();
            defects.push(expected_defect(
                AddressMismatch,
                format!("表单经营地址“{form_address}”与营业执照住所“{other}”不一致"),
            ));
        }
        Some(HygieneFail) => defects.push(expected_defect(
            HygieneFail,
            "卫生检测报告检测结论为不合格".into(),
        )),
        _ => {}
    }
    let mut atts = Vec::new();
    let mut lic = plain("business_license", DocData::BusinessLicense(license));
    lic.carries_defect = is(LicenceUsccCheck) || is(AddressMismatch);
    atts.push(lic);
    let mut card_att = card(
        &lr_card,
        "id_card_1".into(),
        &form.legal_representative.id_number,
    );
    card_att.carries_defect = is(NameMismatchIdCard);
    atts.push(card_att);
    for (i, h) in certs.iter().enumerate() {
        if missing == Some(i) {
            continue;
        }
        let mut a = plain(
            &format!("health_certificate_{}", i + 1),
            DocData::HealthCertificate(h.clone()),
        );
        a.subject = Some(form.employees[i].id_number.clone());
        a.carries_defect = expired == Some(i)
            || (is(FormIdChecksum) && form.employees[i].id_number != employees[i].id_number);
        atts.push(a);
    }
    let mut hy = plain(
        "hygiene_inspection_report",
        DocData::HygieneInspectionReport(world::hygiene(
            rng,
            submitted,
            &c,
            &venue,
            !is(HygieneFail),
        )),
    );
    hy.carries_defect = is(HygieneFail);
    atts.push(hy);
    atts.push(plain(
        "floor_plan",
        DocData::FloorPlan(world::floor_plan(
            &c,
            &venue,
            area,
            submitted - Duration::days(rng.gen_range(10..60)),
        )),
    ));
    if is(IllegibleDocument) {
        // Not the floor plan: it has no fields, so an illegible one proves little.
        let i = rng.gen_range(0..atts.len() - 1);
        atts[i].illegible = true;
        atts[i].carries_defect = true;
        defects.push(expected_defect(
            IllegibleDocument,
            "附件{file}无法辨认（分辨率过低、严重模糊），需人工复核".into(),
        ));
    }
    Built {
        form: Form::Gw(form),
        atts,
        defects,
    }
}

/// Which submissions get which defect: an even spread of `share`, defects from the
/// pool in order, skipping those that do not fit the procedure.
fn plan(opts: &SubmissionOptions) -> Vec<(Procedure, Option<Defect>)> {
    let mut pool = opts.defects.clone();
    if pool.is_empty() {
        pool = Defect::ALL.to_vec();
        pool.shuffle(&mut Rng8::seed_from_u64(mix(opts.seed, &[7])));
    }
    let share = opts.defect_share.clamp(0.0, 1.0);
    let mut cursor = 0usize;
    (0..opts.count)
        .map(|i| {
            let procedure = if (i / 2) % 2 == 0 {
                Procedure::CompanyEstablishment
            } else {
                Procedure::PublicVenueHealthPermit
            };
            let defective = ((i + 1) as f64 * share).floor() > (i as f64 * share).floor();
            let mut defect = None;
            if defective {
                for k in 0..pool.len() {
                    let d = pool[(cursor + k) % pool.len()];
                    if d.applies_to(procedure) {
                        defect = Some(d);
                        cursor = (cursor + k + 1) % pool.len();
                        break;
                    }
                }
            }
            (procedure, defect)
        })
        .collect()
}

/// Writes `opts.count` submission folders under `out` (one per id), each with
/// `submission.json`, its attachments with truth files, and `expected.json`.
pub fn generate_submissions(out: &Path, opts: &SubmissionOptions) -> Result<Vec<Summary>, Error> {
    crate::fonts::fonts()?;
    if opts.pages_min == 0 || opts.pages_min > opts.pages_max {
        return Err(Error::Usage(format!(
            "--pages-min ({}) must be at least 1 and not above --pages-max ({})",
            opts.pages_min, opts.pages_max
        )));
    }
    if !(0.0..=1.0).contains(&opts.defect_share) {
        return Err(Error::Usage(format!(
            "--defect-share {} is not between 0 and 1",
            opts.defect_share
        )));
    }
    let plan = plan(opts);
    plan.par_iter()
        .enumerate()
        .map(|(i, (procedure, defect))| write_submission(out, opts, i, *procedure, *defect))
        .collect()
}

fn write_submission(
    out: &Path,
    opts: &SubmissionOptions,
    i: usize,
    procedure: Procedure,
    defect: Option<Defect>,
) -> Result<Summary, Error> {
    let base = mix(opts.seed, &[10, i as u64]);
    let mut rng = Rng8::seed_from_u64(base);
    let submitted = date_between(
        &mut rng,
        NaiveDate::from_ymd_opt(2025, 3, 1).expect("date"),
        NaiveDate::from_ymd_opt(2025, 12, 15).expect("date"),
    );
    let pages = rng.gen_range(opts.pages_min..=opts.pages_max);
    let id = format!(
        "SUB-{}-{:06}",
        submitted.format("%Y"),
        (opts.seed % 1000) * 1000 + i as u64 + 1
    );
    let built = match procedure {
        Procedure::CompanyEstablishment => build_ce(&mut rng, submitted, pages, defect),
        Procedure::PublicVenueHealthPermit => build_gw(&mut rng, submitted, pages, defect),
    };
    let dir = out.join(&id);
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::Io(format!("cannot create {}: {e}", dir.display())))?;
    let clean = built.defects.is_empty();
    // Qualities: clean submissions only clean/mild (a correct engine must be able to
    // pass them); elsewhere heavy scans too, but never on the document showing the defect.
    let allowed: &[Quality] = if opts.qualities.is_empty() {
        &Quality::ALL
    } else {
        &opts.qualities
    };
    let plans: Vec<(Quality, u64, u64)> = built
        .atts
        .iter()
        .enumerate()
        .map(|(k, a)| {
            let r: f64 = rng.gen();
            let policy: &[Quality] = if clean || a.carries_defect {
                &[Quality::Clean, Quality::Mild]
            } else {
                &Quality::ALL
            };
            let mut cands: Vec<Quality> = policy
                .iter()
                .copied()
                .filter(|q| allowed.contains(q))
                .collect();
            if cands.is_empty() {
                cands = allowed.to_vec();
            }
            let q = if a.illegible {
                Quality::Heavy
            } else {
                cands[((r * cands.len() as f64) as usize).min(cands.len() - 1)]
            };
            (q, mix(base, &[20, k as u64]), mix(base, &[30, k as u64]))
        })
        .collect();
    let truths: Vec<output::Truth> = built
        .atts
        .par_iter()
        .zip(plans.par_iter())
        .map(|(a, (q, ls, ss))| {
            output::write_document(&dir, &a.stem, &a.doc, *q, a.illegible, *ls, *ss)
        })
        .collect::<Result<_, _>>()?;
    let attachments: Vec<AttachmentJson> = built
        .atts
        .iter()
        .zip(&truths)
        .map(|(a, t)| AttachmentJson {
            kind: t.kind.clone(),
            file: t.file.clone(),
            subject: a.subject.clone(),
        })
        .collect();
    let illegible_file = built
        .atts
        .iter()
        .zip(&truths)
        .find(|(a, _)| a.illegible)
        .map(|(_, t)| t.file.clone());
    let mut defects = built.defects;
    for d in defects.iter_mut() {
        if let Some(f) = &illegible_file {
            d.description = d.description.replace("{file}", f);
        }
    }
    let verdict = defects
        .iter()
        .filter_map(|d| {
            Defect::ALL
                .iter()
                .find(|x| x.code() == d.code)
                .map(|x| x.verdict())
        })
        .max()
        .unwrap_or(Verdict::Pass);
    let expected = Expected { verdict, defects };
    let submitted_at = data::iso(submitted);
    let json = match built.form {
        Form::Ce(f) => serde_json::to_vec_pretty(&SubmissionJson {
            id: id.clone(),
            procedure,
            submitted_at,
            form: f,
            attachments,
        }),
        Form::Gw(f) => serde_json::to_vec_pretty(&SubmissionJson {
            id: id.clone(),
            procedure,
            submitted_at,
            form: f,
            attachments,
        }),
    }
    .map_err(|e| Error::Io(format!("submission {id}: {e}")))?;
    output::write(&dir.join("submission.json"), &json)?;
    let ej = serde_json::to_vec_pretty(&expected)
        .map_err(|e| Error::Io(format!("submission {id}: {e}")))?;
    output::write(&dir.join("expected.json"), &ej)?;
    Ok(Summary {
        id,
        procedure,
        expected,
        attachments: truths.len(),
        pages: truths.iter().map(|t| t.pages).sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use prereview_validators::{resident_id, uscc};

    fn id_ok(id: &str) -> bool {
        id.len() == 18 && resident_id::check_character(&id[..17]) == id[17..].chars().next()
    }

    fn uscc_ok(code: &str) -> bool {
        code.len() == 18 && uscc::check_character(&code[..17]) == code[17..].chars().next()
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 15).unwrap()
    }

    fn ce(seed: u64, d: Option<Defect>) -> (CeForm, Vec<Att>, Vec<ExpectedDefect>) {
        let b = build_ce(&mut Rng8::seed_from_u64(seed), day(), 7, d);
        match b.form {
            Form::Ce(f) => (f, b.atts, b.defects),
            Form::Gw(_) => unreachable!(),
        }
    }

    fn gw(seed: u64, d: Option<Defect>) -> (GwForm, Vec<Att>, Vec<ExpectedDefect>) {
        let b = build_gw(&mut Rng8::seed_from_u64(seed), day(), 7, d);
        match b.form {
            Form::Gw(f) => (f, b.atts, b.defects),
            Form::Ce(_) => unreachable!(),
        }
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn clean_company_establishment_breaks_no_rule() {
        for seed in 0..40 {
            let (f, atts, defects) = ce(seed, None);
            assert!(defects.is_empty());
            assert!(id_ok(&f.legal_representative.id_number));
            let sum: u64 = f.shareholders.iter().map(|s| s.subscribed_wan).sum();
            assert_eq!(sum, f.registered_capital_wan, "seed {seed}");
            for s in &f.shareholders {
                assert_eq!(s.method, "货币");
                assert!(
                    date(&s.deadline) <= add_years(day(), 5),
                    "seed {seed}: {}",
                    s.deadline
                );
                if let Some(id) = &s.id_number {
                    assert!(id_ok(id), "seed {seed}: {id}");
                }
                if let Some(c) = &s.uscc {
                    assert!(uscc_ok(c), "seed {seed}: {c}");
                }
            }
            let sup = f.officers.iter().find(|o| o.position == "监事").unwrap();
            assert!(f
                .officers
                .iter()
                .filter(|o| o.position != "监事")
                .all(|o| o.id_number != sup.id_number));
            assert!(
                f.company_name.ends_with("有限公司") || f.company_name.ends_with("有限责任公司")
            );
            assert!(
                data::NAME_FORBIDDEN
                    .iter()
                    .all(|w| !f.company_name.contains(w)),
                "{}",
                f.company_name
            );
            for a in &atts {
                match &a.doc {
                    DocData::IdCard(p) => {
                        assert!(data::age_on(p.birth, day()) >= 18, "seed {seed}");
                        assert!(p.valid_from <= day() && p.valid_until.iter().all(|u| *u > day()));
                        assert_eq!(a.subject.as_deref(), Some(p.id_number.as_str()));
                        assert!(
                            f.shareholders.iter().any(|s| s.name == p.name)
                                || f.legal_representative.name == p.name
                        );
                    }
                    DocData::LeaseContract(l) => {
                        assert!(
                            l.start <= day() && l.end >= add_years(day(), 1),
                            "seed {seed}"
                        );
                        assert_eq!(l.address, f.address);
                        assert_eq!(
                            f.premises.term_end.as_deref(),
                            Some(data::iso(l.end).as_str())
                        );
                    }
                    DocData::PropertyCertificate(p) => {
                        assert!(p.area_m2 > 0.0);
                        assert_eq!(p.address, f.address);
                    }
                    _ => panic!("unexpected document"),
                }
            }
        }
    }

    #[test]
    fn clean_health_permit_breaks_no_rule() {
        for seed in 0..40 {
            let (f, atts, defects) = gw(seed, None);
            assert!(defects.is_empty());
            assert!(uscc_ok(&f.uscc));
            assert!(f.business_area_m2 > 0.0);
            let certs: Vec<&crate::docs::Health> = atts
                .iter()
                .filter_map(|a| match &a.doc {
                    DocData::HealthCertificate(h) => Some(h),
                    _ => None,
                })
                .collect();
            assert_eq!(certs.len(), f.employees.len());
            for (e, h) in f.employees.iter().zip(certs) {
                assert!(id_ok(&e.id_number));
                assert_eq!(e.health_certificate_no, h.cert_no);
                assert!(h.issued < day() && h.valid_until > day() + Duration::days(30));
            }
            for a in &atts {
                match &a.doc {
                    DocData::BusinessLicense(l) => {
                        assert_eq!(
                            (&l.name, &l.uscc, &l.address),
                            (&f.unit_name, &f.uscc, &f.address)
                        )
                    }
                    DocData::HygieneInspectionReport(h) => assert!(h.pass && h.reported < day()),
                    DocData::IdCard(p) => assert_eq!(p.name, f.legal_representative.name),
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn every_defect_is_really_there() {
        use Defect::*;
        for d in Defect::ALL {
            for seed in 0..5 {
                let code = d.code();
                if d.applies_to(Procedure::CompanyEstablishment) {
                    let (f, atts, defects) = ce(seed, Some(d));
                    assert_eq!(defects.len(), 1, "{code}");
                    assert_eq!(defects[0].code, code);
                    let sum: u64 = f.shareholders.iter().map(|s| s.subscribed_wan).sum();
                    let ids_ok = f
                        .shareholders
                        .iter()
                        .filter_map(|s| s.id_number.as_deref())
                        .all(id_ok);
                    match d {
                        CapitalSumMismatch => assert_ne!(sum, f.registered_capital_wan),
                        FormIdChecksum => assert!(!ids_ok || !id_ok(&f.legal_representative.id_number)),
                        DeadlineOver5Years => {
                            assert!(f.shareholders.iter().any(|s| date(&s.deadline) > add_years(day(), 5)))
                        }
                        LaborContribution => assert!(f.shareholders.iter().any(|s| s.method == "劳务")),
                        SupervisorIsDirector => {
                            let sup = f.officers.iter().find(|o| o.position == "监事").unwrap();
                            assert_eq!(sup.id_number, f.legal_representative.id_number);
                        }
                        LeaseExpired => assert!(date(f.premises.term_end.as_deref().unwrap()) < day()),
                        ForbiddenWordInName => {
                            assert!(data::DEFECT_FORBIDDEN.iter().any(|w| f.company_name.contains(w)))
                        }
                        NameMismatchIdCard => assert!(atts.iter().any(|a| matches!(&a.doc,
                            DocData::IdCard(p) if p.id_number == f.legal_representative.id_number
                                && p.name != f.legal_representative.name
                                && p.name.chars().count() == f.legal_representative.name.chars().count()))),
                        LegalRepAged17 => assert!(atts.iter().any(|a| matches!(&a.doc,
                            DocData::IdCard(p) if p.id_number == f.legal_representative.id_number
                                && data::age_on(p.birth, day()) == 17))),
                        MinorShareholder => assert!(atts.iter().any(|a| matches!(&a.doc,
                            DocData::IdCard(p) if data::age_on(p.birth, day()) < 16))),
                        AddressMismatch => assert!(atts.iter().any(|a| matches!(&a.doc,
                            DocData::LeaseContract(l) if l.address != f.address))
                            || atts.iter().any(|a| matches!(&a.doc,
                            DocData::PropertyCertificate(p) if p.address != f.address))),
                        IllegibleDocument => assert!(atts.iter().any(|a| a.illegible)),
                        DistrictWithoutCity => {
                            let city = f.company_name.chars().take(2).collect::<String>();
                            assert!(!f.address.contains(&format!("{city}市")), "{}", f.company_name);
                        }
                        _ => {}
                    }
                }
                if d.applies_to(Procedure::PublicVenueHealthPermit) {
                    let (f, atts, defects) = gw(seed, Some(d));
                    assert_eq!(defects.len(), 1, "{code}");
                    let certs: Vec<&crate::docs::Health> = atts
                        .iter()
                        .filter_map(|a| match &a.doc {
                            DocData::HealthCertificate(h) => Some(h),
                            _ => None,
                        })
                        .collect();
                    match d {
                        ExpiredHealthCertificate => {
                            assert!(certs.iter().any(|h| h.valid_until < day()))
                        }
                        MissingHealthCertificate => assert!(certs.len() < f.employees.len()),
                        HygieneFail => assert!(atts.iter().any(|a| matches!(&a.doc,
                            DocData::HygieneInspectionReport(h) if !h.pass))),
                        LicenceUsccCheck => assert!(!uscc_ok(&f.uscc)),
                        FormIdChecksum => assert!(f.employees.iter().any(|e| !id_ok(&e.id_number))),
                        AddressMismatch => assert!(atts.iter().any(|a| matches!(&a.doc,
                            DocData::BusinessLicense(l) if l.address != f.address))),
                        _ => {}
                    }
                }
            }
        }
    }

    #[test]
    fn plan_spreads_defects_and_respects_procedures() {
        let opts = SubmissionOptions {
            count: 8,
            defect_share: 0.5,
            defects: vec![
                Defect::NameMismatchIdCard,
                Defect::HygieneFail,
                Defect::LaborContribution,
                Defect::IllegibleDocument,
            ],
            ..Default::default()
        };
        let p = plan(&opts);
        let got: Vec<Option<Defect>> = p.iter().map(|x| x.1).collect();
        assert_eq!(
            got,
            vec![
                None,
                Some(Defect::NameMismatchIdCard),
                None,
                Some(Defect::HygieneFail),
                None,
                Some(Defect::LaborContribution),
                None,
                Some(Defect::IllegibleDocument)
            ]
        );
        assert!(p
            .iter()
            .all(|(proc_, d)| d.iter().all(|d| d.applies_to(*proc_))));
    }
}
