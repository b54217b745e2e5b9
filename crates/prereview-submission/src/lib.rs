//! Loads one submission folder (interface contract §1): `submission.json`, the
//! attachments it lists, and an optional `documents.json` of fields already read.
//!
//! A submission that cannot be read at all is a [`LoadError`] naming the folder and
//! what is wrong (with line and column for JSON). Anything less — a bad attachment
//! path, a missing file, an unparsable date — is recorded as a problem and the
//! submission is still judged, with those values unknown.

use chrono::NaiveDate;
use prereview_model::document::ReadDocument;
use std::path::{Component, Path, PathBuf};

/// Why a submission folder cannot be read at all.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LoadError {
    #[error("{dir}: no submission.json in this folder")]
    Missing { dir: String },
    #[error("{file}: cannot read: {message}")]
    Unreadable { file: String, message: String },
    #[error("{file}:{line}:{column}: not valid JSON: {message}")]
    NotJson {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
}

/// One attachment as listed in `submission.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    /// Position in the `attachments` array.
    pub index: usize,
    pub kind: String,
    /// As written in `submission.json`.
    pub file: String,
    pub subject: Option<String>,
    /// The resolved path inside the folder, or why it was refused.
    pub path: Result<PathBuf, String>,
}

/// A loaded submission.
#[derive(Debug, Clone)]
pub struct Submission {
    pub dir: PathBuf,
    pub id: String,
    pub procedure: String,
    pub submitted_at: Result<NaiveDate, String>,
    pub form: serde_json::Value,
    pub attachments: Vec<Attachment>,
    /// Problems that do not stop judging (each names the attachment or field).
    pub problems: Vec<String>,
    /// Fields already read (`documents.json`), used instead of OCR when present.
    pub documents_override: Option<Vec<ReadDocument>>,
}

pub const SUBMISSION_FILE: &str = "submission.json";
pub const DOCUMENTS_FILE: &str = "documents.json";

/// Loads the submission in `dir`.
pub fn load(dir: &Path) -> Result<Submission, LoadError> {
    let file = dir.join(SUBMISSION_FILE);
    let shown = file.display().to_string();
    if !file.is_file() {
        return Err(LoadError::Missing {
            dir: dir.display().to_string(),
        });
    }
    let text = std::fs::read_to_string(&file).map_err(|e| LoadError::Unreadable {
        file: shown.clone(),
        message: e.to_string(),
    })?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| LoadError::NotJson {
        file: shown.clone(),
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line")
            .next()
            .unwrap_or("")
            .to_string(),
    })?;
    let obj = json.as_object().ok_or_else(|| LoadError::Invalid {
        file: shown.clone(),
        message: "the top level must be an object".into(),
    })?;
    let text_field = |name: &str| -> Result<String, LoadError> {
        match obj.get(name) {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            Some(serde_json::Value::String(_)) => Err(LoadError::Invalid {
                file: shown.clone(),
                message: format!("`{name}` is empty"),
            }),
            Some(other) => Err(LoadError::Invalid {
                file: shown.clone(),
                message: format!("`{name}` must be a string, found {other}"),
            }),
            None => Err(LoadError::Invalid {
                file: shown.clone(),
                message: format!("`{name}` is missing"),
            }),
        }
    };
    let id = text_field("id")?;
    let procedure = text_field("procedure")?;
    let submitted_at = match obj.get("submitted_at") {
        Some(serde_json::Value::String(s)) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| format!("“{s}” is not an ISO date (YYYY-MM-DD)")),
        Some(other) => Err(format!(
            "`submitted_at` must be an ISO date string, found {other}"
        )),
        None => Err("`submitted_at` is missing".to_string()),
    };
    let form = match obj.get("form") {
        Some(f @ serde_json::Value::Object(_)) => f.clone(),
        Some(other) => {
            return Err(LoadError::Invalid {
                file: shown,
                message: format!("`form` must be an object, found {other}"),
            });
        }
        None => {
            return Err(LoadError::Invalid {
                file: shown,
                message: "`form` is missing".into(),
            })
        }
    };
    let mut problems = Vec::new();
    let mut attachments = Vec::new();
    match obj.get("attachments") {
        None => problems.push("submission.json 未列出任何附件（attachments）".to_string()),
        Some(serde_json::Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                match attachment(dir, index, item) {
                    Ok(a) => {
                        if let Err(why) = &a.path {
                            problems
                                .push(format!("附件 attachments[{index}]（{}）：{why}", a.file));
                        }
                        attachments.push(a);
                    }
                    Err(why) => problems.push(format!("附件 attachments[{index}]：{why}")),
                }
            }
        }
        Some(other) => problems.push(format!("`attachments` 应为数组，实为 {other}")),
    }
    let documents_override = load_documents(dir, &mut problems)?;
    Ok(Submission {
        dir: dir.to_path_buf(),
        id,
        procedure,
        submitted_at,
        form,
        attachments,
        problems,
        documents_override,
    })
}

fn attachment(dir: &Path, index: usize, item: &serde_json::Value) -> Result<Attachment, String> {
    let obj = item
        .as_object()
        .ok_or_else(|| format!("应为对象，实为 {item}"))?;
    let kind = obj
        .get("kind")
        .and_then(|k| k.as_str())
        .ok_or("缺少材料类型 kind")?
        .to_string();
    let file = obj
        .get("file")
        .and_then(|k| k.as_str())
        .ok_or("缺少文件名 file")?
        .to_string();
    let subject = obj
        .get("subject")
        .and_then(|s| s.as_str())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let path = resolve(dir, &file);
    Ok(Attachment {
        index,
        kind,
        file,
        subject,
        path,
    })
}

/// Resolves an attachment path; refuses paths that leave the folder.
pub fn resolve(dir: &Path, file: &str) -> Result<PathBuf, String> {
    let rel = Path::new(file);
    if file.is_empty() {
        return Err("文件名为空".into());
    }
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err("文件路径超出申请材料目录（不得使用绝对路径或“..”），已拒绝读取".into());
    }
    let path = dir.join(rel);
    if !path.is_file() {
        return Err("文件不存在".into());
    }
    // A symbolic link could still point outside the folder.
    match (path.canonicalize(), dir.canonicalize()) {
        (Ok(p), Ok(d)) if p.starts_with(&d) => Ok(path),
        (Ok(_), Ok(_)) => Err("文件链接指向申请材料目录之外，已拒绝读取".into()),
        (Err(e), _) | (_, Err(e)) => Err(format!("无法读取：{e}")),
    }
}

fn load_documents(
    dir: &Path,
    problems: &mut Vec<String>,
) -> Result<Option<Vec<ReadDocument>>, LoadError> {
    let file = dir.join(DOCUMENTS_FILE);
    if !file.is_file() {
        return Ok(None);
    }
    let shown = file.display().to_string();
    let text = std::fs::read_to_string(&file).map_err(|e| LoadError::Unreadable {
        file: shown.clone(),
        message: e.to_string(),
    })?;
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Docs {
        List(Vec<ReadDocument>),
        Wrapped { documents: Vec<ReadDocument> },
    }
    match serde_json::from_str::<Docs>(&text) {
        Ok(Docs::List(d)) | Ok(Docs::Wrapped { documents: d }) => Ok(Some(d)),
        Err(e) => {
            problems.push(format!(
                "{shown}:{}:{}: documents.json 格式错误，已忽略：{e}",
                e.line(),
                e.column()
            ));
            Ok(None)
        }
    }
}

/// Every submission folder under `root` (a folder holding `submission.json`),
/// `root` itself included, in sorted order. Does not descend into a submission.
pub fn discover(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    walk(root, &mut out)?;
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if dir.join(SUBMISSION_FILE).is_file() {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            walk(&p, out)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn json_errors_say_line_and_column() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), SUBMISSION_FILE, "{\n  \"id\": \"S1\",\n  oops\n}");
        match load(d.path()) {
            Err(LoadError::NotJson { line, column, .. }) => assert_eq!((line, column), (3, 3)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_id_is_a_load_error() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            SUBMISSION_FILE,
            r#"{"procedure": "x", "form": {}}"#,
        );
        let e = load(d.path()).unwrap_err();
        assert!(e.to_string().contains("`id` is missing"), "{e}");
    }

    #[test]
    fn paths_leaving_the_folder_are_refused_but_the_submission_loads() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "a.png", "x");
        write(
            d.path(),
            SUBMISSION_FILE,
            r#"{"id":"S1","procedure":"p","submitted_at":"2025-11-20","form":{},
               "attachments":[{"kind":"id_card","file":"../etc/passwd"},{"kind":"id_card","file":"/etc/passwd"},
                              {"kind":"id_card","file":"a.png"},{"kind":"id_card","file":"nope.png"}]}"#,
        );
        let s = load(d.path()).unwrap();
        assert!(s.attachments[0].path.as_ref().unwrap_err().contains("超出"));
        assert!(s.attachments[1].path.as_ref().unwrap_err().contains("超出"));
        assert!(s.attachments[2].path.is_ok());
        assert!(s.attachments[3]
            .path
            .as_ref()
            .unwrap_err()
            .contains("不存在"));
        assert_eq!(s.problems.len(), 3);
    }

    #[test]
    fn a_bad_date_is_kept_as_a_problem_not_an_error() {
        let d = tempfile::tempdir().unwrap();
        write(
            d.path(),
            SUBMISSION_FILE,
            r#"{"id":"S1","procedure":"p","submitted_at":"2025-02-30","form":{},"attachments":[]}"#,
        );
        let s = load(d.path()).unwrap();
        assert!(s.submitted_at.is_err());
    }

    proptest::proptest! {
        #[test]
        fn loading_never_panics(text in ".{0,400}") {
            let d = tempfile::tempdir().unwrap();
            write(d.path(), SUBMISSION_FILE, &text);
            let _ = load(d.path());
        }

        #[test]
        fn loading_json_shaped_input_never_panics(
            id in proptest::option::of(".{0,10}"),
            date in ".{0,12}",
            file in ".{0,20}",
        ) {
            let d = tempfile::tempdir().unwrap();
            let json = serde_json::json!({
                "id": id, "procedure": "company_establishment", "submitted_at": date,
                "form": {"x": 1}, "attachments": [{"kind": "id_card", "file": file}]
            });
            write(d.path(), SUBMISSION_FILE, &json.to_string());
            let _ = load(d.path());
        }
    }
}
