//! Reading a rules folder into (relative path, text) pairs for [`crate::compile`].

use std::io;
use std::path::Path;

/// Every `.rules` and `.toml` file below `dir`, with paths relative to it (`/`-separated).
pub fn read_dir(dir: &Path) -> io::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        if path.is_dir() {
            walk(root, &path, out)?;
        } else if matches!(
            path.extension().and_then(|x| x.to_str()),
            Some("rules" | "toml" | "json")
        ) {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let text = std::fs::read_to_string(&path)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
            out.push((rel, text));
        }
    }
    Ok(())
}
