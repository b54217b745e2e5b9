//! Document kind declarations (`rules/documents/<kind>.toml`) → [`DocumentSpec`].
//!
//! One file per kind, deserialised straight into the shared model type, then
//! checked (unique kind and field names, every field findable, patterns that
//! compile). Every error names the file, line and column.

use prereview_model::document::{DocumentSpec, FieldType, IdPart};
use regex::Regex;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/builtin_specs.rs"));

/// A document kind file that could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The file (as given, or `builtin:<name>` for embedded files).
    pub file: String,
    /// 1-based line and column of the problem; 0 when it concerns the whole file.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

impl std::error::Error for SpecError {}

/// Loads every `*.toml` in `dir` (sorted by file name), one document kind each.
///
/// Fails on the first file that does not parse or does not pass the checks, or
/// when two files declare the same kind.
pub fn load_dir(dir: impl AsRef<Path>) -> Result<Vec<DocumentSpec>, SpecError> {
    let dir = dir.as_ref();
    let io_err = |p: &Path, e: std::io::Error| SpecError {
        file: p.display().to_string(),
        line: 0,
        column: 0,
        message: format!("cannot read: {e}"),
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io_err(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .collect();
    files.sort();
    let mut sources = Vec::with_capacity(files.len());
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| io_err(&f, e))?;
        sources.push((f.display().to_string(), text));
    }
    parse_all(sources.iter().map(|(n, t)| (n.as_str(), t.as_str())))
}

/// The document kinds of the repository's `rules/documents/`, embedded at build time.
///
/// Panics never: the embedded files are checked by this crate's tests, and a
/// file that fails the checks is skipped (with the error on stderr) rather
/// than taking the program down.
pub fn builtin() -> Vec<DocumentSpec> {
    let mut out = Vec::new();
    for (name, text) in BUILTIN {
        match parse_str(&format!("builtin:{name}"), text) {
            Ok(s) => out.push(s),
            Err(e) => eprintln!("prereview-ocr: skipping built-in document kind: {e}"),
        }
    }
    out
}

/// The embedded files as (file name, contents), for tools that show or copy them.
pub fn builtin_sources() -> &'static [(&'static str, &'static str)] {
    BUILTIN
}

/// Parses a set of (file name, text) sources and checks kinds are unique.
pub fn parse_all<'a>(
    sources: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Vec<DocumentSpec>, SpecError> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    for (file, text) in sources {
        let spec = parse_str(file, text)?;
        if let Some(first) = seen.get(&spec.kind) {
            let (line, column) = locate_value(text, "kind", &spec.kind);
            return Err(SpecError {
                file: file.to_string(),
                line,
                column,
                message: format!(
                    "document kind `{}` is already declared in {first}",
                    spec.kind
                ),
            });
        }
        seen.insert(spec.kind.clone(), file.to_string());
        out.push(spec);
    }
    Ok(out)
}

/// Parses and checks one document kind file. `file` is used in error messages;
/// when it has a file stem, the declared `kind` must equal it.
pub fn parse_str(file: &str, text: &str) -> Result<DocumentSpec, SpecError> {
    let spec: DocumentSpec = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
        SpecError {
            file: file.to_string(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })?;
    check(file, text, &spec)?;
    Ok(spec)
}

fn check(file: &str, text: &str, spec: &DocumentSpec) -> Result<(), SpecError> {
    let err = |key: &str, value: &str, message: String| {
        let (line, column) = locate_value(text, key, value);
        SpecError {
            file: file.to_string(),
            line,
            column,
            message,
        }
    };
    if !is_identifier(&spec.kind) {
        return Err(err(
            "kind",
            &spec.kind,
            format!(
                "kind `{}` must be lower-case letters, digits and `_`, starting with a letter",
                spec.kind
            ),
        ));
    }
    let stem = Path::new(file.trim_start_matches("builtin:"))
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned());
    if let Some(stem) = stem {
        if stem != spec.kind {
            return Err(err(
                "kind",
                &spec.kind,
                format!(
                    "kind `{}` must match the file name `{stem}.toml`",
                    spec.kind
                ),
            ));
        }
    }
    let mut names = BTreeMap::new();
    for f in &spec.fields {
        if !is_identifier(&f.name) {
            return Err(err(
                "name",
                &f.name,
                format!(
                    "field name `{}` must be lower-case letters, digits and `_`",
                    f.name
                ),
            ));
        }
        if names.insert(f.name.as_str(), ()).is_some() {
            return Err(err(
                "name",
                &f.name,
                format!("field `{}` is declared twice", f.name),
            ));
        }
        if f.labels.iter().all(|l| l.trim().is_empty()) && f.pattern.is_none() {
            return Err(err(
                "name",
                &f.name,
                format!(
                    "field `{}` needs `labels` or a `pattern` to be found on a page",
                    f.name
                ),
            ));
        }
        if let Some(p) = &f.pattern {
            if let Err(e) = Regex::new(p) {
                return Err(err(
                    "pattern",
                    p,
                    format!("field `{}`: pattern does not compile: {e}", f.name),
                ));
            }
        }
        if f.unlabelled && f.ty != FieldType::Date {
            return Err(err(
                "unlabelled",
                "true",
                format!(
                    "field `{}`: `unlabelled` is only for date fields (their grammar tells the value without a label)",
                    f.name
                ),
            ));
        }
        if f.range_part.is_some() && f.ty != FieldType::Date {
            return Err(err(
                "name",
                &f.name,
                format!("field `{}`: `range_part` is only for date fields", f.name),
            ));
        }
        if let Some(implied) = &f.implied_by {
            let written = String::from(implied.clone());
            let carrier = spec.fields.iter().find(|c| c.name == implied.field);
            let Some(carrier) = carrier.filter(|c| c.ty == FieldType::ResidentId) else {
                let known: Vec<&str> = spec
                    .fields
                    .iter()
                    .filter(|c| c.ty == FieldType::ResidentId)
                    .map(|c| c.name.as_str())
                    .collect();
                let help = match known.as_slice() {
                    [] => "this kind has no `resident_id` field".to_string(),
                    names => format!("did you mean `{}`?", names.join("` or `")),
                };
                return Err(err(
                    "implied_by",
                    &written,
                    format!(
                        "field `{}`: `implied_by` names `{}`, which is not a `resident_id` field of this kind ({help})",
                        f.name, implied.field
                    ),
                ));
            };
            let wanted = match implied.part {
                IdPart::BirthDate => FieldType::Date,
                IdPart::Sex => FieldType::Text,
            };
            if f.ty != wanted {
                return Err(err(
                    "implied_by",
                    &written,
                    format!(
                        "field `{}` is `{}`, but `{}.{}` is a {} value",
                        f.name,
                        f.ty.keyword(),
                        carrier.name,
                        implied.part.name(),
                        wanted.keyword()
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn is_identifier(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_lowercase())
        && cs.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// 1-based (line, column in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Where `key = "value"` is written (for checks made after deserialisation,
/// which has no spans): the first line assigning that value to that key,
/// else the first occurrence of the value, else line 1.
fn locate_value(text: &str, key: &str, value: &str) -> (usize, usize) {
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix(key) {
            let rest = rest.trim_start();
            if rest.starts_with('=') && rest.contains(value) {
                return (i + 1, line.len() - t.len() + 1);
            }
        }
    }
    match text.find(value) {
        Some(off) if !value.is_empty() => line_col(text, off),
        _ => (1, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_kinds_all_load() {
        let specs = parse_all(BUILTIN.iter().copied()).expect("builtin specs are valid");
        let kinds: Vec<_> = specs.iter().map(|s| s.kind.as_str()).collect();
        for k in [
            "id_card",
            "business_license",
            "lease_contract",
            "property_certificate",
            "health_certificate",
            "hygiene_inspection_report",
            "floor_plan",
        ] {
            assert!(kinds.contains(&k), "missing {k}");
        }
        assert_eq!(builtin().len(), specs.len());
    }

    #[test]
    fn contract_field_names_and_types() {
        use FieldType::*;
        let specs = builtin();
        let get = |k: &str| specs.iter().find(|s| s.kind == k).unwrap();
        let expect: &[(&str, &[(&str, FieldType)])] = &[
            (
                "id_card",
                &[
                    ("name", Text),
                    ("sex", Text),
                    ("ethnicity", Text),
                    ("birth_date", Date),
                    ("address", Text),
                    ("id_number", ResidentId),
                    ("issuer", Text),
                    ("valid_from", Date),
                    ("valid_until", Date),
                ],
            ),
            (
                "business_license",
                &[
                    ("uscc", Uscc),
                    ("name", Text),
                    ("type", Text),
                    ("legal_representative", Text),
                    ("registered_capital_wan", Money),
                    ("established_on", Date),
                    ("term", Text),
                    ("address", Text),
                    ("business_scope", Text),
                ],
            ),
            (
                "lease_contract",
                &[
                    ("lessor", Text),
                    ("lessee", Text),
                    ("premises_address", Text),
                    ("area_m2", Number),
                    ("term_start", Date),
                    ("term_end", Date),
                    ("usage", Text),
                ],
            ),
            (
                "property_certificate",
                &[
                    ("owner", Text),
                    ("address", Text),
                    ("usage", Text),
                    ("area_m2", Number),
                ],
            ),
            (
                "health_certificate",
                &[
                    ("name", Text),
                    ("sex", Text),
                    ("id_number", ResidentId),
                    ("certificate_no", Text),
                    ("issued_on", Date),
                    ("valid_until", Date),
                    ("result", Text),
                ],
            ),
            (
                "hygiene_inspection_report",
                &[
                    ("unit_name", Text),
                    ("report_no", Text),
                    ("inspected_on", Date),
                    ("conclusion", Text),
                ],
            ),
            ("floor_plan", &[]),
        ];
        for (kind, fields) in expect {
            let spec = get(kind);
            let got: Vec<_> = spec
                .fields
                .iter()
                .map(|f| (f.name.as_str(), f.ty))
                .collect();
            assert_eq!(&got, fields, "{kind}");
        }
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let text = "kind = \"x\"\ntitle = \"X\"\n[[fields]]\nname = \"a\"\ntitle = \"A\"\ntype = \"texte\"\nlabels = [\"A\"]\n";
        let e = parse_str("rules/documents/x.toml", text).unwrap_err();
        assert_eq!((e.line, e.column), (6, 8), "{e}");
        assert!(
            e.to_string().starts_with("rules/documents/x.toml:6:8:"),
            "{e}"
        );
    }

    #[test]
    fn semantic_errors_point_at_the_line() {
        let text = "kind = \"x\"\ntitle = \"X\"\n\n[[fields]]\nname = \"a\"\ntitle = \"A\"\ntype = \"text\"\npattern = \"(unclosed\"\n";
        let e = parse_str("x.toml", text).unwrap_err();
        assert_eq!(e.line, 8, "{e}");
        assert!(e.message.contains("pattern"), "{e}");

        let text = "kind = \"y\"\ntitle = \"X\"\nfields = []\n";
        let e = parse_str("x.toml", text).unwrap_err();
        assert!(e.message.contains("file name"), "{e}");

        let dup = "kind = \"x\"\ntitle = \"X\"\nfields = []\n";
        let e = parse_all([("a/x.toml", dup), ("b/x.toml", dup)]).unwrap_err();
        assert!(e.message.contains("already declared in a/x.toml"), "{e}");
    }

    #[test]
    fn unlabelled_is_only_for_dates() {
        let kind = |ty: &str| {
            format!(
                "kind = \"x\"\ntitle = \"X\"\n\n[[fields]]\nname = \"a\"\ntitle = \"A\"\ntype = \"{ty}\"\nlabels = [\"A\"]\nunlabelled = true\n"
            )
        };
        assert!(parse_str("x.toml", &kind("date")).is_ok());
        let e = parse_str("x.toml", &kind("text")).unwrap_err();
        assert_eq!((e.line, e.column), (9, 1), "{e}");
        assert!(e.message.contains("only for date fields"), "{e}");
    }

    #[test]
    fn implied_by_must_name_a_part_of_an_id_number_of_the_same_kind() {
        let kind = |extra: &str| {
            format!(
                "kind = \"x\"\ntitle = \"X\"\n\n[[fields]]\nname = \"id_no\"\ntitle = \"号码\"\ntype = \"resident_id\"\nlabels = [\"号码\"]\n\n[[fields]]\nname = \"born\"\ntitle = \"出生\"\ntype = \"date\"\nlabels = [\"出生\"]\n{extra}"
            )
        };
        assert!(parse_str("x.toml", &kind("implied_by = \"id_no.birth_date\"\n")).is_ok());
        let e = parse_str("x.toml", &kind("implied_by = \"id_number.birth_date\"\n")).unwrap_err();
        assert_eq!(e.line, 15, "{e}");
        assert!(e.message.contains("did you mean `id_no`"), "{e}");
        let e = parse_str("x.toml", &kind("implied_by = \"id_no.sex\"\n")).unwrap_err();
        assert!(e.message.contains("is a text value"), "{e}");
        let e = parse_str("x.toml", &kind("implied_by = \"id_no.age\"\n")).unwrap_err();
        assert_eq!(e.line, 15, "{e}");
        assert!(
            e.message.contains("`field.birth_date` or `field.sex`"),
            "{e}"
        );
    }

    #[test]
    fn load_dir_reads_repository_files() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/documents");
        let specs = load_dir(&dir).unwrap();
        assert_eq!(specs, builtin());
        let e = load_dir(dir.join("does-not-exist")).unwrap_err();
        assert!(e.message.contains("cannot read"), "{e}");
    }
}
