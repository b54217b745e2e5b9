//! The OCR cache: words of every page, keyed by the SHA-256 of the file's
//! bytes and the OCR settings (the Tesseract version and a digest of the
//! installed model included), one JSON file per document in a directory.
//!
//! Rules are not part of the key: extraction runs on the cached words, so a
//! later run with other rules re-reads no image. Writes are atomic (temporary
//! file in the same directory, then rename), so parallel workers and a killed
//! run never leave a half-written entry; an unreadable entry is a miss.

use crate::words::PageWords;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Bumped when the stored format or the meaning of the words changes.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Entry {
    version: u32,
    pages: Vec<PageWords>,
}

/// A directory of OCR results.
#[derive(Debug, Clone)]
pub struct OcrCache {
    dir: PathBuf,
}

impl OcrCache {
    /// Opens (creating if needed) a cache directory.
    pub fn open(dir: impl Into<PathBuf>) -> std::io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(OcrCache { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key of a file's contents under some OCR settings (any serialisable
    /// description of everything that changes the words).
    pub fn key(bytes: &[u8], settings_fingerprint: &str) -> String {
        let mut h = Sha256::new();
        h.update(FORMAT_VERSION.to_le_bytes());
        h.update((settings_fingerprint.len() as u64).to_le_bytes());
        h.update(settings_fingerprint.as_bytes());
        h.update(bytes);
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The cached pages, if present and readable.
    pub fn get(&self, key: &str) -> Option<Vec<PageWords>> {
        let bytes = std::fs::read(self.path(key)).ok()?;
        let e: Entry = serde_json::from_slice(&bytes).ok()?;
        (e.version == FORMAT_VERSION).then_some(e.pages)
    }

    /// Stores pages atomically.
    pub fn put(&self, key: &str, pages: &[PageWords]) -> std::io::Result<()> {
        let entry = Entry {
            version: FORMAT_VERSION,
            pages: pages.to_vec(),
        };
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        serde_json::to_writer(&mut tmp, &entry)?;
        tmp.flush()?;
        tmp.persist(self.path(key)).map_err(|e| e.error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::{PageTransform, Word};

    #[test]
    fn roundtrip_and_keys() {
        let dir = tempfile::tempdir().unwrap();
        let c = OcrCache::open(dir.path().join("c")).unwrap();
        let k1 = OcrCache::key(b"abc", "s1");
        assert_ne!(k1, OcrCache::key(b"abd", "s1"));
        assert_ne!(k1, OcrCache::key(b"abc", "s2"));
        assert!(c.get(&k1).is_none());
        let pages = vec![PageWords {
            page: 1,
            width: 10,
            height: 10,
            transform: PageTransform::identity(10, 10),
            words: vec![Word {
                text: "名".into(),
                conf: 90.0,
                bbox: [1, 2, 3, 4],
                line: [1, 1, 1],
            }],
        }];
        c.put(&k1, &pages).unwrap();
        assert_eq!(c.get(&k1).unwrap(), pages);
        // A corrupt entry is a miss, not an error.
        std::fs::write(c.path(&k1), b"{").unwrap();
        assert!(c.get(&k1).is_none());
        // No temporary files left behind.
        c.put(&k1, &pages).unwrap();
        assert_eq!(std::fs::read_dir(c.dir()).unwrap().count(), 1);
    }
}
