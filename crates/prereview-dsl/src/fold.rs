//! Constant folding: subtrees whose value is known when the rules are compiled are
//! computed once here, not on every submission.

use crate::ir::{ArithOp, Builtin, CmpOp, Ir, Lit};

/// Folds `ir` bottom-up.
pub fn fold(ir: Ir) -> Ir {
    match ir {
        Ir::Not(a) => match fold(*a) {
            Ir::Lit(Lit::Bool(b)) => Ir::Lit(Lit::Bool(!b)),
            Ir::Not(inner) => *inner,
            a => Ir::Not(Box::new(a)),
        },
        Ir::Neg(a) => match fold(*a) {
            Ir::Lit(Lit::Number(n)) => Ir::Lit(Lit::Number(-n)),
            Ir::Lit(Lit::Money(m)) => Ir::Lit(Lit::Money(-m)),
            a => Ir::Neg(Box::new(a)),
        },
        // Kleene logic: `false and x` is false whatever x is; `true and x` is x.
        Ir::And(a, b) => match (fold(*a), fold(*b)) {
            (f @ Ir::Lit(Lit::Bool(false)), _) | (_, f @ Ir::Lit(Lit::Bool(false))) => f,
            (Ir::Lit(Lit::Bool(true)), x) | (x, Ir::Lit(Lit::Bool(true))) => x,
            (a, b) => Ir::And(Box::new(a), Box::new(b)),
        },
        Ir::Or(a, b) => match (fold(*a), fold(*b)) {
            (t @ Ir::Lit(Lit::Bool(true)), _) | (_, t @ Ir::Lit(Lit::Bool(true))) => t,
            (Ir::Lit(Lit::Bool(false)), x) | (x, Ir::Lit(Lit::Bool(false))) => x,
            (a, b) => Ir::Or(Box::new(a), Box::new(b)),
        },
        Ir::If(c, t, f) => match fold(*c) {
            Ir::Lit(Lit::Bool(true)) => fold(*t),
            Ir::Lit(Lit::Bool(false)) => fold(*f),
            c => Ir::If(Box::new(c), Box::new(fold(*t)), Box::new(fold(*f))),
        },
        Ir::Cmp(op, a, b) => match (fold(*a), fold(*b)) {
            (Ir::Lit(x), Ir::Lit(y)) => match cmp_lits(op, &x, &y) {
                Some(r) => Ir::Lit(Lit::Bool(r)),
                None => Ir::Cmp(op, Box::new(Ir::Lit(x)), Box::new(Ir::Lit(y))),
            },
            (a, b) => Ir::Cmp(op, Box::new(a), Box::new(b)),
        },
        Ir::Arith(op, a, b) => match (fold(*a), fold(*b)) {
            (Ir::Lit(Lit::Number(x)), Ir::Lit(Lit::Number(y)))
                if !(op == ArithOp::Div && y == 0.0) =>
            {
                Ir::Lit(Lit::Number(match op {
                    ArithOp::Add => x + y,
                    ArithOp::Sub => x - y,
                    ArithOp::Mul => x * y,
                    ArithOp::Div => x / y,
                }))
            }
            (a, b) => Ir::Arith(op, Box::new(a), Box::new(b)),
        },
        Ir::Call(Builtin::Wan, args) => {
            let mut args: Vec<Ir> = args.into_iter().map(fold).collect();
            match args.as_slice() {
                [Ir::Lit(Lit::Number(n))] if n.is_finite() && n.abs() < 1e9 => {
                    Ir::Lit(Lit::Money((n * 1_000_000.0).round() as i64))
                }
                _ => Ir::Call(Builtin::Wan, std::mem::take(&mut args)),
            }
        }
        Ir::Call(b, args) => Ir::Call(b, args.into_iter().map(fold).collect()),
        Ir::Field(a, i) => Ir::Field(Box::new(fold(*a)), i),
        Ir::Index(a, b) => Ir::Index(Box::new(fold(*a)), Box::new(fold(*b))),
        Ir::List(items) => Ir::List(items.into_iter().map(fold).collect()),
        Ir::In(a, b) => Ir::In(Box::new(fold(*a)), Box::new(fold(*b))),
        Ir::Quant {
            kind,
            slot,
            list,
            filter,
            body,
        } => Ir::Quant {
            kind,
            slot,
            list: Box::new(fold(*list)),
            filter: filter.map(|f| Box::new(fold(*f))),
            body: body.map(|b| Box::new(fold(*b))),
        },
        Ir::Matches(a, re) => Ir::Matches(Box::new(fold(*a)), re),
        leaf => leaf,
    }
}

fn cmp_lits(op: CmpOp, a: &Lit, b: &Lit) -> Option<bool> {
    let ord = match (a, b) {
        (Lit::Number(x), Lit::Number(y)) => x.partial_cmp(y)?,
        (Lit::Money(x), Lit::Money(y)) => x.cmp(y),
        (Lit::Date(x), Lit::Date(y)) => x.cmp(y),
        (Lit::Text(x), Lit::Text(y)) => x.cmp(y),
        (Lit::Bool(x), Lit::Bool(y)) => x.cmp(y),
        _ => return None,
    };
    Some(op.holds(ord))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(x: bool) -> Ir {
        Ir::Lit(Lit::Bool(x))
    }

    #[test]
    fn folds_kleene_and_or_with_a_constant_side() {
        assert!(matches!(
            fold(Ir::And(Box::new(b(false)), Box::new(Ir::SubmittedAt))),
            Ir::Lit(Lit::Bool(false))
        ));
        assert!(matches!(
            fold(Ir::Or(Box::new(Ir::SubmittedAt), Box::new(b(true)))),
            Ir::Lit(Lit::Bool(true))
        ));
        assert!(matches!(
            fold(Ir::And(Box::new(b(true)), Box::new(Ir::SubmittedAt))),
            Ir::SubmittedAt
        ));
    }

    #[test]
    fn folds_money_literals_and_comparisons() {
        let wan = Ir::Call(Builtin::Wan, vec![Ir::Lit(Lit::Number(1.5))]);
        assert!(matches!(fold(wan), Ir::Lit(Lit::Money(1_500_000))));
        let cmp = Ir::Cmp(
            CmpOp::Lt,
            Box::new(Ir::Lit(Lit::Number(1.0))),
            Box::new(Ir::Lit(Lit::Number(2.0))),
        );
        assert!(matches!(fold(cmp), Ir::Lit(Lit::Bool(true))));
    }

    #[test]
    fn leaves_division_by_zero_to_run_time() {
        let div = Ir::Arith(
            ArithOp::Div,
            Box::new(Ir::Lit(Lit::Number(1.0))),
            Box::new(Ir::Lit(Lit::Number(0.0))),
        );
        assert!(matches!(fold(div), Ir::Arith(..)));
    }
}
