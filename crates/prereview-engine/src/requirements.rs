//! `missing_documents()`: the procedure's required documents that were not supplied.

use crate::eval::Ctx;
use crate::value::Value;

/// Evaluates every requirement of the procedure; the result lists what is missing
/// (title, and the person's ID number for per-person documents). Unknown when a
/// requirement's condition or list cannot be decided.
pub fn missing(ctx: &mut Ctx<'_>) -> Value {
    let procedure = ctx.procedure;
    let saved = std::mem::take(&mut ctx.frame);
    let mut out: Vec<Value> = Vec::new();
    let mut unknown = None;
    for req in &procedure.requirements {
        ctx.frame = vec![Value::Bool(false); req.frame_size as usize];
        if let Some(w) = &req.when {
            match ctx.eval(w) {
                Value::Bool(true) => {}
                Value::Bool(false) => continue,
                Value::Unknown(c) => {
                    unknown.get_or_insert(c);
                    continue;
                }
                _ => continue,
            }
        }
        let items: Vec<Option<Value>> = match &req.each {
            None => vec![None],
            Some(b) => match ctx.eval(&b.list) {
                Value::List(items) => {
                    let mut kept = Vec::new();
                    for it in items.iter() {
                        ctx.frame[b.slot as usize] = it.clone();
                        match b.filter.as_ref().map(|f| ctx.eval(f)) {
                            None | Some(Value::Bool(true)) => kept.push(Some(it.clone())),
                            Some(Value::Unknown(c)) => {
                                unknown.get_or_insert(c);
                            }
                            _ => {}
                        }
                    }
                    kept
                }
                Value::Unknown(c) => {
                    unknown.get_or_insert(c);
                    continue;
                }
                _ => continue,
            },
        };
        for item in items {
            if let (Some(b), Some(it)) = (&req.each, item) {
                ctx.frame[b.slot as usize] = it;
            }
            let found = match &req.by {
                Some(by) => match ctx.eval(by) {
                    Value::Text(id) => {
                        let mut found = false;
                        for &k in &req.kinds {
                            match ctx.doc_of(k as usize, &id) {
                                Value::Record(_) => found = true,
                                Value::Unknown(c) if !c.absent => {
                                    unknown.get_or_insert(c);
                                    found = true;
                                }
                                _ => {}
                            }
                        }
                        if !found {
                            out.push(Value::Text(
                                format!("{}（身份号码 {id}）", req.title).into(),
                            ));
                        }
                        continue;
                    }
                    Value::Unknown(c) => {
                        unknown.get_or_insert(c);
                        continue;
                    }
                    _ => continue,
                },
                None => req.kinds.iter().any(
                    |&k| matches!(&ctx.facts.docs[k as usize], Value::List(l) if !l.is_empty()),
                ),
            };
            if !found {
                out.push(Value::Text(req.title.as_str().into()));
            }
        }
    }
    ctx.frame = saved;
    // What is certainly missing is a defect even if something else is undecided.
    match (out.is_empty(), unknown) {
        (true, Some(c)) => Value::Unknown(c),
        _ => Value::List(out.into()),
    }
}
