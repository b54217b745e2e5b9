//! Synthetic scans and submissions with known truth, for testing prereview end to end.
//!
//! Everything is deterministic from a seed: the same seed gives byte-identical files
//! (on a machine with the same font packages).
//!
//! # Documents
//!
//! [`generate_documents`] renders every kind of contract §1.3 (`id_card`, `business_license`,
//! `lease_contract`, `property_certificate`, `health_certificate`,
//! `hygiene_inspection_report`, `floor_plan`) with realistic, valid content: names from
//! common (and, in the `documents` set, some rare) characters, addresses built from GB/T 2260
//! divisions, resident ID numbers and USCCs whose check characters come from
//! `prereview-validators`. Layouts vary (label and value on one line, value below its label,
//! table cells, spread labels like `姓  名`) and so do fonts (Noto Sans/Serif CJK, WenQuanYi
//! Zen Hei / Micro Hei, AR PL UKai / UMing).
//!
//! Quality levels ([`Quality`]):
//!
//! | level | resolution | degradation | file |
//! |---|---|---|---|
//! | `clean` | 300 dpi | none | PNG (4-bit grey or RGB); multi-page: PDF with lossless 4-bit grey pages |
//! | `mild` | 150 dpi | skew ≤ ±1°, light noise, slight lighting falloff | JPEG q 55–65 (PDF of JPEG pages) |
//! | `heavy` | 100–120 dpi | skew 1.5–3°, Gaussian blur σ 0.5–0.8 px, uneven lighting, noise | JPEG q 40–55 |
//!
//! Each document `<stem>.<ext>` gets `<stem>.truth.json` ([`Truth`]):
//! `{ "file", "kind", "quality", "pages", "dpi", "fonts", "fields", "boxes" }` where
//! `fields` holds the canonical value of every field of the kind, as `ReadField.value`
//! in prereview-model: strings for text and identifiers, ISO `YYYY-MM-DD` dates or `"长期"`,
//! numbers for `area_m2` and for money in 万元 (`registered_capital_wan`). `business_license.term`
//! is the end of 营业期限 (ISO date or `"长期"`); `hygiene_inspection_report.conclusion` is the
//! printed conclusion sentence. `boxes` gives each value's page and ink box
//! `[x, y, width, height]` in pixels of that page as written (rotation included; for PDFs at
//! the page's `dpi`).
//!
//! # Submissions
//!
//! [`generate_submissions`] writes folders following contract §1: `submission.json`
//! (id, procedure, submitted_at, form, attachments with `subject` = the person's ID number
//! on personal documents), the attachments with their truth files, and `expected.json`
//! `{ "verdict", "defects": [ { "code", "rule", "description" } ] }`. Procedures alternate in
//! pairs (2 × company_establishment, 2 × public_venue_health_permit, …). Documents agree with
//! the form unless a defect says otherwise.
//!
//! A share of submissions (default 40 %, spread evenly) gets exactly one defect. The
//! expected verdict is what a correct engine should say:
//!
//! | defect code | what is wrong | catalog rule | verdict |
//! |---|---|---|---|
//! | `name_mismatch_id_card` | ID card name differs from the form by one character | X02 | reject |
//! | `form_id_checksum` | an ID number on the form has a wrong check character | F03 | reject |
//! | `expired_health_certificate` | a health certificate expired before `submitted_at` | L15 | reject |
//! | `missing_health_certificate` | an employee has no health certificate | X09 | reject |
//! | `lease_expired` | the lease ended before `submitted_at` | L16 | reject |
//! | `capital_sum_mismatch` | Σ subscribed ≠ registered capital | X04 | reject |
//! | `deadline_over_5_years` | a contribution deadline > 5 years after `submitted_at` | L09 | reject |
//! | `labor_contribution` | contribution method 劳务 | L10 | reject |
//! | `supervisor_is_director` | the 监事 is also the 执行董事 | L13 | reject |
//! | `minor_shareholder` | a natural-person shareholder aged 12–15 | L12 (capacity) | review |
//! | `legal_rep_aged_17` | the legal representative is 17 | L12 | review |
//! | `hygiene_fail` | hygiene report concludes 不合格 | L20 | reject |
//! | `forbidden_word_in_name` | company name contains e.g. 海洛因 | L05 | reject |
//! | `district_without_city` | name region is a 市辖区 without its city (历下… not 济南历下…) | L02 | reject |
//! | `licence_uscc_check` | USCC check character wrong (licence and form alike) | F01 | reject |
//! | `address_mismatch` | premises document / licence address differs from the form | X05 | reject |
//! | `illegible_document` | one attachment at 60 dpi, blurred, washed out (`"illegible": true` in its truth) | uncertainty policy | review |
//!
//! A submission with no defect expects `pass`; with several, the most severe verdict wins
//! (`reject` over `review` over `pass`). Minors as shareholders are not forbidden by law but
//! need their capacity and guardian checked by a person, hence `review`.
//!
//! Clean submissions satisfy every rule of rule-catalog §2 that their data touches: valid
//! IDs and cards (validity period consistent with the age at issue, in force on
//! `submitted_at`), everyone ≥ 18, deadlines within 5 years less 60 days, the 监事 distinct
//! from the 执行董事 and 经理, names = region + 字号 + industry + 有限公司 (region: the city,
//! or city + 市辖区, containing the address; 字号 never a place name nor a restricted word),
//! money contributions only, Σ subscribed = registered capital, health certificates issued in
//! the last 300 days (valid ≥ 2 months after `submitted_at`), leases in force with ≥ 13 months
//! left, area > 0, hygiene report 合格 dated before `submitted_at`. Their attachments are only
//! `clean` or `mild`, so a correct engine can read them; defective submissions may also hold
//! `heavy` scans, but never for the document that shows the defect.

// Drawing calls take a face, a size, coordinates and a colour; bundling them would hide more than help.
#![allow(clippy::too_many_arguments)]

pub mod canvas;
pub mod data;
pub mod degrade;
pub mod docs;
pub mod fonts;
pub mod output;
pub mod submission;
pub mod world;

pub use degrade::Quality;
pub use docs::{DocData, Kind};
pub use output::Truth;
pub use submission::{generate_submissions, Defect, SubmissionOptions};

use chrono::NaiveDate;
use data::Rng8;
use rand::SeedableRng;
use rayon::prelude::*;
use std::path::Path;

/// What can go wrong while generating.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A font is missing or unusable (the message names the Debian package).
    #[error("fonts: {0}")]
    Fonts(String),
    /// Writing an output file failed (the message names the file).
    #[error("{0}")]
    Io(String),
    /// A bad option.
    #[error("{0}")]
    Usage(String),
}

/// Mixes a seed with a stream of numbers into an independent seed (SplitMix64 steps).
pub fn mix(seed: u64, parts: &[u64]) -> u64 {
    let mut z = seed ^ 0x5851_F42D_4C95_7F2D;
    for p in parts {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15).wrapping_add(*p);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
    }
    z
}

/// A random document of `kind` with realistic, valid content, as of `on`.
pub fn random_document(kind: Kind, on: NaiveDate, rng: &mut Rng8) -> DocData {
    use rand::Rng;
    match kind {
        Kind::IdCard => DocData::IdCard(data::person(rng, on, 18, 75, true)),
        Kind::BusinessLicense => DocData::BusinessLicense({
            let venue = rng.gen_bool(0.5);
            world::license(&world::company(rng, on, venue))
        }),
        Kind::LeaseContract => {
            let c = world::company(rng, on, false);
            let long = rng.gen_bool(0.5);
            DocData::LeaseContract(world::lease(rng, on, &c.county, &c.address, &c.name, long))
        }
        Kind::PropertyCertificate => {
            let c = world::company(rng, on, false);
            let area = (rng.gen_range(3000..30000) as f64) / 100.0;
            DocData::PropertyCertificate(world::property(
                rng,
                &c.county,
                &c.legal_rep.name,
                &c.address,
                area,
            ))
        }
        Kind::HealthCertificate => {
            let c = world::company(rng, on, true);
            let p = world::person_near(rng, on, 18, 55, true, &c.county);
            let issued = data::date_between(
                rng,
                on - chrono::Duration::days(300),
                on - chrono::Duration::days(5),
            );
            DocData::HealthCertificate(world::health(rng, &p, &c.county, issued))
        }
        Kind::HygieneInspectionReport => {
            let c = world::company(rng, on, true);
            let venue = c.industry.venue.unwrap_or("住宿场所");
            let pass = rng.gen_bool(0.8);
            DocData::HygieneInspectionReport(world::hygiene(rng, on, &c, venue, pass))
        }
        Kind::FloorPlan => {
            let c = world::company(rng, on, true);
            let venue = c.industry.venue.unwrap_or("住宿场所");
            let area = rng.gen_range(60..600) as f64;
            DocData::FloorPlan(world::floor_plan(
                &c,
                venue,
                area,
                on - chrono::Duration::days(20),
            ))
        }
    }
}

/// Writes `per_kind` documents of every kind at each quality into `out/<quality>/`,
/// as `<kind>_<nn>.<ext>` with `<kind>_<nn>.truth.json`. The same document (content and
/// layout) is written at every quality. Returns the truth records.
pub fn generate_documents(
    out: &Path,
    per_kind: usize,
    qualities: &[Quality],
    seed: u64,
) -> Result<Vec<Truth>, Error> {
    fonts::fonts()?;
    let on = NaiveDate::from_ymd_opt(2025, 11, 20).expect("date");
    let mut jobs = Vec::new();
    for (ki, kind) in Kind::ALL.iter().enumerate() {
        for i in 0..per_kind {
            for q in qualities {
                jobs.push((ki, *kind, i, *q));
            }
        }
    }
    for q in qualities {
        let dir = out.join(q.as_str());
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::Io(format!("cannot create {}: {e}", dir.display())))?;
    }
    jobs.par_iter()
        .map(|(ki, kind, i, q)| {
            let base = mix(seed, &[1, *ki as u64, *i as u64]);
            let mut rng = Rng8::seed_from_u64(base);
            let doc = random_document(*kind, on, &mut rng);
            let stem = format!("{}_{:02}", kind.as_str(), i + 1);
            let qi = Quality::ALL.iter().position(|x| x == q).unwrap_or(0) as u64;
            output::write_document(
                &out.join(q.as_str()),
                &stem,
                &doc,
                *q,
                false,
                mix(base, &[2]),
                mix(base, &[3, qi]),
            )
        })
        .collect()
}
