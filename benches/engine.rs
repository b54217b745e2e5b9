//! Evaluation throughput of the compiled rules against hand-written Rust.
//!
//! 20 representative company_establishment rules (`prereview_benches::rules::BENCH_RULES`)
//! are compiled into a rule set of their own and measured on the same generated
//! submissions as a hand-written function doing the same checks
//! (`prereview_benches::handwritten`). Before measuring, both are run on every
//! submission and must agree on every outcome.
//!
//! First a summary table is printed: one timed pass over all submissions per mode
//! (one run, so the ratios are measured under the same machine load), then the
//! criterion benchmarks run.
//!
//! Environment: `ENGINE_BENCH_N` (default 100000 submissions),
//! `ENGINE_BENCH_SUMMARY_ONLY=1` (skip criterion), `ENGINE_BENCH_THREADS`
//! (default 2, the parallel modes' thread count), `ENGINE_BENCH_PROFILE=a|c|d|f`
//! (only repeat that mode `ENGINE_BENCH_ROUNDS` times, for a profiler),
//! `ENGINE_BENCH_DUMP=FILE` (write all decisions and reports, to diff the engine's
//! behaviour before and after a change).

use criterion::{Criterion, Throughput};
use prereview_benches::company;
use prereview_benches::handwritten::{convert, Checks, Out, Submission};
use prereview_benches::rules;
use prereview_engine::{Engine, Facts, SubmissionInput, Value};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SEED: u64 = 0x5EED_2025;

struct Setup {
    inputs: Vec<SubmissionInput>,
    engine: Arc<Engine>,
    pi: usize,
    checks: Checks,
    subs: Vec<Submission>,
    facts: Vec<(Facts, Vec<Value>)>,
}

fn setup(n: usize) -> Setup {
    let t = Instant::now();
    let inputs = company::generate(n, SEED);
    eprintln!("generated {n} submissions in {:.2?}", t.elapsed());
    let rs = rules::bench_rule_set();
    let ids: Vec<&str> = rs
        .procedure("company_establishment")
        .expect("procedure")
        .rules
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(ids, rules::BENCH_RULES, "compiled rule order");
    let engine = Arc::new(Engine::new(rs));
    let pi = engine
        .procedure_index("company_establishment")
        .expect("procedure");
    let checks = Checks::new();
    let subs: Vec<Submission> = inputs
        .iter()
        .map(|i| convert(i).unwrap_or_else(|e| panic!("{}: {e}", i.id)))
        .collect();
    let facts = inputs.iter().map(|i| engine.facts(pi, i)).collect();
    let s = Setup {
        inputs,
        engine,
        pi,
        checks,
        subs,
        facts,
    };
    verify(&s);
    s
}

/// Hand-written and compiled outcomes must agree on every submission; `judge`'s
/// findings must carry the same outcomes as `decide`.
fn verify(s: &Setup) {
    let mut mismatches = Vec::new();
    let mut defective = 0usize;
    let mut per_rule: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    let mut hand = Vec::new();
    for (i, input) in s.inputs.iter().enumerate() {
        let (facts, params) = &s.facts[i];
        let compiled: Vec<Out> = s
            .engine
            .decide(s.pi, facts, params)
            .iter()
            .map(Out::from)
            .collect();
        hand.clear();
        s.checks.check(&s.subs[i], &mut hand);
        if compiled != hand {
            mismatches.push(format!(
                "{}: compiled {compiled:?}\n      hand-written {hand:?}",
                input.id
            ));
            continue;
        }
        if i % 10 == 0 {
            let report = s.engine.judge(input).expect("judge");
            let from_judge: Vec<_> = report.findings.iter().map(|f| f.outcome).collect();
            let from_decide: Vec<_> = s
                .engine
                .decide(s.pi, facts, params)
                .iter()
                .map(|d| d.outcome())
                .collect();
            assert_eq!(
                from_judge, from_decide,
                "{}: judge and decide differ",
                input.id
            );
        }
        if hand.iter().any(|o| matches!(o, Out::Fail(_) | Out::Review)) {
            defective += 1;
        }
        // Per rule: walk the flat outcome list with the compiled rule's item counts.
        let mut k = 0;
        for rule in &s.engine.rule_set().procedures[s.pi].rules {
            let items = items_of(rule, s, i);
            for o in &hand[k..k + items] {
                let e = per_rule.entry(rule.id.as_str()).or_default();
                e[match o {
                    Out::Pass => 0,
                    Out::NotApplicable => 1,
                    Out::Fail(_) => 2,
                    Out::Review => 3,
                }] += 1;
            }
            k += items;
        }
    }
    if !mismatches.is_empty() {
        for m in mismatches.iter().take(10) {
            eprintln!("MISMATCH {m}");
        }
        panic!(
            "hand-written and compiled rules disagree on {} of {} submissions",
            mismatches.len(),
            s.inputs.len()
        );
    }
    eprintln!(
        "equivalence: hand-written and compiled outcomes agree on all {} submissions; {} ({:.1}%) have a fail or review",
        s.inputs.len(),
        defective,
        100.0 * defective as f64 / s.inputs.len() as f64
    );
    eprintln!("outcomes per rule (pass / n.a. / fail / review, per item):");
    for id in rules::BENCH_RULES {
        if let Some(c) = per_rule.get(id) {
            eprintln!("  {id:<9} {:>7} {:>7} {:>7} {:>7}", c[0], c[1], c[2], c[3]);
        }
    }
}

/// How many outcomes `rule` contributed for submission `i` (one, or one per item).
fn items_of(rule: &prereview_dsl::ir::Rule, s: &Setup, i: usize) -> usize {
    if rule.for_each.is_none() {
        return 1;
    }
    let date = s.inputs[i].submitted_at.as_ref().ok().copied();
    if let Some(d) = date {
        if !rule.in_force(d) {
            return 0;
        }
    }
    let sub = &s.subs[i];
    let n = match rule.id.as_str() {
        "CE-X02-2" | "CE-F03-2" => sub
            .form
            .shareholders
            .iter()
            .filter(|x| x.kind == "natural")
            .count(),
        "CE-X02-3" => sub.id_cards.iter().filter(|c| c.subject.is_some()).count(),
        "CE-L09-1" | "CE-L10" | "CE-F07-2" => sub.form.shareholders.len(),
        "CE-L13" => sub
            .form
            .officers
            .iter()
            .filter(|o| o.position.contains("监事"))
            .count(),
        "CE-L16-1" => sub.leases.len(),
        "CE-F03-3" => sub.form.officers.len(),
        "CE-F04-1" => sub.id_cards.len(),
        _ => 1,
    };
    n.max(1)
}

/// One timed pass; `f` returns a count so that nothing is optimised away.
fn timed(f: impl FnOnce() -> usize) -> Timing {
    let cpu = cpu_seconds();
    let t = Instant::now();
    black_box(f());
    Timing {
        wall: t.elapsed(),
        cpu: cpu_seconds() - cpu,
    }
}

/// Wall time and the process's CPU time (user + system) of one pass.
#[derive(Clone, Copy)]
struct Timing {
    wall: Duration,
    cpu: f64,
}

/// CPU seconds used by this process so far (Linux `/proc/self/stat`, 10 ms ticks),
/// or NaN. Throughput per CPU second shows whether threads slow each other down
/// even when other work on the machine takes the cores away.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the parenthesised command name; utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    if f.len() == 2 {
        (f[0] + f[1]) / 100.0
    } else {
        f64::NAN
    }
}

/// The 1-minute load average (Linux), or `?`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

struct Row {
    label: &'static str,
    threads: usize,
    took: Duration,
    cpu: f64,
}

fn summary(s: &Setup, threads: usize) {
    let n = s.inputs.len();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let engine = &*s.engine;
    let pi = s.pi;
    let mut rows = Vec::new();
    let mut row = |label, threads, t: Timing| {
        eprintln!("  {label}: {:.2?}", t.wall);
        rows.push(Row {
            label,
            threads,
            took: t.wall,
            cpu: t.cpu,
        })
    };
    eprintln!("timing {n} submissions per mode…");
    let load_before = load_average();

    let mut out = Vec::with_capacity(64);
    row(
        "(a) hand-written, pre-converted structs",
        1,
        timed(|| {
            let mut acc = 0;
            for sub in &s.subs {
                out.clear();
                s.checks.check(sub, &mut out);
                acc += out.len();
            }
            acc
        }),
    );
    row(
        "(b) hand-written incl. JSON→struct",
        1,
        timed(|| {
            let mut acc = 0;
            for input in &s.inputs {
                let sub = convert(input).expect("converts");
                out.clear();
                s.checks.check(&sub, &mut out);
                acc += out.len();
            }
            acc
        }),
    );
    row(
        "(c) engine facts only",
        1,
        timed(|| s.inputs.iter().map(|i| engine.facts(pi, i).1.len()).sum()),
    );
    row(
        "(d) engine decide on pre-built facts",
        1,
        timed(|| {
            s.facts
                .iter()
                .map(|(f, p)| engine.decide(pi, f, p).len())
                .sum()
        }),
    );
    row(
        "(e) engine facts + decide",
        1,
        timed(|| {
            s.inputs
                .iter()
                .map(|i| {
                    let (f, p) = engine.facts(pi, i);
                    engine.decide(pi, &f, &p).len()
                })
                .sum()
        }),
    );
    row(
        "(f) engine judge (messages, evidence)",
        1,
        timed(|| {
            s.inputs
                .iter()
                .map(|i| engine.judge(i).expect("judge").findings.len())
                .sum()
        }),
    );
    row(
        "(a) hand-written, pre-converted structs",
        threads,
        pool.install(|| {
            timed(|| {
                s.subs
                    .par_iter()
                    .map_init(Vec::new, |out, sub| {
                        out.clear();
                        s.checks.check(sub, out);
                        out.len()
                    })
                    .sum()
            })
        }),
    );
    row(
        "(d) engine decide on pre-built facts",
        threads,
        pool.install(|| {
            timed(|| {
                s.facts
                    .par_iter()
                    .map(|(f, p)| engine.decide(pi, f, p).len())
                    .sum()
            })
        }),
    );
    row(
        "(e) engine facts + decide",
        threads,
        pool.install(|| {
            timed(|| {
                s.inputs
                    .par_iter()
                    .map(|i| {
                        let (f, p) = engine.facts(pi, i);
                        engine.decide(pi, &f, &p).len()
                    })
                    .sum()
            })
        }),
    );

    // The whole shipped pack, for scale (45 rules, among them address comparison).
    let full = Engine::new(rules::compile(&rules::shipped_files()));
    let fpi = full
        .procedure_index("company_establishment")
        .expect("procedure");
    row(
        "(g) full company pack: facts + decide",
        1,
        timed(|| {
            s.inputs
                .iter()
                .map(|i| {
                    let (f, p) = full.facts(fpi, i);
                    full.decide(fpi, &f, &p).len()
                })
                .sum()
        }),
    );
    let pairs: Vec<(String, String)> = s
        .inputs
        .iter()
        .filter_map(|i| {
            let lease = i
                .documents
                .iter()
                .find(|d| d.document.kind == "lease_contract")?;
            let read = lease
                .document
                .fields
                .get("premises_address")?
                .value
                .as_ref()?;
            Some((
                i.form["address"].as_str()?.to_string(),
                read.as_str()?.to_string(),
            ))
        })
        .collect();
    let address_took = timed(|| {
        pairs
            .iter()
            .filter(|(a, b)| {
                prereview_validators::address::compare(a, b)
                    != prereview_validators::address::AddressMatch::Differs
            })
            .count()
    });

    let load_after = load_average();
    let base = rows[0].took.as_secs_f64();
    println!();
    println!(
        "engine bench: {} rules, {n} generated submissions, {} core(s) available",
        rules::BENCH_RULES.len(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    // Other work on the machine skews the parallel rows first: say how busy it was.
    println!("1-minute load average: {load_before} before, {load_after} after the timings");
    println!(
        "{:<42} {:>7} {:>9} {:>12} {:>14} {:>12} {:>9} {:>13}",
        "mode",
        "threads",
        "total s",
        "subs/s",
        "subs/s/thread",
        "subs/CPU-s",
        "µs/sub",
        "vs (a) 1 thr"
    );
    for r in &rows {
        let secs = r.took.as_secs_f64();
        let rate = n as f64 / secs;
        println!(
            "{:<42} {:>7} {:>9.3} {:>12.0} {:>14.0} {:>12.0} {:>9.2} {:>12.3}x",
            r.label,
            r.threads,
            secs,
            rate,
            rate / r.threads as f64,
            n as f64 / r.cpu,
            secs * 1e6 / n as f64,
            base / secs
        );
    }
    let rate = |label: &str, threads: usize| {
        rows.iter()
            .find(|r| r.label.starts_with(label) && r.threads == threads)
            .map_or(f64::NAN, |r| n as f64 / r.took.as_secs_f64())
    };
    println!(
        "compiled/hand-written: decide (d)/(a) = {:.3}; facts+decide vs convert+check (e)/(b) = {:.3}; target ≥ 0.333",
        rate("(d)", 1) / rate("(a)", 1),
        rate("(e)", 1) / rate("(b)", 1)
    );
    println!(
        "scaling on {threads} threads: (a) {:.2}x, (d) {:.2}x, (e) {:.2}x",
        rate("(a)", threads) / rate("(a)", 1),
        rate("(d)", threads) / rate("(d)", 1),
        rate("(e)", threads) / rate("(e)", 1),
    );
    println!(
        "address::compare: {:.1} µs per call ({} form/lease address pairs); the full pack calls it once per lease or title deed",
        address_took.wall.as_secs_f64() * 1e6 / pairs.len().max(1) as f64,
        pairs.len()
    );
    println!();
}

fn criterion_benches(c: &mut Criterion, s: &Setup, threads: usize) {
    let n = s.inputs.len();
    let engine = &*s.engine;
    let pi = s.pi;
    let mut g = c.benchmark_group("engine20");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(Duration::from_secs(3));
    g.warm_up_time(Duration::from_secs(1));
    let mut i = 0usize;
    let mut next = move || {
        i = (i + 1) % n;
        i
    };
    let mut out = Vec::with_capacity(64);
    g.bench_function("a_handwritten", |b| {
        b.iter(|| {
            out.clear();
            s.checks.check(&s.subs[next()], &mut out);
            out.len()
        })
    });
    g.bench_function("b_handwritten_with_conversion", |b| {
        b.iter(|| {
            let sub = convert(&s.inputs[next()]).expect("converts");
            out.clear();
            s.checks.check(&sub, &mut out);
            out.len()
        })
    });
    g.bench_function("c_facts", |b| {
        b.iter(|| engine.facts(pi, &s.inputs[next()]))
    });
    g.bench_function("d_decide", |b| {
        b.iter(|| {
            let (f, p) = &s.facts[next()];
            engine.decide(pi, f, p)
        })
    });
    g.bench_function("e_facts_decide", |b| {
        b.iter(|| {
            let (f, p) = engine.facts(pi, &s.inputs[next()]);
            engine.decide(pi, &f, &p)
        })
    });
    g.bench_function("f_judge", |b| b.iter(|| engine.judge(&s.inputs[next()])));
    g.finish();

    const CHUNK: usize = 2048;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let mut g = c.benchmark_group(format!("engine20_rayon{threads}"));
    g.throughput(Throughput::Elements(CHUNK as u64));
    g.measurement_time(Duration::from_secs(4));
    g.warm_up_time(Duration::from_secs(1));
    g.sample_size(30);
    let mut start = 0usize;
    let mut chunk = move || {
        start = (start + CHUNK) % n.saturating_sub(CHUNK).max(1);
        start..(start + CHUNK).min(n)
    };
    g.bench_function("d_decide", |b| {
        b.iter(|| {
            let r = chunk();
            pool.install(|| {
                s.facts[r]
                    .par_iter()
                    .map(|(f, p)| engine.decide(pi, f, p).len())
                    .sum::<usize>()
            })
        })
    });
    g.bench_function("e_facts_decide", |b| {
        b.iter(|| {
            let r = chunk();
            pool.install(|| {
                s.inputs[r]
                    .par_iter()
                    .map(|i| {
                        let (f, p) = engine.facts(pi, i);
                        engine.decide(pi, &f, &p).len()
                    })
                    .sum::<usize>()
            })
        })
    });
    g.finish();
}

/// Writes every decision (with causes) and every report of the 20-rule set and of
/// the full shipped pack, to compare the engine's behaviour before and after a change.
fn dump(s: &Setup, path: &str) {
    use std::io::Write;
    let full = Engine::new(rules::compile(&rules::shipped_files()));
    let fpi = full
        .procedure_index("company_establishment")
        .expect("procedure");
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).expect("dump file"));
    for (i, input) in s.inputs.iter().enumerate() {
        let (f, p) = &s.facts[i];
        writeln!(w, "{:?}", s.engine.decide(s.pi, f, p)).expect("write");
        let (ff, fp) = full.facts(fpi, input);
        writeln!(w, "{:?}", full.decide(fpi, &ff, &fp)).expect("write");
        for e in [&*s.engine, &full] {
            for input in [input, &damaged(input, i)] {
                let report = e.judge(input).expect("judge");
                serde_json::to_writer(&mut w, &report).expect("write");
                writeln!(w).expect("write");
            }
        }
    }
    eprintln!("wrote {path}");
}

/// A copy of `input` with one defect of shape (missing, mistyped or unreadable
/// values), to exercise the engine's unknowns in [`dump`].
fn damaged(input: &SubmissionInput, i: usize) -> SubmissionInput {
    use serde_json::json;
    let mut d = input.clone();
    let f = &mut d.form;
    match i % 9 {
        0 => {
            f.as_object_mut()
                .map(|o| o.remove("registered_capital_wan"));
        }
        1 => f["shareholders"][0]["deadline"] = json!("2024-13-01"),
        2 => f["legal_representative"] = json!("x"),
        3 => f["officers"][0]["position"] = json!(5),
        4 => f["shareholders"] = json!({}),
        5 => f["shareholders"][0]["subscribed_wan"] = json!("三十"),
        6 => {
            if let Some(doc) = d.documents.first_mut() {
                doc.document.error = Some("文件损坏".into());
            }
        }
        7 => {
            if let Some(doc) = d.documents.first_mut() {
                for field in doc.document.fields.values_mut() {
                    field.value = None;
                    field.reason = Some("未找到".into());
                }
            }
        }
        _ => d.submitted_at = Err("日期格式错误".into()),
    }
    d
}

/// Repeats one mode for a few seconds (for `perf record` or callgrind).
fn profile(s: &Setup, mode: &str) {
    let engine = &*s.engine;
    let pi = s.pi;
    let rounds: usize = std::env::var("ENGINE_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let mut acc = 0usize;
    let mut out = Vec::new();
    let t = Instant::now();
    for _ in 0..rounds {
        for (i, input) in s.inputs.iter().enumerate() {
            acc += match mode {
                "a" => {
                    out.clear();
                    s.checks.check(&s.subs[i], &mut out);
                    out.len()
                }
                "c" => engine.facts(pi, input).1.len(),
                "d" => {
                    let (f, p) = &s.facts[i];
                    engine.decide(pi, f, p).len()
                }
                "f" => engine.judge(input).expect("judge").findings.len(),
                other => panic!("ENGINE_BENCH_PROFILE: unknown mode {other} (a, c, d, f)"),
            };
        }
    }
    eprintln!(
        "mode {mode}: {:.2} µs per submission ({acc})",
        t.elapsed().as_secs_f64() * 1e6 / (rounds * s.inputs.len()) as f64
    );
}

fn main() {
    let test_mode = std::env::args().any(|a| a == "--test");
    let n: usize = std::env::var("ENGINE_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if test_mode { 2_000 } else { 100_000 });
    let threads: usize = std::env::var("ENGINE_BENCH_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let s = setup(n);
    if let Ok(path) = std::env::var("ENGINE_BENCH_DUMP") {
        dump(&s, &path);
        return;
    }
    if let Ok(mode) = std::env::var("ENGINE_BENCH_PROFILE") {
        profile(&s, &mode);
        return;
    }
    summary(&s, threads);
    if std::env::var("ENGINE_BENCH_SUMMARY_ONLY").is_ok_and(|v| v == "1") {
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c, &s, threads);
    c.final_summary();
}
