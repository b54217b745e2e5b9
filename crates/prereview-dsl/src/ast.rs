//! The syntax tree: what a rule file says, with a byte span on every node.

use chrono::NaiveDate;

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A name with its place in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal; `parts` splits `{expr}` interpolations from literal text.
#[derive(Debug, Clone, PartialEq)]
pub struct Str {
    pub parts: Vec<StrPart>,
    pub span: Span,
}

impl Str {
    /// The literal text, with interpolations written back as `{…}`.
    pub fn plain(&self) -> String {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                StrPart::Lit(s) => out.push_str(s),
                StrPart::Expr(_, src) => {
                    out.push('{');
                    out.push_str(src);
                    out.push('}');
                }
            }
        }
        out
    }
    pub fn has_interpolation(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, StrPart::Expr(..)))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    Lit(String),
    /// An interpolated expression and its source text.
    Expr(Expr, String),
}

/// One parsed file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Module {
    pub procedures: Vec<Procedure>,
    pub rules: Vec<RuleDecl>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Procedure {
    pub name: Ident,
    pub title: Str,
    pub form: Option<RecordTypeAst>,
    pub requirements: Vec<Requirement>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecordTypeAst {
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    pub name: Ident,
    pub optional: bool,
    pub ty: TypeAst,
    pub title: Option<Str>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeAst {
    Named(Ident),
    Record(RecordTypeAst),
    List(RecordTypeAst),
}

/// A document the procedure requires: `"住所使用证明": lease_contract | property_certificate`.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    pub title: Str,
    pub kinds: Vec<Ident>,
    pub each: Option<Binder>,
    pub by: Option<Expr>,
    pub when: Option<Expr>,
    pub span: Span,
}

/// `for each x in LIST [where COND]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Binder {
    pub var: Ident,
    pub list: Expr,
    pub filter: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleDecl {
    pub id: Ident,
    pub title: Str,
    pub members: Vec<RuleMember>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RuleMember {
    Category(Ident),
    Severity(Ident),
    Basis(Str),
    Effective {
        from: Option<(NaiveDate, Span)>,
        until: Option<(NaiveDate, Span)>,
        span: Span,
    },
    Let(Ident, Expr),
    ForEach(Binder),
    When(Expr),
    Check(Check),
    Message(Str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub expr: Expr,
    pub severity: Option<Ident>,
    pub message: Option<Str>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::NotIn => "not in",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantKind {
    All,
    Any,
    None,
    Count,
    Sum,
    Unique,
    First,
}

impl QuantKind {
    pub fn keyword(self) -> &'static str {
        match self {
            QuantKind::All => "all",
            QuantKind::Any => "any",
            QuantKind::None => "none",
            QuantKind::Count => "count",
            QuantKind::Sum => "sum",
            QuantKind::Unique => "unique",
            QuantKind::First => "first",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Bool(bool),
    Number(f64),
    Text(Str),
    Date(NaiveDate),
    List(Vec<Expr>),
    Name(Ident),
    Field(Box<Expr>, Ident),
    Index(Box<Expr>, Box<Expr>),
    Call(Ident, Vec<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Quant {
        kind: QuantKind,
        var: Ident,
        list: Box<Expr>,
        filter: Option<Box<Expr>>,
        body: Option<Box<Expr>>,
    },
    /// Placeholder where a syntax error was recovered from.
    Error,
}
