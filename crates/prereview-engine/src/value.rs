//! Run-time values. `Unknown` is a value: it carries why it is unknown and
//! propagates through operators (Kleene logic for `and`/`or`).

use chrono::NaiveDate;
use prereview_model::report::DocumentSource;
use std::fmt;
use std::sync::Arc;

/// The date that stands for `长期` (no end): later than every real date.
pub const LONG_TERM: NaiveDate = NaiveDate::MAX;

#[derive(Debug, Clone)]
pub enum Value {
    Unknown(Arc<Cause>),
    Bool(bool),
    Number(f64),
    /// Exact money in 分.
    Money(i64),
    Date(NaiveDate),
    Text(Arc<str>),
    List(Arc<[Value]>),
    Record(Arc<Record>),
}

/// Why a value is unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    /// The path of the value (`form.legal_representative.name`, `doc.id_card[0].name`).
    pub path: String,
    /// In Chinese, for the officer: “身份证姓名识别置信度 0.62 低于 0.85”.
    pub reason: String,
    /// The value was not supplied at all (missing field, no such document), as
    /// opposed to supplied but unreadable or doubtful.
    pub absent: bool,
}

impl Value {
    pub fn unknown(path: impl Into<String>, reason: impl Into<String>, absent: bool) -> Value {
        Value::Unknown(Arc::new(Cause {
            path: path.into(),
            reason: reason.into(),
            absent,
        }))
    }
    pub fn text(s: &str) -> Value {
        Value::Text(s.into())
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Equality of two known scalar values (lists and records compare by identity).
    pub fn same(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::Money(a), Value::Money(b)) => a == b,
            (Value::Date(a), Value::Date(b)) => a == b,
            (Value::Text(a), Value::Text(b)) => a == b,
            (Value::Record(a), Value::Record(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// The JSON form used in evidence: strings, numbers (money in 万元), ISO dates.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Unknown(_) => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Number(n) => {
                serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, Into::into)
            }
            Value::Money(f) => serde_json::Number::from_f64(*f as f64 / 1_000_000.0)
                .map_or(serde_json::Value::Null, Into::into),
            Value::Date(d) if *d == LONG_TERM => "长期".into(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string().into(),
            Value::Text(t) => t.to_string().into(),
            Value::List(items) => items.iter().map(|v| v.to_json()).collect::<Vec<_>>().into(),
            Value::Record(r) => r.origin.path.to_string().into(),
        }
    }
}

/// Shown in messages: text as is, dates ISO (or 长期), money in 万元.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Unknown(_) => f.write_str("（无法识别）"),
            Value::Bool(true) => f.write_str("是"),
            Value::Bool(false) => f.write_str("否"),
            Value::Number(n) => write!(f, "{}", format_number(*n)),
            Value::Money(fen) => write!(f, "{}", format_number(*fen as f64 / 1_000_000.0)),
            Value::Date(d) if *d == LONG_TERM => f.write_str("长期"),
            Value::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Value::Text(t) => f.write_str(t),
            Value::List(items) => {
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str("、")?;
                    }
                    write!(f, "{v}")?;
                }
                Ok(())
            }
            Value::Record(r) => f.write_str(&r.origin.path),
        }
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        let s = format!("{n:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A form record, a list item, or a document.
#[derive(Debug)]
pub struct Record {
    /// Field values in schema order.
    pub fields: Box<[Value]>,
    /// The record schema (index into the rule set's records).
    pub schema: u32,
    pub origin: Origin,
}

/// Where a record's values came from, for evidence.
#[derive(Debug)]
pub struct Origin {
    /// `form`, `form.shareholders[1]`, `doc.id_card[0]`.
    pub path: Arc<str>,
    /// For documents: the file and where each field was read.
    pub sources: Option<DocSources>,
}

/// Where a document's fields were read: the file once, and per field (same
/// order as the record's `fields`) the page, box and confidence, if read.
#[derive(Debug)]
pub struct DocSources {
    pub file: Arc<str>,
    pub fields: Box<[Option<FieldSource>]>,
}

/// Where one document field was read.
#[derive(Debug, Clone, Copy)]
pub struct FieldSource {
    pub page: Option<u32>,
    pub bbox: Option<[u32; 4]>,
    pub confidence: f32,
}

impl DocSources {
    /// The evidence source of field `i`, if it was read.
    pub fn get(&self, i: usize) -> Option<DocumentSource> {
        let f = self.fields.get(i).copied().flatten()?;
        Some(DocumentSource {
            file: self.file.to_string(),
            page: f.page,
            bbox: f.bbox,
            confidence: f.confidence,
        })
    }
}
