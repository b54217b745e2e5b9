//! `prereview-docgen`: synthetic scans and submissions with known truth.

use clap::{Parser, Subcommand, ValueEnum};
use prereview_docgen::{
    generate_documents, generate_submissions, Defect, Quality, SubmissionOptions,
};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "prereview-docgen",
    version,
    about = "Synthetic document scans and submissions with known truth"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Clone, Copy, ValueEnum)]
enum QualityArg {
    Clean,
    Mild,
    Heavy,
    All,
}

#[derive(Subcommand)]
enum Cmd {
    /// Scans of every document kind, with `<name>.truth.json` beside each, under OUT/<quality>/.
    Documents {
        #[arg(long)]
        out: PathBuf,
        /// Documents per kind (and per quality).
        #[arg(long, default_value_t = 2)]
        per_kind: usize,
        #[arg(long, value_enum, default_value = "all")]
        quality: QualityArg,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Whole submission folders (submission.json, attachments, expected.json) under OUT/.
    Submissions {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 8)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Fewest pages (all attachments) per submission.
        #[arg(long, default_value_t = 5)]
        pages_min: usize,
        /// Most pages per submission.
        #[arg(long, default_value_t = 10)]
        pages_max: usize,
        /// Share of submissions with one injected defect (0–1).
        #[arg(long, default_value_t = 0.4)]
        defect_share: f64,
        /// Defects to inject, used in this order (repeatable); default: all, shuffled by the seed.
        #[arg(long = "defect", value_enum)]
        defects: Vec<Defect>,
        /// Scan qualities to use (repeatable); default: clean and mild for documents that must be
        /// read, heavy too elsewhere.
        #[arg(long = "quality", value_enum)]
        qualities: Vec<Quality>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let started = std::time::Instant::now();
    let result = match cli.cmd {
        Cmd::Documents {
            out,
            per_kind,
            quality,
            seed,
        } => {
            let qs: Vec<Quality> = match quality {
                QualityArg::Clean => vec![Quality::Clean],
                QualityArg::Mild => vec![Quality::Mild],
                QualityArg::Heavy => vec![Quality::Heavy],
                QualityArg::All => Quality::ALL.to_vec(),
            };
            generate_documents(&out, per_kind, &qs, seed).map(|t| {
                eprintln!(
                    "wrote {} documents to {} in {:.1?}",
                    t.len(),
                    out.display(),
                    started.elapsed()
                );
            })
        }
        Cmd::Submissions {
            out,
            count,
            seed,
            pages_min,
            pages_max,
            defect_share,
            defects,
            qualities,
        } => {
            let opts = SubmissionOptions {
                count,
                seed,
                pages_min,
                pages_max,
                defect_share,
                defects,
                qualities,
            };
            generate_submissions(&out, &opts).map(|s| {
                for x in &s {
                    let codes: Vec<&str> =
                        x.expected.defects.iter().map(|d| d.code.as_str()).collect();
                    println!(
                        "{}\t{}\t{:?}\t{} files, {} pages\t{}",
                        x.id,
                        serde_json::to_value(x.procedure)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                        x.expected.verdict,
                        x.attachments,
                        x.pages,
                        codes.join(",")
                    );
                }
                eprintln!(
                    "wrote {} submissions to {} in {:.1?}",
                    s.len(),
                    out.display(),
                    started.elapsed()
                );
            })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("prereview-docgen: {e}");
            ExitCode::FAILURE
        }
    }
}
