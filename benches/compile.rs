//! Compile time of the shipped rule packs: parsing only, and the whole compilation
//! (documents, params, tables, type checking, IR) of both packs together and of the
//! 20-rule engine-bench set. A one-shot timing of each is printed first.

use criterion::{criterion_group, criterion_main, Criterion};
use prereview_benches::rules;
use prereview_dsl::diagnostic::FileId;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn parse_all(files: &[(String, String)]) -> usize {
    files
        .iter()
        .filter(|(p, _)| p.ends_with(".rules"))
        .enumerate()
        .map(|(i, (_, text))| {
            let (module, diags) = prereview_dsl::syntax::parse_module(text, FileId(i as u32));
            assert!(!diags.iter().any(|d| d.is_error()), "{diags:?}");
            black_box(module);
            1
        })
        .sum()
}

fn compile_benches(c: &mut Criterion) {
    let shipped = rules::shipped_files();
    let bench20 = rules::restricted(&shipped, "company_establishment", &rules::BENCH_RULES);
    let rule_files = shipped
        .iter()
        .filter(|(p, _)| p.ends_with(".rules"))
        .count();
    let rs = rules::compile(&shipped);
    eprintln!(
        "shipped packs: {} files ({rule_files} .rules), {} procedures, {} rules, {} tables",
        shipped.len(),
        rs.procedures.len(),
        rs.rule_count(),
        rs.tables.len()
    );
    for (what, files) in [("both packs", &shipped), ("20 bench rules", &bench20)] {
        let t = Instant::now();
        black_box(rules::compile(files));
        eprintln!("one-shot compile of {what}: {:.2?}", t.elapsed());
    }
    let t = Instant::now();
    black_box(parse_all(&shipped));
    eprintln!("one-shot parse of both packs: {:.2?}", t.elapsed());

    let mut g = c.benchmark_group("compile");
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("parse_both_packs", |b| b.iter(|| parse_all(&shipped)));
    g.bench_function("compile_both_packs", |b| {
        b.iter(|| rules::compile(&shipped))
    });
    g.bench_function("compile_bench20", |b| b.iter(|| rules::compile(&bench20)));
    g.finish();
}

criterion_group!(benches, compile_benches);
criterion_main!(benches);
