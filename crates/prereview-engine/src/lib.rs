//! Evaluates a compiled rule set on one submission and writes the findings.
//!
//! Flow: [`SubmissionInput`] (form JSON + documents read) → [`Facts`] (typed,
//! unknowns with causes) → per-rule outcomes (three-valued) → [`Report`] with
//! messages and evidence.
//!
//! Evaluation is done twice only for findings that are not `pass`: the fast pass
//! decides outcomes without recording anything; the explaining pass re-runs that one
//! rule (or list item) recording every value read, for the evidence and message.
//!
//! Architecture invariant: no IO; the engine never reads files or prints.

pub mod builtins;
pub mod eval;
pub mod facts;
mod requirements;
pub mod value;

pub use facts::{DocumentInput, Facts, SubmissionInput, Thresholds};
pub use value::Value;

use eval::Ctx;
use prereview_dsl::ir::{Procedure, Rule, RuleSet, TableData, Template, TemplatePart};
use prereview_model::report::{
    verdict_of, Evidence, Finding, Outcome, Report, RuleSetInfo, Severity,
};
use std::sync::Arc;
use value::Cause;

/// A compiled rule set ready to judge submissions; cheap to share between threads.
pub struct Engine {
    rs: Arc<RuleSet>,
    id_fields: Vec<Option<u16>>,
    threshold_text: Option<usize>,
    threshold_identifier: Option<usize>,
}

/// The decision on one rule for one submission (or list item), before explaining.
#[derive(Debug, Clone)]
pub enum Decision {
    Pass,
    NotApplicable,
    /// A check failed: its index and severity.
    Fail(usize, Severity),
    /// Could not decide: why.
    Review(Arc<Cause>),
}

impl Decision {
    fn rank(&self) -> u8 {
        match self {
            Decision::Pass | Decision::NotApplicable => 0,
            Decision::Fail(_, Severity::Warn) => 1,
            Decision::Review(_) => 2,
            Decision::Fail(_, Severity::Review) => 3,
            Decision::Fail(_, Severity::Reject) => 4,
        }
    }
    pub fn outcome(&self) -> Outcome {
        match self {
            Decision::Pass => Outcome::Pass,
            Decision::NotApplicable => Outcome::NotApplicable,
            Decision::Fail(..) => Outcome::Fail,
            Decision::Review(_) => Outcome::Review,
        }
    }
}

/// Why a submission cannot be judged at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JudgeError {
    UnknownProcedure {
        procedure: String,
        known: Vec<String>,
    },
}

impl std::fmt::Display for JudgeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JudgeError::UnknownProcedure { procedure, known } => write!(
                f,
                "unknown procedure `{procedure}` (the rule packs define: {})",
                known.join(", ")
            ),
        }
    }
}

impl std::error::Error for JudgeError {}

/// Default confidence thresholds, used when `params.toml` declares none.
const DEFAULT_THRESHOLDS: Thresholds = Thresholds {
    text: 0.80,
    identifier: 0.90,
};

impl Engine {
    pub fn new(rs: Arc<RuleSet>) -> Self {
        let id_fields = rs
            .documents
            .iter()
            .map(|d| {
                d.fields
                    .iter()
                    .position(|f| f.name == "id_number")
                    .map(|i| i as u16)
            })
            .collect();
        Engine {
            threshold_text: rs.param_index("ocr_min_confidence"),
            threshold_identifier: rs.param_index("ocr_min_confidence_identifier"),
            id_fields,
            rs,
        }
    }

    pub fn rule_set(&self) -> &Arc<RuleSet> {
        &self.rs
    }

    pub fn procedure_index(&self, name: &str) -> Result<usize, JudgeError> {
        self.rs
            .procedures
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| JudgeError::UnknownProcedure {
                procedure: name.to_string(),
                known: self.rs.procedures.iter().map(|p| p.name.clone()).collect(),
            })
    }

    /// Shapes the submission into facts for its procedure.
    pub fn facts(&self, procedure: usize, input: &SubmissionInput) -> (Facts, Vec<Value>) {
        let date = input.submitted_at.as_ref().ok().copied();
        let params = facts::params_on(&self.rs, date);
        let threshold = |i: Option<usize>, default: f32| match i.map(|i| &params[i]) {
            Some(Value::Number(n)) => *n as f32,
            _ => default,
        };
        let th = Thresholds {
            text: threshold(self.threshold_text, DEFAULT_THRESHOLDS.text),
            identifier: threshold(self.threshold_identifier, DEFAULT_THRESHOLDS.identifier),
        };
        let f = Facts::build(&self.rs, self.rs.procedures[procedure].form, input, th);
        (f, params)
    }

    fn tables_on(&self, facts: &Facts) -> Vec<Option<&TableData>> {
        let date = match facts.submitted_at {
            Value::Date(d) => Some(d),
            _ => None,
        };
        self.rs
            .tables
            .iter()
            .map(|t| {
                t.versions
                    .iter()
                    .find(|v| date.map_or(v.from.is_none() && v.until.is_none(), |d| v.in_force(d)))
                    .map(|v| &v.value)
            })
            .collect()
    }

    fn rules_in_force<'p>(
        &self,
        procedure: &'p Procedure,
        facts: &Facts,
    ) -> impl Iterator<Item = &'p Rule> {
        let date = match facts.submitted_at {
            Value::Date(d) => Some(d),
            _ => None,
        };
        procedure
            .rules
            .iter()
            .filter(move |r| date.is_none_or(|d| r.in_force(d)))
    }

    /// The fast path: every rule's decisions (one per list item for `for each`
    /// rules), without messages or evidence.
    pub fn decide(&self, procedure: usize, facts: &Facts, params: &[Value]) -> Vec<Decision> {
        let p = &self.rs.procedures[procedure];
        let tables = self.tables_on(facts);
        let mut ctx = self.ctx(p, facts, params, &tables);
        let mut out = Vec::with_capacity(p.rules.len());
        for rule in self.rules_in_force(p, facts) {
            run_rule(&mut ctx, rule, &mut |_, d| out.push(d.clone()));
        }
        out
    }

    fn ctx<'a>(
        &'a self,
        p: &'a Procedure,
        facts: &'a Facts,
        params: &'a [Value],
        tables: &'a [Option<&'a TableData>],
    ) -> Ctx<'a> {
        Ctx {
            rs: &self.rs,
            procedure: p,
            facts,
            params,
            tables,
            frame: Vec::with_capacity(16),
            evidence: None,
            id_fields: &self.id_fields,
        }
    }

    /// Judges one submission: findings with messages and evidence, and the verdict.
    pub fn judge(&self, input: &SubmissionInput) -> Result<Report, JudgeError> {
        let pi = self.procedure_index(&input.procedure)?;
        let (facts, params) = self.facts(pi, input);
        let p = &self.rs.procedures[pi];
        let tables = self.tables_on(&facts);
        let mut ctx = self.ctx(p, &facts, &params, &tables);
        let mut findings = Vec::new();
        for rule in self.rules_in_force(p, &facts) {
            let mut decided: Vec<(Decision, Vec<Value>)> = Vec::new();
            run_rule(&mut ctx, rule, &mut |ctx, d| {
                // Passes are not explained: no need to keep their bindings.
                let frame = match d {
                    Decision::Pass | Decision::NotApplicable => Vec::new(),
                    _ => ctx.frame.clone(),
                };
                decided.push((d.clone(), frame))
            });
            for (decision, frame) in decided {
                findings.push(explain(&mut ctx, rule, decision, frame));
            }
        }
        let mut errors: Vec<String> = facts.problems.clone();
        if let Err(why) = &input.submitted_at {
            errors.push(format!("提交日期无效：{why}"));
        }
        let verdict = verdict_of(&findings, !errors.is_empty());
        Ok(Report {
            submission: input.id.clone(),
            procedure: input.procedure.clone(),
            verdict,
            submitted_at: input
                .submitted_at
                .as_ref()
                .ok()
                .map(|d| d.format("%Y-%m-%d").to_string()),
            rule_set: Some(RuleSetInfo {
                version: self.rs.version.clone(),
                effective_on: input
                    .submitted_at
                    .as_ref()
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
            }),
            // The engine judges facts; how they were read is the caller's to say.
            reading: None,
            findings,
            documents: input.documents.iter().map(|d| d.document.clone()).collect(),
            errors,
        })
    }
}

/// Runs one rule, calling `emit` with each decision while the frame still holds
/// that item's bindings.
fn run_rule(ctx: &mut Ctx<'_>, rule: &Rule, emit: &mut dyn FnMut(&mut Ctx<'_>, &Decision)) {
    ctx.frame.clear();
    ctx.frame
        .resize(rule.frame_size as usize, Value::Bool(false));
    for (slot, ir) in &rule.lets {
        let v = ctx.eval(ir);
        ctx.frame[*slot as usize] = v;
    }
    let Some(each) = &rule.for_each else {
        let d = decide_one(ctx, rule);
        emit(ctx, &d);
        return;
    };
    let items = match ctx.eval(&each.list) {
        Value::List(items) => items,
        Value::Unknown(c) => {
            emit(ctx, &Decision::Review(c));
            return;
        }
        _ => return,
    };
    let mut any = false;
    for item in items.iter() {
        ctx.frame[each.slot as usize] = item.clone();
        if let Some(f) = &each.filter {
            match ctx.eval(f) {
                Value::Bool(true) => {}
                Value::Unknown(c) => {
                    any = true;
                    emit(ctx, &Decision::Review(c));
                    continue;
                }
                _ => continue,
            }
        }
        any = true;
        for (slot, ir) in &rule.item_lets {
            let v = ctx.eval(ir);
            ctx.frame[*slot as usize] = v;
        }
        let d = decide_one(ctx, rule);
        emit(ctx, &d);
    }
    if !any {
        emit(ctx, &Decision::NotApplicable);
    }
}

fn decide_one(ctx: &mut Ctx<'_>, rule: &Rule) -> Decision {
    if let Some(w) = &rule.when {
        match ctx.eval(w) {
            Value::Bool(true) => {}
            Value::Unknown(c) => return Decision::Review(c),
            _ => return Decision::NotApplicable,
        }
    }
    let mut worst = Decision::Pass;
    for (i, check) in rule.checks.iter().enumerate() {
        let d = match ctx.eval(&check.expr) {
            Value::Bool(true) => continue,
            Value::Bool(false) => Decision::Fail(i, check.severity),
            Value::Unknown(c) => Decision::Review(c),
            _ => Decision::Review(Arc::new(Cause {
                path: String::new(),
                reason: "内部错误：检查结果不是真假值".into(),
                absent: false,
            })),
        };
        if d.rank() > worst.rank() {
            worst = d;
        }
    }
    worst
}

/// Turns a decision into a finding; for anything but a pass, re-runs the rule on
/// the same bindings recording what it read.
fn explain(ctx: &mut Ctx<'_>, rule: &Rule, decision: Decision, frame: Vec<Value>) -> Finding {
    let mut finding = Finding {
        rule: rule.id.clone(),
        title: rule.title.clone(),
        outcome: decision.outcome(),
        severity: rule.severity,
        category: rule.category.as_str().to_string(),
        basis: rule.basis.clone(),
        message: String::new(),
        evidence: Vec::new(),
    };
    if matches!(decision, Decision::Pass | Decision::NotApplicable) {
        return finding;
    }
    ctx.frame = frame;
    ctx.evidence = Some(Vec::new());
    for (slot, ir) in &rule.lets {
        let v = ctx.eval(ir);
        ctx.frame[*slot as usize] = v;
    }
    for (slot, ir) in &rule.item_lets {
        let v = ctx.eval(ir);
        ctx.frame[*slot as usize] = v;
    }
    if let Some(w) = &rule.when {
        ctx.eval(w);
    }
    for check in &rule.checks {
        ctx.eval(&check.expr);
    }
    finding.message = match &decision {
        Decision::Fail(i, sev) => {
            finding.severity = *sev;
            let t = rule.checks[*i].message.as_ref().unwrap_or(&rule.message);
            render(ctx, t)
        }
        Decision::Review(c) => format!("无法自动判断，请人工复核：{}", c.reason),
        _ => String::new(),
    };
    finding.evidence = ctx.evidence.take().unwrap_or_default();
    if let Decision::Review(c) = &decision {
        if !c.path.is_empty() && !finding.evidence.iter().any(|e: &Evidence| e.path == c.path) {
            finding.evidence.push(Evidence {
                path: c.path.clone(),
                value: serde_json::Value::Null,
                source: prereview_model::report::EvidenceSource::Named(
                    if c.path.starts_with("doc.") {
                        "submission"
                    } else {
                        "form"
                    }
                    .into(),
                ),
                note: Some(c.reason.clone()),
            });
        }
    }
    finding
}

fn render(ctx: &mut Ctx<'_>, t: &Template) -> String {
    let mut out = String::new();
    for p in &t.parts {
        match p {
            TemplatePart::Lit(s) => out.push_str(s),
            TemplatePart::Expr(ir) => {
                let v = ctx.eval(ir);
                out.push_str(&v.to_string());
            }
        }
    }
    out
}
