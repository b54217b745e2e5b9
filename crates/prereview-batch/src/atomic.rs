//! Atomic file writes: a temporary file in the same folder, flushed to disk,
//! then renamed over the target. A reader (or a rerun after `kill -9`) sees the
//! old file or the new one, never half of one.

use crate::BatchError;
use std::io::Write;
use std::path::Path;

/// Prefix of the temporary files; left-overs of a killed run are removed on the next.
pub(crate) const TMP_PREFIX: &str = ".prereview-tmp-";

pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), BatchError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .tempfile_in(dir)
        .map_err(|e| BatchError::io(dir, e))?;
    tmp.write_all(bytes)
        .map_err(|e| BatchError::io(tmp.path(), e))?;
    // Without this a power cut after the rename could leave an empty file.
    tmp.as_file()
        .sync_data()
        .map_err(|e| BatchError::io(tmp.path(), e))?;
    tmp.persist(path)
        .map_err(|e| BatchError::io(path, e.error))?;
    Ok(())
}

/// Removes temporary files a killed run left in `dir`.
pub(crate) fn remove_leftovers(dir: &Path) -> Result<usize, BatchError> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir).map_err(|e| BatchError::io(dir, e))? {
        let entry = entry.map_err(|e| BatchError::io(dir, e))?;
        if entry.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
            std::fs::remove_file(entry.path()).map_err(|e| BatchError::io(entry.path(), e))?;
            removed += 1;
        }
    }
    Ok(removed)
}
