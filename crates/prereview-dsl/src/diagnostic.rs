//! Compiler diagnostics: a stable code, a primary span with a label, optional
//! secondary labels and a help line. Rendered with miette.

use crate::ast::Span;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use std::fmt;
use std::sync::Arc;

/// One source file of a rule pack (rule file, parameter file, table, test).
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as shown to the user (relative to the rules folder when possible).
    pub name: String,
    pub text: Arc<str>,
}

impl SourceFile {
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// All files a compilation read; diagnostics point into it by index.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    pub files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
        self.files.push(SourceFile {
            name: name.into(),
            text: text.into(),
        });
        FileId(self.files.len() as u32 - 1)
    }
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FileId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Warning,
    Error,
}

/// A problem found in the rules, with where and what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub level: Level,
    /// Stable code, e.g. `E0201`; listed in `docs/diagnostics.md`.
    pub code: &'static str,
    pub message: String,
    pub file: FileId,
    pub span: Span,
    pub label: String,
    pub help: Option<String>,
    pub related: Vec<(FileId, Span, String)>,
}

impl Diagnostic {
    pub fn error(code: &'static str, file: FileId, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            level: Level::Error,
            code,
            message: message.into(),
            file,
            span,
            label: String::new(),
            help: None,
            related: Vec::new(),
        }
    }
    pub fn warning(
        code: &'static str,
        file: FileId,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            level: Level::Warning,
            ..Diagnostic::error(code, file, span, message)
        }
    }
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn related(mut self, file: FileId, span: Span, label: impl Into<String>) -> Self {
        self.related.push((file, span, label.into()));
        self
    }
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }

    /// `file:line:col: error[E0201]: message` — the one-line form.
    pub fn headline(&self, sources: &SourceMap) -> String {
        let f = sources.get(self.file);
        let (line, col) = f.line_col(self.span.start);
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        format!(
            "{}:{}:{}: {}[{}]: {}",
            f.name, line, col, level, self.code, self.message
        )
    }

    /// The full form with the source line, a caret under the span, labels and help.
    pub fn render(&self, sources: &SourceMap, color: bool) -> String {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
        let mut out = String::new();
        out.push_str(&self.headline(sources));
        out.push('\n');
        let report = Rendered {
            diag: self,
            sources,
            named: named_source(sources.get(self.file)),
        };
        if handler.render_report(&mut out, &report).is_err() {
            // The headline above already says where; rendering the snippet is a bonus.
        }
        out
    }
}

/// Adapter that lets miette draw one diagnostic (its snippet must come from one file;
/// related labels in other files are listed as help lines).
struct Rendered<'a> {
    diag: &'a Diagnostic,
    sources: &'a SourceMap,
    named: NamedSource<String>,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}
impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}
impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.level {
            Level::Error => miette::Severity::Error,
            Level::Warning => miette::Severity::Warning,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let mut lines: Vec<String> = self.diag.help.iter().cloned().collect();
        for (file, span, label) in &self.diag.related {
            if *file != self.diag.file {
                let f = self.sources.get(*file);
                let (l, c) = f.line_col(span.start);
                lines.push(format!("{}:{}:{}: {}", f.name, l, c, label));
            }
        }
        if lines.is_empty() {
            None
        } else {
            Some(Box::new(lines.join("\n")))
        }
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.named as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let len = |s: Span| s.end.saturating_sub(s.start).max(1);
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            (!self.diag.label.is_empty()).then(|| self.diag.label.clone()),
            (self.diag.span.start, len(self.diag.span)),
        )];
        for (file, span, label) in &self.diag.related {
            if *file == self.diag.file {
                labels.push(LabeledSpan::new_with_span(
                    Some(label.clone()),
                    (span.start, len(*span)),
                ));
            }
        }
        Some(Box::new(labels.into_iter()))
    }
}

/// Keeps `NamedSource` reachable for callers who want miette's own reports.
pub fn named_source(file: &SourceFile) -> NamedSource<String> {
    NamedSource::new(file.name.clone(), file.text.to_string())
}

/// The closest candidate to `name` by edit distance, if close enough to suggest.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(&str, f64)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(name, c);
        let close = score >= 0.8 || strsim::levenshtein(name, c) <= 2.max(name.chars().count() / 4);
        if close && best.is_none_or(|(_, s)| score > s) {
            best = Some((c, score));
        }
    }
    best.map(|(c, _)| c)
}
