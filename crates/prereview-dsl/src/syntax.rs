//! From text to [`Module`]: a pest grammar (`grammar.pest`) and a tree builder.
//!
//! The parser never fails hard. The file is cut into top-level items (lines that
//! start with `rule` or `procedure`), each item is parsed on its own, and an item
//! with a syntax error is reported and skipped, so one mistake never hides the next.

use crate::ast::*;
use crate::diagnostic::{Diagnostic, FileId};
use chrono::NaiveDate;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "grammar.pest"]
struct RuleParser;

/// Parses one rule file. Returns everything that parsed and a diagnostic for
/// everything that did not.
pub fn parse_module(text: &str, file: FileId) -> (Module, Vec<Diagnostic>) {
    let mut module = Module::default();
    let mut diags = Vec::new();
    for (start, end) in item_chunks(text) {
        let chunk = &text[start..end];
        if chunk.trim().is_empty() || is_only_comments(chunk) {
            continue;
        }
        let builder = Builder {
            file,
            offset: start,
            diags: Vec::new(),
        };
        match RuleParser::parse(Rule::single_item, chunk) {
            Ok(mut pairs) => {
                let mut b = builder;
                let single = pairs.next().expect("single_item");
                for pair in single.into_inner() {
                    match pair.as_rule() {
                        Rule::procedure => module.procedures.push(b.procedure(pair)),
                        Rule::rule => module.rules.push(b.rule(pair)),
                        _ => {}
                    }
                }
                diags.extend(b.diags);
            }
            Err(e) => diags.push(syntax_error(e, file, start, chunk)),
        }
    }
    (module, diags)
}

/// Parses a lone expression (used by tests and tools).
// A diagnostic is only built on the error path; its size does not matter there.
#[allow(clippy::result_large_err)]
pub fn parse_expr(text: &str, file: FileId, offset: usize) -> Result<Expr, Diagnostic> {
    match RuleParser::parse(Rule::lone_expr, text) {
        Ok(mut pairs) => {
            let mut b = Builder {
                file,
                offset,
                diags: Vec::new(),
            };
            let lone = pairs.next().expect("lone_expr");
            let expr = lone.into_inner().next().expect("expr");
            let e = b.expr(expr);
            match b.diags.into_iter().next() {
                Some(d) => Err(d),
                None => Ok(e),
            }
        }
        Err(e) => Err(syntax_error(e, file, offset, text)),
    }
}

fn is_only_comments(chunk: &str) -> bool {
    chunk
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
}

/// Byte ranges of top-level items: a new item starts at a line whose first
/// character is the start of `rule ` or `procedure `.
fn item_chunks(text: &str) -> Vec<(usize, usize)> {
    let mut starts = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if offset > 0 && (line.starts_with("rule ") || line.starts_with("procedure ")) {
            starts.push(offset);
        }
        offset += line.len();
    }
    let mut chunks = Vec::new();
    for (i, &s) in starts.iter().enumerate() {
        let e = starts.get(i + 1).copied().unwrap_or(text.len());
        chunks.push((s, e));
    }
    chunks
}

fn syntax_error(
    e: pest::error::Error<Rule>,
    file: FileId,
    offset: usize,
    chunk: &str,
) -> Diagnostic {
    let (start, end) = match e.location {
        InputLocation::Pos(p) => (p, next_char_end(chunk, p)),
        InputLocation::Span((s, e)) => (s, e),
    };
    let found = chunk[start..].chars().next();
    let (message, label) = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut expected: Vec<String> = positives.iter().filter_map(|r| describe(*r)).collect();
            expected.sort();
            expected.dedup();
            let found_text = match found {
                None => "the end of the item".to_string(),
                Some(c) => format!(
                    "`{}`",
                    chunk[start..]
                        .split_whitespace()
                        .next()
                        .unwrap_or(&c.to_string())
                ),
            };
            let msg = if expected.is_empty() {
                format!("unexpected {found_text}")
            } else {
                format!("expected {}, found {found_text}", join_or(&expected))
            };
            (msg, "not expected here".to_string())
        }
        ErrorVariant::CustomError { message } => (message.clone(), String::new()),
    };
    let mut d = Diagnostic::error(
        "E0001",
        file,
        Span::new(offset + start, offset + end),
        message,
    )
    .label(label);
    if let Some(help) = syntax_help(chunk, start) {
        d = d.help(help);
    }
    d
}

fn next_char_end(s: &str, p: usize) -> usize {
    s[p..].chars().next().map_or(p, |c| p + c.len_utf8())
}

fn syntax_help(chunk: &str, at: usize) -> Option<String> {
    let rest = &chunk[at..];
    if rest.starts_with('“') || rest.starts_with('”') {
        return Some("strings are written with straight quotes: \"…\"".into());
    }
    if rest.starts_with('：') {
        return Some("use an ASCII colon `:` outside strings".into());
    }
    if rest.starts_with('=') && !rest.starts_with("==") {
        return Some("comparison is written `==`".into());
    }
    if rest.starts_with("&&") || rest.starts_with("||") {
        return Some("boolean operators are written `and` and `or`".into());
    }
    None
}

fn join_or(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        _ => format!(
            "{} or {}",
            items[..items.len() - 1].join(", "),
            items[items.len() - 1]
        ),
    }
}

/// What a grammar rule is called in messages (never the internal rule name).
fn describe(r: Rule) -> Option<String> {
    Some(
        match r {
            Rule::ident | Rule::path_root => "a name",
            Rule::rule_id => "a rule id",
            Rule::string => "a string",
            Rule::date_lit => "a date (YYYY-MM-DD)",
            Rule::number => "a number",
            Rule::expr
            | Rule::or_expr
            | Rule::and_expr
            | Rule::not_expr
            | Rule::cmp_expr
            | Rule::add_expr
            | Rule::mul_expr
            | Rule::unary
            | Rule::postfix => "an expression",
            Rule::category => "`category`",
            Rule::severity => "`severity`",
            Rule::basis => "`basis`",
            Rule::effective => "`effective`",
            Rule::let_binding => "`let`",
            Rule::for_each => "`for each`",
            Rule::applies_when => "`when`",
            Rule::check => "`check`",
            Rule::message | Rule::check_message => "`message`",
            Rule::check_as => "`as`",
            Rule::cmp_op => "a comparison",
            Rule::and_op => "`and`",
            Rule::or_op => "`or`",
            Rule::add_op | Rule::mul_op => "an operator",
            Rule::field_access => "`.`",
            Rule::index => "`[`",
            Rule::field_decl => "a field declaration",
            Rule::type_expr | Rule::list_type | Rule::record_type => "a type",
            Rule::requirement => "a document requirement",
            Rule::form_block => "`form`",
            Rule::documents_block => "`documents`",
            Rule::procedure => "`procedure`",
            Rule::rule => "`rule`",
            Rule::EOI => "the end of the file",
            Rule::req_each => "`for each`",
            Rule::req_by => "`by`",
            Rule::req_when => "`when`",
            Rule::optional_mark => "`?`",
            Rule::effective_from => "`from`",
            Rule::effective_until => "`until`",
            Rule::quantifier | Rule::quant_kind => "a quantifier",
            Rule::in_op => "`in`",
            _ => return None,
        }
        .to_string(),
    )
}

struct Builder {
    file: FileId,
    offset: usize,
    diags: Vec<Diagnostic>,
}

impl Builder {
    fn span(&self, p: &Pair<Rule>) -> Span {
        let s = p.as_span();
        Span::new(self.offset + s.start(), self.offset + s.end())
    }

    fn ident(&self, p: Pair<Rule>) -> Ident {
        Ident {
            name: p.as_str().to_string(),
            span: self.span(&p),
        }
    }

    fn procedure(&mut self, p: Pair<Rule>) -> Procedure {
        let span = self.span(&p);
        let mut inner = p.into_inner();
        let name = self.ident(inner.next().unwrap());
        let title = self.string(inner.next().unwrap());
        let mut form = None;
        let mut requirements = Vec::new();
        for m in inner {
            match m.as_rule() {
                Rule::form_block => form = Some(self.record_type(m.into_inner().next().unwrap())),
                Rule::documents_block => {
                    for r in m.into_inner() {
                        requirements.push(self.requirement(r));
                    }
                }
                _ => {}
            }
        }
        Procedure {
            name,
            title,
            form,
            requirements,
            span,
        }
    }

    fn record_type(&mut self, p: Pair<Rule>) -> RecordTypeAst {
        let span = self.span(&p);
        let fields = p.into_inner().map(|f| self.field_decl(f)).collect();
        RecordTypeAst { fields, span }
    }

    fn field_decl(&mut self, p: Pair<Rule>) -> FieldDecl {
        let span = self.span(&p);
        let mut inner = p.into_inner().peekable();
        let name = self.ident(inner.next().unwrap());
        let optional = inner
            .peek()
            .is_some_and(|n| n.as_rule() == Rule::optional_mark);
        if optional {
            inner.next();
        }
        let ty_pair = inner.next().unwrap().into_inner().next().unwrap();
        let ty = match ty_pair.as_rule() {
            Rule::list_type => {
                TypeAst::List(self.record_type(ty_pair.into_inner().next().unwrap()))
            }
            Rule::record_type => TypeAst::Record(self.record_type(ty_pair)),
            _ => TypeAst::Named(self.ident(ty_pair)),
        };
        let title = inner.next().map(|s| self.string(s));
        FieldDecl {
            name,
            optional,
            ty,
            title,
            span,
        }
    }

    fn requirement(&mut self, p: Pair<Rule>) -> Requirement {
        let span = self.span(&p);
        let mut inner = p.into_inner();
        let title = self.string(inner.next().unwrap());
        let kinds = inner
            .next()
            .unwrap()
            .into_inner()
            .map(|k| self.ident(k))
            .collect();
        let (mut each, mut by, mut when) = (None, None, None);
        for part in inner {
            match part.as_rule() {
                Rule::req_each => each = Some(self.binder(part)),
                Rule::req_by => by = Some(self.expr(part.into_inner().next().unwrap())),
                Rule::req_when => when = Some(self.expr(part.into_inner().next().unwrap())),
                _ => {}
            }
        }
        Requirement {
            title,
            kinds,
            each,
            by,
            when,
            span,
        }
    }

    fn binder(&mut self, p: Pair<Rule>) -> Binder {
        let span = self.span(&p);
        let mut inner = p.into_inner();
        let var = self.ident(inner.next().unwrap());
        let list = self.expr(inner.next().unwrap());
        let filter = inner.next().map(|f| self.expr(f));
        Binder {
            var,
            list,
            filter,
            span,
        }
    }

    fn rule(&mut self, p: Pair<Rule>) -> RuleDecl {
        let span = self.span(&p);
        let mut inner = p.into_inner();
        let id = self.ident(inner.next().unwrap());
        let title = self.string(inner.next().unwrap());
        let mut members = Vec::new();
        for m in inner {
            let member = match m.as_rule() {
                Rule::category => RuleMember::Category(self.ident(m.into_inner().next().unwrap())),
                Rule::severity => RuleMember::Severity(self.ident(m.into_inner().next().unwrap())),
                Rule::basis => RuleMember::Basis(self.string(m.into_inner().next().unwrap())),
                Rule::effective => {
                    let espan = self.span(&m);
                    let (mut from, mut until) = (None, None);
                    for part in m.into_inner() {
                        let is_from = part.as_rule() == Rule::effective_from;
                        let d = part.into_inner().next().unwrap();
                        let dspan = self.span(&d);
                        if let Some(v) = self.date(&d) {
                            if is_from {
                                from = Some((v, dspan));
                            } else {
                                until = Some((v, dspan));
                            }
                        }
                    }
                    RuleMember::Effective {
                        from,
                        until,
                        span: espan,
                    }
                }
                Rule::let_binding => {
                    let mut i = m.into_inner();
                    let name = self.ident(i.next().unwrap());
                    RuleMember::Let(name, self.expr(i.next().unwrap()))
                }
                Rule::for_each => RuleMember::ForEach(self.binder(m)),
                Rule::applies_when => RuleMember::When(self.expr(m.into_inner().next().unwrap())),
                Rule::check => {
                    let cspan = self.span(&m);
                    let mut i = m.into_inner();
                    let expr = self.expr(i.next().unwrap());
                    let (mut severity, mut message) = (None, None);
                    for part in i {
                        match part.as_rule() {
                            Rule::check_as => {
                                severity = Some(self.ident(part.into_inner().next().unwrap()))
                            }
                            Rule::check_message => {
                                message = Some(self.string(part.into_inner().next().unwrap()))
                            }
                            _ => {}
                        }
                    }
                    RuleMember::Check(Check {
                        expr,
                        severity,
                        message,
                        span: cspan,
                    })
                }
                Rule::message => RuleMember::Message(self.string(m.into_inner().next().unwrap())),
                _ => continue,
            };
            members.push(member);
        }
        RuleDecl {
            id,
            title,
            members,
            span,
        }
    }

    fn date(&mut self, p: &Pair<Rule>) -> Option<NaiveDate> {
        match NaiveDate::parse_from_str(p.as_str(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.diags.push(
                    Diagnostic::error("E0002", self.file, self.span(p), format!("`{}` is not a calendar date", p.as_str()))
                        .label("no such day")
                        .help("dates are written YYYY-MM-DD and must exist (2024-02-29 does, 2023-02-29 does not)"),
                );
                None
            }
        }
    }

    /// A string literal: unescapes `\"`, `\\`, `\n`, `{{`, `}}` and parses `{expr}`.
    fn string(&mut self, p: Pair<Rule>) -> Str {
        let span = self.span(&p);
        let inner = p.into_inner().next().unwrap();
        let raw = inner.as_str();
        let base = self.offset + inner.as_span().start();
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut chars = raw.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, 'n')) => lit.push('\n'),
                    Some((_, 't')) => lit.push('\t'),
                    Some((_, other)) => lit.push(other),
                    None => {}
                },
                '{' if chars.peek().is_some_and(|(_, n)| *n == '{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek().is_some_and(|(_, n)| *n == '}') => {
                    chars.next();
                    lit.push('}');
                }
                '{' => {
                    let start = i + 1;
                    let mut end = None;
                    for (j, c2) in chars.by_ref() {
                        if c2 == '}' {
                            end = Some(j);
                            break;
                        }
                    }
                    let Some(end) = end else {
                        self.diags.push(
                            Diagnostic::error(
                                "E0003",
                                self.file,
                                Span::new(base + i, base + raw.len()),
                                "unclosed `{` in string",
                            )
                            .label("interpolation starts here")
                            .help("close it with `}`, or write `{{` for a literal brace"),
                        );
                        break;
                    };
                    if !lit.is_empty() {
                        parts.push(StrPart::Lit(std::mem::take(&mut lit)));
                    }
                    let src = &raw[start..end];
                    match parse_expr(src, self.file, base + start) {
                        Ok(e) => parts.push(StrPart::Expr(e, src.to_string())),
                        Err(d) => self.diags.push(d),
                    }
                }
                _ => lit.push(c),
            }
        }
        if !lit.is_empty() {
            parts.push(StrPart::Lit(lit));
        }
        Str { parts, span }
    }

    fn expr(&mut self, p: Pair<Rule>) -> Expr {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::expr => self.expr(p.into_inner().next().unwrap()),
            Rule::or_expr | Rule::and_expr | Rule::add_expr | Rule::mul_expr => {
                let kind = p.as_rule();
                let mut inner = p.into_inner();
                let mut left = self.expr(inner.next().unwrap());
                while let Some(op) = inner.next() {
                    let op = match (kind, op.as_str()) {
                        (Rule::or_expr, _) => BinOp::Or,
                        (Rule::and_expr, _) => BinOp::And,
                        (_, "+") => BinOp::Add,
                        (_, "-") => BinOp::Sub,
                        (_, "*") => BinOp::Mul,
                        _ => BinOp::Div,
                    };
                    let right = self.expr(inner.next().unwrap());
                    let s = left.span.to(right.span);
                    left = Expr {
                        kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                        span: s,
                    };
                }
                left
            }
            Rule::not_expr | Rule::unary => {
                let op = if p.as_rule() == Rule::not_expr {
                    UnOp::Not
                } else {
                    UnOp::Neg
                };
                let mut inner: Vec<Pair<Rule>> = p.into_inner().collect();
                let operand = self.expr(inner.pop().unwrap());
                let span = Span::new(span.start, operand.span.end);
                inner.into_iter().rev().fold(operand, |e, _| Expr {
                    kind: ExprKind::Unary(op, Box::new(e)),
                    span,
                })
            }
            Rule::cmp_expr => {
                let mut inner = p.into_inner();
                let left = self.expr(inner.next().unwrap());
                match inner.next() {
                    None => left,
                    Some(op) => {
                        let op = match op
                            .as_str()
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ")
                            .as_str()
                        {
                            "==" => BinOp::Eq,
                            "!=" => BinOp::Ne,
                            "<=" => BinOp::Le,
                            ">=" => BinOp::Ge,
                            "<" => BinOp::Lt,
                            ">" => BinOp::Gt,
                            "in" => BinOp::In,
                            _ => BinOp::NotIn,
                        };
                        let right = self.expr(inner.next().unwrap());
                        let span = left.span.to(right.span);
                        Expr {
                            kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                            span,
                        }
                    }
                }
            }
            Rule::postfix => {
                let mut inner = p.into_inner();
                let mut e = self.expr(inner.next().unwrap());
                for post in inner {
                    let pspan = self.span(&post);
                    let s = e.span.to(pspan);
                    e = match post.as_rule() {
                        Rule::field_access => {
                            let name = self.ident(post.into_inner().next().unwrap());
                            Expr {
                                kind: ExprKind::Field(Box::new(e), name),
                                span: s,
                            }
                        }
                        _ => {
                            let idx = self.expr(post.into_inner().next().unwrap());
                            Expr {
                                kind: ExprKind::Index(Box::new(e), Box::new(idx)),
                                span: s,
                            }
                        }
                    };
                }
                e
            }
            Rule::call => {
                let mut inner = p.into_inner();
                let name = self.ident(inner.next().unwrap());
                let args = inner.map(|a| self.expr(a)).collect();
                Expr {
                    kind: ExprKind::Call(name, args),
                    span,
                }
            }
            Rule::list_lit => Expr {
                kind: ExprKind::List(p.into_inner().map(|a| self.expr(a)).collect()),
                span,
            },
            Rule::date_lit => match self.date(&p) {
                Some(d) => Expr {
                    kind: ExprKind::Date(d),
                    span,
                },
                None => Expr {
                    kind: ExprKind::Error,
                    span,
                },
            },
            Rule::number => Expr {
                kind: ExprKind::Number(p.as_str().parse().unwrap_or(0.0)),
                span,
            },
            Rule::boolean => Expr {
                kind: ExprKind::Bool(p.as_str() == "true"),
                span,
            },
            Rule::string => Expr {
                kind: ExprKind::Text(self.string(p)),
                span,
            },
            Rule::path_root => Expr {
                kind: ExprKind::Name(
                    self.ident(p.into_inner().next().unwrap_or_else(|| unreachable!())),
                ),
                span,
            },
            Rule::conditional => {
                let mut inner = p.into_inner();
                let c = self.expr(inner.next().unwrap());
                let t = self.expr(inner.next().unwrap());
                let f = self.expr(inner.next().unwrap());
                let span = Span::new(span.start, f.span.end);
                Expr {
                    kind: ExprKind::If(Box::new(c), Box::new(t), Box::new(f)),
                    span,
                }
            }
            Rule::quantifier => {
                let mut inner = p.into_inner();
                let kind = match inner.next().unwrap().as_str() {
                    "all" => QuantKind::All,
                    "any" => QuantKind::Any,
                    "none" => QuantKind::None,
                    "count" => QuantKind::Count,
                    "sum" => QuantKind::Sum,
                    "unique" => QuantKind::Unique,
                    _ => QuantKind::First,
                };
                let var = self.ident(inner.next().unwrap());
                let _in = inner.next();
                let list = Box::new(self.expr(inner.next().unwrap()));
                let rest: Vec<Pair<Rule>> = inner.collect();
                // `where` filter (an or_expr) comes before the `:` body (an expr).
                let (mut filter, mut body) = (None, None);
                for r in rest {
                    if r.as_rule() == Rule::or_expr {
                        filter = Some(Box::new(self.expr(r)));
                    } else {
                        body = Some(Box::new(self.expr(r)));
                    }
                }
                let end = body
                    .as_ref()
                    .or(filter.as_ref())
                    .map_or(list.span.end, |e| e.span.end);
                let span = Span::new(span.start, end);
                Expr {
                    kind: ExprKind::Quant {
                        kind,
                        var,
                        list,
                        filter,
                        body,
                    },
                    span,
                }
            }
            _ => Expr {
                kind: ExprKind::Error,
                span,
            },
        }
    }
}
