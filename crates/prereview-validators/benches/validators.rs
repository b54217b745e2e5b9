//! Criterion benches for the hot validators (`cargo bench -p prereview-validators`).

use chrono::NaiveDate;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use prereview_validators::{address, amount, date, divisions, resident_id, text, uscc};

fn benches(c: &mut Criterion) {
    let today = NaiveDate::from_ymd_opt(2025, 11, 20).unwrap();
    // Warm the division table so its one-time parse is not measured.
    let _ = divisions::lookup("370102");

    c.bench_function("uscc::check_character", |b| {
        b.iter(|| uscc::check_character(black_box("91370102MABQTU203")))
    });
    c.bench_function("uscc::validate", |b| {
        b.iter(|| uscc::validate(black_box("91370102MABQTU203W")))
    });
    c.bench_function("resident_id::check_character", |b| {
        b.iter(|| resident_id::check_character(black_box("11010519491231002")))
    });
    c.bench_function("resident_id::validate", |b| {
        b.iter(|| resident_id::validate(black_box("11010519491231002X"), today))
    });
    c.bench_function("amount::parse_rmb_upper", |b| {
        b.iter(|| amount::parse_rmb_upper(black_box("壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分")))
    });
    c.bench_function("amount::parse_amount_text figure", |b| {
        b.iter(|| amount::parse_amount_text(black_box("5,000,000.00元")))
    });
    c.bench_function("date::parse_date iso", |b| {
        b.iter(|| date::parse_date(black_box("2024-03-05")))
    });
    c.bench_function("date::parse_date chinese", |b| {
        b.iter(|| date::parse_date(black_box("二〇二四年三月五日")))
    });
    c.bench_function("date::parse_validity", |b| {
        b.iter(|| date::parse_validity(black_box("2016.04.02-2036.04.02")))
    });
    c.bench_function("text::similarity", |b| {
        b.iter(|| {
            text::similarity(
                black_box("济南历下张三餐饮有限公司"),
                black_box("济南历下张三餐钦有限公司"),
            )
        })
    });
    c.bench_function("divisions::contains_division_name", |b| {
        b.iter(|| divisions::contains_division_name(black_box("济南历下张三餐饮有限公司")))
    });
    c.bench_function("address::compare", |b| {
        b.iter(|| {
            address::compare(
                black_box("山东省济南市历下区泉城路188号3号楼2单元1201室"),
                black_box("济南市历下区泉城路一百八十八号3号楼2单元1202室"),
            )
        })
    });
}

criterion_group!(validators, benches);
criterion_main!(validators);
