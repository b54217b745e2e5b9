//! `prereview`: pre-reviews approval applications. See `prereview --help`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use prereview_cli::{review::Pipeline, rules, ruletest};
use prereview_report::RenderOptions;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "prereview",
    version,
    about = "系统预审 — pre-reviews approval applications against compiled rules"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Pre-reviews one submission folder and prints the report.
    Check {
        /// The submission folder (holding submission.json).
        dir: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        reading: Reading,
    },
    /// Pre-reviews every submission under DIR in parallel and writes a report folder.
    Batch {
        dir: PathBuf,
        /// The report folder (an earlier run's folder is resumed; its reports made
        /// under other rules or read another way are judged again).
        #[arg(long)]
        out: PathBuf,
        /// OCR cache folder (content-addressed; a re-run with other rules re-reads no image).
        #[arg(long)]
        cache: Option<PathBuf>,
        /// Worker threads (default: one per core).
        #[arg(long, default_value_t = 0)]
        jobs: usize,
        /// No progress output.
        #[arg(long)]
        quiet: bool,
        /// Only shard K of N (0-based), by submission id: `--shard 0/4`.
        #[arg(long)]
        shard: Option<String>,
        /// Judge again the submissions an earlier run into this --out could not judge.
        #[arg(long)]
        retry_not_judged: bool,
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        reading: Reading,
    },
    /// Joins the report folders of shard runs into one.
    Merge {
        /// The merged report folder.
        out: PathBuf,
        /// Shard report folders.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
    /// Rule-pack tools.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Shows the fields read from one document, with confidence and location.
    Ocr {
        file: PathBuf,
        /// The document kind (id_card, business_license, lease_contract…).
        #[arg(long)]
        kind: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[arg(long)]
        rules: Option<PathBuf>,
        #[command(flatten)]
        reading: Reading,
    },
    /// Checks identifiers and values: uscc, id, org-code, amount, date, phone.
    Validate {
        kind: String,
        #[arg(required = true)]
        values: Vec<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Compiles the rules and prints every problem with file:line:column.
    Check { dir: Option<PathBuf> },
    /// Runs the rule packs' own test cases.
    Test { dir: Option<PathBuf> },
    /// Prints the rule packs' documentation (Markdown), as in docs/rules.md.
    Docs { dir: Option<PathBuf> },
}

#[derive(Args)]
struct Common {
    /// A rules folder to use instead of the built-in packs.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Show ID and phone numbers in full (authorised use).
    #[arg(long)]
    unmasked: bool,
}

/// How documents are read.
#[derive(Args)]
struct Reading {
    /// When to read a document's pages a second time, prepared otherwise (grey,
    /// not binarised). What both readings agree on is trusted. `doubtful`: when
    /// a field is unread or below its threshold (about 1.5× the OCR time);
    /// `missing`: only when a field is unread (faster, fewer fields trusted).
    #[arg(long, value_enum, default_value_t = SecondLookArg::Doubtful)]
    second_look: SecondLookArg,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SecondLookArg {
    Off,
    Missing,
    Doubtful,
}

impl Reading {
    fn settings(&self) -> prereview_ocr::Settings {
        use prereview_ocr::SecondLook;
        prereview_ocr::Settings {
            second_look: match self.second_look {
                SecondLookArg::Off => SecondLook::Off,
                SecondLookArg::Missing => SecondLook::Missing,
                SecondLookArg::Doubtful => SecondLook::Doubtful,
            },
            ..Default::default()
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Html,
}

/// Exit status of `batch`/`merge` when the run as a whole failed; lower statuses
/// count the submissions that could not be judged (at most 100).
const FATAL: u8 = 101;

fn main() -> ExitCode {
    // Before anything loads Tesseract: OpenMP must be single-threaded (see prereview-ocr).
    prereview_ocr::ensure_single_threaded_openmp();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

/// Compiles the rules; on errors prints them and fails.
fn load_rules(dir: Option<&Path>) -> Result<Arc<prereview_dsl::RuleSet>, String> {
    let files = rules::files(dir)?;
    let c = rules::compile_files(&files);
    let color = std::io::stderr().is_terminal();
    for d in &c.diagnostics {
        eprintln!("{}", d.render(&c.sources, color));
    }
    let errors = c.errors().count();
    c.rule_set.ok_or_else(|| {
        format!("the rules do not compile ({errors} errors); run `prereview rules check`")
    })
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Check {
            dir,
            format,
            common,
            reading,
        } => {
            let rs = load_rules(common.rules.as_deref())?;
            let pipeline = Pipeline::new(rs, reading.settings());
            let report = pipeline.review_dir(&dir).map_err(|e| e.to_string())?;
            let opts = RenderOptions {
                unmasked: common.unmasked,
                ..Default::default()
            };
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
                ),
                Format::Text => print!("{}", prereview_report::render_text(&report, &opts)),
                Format::Html => print!(
                    "{}",
                    prereview_report::render_html(&report, Some(&dir), &opts)
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Batch {
            dir,
            out,
            cache,
            jobs,
            quiet,
            shard,
            retry_not_judged,
            common,
            reading,
        } => {
            let rs = load_rules(common.rules.as_deref())?;
            let settings = prereview_ocr::Settings {
                cache_dir: cache.or_else(|| Some(out.join("ocr-cache"))),
                ..reading.settings()
            };
            let mut options = prereview_batch::BatchOptions::new(&out);
            options.jobs = jobs;
            options.quiet = quiet;
            options.unmasked = common.unmasked;
            options.retry_not_judged = retry_not_judged;
            // Crops are drawn from PDF pages rendered at another resolution than OCR's.
            options.pdf_box_dpi = settings.pdf_dpi;
            options.shard = shard
                .as_deref()
                .map(prereview_batch::parse_shard)
                .transpose()?;
            let pipeline = Pipeline::new(rs, settings);
            let summary = match prereview_batch::run(&pipeline, &dir, &options) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(FATAL));
                }
            };
            if !quiet {
                eprintln!(
                    "{}; {} document(s) from the cache",
                    pipeline.timings().summary(),
                    pipeline.cache_hits()
                );
                eprintln!("{}", summary_line(&summary, &out));
            }
            Ok(ExitCode::from(summary.exit_code().clamp(0, 255) as u8))
        }
        Command::Merge { out, inputs } => {
            let summary = match prereview_batch::merge(&out, &inputs) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(FATAL));
                }
            };
            eprintln!("{}", summary_line(&summary, &out));
            Ok(ExitCode::from(summary.exit_code().clamp(0, 255) as u8))
        }
        Command::Rules {
            command: RulesCommand::Check { dir },
        } => {
            let files = rules::files(dir.as_deref())?;
            let c = rules::compile_files(&files);
            let color = std::io::stdout().is_terminal();
            for d in &c.diagnostics {
                println!("{}", d.render(&c.sources, color));
            }
            let errors = c.errors().count();
            let warnings = c.diagnostics.len() - errors;
            match &c.rule_set {
                Some(rs) => {
                    let per: Vec<String> = rs
                        .procedures
                        .iter()
                        .map(|p| format!("{} ({} rules)", p.name, p.rules.len()))
                        .collect();
                    println!("ok: {} rules compiled [{}], {} document kinds, {} parameters, {} tables, {warnings} warning(s); version {}", rs.rule_count(), per.join(", "), rs.documents.len(), rs.params.len(), rs.tables.len(), rs.version);
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    println!("{errors} error(s), {warnings} warning(s)");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Rules {
            command: RulesCommand::Test { dir },
        } => {
            let files = rules::files(dir.as_deref())?;
            let rs = load_rules(dir.as_deref())?;
            let engine = prereview_engine::Engine::new(rs);
            let run = ruletest::run(&engine, &files);
            for l in &run.lines {
                println!("{l}");
            }
            println!();
            println!(
                "coverage: {} rules; {} without a failing case, {} without a passing case",
                run.rules,
                run.without_failing_case.len(),
                run.without_passing_case.len()
            );
            if !run.without_failing_case.is_empty() {
                println!("  no failing case: {}", run.without_failing_case.join(", "));
            }
            if !run.without_passing_case.is_empty() {
                println!("  no passing case: {}", run.without_passing_case.join(", "));
            }
            println!("rule tests: {} passed, {} failed", run.passed, run.failed);
            Ok(if run.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Rules {
            command: RulesCommand::Docs { dir },
        } => {
            let rs = load_rules(dir.as_deref())?;
            print!("{}", prereview_cli::ruledocs::render(&rs));
            Ok(ExitCode::SUCCESS)
        }
        Command::Ocr {
            file,
            kind,
            format,
            rules: rules_dir,
            reading,
        } => {
            let rs = load_rules(rules_dir.as_deref())?;
            let Some(k) = rs.document_kind(&kind) else {
                let kinds: Vec<&str> = rs.documents.iter().map(|d| d.kind.as_str()).collect();
                let hint = prereview_dsl::diagnostic::did_you_mean(&kind, kinds.iter().copied())
                    .map(|s| format!(" — did you mean `{s}`?"))
                    .unwrap_or_default();
                return Err(format!(
                    "unknown document kind `{kind}`{hint} (kinds: {})",
                    kinds.join(", ")
                ));
            };
            let reader =
                prereview_ocr::Reader::new(reading.settings()).map_err(|e| e.to_string())?;
            let doc = reader.read_document(&file, &rs.documents[k], &prereview_ocr::Hints::new());
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?
                ),
                _ => {
                    println!(
                        "{} ({}){}",
                        doc.file,
                        rs.documents[k].title,
                        doc.pages
                            .map(|p| format!(", {p} page(s)"))
                            .unwrap_or_default()
                    );
                    if let Some(e) = &doc.error {
                        println!("  error: {e}");
                    }
                    for f in &rs.documents[k].fields {
                        let Some(r) = doc.fields.get(&f.name) else {
                            continue;
                        };
                        let value = r.value.as_ref().map_or("—".to_string(), |v| {
                            v.as_str().map_or(v.to_string(), str::to_string)
                        });
                        let place = match (r.page, r.bbox) {
                            (Some(p), Some(b)) => {
                                format!("p{p} [{}, {}, {}, {}]", b[0], b[1], b[2], b[3])
                            }
                            _ => String::new(),
                        };
                        let why = r
                            .reason
                            .as_deref()
                            .map(|w| format!("  ({w})"))
                            .unwrap_or_default();
                        println!(
                            "  {:<24} {:<32} {:>5.2}  {place}{why}",
                            format!("{} {}", f.name, f.title),
                            value,
                            r.confidence
                        );
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate {
            kind,
            values,
            format,
        } => {
            let today = chrono::Local::now().date_naive();
            let mut all_valid = true;
            for v in &values {
                let r = prereview_validators::report::validate(&kind, v, today)
                    .map_err(|e| e.to_string())?;
                all_valid &= r.valid;
                match format {
                    Format::Json => {
                        println!("{}", serde_json::to_string(&r).map_err(|e| e.to_string())?)
                    }
                    _ => println!("{r}"),
                }
            }
            Ok(if all_valid {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn summary_line(s: &prereview_batch::BatchSummary, out: &Path) -> String {
    format!(
        "{} → {}",
        serde_json::to_string(&s.verdicts).unwrap_or_default(),
        out.join("index.html").display()
    )
}
