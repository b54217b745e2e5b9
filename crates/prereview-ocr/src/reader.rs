//! [`Reader`]: files → OCR'd pages (cached) → fields.

use crate::cache::OcrCache;
use crate::engine::{EngineConfig, EngineError, Pool};
use crate::extract::{extract, Hints};
use crate::pdf::{self, PdfError};
use crate::preprocess::{ImageLimits, Preprocess};
use crate::words::PageWords;
use prereview_model::document::{DocumentSpec, ReadDocument, ReadField};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Everything that configures reading. [`Settings::default`] is what the
/// measurements chose.
#[derive(Debug, Clone)]
pub struct Settings {
    pub engine: EngineConfig,
    pub preprocess: Preprocess,
    pub limits: ImageLimits,
    /// OCR worker threads (one Tesseract engine each); 0 = one per core.
    pub threads: usize,
    /// Time limit for one page once a worker has started it.
    pub page_timeout: Duration,
    /// Resolution at which PDF pages are rendered.
    pub pdf_dpi: u32,
    /// Most pages read from one PDF.
    pub max_pdf_pages: u32,
    /// OCR cache directory (`None`: no cache).
    pub cache_dir: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            engine: EngineConfig::default(),
            preprocess: Preprocess::default(),
            limits: ImageLimits::default(),
            threads: 0,
            page_timeout: Duration::from_secs(60),
            pdf_dpi: 300,
            max_pdf_pages: 50,
            cache_dir: None,
        }
    }
}

impl Settings {
    /// A description of everything that changes the OCR words (the cache key
    /// part besides the file's bytes).
    pub fn fingerprint(&self) -> String {
        #[derive(Serialize)]
        struct Fp<'a> {
            engine: &'a EngineConfig,
            pre: &'a Preprocess,
            pdf_dpi: u32,
            max_pixels: u64,
        }
        serde_json::to_string(&Fp {
            engine: &self.engine,
            pre: &self.preprocess,
            pdf_dpi: self.pdf_dpi,
            max_pixels: self.limits.max_pixels,
        })
        .unwrap_or_default()
    }
}

/// Why a document could not be OCR'd (messages are user-facing, bilingual).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcrError {
    #[error("无法读取文件 (cannot read the file: {0})")]
    Io(String),
    #[error(
        "文件过大：{bytes} 字节，上限 {limit} 字节 (file too large: {bytes} bytes, limit {limit})"
    )]
    FileTooLarge { bytes: u64, limit: u64 },
    #[error("第 {page} 页：{error}")]
    Page { page: u32, error: EngineError },
    #[error(transparent)]
    Pdf(#[from] PdfError),
}

/// Reads documents. Create one per process and share it (it is `Sync`): it
/// owns the OCR worker threads, one Tesseract engine each.
pub struct Reader {
    settings: Settings,
    pool: Pool,
    cache: Option<OcrCache>,
    fingerprint: String,
    /// Page images sent to Tesseract (cache hits do not count).
    pages_ocrd: std::sync::atomic::AtomicUsize,
}

impl Reader {
    /// Starts the worker threads (engines are created on each worker's first
    /// page) and opens the cache directory if one is set.
    pub fn new(settings: Settings) -> Result<Reader, OcrError> {
        let threads = if settings.threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            settings.threads
        };
        let cache = match &settings.cache_dir {
            Some(d) => {
                Some(OcrCache::open(d).map_err(|e| OcrError::Io(format!("{}: {e}", d.display())))?)
            }
            None => None,
        };
        let pool = Pool::new(
            threads,
            settings.engine.clone(),
            settings.limits,
            settings.preprocess.clone(),
            settings.page_timeout,
        );
        let fingerprint = settings.fingerprint();
        Ok(Reader {
            settings,
            pool,
            cache,
            fingerprint,
            pages_ocrd: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Number of OCR worker threads.
    pub fn threads(&self) -> usize {
        self.pool.threads()
    }

    /// Tesseract engines created so far (≤ threads unless one failed).
    pub fn engines_created(&self) -> usize {
        self.pool.engines_created()
    }

    /// Page images OCR'd by this reader so far (not counting cache hits).
    pub fn pages_ocrd(&self) -> usize {
        self.pages_ocrd.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The words of every page of an image or scanned PDF; from the cache
    /// when the same bytes were read before with the same settings.
    pub fn ocr_pages(&self, path: &Path) -> Result<Vec<PageWords>, OcrError> {
        self.ocr_pages_psm(path, self.settings.engine.psm)
    }

    /// [`Reader::ocr_pages`] with another page segmentation mode.
    pub fn ocr_pages_psm(&self, path: &Path, psm: u8) -> Result<Vec<PageWords>, OcrError> {
        let meta = std::fs::metadata(path)
            .map_err(|e| OcrError::Io(format!("{}: {e}", path.display())))?;
        if meta.len() > self.settings.limits.max_file_bytes {
            return Err(OcrError::FileTooLarge {
                bytes: meta.len(),
                limit: self.settings.limits.max_file_bytes,
            });
        }
        let bytes =
            std::fs::read(path).map_err(|e| OcrError::Io(format!("{}: {e}", path.display())))?;
        let key = self
            .cache
            .as_ref()
            .map(|_| OcrCache::key(&bytes, &self.fingerprint));
        if let (Some(c), Some(k)) = (&self.cache, &key) {
            if let Some(p) = c.get(k) {
                return Ok(p);
            }
        }
        let page_bytes: Vec<Arc<Vec<u8>>> = if pdf::is_pdf(&bytes) {
            let timeout = self.settings.page_timeout * 4;
            pdf::rasterize(
                path,
                self.settings.pdf_dpi,
                self.settings.max_pdf_pages,
                self.settings.limits.max_pixels,
                timeout,
            )?
            .into_iter()
            .map(Arc::new)
            .collect()
        } else {
            vec![Arc::new(bytes)]
        };
        let pages = self.ocr_encoded_psm(page_bytes, psm)?;
        if let (Some(c), Some(k)) = (&self.cache, &key) {
            if let Err(e) = c.put(k, &pages) {
                eprintln!(
                    "prereview-ocr: cannot write the OCR cache in {}: {e}",
                    c.dir().display()
                );
            }
        }
        Ok(pages)
    }

    /// OCRs encoded page images (PNG/JPEG/TIFF bytes), pages in parallel on the pool.
    pub fn ocr_encoded(&self, pages: Vec<Arc<Vec<u8>>>) -> Result<Vec<PageWords>, OcrError> {
        self.ocr_encoded_psm(pages, self.settings.engine.psm)
    }

    fn ocr_encoded_psm(
        &self,
        pages: Vec<Arc<Vec<u8>>>,
        psm: u8,
    ) -> Result<Vec<PageWords>, OcrError> {
        self.pages_ocrd
            .fetch_add(pages.len(), std::sync::atomic::Ordering::Relaxed);
        let results: Vec<Result<PageWords, EngineError>> = if pages.len() == 1 {
            vec![self.pool.read(Arc::clone(&pages[0]), 1, psm)]
        } else {
            std::thread::scope(|s| {
                let handles: Vec<_> = pages
                    .iter()
                    .enumerate()
                    .map(|(i, b)| {
                        let b = Arc::clone(b);
                        s.spawn(move || self.pool.read(b, i as u32 + 1, psm))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or(Err(EngineError::Stopped)))
                    .collect()
            })
        };
        results
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                r.map_err(|error| OcrError::Page {
                    page: i as u32 + 1,
                    error,
                })
            })
            .collect()
    }

    /// Reads a document of the given kind. Never fails: a document that cannot
    /// be read comes back with `error` set and every field `null` with a reason.
    /// `file` is the path's file name; callers set it relative to the submission.
    pub fn read_document(&self, path: &Path, spec: &DocumentSpec, hints: &Hints) -> ReadDocument {
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut doc = match self.ocr_pages(path) {
            Ok(pages) => extract(&pages, spec, hints),
            Err(e) => return unreadable(file, spec, e.to_string()),
        };
        doc.file = file;
        let missing = doc.fields.values().any(|f| f.value.is_none());
        if let (true, Some(psm)) = (missing, self.settings.engine.fallback_psm) {
            if psm != self.settings.engine.psm {
                if let Ok(pages) = self.ocr_pages_psm(path, psm) {
                    merge(&mut doc, extract(&pages, spec, hints));
                }
            }
        }
        doc
    }
}

/// Fills the fields `doc` left unread from a second reading. Where both read
/// a value and they differ, the more confident one is kept at a confidence
/// that says they disagreed.
fn merge(doc: &mut ReadDocument, second: ReadDocument) {
    for (name, f2) in second.fields {
        let Some(f1) = doc.fields.get_mut(&name) else {
            continue;
        };
        match (&f1.value, &f2.value) {
            (None, Some(_)) => *f1 = f2,
            (Some(a), Some(b)) if a != b => {
                let low = f1.confidence.min(f2.confidence);
                if f2.confidence > f1.confidence {
                    *f1 = f2;
                }
                f1.confidence = (low * 0.8 * 1000.0).round() / 1000.0;
                f1.reason = Some("两次识别结果不一致 (two readings disagree)".into());
            }
            _ => {}
        }
    }
}

/// The entry for a document that could not be read at all.
pub fn unreadable(file: String, spec: &DocumentSpec, error: String) -> ReadDocument {
    let fields: BTreeMap<String, ReadField> = spec
        .fields
        .iter()
        .map(|f| {
            (
                f.name.clone(),
                ReadField::missing("文档无法读取 (the document could not be read)"),
            )
        })
        .collect();
    ReadDocument {
        file,
        kind: spec.kind.clone(),
        fields,
        pages: None,
        error: Some(error),
    }
}
