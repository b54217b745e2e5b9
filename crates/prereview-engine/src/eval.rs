//! The evaluator: walks the compiled program over the facts. Kleene logic for
//! `and`/`or`/quantifiers; every other operator propagates the first unknown.

use crate::builtins;
use crate::facts::{lit_value, Facts};
use crate::value::{Cause, Value};
use prereview_dsl::ir::{
    ArithOp, Builtin, CmpOp, Ir, Lit, Procedure, QuantKind, RuleSet, TableData,
};
use prereview_model::report::{Evidence, EvidenceSource};
use std::cmp::Ordering;
use std::sync::Arc;

/// Per-evaluation state: the facts, parameter values and tables in force, the
/// local slots, and (only when explaining a finding) the evidence being gathered.
pub struct Ctx<'a> {
    pub rs: &'a RuleSet,
    pub procedure: &'a Procedure,
    pub facts: &'a Facts,
    pub params: &'a [Value],
    pub tables: &'a [Option<&'a TableData>],
    pub frame: Vec<Value>,
    pub evidence: Option<Vec<Evidence>>,
    /// Per document kind: the index of its `id_number` field, if any.
    pub id_fields: &'a [Option<u16>],
}

macro_rules! known {
    ($v:expr) => {
        match $v {
            Value::Unknown(c) => return Value::Unknown(c),
            v => v,
        }
    };
}

impl<'a> Ctx<'a> {
    /// Resolves a path (the form, documents, parameters, locals, the submission
    /// date, and fields of these) to the value it names, cloning nothing. `None`
    /// for other expressions, or when a step is not a record (the general path
    /// then reports it). Only for the fast pass: reads are not recorded as evidence.
    fn place(&self, ir: &Ir) -> Option<&Value> {
        debug_assert!(self.evidence.is_none());
        match ir {
            Ir::Local(s) => Some(&self.frame[*s as usize]),
            Ir::Form => Some(&self.facts.form),
            Ir::Docs(k) => Some(&self.facts.docs[*k as usize]),
            Ir::Param(i) => Some(&self.params[*i as usize]),
            Ir::SubmittedAt => Some(&self.facts.submitted_at),
            Ir::Field(base, i) => match self.place(base)? {
                // As `known!`: a field of an unknown record is that unknown.
                u @ Value::Unknown(_) => Some(u),
                Value::Record(r) => Some(&r.fields[*i as usize]),
                _ => None,
            },
            _ => None,
        }
    }

    /// [`Ctx::place`] when not gathering evidence.
    #[inline]
    fn fast_place(&self, ir: &Ir) -> Option<&Value> {
        if self.evidence.is_none() {
            self.place(ir)
        } else {
            None
        }
    }

    pub fn eval(&mut self, ir: &Ir) -> Value {
        match ir {
            Ir::Lit(l) => lit_value(l),
            Ir::SubmittedAt if self.evidence.is_none() => self.facts.submitted_at.clone(),
            Ir::SubmittedAt => {
                let v = self.facts.submitted_at.clone();
                self.note(
                    "submitted_at",
                    &v,
                    EvidenceSource::Named("submission".into()),
                );
                v
            }
            Ir::Form => self.facts.form.clone(),
            Ir::Docs(k) => self.facts.docs[*k as usize].clone(),
            Ir::Param(i) => {
                let v = self.params[*i as usize].clone();
                if self.evidence.is_some() {
                    let path = format!("param.{}", self.rs.params[*i as usize].name);
                    self.note(&path, &v, EvidenceSource::Named("parameter".into()));
                }
                v
            }
            Ir::Table(i) => match self.tables[*i as usize] {
                Some(_) => Value::Number(*i as f64),
                None => Value::unknown(
                    format!("table.{}", self.rs.tables[*i as usize].name),
                    "该日期无有效词表",
                    false,
                ),
            },
            Ir::Local(s) => self.frame[*s as usize].clone(),
            Ir::Field(base, i) => {
                // Fast pass: walk the path by reference, clone only the field read.
                if let Some(v) = self.fast_place(ir) {
                    return v.clone();
                }
                let b = known!(self.eval(base));
                match b {
                    Value::Record(r) => {
                        let v = r.fields[*i as usize].clone();
                        if self.evidence.is_some() {
                            let name = &self.rs.records[r.schema as usize].fields[*i as usize].name;
                            let path = format!("{}.{}", r.origin.path, name);
                            let source =
                                match r.origin.sources.as_ref().and_then(|s| s.get(*i as usize)) {
                                    Some(src) => EvidenceSource::Document(src),
                                    None if r.origin.path.starts_with("doc.") => {
                                        EvidenceSource::Named("submission".into())
                                    }
                                    None => EvidenceSource::Named("form".into()),
                                };
                            self.note(&path, &v, source);
                        }
                        v
                    }
                    _ => Value::unknown("", "内部错误：字段访问的对象不是记录", false),
                }
            }
            Ir::Index(base, idx) => {
                let b = known!(self.eval(base));
                let i = known!(self.eval(idx));
                match (b, i) {
                    (Value::List(items), Value::Number(n))
                        if n >= 0.0 && (n as usize) < items.len() =>
                    {
                        items[n as usize].clone()
                    }
                    (Value::List(items), Value::Number(n)) => Value::unknown(
                        "",
                        format!("第 {} 项不存在（共 {} 项）", n, items.len()),
                        true,
                    ),
                    _ => Value::unknown("", "内部错误：下标", false),
                }
            }
            Ir::List(items) => {
                let vals: Vec<Value> = items.iter().map(|i| self.eval(i)).collect();
                Value::List(vals.into())
            }
            Ir::Not(inner) => match known!(self.eval(inner)) {
                Value::Bool(b) => Value::Bool(!b),
                _ => type_bug(),
            },
            Ir::Neg(inner) => match known!(self.eval(inner)) {
                Value::Number(n) => Value::Number(-n),
                Value::Money(m) => Value::Money(-m),
                _ => type_bug(),
            },
            Ir::And(a, b) => {
                let a = self.eval(a);
                if matches!(a, Value::Bool(false)) {
                    return a;
                }
                let b = self.eval(b);
                match (a, b) {
                    (_, f @ Value::Bool(false)) => f,
                    (u @ Value::Unknown(_), _) | (_, u @ Value::Unknown(_)) => u,
                    _ => Value::Bool(true),
                }
            }
            Ir::Or(a, b) => {
                let a = self.eval(a);
                if matches!(a, Value::Bool(true)) {
                    return a;
                }
                let b = self.eval(b);
                match (a, b) {
                    (_, t @ Value::Bool(true)) => t,
                    (u @ Value::Unknown(_), _) | (_, u @ Value::Unknown(_)) => u,
                    _ => Value::Bool(false),
                }
            }
            Ir::Cmp(op, a, b) => {
                // Fast pass: compare paths and literals in place, without cloning.
                if let Some(x) = self.fast_place(a) {
                    if let Value::Unknown(c) = x {
                        return Value::Unknown(c.clone());
                    }
                    if let Ir::Lit(l) = &**b {
                        return compare_lit(*op, x, l);
                    }
                    if let Some(y) = self.place(b) {
                        return match y {
                            Value::Unknown(c) => Value::Unknown(c.clone()),
                            y => compare(*op, x, y),
                        };
                    }
                }
                let a = known!(self.eval(a));
                if let Ir::Lit(l) = &**b {
                    return compare_lit(*op, &a, l);
                }
                if let Some(y) = self.fast_place(b) {
                    return match y {
                        Value::Unknown(c) => Value::Unknown(c.clone()),
                        y => compare(*op, &a, y),
                    };
                }
                let b = known!(self.eval(b));
                compare(*op, &a, &b)
            }
            Ir::In(a, b) => {
                let a = known!(self.eval(a));
                if let Ir::Table(t) = &**b {
                    let Some(table) = self.tables[*t as usize] else {
                        return self.eval(b);
                    };
                    return match &a {
                        Value::Text(s) => {
                            Value::Bool(table.set.contains(&*builtins::normalized(s)))
                        }
                        _ => type_bug(),
                    };
                }
                // A list of literals: no unknowns possible, compare in place.
                if let Ir::List(items) = &**b {
                    if items.iter().all(|i| matches!(i, Ir::Lit(_))) {
                        return Value::Bool(
                            items
                                .iter()
                                .any(|i| matches!(i, Ir::Lit(l) if same_lit(&a, l))),
                        );
                    }
                }
                let Value::List(items) = known!(self.eval(b)) else {
                    return type_bug();
                };
                let mut unknown = None;
                for it in items.iter() {
                    match it {
                        Value::Unknown(c) => unknown = unknown.or(Some(c.clone())),
                        v if v.same(&a) => return Value::Bool(true),
                        _ => {}
                    }
                }
                unknown.map_or(Value::Bool(false), Value::Unknown)
            }
            Ir::Arith(op, a, b) => {
                let a = known!(self.eval(a));
                let b = known!(self.eval(b));
                arith(*op, &a, &b)
            }
            Ir::If(c, t, f) => match known!(self.eval(c)) {
                Value::Bool(true) => self.eval(t),
                Value::Bool(false) => self.eval(f),
                _ => type_bug(),
            },
            Ir::Quant {
                kind,
                slot,
                list,
                filter,
                body,
            } => self.quantifier(*kind, *slot, list, filter.as_deref(), body.as_deref()),
            Ir::Call(b, args) => self.call(*b, args),
            Ir::Matches(text, re) => match known!(self.eval(text)) {
                Value::Text(t) => Value::Bool(re.is_match(&t)),
                _ => type_bug(),
            },
        }
    }

    fn quantifier(
        &mut self,
        kind: QuantKind,
        slot: u16,
        list: &Ir,
        filter: Option<&Ir>,
        body: Option<&Ir>,
    ) -> Value {
        let items = match known!(self.eval(list)) {
            Value::List(items) => items,
            _ => return type_bug(),
        };
        let mut unknown: Option<Arc<Cause>> = None;
        let mut count = 0usize;
        let mut sum_num = 0.0f64;
        let mut sum_money = 0i64;
        let mut seen: Vec<Value> = Vec::new();
        for item in items.iter() {
            self.frame[slot as usize] = item.clone();
            if let Some(f) = filter {
                match self.eval(f) {
                    Value::Bool(true) => {}
                    Value::Bool(false) => continue,
                    Value::Unknown(c) => {
                        unknown.get_or_insert(c);
                        continue;
                    }
                    _ => return type_bug(),
                }
            }
            match kind {
                QuantKind::Count => count += 1,
                QuantKind::First => {
                    // An undecided earlier item might have been the one.
                    return match unknown {
                        Some(c) => Value::Unknown(c),
                        None => item.clone(),
                    };
                }
                _ => {
                    let v = match body {
                        Some(b) => self.eval(b),
                        None => Value::Bool(true),
                    };
                    match (kind, v) {
                        (_, Value::Unknown(c)) => {
                            unknown.get_or_insert(c);
                        }
                        (QuantKind::All, Value::Bool(false)) => return Value::Bool(false),
                        (QuantKind::Any, Value::Bool(true)) => return Value::Bool(true),
                        (QuantKind::None, Value::Bool(true)) => return Value::Bool(false),
                        (QuantKind::Sum, Value::Number(n)) => sum_num += n,
                        (QuantKind::SumMoney, Value::Money(m)) => {
                            sum_money = match sum_money.checked_add(m) {
                                Some(s) => s,
                                None => return Value::unknown("", "金额合计溢出", false),
                            };
                        }
                        (QuantKind::Unique, v) => {
                            if seen.iter().any(|s| s.same(&v)) {
                                return Value::Bool(false);
                            }
                            seen.push(v);
                        }
                        _ => {}
                    }
                }
            }
        }
        if let Some(c) = unknown {
            return Value::Unknown(c);
        }
        match kind {
            QuantKind::All | QuantKind::None | QuantKind::Unique => Value::Bool(true),
            QuantKind::Any => Value::Bool(false),
            QuantKind::Count => Value::Number(count as f64),
            QuantKind::Sum => Value::Number(sum_num),
            QuantKind::SumMoney => Value::Money(sum_money),
            QuantKind::First => Value::unknown("", "未找到符合条件的项", true),
        }
    }

    fn call(&mut self, b: Builtin, args: &[Ir]) -> Value {
        match b {
            // These look at unknowns themselves.
            Builtin::Present => {
                if let Some(v) = self.fast_place(&args[0]) {
                    return Value::Bool(!matches!(v, Value::Unknown(c) if c.absent));
                }
                let v = self.eval(&args[0]);
                Value::Bool(!matches!(&v, Value::Unknown(c) if c.absent))
            }
            Builtin::Known => {
                if let Some(v) = self.fast_place(&args[0]) {
                    return Value::Bool(!v.is_unknown());
                }
                Value::Bool(!self.eval(&args[0]).is_unknown())
            }
            Builtin::MissingDocuments => crate::requirements::missing(self),
            Builtin::DocOf(kind) => {
                match self.fast_place(&args[0]) {
                    Some(Value::Unknown(c)) => return Value::Unknown(c.clone()),
                    Some(Value::Text(id)) => return self.find_doc(kind as usize, id),
                    _ => {}
                }
                let id = known!(self.eval(&args[0]));
                let Value::Text(id) = id else {
                    return type_bug();
                };
                self.doc_of(kind as usize, &id)
            }
            Builtin::ContainsAny | Builtin::FindAny => {
                let text = known!(self.eval(&args[0]));
                let Value::Text(text) = text else {
                    return type_bug();
                };
                let norm = builtins::normalized(&text);
                let hit: Option<String> = match &args[1] {
                    Ir::Table(t) => match self.tables[*t as usize] {
                        // `contains_any` only asks whether there is a match.
                        Some(table) if b == Builtin::ContainsAny => {
                            return Value::Bool(table.automaton.is_match(&*norm))
                        }
                        Some(table) => table
                            .automaton
                            .find(&*norm)
                            .map(|m| table.entries[m.pattern().as_usize()].clone()),
                        None => return self.eval(&args[1]),
                    },
                    other => match known!(self.eval(other)) {
                        Value::List(items) => items.iter().find_map(|w| match w {
                            Value::Text(w) if norm.contains(&*builtins::normalized(w)) => {
                                Some(w.to_string())
                            }
                            _ => None,
                        }),
                        _ => return type_bug(),
                    },
                };
                if b == Builtin::ContainsAny {
                    Value::Bool(hit.is_some())
                } else {
                    Value::Text(hit.unwrap_or_default().into())
                }
            }
            Builtin::Contains | Builtin::StartsWith | Builtin::EndsWith | Builtin::SameText
                if matches!(args.get(1), Some(Ir::Lit(Lit::Text(_)))) =>
            {
                // Text against a literal (`contains(o.position, "董事")`): compare
                // in place rather than clone the literal shared by every thread.
                let Some(Ir::Lit(l @ Lit::Text(lit))) = args.get(1) else {
                    return type_bug();
                };
                let a = known!(self.eval(&args[0]));
                match &a {
                    Value::Text(t) => builtins::text_pair(b, t, lit),
                    _ => builtins::call(b, &[a, lit_value(l)], self.today()),
                }
            }
            _ => {
                // Strict functions: any unknown argument makes the result unknown.
                // Paths are read in place (fast pass); other arguments evaluated,
                // in order, stopping at the first unknown.
                let n = args.len().min(3);
                let mut vals: [Value; 3] =
                    [Value::Bool(false), Value::Bool(false), Value::Bool(false)];
                let mut in_place = [false; 3];
                for (i, a) in args.iter().enumerate().take(3) {
                    if let Some(v) = self.fast_place(a) {
                        if let Value::Unknown(c) = v {
                            return Value::Unknown(c.clone());
                        }
                        in_place[i] = true;
                        continue;
                    }
                    vals[i] = known!(self.eval(a));
                }
                let mut refs: [&Value; 3] = [&vals[0], &vals[1], &vals[2]];
                for i in 0..n {
                    if in_place[i] {
                        refs[i] = self.place(&args[i]).unwrap_or(&vals[i]);
                    }
                }
                builtins::call_refs(b, &refs[..n], self.today())
            }
        }
    }

    /// The submission date, the day identifiers are judged on.
    fn today(&self) -> Option<chrono::NaiveDate> {
        match &self.facts.submitted_at {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }

    /// The document of `kind` belonging to the person with ID number `id`: by the
    /// attachment's subject, else by the ID number printed on the document.
    pub fn doc_of(&mut self, kind: usize, id: &str) -> Value {
        let v = self.find_doc(kind, id);
        if self.evidence.is_some() && v.is_unknown() {
            let path = format!("doc.{}", self.rs.documents[kind].kind);
            self.note(&path, &v, EvidenceSource::Named("submission".into()));
        }
        v
    }

    /// [`Ctx::doc_of`] without recording evidence.
    fn find_doc(&self, kind: usize, id: &str) -> Value {
        let Value::List(docs) = &self.facts.docs[kind] else {
            return type_bug();
        };
        let id_field = self.id_fields[kind];
        let mut doubtful: Option<Arc<Cause>> = None;
        for d in docs.iter() {
            let Value::Record(r) = d else { continue };
            let subject_idx = r.fields.len() - 1;
            if let Value::Text(s) = &r.fields[subject_idx] {
                if same_code(s, id) {
                    return d.clone();
                }
                continue;
            }
            if let Some(f) = id_field {
                match &r.fields[f as usize] {
                    Value::Text(s) if same_code(s, id) => return d.clone(),
                    Value::Unknown(c) => {
                        doubtful.get_or_insert_with(|| c.clone());
                    }
                    _ => {}
                }
            }
        }
        let spec = &self.rs.documents[kind];
        match doubtful {
            Some(c) => Value::Unknown(Arc::new(Cause {
                path: c.path.clone(),
                reason: format!("无法确定身份号码为 {id} 的{}：{}", spec.title, c.reason),
                absent: false,
            })),
            None => Value::unknown(
                format!("doc.{}", spec.kind),
                format!("未提交身份号码为 {id} 的{}", spec.title),
                true,
            ),
        }
    }

    fn note(&mut self, path: &str, v: &Value, source: EvidenceSource) {
        let Some(ev) = self.evidence.as_mut() else {
            return;
        };
        // Evidence is the leaves read; a record or list is only the way to them.
        if matches!(v, Value::Record(_) | Value::List(_)) {
            return;
        }
        if ev.iter().any(|e| e.path == path) {
            return;
        }
        let note = match v {
            Value::Unknown(c) => Some(c.reason.clone()),
            _ => None,
        };
        ev.push(Evidence {
            path: path.to_string(),
            value: v.to_json(),
            source,
            note,
        });
    }
}

/// A value of the wrong type reached an operator: the compiler's type checking
/// makes this unreachable; if it happens, say so rather than guess.
fn type_bug() -> Value {
    Value::unknown("", "内部错误：类型不符（请报告此规则）", false)
}

/// `compact_code(a) == compact_code(b)`, without allocating for ASCII input (ID
/// numbers as typed and as read).
fn same_code(a: &str, b: &str) -> bool {
    if !(a.is_ascii() && b.is_ascii()) {
        return prereview_validators::text::compact_code(a)
            == prereview_validators::text::compact_code(b);
    }
    // The ASCII path of `compact_code`: whitespace and `-` dropped, brackets
    // unified, upper-cased.
    fn canon(s: &str) -> impl Iterator<Item = u8> + '_ {
        s.bytes()
            .filter(|&c| !(c as char).is_whitespace() && c != b'-')
            .map(|c| match c {
                b'[' | b'{' => b'(',
                b']' | b'}' => b')',
                c => c.to_ascii_uppercase(),
            })
    }
    canon(a).eq(canon(b))
}

/// `same` of a value and a literal (what `In` over a list of literals does).
fn same_lit(a: &Value, l: &Lit) -> bool {
    match (a, l) {
        (Value::Bool(x), Lit::Bool(y)) => x == y,
        (Value::Number(x), Lit::Number(y)) => x == y,
        (Value::Money(x), Lit::Money(y)) => x == y,
        (Value::Date(x), Lit::Date(y)) => x == y,
        (Value::Text(x), Lit::Text(y)) => x == y,
        _ => false,
    }
}

/// [`compare`] with a literal right-hand side, without making a value of it.
fn compare_lit(op: CmpOp, a: &Value, l: &Lit) -> Value {
    let ord: Option<Ordering> = match (a, l) {
        (Value::Number(x), Lit::Number(y)) => x.partial_cmp(y),
        (Value::Money(x), Lit::Money(y)) => Some(x.cmp(y)),
        (Value::Date(x), Lit::Date(y)) => Some(x.cmp(y)),
        (Value::Text(x), Lit::Text(y)) => Some((**x).cmp(&**y)),
        (Value::Bool(x), Lit::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    };
    let Some(ord) = ord else { return type_bug() };
    ordered(op, ord)
}

fn ordered(op: CmpOp, ord: Ordering) -> Value {
    Value::Bool(op.holds(ord))
}

pub fn compare(op: CmpOp, a: &Value, b: &Value) -> Value {
    let ord: Option<Ordering> = match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.partial_cmp(y),
        (Value::Money(x), Value::Money(y)) => Some(x.cmp(y)),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::Text(x), Value::Text(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    };
    let Some(ord) = ord else { return type_bug() };
    ordered(op, ord)
}

fn arith(op: ArithOp, a: &Value, b: &Value) -> Value {
    let overflow = || Value::unknown("", "金额计算溢出", false);
    match (a, b, op) {
        (Value::Number(x), Value::Number(y), ArithOp::Add) => Value::Number(x + y),
        (Value::Number(x), Value::Number(y), ArithOp::Sub) => Value::Number(x - y),
        (Value::Number(x), Value::Number(y), ArithOp::Mul) => Value::Number(x * y),
        (Value::Number(_), Value::Number(y), ArithOp::Div) if *y == 0.0 => {
            Value::unknown("", "除数为零", false)
        }
        (Value::Number(x), Value::Number(y), ArithOp::Div) => Value::Number(x / y),
        (Value::Money(x), Value::Money(y), ArithOp::Add) => {
            x.checked_add(*y).map_or_else(overflow, Value::Money)
        }
        (Value::Money(x), Value::Money(y), ArithOp::Sub) => {
            x.checked_sub(*y).map_or_else(overflow, Value::Money)
        }
        (Value::Money(_), Value::Money(y), ArithOp::Div) if *y == 0 => {
            Value::unknown("", "除数为零", false)
        }
        (Value::Money(x), Value::Money(y), ArithOp::Div) => Value::Number(*x as f64 / *y as f64),
        (Value::Money(x), Value::Number(y), ArithOp::Mul)
        | (Value::Number(y), Value::Money(x), ArithOp::Mul) => {
            let r = (*x as f64 * y).round();
            if r.abs() < 9.0e18 {
                Value::Money(r as i64)
            } else {
                overflow()
            }
        }
        (Value::Money(_), Value::Number(y), ArithOp::Div) if *y == 0.0 => {
            Value::unknown("", "除数为零", false)
        }
        (Value::Money(x), Value::Number(y), ArithOp::Div) => {
            Value::Money((*x as f64 / y).round() as i64)
        }
        _ => type_bug(),
    }
}
