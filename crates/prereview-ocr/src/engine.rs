//! Tesseract engines: one per worker thread of a dedicated pool, created on
//! the thread's first page and reused for every later page.
//!
//! Every job has a deadline (the page time limit from the moment a worker
//! takes it). Tesseract stops recognising at the deadline ([`crate::tess`]),
//! so a slow page costs its time limit and no more, and the worker and its
//! engine go on to the next page. Layout analysis, before the first word,
//! cannot be interrupted: a caller that has waited twice the limit gives the
//! worker up and a replacement starts, at most as many as the pool has
//! workers. (Rayon's `map_init` was seen to create more engines than threads;
//! the pool makes the count exact: one engine per worker.)

use crate::preprocess::{self, ImageLimits, PageError, Preprocess};
use crate::tess::{Stopped, TessApi};
use crate::words::{parse_tsv, PageWords};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Tesseract settings. Part of the OCR cache key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineConfig {
    /// Tesseract language(s). `chi_sim` alone: it has Latin letters and
    /// digits, and with `+eng` short Chinese names were read as English
    /// words (陶嘉 → "BR").
    pub languages: String,
    /// Page segmentation mode (Tesseract `--psm`): 6 = one uniform block,
    /// 3 = automatic, 11 = sparse text.
    pub psm: u8,
    /// A second page segmentation mode for documents the first one left
    /// fields unread in (3 drops short isolated labels like a spaced-out
    /// 名    称; 6 loses tables): the fields still missing are taken from it.
    pub fallback_psm: Option<u8>,
    /// The `tessdata` folder; `None` uses Tesseract's default (or `TESSDATA_PREFIX`).
    #[serde(skip)]
    pub tessdata: Option<PathBuf>,
    /// Extra Tesseract variables (name, value), set once per engine.
    pub variables: Vec<(String, String)>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            languages: "chi_sim".into(),
            psm: 3,
            fallback_psm: Some(6),
            tessdata: None,
            variables: vec![
                // Inverted-text retries cost time and our pages are dark on light.
                ("tessedit_do_invert".into(), "0".into()),
                // Tesseract's diagnostics ("Detected 53 diacritics") would
                // otherwise go to our stderr.
                ("debug_file".into(), "/dev/null".into()),
            ],
        }
    }
}

/// Leptonica (Tesseract's image library) prints internal messages such as
/// "Error in boxClipToRectangle: box outside rectangle" to stderr during
/// layout analysis of some pages; they say nothing the caller can act on
/// (our images are decoded by the `image` crate) and clutter batch logs.
fn quiet_leptonica() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sets a process-global integer in Leptonica; no pointers.
        unsafe {
            leptonica_sys::setMsgSeverity(leptonica_sys::L_SEVERITY_NONE as i32);
        }
    });
}

/// Why OCR of a page failed (messages are user-facing, bilingual).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Page(#[from] PageError),
    #[error("OCR 引擎无法启动，请检查 Tesseract 语言包 {0} 是否安装 (OCR engine could not start; is Tesseract language data {0} installed?)")]
    Init(String),
    #[error("OCR 识别失败 (OCR failed: {0})")]
    Recognize(String),
    // f64 prints a limit as people write it: 60, 0.5, 0.02.
    #[error("单页识别超时（超过 {} 秒） (page took longer than {} s to read)", .0.as_secs_f64(), .0.as_secs_f64())]
    Timeout(Duration),
    #[error("OCR 工作线程已停止 (OCR worker stopped)")]
    Stopped,
}

/// A Tesseract engine owned by one thread, created on its first page. An
/// engine that failed to start is tried again on the next page.
pub struct Engine {
    config: EngineConfig,
    tess: Option<TessApi>,
    /// When the current job's time is up, and its time limit (see
    /// [`Engine::start_clock`]).
    deadline: Option<(Instant, Duration)>,
    /// Engines created by this worker (1 unless one failed).
    pub created: usize,
}

impl Engine {
    pub fn new(config: EngineConfig) -> Self {
        quiet_leptonica();
        Engine {
            config,
            tess: None,
            deadline: None,
            created: 0,
        }
    }

    /// Starts a job's clock: recognitions from now on stop `limit` from now
    /// with [`EngineError::Timeout`] (`None`: no limit). The pool calls it
    /// when a worker takes a job, so decoding and preparing count too.
    pub fn start_clock(&mut self, limit: Option<Duration>) {
        self.deadline = limit.map(|l| (Instant::now() + l, l));
    }

    fn api(&mut self) -> Result<&mut TessApi, EngineError> {
        if self.tess.is_none() {
            let datapath = self
                .config
                .tessdata
                .as_ref()
                .map(|p| p.to_string_lossy().into_owned());
            let init = |e: String| EngineError::Init(format!("{} ({e})", self.config.languages));
            let mut t = TessApi::new(datapath.as_deref(), &self.config.languages).map_err(init)?;
            for (k, v) in &self.config.variables {
                t.set_variable(k, v).map_err(init)?;
            }
            self.created += 1;
            self.tess = Some(t);
        }
        Ok(self.tess.as_mut().expect("engine created above"))
    }

    /// Sets the image and mode and recognises, within the deadline.
    fn run(&mut self, img: &image::GrayImage, psm: u8) -> Result<&mut TessApi, EngineError> {
        let deadline = self.deadline;
        let t = self.api()?;
        // Our images carry no DPI; 300 matches the text sizes we scale to
        // and silences Tesseract's "invalid resolution" warning.
        t.set_image(img, 300).map_err(EngineError::Recognize)?;
        t.set_page_seg_mode(psm);
        match t.recognize(deadline.map(|(at, _)| at)) {
            Ok(()) => Ok(t),
            Err(Stopped::Deadline) => Err(EngineError::Timeout(
                deadline.map_or(Duration::ZERO, |(_, limit)| limit),
            )),
            Err(Stopped::Failed) => Err(EngineError::Recognize("Tesseract failed".into())),
        }
    }

    /// Reads one grey image; word boxes are in its pixels.
    pub fn recognize(
        &mut self,
        img: &image::GrayImage,
        psm: u8,
    ) -> Result<Vec<crate::words::Word>, EngineError> {
        let tsv = self
            .run(img, psm)?
            .tsv_text()
            .ok_or_else(|| EngineError::Recognize("no text output".into()))?;
        Ok(parse_tsv(&tsv))
    }
}

/// What Tesseract read on one text line, with a confidence per character.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineReading {
    /// The line's text, words separated by one space.
    pub text: String,
    /// Tesseract's confidence (0–100) of each character of `text` (spaces 100).
    pub confs: Vec<f32>,
}

impl LineReading {
    /// The weakest character's confidence, 0–1 (0 for an empty reading).
    pub fn min_conf(&self) -> f32 {
        let m = self
            .confs
            .iter()
            .zip(self.text.chars())
            .filter(|(_, c)| !c.is_whitespace())
            .map(|(v, _)| *v)
            .fold(f32::MAX, f32::min);
        if m == f32::MAX {
            0.0
        } else {
            m / 100.0
        }
    }
}

impl Engine {
    /// Reads one image of a single text line (page segmentation mode 7),
    /// allowing only `whitelist`'s characters when it is not empty. The
    /// whitelist is cleared again afterwards: the engine is shared with page reads.
    pub fn recognize_line(
        &mut self,
        img: &image::GrayImage,
        whitelist: &str,
    ) -> Result<LineReading, EngineError> {
        let t = self.api()?;
        let set = |t: &mut TessApi, k: &str, v: &str| {
            t.set_variable(k, v).map_err(EngineError::Recognize)
        };
        set(t, "tessedit_char_whitelist", whitelist)?;
        // Per-character confidences in the hOCR output.
        set(t, "hocr_char_boxes", "1")?;
        let read = self.run(img, 7).and_then(|t| {
            t.hocr_text()
                .ok_or_else(|| EngineError::Recognize("no hOCR output".into()))
        });
        // Cleared whatever happened: the next page needs every character.
        set(self.api()?, "tessedit_char_whitelist", "")?;
        Ok(parse_hocr_chars(&read?))
    }
}

/// The characters and their `x_conf` from hOCR written with
/// `hocr_char_boxes=1` (`ocrx_cinfo` spans inside `ocrx_word` spans).
pub fn parse_hocr_chars(hocr: &str) -> LineReading {
    let mut out = LineReading::default();
    for (wi, word) in hocr.split("class='ocrx_word'").skip(1).enumerate() {
        if wi > 0 && !out.text.is_empty() {
            out.text.push(' ');
            out.confs.push(100.0);
        }
        for cinfo in word.split("class='ocrx_cinfo'").skip(1) {
            let conf = cinfo
                .split("x_conf ")
                .nth(1)
                .and_then(|r| r.split(['\'', ';']).next())
                .and_then(|v| v.trim().parse::<f32>().ok())
                .unwrap_or(0.0);
            let Some(body) = cinfo.split_once('>').map(|(_, b)| b) else {
                continue;
            };
            let Some(raw) = body.split("</span>").next() else {
                continue;
            };
            let text = raw
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&");
            for c in text.chars().filter(|c| !c.is_whitespace()) {
                out.text.push(c);
                out.confs.push(conf.clamp(0.0, 100.0));
            }
        }
    }
    out
}

/// Decode + preprocess + OCR one encoded page image; with `keep_image`, also
/// the processed image (for re-reading single fields from it).
pub fn read_page(
    engine: &mut Engine,
    bytes: &[u8],
    page: u32,
    psm: u8,
    limits: &ImageLimits,
    pre: &Preprocess,
    keep_image: bool,
) -> Result<(PageWords, Option<image::GrayImage>), EngineError> {
    let decoded = preprocess::decode_page(bytes, page, limits)?;
    let (w, h) = decoded.image.dimensions();
    let (img, transform) = preprocess::prepare(&decoded.image, pre);
    drop(decoded);
    let words = engine.recognize(&img, psm)?;
    Ok((
        PageWords {
            page,
            width: w,
            height: h,
            transform,
            words,
        },
        keep_image.then_some(img),
    ))
}

/// A page read by the pool, with its processed image when asked for.
pub type PageOutput = (PageWords, Option<image::GrayImage>);

/// How a page image is prepared for one pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// The configured preprocessing.
    Standard,
    /// The same without binarising: Tesseract thresholds the grey page
    /// itself. A second look at pages the first pass read badly; measured
    /// on heavy scans, the two passes are wrong on largely different fields.
    Grey,
}

enum Work {
    Page {
        bytes: Arc<Vec<u8>>,
        page: u32,
        psm: u8,
        keep_image: bool,
        look: Look,
    },
    Line {
        img: image::GrayImage,
        whitelist: String,
    },
    Block {
        img: image::GrayImage,
        psm: u8,
    },
}

enum Output {
    Page(PageOutput),
    Line(LineReading),
    Words(Vec<crate::words::Word>),
}

enum Msg {
    Started,
    Done(Result<Output, EngineError>),
}

/// Where a job stands between its worker and its caller; both change it
/// only from `RUNNING`, so exactly one of them decides.
const RUNNING: u8 = 0;
/// The worker finished in time.
const FINISHED: u8 = 1;
/// The caller gave the worker up and started a replacement: the worker exits
/// when it returns.
const REPLACED: u8 = 2;
/// The caller gave the worker up without a replacement (too many stuck):
/// the worker carries on when it returns.
const GIVEN_UP: u8 = 3;

struct Job {
    work: Work,
    reply: SyncSender<Msg>,
    state: Arc<AtomicU8>,
}

struct Shared {
    rx: Mutex<Receiver<Job>>,
    config: EngineConfig,
    limits: ImageLimits,
    pre: Preprocess,
    /// `pre` without binarising ([`Look::Grey`]).
    grey: Preprocess,
    engines_created: AtomicUsize,
    /// Each job's time limit, counted from when a worker takes it.
    page_timeout: Duration,
    /// Workers given up on (stuck where Tesseract cannot be stopped) that
    /// have not returned yet; replacements stop at the pool's size.
    stuck: AtomicUsize,
}

/// A fixed set of OCR worker threads, one Tesseract engine each.
pub struct Pool {
    tx: Mutex<Sender<Job>>,
    shared: Arc<Shared>,
    threads: usize,
    page_timeout: Duration,
}

impl Pool {
    pub fn new(
        threads: usize,
        config: EngineConfig,
        limits: ImageLimits,
        pre: Preprocess,
        page_timeout: Duration,
    ) -> Self {
        let (tx, rx) = mpsc::channel::<Job>();
        let shared = Arc::new(Shared {
            rx: Mutex::new(rx),
            config,
            limits,
            grey: Preprocess {
                binarize: false,
                ..pre.clone()
            },
            pre,
            engines_created: AtomicUsize::new(0),
            page_timeout,
            stuck: AtomicUsize::new(0),
        });
        let pool = Pool {
            tx: Mutex::new(tx),
            shared,
            threads: threads.max(1),
            page_timeout,
        };
        for _ in 0..pool.threads {
            pool.spawn_worker();
        }
        pool
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Engines created so far over all workers (equals the number of workers
    /// that have read a page, unless an engine failed and was replaced).
    pub fn engines_created(&self) -> usize {
        self.shared.engines_created.load(Ordering::Relaxed)
    }

    fn spawn_worker(&self) {
        let shared = Arc::clone(&self.shared);
        let r = std::thread::Builder::new()
            .name("prereview-ocr".into())
            .spawn(move || worker(shared));
        if let Err(e) = r {
            eprintln!("prereview-ocr: cannot start an OCR worker thread: {e}");
        }
    }

    /// Reads one encoded page on a worker, waiting at most the page time limit
    /// once a worker has started it.
    pub fn read(&self, bytes: Arc<Vec<u8>>, page: u32, psm: u8) -> Result<PageWords, EngineError> {
        self.read_page(bytes, page, psm, false, Look::Standard)
            .map(|(p, _)| p)
    }

    /// [`Pool::read`], also returning the processed image when `keep_image`.
    pub fn read_page(
        &self,
        bytes: Arc<Vec<u8>>,
        page: u32,
        psm: u8,
        keep_image: bool,
        look: Look,
    ) -> Result<PageOutput, EngineError> {
        match self.run(Work::Page {
            bytes,
            page,
            psm,
            keep_image,
            look,
        })? {
            Output::Page(p) => Ok(p),
            _ => Err(EngineError::Stopped),
        }
    }

    /// Reads one single-line image on a worker (see [`Engine::recognize_line`]).
    pub fn read_line(
        &self,
        img: image::GrayImage,
        whitelist: &str,
    ) -> Result<LineReading, EngineError> {
        match self.run(Work::Line {
            img,
            whitelist: whitelist.to_string(),
        })? {
            Output::Line(l) => Ok(l),
            _ => Err(EngineError::Stopped),
        }
    }

    /// Reads one part of a processed page on a worker; boxes in its pixels.
    pub fn read_block(
        &self,
        img: image::GrayImage,
        psm: u8,
    ) -> Result<Vec<crate::words::Word>, EngineError> {
        match self.run(Work::Block { img, psm })? {
            Output::Words(w) => Ok(w),
            _ => Err(EngineError::Stopped),
        }
    }

    fn run(&self, work: Work) -> Result<Output, EngineError> {
        let (reply, rx) = mpsc::sync_channel(2);
        let state = Arc::new(AtomicU8::new(RUNNING));
        let job = Job {
            work,
            reply,
            state: Arc::clone(&state),
        };
        self.tx
            .lock()
            .map_err(|_| EngineError::Stopped)?
            .send(job)
            .map_err(|_| EngineError::Stopped)?;
        match rx.recv() {
            Ok(Msg::Started) => {}
            Ok(Msg::Done(r)) => return r,
            Err(_) => return Err(EngineError::Stopped),
        }
        // The worker stops Tesseract at the time limit; this wait only
        // catches a worker stuck before the first word (layout analysis).
        match rx.recv_timeout(self.page_timeout * 2 + Duration::from_secs(5)) {
            Ok(Msg::Done(r)) => r,
            Ok(Msg::Started) => Err(EngineError::Stopped),
            Err(RecvTimeoutError::Timeout) => {
                // Keep the pool's capacity, but never more than double its
                // threads and engines.
                let replace = self.shared.stuck.load(Ordering::SeqCst) < self.threads;
                let mark = if replace { REPLACED } else { GIVEN_UP };
                if state
                    .compare_exchange(RUNNING, mark, Ordering::SeqCst, Ordering::SeqCst)
                    .is_err()
                {
                    // The worker finished just now.
                    return match rx.recv() {
                        Ok(Msg::Done(r)) => r,
                        _ => Err(EngineError::Stopped),
                    };
                }
                self.shared.stuck.fetch_add(1, Ordering::SeqCst);
                if replace {
                    self.spawn_worker();
                }
                Err(EngineError::Timeout(self.page_timeout))
            }
            Err(RecvTimeoutError::Disconnected) => Err(EngineError::Stopped),
        }
    }
}

fn worker(shared: Arc<Shared>) {
    let mut engine = Engine::new(shared.config.clone());
    loop {
        let job = {
            let Ok(rx) = shared.rx.lock() else { return };
            match rx.recv() {
                Ok(j) => j,
                Err(_) => return, // pool dropped
            }
        };
        let _ = job.reply.send(Msg::Started);
        engine.start_clock(Some(shared.page_timeout));
        let before = engine.created;
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match &job.work {
            Work::Page {
                bytes,
                page,
                psm,
                keep_image,
                look,
            } => read_page(
                &mut engine,
                bytes,
                *page,
                *psm,
                &shared.limits,
                match look {
                    Look::Standard => &shared.pre,
                    Look::Grey => &shared.grey,
                },
                *keep_image,
            )
            .map(Output::Page),
            Work::Line { img, whitelist } => {
                engine.recognize_line(img, whitelist).map(Output::Line)
            }
            Work::Block { img, psm } => engine.recognize(img, *psm).map(Output::Words),
        }))
        .unwrap_or_else(|_| {
            // Never take the process down for one page; start over with a new engine.
            engine = Engine::new(shared.config.clone());
            Err(EngineError::Recognize("internal error".into()))
        });
        shared
            .engines_created
            .fetch_add(engine.created.saturating_sub(before), Ordering::Relaxed);
        let state = job
            .state
            .compare_exchange(RUNNING, FINISHED, Ordering::SeqCst, Ordering::SeqCst)
            .unwrap_or_else(|given_up| given_up);
        let _ = job.reply.send(Msg::Done(r));
        if state != RUNNING {
            shared.stuck.fetch_sub(1, Ordering::SeqCst);
        }
        if state == REPLACED {
            return; // the replacement worker has taken this one's place
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// hOCR as Tesseract 5.3 wrote it for a crop of an ID number line
    /// (`--psm 7 -c hocr_char_boxes=1`), with a second word added.
    const HOCR: &str =
        "<span class='ocrx_word' id='word_1_1' title='bbox 18 13 320 55; x_wconf 85'>\n\
       <span class='ocrx_cinfo' title='x_bboxes 18 13 45 54; x_conf 98.989799'>2</span>\n\
       <span class='ocrx_cinfo' title='x_bboxes 56 14 80 54; x_conf 98.964287'>1</span>\n\
       <span class='ocrx_cinfo' title='x_bboxes 308 14 320 54; x_conf 47.877274'>，</span>\n\
      </span>\n\
      <span class='ocrx_word' id='word_1_2' title='bbox 330 13 360 55; x_wconf 90'>\n\
       <span class='ocrx_cinfo' title='x_bboxes 330 13 360 54; x_conf 90'>&amp;</span>\n\
      </span>";

    #[test]
    fn hocr_characters_carry_their_own_confidence() {
        let r = parse_hocr_chars(HOCR);
        assert_eq!(r.text, "21， &");
        assert_eq!(r.confs.len(), r.text.chars().count());
        assert!((r.confs[2] - 47.877).abs() < 0.01, "{:?}", r.confs);
        // The weakest character decides, not the word's mean.
        assert!((r.min_conf() - 0.47877).abs() < 1e-4);
        assert_eq!(parse_hocr_chars("").min_conf(), 0.0);
        assert_eq!(parse_hocr_chars("<p class='ocrx_word' garbage").text, "");
    }
}
