//! The types of the rule language and the record schemas of forms and documents.

use prereview_model::document::FieldType;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordId(pub u32);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    Bool,
    Number,
    /// Money, exact in 分; form fields and literals are in 万元.
    Money,
    Date,
    Text,
    List(Box<Type>),
    Record(RecordId),
    /// A word list from `rules/tables/`.
    Table,
    /// The type of an expression that already has an error (suppresses follow-ups).
    Error,
}

impl Type {
    pub fn is_error(&self) -> bool {
        matches!(self, Type::Error)
    }
    /// Whether a value of `self` may stand where `other` is expected.
    pub fn fits(&self, other: &Type) -> bool {
        self.is_error() || other.is_error() || self == other
    }
}

/// A display adapter that names record types by their path (`form.shareholders[]`).
pub struct TypeName<'a>(pub &'a Type, pub &'a [RecordSchema]);

impl fmt::Display for TypeName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Type::Bool => f.write_str("bool"),
            Type::Number => f.write_str("number"),
            Type::Money => f.write_str("money"),
            Type::Date => f.write_str("date"),
            Type::Text => f.write_str("text"),
            Type::Table => f.write_str("table"),
            Type::Error => f.write_str("(error)"),
            Type::List(t) => write!(f, "list of {}", TypeName(t, self.1)),
            Type::Record(r) => match self.1.get(r.0 as usize) {
                Some(s) => write!(f, "record `{}`", s.name),
                None => f.write_str("record"),
            },
        }
    }
}

/// The fields of a form record, a list item, or a document kind.
#[derive(Debug, Clone)]
pub struct RecordSchema {
    /// How it is named in messages: `form`, `form.shareholders[]`, `id_card`.
    pub name: String,
    pub fields: Vec<FieldSchema>,
    /// The document kind index, for document records.
    pub document: Option<u16>,
}

impl RecordSchema {
    pub fn field(&self, name: &str) -> Option<(usize, &FieldSchema)> {
        self.fields.iter().enumerate().find(|(_, f)| f.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct FieldSchema {
    pub name: String,
    pub title: String,
    pub ty: Type,
    pub optional: bool,
    /// For document fields: the declared field type (validators pick values by it).
    pub field_type: Option<FieldType>,
}

/// Named scalar types usable in a form declaration.
pub const SCALAR_TYPES: &[(&str, Type)] = &[
    ("text", Type::Text),
    ("number", Type::Number),
    ("money", Type::Money),
    ("date", Type::Date),
    ("bool", Type::Bool),
];

pub fn type_of_field(t: FieldType) -> Type {
    match t {
        FieldType::Text | FieldType::ResidentId | FieldType::Uscc => Type::Text,
        FieldType::Number => Type::Number,
        FieldType::Money => Type::Money,
        FieldType::Date => Type::Date,
    }
}
