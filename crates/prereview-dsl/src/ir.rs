//! The compiled program: rules with field paths resolved to slots, operators
//! resolved by type, regexes compiled and tables indexed. The engine evaluates it;
//! nothing here is looked up by name at run time.

use crate::ast::Span;
use crate::diagnostic::{FileId, SourceMap};
use crate::types::{RecordId, RecordSchema, Type};
use aho_corasick::AhoCorasick;
use chrono::NaiveDate;
use prereview_model::document::DocumentSpec;
use prereview_model::report::Severity;
use regex::Regex;
use std::collections::HashSet;
use std::sync::Arc;

/// A compiled set of rule packs, shared read-only by every thread.
#[derive(Debug)]
pub struct RuleSet {
    /// Content hash of every file the rule set was compiled from.
    pub version: String,
    pub records: Vec<RecordSchema>,
    pub documents: Vec<DocumentSpec>,
    /// The record schema of each document kind (same index as `documents`).
    pub document_records: Vec<RecordId>,
    pub procedures: Vec<Procedure>,
    pub params: Vec<Param>,
    pub tables: Vec<Table>,
    pub sources: SourceMap,
}

impl RuleSet {
    pub fn procedure(&self, name: &str) -> Option<&Procedure> {
        self.procedures.iter().find(|p| p.name == name)
    }
    pub fn document_kind(&self, kind: &str) -> Option<usize> {
        self.documents.iter().position(|d| d.kind == kind)
    }
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|p| p.name == name)
    }
    pub fn rule_count(&self) -> usize {
        self.procedures.iter().map(|p| p.rules.len()).sum()
    }
}

#[derive(Debug)]
pub struct Procedure {
    pub name: String,
    pub title: String,
    pub form: RecordId,
    pub requirements: Vec<Requirement>,
    pub rules: Vec<Rule>,
}

/// A required document (or one of several kinds), possibly once per list item.
#[derive(Debug)]
pub struct Requirement {
    pub title: String,
    pub kinds: Vec<u16>,
    pub each: Option<Binder>,
    pub by: Option<Ir>,
    pub when: Option<Ir>,
    pub frame_size: u16,
}

#[derive(Debug)]
pub struct Binder {
    pub slot: u16,
    pub list: Ir,
    pub filter: Option<Ir>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Completeness,
    Validity,
    Consistency,
    Legal,
}

impl Category {
    pub const ALL: [(&'static str, Category); 4] = [
        ("completeness", Category::Completeness),
        ("validity", Category::Validity),
        ("consistency", Category::Consistency),
        ("legal", Category::Legal),
    ];
    pub fn as_str(self) -> &'static str {
        Category::ALL
            .iter()
            .find(|(_, c)| *c == self)
            .map(|(s, _)| *s)
            .unwrap_or("")
    }
}

#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub category: Category,
    pub severity: Severity,
    pub basis: String,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    /// Number of local slots (lets, loop and quantifier variables).
    pub frame_size: u16,
    pub lets: Vec<(u16, Ir)>,
    pub for_each: Option<Binder>,
    /// Lets evaluated per item, after the loop variable is bound.
    pub item_lets: Vec<(u16, Ir)>,
    pub when: Option<Ir>,
    pub checks: Vec<Check>,
    pub message: Template,
    pub file: FileId,
    pub span: Span,
}

impl Rule {
    /// Whether the rule is in force on `date` (`from` inclusive, `until` exclusive).
    pub fn in_force(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= date) && self.until.is_none_or(|u| date < u)
    }
}

#[derive(Debug)]
pub struct Check {
    pub expr: Ir,
    pub severity: Severity,
    pub message: Option<Template>,
}

#[derive(Debug, Default)]
pub struct Template {
    pub parts: Vec<TemplatePart>,
}

#[derive(Debug)]
pub enum TemplatePart {
    Lit(String),
    Expr(Ir),
}

/// A parameter with values over time.
#[derive(Debug)]
pub struct Param {
    pub name: String,
    pub title: String,
    pub ty: Type,
    pub versions: Vec<Versioned<Lit>>,
}

/// A word list with versions over time.
#[derive(Debug)]
pub struct Table {
    pub name: String,
    pub title: String,
    pub versions: Vec<Versioned<TableData>>,
}

#[derive(Debug)]
pub struct Versioned<T> {
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub value: T,
}

impl<T> Versioned<T> {
    pub fn in_force(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= date) && self.until.is_none_or(|u| date < u)
    }
}

/// One version of a table: the entries (normalised), a hashed set for `in` and an
/// automaton for `contains_any`.
#[derive(Debug)]
pub struct TableData {
    pub entries: Vec<String>,
    pub set: HashSet<String>,
    pub automaton: AhoCorasick,
}

impl TableData {
    pub fn new(entries: Vec<String>) -> Self {
        let entries: Vec<String> = entries
            .iter()
            .map(|e| prereview_validators::text::normalize(e))
            .collect();
        let set = entries.iter().cloned().collect();
        let automaton = AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&entries)
            .expect("table automaton");
        TableData {
            entries,
            set,
            automaton,
        }
    }
}

/// A literal value known at compile time.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Bool(bool),
    Number(f64),
    /// Money in 分.
    Money(i64),
    Text(Arc<str>),
    Date(NaiveDate),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// Whether the comparison holds for two values that compare as `ord`.
    pub fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Eq => ord == Equal,
            CmpOp::Ne => ord != Equal,
            CmpOp::Lt => ord == Less,
            CmpOp::Le => ord != Greater,
            CmpOp::Gt => ord == Greater,
            CmpOp::Ge => ord != Less,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantKind {
    All,
    Any,
    None,
    Count,
    Sum,
    /// `sum` whose body is money (exact, in 分).
    SumMoney,
    Unique,
    First,
}

/// Functions of the language. Signatures are in `builtins.rs`; the engine implements them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    Norm,
    Len,
    Contains,
    StartsWith,
    EndsWith,
    Similarity,
    SameText,
    SameAddress,
    ContainsAny,
    FindAny,
    Join,
    ValidId,
    IdProblem,
    IdBirth,
    IdSex,
    IdRegionKnown,
    ValidUscc,
    UsccProblem,
    ValidPhone,
    IdPeriodOk,
    AddYears,
    AddMonths,
    AddDays,
    AgeOn,
    DaysBetween,
    ParseAmount,
    ParseDate,
    NameRegion,
    NameRegionOk,
    NameForm,
    NameCore,
    StartsWithDivision,
    UsccSemanticMisses,
    Present,
    Known,
    MissingDocuments,
    /// `doc_of(kind, id)`: the document of that kind for a person (by subject or id_number).
    DocOf(u16),
    /// Number in 万元 to money (inserted by the compiler).
    Wan,
    Min,
    Max,
    Abs,
    Year,
}

#[derive(Debug)]
pub enum Ir {
    Lit(Lit),
    SubmittedAt,
    Form,
    Docs(u16),
    Param(u16),
    Table(u16),
    Local(u16),
    /// Field of a record by index; the name is kept for evidence paths.
    Field(Box<Ir>, u16),
    Index(Box<Ir>, Box<Ir>),
    List(Vec<Ir>),
    Not(Box<Ir>),
    Neg(Box<Ir>),
    And(Box<Ir>, Box<Ir>),
    Or(Box<Ir>, Box<Ir>),
    Cmp(CmpOp, Box<Ir>, Box<Ir>),
    /// Membership in a list or table.
    In(Box<Ir>, Box<Ir>),
    Arith(ArithOp, Box<Ir>, Box<Ir>),
    If(Box<Ir>, Box<Ir>, Box<Ir>),
    Quant {
        kind: QuantKind,
        slot: u16,
        list: Box<Ir>,
        filter: Option<Box<Ir>>,
        body: Option<Box<Ir>>,
    },
    Call(Builtin, Vec<Ir>),
    Matches(Box<Ir>, Arc<Regex>),
}
