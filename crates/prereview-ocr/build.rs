//! Embeds every `rules/documents/*.toml` into the library, so that a new
//! document kind is a text change only (no Rust list to update).

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets this"));
    let dir = manifest.join("../../rules/documents");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = match fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    let mut out = String::from("/// (file name, contents) of every embedded document kind.\npub(crate) const BUILTIN: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().unwrap().to_string_lossy();
        let abs = fs::canonicalize(f).unwrap_or_else(|_| f.clone());
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            abs.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(env::var("OUT_DIR").expect("cargo sets this")).join("builtin_specs.rs");
    fs::write(dest, out).expect("write builtin_specs.rs");
    reading_revision(&manifest);
}

/// A digest of the code that turns a page into fields (this crate's and the
/// validators' sources, and the division table), so that a document cached by an older build is read
/// again rather than served stale. FNV-1a: only equality matters here.
fn reading_revision(manifest: &std::path::Path) {
    let mut files = Vec::new();
    for dir in ["src", "../prereview-validators/src", "../../rules/tables"] {
        let dir = manifest.join(dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        collect_sources(&dir, &mut files);
    }
    files.sort();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for f in &files {
        let rel = f.strip_prefix(manifest).unwrap_or(f);
        let bytes = fs::read(f).unwrap_or_default();
        for b in rel.to_string_lossy().as_bytes().iter().chain(&bytes) {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=PREREVIEW_READING_REVISION={h:016x}");
}

fn collect_sources(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            println!("cargo:rerun-if-changed={}", p.display());
            collect_sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs" || x == "csv") {
            println!("cargo:rerun-if-changed={}", p.display());
            out.push(p);
        }
    }
}
