//! Renders a report JSON for a person:
//! `cargo run -p prereview-report --example render -- REPORT.json [SUBMISSION_DIR] [text|html]`.

use prereview_report::{render_html, render_text, RenderOptions};
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(report_path) = args.first() else {
        eprintln!("usage: render REPORT.json [SUBMISSION_DIR] [text|html]");
        std::process::exit(2);
    };
    let text = match std::fs::read_to_string(report_path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{report_path}: {e}");
            std::process::exit(1);
        }
    };
    let report = match serde_json::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "{report_path}: line {}, column {}: {e}",
                e.line(),
                e.column()
            );
            std::process::exit(1);
        }
    };
    let dir = args.get(1).map(Path::new);
    let opts = RenderOptions::default();
    match args.get(2).map(String::as_str).unwrap_or("html") {
        "text" => print!("{}", render_text(&report, &opts)),
        _ => print!("{}", render_html(&report, dir, &opts)),
    }
}
