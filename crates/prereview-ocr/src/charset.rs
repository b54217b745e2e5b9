//! The characters the installed recognition model can output. The Debian
//! `chi_sim` model knows 4,022: a name with 昳, 镕, 涞 or 祜 is never read
//! right, whatever the scan. Knowing that, a field whose expected value holds
//! such a character is sent to a person with the reason, instead of being
//! read as a look-alike (韦昳 → 韦歇) that a rule then finds different.
//!
//! Read from the model file itself (its LSTM unicharset), so the answer is
//! the installed model's, not a list that could drift from it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The characters some model can output (the union over the languages).
#[derive(Debug, Clone, Default)]
pub struct ModelCharset {
    chars: HashSet<char>,
}

impl ModelCharset {
    /// The charset of `languages` (`chi_sim`, `chi_sim+eng`) in `tessdata`,
    /// or in Tesseract's usual places when `None`. `None` when a model file
    /// cannot be found or read: then nothing is known to be unreadable.
    pub fn load(languages: &str, tessdata: Option<&Path>) -> Option<ModelCharset> {
        let mut chars = HashSet::new();
        for lang in languages.split('+').filter(|l| !l.is_empty()) {
            let file = model_file(lang, tessdata)?;
            let bytes = std::fs::read(file).ok()?;
            chars.extend(lstm_unicharset(&bytes)?);
        }
        Some(ModelCharset { chars })
    }

    /// Whether the model can output `c`.
    pub fn can_output(&self, c: char) -> bool {
        self.chars.contains(&c)
    }

    /// The characters of `text` the model cannot output (letters and
    /// ideographs only: spacing and punctuation are not compared), in order,
    /// each once.
    pub fn unreadable_in(&self, text: &str) -> Vec<char> {
        let mut out: Vec<char> = Vec::new();
        for c in text.chars().filter(|c| c.is_alphanumeric()) {
            if !self.can_output(c) && !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }

    pub fn len(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }
}

/// What identifies the recognition in use, for cache keys: the Tesseract
/// library's version and a digest of each language's model file (an
/// upgraded `chi_sim` package reads differently, so words cached from the
/// old one must not be served). Computed once per process and configuration.
pub fn model_identity(languages: &str, tessdata: Option<&Path>) -> String {
    use sha2::{Digest, Sha256};
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    /// (languages, tessdata folder) → identity.
    type Known = HashMap<(String, Option<PathBuf>), String>;
    static KNOWN: OnceLock<Mutex<Known>> = OnceLock::new();
    let key = (languages.to_string(), tessdata.map(Path::to_path_buf));
    let known = KNOWN.get_or_init(Default::default);
    if let Some(id) = known.lock().ok().and_then(|k| k.get(&key).cloned()) {
        return id;
    }
    let mut id = format!("tesseract {}", crate::tess::version());
    for lang in languages.split('+').filter(|l| !l.is_empty()) {
        let digest = model_file(lang, tessdata)
            .and_then(|f| std::fs::read(f).ok())
            .map(|bytes| {
                Sha256::digest(&bytes)
                    .iter()
                    .take(8)
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            })
            .unwrap_or_else(|| "not found".into());
        id.push_str(&format!("|{lang} {digest}"));
    }
    if let Ok(mut k) = known.lock() {
        k.insert(key, id.clone());
    }
    id
}

/// `<lang>.traineddata` in `tessdata`, `$TESSDATA_PREFIX` or the folders the
/// distributions install to.
fn model_file(lang: &str, tessdata: Option<&Path>) -> Option<PathBuf> {
    let name = format!("{lang}.traineddata");
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(d) = tessdata {
        dirs.push(d.to_path_buf());
    } else {
        if let Some(p) = std::env::var_os("TESSDATA_PREFIX") {
            let p = PathBuf::from(p);
            dirs.push(p.join("tessdata"));
            dirs.push(p);
        }
        for d in [
            "/usr/share/tesseract-ocr/5/tessdata",
            "/usr/share/tesseract-ocr/4.00/tessdata",
            "/usr/share/tessdata",
            "/usr/share/tesseract/tessdata",
            "/usr/local/share/tessdata",
        ] {
            dirs.push(PathBuf::from(d));
        }
    }
    dirs.into_iter()
        .map(|d| d.join(&name))
        .find(|f| f.is_file())
}

/// Index of the LSTM unicharset in a traineddata file's table of components
/// (Tesseract's `TESSDATA_LSTM_UNICHARSET`).
const LSTM_UNICHARSET: usize = 21;

/// The single characters of a traineddata file's LSTM unicharset. The file
/// is a table (an `i32` count, then one `i64` offset per component, −1 when
/// absent, little-endian) followed by the components; the unicharset is text,
/// a count line, then one line per entry starting with the entry's text.
pub fn lstm_unicharset(traineddata: &[u8]) -> Option<HashSet<char>> {
    let count = i32::from_le_bytes(traineddata.get(..4)?.try_into().ok()?);
    let count = usize::try_from(count)
        .ok()
        .filter(|&n| n > LSTM_UNICHARSET && n < 1000)?;
    let offsets: Vec<i64> = (0..count)
        .map(|i| {
            let at = 4 + 8 * i;
            traineddata
                .get(at..at + 8)
                .and_then(|b| b.try_into().ok())
                .map(i64::from_le_bytes)
        })
        .collect::<Option<_>>()?;
    let start = usize::try_from(offsets[LSTM_UNICHARSET]).ok()?;
    let end = offsets[LSTM_UNICHARSET + 1..]
        .iter()
        .filter_map(|&o| usize::try_from(o).ok())
        .find(|&o| o > start)
        .unwrap_or(traineddata.len());
    let text = std::str::from_utf8(traineddata.get(start..end)?).ok()?;
    let mut lines = text.lines();
    let declared: usize = lines.next()?.trim().parse().ok()?;
    let chars: HashSet<char> = lines
        .take(declared)
        .filter_map(|l| {
            let entry = l.split(' ').next()?;
            let mut cs = entry.chars();
            match (cs.next(), cs.next()) {
                (Some(c), None) => Some(c),
                _ => None, // NULL, Joined, |Broken|0|1: not characters
            }
        })
        .collect();
    (!chars.is_empty()).then_some(chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A traineddata file with only an LSTM unicharset component.
    fn traineddata(unicharset: &str) -> Vec<u8> {
        let n = 24usize;
        let header = 4 + 8 * n;
        let mut out = (n as i32).to_le_bytes().to_vec();
        for i in 0..n {
            let o: i64 = if i == LSTM_UNICHARSET {
                header as i64
            } else {
                -1
            };
            out.extend(o.to_le_bytes());
        }
        out.extend(unicharset.as_bytes());
        out
    }

    #[test]
    fn another_model_file_is_another_identity() {
        let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
        for (d, content) in dirs.iter().zip(["model A", "model B", "model A"]) {
            std::fs::write(d.path().join("xx.traineddata"), content).unwrap();
        }
        let id = |i: usize| model_identity("xx", Some(dirs[i].path()));
        assert_ne!(id(0), id(1));
        assert_eq!(id(0), id(2), "the content counts, not the place");
        assert!(id(0).starts_with("tesseract "), "{}", id(0));
        assert!(model_identity("yy", Some(dirs[0].path())).ends_with("yy not found"));
    }

    #[test]
    fn the_unicharset_is_read_from_the_component_table() {
        let file = traineddata(
            "5\nNULL 0 Common 0\nJoined 7 0,255 Latin 1 0 1 Joined\t# Joined\n张 1 0,255 Han 3 0 3 张\t# 张\nA 5 0,255 Latin 4 0 4 A\t# A\n三 1 0,255 Han 5 0 5 三\t# 三\n",
        );
        let set = lstm_unicharset(&file).unwrap();
        assert_eq!(set, HashSet::from(['张', 'A', '三']));
        let cs = ModelCharset { chars: set };
        assert_eq!(cs.unreadable_in("韦昳 张三（A）昳"), vec!['韦', '昳']);
        assert!(lstm_unicharset(b"not a model").is_none());
        assert!(lstm_unicharset(&file[..100]).is_none());
    }
}
