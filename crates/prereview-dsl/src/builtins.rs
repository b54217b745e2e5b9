//! The functions of the rule language: names, signatures and one-line docs.
//! (`docs/rule-language.md` lists the same table; the engine implements them.)

use crate::ir::Builtin;
use crate::types::Type;

/// How a builtin's arguments are typed.
pub enum Params {
    Fixed(Vec<Type>),
    /// One argument of any type.
    AnyOne,
    /// `len`: text or list.
    TextOrList,
    /// `contains_any` / `find_any`: text and a table or list of text.
    TextAndWords,
    /// `doc_of(kind, id)`: a document kind name and a text.
    DocKind,
    /// `min`/`max`: two of the same ordered type.
    SameOrdered,
}

pub struct Signature {
    pub name: &'static str,
    pub builtin: Builtin,
    pub params: Params,
    /// `None` = the type of the first argument (min/max) or decided by the compiler.
    pub returns: Option<Type>,
    pub doc: &'static str,
}

use Params::*;
use Type::*;

/// Every builtin (built once; `Type` holds boxes, so this cannot be a constant).
pub static SIGNATURES: std::sync::LazyLock<Vec<Signature>> = std::sync::LazyLock::new(|| {
    vec![
        Signature {
            name: "norm",
            builtin: Builtin::Norm,
            params: Fixed(vec![Text]),
            returns: Some(Text),
            doc: "NFKC, full/half-width, brackets and spaces normalised",
        },
        Signature {
            name: "len",
            builtin: Builtin::Len,
            params: TextOrList,
            returns: Some(Number),
            doc: "length in characters, or number of items",
        },
        Signature {
            name: "contains",
            builtin: Builtin::Contains,
            params: Fixed(vec![Text, Text]),
            returns: Some(Bool),
            doc: "whether the first text contains the second (normalised)",
        },
        Signature {
            name: "starts_with",
            builtin: Builtin::StartsWith,
            params: Fixed(vec![Text, Text]),
            returns: Some(Bool),
            doc: "prefix test (normalised)",
        },
        Signature {
            name: "ends_with",
            builtin: Builtin::EndsWith,
            params: Fixed(vec![Text, Text]),
            returns: Some(Bool),
            doc: "suffix test (normalised)",
        },
        Signature {
            name: "similarity",
            builtin: Builtin::Similarity,
            params: Fixed(vec![Text, Text]),
            returns: Some(Number),
            doc: "0–1 similarity of two names or addresses",
        },
        Signature {
            name: "same_text",
            builtin: Builtin::SameText,
            params: Fixed(vec![Text, Text]),
            returns: Some(Bool),
            doc: "equal after normalisation",
        },
        Signature {
            name: "same_address",
            builtin: Builtin::SameAddress,
            params: Fixed(vec![Text, Text]),
            returns: Some(Bool),
            doc: "same district and house number; unknown when unsure",
        },
        Signature {
            name: "contains_any",
            builtin: Builtin::ContainsAny,
            params: TextAndWords,
            returns: Some(Bool),
            doc: "whether the text contains any word of the table",
        },
        Signature {
            name: "find_any",
            builtin: Builtin::FindAny,
            params: TextAndWords,
            returns: Some(Text),
            doc: "the first word of the table found in the text, or \"\"",
        },
        Signature {
            name: "join",
            builtin: Builtin::Join,
            params: Fixed(vec![List(Box::new(Text)), Text]),
            returns: Some(Text),
            doc: "joins texts with a separator",
        },
        Signature {
            name: "valid_id",
            builtin: Builtin::ValidId,
            params: Fixed(vec![Text]),
            returns: Some(Bool),
            doc: "resident ID number valid (GB 11643: check digit, birth date, format)",
        },
        Signature {
            name: "id_problem",
            builtin: Builtin::IdProblem,
            params: Fixed(vec![Text]),
            returns: Some(Text),
            doc: "why a resident ID number is invalid, or \"\"",
        },
        Signature {
            name: "id_birth",
            builtin: Builtin::IdBirth,
            params: Fixed(vec![Text]),
            returns: Some(Date),
            doc: "birth date encoded in a resident ID number",
        },
        Signature {
            name: "id_sex",
            builtin: Builtin::IdSex,
            params: Fixed(vec![Text]),
            returns: Some(Text),
            doc: "男 or 女, from a resident ID number",
        },
        Signature {
            name: "id_region_known",
            builtin: Builtin::IdRegionKnown,
            params: Fixed(vec![Text]),
            returns: Some(Bool),
            doc: "address code found in GB/T 2260",
        },
        Signature {
            name: "valid_uscc",
            builtin: Builtin::ValidUscc,
            params: Fixed(vec![Text]),
            returns: Some(Bool),
            doc: "unified social credit code valid (GB 32100)",
        },
        Signature {
            name: "uscc_problem",
            builtin: Builtin::UsccProblem,
            params: Fixed(vec![Text]),
            returns: Some(Text),
            doc: "why a USCC is invalid, or \"\"",
        },
        Signature {
            name: "valid_phone",
            builtin: Builtin::ValidPhone,
            params: Fixed(vec![Text]),
            returns: Some(Bool),
            doc: "mobile or landline number format",
        },
        Signature {
            name: "id_period_ok",
            builtin: Builtin::IdPeriodOk,
            params: Fixed(vec![Date, Date, Date]),
            returns: Some(Bool),
            doc: "ID card validity period fits the holder's age at issue (居民身份证法 第5条)",
        },
        Signature {
            name: "add_years",
            builtin: Builtin::AddYears,
            params: Fixed(vec![Date, Number]),
            returns: Some(Date),
            doc: "date plus whole years (29 Feb → 28 Feb)",
        },
        Signature {
            name: "add_months",
            builtin: Builtin::AddMonths,
            params: Fixed(vec![Date, Number]),
            returns: Some(Date),
            doc: "date plus whole months (month ends clamp)",
        },
        Signature {
            name: "add_days",
            builtin: Builtin::AddDays,
            params: Fixed(vec![Date, Number]),
            returns: Some(Date),
            doc: "date plus days",
        },
        Signature {
            name: "age_on",
            builtin: Builtin::AgeOn,
            params: Fixed(vec![Date, Date]),
            returns: Some(Number),
            doc: "age in whole years (周岁) of someone born on the first date, on the second",
        },
        Signature {
            name: "days_between",
            builtin: Builtin::DaysBetween,
            params: Fixed(vec![Date, Date]),
            returns: Some(Number),
            doc: "days from the first date to the second",
        },
        Signature {
            name: "parse_amount",
            builtin: Builtin::ParseAmount,
            params: Fixed(vec![Text]),
            returns: Some(Money),
            doc: "an amount written in figures or 大写 (壹佰万元整), exact",
        },
        Signature {
            name: "parse_date",
            builtin: Builtin::ParseDate,
            params: Fixed(vec![Text]),
            returns: Some(Date),
            doc: "a date in any usual Chinese format",
        },
        Signature {
            name: "name_region",
            builtin: Builtin::NameRegion,
            params: Fixed(vec![Text]),
            returns: Some(Text),
            doc: "the administrative division an enterprise name starts with, or \"\"",
        },
        Signature {
            name: "name_region_ok",
            builtin: Builtin::NameRegionOk,
            params: Fixed(vec![Text]),
            returns: Some(Bool),
            doc: "a district in the name is preceded by its city (企业名称规定 第7条)",
        },
        Signature {
            name: "name_form",
            builtin: Builtin::NameForm,
            params: Fixed(vec![Text]),
            returns: Some(Text),
            doc: "the organisation form an enterprise name ends with, or \"\"",
        },
            Signature { name: "name_core", builtin: Builtin::NameCore, params: Fixed(vec![Text]), returns: Some(Text), doc: "an enterprise name without its division prefix, bracketed division and organisation form (字号 + 行业)" },
    Signature { name: "starts_with_division", builtin: Builtin::StartsWithDivision, params: Fixed(vec![Text]), returns: Some(Bool), doc: "the text starts with the name of a county-level or higher division" },
    Signature { name: "uscc_semantic_misses", builtin: Builtin::UsccSemanticMisses, params: Fixed(vec![Text]), returns: Some(Number), doc: "how many GB 32100 semantic checks (department, category, region, GB 11714 code) a USCC misses" },
Signature {
            name: "present",
            builtin: Builtin::Present,
            params: AnyOne,
            returns: Some(Bool),
            doc: "the value was supplied (it may still be unreadable)",
        },
        Signature {
            name: "known",
            builtin: Builtin::Known,
            params: AnyOne,
            returns: Some(Bool),
            doc: "the value was supplied and can be trusted",
        },
        Signature {
            name: "missing_documents",
            builtin: Builtin::MissingDocuments,
            params: Fixed(vec![]),
            returns: Some(List(Box::new(Text))),
            doc: "the procedure's required documents not supplied",
        },
        Signature {
            name: "doc_of",
            builtin: Builtin::DocOf(0),
            params: DocKind,
            returns: None,
            doc: "the document of a kind for a person, by ID number",
        },
        Signature {
            name: "min",
            builtin: Builtin::Min,
            params: SameOrdered,
            returns: None,
            doc: "the smaller of two values",
        },
        Signature {
            name: "max",
            builtin: Builtin::Max,
            params: SameOrdered,
            returns: None,
            doc: "the larger of two values",
        },
        Signature {
            name: "abs",
            builtin: Builtin::Abs,
            params: Fixed(vec![Number]),
            returns: Some(Number),
            doc: "absolute value",
        },
        Signature {
            name: "year",
            builtin: Builtin::Year,
            params: Fixed(vec![Date]),
            returns: Some(Number),
            doc: "the year of a date",
        },
    ]
});

/// `matches(text, "regex")` is special: its pattern must be a literal (compiled once).
pub const MATCHES: &str = "matches";

pub fn lookup(name: &str) -> Option<&'static Signature> {
    SIGNATURES.iter().find(|s| s.name == name)
}

pub fn names() -> impl Iterator<Item = &'static str> {
    SIGNATURES
        .iter()
        .map(|s| s.name)
        .chain(std::iter::once(MATCHES))
}
