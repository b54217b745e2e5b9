//! One submission end to end: load the folder, read its documents (OCR, or
//! `documents.json` when present), judge with the engine.

use prereview_dsl::RuleSet;
use prereview_engine::{DocumentInput, Engine, JudgeError, SubmissionInput};
use prereview_model::document::ReadDocument;
use prereview_model::report::{verdict_of, Report};
use prereview_ocr::{Hints, Reader, Settings};
use prereview_submission::{LoadError, Submission};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// Why a submission could not be judged at all.
#[derive(Debug)]
pub enum ReviewError {
    Load(LoadError),
    Judge {
        submission: String,
        error: JudgeError,
    },
}

impl std::fmt::Display for ReviewError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReviewError::Load(e) => write!(f, "{e}"),
            ReviewError::Judge { submission, error } => write!(f, "{submission}: {error}"),
        }
    }
}

/// Documents already read, by content: the SHA-256 of the file's bytes together
/// with everything else that shapes the result (OCR settings, the document kind's
/// declaration, the hints). A re-run with other rules re-reads no image.
struct DocumentCache {
    dir: std::path::PathBuf,
    hits: AtomicU64,
}

impl DocumentCache {
    fn key(
        bytes: &[u8],
        settings: &str,
        spec: &prereview_model::document::DocumentSpec,
        hints: &Hints,
    ) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"prereview-document-v1\0");
        h.update(Sha256::digest(bytes));
        h.update(settings.as_bytes());
        h.update(serde_json::to_vec(spec).unwrap_or_default());
        h.update(serde_json::to_vec(hints).unwrap_or_default());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    fn path(&self, key: &str) -> std::path::PathBuf {
        self.dir.join(&key[..2]).join(format!("{key}.json"))
    }

    fn get(&self, key: &str) -> Option<ReadDocument> {
        let text = std::fs::read(self.path(key)).ok()?;
        let doc = serde_json::from_slice(&text).ok()?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(doc)
    }

    /// Written to a temporary file and renamed, so a killed run leaves no half entry.
    fn put(&self, key: &str, doc: &ReadDocument) {
        let path = self.path(key);
        let Some(parent) = path.parent() else { return };
        let tmp = parent.join(format!(".{key}.{}.tmp", std::process::id()));
        let written = std::fs::create_dir_all(parent)
            .and_then(|_| std::fs::write(&tmp, serde_json::to_vec(doc).unwrap_or_default()))
            .and_then(|_| std::fs::rename(&tmp, &path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            eprintln!(
                "prereview: cannot write the document cache in {}: {e}",
                self.dir.display()
            );
        }
    }
}

/// The stages wired together; shared by every batch worker.
pub struct Pipeline {
    cache: Option<DocumentCache>,
    /// The cache folder as given (documents in `documents/`; the batch keeps crops beside).
    cache_root: Option<std::path::PathBuf>,
    /// Documents read by OCR (not from the cache).
    ocr_reads: AtomicU64,
    engine: Engine,
    settings: Settings,
    /// Created on first use: a submission with `documents.json` needs no OCR.
    reader: OnceLock<Result<Reader, String>>,
    timings: Timings,
}

/// Where the time went, summed over all submissions (nanoseconds of worker time).
#[derive(Default)]
pub struct Timings {
    pub load: AtomicU64,
    pub read: AtomicU64,
    pub judge: AtomicU64,
}

impl Timings {
    fn add(counter: &AtomicU64, since: Instant) {
        counter.fetch_add(since.elapsed().as_nanos() as u64, Ordering::Relaxed);
    }

    /// `reading documents 95.2% (40.1 s), judging 0.3%, loading 0.1%`.
    pub fn summary(&self) -> String {
        let [l, r, j] =
            [&self.load, &self.read, &self.judge].map(|c| c.load(Ordering::Relaxed) as f64 / 1e9);
        let total = (l + r + j).max(1e-9);
        format!(
            "worker time: reading documents {:.1}% ({r:.1} s), judging {:.1}% ({j:.3} s), loading {:.1}% ({l:.3} s)",
            100.0 * r / total,
            100.0 * j / total,
            100.0 * l / total
        )
    }
}

impl Pipeline {
    /// `settings.cache_dir`, when set, holds the documents read (see `DocumentCache`).
    pub fn new(rules: Arc<RuleSet>, mut settings: Settings) -> Self {
        let cache_root = settings.cache_dir.take();
        let cache = cache_root.as_ref().map(|dir| DocumentCache {
            dir: dir.join("documents"),
            hits: AtomicU64::new(0),
        });
        Pipeline {
            cache,
            cache_root,
            ocr_reads: AtomicU64::new(0),
            engine: Engine::new(rules),
            settings,
            reader: OnceLock::new(),
            timings: Timings::default(),
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn timings(&self) -> &Timings {
        &self.timings
    }

    /// Documents taken from the cache instead of being read again.
    pub fn cache_hits(&self) -> u64 {
        self.cache
            .as_ref()
            .map_or(0, |c| c.hits.load(Ordering::Relaxed))
    }

    /// Documents read by OCR, i.e. not taken from the cache (attachments whose
    /// kind is not declared and `documents.json` overrides are not read).
    pub fn ocr_reads(&self) -> u64 {
        self.ocr_reads.load(Ordering::Relaxed)
    }

    /// Reads one attachment, through the cache when there is one. The OCR engines
    /// are started only when a document is not in the cache.
    fn read_one(
        &self,
        path: &Path,
        spec: &prereview_model::document::DocumentSpec,
        hints: &Hints,
        file: &str,
    ) -> ReadDocument {
        let read = || match self.reader() {
            Ok(reader) => {
                self.ocr_reads.fetch_add(1, Ordering::Relaxed);
                reader.read_document(path, spec, hints)
            }
            Err(e) => {
                prereview_ocr::unreadable(file.to_string(), spec, format!("OCR 引擎不可用：{e}"))
            }
        };
        let Some(cache) = &self.cache else {
            return read();
        };
        let Ok(bytes) = std::fs::read(path) else {
            return read();
        };
        let key = DocumentCache::key(&bytes, &self.settings.document_fingerprint(), spec, hints);
        if let Some(doc) = cache.get(&key) {
            return doc;
        }
        let doc = read();
        // An error may be passing (a timeout on a busy machine): read it again next time.
        if doc.error.is_none() {
            cache.put(&key, &doc);
        }
        doc
    }

    fn reader(&self) -> Result<&Reader, String> {
        self.reader
            .get_or_init(|| Reader::new(self.settings.clone()).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| e.clone())
    }

    /// Reviews the submission in `dir`.
    pub fn review_dir(&self, dir: &Path) -> Result<Report, ReviewError> {
        let started = Instant::now();
        let sub = prereview_submission::load(dir).map_err(ReviewError::Load)?;
        Timings::add(&self.timings.load, started);
        self.engine
            .procedure_index(&sub.procedure)
            .map_err(|error| ReviewError::Judge {
                submission: sub.id.clone(),
                error,
            })?;
        let started = Instant::now();
        let (documents, read_here) = self.read_documents(&sub);
        Timings::add(&self.timings.read, started);
        let started = Instant::now();
        let input = SubmissionInput {
            id: sub.id.clone(),
            procedure: sub.procedure.clone(),
            submitted_at: sub.submitted_at.clone(),
            form: sub.form.clone(),
            documents,
        };
        let mut report = self
            .engine
            .judge(&input)
            .map_err(|error| ReviewError::Judge {
                submission: sub.id.clone(),
                error,
            })?;
        if read_here {
            report.reading = prereview_batch::Reviewer::reading(self);
        }
        report.errors.extend(sub.problems.iter().cloned());
        for d in &report.documents {
            if let Some(e) = &d.error {
                report.errors.push(format!("材料“{}”无法识别：{e}", d.file));
            }
        }
        report.verdict = verdict_of(&report.findings, !report.errors.is_empty());
        Timings::add(&self.timings.judge, started);
        Ok(report)
    }

    /// The submission's documents, and whether any was read from its scan
    /// here (or served from a cache keyed by the same reading) rather than
    /// given by `documents.json`.
    fn read_documents(&self, sub: &Submission) -> (Vec<DocumentInput>, bool) {
        let rs = self.engine.rule_set();
        if let Some(docs) = &sub.documents_override {
            let given = docs
                .iter()
                .map(|d| DocumentInput {
                    document: d.clone(),
                    subject: sub
                        .attachments
                        .iter()
                        .find(|a| a.file == d.file)
                        .and_then(|a| a.subject.clone()),
                })
                .collect();
            return (given, false);
        }
        let mut read = false;
        let documents = sub
            .attachments
            .iter()
            .map(|a| {
                let document = match (rs.document_kind(&a.kind), &a.path) {
                    (None, _) => ReadDocument {
                        file: a.file.clone(),
                        kind: a.kind.clone(),
                        fields: Default::default(),
                        pages: None,
                        error: None,
                    },
                    (Some(k), Err(why)) => {
                        prereview_ocr::unreadable(a.file.clone(), &rs.documents[k], why.clone())
                    }
                    (Some(k), Ok(path)) => {
                        read = true;
                        let hints = match a.subject.as_deref() {
                            Some(s) => subject_hints(&sub.form, s),
                            None => form_identifiers(&sub.form, &rs.documents[k]),
                        };
                        let mut d = self.read_one(path, &rs.documents[k], &hints, &a.file);
                        d.file = a.file.clone();
                        d
                    }
                };
                DocumentInput {
                    document,
                    subject: a.subject.clone(),
                }
            })
            .collect();
        (documents, read)
    }
}

impl prereview_batch::Reviewer for Pipeline {
    fn review(&self, submission_dir: &Path) -> Result<Report, String> {
        self.review_dir(submission_dir).map_err(|e| e.to_string())
    }

    fn cache_dir(&self) -> Option<std::path::PathBuf> {
        self.cache_root.clone()
    }

    fn document_counts(&self) -> (u64, u64) {
        (self.ocr_reads(), self.cache_hits())
    }

    fn reading(&self) -> Option<String> {
        Some(self.settings.reading())
    }

    /// Current when made under this rule set and, if it read scans, read the
    /// way this pipeline reads. A report that read nothing is current only
    /// when `documents.json` gave its documents: one without the reading key
    /// may come from a build that did not record it.
    fn is_current(&self, submission_dir: &Path, report: &Report) -> bool {
        let same_rules = report
            .rule_set
            .as_ref()
            .is_some_and(|r| r.version == self.engine.rule_set().version);
        let same_reading = match &report.reading {
            Some(r) => *r == self.settings.reading(),
            None => submission_dir
                .join(prereview_submission::DOCUMENTS_FILE)
                .is_file(),
        };
        same_rules && same_reading
    }
}

/// For a document tied to no person (the applicant's own 营业执照): the
/// form's identifiers named like the document's identifier fields (`uscc`).
/// They only confirm a number read as printed (see
/// `prereview_ocr::extract::confirm_identifiers`).
pub fn form_identifiers(
    form: &serde_json::Value,
    spec: &prereview_model::document::DocumentSpec,
) -> Hints {
    use prereview_model::document::FieldType::{ResidentId, Uscc};
    spec.fields
        .iter()
        .filter(|f| matches!(f.ty, ResidentId | Uscc))
        .filter_map(|f| {
            let v = form.get(&f.name)?.as_str()?;
            Some((f.name.clone(), prereview_validators::text::compact_code(v)))
        })
        .collect()
}

/// What the form says of the person a personal document belongs to: their ID
/// number (the attachment's `subject`) and, when the form names exactly one
/// person with that number (法定代表人, 股东, 从业人员…), their `name`.
/// Extraction uses them only to choose among readings of the page and to
/// doubt what cannot be checked, never as a value.
pub fn subject_hints(form: &serde_json::Value, subject: &str) -> Hints {
    fn walk<'a>(v: &'a serde_json::Value, subject: &str, names: &mut Vec<&'a str>) {
        match v {
            serde_json::Value::Object(o) => {
                let same = o
                    .get("id_number")
                    .and_then(|n| n.as_str())
                    .is_some_and(|n| prereview_validators::text::compact_code(n) == subject);
                if let (true, Some(name)) = (same, o.get("name").and_then(|n| n.as_str())) {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                o.values().for_each(|x| walk(x, subject, names));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, subject, names)),
            _ => {}
        }
    }
    let subject = prereview_validators::text::compact_code(subject);
    let mut names = Vec::new();
    walk(form, &subject, &mut names);
    let mut hints = Hints::from([("id_number".to_string(), subject)]);
    if let [name] = names.as_slice() {
        hints.insert("name".into(), name.to_string());
    }
    hints
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_document_of_no_person_gets_the_forms_identifiers_of_its_fields() {
        let spec = prereview_ocr::specs::builtin()
            .into_iter()
            .find(|s| s.kind == "business_license")
            .unwrap();
        let form = json!({"unit_name": "某某公司", "uscc": "91350100m000100y43", "legal_representative": {"name": "张三"}});
        let h = form_identifiers(&form, &spec);
        assert_eq!(
            h,
            Hints::from([("uscc".to_string(), "91350100M000100Y43".to_string())])
        );
        assert!(form_identifiers(&json!({}), &spec).is_empty());
    }

    #[test]
    fn a_subject_is_named_when_the_form_names_one_person_with_that_number() {
        let form = json!({
            "legal_representative": {"name": "韦昳", "id_number": "230206195607216495"},
            "shareholders": [
                {"name": "韦昳", "kind": "natural", "id_number": "230206195607216495"},
                {"name": "张三", "kind": "natural", "id_number": "11010519491231002x"}
            ]
        });
        let h = subject_hints(&form, "230206195607216495");
        assert_eq!(h.get("name").map(String::as_str), Some("韦昳"));
        assert_eq!(
            h.get("id_number").map(String::as_str),
            Some("230206195607216495")
        );
        // Number written with a lower-case x on the form.
        let h = subject_hints(&form, "11010519491231002X");
        assert_eq!(h.get("name").map(String::as_str), Some("张三"));
        // Nobody with that number: the number only.
        let h = subject_hints(&form, "110101199001011234");
        assert_eq!(h.len(), 1);
        // Two different names for one number: none.
        let form =
            json!({"a": {"name": "甲", "id_number": "1"}, "b": {"name": "乙", "id_number": "1"}});
        assert!(!subject_hints(&form, "1").contains_key("name"));
    }
}
