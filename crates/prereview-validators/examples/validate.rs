//! `cargo run -p prereview-validators --example validate -- <kind> <input> [today]`
//! prints the one-line summary and the JSON report.

use chrono::NaiveDate;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(kind), Some(input)) = (args.first(), args.get(1)) else {
        eprintln!("usage: validate <uscc|id|org-code|amount|date|phone> <input> [YYYY-MM-DD]");
        std::process::exit(2);
    };
    let today = args
        .get(2)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .unwrap_or_else(today_utc);
    match prereview_validators::report::validate(kind, input, today) {
        Ok(r) => {
            println!("{r}");
            println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}

/// Today (UTC) without chrono's `clock` feature.
fn today_utc() -> NaiveDate {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.checked_add_days(chrono::Days::new(days)))
        .unwrap_or_default()
}
