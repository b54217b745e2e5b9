//! A Tesseract engine on Tesseract's C API (`tesseract-sys`).
//!
//! Why not the `tesseract` crate: its recognition cannot be given a deadline,
//! so a page that ran over its time limit kept a core busy until Tesseract
//! finished, and the pool had to start another worker (and engine) beside
//! it; a batch of pathological pages grew threads and memory without bound.
//! Tesseract checks a monitor's deadline between words and stops there.
//! Its builder methods also consume the engine, so any error lost the
//! loaded model. Here every call borrows the engine.

use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::ptr::NonNull;
use std::time::Instant;
use tesseract_sys as sys;

/// Why a recognition did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// The deadline passed; Tesseract stopped between words.
    Deadline,
    /// Tesseract reported a failure.
    Failed,
}

/// One `TessBaseAPI` with its model loaded.
pub struct TessApi {
    handle: NonNull<sys::TessBaseAPI>,
}

// SAFETY: a TessBaseAPI may move between threads; it is never shared (every
// method takes `&mut self`).
unsafe impl Send for TessApi {}

impl Drop for TessApi {
    fn drop(&mut self) {
        // SAFETY: the handle came from TessBaseAPICreate and is deleted once.
        unsafe { sys::TessBaseAPIDelete(self.handle.as_ptr()) }
    }
}

fn c_string(s: &str, what: &str) -> Result<CString, String> {
    CString::new(s).map_err(|_| format!("{what} contains a NUL byte"))
}

/// Takes a string Tesseract allocated, copies it, and frees it.
fn take_text(p: *mut c_char) -> Option<String> {
    let p = NonNull::new(p)?;
    // SAFETY: Tesseract returns a NUL-terminated string that the caller owns
    // and frees with TessDeleteText.
    unsafe {
        let s = CStr::from_ptr(p.as_ptr()).to_string_lossy().into_owned();
        sys::TessDeleteText(p.as_ptr());
        Some(s)
    }
}

impl TessApi {
    /// Loads `languages` (for example `chi_sim`) from `datapath`, or from
    /// Tesseract's default place when `None`.
    pub fn new(datapath: Option<&str>, languages: &str) -> Result<Self, String> {
        let datapath = datapath.map(|d| c_string(d, "tessdata path")).transpose()?;
        let languages = c_string(languages, "language")?;
        // SAFETY: creates a fresh handle; null only if allocation failed.
        let handle = NonNull::new(unsafe { sys::TessBaseAPICreate() })
            .ok_or_else(|| "cannot create a Tesseract engine".to_string())?;
        let api = TessApi { handle };
        // SAFETY: valid handle and NUL-terminated strings that outlive the call.
        let rc = unsafe {
            sys::TessBaseAPIInit3(
                api.handle.as_ptr(),
                datapath.as_ref().map_or(std::ptr::null(), |d| d.as_ptr()),
                languages.as_ptr(),
            )
        };
        if rc != 0 {
            return Err("language data not found or unreadable".into());
        }
        Ok(api)
    }

    pub fn set_variable(&mut self, name: &str, value: &str) -> Result<(), String> {
        let n = c_string(name, "variable name")?;
        let v = c_string(value, "variable value")?;
        // SAFETY: valid handle; Tesseract copies both strings.
        let ok =
            unsafe { sys::TessBaseAPISetVariable(self.handle.as_ptr(), n.as_ptr(), v.as_ptr()) };
        if ok == 0 {
            return Err(format!("Tesseract has no variable {name}"));
        }
        Ok(())
    }

    /// Gives Tesseract an 8-bit grey image (Tesseract copies the pixels) and
    /// its resolution.
    pub fn set_image(&mut self, img: &image::GrayImage, ppi: i32) -> Result<(), String> {
        let (w, h) = img.dimensions();
        let (Ok(wi), Ok(hi)) = (i32::try_from(w), i32::try_from(h)) else {
            return Err(format!("image of {w}×{h} pixels is too large"));
        };
        if w == 0 || h == 0 {
            return Err("empty image".into());
        }
        // SAFETY: the buffer holds w×h bytes, one per pixel, rows of w bytes;
        // Tesseract copies it before returning.
        unsafe {
            sys::TessBaseAPISetImage(self.handle.as_ptr(), img.as_raw().as_ptr(), wi, hi, 1, wi);
            sys::TessBaseAPISetSourceResolution(self.handle.as_ptr(), ppi);
        }
        Ok(())
    }

    /// Page segmentation mode (Tesseract's `--psm`); unknown numbers read as
    /// one block (6).
    pub fn set_page_seg_mode(&mut self, psm: u8) {
        let mode = if psm <= 13 {
            sys::TessPageSegMode::from(psm)
        } else {
            sys::TessPageSegMode_PSM_SINGLE_BLOCK
        };
        // SAFETY: valid handle and a mode in Tesseract's range.
        unsafe { sys::TessBaseAPISetPageSegMode(self.handle.as_ptr(), mode) }
    }

    /// Recognises the image set last, stopping at `deadline`. Layout
    /// analysis runs before the first word and is not interrupted.
    pub fn recognize(&mut self, deadline: Option<Instant>) -> Result<(), Stopped> {
        let monitor = match deadline {
            None => None,
            Some(at) => {
                let left = at.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(Stopped::Deadline);
                }
                // SAFETY: creates a monitor that is deleted below.
                let m = NonNull::new(unsafe { sys::TessMonitorCreate() }).ok_or(Stopped::Failed)?;
                let ms = left.as_millis().clamp(1, i32::MAX as u128) as i32;
                // SAFETY: valid monitor.
                unsafe { sys::TessMonitorSetDeadlineMSecs(m.as_ptr(), ms) };
                Some(m)
            }
        };
        let ptr = monitor.map_or(std::ptr::null_mut(), |m| m.as_ptr());
        // SAFETY: valid handle; the monitor (or null) outlives the call.
        let rc = unsafe { sys::TessBaseAPIRecognize(self.handle.as_ptr(), ptr) };
        if let Some(m) = monitor {
            // SAFETY: created above, deleted once, no longer used by Tesseract.
            unsafe { sys::TessMonitorDelete(m.as_ptr()) };
        }
        match (rc, deadline) {
            (0, _) => Ok(()),
            (_, Some(at)) if Instant::now() >= at => Err(Stopped::Deadline),
            _ => Err(Stopped::Failed),
        }
    }

    /// The words of the last recognition as Tesseract's TSV.
    pub fn tsv_text(&mut self) -> Option<String> {
        // SAFETY: valid handle; the result is freed by take_text.
        take_text(unsafe { sys::TessBaseAPIGetTsvText(self.handle.as_ptr(), 0) })
    }

    /// The last recognition as hOCR.
    pub fn hocr_text(&mut self) -> Option<String> {
        // SAFETY: valid handle; the result is freed by take_text.
        take_text(unsafe { sys::TessBaseAPIGetHOCRText(self.handle.as_ptr(), 0) })
    }
}

/// The Tesseract library's version, as it reports it (`5.3.0`).
pub fn version() -> String {
    // SAFETY: a static NUL-terminated string owned by Tesseract.
    unsafe { CStr::from_ptr(sys::TessVersion()) }
        .to_string_lossy()
        .into_owned()
}
