//! Reads scanned documents: Tesseract OCR and typed field extraction with
//! confidence and location.
//!
//! Two layers, so that extraction is testable from recorded OCR output and the
//! OCR words can be cached independently of the rules:
//!
//! 1. **OCR** — [`Reader::ocr_pages`]: an image (PNG, JPEG, TIFF, every page
//!    of a multi-page TIFF) or a scanned PDF (pages rendered by poppler's
//!    `pdftoppm`) → [`PageWords`] per page:
//!    words with boxes and confidences. Pages are decoded within
//!    [`ImageLimits`] (dimensions checked from the header before decoding),
//!    preprocessed ([`Preprocess`]: EXIF orientation, grey, characters scaled
//!    to ≈ 30 px, deskew, local-mean binarisation, ruling lines removed) and read by
//!    Tesseract (`chi_sim`, page segmentation mode set explicitly) on a
//!    pool of worker threads with one engine each, under a per-page time
//!    limit. An [`OcrCache`] keyed by the SHA-256 of the file's bytes and the
//!    OCR settings stores the words.
//! 2. **Extraction** — [`extract()`]: pages + a [`DocumentSpec`] (declared in
//!    `rules/documents/<kind>.toml`, see [`specs`]) → a [`ReadDocument`] with
//!    every field: canonical value, confidence 0–1, page and box in pixels of
//!    the page image, or `null` with a reason. Generic over the spec: labels
//!    are matched ignoring spaces, punctuation, full/half width and one
//!    misread character in long labels; values are taken on the same line,
//!    the next line, or over several lines; each field type has a grammar
//!    using `prereview-validators` (check digits choose among OCR-confusion
//!    readings of identifiers). Expected values ([`Hints`]) only choose among
//!    readings the page supports, confirm an identifier read as printed, or
//!    doubt a name holding characters the model cannot output
//!    ([`charset::ModelCharset`]); they are never copied into a value. A
//!    document's own ID number confirms its 出生 and 性别 (`implied_by`).
//!    Identifiers and the dates declared `unlabelled` are found by their
//!    check character or their format when the label cannot be read.
//!
//! ```no_run
//! use prereview_ocr::{Reader, Settings, Hints};
//! prereview_ocr::ensure_single_threaded_openmp(); // first thing in main
//! let reader = Reader::new(Settings::default()).unwrap();
//! let spec = prereview_ocr::specs::builtin().into_iter().find(|s| s.kind == "id_card").unwrap();
//! let doc = reader.read_document("id.png".as_ref(), &spec, &Hints::new());
//! println!("{}", serde_json::to_string_pretty(&doc).unwrap());
//! ```
//!
//! **Public API.**
//! - [`Reader::new`]`(Settings) -> Result<Reader, OcrError>`;
//!   [`Reader::read_document`]`(&self, &Path, &DocumentSpec, &Hints) -> ReadDocument`
//!   (never fails: `error` set instead); [`Reader::ocr_pages`]`(&self, &Path) ->
//!   Result<Vec<PageWords>, OcrError>` (cached when `Settings::cache_dir` is set);
//!   [`Reader::pages_ocrd`], [`Reader::engines_created`], [`Reader::threads`];
//!   `Settings::reread` ([`Reread`]: `Off`, `Doubtful`, `All`, which fields may be
//!   re-read; checkable types only), `Settings::band_pass` and
//!   `Settings::second_look` ([`SecondLook`]: when to read a document's pages
//!   again from the grey page; values both looks agree on are trusted, see
//!   [`reader::AGREEMENT_FLOOR`]).
//! - [`extract_with_regions`]`(&[PageWords], &DocumentSpec, &Hints) -> (ReadDocument,
//!   BTreeMap<String, ValueRegion>)`; [`engine::Engine::recognize_line`]`(&mut self,
//!   &GrayImage, whitelist) -> Result<LineReading, EngineError>` (per-character confidences).
//! - [`extract()`]`(&[PageWords], &DocumentSpec, &Hints) -> ReadDocument` (`file` left empty).
//! - [`specs::load_dir`]`(path) -> Result<Vec<DocumentSpec>, SpecError>` (errors say
//!   `file:line:column`), [`specs::builtin`]`() -> Vec<DocumentSpec>` (every
//!   `rules/documents/*.toml`, embedded by `build.rs`: a new kind is a text change).
//! - [`OcrCache`]: `open(dir)`, `key(bytes, fingerprint)`, `get`, `put` (atomic).
//! - [`ensure_single_threaded_openmp`]`()`, [`default_threshold`]`(FieldType) -> f32`.
//!
//! **Measured**: see `docs/ocr.md` (accuracy per quality and per
//! preprocessing variant, speed against the `tesseract` CLI, memory). In
//! short, on 84 generated documents (480 fields): 94.4 % clean, 93.8 % mild,
//! 75.6 % heavy exact (targets 99 / 95 / 85 % not met; 3 % of the fields hold
//! characters the `chi_sim` model cannot output); 0 wrong values in 480 at or
//! above the rules' trust thresholds (245 trusted); 2 workers 3.15× the naive
//! CLI, 101 % of 2 × one engine. Re-reading free text from a crop was measured to make
//! things worse (the crop's character confidences are high on wrong
//! characters and the engine repeats its mistakes), so [`Reader`] re-reads
//! only values the grammar can check ([`reader::rereadable`]).
//!
//! **Threads.** Create one [`Reader`] per process and share it: it owns
//! `threads` workers (default: one per core), each with one Tesseract engine
//! created on its first page and reused; callers on any number of threads
//! queue pages to it. Call [`ensure_single_threaded_openmp`] first thing in
//! `main`.

pub mod cache;
pub mod charset;
pub mod engine;
pub mod extract;
pub mod pdf;
pub mod preprocess;
pub mod reader;
pub mod specs;
pub mod tess;
pub mod words;

pub use prereview_model::document::{DocumentSpec, ReadDocument};

pub use cache::OcrCache;
pub use engine::LineReading;
pub use engine::{EngineConfig, EngineError, Look};
pub use extract::{default_threshold, extract, extract_with_regions, Hints, ValueRegion};
pub use preprocess::{ImageLimits, PageError, Preprocess};
pub use reader::{unreadable, OcrError, Reader, Reread, SecondLook, Settings};
pub use specs::SpecError;
pub use words::{PageTransform, PageWords, Word};

/// The environment variable that caps libgomp's threads.
const OMP_THREAD_LIMIT: &str = "OMP_THREAD_LIMIT";

/// Makes Tesseract run single-threaded inside each engine, by re-executing
/// the current program with `OMP_THREAD_LIMIT=1` when that variable is unset.
/// Call it first thing in `main`, before any thread is started.
///
/// Why: `libtesseract.so.5` links libgomp, and its LSTM recogniser opens
/// OpenMP parallel regions with a fixed `num_threads(4)`. With several
/// engines already running in parallel (one per core), those extra threads
/// only spin and contend: measured here it cost several times the CPU per page
/// for no gain in throughput. `omp_set_num_threads` cannot override an
/// explicit `num_threads` clause; only the thread limit can, and libgomp reads
/// `OMP_THREAD_LIMIT` once, in its load-time constructor, before `main` runs,
/// so setting the variable from inside the process has no effect. Hence the
/// re-exec: the new process image loads libgomp with the variable set.
///
/// Does nothing when `OMP_THREAD_LIMIT` is already set (by the user, or by
/// the re-exec itself, so it cannot loop). When the re-exec fails the program
/// continues with OpenMP threading on (slower, still correct) and says so on
/// stderr. Unix only; elsewhere a no-op.
pub fn ensure_single_threaded_openmp() {
    if std::env::var_os(OMP_THREAD_LIMIT).is_some() {
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let exe = match std::env::current_exe() {
            Ok(e) => e,
            Err(e) => {
                eprintln!("prereview: cannot find the program to restart it with OpenMP off ({e}); OCR will use more CPU");
                return;
            }
        };
        let mut args = std::env::args_os();
        let arg0 = args.next().unwrap_or_else(|| exe.clone().into_os_string());
        let err = std::process::Command::new(&exe)
            .arg0(arg0)
            .args(args)
            .env(OMP_THREAD_LIMIT, "1")
            .exec();
        // exec only returns on failure.
        eprintln!("prereview: cannot restart with OpenMP off ({err}); OCR will use more CPU");
    }
}

/// Whether OpenMP threading is capped to one thread in this process.
pub fn openmp_single_threaded() -> bool {
    std::env::var(OMP_THREAD_LIMIT).is_ok_and(|v| v.trim() == "1")
}
