//! Typed facts: the form and the documents read, shaped by the procedure's schema.
//!
//! Every value that is missing, mistyped, unreadable or read with too little
//! confidence becomes `Unknown` with its cause here, once, so that the rules never
//! see a silent default.

use crate::value::{DocSources, FieldSource, Origin, Record, Value, LONG_TERM};
use chrono::NaiveDate;
use prereview_dsl::ir::{Lit, RuleSet};
use prereview_dsl::types::{RecordId, Type};
use prereview_model::document::{shown_confidence, FieldType, ReadDocument};
use std::sync::Arc;

/// A document as handed to the engine: what was read, and whose it is.
#[derive(Debug, Clone)]
pub struct DocumentInput {
    pub document: ReadDocument,
    /// The ID number of the person the attachment belongs to (`attachments[].subject`).
    pub subject: Option<String>,
}

/// Everything the engine needs about one submission.
#[derive(Debug, Clone)]
pub struct SubmissionInput {
    pub id: String,
    pub procedure: String,
    /// `Err` carries why the date is unusable.
    pub submitted_at: Result<NaiveDate, String>,
    pub form: serde_json::Value,
    pub documents: Vec<DocumentInput>,
}

/// The facts of one submission, ready for evaluation.
#[derive(Debug)]
pub struct Facts {
    pub submitted_at: Value,
    pub form: Value,
    /// Per document kind (rule-set order): the list of documents of that kind.
    pub docs: Vec<Value>,
    /// Problems found while shaping the facts (unknown document kinds…).
    pub problems: Vec<String>,
}

/// The confidence thresholds below which a document field is unknown.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub text: f32,
    pub identifier: f32,
}

impl Facts {
    pub fn build(
        rs: &RuleSet,
        form_schema: RecordId,
        input: &SubmissionInput,
        thresholds: Thresholds,
    ) -> Facts {
        let submitted_at = match &input.submitted_at {
            Ok(d) => Value::Date(*d),
            Err(why) => Value::unknown("submitted_at", why.clone(), true),
        };
        let form = record_from_json(rs, form_schema, Some(&input.form), "form".into());
        let mut per_kind: Vec<Vec<Value>> = vec![Vec::new(); rs.documents.len()];
        let mut problems = Vec::new();
        for d in &input.documents {
            match rs.document_kind(&d.document.kind) {
                Some(k) => {
                    let path: Arc<str> =
                        format!("doc.{}[{}]", d.document.kind, per_kind[k].len()).into();
                    per_kind[k].push(document_record(rs, k, d, path, thresholds));
                }
                None => problems.push(format!(
                    "附件“{}”的材料类型“{}”不在规则集中，系统无法审查该材料",
                    d.document.file, d.document.kind
                )),
            }
        }
        Facts {
            submitted_at,
            form,
            docs: per_kind
                .into_iter()
                .map(|v| Value::List(v.into()))
                .collect(),
            problems,
        }
    }
}

fn record_from_json(
    rs: &RuleSet,
    rid: RecordId,
    json: Option<&serde_json::Value>,
    path: Arc<str>,
) -> Value {
    let schema = &rs.records[rid.0 as usize];
    let obj = match json {
        Some(serde_json::Value::Object(o)) => o,
        None | Some(serde_json::Value::Null) => {
            return Value::unknown(&*path, format!("未填写{}", path), true)
        }
        Some(other) => {
            return Value::unknown(&*path, format!("{path} 应为对象，实为 {other}"), false)
        }
    };
    let fields: Vec<Value> = schema
        .fields
        .iter()
        .map(|f| {
            let at = At::Field {
                parent: &path,
                name: &f.name,
                title: &f.title,
            };
            field_from_json(rs, &f.ty, obj.get(&f.name), &at)
        })
        .collect();
    Value::Record(Arc::new(Record {
        fields: fields.into(),
        schema: rid.0,
        origin: Origin {
            path,
            sources: None,
        },
    }))
}

/// Where a form value sits. Its path and label are only spelled out when needed
/// (an unknown's cause, a record's origin): most values are fine and need neither.
enum At<'p> {
    /// `{parent}.{name}`, labelled `{title}（{path}）` (or the path without a title).
    Field {
        parent: &'p str,
        name: &'p str,
        title: &'p str,
    },
    /// `{parent}[{index}]`, labelled with its path.
    Item { parent: &'p str, index: usize },
}

impl At<'_> {
    fn path(&self) -> String {
        match self {
            At::Field { parent, name, .. } => format!("{parent}.{name}"),
            At::Item { parent, index } => format!("{parent}[{index}]"),
        }
    }
    fn label(&self) -> String {
        match self {
            At::Field { title, .. } if !title.is_empty() => format!("{title}（{}）", self.path()),
            _ => self.path(),
        }
    }
}

fn field_from_json(rs: &RuleSet, ty: &Type, json: Option<&serde_json::Value>, at: &At) -> Value {
    use serde_json::Value as J;
    let json = match json {
        None | Some(J::Null) => {
            return Value::unknown(at.path(), format!("表单未填写{}", at.label()), true)
        }
        Some(j) => j,
    };
    let mistyped = |want: &str| {
        Value::unknown(
            at.path(),
            format!("{}应为{want}，实为 {json}", at.label()),
            false,
        )
    };
    match ty {
        Type::Text => match json {
            J::String(s) => Value::Text(s.as_str().into()),
            J::Number(n) => Value::Text(n.to_string().into()),
            _ => mistyped("文本"),
        },
        Type::Number => match json
            .as_f64()
            .or_else(|| json.as_str().and_then(|s| s.trim().parse().ok()))
        {
            Some(n) if n.is_finite() => Value::Number(n),
            _ => mistyped("数字"),
        },
        Type::Money => match json
            .as_f64()
            .or_else(|| json.as_str().and_then(|s| s.trim().parse().ok()))
        {
            Some(n) if n.is_finite() && n.abs() < 1e9 => {
                Value::Money((n * 1_000_000.0).round() as i64)
            }
            _ => mistyped("以万元计的金额"),
        },
        Type::Bool => match json {
            J::Bool(b) => Value::Bool(*b),
            _ => mistyped("是/否"),
        },
        Type::Date => match json {
            J::String(s) => date_value(s).unwrap_or_else(|why| {
                Value::unknown(at.path(), format!("{}“{s}”{why}", at.label()), false)
            }),
            _ => mistyped("日期"),
        },
        Type::Record(rid) => record_from_json(rs, *rid, Some(json), at.path().into()),
        Type::List(item) => match json {
            J::Array(items) => {
                let path = at.path();
                let values: Vec<Value> = items
                    .iter()
                    .enumerate()
                    .map(|(i, it)| match &**item {
                        Type::Record(rid) => {
                            record_from_json(rs, *rid, Some(it), format!("{path}[{i}]").into())
                        }
                        t => {
                            let at = At::Item {
                                parent: &path,
                                index: i,
                            };
                            field_from_json(rs, t, Some(it), &at)
                        }
                    })
                    .collect();
                Value::List(values.into())
            }
            _ => mistyped("列表"),
        },
        Type::Table | Type::Error => mistyped("值"),
    }
}

/// ISO dates (the contract's form format), `长期`, or any usual Chinese format.
fn date_value(s: &str) -> Result<Value, String> {
    let t = s.trim();
    if t == "长期" {
        return Ok(Value::Date(LONG_TERM));
    }
    if let Some(d) = iso_date(t) {
        return Ok(Value::Date(d));
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(Value::Date(d));
    }
    prereview_validators::date::parse_date(t)
        .map(Value::Date)
        .map_err(|e| format!("不是有效日期：{e}"))
}

/// `YYYY-MM-DD` exactly (the usual case), without chrono's format parser; other
/// spellings are left to it.
fn iso_date(t: &str) -> Option<NaiveDate> {
    let b = t.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

fn document_record(
    rs: &RuleSet,
    kind: usize,
    d: &DocumentInput,
    path: Arc<str>,
    th: Thresholds,
) -> Value {
    let spec = &rs.documents[kind];
    let rid = rs.document_records[kind];
    let doc = &d.document;
    let mut fields = Vec::with_capacity(spec.fields.len() + 2);
    let mut sources = Vec::with_capacity(spec.fields.len() + 2);
    for f in &spec.fields {
        // Spelled out only for an unknown's cause.
        let fpath = || format!("{path}.{}", f.name);
        let what = || format!("{}{}", spec.title, f.title);
        let read = doc.fields.get(&f.name);
        sources.push(read.map(|r| FieldSource {
            page: r.page,
            bbox: r.bbox,
            confidence: r.confidence,
        }));
        let value = if let Some(err) = &doc.error {
            Value::unknown(fpath(), format!("材料“{}”无法识别：{err}", doc.file), false)
        } else {
            match read {
                None => Value::unknown(fpath(), format!("{}未识别到", what()), false),
                Some(r) => match &r.value {
                    None => Value::unknown(
                        fpath(),
                        format!(
                            "{}未能识别{}",
                            what(),
                            r.reason
                                .as_deref()
                                .map(|x| format!("（{x}）"))
                                .unwrap_or_default()
                        ),
                        false,
                    ),
                    Some(v) => {
                        let min = match f.ty {
                            FieldType::ResidentId | FieldType::Uscc => th.identifier,
                            _ => th.text,
                        };
                        if r.confidence < min {
                            Value::unknown(
                                fpath(),
                                // The reading's note says why, when it knows
                                // (two readings disagree, a character the
                                // model cannot output).
                                format!(
                                    "{}识别置信度 {} 低于 {:.2}{}",
                                    what(),
                                    shown_confidence(r.confidence),
                                    min,
                                    r.reason
                                        .as_deref()
                                        .map(|x| format!("（{x}）"))
                                        .unwrap_or_default()
                                ),
                                false,
                            )
                        } else {
                            doc_value(f.ty, v).unwrap_or_else(|why| {
                                Value::unknown(fpath(), format!("{}{why}", what()), false)
                            })
                        }
                    }
                },
            }
        };
        fields.push(value);
    }
    let file: Arc<str> = doc.file.as_str().into();
    fields.push(Value::Text(file.clone()));
    sources.push(None);
    fields.push(match &d.subject {
        Some(s) => Value::Text(s.as_str().into()),
        None => Value::unknown(format!("{path}.subject"), "附件未标明所属人", true),
    });
    sources.push(None);
    Value::Record(Arc::new(Record {
        fields: fields.into(),
        schema: rid.0,
        origin: Origin {
            path,
            sources: Some(DocSources {
                file,
                fields: sources.into(),
            }),
        },
    }))
}

fn doc_value(ty: FieldType, v: &serde_json::Value) -> Result<Value, String> {
    match ty {
        FieldType::Text | FieldType::ResidentId | FieldType::Uscc => match v {
            serde_json::Value::String(s) => Ok(Value::Text(s.as_str().into())),
            other => Ok(Value::Text(other.to_string().into())),
        },
        FieldType::Date => match v.as_str() {
            Some(s) => date_value(s).map_err(|why| format!("“{s}”{why}")),
            None => Err(format!("应为日期，实为 {v}")),
        },
        FieldType::Number => v
            .as_f64()
            .map(Value::Number)
            .ok_or_else(|| format!("应为数字，实为 {v}")),
        FieldType::Money => v
            .as_f64()
            .filter(|n| n.is_finite() && n.abs() < 1e9)
            .map(|n| Value::Money((n * 1_000_000.0).round() as i64))
            .ok_or_else(|| format!("应为金额，实为 {v}")),
    }
}

/// The value of each parameter in force on `date` (unknown when none is).
pub fn params_on(rs: &RuleSet, date: Option<NaiveDate>) -> Vec<Value> {
    rs.params
        .iter()
        .map(|p| {
            let v = match date {
                Some(d) => p.versions.iter().find(|v| v.in_force(d)),
                None => p
                    .versions
                    .iter()
                    .find(|v| v.from.is_none() && v.until.is_none()),
            };
            match v {
                Some(v) => lit_value(&v.value),
                None => Value::unknown(
                    format!("param.{}", p.name),
                    format!("参数“{}”在该日期无有效值", p.name),
                    false,
                ),
            }
        })
        .collect()
}

pub fn lit_value(l: &Lit) -> Value {
    match l {
        Lit::Bool(b) => Value::Bool(*b),
        Lit::Number(n) => Value::Number(*n),
        Lit::Money(m) => Value::Money(*m),
        Lit::Text(t) => Value::Text(t.clone()),
        Lit::Date(d) => Value::Date(*d),
    }
}
