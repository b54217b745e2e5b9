//! `missing_documents()`: the procedure's required documents that were not supplied.

use crate::eval::Ctx;
use crate::value::{Cause, Value};
use prereview_dsl::ir::Requirement;
use std::sync::Arc;

/// Evaluates every requirement of the procedure; the result lists what is missing
/// (title, and the person's ID number for per-person documents). Unknown when a
/// requirement's condition or list cannot be decided and nothing is certainly
/// missing: what is certainly missing is a defect even if something else is not.
pub fn missing(ctx: &mut Ctx<'_>) -> Value {
    let procedure = ctx.procedure;
    // Requirements have their own slots; the rule's frame is put back afterwards.
    let saved = std::mem::take(&mut ctx.frame);
    let mut out: Vec<Value> = Vec::new();
    let mut unknown: Option<Arc<Cause>> = None;
    for req in &procedure.requirements {
        ctx.frame.clear();
        ctx.frame
            .resize(req.frame_size as usize, Value::Bool(false));
        if let Some(w) = &req.when {
            match ctx.eval(w) {
                Value::Bool(true) => {}
                Value::Unknown(c) => {
                    unknown.get_or_insert(c);
                    continue;
                }
                _ => continue,
            }
        }
        let Some(each) = &req.each else {
            check_one(ctx, req, &mut out, &mut unknown);
            continue;
        };
        let items = match ctx.eval(&each.list) {
            Value::List(items) => items,
            Value::Unknown(c) => {
                unknown.get_or_insert(c);
                continue;
            }
            _ => continue,
        };
        for item in items.iter() {
            ctx.frame[each.slot as usize] = item.clone();
            match each.filter.as_ref().map(|f| ctx.eval(f)) {
                None | Some(Value::Bool(true)) => check_one(ctx, req, &mut out, &mut unknown),
                Some(Value::Unknown(c)) => {
                    unknown.get_or_insert(c);
                }
                _ => {}
            }
        }
    }
    ctx.frame = saved;
    match (out.is_empty(), unknown) {
        (true, Some(c)) => Value::Unknown(c),
        _ => Value::List(out.into()),
    }
}

/// Whether one requirement (for the item bound in the frame, if any) is met.
fn check_one(
    ctx: &mut Ctx<'_>,
    req: &Requirement,
    out: &mut Vec<Value>,
    unknown: &mut Option<Arc<Cause>>,
) {
    let Some(by) = &req.by else {
        let found = req
            .kinds
            .iter()
            .any(|&k| matches!(&ctx.facts.docs[k as usize], Value::List(l) if !l.is_empty()));
        if !found {
            out.push(Value::Text(req.title.as_str().into()));
        }
        return;
    };
    let id = match ctx.eval(by) {
        Value::Text(id) => id,
        Value::Unknown(c) => {
            unknown.get_or_insert(c);
            return;
        }
        _ => return,
    };
    for &k in &req.kinds {
        match ctx.doc_of(k as usize, &id) {
            Value::Record(_) => return,
            // Supplied but unreadable: not missing, and not known to be there either.
            Value::Unknown(c) if !c.absent => {
                unknown.get_or_insert(c);
                return;
            }
            _ => {}
        }
    }
    out.push(Value::Text(
        format!("{}（身份号码 {id}）", req.title).into(),
    ));
}
