//! OCR accuracy measurement (a binary, not a criterion bench):
//! field-level exact-match accuracy per document kind and scan quality over
//! a generated set with truth files, and the share of wrong values reported
//! with a confidence above the trust threshold.
//!
//! ```text
//! cargo bench -p prereview-benches --bench ocr_accuracy -- [--dir DIR] [--per-kind N] [--seed S]
//!     [--variants] [--psm N] [--fallback-psm N] [--reread off|doubtful|all] [--no-bands]
//!     [--second-look off|missing|doubtful] [--only KIND] [--show-wrong] [--show-untrusted] [--causes]
//! ```
//! Without `--dir` (or with an empty or missing one, which is then filled and
//! kept, so that runs compare on the same documents), generates `--per-kind`
//! documents of every kind at every quality with `prereview-docgen`. `--variants`
//! repeats the run for each preprocessing variant (the table in the crate's
//! report). Targets: ≥ 99 % clean, ≥ 95 % mild, ≥ 85 % heavy, and fewer than
//! 1 in 200 fields wrong above the threshold. Documents whose truth says
//! `"illegible": true` (a submission's deliberately unreadable attachment)
//! are counted apart, as `illegible`.

use prereview_model::document::{DocumentSpec, FieldType};
use prereview_ocr::{
    default_threshold, specs, Hints, Preprocess, Reader, Reread, SecondLook, Settings,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

#[derive(Default, Clone)]
struct Tally {
    fields: usize,
    correct: usize,
    null: usize,
    wrong_trusted: usize,
    trusted: usize,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.fields += o.fields;
        self.correct += o.correct;
        self.null += o.null;
        self.wrong_trusted += o.wrong_trusted;
        self.trusted += o.trusted;
    }
}

/// A text as compared: normalised, letters and digits only (punctuation
/// variants such as ，/, and ；/; are not reading errors a rule sees).
fn text_key(s: &str) -> String {
    prereview_validators::text::normalize(s)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

fn same(ty: FieldType, got: &Value, want: &Value) -> bool {
    use prereview_validators::text::normalize;
    match (got, want) {
        (Value::Number(a), Value::Number(b)) => {
            (a.as_f64().unwrap_or(f64::NAN) - b.as_f64().unwrap_or(f64::NAN)).abs() < 0.005
        }
        (Value::String(a), Value::String(b)) => {
            // docgen records 营业期限 (a text field) by its end: `2045-07-14` or
            // `长期`; the text `2025年07月15日至2045年07月14日` says the same.
            let is_end = b == "长期"
                || prereview_validators::date::parse_date(b).is_ok_and(|_| b.len() == 10);
            if ty == FieldType::Text && is_end && !a.is_empty() {
                if let Ok((_, end)) = prereview_validators::date::parse_validity(a) {
                    let end =
                        end.map_or("长期".to_string(), |d| d.format("%Y-%m-%d").to_string());
                    return &end == b;
                }
            }
            if ty == FieldType::Text {
                text_key(a) == text_key(b)
            } else {
                normalize(a) == normalize(b)
            }
        }
        _ => false,
    }
}

struct Doc {
    path: PathBuf,
    quality: String,
    kind: String,
    fields: BTreeMap<String, Value>,
}

fn load_set(dir: &Path) -> Vec<Doc> {
    let mut out = Vec::new();
    for q in ["clean", "mild", "heavy"] {
        let Ok(rd) = std::fs::read_dir(dir.join(q)) else {
            continue;
        };
        let mut files: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for f in files {
            if !f.to_string_lossy().ends_with(".truth.json") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            let Ok(v) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            let file = v["file"].as_str().unwrap_or_default();
            let fields: BTreeMap<String, Value> = v["fields"]
                .as_object()
                .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            // A scan the generator made illegible (60 dpi, washed out:
            // nobody can read it) is its own row, not part of `heavy`: the
            // right outcome there is every field unread, never one trusted.
            let quality = if v["illegible"].as_bool() == Some(true) {
                "illegible"
            } else {
                q
            };
            out.push(Doc {
                path: f.with_file_name(file),
                quality: quality.to_string(),
                kind: v["kind"].as_str().unwrap_or_default().to_string(),
                fields,
            });
        }
    }
    out
}

/// Why a field is not exact (`--causes`), from the value read against the truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Cause {
    OneCharacter,
    SeveralCharacters,
    ModelLacks,
    LongText,
    LabelNotRead,
    OtherText,
    CutShort,
    NotParsed,
}

impl Cause {
    fn label(self) -> &'static str {
        match self {
            Cause::OneCharacter => "one character misread",
            Cause::SeveralCharacters => "two or more characters misread",
            Cause::ModelLacks => "a character the model cannot output",
            Cause::LongText => "经营范围 (long text) not exact",
            Cause::LabelNotRead => "label not read, so the value not found",
            Cause::OtherText => "another text taken",
            Cause::CutShort => "value cut short",
            Cause::NotParsed => "value found but not parseable",
        }
    }

    /// `got`: the value read (`None`: unread, with `reason`).
    fn of(
        field: &str,
        got: Option<&Value>,
        want: &Value,
        reason: &str,
        charset: Option<&prereview_ocr::charset::ModelCharset>,
    ) -> Cause {
        let key = |v: &Value| -> Vec<char> {
            match v {
                Value::String(s) => text_key(s),
                other => text_key(&other.to_string()),
            }
            .chars()
            .collect()
        };
        let w = key(want);
        let ws: String = w.iter().collect();
        if charset.is_some_and(|c| !c.unreadable_in(&ws).is_empty()) {
            return Cause::ModelLacks;
        }
        let Some(got) = got else {
            return if reason.contains("label not found") {
                Cause::LabelNotRead
            } else {
                Cause::NotParsed
            };
        };
        let gc = key(got);
        let g: String = gc.iter().collect();
        if !g.is_empty() && g.len() < ws.len() && ws.contains(&g) {
            return Cause::CutShort;
        }
        // Less than half the truth's characters, in order: read from elsewhere.
        if common_subsequence(&gc, &w) * 2 < w.len() {
            return Cause::OtherText;
        }
        if field == "business_scope" {
            return Cause::LongText;
        }
        if strsim::levenshtein(&g, &ws) == 1 {
            Cause::OneCharacter
        } else {
            Cause::SeveralCharacters
        }
    }
}

/// The length of the longest common subsequence of `a` and `b`.
fn common_subsequence(a: &[char], b: &[char]) -> usize {
    let mut prev = vec![0; b.len() + 1];
    for &x in a {
        let mut cur = vec![0; b.len() + 1];
        for (j, &y) in b.iter().enumerate() {
            cur[j + 1] = if x == y {
                prev[j] + 1
            } else {
                prev[j + 1].max(cur[j])
            };
        }
        prev = cur;
    }
    prev[b.len()]
}

struct Run {
    by: BTreeMap<(String, String), Tally>,
    /// Fields not exact, by quality and cause.
    causes: BTreeMap<(String, Cause), usize>,
    secs: f64,
    wrong: Vec<String>,
    /// Right values below the trust threshold (what keeps correct
    /// submissions in `review`).
    untrusted: Vec<String>,
}

/// The confidences above which the shipped rules trust a field
/// (`rules/params.toml`: `ocr_min_confidence`, `ocr_min_confidence_identifier`),
/// so that "wrong and trusted" counts what would reach a rule.
struct Trust {
    text: f32,
    identifier: f32,
}

impl Trust {
    fn from_rules() -> Trust {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/params.toml");
        let params: toml::Table = std::fs::read_to_string(&path)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_default();
        let get = |name: &str, ty: FieldType| {
            params
                .get(name)
                .and_then(|p| p.get("value"))
                .and_then(|v| v.as_float())
                .map_or_else(|| default_threshold(ty), |v| v as f32)
        };
        Trust {
            text: get("ocr_min_confidence", FieldType::Text),
            identifier: get("ocr_min_confidence_identifier", FieldType::ResidentId),
        }
    }

    fn of(&self, ty: FieldType) -> f32 {
        match ty {
            FieldType::ResidentId | FieldType::Uscc => self.identifier,
            _ => self.text,
        }
    }
}

fn run(docs: &[Doc], specs: &[DocumentSpec], settings: Settings) -> Run {
    let trust = Trust::from_rules();
    let charset = prereview_ocr::charset::ModelCharset::load(
        &settings.engine.languages,
        settings.engine.tessdata.as_deref(),
    );
    let reader = Reader::new(settings).expect("reader");
    let by = Mutex::new(BTreeMap::<(String, String), Tally>::new());
    let wrong = Mutex::new(Vec::new());
    let untrusted = Mutex::new(Vec::new());
    let causes = Mutex::new(BTreeMap::<(String, Cause), usize>::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..reader.threads() {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(d) = docs.get(i) else { break };
                let Some(spec) = specs.iter().find(|s| s.kind == d.kind) else {
                    continue;
                };
                let got = reader.read_document(&d.path, spec, &Hints::new());
                let mut t = Tally::default();
                for f in &spec.fields {
                    let Some(want) = d.fields.get(&f.name) else {
                        continue;
                    };
                    t.fields += 1;
                    let rf = got.fields.get(&f.name);
                    let v = rf.and_then(|r| r.value.clone());
                    let conf = rf.map_or(0.0, |r| r.confidence);
                    let trusted = v.is_some() && conf >= trust.of(f.ty);
                    t.trusted += trusted as usize;
                    let exact = v.as_ref().is_some_and(|v| same(f.ty, v, want));
                    match &v {
                        None => t.null += 1,
                        Some(v) if exact => {
                            t.correct += 1;
                            if !trusted {
                                untrusted.lock().unwrap().push(format!(
                                    "{} {}: {} conf {:.2} ({})",
                                    d.path.display(),
                                    f.name,
                                    v,
                                    conf,
                                    rf.and_then(|r| r.reason.clone()).unwrap_or_default()
                                ));
                            }
                        }
                        Some(v) => {
                            if trusted {
                                t.wrong_trusted += 1;
                            }
                            wrong.lock().unwrap().push(format!(
                                "{}{} {}: got {} want {} conf {:.2} raw {:?}",
                                if trusted { "!! " } else { "" },
                                d.path.display(),
                                f.name,
                                v,
                                want,
                                conf,
                                rf.and_then(|r| r.raw.clone()).unwrap_or_default()
                            ));
                        }
                    }
                    if !exact {
                        let reason = rf.and_then(|r| r.reason.as_deref()).unwrap_or_default();
                        let cause = Cause::of(&f.name, v.as_ref(), want, reason, charset.as_ref());
                        *causes
                            .lock()
                            .unwrap()
                            .entry((d.quality.clone(), cause))
                            .or_default() += 1;
                    }
                    if rf.is_none_or(|r| r.value.is_none()) {
                        wrong.lock().unwrap().push(format!(
                            "{} {}: null ({}) want {}",
                            d.path.display(),
                            f.name,
                            rf.and_then(|r| r.reason.clone()).unwrap_or_default(),
                            want
                        ));
                    }
                }
                by.lock()
                    .unwrap()
                    .entry((d.kind.clone(), d.quality.clone()))
                    .or_default()
                    .add(&t);
            });
        }
    });
    Run {
        by: by.into_inner().unwrap(),
        causes: causes.into_inner().unwrap(),
        secs: start.elapsed().as_secs_f64(),
        wrong: wrong.into_inner().unwrap(),
        untrusted: untrusted.into_inner().unwrap(),
    }
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "-".into()
    } else {
        format!("{:.1}%", 100.0 * a as f64 / b as f64)
    }
}

/// The fields not exact, by cause (rows) and quality (columns).
fn print_causes(run: &Run) {
    let rank = |q: &str| {
        ["clean", "mild", "heavy", "illegible"]
            .iter()
            .position(|r| *r == q)
    };
    let mut qualities: Vec<&String> = run
        .by
        .keys()
        .map(|(_, q)| q)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    qualities.sort_by_key(|q| rank(q));
    let mut causes: Vec<Cause> = run.causes.keys().map(|(_, c)| *c).collect();
    causes.sort();
    causes.dedup();
    println!(
        "\n| cause | {} |",
        qualities
            .iter()
            .map(|q| q.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("|---|{}", "---|".repeat(qualities.len()));
    for c in causes {
        let cells: Vec<String> = qualities
            .iter()
            .map(|q| {
                run.causes
                    .get(&((*q).clone(), c))
                    .copied()
                    .unwrap_or(0)
                    .to_string()
            })
            .collect();
        println!("| {} | {} |", c.label(), cells.join(" | "));
    }
}

fn print(run: &Run, docs: usize) {
    println!("| kind | quality | fields | exact | null | wrong ≥ τ |");
    println!("|---|---|---|---|---|---|");
    let mut per_q: BTreeMap<String, Tally> = BTreeMap::new();
    for ((k, q), t) in &run.by {
        println!(
            "| {k} | {q} | {} | {} | {} | {} |",
            t.fields,
            pct(t.correct, t.fields),
            pct(t.null, t.fields),
            t.wrong_trusted
        );
        per_q.entry(q.clone()).or_default().add(t);
    }
    let mut all = Tally::default();
    for (q, t) in &per_q {
        println!(
            "| **all** | **{q}** | {} | **{}** | {} | {} |",
            t.fields,
            pct(t.correct, t.fields),
            pct(t.null, t.fields),
            t.wrong_trusted
        );
        all.add(t);
    }
    println!(
        "\n{docs} documents in {:.1} s; {} fields, {} trusted (conf ≥ τ), {} wrong and trusted = 1 in {}",
        run.secs,
        all.fields,
        all.trusted,
        all.wrong_trusted,
        if all.wrong_trusted == 0 { "∞".to_string() } else { format!("{:.0}", all.fields as f64 / all.wrong_trusted as f64) }
    );
}

fn main() {
    prereview_ocr::ensure_single_threaded_openmp();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let flag = |name: &str| args.iter().any(|a| a == name);
    let tmp;
    let per_kind: usize = opt("--per-kind").and_then(|v| v.parse().ok()).unwrap_or(4);
    let seed: u64 = opt("--seed").and_then(|v| v.parse().ok()).unwrap_or(2025);
    let generate = |into: &Path| {
        let t = Instant::now();
        prereview_docgen::generate_documents(into, per_kind, &prereview_docgen::Quality::ALL, seed)
            .expect("generate documents");
        eprintln!(
            "generated {per_kind} per kind and quality in {:.1?}",
            t.elapsed()
        );
    };
    let dir = match opt("--dir") {
        // A missing or empty folder is filled first, so that several runs
        // (variants measured one at a time) compare on the same documents.
        Some(d) => {
            let d = PathBuf::from(d);
            if std::fs::read_dir(&d).map_or(true, |mut r| r.next().is_none()) {
                std::fs::create_dir_all(&d).expect("create --dir");
                generate(&d);
            }
            d
        }
        None => {
            tmp = tempfile::tempdir().expect("tempdir");
            generate(tmp.path());
            tmp.path().to_path_buf()
        }
    };
    let mut docs = load_set(&dir);
    if let Some(k) = opt("--only") {
        docs.retain(|d| d.kind == k);
    }
    let specs = specs::builtin();
    let mut base = Settings::default();
    if let Some(p) = opt("--psm").and_then(|v| v.parse().ok()) {
        base.engine.psm = p;
    }
    if let Some(p) = opt("--fallback-psm").and_then(|v| v.parse().ok()) {
        base.engine.fallback_psm = Some(p);
    }
    match opt("--reread").as_deref() {
        Some("off") => base.reread = Reread::Off,
        Some("doubtful") => base.reread = Reread::Doubtful,
        Some("all") => base.reread = Reread::All,
        Some(other) => panic!("--reread takes off, doubtful or all, not {other}"),
        None => {}
    }
    if flag("--no-bands") {
        base.band_pass = false;
    }
    match opt("--second-look").as_deref() {
        Some("off") => base.second_look = SecondLook::Off,
        Some("missing") => base.second_look = SecondLook::Missing,
        Some("doubtful") => base.second_look = SecondLook::Doubtful,
        Some(other) => panic!("--second-look takes off, missing or doubtful, not {other}"),
        None => {}
    }
    let mut variants: Vec<(String, Settings)> = vec![("default".into(), base.clone())];
    if flag("--variants") {
        let with = |f: &dyn Fn(&mut Preprocess)| {
            let mut s = base.clone();
            f(&mut s.preprocess);
            s
        };
        variants.push(("no scaling".into(), with(&|p| p.target_char_px = None)));
        variants.push(("no deskew".into(), with(&|p| p.deskew = false)));
        variants.push(("grey (no binarising)".into(), with(&|p| p.binarize = false)));
        variants.push(("rules kept".into(), with(&|p| p.remove_rules = false)));
        variants.push((
            "characters 24 px".into(),
            with(&|p| p.target_char_px = Some(24)),
        ));
        variants.push((
            "characters 40 px".into(),
            with(&|p| p.target_char_px = Some(40)),
        ));
        let mut psm6 = base.clone();
        psm6.engine.psm = 6;
        psm6.engine.fallback_psm = None;
        variants.push(("psm 6 only".into(), psm6));
        let mut nofb = base.clone();
        nofb.engine.fallback_psm = None;
        variants.push(("psm 3 only (no fallback)".into(), nofb));
        let mut psm11 = base.clone();
        psm11.engine.psm = 11;
        variants.push(("psm 11".into(), psm11));
    }
    println!(
        "OCR accuracy on {} documents from {} (OpenMP single-threaded: {})\n",
        docs.len(),
        dir.display(),
        prereview_ocr::openmp_single_threaded()
    );
    for (name, settings) in variants {
        println!("### {name}\n");
        let r = run(&docs, &specs, settings);
        print(&r, docs.len());
        if flag("--show-wrong") {
            for w in &r.wrong {
                println!("  {w}");
            }
        }
        if flag("--causes") {
            print_causes(&r);
        }
        if flag("--show-untrusted") {
            for w in &r.untrusted {
                println!("  ?? {w}");
            }
        }
        println!();
    }
}
