//! Where the rules come from: the packs built into the binary, or a folder.

use include_dir::{include_dir, Dir};
use prereview_dsl::{compile, Compilation};
use std::path::Path;

/// The repository's `rules/` folder, embedded at build time so that `prereview
/// check` works from any folder.
static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../rules");

/// Every text file of the built-in rules, as (relative path, text).
pub fn builtin_files() -> Vec<(String, String)> {
    let mut out = Vec::new();
    collect(&BUILTIN, &mut out);
    out.sort();
    out
}

fn collect(dir: &Dir<'_>, out: &mut Vec<(String, String)>) {
    for f in dir.files() {
        let path = f.path().to_string_lossy().replace('\\', "/");
        if [".rules", ".toml", ".json"]
            .iter()
            .any(|e| path.ends_with(e))
        {
            if let Some(text) = f.contents_utf8() {
                out.push((path, text.to_string()));
            }
        }
    }
    for d in dir.dirs() {
        collect(d, out);
    }
}

/// The rule files from `--rules DIR`, or the built-in ones.
pub fn files(dir: Option<&Path>) -> Result<Vec<(String, String)>, String> {
    match dir {
        None => Ok(builtin_files()),
        Some(d) => prereview_dsl::load::read_dir(d)
            .map_err(|e| format!("cannot read rules folder {}: {e}", d.display())),
    }
}

pub fn compile_files(files: &[(String, String)]) -> Compilation {
    compile(files)
}
