//! `prereview rules test`: the rule packs' own test cases.
//!
//! A pack's `tests/*.toml` files each name a base submission (`base = "x.json"`:
//! `submission.json` fields plus a `documents` array as in the report, each document
//! with an optional `subject`) and a list of cases. A case changes the base
//! (`set` paths to values, `remove` paths) and states the expected outcome per rule
//! (`expect`), optionally the verdict, message fragments (`messages`), and
//! `others = "pass"` (every rule not named must pass or not apply).
//!
//! Paths are those of the report's evidence: `form.shareholders[1].deadline`,
//! `doc.id_card[0].name` (the first `id_card` document), `submitted_at`.

use prereview_engine::{DocumentInput, Engine, SubmissionInput};
use prereview_model::document::{ReadDocument, ReadField};
use prereview_model::report::{Finding, Outcome, Report};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    base: String,
    #[serde(rename = "case", default)]
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    set: BTreeMap<String, toml::Value>,
    #[serde(default)]
    remove: Vec<String>,
    #[serde(default)]
    expect: BTreeMap<String, String>,
    #[serde(default)]
    verdict: Option<String>,
    #[serde(default)]
    messages: BTreeMap<String, String>,
    #[serde(default)]
    others: Option<String>,
}

#[derive(Deserialize)]
struct BaseDoc {
    #[serde(flatten)]
    document: ReadDocument,
    #[serde(default)]
    subject: Option<String>,
}

/// The result of running every test file.
#[derive(Default)]
pub struct TestRun {
    pub lines: Vec<String>,
    pub passed: usize,
    pub failed: usize,
    /// Rules (with their procedure) that no case expects to fail or review.
    pub without_failing_case: Vec<String>,
    pub without_passing_case: Vec<String>,
    pub rules: usize,
}

/// Runs the tests among `files` (from the same rules folder as `engine`'s rules).
pub fn run(engine: &Engine, files: &[(String, String)]) -> TestRun {
    let mut run = TestRun::default();
    let rs = engine.rule_set();
    let mut failing_covered: BTreeSet<String> = BTreeSet::new();
    let mut passing_covered: BTreeSet<String> = BTreeSet::new();
    let by_path: BTreeMap<&str, &str> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    for (path, text) in files
        .iter()
        .filter(|(p, _)| p.contains("/tests/") && p.ends_with(".toml"))
    {
        let file: TestFile = match toml::from_str(text) {
            Ok(f) => f,
            Err(e) => {
                let (line, col) = e.span().map_or((1, 1), |s| line_col(text, s.start));
                run.lines
                    .push(format!("ERROR {path}:{line}:{col}: {}", e.message()));
                run.failed += 1;
                continue;
            }
        };
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        let base_path = format!("{dir}/{}", file.base);
        let Some(base_text) = by_path.get(base_path.as_str()) else {
            run.lines
                .push(format!("ERROR {path}: base file `{base_path}` not found"));
            run.failed += 1;
            continue;
        };
        let base: serde_json::Value = match serde_json::from_str(base_text) {
            Ok(b) => b,
            Err(e) => {
                run.lines.push(format!(
                    "ERROR {base_path}:{}:{}: {e}",
                    e.line(),
                    e.column()
                ));
                run.failed += 1;
                continue;
            }
        };
        for case in &file.cases {
            match run_case(engine, &base, case) {
                Err(why) => {
                    run.failed += 1;
                    run.lines
                        .push(format!("FAIL  {path}: {}\n        {why}", case.name));
                }
                Ok((report, problems)) => {
                    let procedure = report.procedure.clone();
                    for (rule, want) in &case.expect {
                        let key = format!("{procedure}/{rule}");
                        if want == "fail" || want == "review" {
                            failing_covered.insert(key.clone());
                        }
                        if want == "pass" {
                            passing_covered.insert(key);
                        }
                    }
                    if case.others.as_deref() == Some("pass") {
                        if let Some(p) = rs.procedure(&procedure) {
                            for r in &p.rules {
                                if !case.expect.contains_key(&r.id)
                                    && aggregate(&report.findings, &r.id) == Some(Outcome::Pass)
                                {
                                    passing_covered.insert(format!("{procedure}/{}", r.id));
                                }
                            }
                        }
                    }
                    if problems.is_empty() {
                        run.passed += 1;
                        run.lines.push(format!("ok    {path}: {}", case.name));
                    } else {
                        run.failed += 1;
                        run.lines.push(format!(
                            "FAIL  {path}: {}\n        {}",
                            case.name,
                            problems.join("\n        ")
                        ));
                    }
                }
            }
        }
    }
    for p in &rs.procedures {
        for r in &p.rules {
            run.rules += 1;
            let key = format!("{}/{}", p.name, r.id);
            if !failing_covered.contains(&key) {
                run.without_failing_case.push(key.clone());
            }
            if !passing_covered.contains(&key) {
                run.without_passing_case.push(key);
            }
        }
    }
    run
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    (
        before.matches('\n').count() + 1,
        before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
    )
}

/// The worst outcome of a rule's findings (a `for each` rule has several).
fn aggregate(findings: &[Finding], rule: &str) -> Option<Outcome> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.outcome)
        .max_by_key(|o| match o {
            Outcome::NotApplicable => 0,
            Outcome::Pass => 1,
            Outcome::Review => 2,
            Outcome::Fail => 3,
        })
}

fn run_case(
    engine: &Engine,
    base: &serde_json::Value,
    case: &Case,
) -> Result<(Report, Vec<String>), String> {
    let mut sub = base.clone();
    for path in &case.remove {
        edit(&mut sub, path, None)?;
    }
    for (path, value) in &case.set {
        let json = serde_json::to_value(value).map_err(|e| e.to_string())?;
        edit(&mut sub, path, Some(json))?;
    }
    let input = input_of(&sub)?;
    let report = engine.judge(&input).map_err(|e| e.to_string())?;
    let mut problems = Vec::new();
    for (rule, want) in &case.expect {
        let got = aggregate(&report.findings, rule);
        let got_s = got.map_or("absent (not in force or unknown rule)", |o| o.as_str());
        if got_s != want {
            let msgs: Vec<&str> = report
                .findings
                .iter()
                .filter(|f| &f.rule == rule)
                .map(|f| f.message.as_str())
                .filter(|m| !m.is_empty())
                .collect();
            problems.push(format!(
                "{rule}: expected {want}, got {got_s}{}",
                if msgs.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", msgs.join(" / "))
                }
            ));
        }
    }
    for (rule, fragment) in &case.messages {
        if !report
            .findings
            .iter()
            .any(|f| &f.rule == rule && f.message.contains(fragment.as_str()))
        {
            let msgs: Vec<&str> = report
                .findings
                .iter()
                .filter(|f| &f.rule == rule)
                .map(|f| f.message.as_str())
                .collect();
            problems.push(format!(
                "{rule}: no message contains “{fragment}” (messages: {msgs:?})"
            ));
        }
    }
    if let Some(v) = &case.verdict {
        if report.verdict.as_str() != v {
            let not_pass: Vec<String> = report
                .findings
                .iter()
                .filter(|f| !matches!(f.outcome, Outcome::Pass | Outcome::NotApplicable))
                .map(|f| format!("{}={}", f.rule, f.outcome.as_str()))
                .collect();
            problems.push(format!(
                "verdict: expected {v}, got {} ({})",
                report.verdict.as_str(),
                not_pass.join(", ")
            ));
        }
    }
    if case.others.as_deref() == Some("pass") {
        for f in &report.findings {
            if !case.expect.contains_key(&f.rule)
                && !matches!(f.outcome, Outcome::Pass | Outcome::NotApplicable)
            {
                problems.push(format!(
                    "{}: expected pass (others = \"pass\"), got {} — {}",
                    f.rule,
                    f.outcome.as_str(),
                    f.message
                ));
            }
        }
    }
    Ok((report, problems))
}

fn input_of(sub: &serde_json::Value) -> Result<SubmissionInput, String> {
    let s = |k: &str| sub.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let docs: Vec<BaseDoc> = match sub.get("documents") {
        Some(d) => serde_json::from_value(d.clone()).map_err(|e| format!("documents: {e}"))?,
        None => Vec::new(),
    };
    Ok(SubmissionInput {
        id: s("id").unwrap_or_else(|| "TEST".into()),
        procedure: s("procedure").ok_or("base: `procedure` missing")?,
        submitted_at: match s("submitted_at") {
            Some(d) => chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|_| format!("“{d}” is not an ISO date")),
            None => Err("`submitted_at` is missing".into()),
        },
        form: sub.get("form").cloned().unwrap_or(serde_json::Value::Null),
        documents: docs
            .into_iter()
            .map(|d| DocumentInput {
                document: d.document,
                subject: d.subject,
            })
            .collect(),
    })
}

/// Sets (or with `None` removes) the value at an evidence-style path.
fn edit(
    sub: &mut serde_json::Value,
    path: &str,
    value: Option<serde_json::Value>,
) -> Result<(), String> {
    if let Some(rest) = path.strip_prefix("doc.") {
        return edit_doc(sub, rest, value, path);
    }
    let steps = parse_path(path)?;
    let (last, init) = steps
        .split_last()
        .ok_or_else(|| format!("empty path `{path}`"))?;
    let mut cur = sub;
    for step in init {
        cur = match step {
            Step::Key(k) => cur.get_mut(k.as_str()),
            Step::Index(i) => cur.get_mut(*i),
        }
        .ok_or_else(|| format!("path `{path}`: `{}` not found in the base", step_name(step)))?;
    }
    match (last, value) {
        (Step::Key(k), Some(v)) => {
            cur.as_object_mut()
                .ok_or_else(|| format!("path `{path}`: not an object"))?
                .insert(k.clone(), v);
        }
        (Step::Key(k), None) => {
            cur.as_object_mut()
                .ok_or_else(|| format!("path `{path}`: not an object"))?
                .remove(k);
        }
        (Step::Index(i), Some(v)) => {
            let arr = cur
                .as_array_mut()
                .ok_or_else(|| format!("path `{path}`: not a list"))?;
            let len = arr.len();
            if *i < len {
                arr[*i] = v;
            } else if *i == len {
                arr.push(v);
            } else {
                return Err(format!("path `{path}`: index {i} out of range"));
            }
        }
        (Step::Index(i), None) => {
            let arr = cur
                .as_array_mut()
                .ok_or_else(|| format!("path `{path}`: not a list"))?;
            if *i >= arr.len() {
                return Err(format!("path `{path}`: index {i} out of range"));
            }
            arr.remove(*i);
        }
    }
    Ok(())
}

/// `id_card[0].name` → the `name` field of the first `id_card` document;
/// a plain string value is read with confidence 0.99, a table gives the field.
fn edit_doc(
    sub: &mut serde_json::Value,
    rest: &str,
    value: Option<serde_json::Value>,
    path: &str,
) -> Result<(), String> {
    let (head, field) = match rest.split_once('.') {
        Some((h, f)) => (h, Some(f)),
        None => (rest, None),
    };
    let (kind, idx) = head
        .strip_suffix(']')
        .and_then(|h| h.split_once('['))
        .and_then(|(k, i)| i.parse::<usize>().ok().map(|i| (k, i)))
        .ok_or_else(|| format!("path `{path}`: write doc.<kind>[<n>].<field>"))?;
    let docs = sub
        .get_mut("documents")
        .and_then(|d| d.as_array_mut())
        .ok_or("base has no `documents`")?;
    let positions: Vec<usize> = docs
        .iter()
        .enumerate()
        .filter(|(_, d)| d.get("kind").and_then(|k| k.as_str()) == Some(kind))
        .map(|(i, _)| i)
        .collect();
    let &pos = positions.get(idx).ok_or_else(|| {
        format!(
            "path `{path}`: the base has {} `{kind}` document(s)",
            positions.len()
        )
    })?;
    match field {
        None => {
            if value.is_some() {
                return Err(format!("path `{path}`: set a field, not a whole document"));
            }
            docs.remove(pos);
        }
        Some("subject") => {
            let d = docs[pos]
                .as_object_mut()
                .ok_or("document is not an object")?;
            match value {
                Some(v) => d.insert("subject".into(), v),
                None => d.remove("subject"),
            };
        }
        Some("error") => {
            let d = docs[pos]
                .as_object_mut()
                .ok_or("document is not an object")?;
            match value {
                Some(v) => d.insert("error".into(), v),
                None => d.remove("error"),
            };
        }
        Some(f) => {
            let fields = docs[pos]
                .as_object_mut()
                .ok_or("document is not an object")?
                .entry("fields")
                .or_insert_with(|| serde_json::json!({}))
                .as_object_mut()
                .ok_or("`fields` is not an object")?;
            match value {
                None => {
                    fields.remove(f);
                }
                Some(v @ serde_json::Value::Object(_)) => {
                    let rf: ReadField = serde_json::from_value(v.clone())
                        .map_err(|e| format!("path `{path}`: {e}"))?;
                    fields.insert(
                        f.to_string(),
                        serde_json::to_value(rf).map_err(|e| e.to_string())?,
                    );
                }
                Some(v) => {
                    let old = fields.get(f).cloned();
                    let mut rf: ReadField = old
                        .and_then(|o| serde_json::from_value(o).ok())
                        .unwrap_or(ReadField::missing(""));
                    rf.value = Some(v);
                    rf.confidence = rf.confidence.max(0.99);
                    rf.reason = None;
                    fields.insert(
                        f.to_string(),
                        serde_json::to_value(rf).map_err(|e| e.to_string())?,
                    );
                }
            }
        }
    }
    Ok(())
}

enum Step {
    Key(String),
    Index(usize),
}

fn step_name(s: &Step) -> String {
    match s {
        Step::Key(k) => k.clone(),
        Step::Index(i) => format!("[{i}]"),
    }
}

fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        let key_end = rest.find('[').unwrap_or(rest.len());
        if key_end > 0 {
            steps.push(Step::Key(rest[..key_end].to_string()));
        }
        rest = &rest[key_end..];
        while let Some(r) = rest.strip_prefix('[') {
            let close = r
                .find(']')
                .ok_or_else(|| format!("path `{path}`: missing `]`"))?;
            let i = r[..close]
                .parse()
                .map_err(|_| format!("path `{path}`: bad index"))?;
            steps.push(Step::Index(i));
            rest = &r[close + 1..];
        }
    }
    Ok(steps)
}
