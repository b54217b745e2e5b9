//! Document kinds (what the rule packs declare) and documents read (what OCR produced).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The type of a field as the rules see it. Extraction uses it to choose a value
/// grammar (and a validator to pick among candidate readings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text (names, addresses, conclusions).
    Text,
    /// A number (areas in square metres, counts).
    Number,
    /// An amount of money; in reports and forms a number in 万元.
    Money,
    /// A calendar date, reported as ISO `YYYY-MM-DD`; may also be `长期` (no end).
    Date,
    /// A resident identity number (GB 11643).
    ResidentId,
    /// A unified social credit code (GB 32100).
    Uscc,
}

impl FieldType {
    /// The keyword used for this type in the rule language.
    pub fn keyword(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Number => "number",
            FieldType::Money => "money",
            FieldType::Date => "date",
            FieldType::ResidentId => "resident_id",
            FieldType::Uscc => "uscc",
        }
    }
}

/// A kind of document (`id_card`, `lease_contract`…): its typed fields and how each
/// is found on a page. Declared in the rule packs, consumed by OCR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentSpec {
    /// Stable kind name used in submissions (`attachments[].kind`).
    pub kind: String,
    /// Human title (居民身份证).
    pub title: String,
    /// Words that identify this kind on a page (document title etc.).
    #[serde(default)]
    pub markers: Vec<String>,
    pub fields: Vec<FieldSpec>,
    /// Labels printed on the page that belong to no field (不动产单元号,
    /// 共有情况): they end the value before them, like field labels do.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_labels: Vec<String>,
}

/// One field of a document kind and the hints that locate it on a page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldSpec {
    pub name: String,
    /// Human title (姓名).
    pub title: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Label texts that precede the value on the page (`公民身份号码`, `姓 名`).
    /// Matching ignores spaces and full/half-width differences.
    #[serde(default)]
    pub labels: Vec<String>,
    /// A regular expression the value must match; the named group `v` (or the
    /// whole match) is the value.
    #[serde(default)]
    pub pattern: Option<String>,
    /// The value may continue over following lines until the next label.
    #[serde(default)]
    pub multiline: bool,
    /// A closed set of values (性别: 男, 女). A reading within one character of
    /// exactly one choice is taken as that choice (lower confidence); any other
    /// reading is reported unknown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    /// The text after the label is a range (`2016.04.02-2036.04.02`,
    /// `自2024年1月1日起至2026年12月31日止`) and this field is one end of it.
    /// Several fields may share a label this way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_part: Option<RangePart>,
    /// Texts that end the value besides the labels of the other fields (a
    /// heading printed after a multi-line value, `（盖章）`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ends: Vec<String>,
    /// A word list the value's text is checked against to correct single
    /// misread characters. `divisions`: the address starts with administrative
    /// division names (GB/T 2260); a name that is not in the table but one
    /// character from exactly one name under the division before it is read
    /// as that name (沫水县 under 保定市 → 涞水县), at a lower confidence.
    /// `surnames`: the value is a person's name; a short reading that starts
    /// with no surname is doubted (see [`Lexicon::Surnames`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lexicon: Option<Lexicon>,
    /// Another field of the same document that carries this value too:
    /// `id_number.birth_date` or `id_number.sex` (a resident ID number holds
    /// both). A reading equal to what a number passing its check character
    /// says is confirmed; any other reading is left as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implied_by: Option<ImpliedBy>,
    /// When the label is not read (faint on a poor scan), the value may be
    /// taken from the one text on the pages that the field's grammar reads
    /// whole: a date, or a validity range for a range part. Several such
    /// texts read differently: none is taken. Date fields only, and only
    /// where the document prints one such text (an ID card's 出生 and
    /// 有效期限, not a certificate's two dates).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unlabelled: bool,
}

/// Where a field's value is also written: a part of another field
/// (see [`FieldSpec::implied_by`]). Written `field.part` in the specs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ImpliedBy {
    /// The carrying field (of type `resident_id`).
    pub field: String,
    pub part: IdPart,
}

/// What a resident ID number tells about its holder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdPart {
    /// Digits 7–14.
    BirthDate,
    /// The parity of digit 17 (odd: 男).
    Sex,
}

impl IdPart {
    const ALL: [(IdPart, &'static str); 2] =
        [(IdPart::BirthDate, "birth_date"), (IdPart::Sex, "sex")];

    /// The name written after the dot.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(p, _)| *p == self)
            .map_or("", |(_, n)| n)
    }
}

impl TryFrom<String> for ImpliedBy {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let names = || {
            IdPart::ALL
                .iter()
                .map(|(_, n)| format!("`field.{n}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        let Some((field, part)) = s.split_once('.') else {
            return Err(format!("`{s}` should be {}", names()));
        };
        let Some((part, _)) = IdPart::ALL.iter().find(|(_, n)| *n == part) else {
            return Err(format!(
                "`{part}` is not a part of a resident ID number; use {}",
                names()
            ));
        };
        Ok(ImpliedBy {
            field: field.to_string(),
            part: *part,
        })
    }
}

impl From<ImpliedBy> for String {
    fn from(i: ImpliedBy) -> String {
        format!("{}.{}", i.field, i.part.name())
    }
}

/// Word lists for [`FieldSpec::lexicon`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lexicon {
    /// GB/T 2260 administrative division names, province down to county.
    Divisions,
    /// Chinese surnames (《百家姓》 and common modern ones). The value is a
    /// person's name, or, read longer than four characters, an
    /// organisation's: a reading of one to four Chinese characters that does
    /// not start with a surname (部字 for 郝宇) is doubted, never changed.
    Surnames,
}

/// Which end of a printed range a field takes (see [`FieldSpec::range_part`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RangePart {
    /// The first date of the range.
    Start,
    /// The last date of the range (`长期` allowed for dates).
    End,
}

/// Where a value was read: page (1-based) and box `[x, y, width, height]` in pixels
/// of the original image.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub page: u32,
    pub bbox: [u32; 4],
}

/// A confidence as shown to people: two decimals, rounded down, so that a
/// value just under a threshold never shows as the threshold itself (0.895 is
/// "0.89", not "0.90, below 0.90").
pub fn shown_confidence(confidence: f32) -> String {
    // The small rise keeps 0.29 (0.2899999… as f32) from showing as 0.28.
    format!(
        "{:.2}",
        (f64::from(confidence) * 100.0 + 1e-4).floor() / 100.0
    )
}

/// One field as read from a document.
///
/// `value` is the canonical JSON form for the field's type: a string for text,
/// identifiers and ISO dates (or `长期`), a number for numbers and for money (万元).
/// `null` when the field could not be read; `reason` then says why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadField {
    pub value: Option<serde_json::Value>,
    /// 0–1: how far the value can be trusted (OCR word confidences, validation).
    #[serde(default)]
    pub confidence: f32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bbox: Option<[u32; 4]>,
    /// Why the value is null or doubtful (not found, failed validation…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The text OCR produced for this value, before normalisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

impl ReadField {
    /// A field that could not be read, with the reason.
    pub fn missing(reason: impl Into<String>) -> Self {
        ReadField {
            value: None,
            confidence: 0.0,
            page: None,
            bbox: None,
            reason: Some(reason.into()),
            raw: None,
        }
    }
}

/// A document as read: one entry of the report's `documents` array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadDocument {
    /// The attachment's file name, relative to the submission folder.
    pub file: String,
    pub kind: String,
    /// Every field of the kind, by name.
    #[serde(default)]
    pub fields: BTreeMap<String, ReadField>,
    /// Pages read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
    /// Why the document as a whole could not be read (corrupt, too large, timed out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::shown_confidence;

    #[test]
    fn a_confidence_just_under_a_threshold_never_shows_as_the_threshold() {
        assert_eq!(shown_confidence(0.898), "0.89");
        assert_eq!(shown_confidence(0.8999), "0.89");
        assert_eq!(shown_confidence(0.9), "0.90");
        assert_eq!(shown_confidence(0.29), "0.29");
        assert_eq!(shown_confidence(0.07), "0.07");
        assert_eq!(shown_confidence(1.0), "1.00");
        assert_eq!(shown_confidence(0.0), "0.00");
    }
}
