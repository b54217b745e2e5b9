//! Finding the submission folders under a batch folder.

use crate::BatchError;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One submission folder found under the batch folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionEntry {
    /// The folder holding `submission.json`.
    pub dir: PathBuf,
    /// The name its outputs are filed under: the submission's `id` when that is a
    /// usable file name, else the folder name; a repeated id gets `~2`, `~3`….
    pub key: String,
    /// `procedure` from `submission.json`, when it could be read.
    pub procedure: Option<String>,
    /// `submitted_at` from `submission.json`, when it could be read.
    pub submitted_at: Option<String>,
    /// When the id was already used by an earlier folder: that folder.
    pub duplicate_of: Option<PathBuf>,
}

/// Only the fields needed to file a submission; the rest is the reviewer's business.
#[derive(Deserialize)]
struct Head {
    id: Option<serde_json::Value>,
    procedure: Option<serde_json::Value>,
    submitted_at: Option<serde_json::Value>,
}

/// Every submission folder (a folder with `submission.json`) under `input`, which
/// may itself be one, in a deterministic order (by path, byte-wise). Hidden
/// folders, symbolic links to folders and `skip` (the report folder, when it
/// lies inside the input) are not entered.
pub fn discover(input: &Path, skip: Option<&Path>) -> Result<Vec<SubmissionEntry>, BatchError> {
    let meta = std::fs::metadata(input).map_err(|e| BatchError::io(input, e))?;
    if !meta.is_dir() {
        return Err(BatchError::Invalid(format!(
            "{}: not a folder (a batch is a folder of submission folders)",
            input.display()
        )));
    }
    let skip = skip.and_then(|s| s.canonicalize().ok());
    let mut dirs = Vec::new();
    walk(input, skip.as_deref(), &mut dirs)?;
    let mut seen: HashMap<String, (usize, PathBuf)> = HashMap::new();
    let mut out = Vec::with_capacity(dirs.len());
    for dir in dirs {
        let head = read_head(&dir);
        let base = head
            .as_ref()
            .and_then(|h| h.id.as_ref())
            .and_then(|v| v.as_str())
            .filter(|id| is_safe_key(id))
            .map(str::to_string)
            .unwrap_or_else(|| folder_key(&dir));
        let (key, duplicate_of) = match seen.get_mut(&base) {
            None => {
                seen.insert(base.clone(), (1, dir.clone()));
                (base, None)
            }
            Some((n, first)) => {
                *n += 1;
                (format!("{base}~{n}"), Some(first.clone()))
            }
        };
        let text =
            |v: &Option<serde_json::Value>| v.as_ref().and_then(|v| v.as_str()).map(str::to_string);
        out.push(SubmissionEntry {
            key,
            procedure: head.as_ref().and_then(|h| text(&h.procedure)),
            submitted_at: head.as_ref().and_then(|h| text(&h.submitted_at)),
            dir,
            duplicate_of,
        });
    }
    Ok(out)
}

fn walk(dir: &Path, skip: Option<&Path>, out: &mut Vec<PathBuf>) -> Result<(), BatchError> {
    if dir.join("submission.json").is_file() {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    let mut children = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| BatchError::io(dir, e))? {
        let entry = entry.map_err(|e| BatchError::io(dir, e))?;
        // file_type does not follow symbolic links: no loops.
        let ft = entry
            .file_type()
            .map_err(|e| BatchError::io(entry.path(), e))?;
        let name = entry.file_name();
        if !ft.is_dir() || name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if let (Some(skip), Ok(canon)) = (skip, path.canonicalize()) {
            if canon == skip {
                continue;
            }
        }
        children.push(path);
    }
    children.sort();
    for child in children {
        walk(&child, skip, out)?;
    }
    Ok(())
}

fn read_head(dir: &Path) -> Option<Head> {
    let text = std::fs::read(dir.join("submission.json")).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Whether `id` can name a file in the report folder as it is.
pub(crate) fn is_safe_key(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 150
        && !id.starts_with('.')
        && !id.contains('~')
        && !id.chars().any(|c| {
            c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
        })
}

fn folder_key(dir: &Path) -> String {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "submission".to_string());
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_control()
                || matches!(
                    c,
                    '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' | '~'
                )
            {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim_start_matches('.');
    if cleaned.is_empty() {
        "submission".to_string()
    } else {
        cleaned.chars().take(100).collect()
    }
}

/// 64-bit FNV-1a: a stable hash (the same on every machine and run), for shards.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The shard (0-based, of `count`) a submission key belongs to.
pub fn shard_of(key: &str, count: u32) -> u32 {
    (fnv1a64(key.as_bytes()) % u64::from(count.max(1))) as u32
}

/// Parses `K/N` (0 ≤ K < N), as given to `--shard`.
pub fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let (k, n) = text
        .split_once('/')
        .ok_or_else(|| format!("shard “{text}”: expected K/N, e.g. 0/4"))?;
    let k: u32 = k
        .trim()
        .parse()
        .map_err(|_| format!("shard “{text}”: K is not a number"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("shard “{text}”: N is not a number"))?;
    if n == 0 || k >= n {
        return Err(format!(
            "shard “{text}”: K must be from 0 to N-1 (shards count from 0)"
        ));
    }
    Ok((k, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_known_values() {
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn shard_parsing() {
        assert_eq!(parse_shard("0/4"), Ok((0, 4)));
        assert_eq!(parse_shard("3/4"), Ok((3, 4)));
        assert!(parse_shard("4/4").is_err());
        assert!(parse_shard("1/0").is_err());
        assert!(parse_shard("x/2").is_err());
        assert!(parse_shard("2").is_err());
    }

    #[test]
    fn keys() {
        assert!(is_safe_key("SUB-2025-000123"));
        assert!(is_safe_key("申请-001"));
        assert!(!is_safe_key("../etc"));
        assert!(!is_safe_key("a/b"));
        assert!(!is_safe_key(".hidden"));
        assert!(!is_safe_key(""));
        assert_eq!(folder_key(Path::new("/x/a:b")), "a_b");
    }
}
