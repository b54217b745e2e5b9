//! From parsed files to a [`RuleSet`]: schema building, name resolution, type
//! checking and lowering. Every problem becomes a [`Diagnostic`]; checking goes on
//! after an error (with the `Error` type) so that one mistake never hides the next.

use crate::ast::{self, BinOp, ExprKind, RuleMember, Span, StrPart, UnOp};
use crate::builtins::{self, Params};
use crate::diagnostic::{did_you_mean, Diagnostic, FileId, SourceMap};
use crate::ir::*;
use crate::syntax;
use crate::types::*;
use chrono::NaiveDate;
use prereview_model::document::DocumentSpec;
use prereview_model::report::Severity;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

/// The outcome of compiling: the rule set when there were no errors, and every
/// diagnostic (warnings too) with the sources they point into.
pub struct Compilation {
    pub rule_set: Option<Arc<RuleSet>>,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: SourceMap,
}

impl Compilation {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

/// Compiles a rules folder given as (path relative to the folder, text) pairs.
///
/// Layout: `params.toml`, `tables/*.toml`, `documents/*.toml`, and one folder per
/// procedure with `*.rules` files (and an optional `params.toml`). Other files
/// (tests, CSV data, licences) are ignored here.
pub fn compile(files: &[(String, String)]) -> Compilation {
    let mut c = Compiler::default();
    let mut files: Vec<&(String, String)> = files.iter().collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));

    let mut hasher = Sha256::new();
    for (path, text) in &files {
        let relevant =
            path.ends_with(".rules") || path.ends_with(".toml") && !path.contains("/tests/");
        if relevant {
            hasher.update(path.as_bytes());
            hasher.update([0]);
            hasher.update(text.as_bytes());
            hasher.update([0]);
        }
    }
    let digest = hasher.finalize();
    let version: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();

    // Documents first (the rules refer to them), then params and tables, then rules.
    for (path, text) in files
        .iter()
        .filter(|(p, _)| p.starts_with("documents/") && p.ends_with(".toml"))
    {
        c.load_document(path, text);
    }
    for (path, text) in files
        .iter()
        .filter(|(p, _)| p.ends_with("params.toml") && !p.contains("/tests/"))
    {
        c.load_params(path, text);
    }
    for (path, text) in files
        .iter()
        .filter(|(p, _)| p.starts_with("tables/") && p.ends_with(".toml"))
    {
        c.load_table(path, text);
    }
    let mut modules = Vec::new();
    for (path, text) in files.iter().filter(|(p, _)| p.ends_with(".rules")) {
        let file = c.sources.add(path.clone(), text.as_str());
        let (module, diags) = syntax::parse_module(text, file);
        c.diags.extend(diags);
        let pack = path.split('/').next().unwrap_or("").to_string();
        modules.push((pack, file, module));
    }
    c.build_documents();
    c.compile_modules(modules);

    let has_errors = c.diags.iter().any(|d| d.is_error());
    let rule_set = (!has_errors).then(|| {
        Arc::new(RuleSet {
            version,
            records: c.records,
            documents: c.documents.into_iter().map(|(d, _)| d).collect(),
            document_records: c.document_records,
            procedures: c.procedures,
            params: c.params.into_iter().map(|(p, _)| p).collect(),
            tables: c.tables.into_iter().map(|(t, _)| t).collect(),
            sources: c.sources.clone(),
        })
    });
    Compilation {
        rule_set,
        diagnostics: c.diags,
        sources: c.sources,
    }
}

#[derive(Default)]
struct Compiler {
    sources: SourceMap,
    diags: Vec<Diagnostic>,
    records: Vec<RecordSchema>,
    documents: Vec<(DocumentSpec, FileId)>,
    document_records: Vec<RecordId>,
    procedures: Vec<Procedure>,
    params: Vec<(Param, FileId)>,
    tables: Vec<(Table, FileId)>,
    rule_ids: HashMap<String, (FileId, Span)>,
}

/// Where a TOML value sits, for diagnostics on data files.
fn toml_span(e: &toml::de::Error, text: &str) -> Span {
    e.span().map_or(Span::new(0, text.len().min(1)), |r| {
        Span::new(r.start, r.end)
    })
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ParamFile(HashMap<String, ParamEntry>);

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ParamEntry {
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    title: String,
    value: Option<toml::Value>,
    #[serde(default)]
    versions: Vec<ParamVersion>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ParamVersion {
    from: Option<toml::value::Datetime>,
    until: Option<toml::value::Datetime>,
    value: toml::Value,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    #[serde(default)]
    title: String,
    #[serde(default)]
    #[allow(dead_code)]
    source: String,
    #[serde(default)]
    entries: Option<Vec<String>>,
    #[serde(default)]
    versions: Vec<TableVersion>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TableVersion {
    from: Option<toml::value::Datetime>,
    until: Option<toml::value::Datetime>,
    entries: Vec<String>,
}

fn toml_date(d: &Option<toml::value::Datetime>) -> Result<Option<NaiveDate>, String> {
    match d {
        None => Ok(None),
        Some(dt) => match dt.date {
            Some(date) => {
                NaiveDate::from_ymd_opt(date.year as i32, date.month as u32, date.day as u32)
                    .map(Some)
                    .ok_or_else(|| format!("{dt} is not a calendar date"))
            }
            None => Err(format!("{dt} has no date part")),
        },
    }
}

fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".toml").unwrap_or(name)
}

impl Compiler {
    fn load_document(&mut self, path: &str, text: &str) {
        let file = self.sources.add(path, text);
        match toml::from_str::<DocumentSpec>(text) {
            Ok(spec) => {
                if spec.kind != file_stem(path) {
                    self.diags.push(
                        Diagnostic::error("E0104", file, find_span(text, &spec.kind), format!("document kind `{}` is declared in a file named `{}`", spec.kind, path))
                            .label("kind declared here")
                            .help(format!("name the file `documents/{}.toml`, so that kinds are easy to find", spec.kind)),
                    );
                }
                if let Some((_, other)) = self.documents.iter().find(|(d, _)| d.kind == spec.kind) {
                    let other = *other;
                    self.diags.push(
                        Diagnostic::error("E0105", file, Span::new(0, 1), format!("document kind `{}` is declared twice", spec.kind))
                            .related(other, Span::new(0, 1), "first declared here"),
                    );
                    return;
                }
                self.documents.push((spec, file));
            }
            Err(e) => self.diags.push(
                Diagnostic::error("E0101", file, toml_span(&e, text), format!("invalid document declaration: {}", e.message()))
                    .label("here")
                    .help("a document kind has `kind`, `title` and `[[fields]]` with `name`, `title`, `type` (text, number, money, date, resident_id, uscc)"),
            ),
        }
    }

    fn load_params(&mut self, path: &str, text: &str) {
        let file = self.sources.add(path, text);
        let parsed: ParamFile = match toml::from_str(text) {
            Ok(p) => p,
            Err(e) => {
                self.diags.push(
                    Diagnostic::error("E0102", file, toml_span(&e, text), format!("invalid parameter file: {}", e.message()))
                        .label("here")
                        .help("each parameter is a table with `type`, `title` and either `value` or `[[name.versions]]` with `from`/`until`/`value`"),
                );
                return;
            }
        };
        let mut names: Vec<&String> = parsed.0.keys().collect();
        names.sort();
        for name in names {
            let entry = &parsed.0[name];
            let span = find_span(text, &format!("[{name}"));
            let ty = match SCALAR_TYPES.iter().find(|(n, _)| *n == entry.ty) {
                Some((_, t)) => t.clone(),
                None => {
                    let mut d = Diagnostic::error(
                        "E0103",
                        file,
                        find_span(text, &format!("\"{}\"", entry.ty)),
                        format!("unknown parameter type `{}`", entry.ty),
                    )
                    .label("not a type");
                    if let Some(s) = did_you_mean(&entry.ty, SCALAR_TYPES.iter().map(|(n, _)| *n)) {
                        d = d.help(format!("did you mean `{s}`?"));
                    }
                    self.diags.push(d);
                    continue;
                }
            };
            let mut versions = Vec::new();
            let mut raw: Vec<(Option<NaiveDate>, Option<NaiveDate>, &toml::Value)> = Vec::new();
            if let Some(v) = &entry.value {
                raw.push((None, None, v));
            }
            for v in &entry.versions {
                match (toml_date(&v.from), toml_date(&v.until)) {
                    (Ok(f), Ok(u)) => raw.push((f, u, &v.value)),
                    (Err(m), _) | (_, Err(m)) => self.diags.push(Diagnostic::error(
                        "E0106",
                        file,
                        span,
                        format!("parameter `{name}`: {m}"),
                    )),
                }
            }
            if raw.is_empty() {
                self.diags.push(
                    Diagnostic::error(
                        "E0107",
                        file,
                        span,
                        format!("parameter `{name}` has no value"),
                    )
                    .help("give it `value = …` or one or more `[[…versions]]`"),
                );
            }
            for (from, until, v) in raw {
                match lit_of_toml(v, &ty) {
                    Some(lit) => versions.push(Versioned { from, until, value: lit }),
                    None => self.diags.push(
                        Diagnostic::error("E0108", file, span, format!("parameter `{name}` is declared `{}` but its value is `{v}`", entry.ty))
                            .help("money is written in 万元 as a number; dates as YYYY-MM-DD strings or TOML dates"),
                    ),
                }
            }
            check_overlaps(&versions, name, file, span, &mut self.diags);
            if let Some((_, prev)) = self.params.iter().find(|(p, _)| p.name == *name) {
                let prev = *prev;
                self.diags.push(
                    Diagnostic::error(
                        "E0109",
                        file,
                        span,
                        format!("parameter `{name}` is defined twice"),
                    )
                    .related(
                        prev,
                        Span::new(0, 1),
                        "first defined in this file",
                    ),
                );
                continue;
            }
            self.params.push((
                Param {
                    name: name.clone(),
                    title: entry.title.clone(),
                    ty,
                    versions,
                },
                file,
            ));
        }
    }

    fn load_table(&mut self, path: &str, text: &str) {
        let file = self.sources.add(path, text);
        let name = file_stem(path).to_string();
        let parsed: TableFile = match toml::from_str(text) {
            Ok(t) => t,
            Err(e) => {
                self.diags.push(
                    Diagnostic::error("E0110", file, toml_span(&e, text), format!("invalid table file: {}", e.message()))
                        .label("here")
                        .help("a table has `title`, `source` and `entries = [...]` or `[[versions]]` with `from`/`until`/`entries`"),
                );
                return;
            }
        };
        let mut versions = Vec::new();
        if let Some(entries) = parsed.entries {
            versions.push(Versioned {
                from: None,
                until: None,
                value: TableData::new(entries),
            });
        }
        for v in parsed.versions {
            match (toml_date(&v.from), toml_date(&v.until)) {
                (Ok(from), Ok(until)) => versions.push(Versioned {
                    from,
                    until,
                    value: TableData::new(v.entries),
                }),
                (Err(m), _) | (_, Err(m)) => self.diags.push(Diagnostic::error(
                    "E0106",
                    file,
                    Span::new(0, 1),
                    format!("table `{name}`: {m}"),
                )),
            }
        }
        check_overlaps(&versions, &name, file, Span::new(0, 1), &mut self.diags);
        self.tables.push((
            Table {
                name,
                title: parsed.title,
                versions,
            },
            file,
        ));
    }

    /// Gives every document kind a record schema: its fields, then `file` and `subject`.
    fn build_documents(&mut self) {
        for (i, (spec, file)) in self.documents.iter().enumerate() {
            let mut fields: Vec<FieldSchema> = Vec::new();
            for f in &spec.fields {
                if fields.iter().any(|x| x.name == f.name)
                    || f.name == "file"
                    || f.name == "subject"
                {
                    self.diags.push(
                        Diagnostic::error(
                            "E0111",
                            *file,
                            find_span(&self.sources.get(*file).text, &format!("\"{}\"", f.name)),
                            format!(
                                "field `{}` of `{}` is declared twice or uses a reserved name",
                                f.name, spec.kind
                            ),
                        )
                        .help("`file` and `subject` are provided for every document"),
                    );
                    continue;
                }
                fields.push(FieldSchema {
                    name: f.name.clone(),
                    title: f.title.clone(),
                    ty: type_of_field(f.ty),
                    optional: false,
                    field_type: Some(f.ty),
                });
            }
            fields.push(FieldSchema {
                name: "file".into(),
                title: "文件".into(),
                ty: Type::Text,
                optional: false,
                field_type: None,
            });
            fields.push(FieldSchema {
                name: "subject".into(),
                title: "所属人身份号码".into(),
                ty: Type::Text,
                optional: true,
                field_type: None,
            });
            self.records.push(RecordSchema {
                name: spec.kind.clone(),
                fields,
                document: Some(i as u16),
            });
            self.document_records
                .push(RecordId(self.records.len() as u32 - 1));
        }
    }

    fn compile_modules(&mut self, modules: Vec<(String, FileId, ast::Module)>) {
        // Procedures first: each pack folder declares one.
        let mut packs: HashMap<String, usize> = HashMap::new();
        for (pack, file, module) in &modules {
            for p in &module.procedures {
                if let Some(&existing) = packs.get(pack) {
                    let prev = &self.procedures[existing];
                    self.diags.push(
                        Diagnostic::error("E0112", *file, p.name.span, format!("folder `{pack}` declares a second procedure `{}`", p.name.name))
                            .help(format!("one folder is one rule pack for one procedure (`{}` is declared already)", prev.name)),
                    );
                    continue;
                }
                let form = match &p.form {
                    Some(f) => self.record_type(f, "form", *file),
                    None => {
                        self.diags.push(Diagnostic::error("E0113", *file, p.name.span, format!("procedure `{}` has no `form` block", p.name.name)).help("declare the form's fields: `form { company_name: text \"企业名称\" … }`"));
                        self.records.push(RecordSchema {
                            name: "form".into(),
                            fields: vec![],
                            document: None,
                        });
                        RecordId(self.records.len() as u32 - 1)
                    }
                };
                packs.insert(pack.clone(), self.procedures.len());
                self.procedures.push(Procedure {
                    name: p.name.name.clone(),
                    title: p.title.plain(),
                    form,
                    requirements: Vec::new(),
                    rules: Vec::new(),
                });
            }
        }
        for (pack, file, module) in &modules {
            let Some(&pi) = packs.get(pack) else {
                if let Some(r) = module.rules.first() {
                    self.diags.push(
                        Diagnostic::error("E0114", *file, r.id.span, format!("rules in folder `{pack}` belong to no procedure"))
                            .help("put a `procedure NAME \"标题\" { form { … } }` declaration in one file of the folder"),
                    );
                }
                continue;
            };
            for p in &module.procedures {
                if self.procedures[pi].name == p.name.name
                    && self.procedures[pi].requirements.is_empty()
                {
                    let reqs: Vec<Requirement> = p
                        .requirements
                        .iter()
                        .map(|r| self.requirement(r, pi, *file))
                        .collect();
                    self.procedures[pi].requirements = reqs;
                }
            }
            for r in &module.rules {
                if let Some(rule) = self.rule(r, pi, *file) {
                    self.procedures[pi].rules.push(rule);
                }
            }
        }
    }

    fn record_type(&mut self, r: &ast::RecordTypeAst, name: &str, file: FileId) -> RecordId {
        let mut fields: Vec<FieldSchema> = Vec::new();
        for f in &r.fields {
            if let Some(prev) = r
                .fields
                .iter()
                .take_while(|x| !std::ptr::eq(*x, f))
                .find(|x| x.name.name == f.name.name)
            {
                self.diags.push(
                    Diagnostic::error(
                        "E0115",
                        file,
                        f.name.span,
                        format!("field `{}` is declared twice", f.name.name),
                    )
                    .related(file, prev.name.span, "first declared here"),
                );
                continue;
            }
            let path = format!("{name}.{}", f.name.name);
            let ty = match &f.ty {
                ast::TypeAst::Named(t) => match SCALAR_TYPES.iter().find(|(n, _)| *n == t.name) {
                    Some((_, ty)) => ty.clone(),
                    None => {
                        let mut d = Diagnostic::error(
                            "E0116",
                            file,
                            t.span,
                            format!("unknown type `{}`", t.name),
                        )
                        .label("not a type");
                        d = match did_you_mean(&t.name, SCALAR_TYPES.iter().map(|(n, _)| *n)) {
                            Some(s) => d.help(format!("did you mean `{s}`?")),
                            None => d.help("types are text, number, money, date, bool, `{ … }` records and `list { … }`"),
                        };
                        self.diags.push(d);
                        Type::Error
                    }
                },
                ast::TypeAst::Record(rt) => Type::Record(self.record_type(rt, &path, file)),
                ast::TypeAst::List(rt) => Type::List(Box::new(Type::Record(self.record_type(
                    rt,
                    &format!("{path}[]"),
                    file,
                )))),
            };
            fields.push(FieldSchema {
                name: f.name.name.clone(),
                title: f.title.as_ref().map(|t| t.plain()).unwrap_or_default(),
                ty,
                optional: f.optional,
                field_type: None,
            });
        }
        self.records.push(RecordSchema {
            name: name.to_string(),
            fields,
            document: None,
        });
        RecordId(self.records.len() as u32 - 1)
    }

    fn requirement(&mut self, r: &ast::Requirement, pi: usize, file: FileId) -> Requirement {
        let mut scope = Scope::new(self.procedures[pi].form, file);
        let mut kinds = Vec::new();
        for k in &r.kinds {
            match self.documents.iter().position(|(d, _)| d.kind == k.name) {
                Some(i) => kinds.push(i as u16),
                None => self.unknown_kind(k, file),
            }
        }
        let each = r.each.as_ref().map(|b| self.binder(b, &mut scope));
        let by =
            r.by.as_ref()
                .map(|e| self.expect(e, &Type::Text, &mut scope, "the person's ID number"));
        let when = r
            .when
            .as_ref()
            .map(|e| self.expect(e, &Type::Bool, &mut scope, "a condition"));
        Requirement {
            title: r.title.plain(),
            kinds,
            each,
            by,
            when,
            frame_size: scope.frame_size,
        }
    }

    fn unknown_kind(&mut self, k: &ast::Ident, file: FileId) {
        let mut d = Diagnostic::error(
            "E0201",
            file,
            k.span,
            format!("unknown document kind `{}`", k.name),
        )
        .label("no such document kind");
        if let Some(s) = did_you_mean(&k.name, self.documents.iter().map(|(d, _)| d.kind.as_str()))
        {
            d = d.help(format!("did you mean `{s}`?"));
        } else {
            d = d.help("document kinds are declared in `documents/<kind>.toml`");
        }
        self.diags.push(d);
    }

    fn binder(&mut self, b: &ast::Binder, scope: &mut Scope) -> Binder {
        let (list, lty) = self.expr(&b.list, scope);
        let list = crate::fold::fold(list);
        let item_ty = match lty {
            Type::List(t) => *t,
            Type::Error => Type::Error,
            other => {
                self.diags.push(
                    Diagnostic::error(
                        "E0301",
                        scope.file,
                        b.list.span,
                        format!(
                            "`for each` needs a list, this is {}",
                            TypeName(&other, &self.records)
                        ),
                    )
                    .label("not a list"),
                );
                Type::Error
            }
        };
        let slot = scope.bind(&b.var.name, item_ty);
        let filter = b
            .filter
            .as_ref()
            .map(|f| self.expect(f, &Type::Bool, scope, "a condition"));
        Binder { slot, list, filter }
    }

    fn rule(&mut self, r: &ast::RuleDecl, pi: usize, file: FileId) -> Option<Rule> {
        if let Some((pfile, pspan)) = self.rule_ids.get(&r.id.name).copied() {
            self.diags.push(
                Diagnostic::error(
                    "E0401",
                    file,
                    r.id.span,
                    format!("rule id `{}` is used twice", r.id.name),
                )
                .label("second use")
                .related(pfile, pspan, "first used here")
                .help("rule ids are stable codes: give the new rule its own"),
            );
        } else {
            self.rule_ids.insert(r.id.name.clone(), (file, r.id.span));
        }
        let mut scope = Scope::new(self.procedures[pi].form, file);
        let (mut category, mut severity, mut basis, mut from, mut until) =
            (None, None, None, None, None);
        let (mut lets, mut item_lets, mut for_each, mut when, mut checks, mut message) =
            (Vec::new(), Vec::new(), None, None, Vec::new(), None);
        let mut when_span = None;
        for m in &r.members {
            match m {
                RuleMember::Category(c) => match Category::ALL.iter().find(|(n, _)| *n == c.name) {
                    Some((_, cat)) => category = Some(*cat),
                    None => {
                        let mut d = Diagnostic::error(
                            "E0402",
                            file,
                            c.span,
                            format!("unknown category `{}`", c.name),
                        )
                        .label("not a category");
                        d = d.help(
                            match did_you_mean(&c.name, Category::ALL.iter().map(|(n, _)| *n)) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => "categories are completeness, validity, consistency, legal"
                                    .into(),
                            },
                        );
                        self.diags.push(d);
                    }
                },
                RuleMember::Severity(s) => severity = self.severity(s, file),
                RuleMember::Basis(b) => {
                    if b.plain().trim().is_empty() {
                        self.diags.push(Diagnostic::error("E0404", file, b.span, "the legal basis is empty").help("cite the law and article: basis \"《中华人民共和国公司法》第四十七条\""));
                    } else if !b.plain().contains('《') && !b.plain().contains("GB") {
                        self.diags.push(
                            Diagnostic::warning(
                                "W0405",
                                file,
                                b.span,
                                "the legal basis names no law",
                            )
                            .label("no 《…》 title here")
                            .help("cite the law by its title in 《》 and the article"),
                        );
                    }
                    basis = Some(b.plain());
                }
                RuleMember::Effective {
                    from: f,
                    until: u,
                    span,
                } => {
                    from = f.map(|x| x.0);
                    until = u.map(|x| x.0);
                    if let (Some(f), Some(u)) = (f, u) {
                        if u.0 <= f.0 {
                            self.diags.push(
                                Diagnostic::error(
                                    "E0406",
                                    file,
                                    *span,
                                    "the rule ends before it starts",
                                )
                                .label(format!("until {} is not after from {}", u.0, f.0)),
                            );
                        }
                    }
                }
                RuleMember::Let(name, e) => {
                    let (ir, ty) = self.expr(e, &mut scope);
                    let ir = crate::fold::fold(ir);
                    let slot = scope.bind(&name.name, ty);
                    if for_each.is_some() {
                        item_lets.push((slot, ir));
                    } else {
                        lets.push((slot, ir));
                    }
                }
                RuleMember::ForEach(b) => {
                    if for_each.is_some() {
                        self.diags.push(
                            Diagnostic::error(
                                "E0407",
                                file,
                                b.span,
                                "a rule has at most one `for each`",
                            )
                            .help("nest a quantifier instead: `all x in …: …`"),
                        );
                        continue;
                    }
                    for_each = Some(self.binder(b, &mut scope));
                }
                RuleMember::When(e) => {
                    when_span = Some(e.span);
                    when = Some(crate::fold::fold(self.expect(
                        e,
                        &Type::Bool,
                        &mut scope,
                        "a condition",
                    )));
                }
                RuleMember::Check(c) => {
                    let errors_before = self.diags.iter().filter(|d| d.is_error()).count();
                    let expr = crate::fold::fold(self.expect(
                        &c.expr,
                        &Type::Bool,
                        &mut scope,
                        "a condition",
                    ));
                    let clean = self.diags.iter().filter(|d| d.is_error()).count() == errors_before;
                    if clean && matches!(expr, Ir::Lit(Lit::Bool(true))) {
                        self.diags.push(
                            Diagnostic::warning(
                                "W0410",
                                file,
                                c.expr.span,
                                "this check can never fail",
                            )
                            .label("always true")
                            .help("a check states what must hold; compare the submission's values"),
                        );
                    }
                    let sev = c.severity.as_ref().and_then(|s| self.severity(s, file));
                    let msg = c.message.as_ref().map(|m| self.template(m, &mut scope));
                    checks.push((expr, sev, msg));
                }
                RuleMember::Message(m) => message = Some(self.template(m, &mut scope)),
            }
        }
        // `message` right after the last check belongs to the rule, unless every
        // check has its own (then each check explains its own failure).
        if message.is_none()
            && checks.len() > 1
            && checks[..checks.len() - 1]
                .iter()
                .all(|(_, _, m)| m.is_none())
        {
            if let Some((_, _, m)) = checks.last_mut() {
                message = m.take();
            }
        }
        let missing = |what: &str, help: &str| {
            Diagnostic::error(
                "E0403",
                file,
                r.id.span,
                format!("rule `{}` has no {what}", r.id.name),
            )
            .label(format!("{what} missing"))
            .help(help.to_string())
        };
        if basis.is_none() {
            self.diags.push(missing(
                "legal basis",
                "every rule cites its legal basis: basis \"《市场主体登记管理条例》第十六条\"",
            ));
        }
        if category.is_none()
            && !r
                .members
                .iter()
                .any(|m| matches!(m, RuleMember::Category(_)))
        {
            self.diags.push(missing(
                "category",
                "add `category completeness|validity|consistency|legal`",
            ));
        }
        if severity.is_none()
            && !r
                .members
                .iter()
                .any(|m| matches!(m, RuleMember::Severity(_)))
        {
            self.diags.push(missing("severity", "add `severity reject` (the applicant must correct) or `severity review` (a person decides)"));
        }
        if checks.is_empty() {
            self.diags.push(missing(
                "check",
                "add `check <condition>`: what must hold for the submission to pass",
            ));
        }
        if message.is_none() && checks.iter().any(|(_, _, m)| m.is_none()) {
            self.diags.push(missing("message", "add `message \"…\"` telling the applicant what to correct; `{expr}` inserts values"));
        }
        if let (Some(Ir::Lit(Lit::Bool(false))), Some(span)) = (&when, when_span) {
            self.diags.push(
                Diagnostic::warning("W0408", file, span, "this rule never applies")
                    .label("always false"),
            );
        }
        let severity = severity.unwrap_or(Severity::Reject);
        Some(Rule {
            id: r.id.name.clone(),
            title: r.title.plain(),
            category: category.unwrap_or(Category::Validity),
            severity,
            basis: basis.unwrap_or_default(),
            from,
            until,
            frame_size: scope.frame_size,
            lets,
            for_each,
            item_lets,
            when,
            checks: checks
                .into_iter()
                .map(|(expr, sev, message)| Check {
                    expr,
                    severity: sev.unwrap_or(severity),
                    message,
                })
                .collect(),
            message: message.unwrap_or_default(),
            file,
            span: r.span,
        })
    }

    fn severity(&mut self, s: &ast::Ident, file: FileId) -> Option<Severity> {
        const ALL: [(&str, Severity); 3] = [
            ("reject", Severity::Reject),
            ("review", Severity::Review),
            ("warn", Severity::Warn),
        ];
        match ALL.iter().find(|(n, _)| *n == s.name) {
            Some((_, sev)) => Some(*sev),
            None => {
                let mut d = Diagnostic::error(
                    "E0409",
                    file,
                    s.span,
                    format!("unknown severity `{}`", s.name),
                )
                .label("not a severity");
                d = d.help(match did_you_mean(&s.name, ALL.iter().map(|(n, _)| *n)) {
                    Some(x) => format!("did you mean `{x}`?"),
                    None => "severities are reject, review and warn".into(),
                });
                self.diags.push(d);
                None
            }
        }
    }

    fn template(&mut self, s: &ast::Str, scope: &mut Scope) -> Template {
        let mut parts = Vec::new();
        for p in &s.parts {
            match p {
                StrPart::Lit(l) => parts.push(TemplatePart::Lit(l.clone())),
                StrPart::Expr(e, _) => {
                    let (ir, ty) = self.expr(e, scope);
                    if matches!(ty, Type::Record(_) | Type::Table) {
                        self.diags.push(
                            Diagnostic::error(
                                "E0302",
                                scope.file,
                                e.span,
                                format!(
                                    "{} cannot be shown in a message",
                                    TypeName(&ty, &self.records)
                                ),
                            )
                            .help("interpolate one of its fields"),
                        );
                    }
                    parts.push(TemplatePart::Expr(ir));
                }
            }
        }
        Template { parts }
    }

    fn expect(&mut self, e: &ast::Expr, want: &Type, scope: &mut Scope, what: &str) -> Ir {
        let (ir, ty) = self.expr(e, scope);
        if !ty.fits(want) {
            self.diags.push(
                Diagnostic::error(
                    "E0303",
                    scope.file,
                    e.span,
                    format!(
                        "expected {what} ({}), found {}",
                        TypeName(want, &self.records),
                        TypeName(&ty, &self.records)
                    ),
                )
                .label(format!("this is {}", TypeName(&ty, &self.records))),
            );
        }
        ir
    }

    fn type_error(&mut self, file: FileId, span: Span, msg: String, label: String) {
        self.diags
            .push(Diagnostic::error("E0303", file, span, msg).label(label));
    }

    fn expr(&mut self, e: &ast::Expr, scope: &mut Scope) -> (Ir, Type) {
        let file = scope.file;
        match &e.kind {
            ExprKind::Error => (Ir::Lit(Lit::Bool(false)), Type::Error),
            ExprKind::Bool(b) => (Ir::Lit(Lit::Bool(*b)), Type::Bool),
            ExprKind::Number(n) => (Ir::Lit(Lit::Number(*n)), Type::Number),
            ExprKind::Date(d) => (Ir::Lit(Lit::Date(*d)), Type::Date),
            ExprKind::Text(s) => {
                if s.has_interpolation() {
                    self.diags.push(
                        Diagnostic::error(
                            "E0304",
                            file,
                            s.span,
                            "`{…}` interpolation is only for messages",
                        )
                        .help("write `{{` for a literal brace"),
                    );
                }
                (Ir::Lit(Lit::Text(s.plain().into())), Type::Text)
            }
            ExprKind::List(items) => {
                let mut irs = Vec::new();
                let mut ty: Option<Type> = None;
                for it in items {
                    let (ir, t) = self.expr(it, scope);
                    if let Some(prev) = &ty {
                        if !t.fits(prev) {
                            self.type_error(
                                file,
                                it.span,
                                format!(
                                    "list items must have one type: {} after {}",
                                    TypeName(&t, &self.records),
                                    TypeName(prev, &self.records)
                                ),
                                "different type".into(),
                            );
                        }
                    } else {
                        ty = Some(t);
                    }
                    irs.push(ir);
                }
                (
                    Ir::List(irs),
                    Type::List(Box::new(ty.unwrap_or(Type::Text))),
                )
            }
            ExprKind::Name(id) => self.name(id, scope),
            ExprKind::Field(base, field) => self.field(base, field, scope),
            ExprKind::Index(base, idx) => {
                let (b, bt) = self.expr(base, scope);
                let i = self.expect(idx, &Type::Number, scope, "an index");
                match bt {
                    Type::List(t) => (Ir::Index(Box::new(b), Box::new(i)), *t),
                    Type::Error => (Ir::Lit(Lit::Bool(false)), Type::Error),
                    other => {
                        self.type_error(
                            file,
                            base.span,
                            format!(
                                "only lists can be indexed, this is {}",
                                TypeName(&other, &self.records)
                            ),
                            "not a list".into(),
                        );
                        (Ir::Lit(Lit::Bool(false)), Type::Error)
                    }
                }
            }
            ExprKind::Unary(op, inner) => match op {
                UnOp::Not => (
                    Ir::Not(Box::new(self.expect(
                        inner,
                        &Type::Bool,
                        scope,
                        "a condition after `not`",
                    ))),
                    Type::Bool,
                ),
                UnOp::Neg => {
                    let (ir, t) = self.expr(inner, scope);
                    if !matches!(t, Type::Number | Type::Money | Type::Error) {
                        self.type_error(
                            file,
                            inner.span,
                            format!("cannot negate {}", TypeName(&t, &self.records)),
                            "not a number".into(),
                        );
                    }
                    (Ir::Neg(Box::new(ir)), t)
                }
            },
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r, e.span, scope),
            ExprKind::If(c, t, f) => {
                let c = self.expect(c, &Type::Bool, scope, "a condition");
                let (ti, tt) = self.expr(t, scope);
                let (fi, ft) = self.expr(f, scope);
                if !ft.fits(&tt) {
                    self.type_error(
                        file,
                        f.span,
                        format!(
                            "both branches must have one type: {} and {}",
                            TypeName(&tt, &self.records),
                            TypeName(&ft, &self.records)
                        ),
                        "different type".into(),
                    );
                }
                (
                    Ir::If(Box::new(c), Box::new(ti), Box::new(fi)),
                    if tt.is_error() { ft } else { tt },
                )
            }
            ExprKind::Quant {
                kind,
                var,
                list,
                filter,
                body,
            } => self.quantifier(
                *kind,
                var,
                list,
                filter.as_deref(),
                body.as_deref(),
                e.span,
                scope,
            ),
            ExprKind::Call(name, args) => self.call(name, args, e.span, scope),
        }
    }

    fn name(&mut self, id: &ast::Ident, scope: &mut Scope) -> (Ir, Type) {
        if let Some((slot, ty)) = scope.lookup(&id.name) {
            return (Ir::Local(slot), ty);
        }
        match id.name.as_str() {
            "form" => (Ir::Form, Type::Record(scope.form)),
            "submitted_at" => (Ir::SubmittedAt, Type::Date),
            "docs" | "param" | "table" => {
                self.diags.push(
                    Diagnostic::error(
                        "E0202",
                        scope.file,
                        id.span,
                        format!("`{}` is not a value on its own", id.name),
                    )
                    .help(format!("name one of its members: `{}.<name>`", id.name)),
                );
                (Ir::Lit(Lit::Bool(false)), Type::Error)
            }
            _ => {
                let mut candidates: Vec<String> = scope.names();
                candidates
                    .extend(["form", "docs", "param", "table", "submitted_at"].map(String::from));
                let mut d = Diagnostic::error(
                    "E0203",
                    scope.file,
                    id.span,
                    format!("unknown name `{}`", id.name),
                )
                .label("not defined here");
                d = d.help(match did_you_mean(&id.name, candidates.iter().map(|s| s.as_str())) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "values start from `form`, `docs.<kind>`, `param.<name>`, `table.<name>`, `submitted_at`, or a `let`/loop variable".into(),
                });
                self.diags.push(d);
                (Ir::Lit(Lit::Bool(false)), Type::Error)
            }
        }
    }

    fn field(&mut self, base: &ast::Expr, field: &ast::Ident, scope: &mut Scope) -> (Ir, Type) {
        let file = scope.file;
        if let ExprKind::Name(root) = &base.kind {
            if scope.lookup(&root.name).is_none() {
                match root.name.as_str() {
                    "docs" => {
                        return match self
                            .documents
                            .iter()
                            .position(|(d, _)| d.kind == field.name)
                        {
                            Some(i) => (
                                Ir::Docs(i as u16),
                                Type::List(Box::new(Type::Record(self.document_records[i]))),
                            ),
                            None => {
                                self.unknown_kind(field, file);
                                (Ir::Lit(Lit::Bool(false)), Type::Error)
                            }
                        };
                    }
                    "param" => {
                        return match self.params.iter().position(|(p, _)| p.name == field.name) {
                            Some(i) => (Ir::Param(i as u16), self.params[i].0.ty.clone()),
                            None => {
                                let mut d = Diagnostic::error(
                                    "E0204",
                                    file,
                                    field.span,
                                    format!("unknown parameter `{}`", field.name),
                                )
                                .label("not in params.toml");
                                d = d.help(
                                    match did_you_mean(
                                        &field.name,
                                        self.params.iter().map(|(p, _)| p.name.as_str()),
                                    ) {
                                        Some(s) => format!("did you mean `{s}`?"),
                                        None => "parameters are declared in `params.toml`".into(),
                                    },
                                );
                                self.diags.push(d);
                                (Ir::Lit(Lit::Bool(false)), Type::Error)
                            }
                        };
                    }
                    "table" => {
                        return match self.tables.iter().position(|(t, _)| t.name == field.name) {
                            Some(i) => (Ir::Table(i as u16), Type::Table),
                            None => {
                                let mut d = Diagnostic::error(
                                    "E0205",
                                    file,
                                    field.span,
                                    format!("unknown table `{}`", field.name),
                                )
                                .label("no such file in tables/");
                                d = d.help(
                                    match did_you_mean(
                                        &field.name,
                                        self.tables.iter().map(|(t, _)| t.name.as_str()),
                                    ) {
                                        Some(s) => format!("did you mean `{s}`?"),
                                        None => {
                                            "tables are word lists in `tables/<name>.toml`".into()
                                        }
                                    },
                                );
                                self.diags.push(d);
                                (Ir::Lit(Lit::Bool(false)), Type::Error)
                            }
                        };
                    }
                    _ => {}
                }
            }
        }
        let (b, bt) = self.expr(base, scope);
        match bt {
            Type::Record(rid) => {
                let schema = &self.records[rid.0 as usize];
                match schema.field(&field.name) {
                    Some((i, f)) => (Ir::Field(Box::new(b), i as u16), f.ty.clone()),
                    None => {
                        let mut d = Diagnostic::error(
                            "E0206",
                            file,
                            field.span,
                            format!("`{}` has no field `{}`", schema.name, field.name),
                        )
                        .label("unknown field");
                        let by_title = schema
                            .fields
                            .iter()
                            .find(|f| !f.title.is_empty() && (f.title == field.name));
                        d = d.help(
                            match (
                                did_you_mean(
                                    &field.name,
                                    schema.fields.iter().map(|f| f.name.as_str()),
                                ),
                                by_title,
                            ) {
                                (_, Some(f)) => format!("did you mean `{}` ({})?", f.name, f.title),
                                (Some(s), _) => format!("did you mean `{s}`?"),
                                (None, None) => format!(
                                    "its fields are: {}",
                                    schema
                                        .fields
                                        .iter()
                                        .map(|f| f.name.as_str())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            },
                        );
                        self.diags.push(d);
                        (Ir::Lit(Lit::Bool(false)), Type::Error)
                    }
                }
            }
            Type::Error => (Ir::Lit(Lit::Bool(false)), Type::Error),
            other => {
                let help = if matches!(other, Type::List(_)) {
                    "pick an item with a quantifier (`all x in …: x.field`) or `for each`"
                } else {
                    "only records have fields"
                };
                self.diags.push(
                    Diagnostic::error(
                        "E0207",
                        file,
                        field.span,
                        format!("{} has no fields", TypeName(&other, &self.records)),
                    )
                    .label("no field here")
                    .help(help),
                );
                (Ir::Lit(Lit::Bool(false)), Type::Error)
            }
        }
    }

    fn binary(
        &mut self,
        op: BinOp,
        l: &ast::Expr,
        r: &ast::Expr,
        span: Span,
        scope: &mut Scope,
    ) -> (Ir, Type) {
        let file = scope.file;
        match op {
            BinOp::And | BinOp::Or => {
                let a = self.expect(
                    l,
                    &Type::Bool,
                    scope,
                    &format!("a condition before `{}`", op.symbol()),
                );
                let b = self.expect(
                    r,
                    &Type::Bool,
                    scope,
                    &format!("a condition after `{}`", op.symbol()),
                );
                let ir = if op == BinOp::And {
                    Ir::And(Box::new(a), Box::new(b))
                } else {
                    Ir::Or(Box::new(a), Box::new(b))
                };
                (ir, Type::Bool)
            }
            BinOp::In | BinOp::NotIn => {
                let (a, at) = self.expr(l, scope);
                let (b, bt) = self.expr(r, scope);
                let ok = match &bt {
                    Type::Table => at.fits(&Type::Text),
                    Type::List(t) => at.fits(t),
                    Type::Error => true,
                    _ => false,
                };
                if !ok {
                    self.type_error(file, span, format!("`{}` needs a value and a list or table of the same type; found {} and {}", op.symbol(), TypeName(&at, &self.records), TypeName(&bt, &self.records)), "mismatched types".into());
                }
                let ir = Ir::In(Box::new(a), Box::new(b));
                (
                    if op == BinOp::NotIn {
                        Ir::Not(Box::new(ir))
                    } else {
                        ir
                    },
                    Type::Bool,
                )
            }
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let (a, at) = self.expr(l, scope);
                let (b, bt) = self.expr(r, scope);
                let (a, b, t) = coerce_money(a, at, b, bt);
                let cmp = match op {
                    BinOp::Eq => CmpOp::Eq,
                    BinOp::Ne => CmpOp::Ne,
                    BinOp::Lt => CmpOp::Lt,
                    BinOp::Le => CmpOp::Le,
                    BinOp::Gt => CmpOp::Gt,
                    _ => CmpOp::Ge,
                };
                if let Err((x, y)) = t {
                    self.type_error(
                        file,
                        span,
                        format!(
                            "cannot compare {} with {}",
                            TypeName(&x, &self.records),
                            TypeName(&y, &self.records)
                        ),
                        "mismatched types".into(),
                    );
                } else if let Ok(t) = &t {
                    let ordered =
                        matches!(t, Type::Number | Type::Money | Type::Date | Type::Error);
                    let equatable = ordered || matches!(t, Type::Text | Type::Bool);
                    if !equatable || (!ordered && !matches!(cmp, CmpOp::Eq | CmpOp::Ne)) {
                        self.type_error(
                            file,
                            span,
                            format!(
                                "`{}` is not defined for {}",
                                op.symbol(),
                                TypeName(t, &self.records)
                            ),
                            "not comparable this way".into(),
                        );
                    }
                }
                (Ir::Cmp(cmp, Box::new(a), Box::new(b)), Type::Bool)
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                let (a, at) = self.expr(l, scope);
                let (b, bt) = self.expr(r, scope);
                let aop = match op {
                    BinOp::Add => ArithOp::Add,
                    BinOp::Sub => ArithOp::Sub,
                    BinOp::Mul => ArithOp::Mul,
                    _ => ArithOp::Div,
                };
                let result = match (&at, &bt, aop) {
                    (Type::Error, _, _) | (_, Type::Error, _) => Some(Type::Error),
                    (Type::Number, Type::Number, _) => Some(Type::Number),
                    (Type::Money, Type::Money, ArithOp::Add | ArithOp::Sub) => Some(Type::Money),
                    (Type::Money, Type::Money, ArithOp::Div) => Some(Type::Number),
                    (Type::Money, Type::Number, ArithOp::Mul | ArithOp::Div) => Some(Type::Money),
                    (Type::Number, Type::Money, ArithOp::Mul) => Some(Type::Money),
                    _ => None,
                };
                match result {
                    Some(t) => (Ir::Arith(aop, Box::new(a), Box::new(b)), t),
                    None => {
                        let help = if matches!(at, Type::Date) || matches!(bt, Type::Date) {
                            "date arithmetic is written add_years(d, n), add_months(d, n), add_days(d, n), days_between(a, b)"
                        } else {
                            "arithmetic works on numbers and money"
                        };
                        self.diags.push(
                            Diagnostic::error(
                                "E0303",
                                file,
                                span,
                                format!(
                                    "`{}` is not defined for {} and {}",
                                    op.symbol(),
                                    TypeName(&at, &self.records),
                                    TypeName(&bt, &self.records)
                                ),
                            )
                            .label("mismatched types")
                            .help(help),
                        );
                        (Ir::Lit(Lit::Bool(false)), Type::Error)
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn quantifier(
        &mut self,
        kind: ast::QuantKind,
        var: &ast::Ident,
        list: &ast::Expr,
        filter: Option<&ast::Expr>,
        body: Option<&ast::Expr>,
        span: Span,
        scope: &mut Scope,
    ) -> (Ir, Type) {
        let file = scope.file;
        let (list_ir, lt) = self.expr(list, scope);
        let item = match lt {
            Type::List(t) => *t,
            Type::Error => Type::Error,
            other => {
                self.type_error(
                    file,
                    list.span,
                    format!(
                        "`{}` needs a list, this is {}",
                        kind.keyword(),
                        TypeName(&other, &self.records)
                    ),
                    "not a list".into(),
                );
                Type::Error
            }
        };
        scope.push();
        let slot = scope.bind(&var.name, item.clone());
        let filter_ir =
            filter.map(|f| Box::new(self.expect(f, &Type::Bool, scope, "a `where` condition")));
        let body_ir_ty = body.map(|b| self.expr(b, scope));
        scope.pop();
        let needs_body = !matches!(kind, ast::QuantKind::Count | ast::QuantKind::First);
        let (body_ir, body_ty) = match body_ir_ty {
            Some((ir, t)) => (Some(Box::new(ir)), Some(t)),
            None => (None, None),
        };
        if needs_body && body_ir.is_none() {
            self.diags.push(
                Diagnostic::error(
                    "E0305",
                    file,
                    span,
                    format!("`{}` needs a body after `:`", kind.keyword()),
                )
                .help(format!(
                    "e.g. `{} {} in …: <expression>`",
                    kind.keyword(),
                    var.name
                )),
            );
        }
        if !needs_body && body_ir.is_some() {
            self.diags.push(
                Diagnostic::error(
                    "E0306",
                    file,
                    span,
                    format!("`{}` takes a `where` condition, not a body", kind.keyword()),
                )
                .help(format!(
                    "write `{} {} in … where <condition>`",
                    kind.keyword(),
                    var.name
                )),
            );
        }
        let ty = match kind {
            ast::QuantKind::All | ast::QuantKind::Any | ast::QuantKind::None => {
                if let Some(t) = &body_ty {
                    if !t.fits(&Type::Bool) {
                        self.type_error(
                            file,
                            body.map_or(span, |b| b.span),
                            format!(
                                "the body of `{}` must be a condition, found {}",
                                kind.keyword(),
                                TypeName(t, &self.records)
                            ),
                            "not a condition".into(),
                        );
                    }
                }
                Type::Bool
            }
            ast::QuantKind::Count => Type::Number,
            ast::QuantKind::Sum => match body_ty {
                Some(Type::Number) => Type::Number,
                Some(Type::Money) => Type::Money,
                Some(Type::Error) | None => Type::Error,
                Some(t) => {
                    self.type_error(
                        file,
                        body.map_or(span, |b| b.span),
                        format!(
                            "`sum` adds numbers or money, found {}",
                            TypeName(&t, &self.records)
                        ),
                        "not a number".into(),
                    );
                    Type::Error
                }
            },
            ast::QuantKind::Unique => Type::Bool,
            ast::QuantKind::First => item,
        };
        let qk = match kind {
            ast::QuantKind::All => QuantKind::All,
            ast::QuantKind::Any => QuantKind::Any,
            ast::QuantKind::None => QuantKind::None,
            ast::QuantKind::Count => QuantKind::Count,
            ast::QuantKind::Sum if ty == Type::Money => QuantKind::SumMoney,
            ast::QuantKind::Sum => QuantKind::Sum,
            ast::QuantKind::Unique => QuantKind::Unique,
            ast::QuantKind::First => QuantKind::First,
        };
        (
            Ir::Quant {
                kind: qk,
                slot,
                list: Box::new(list_ir),
                filter: filter_ir,
                body: body_ir,
            },
            ty,
        )
    }

    fn call(
        &mut self,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
        scope: &mut Scope,
    ) -> (Ir, Type) {
        let file = scope.file;
        if name.name == builtins::MATCHES {
            if args.len() != 2 {
                self.diags.push(
                    Diagnostic::error(
                        "E0502",
                        file,
                        span,
                        format!("`matches` takes 2 arguments, {} given", args.len()),
                    )
                    .help("matches(text, \"pattern\")"),
                );
                return (Ir::Lit(Lit::Bool(false)), Type::Bool);
            }
            let text = self.expect(&args[0], &Type::Text, scope, "text");
            let ExprKind::Text(pat) = &args[1].kind else {
                self.diags.push(
                    Diagnostic::error(
                        "E0503",
                        file,
                        args[1].span,
                        "the pattern of `matches` must be a string literal",
                    )
                    .label("not a literal")
                    .help("patterns are compiled once, when the rules are loaded"),
                );
                return (Ir::Lit(Lit::Bool(false)), Type::Bool);
            };
            return match regex::Regex::new(&pat.plain()) {
                Ok(re) => (Ir::Matches(Box::new(text), Arc::new(re)), Type::Bool),
                Err(e) => {
                    let msg = e.to_string();
                    let last = msg
                        .lines()
                        .last()
                        .unwrap_or("invalid pattern")
                        .trim()
                        .to_string();
                    self.diags.push(
                        Diagnostic::error(
                            "E0504",
                            file,
                            args[1].span,
                            format!("invalid regular expression: {last}"),
                        )
                        .label("this pattern")
                        .help("the syntax is that of the Rust `regex` crate (no look-around)"),
                    );
                    (Ir::Lit(Lit::Bool(false)), Type::Bool)
                }
            };
        }
        let Some(sig) = builtins::lookup(&name.name) else {
            let mut d = Diagnostic::error(
                "E0501",
                file,
                name.span,
                format!("unknown function `{}`", name.name),
            )
            .label("no such function");
            d = d.help(match did_you_mean(&name.name, builtins::names()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "see docs/rule-language.md for the functions".into(),
            });
            self.diags.push(d);
            for a in args {
                let _ = self.expr(a, scope);
            }
            return (Ir::Lit(Lit::Bool(false)), Type::Error);
        };
        let arity_error = |this: &mut Self, n: usize| {
            this.diags.push(
                Diagnostic::error(
                    "E0502",
                    file,
                    span,
                    format!(
                        "`{}` takes {n} argument{}, {} given",
                        sig.name,
                        if n == 1 { "" } else { "s" },
                        args.len()
                    ),
                )
                .help(format!("{}: {}", sig.name, sig.doc)),
            );
        };
        match &sig.params {
            Params::DocKind => {
                if args.len() != 2 {
                    arity_error(self, 2);
                    return (Ir::Lit(Lit::Bool(false)), Type::Error);
                }
                let ExprKind::Name(kind) = &args[0].kind else {
                    self.diags.push(
                        Diagnostic::error(
                            "E0505",
                            file,
                            args[0].span,
                            "the first argument of `doc_of` is a document kind name",
                        )
                        .help("doc_of(id_card, form.legal_representative.id_number)"),
                    );
                    return (Ir::Lit(Lit::Bool(false)), Type::Error);
                };
                let Some(k) = self.documents.iter().position(|(d, _)| d.kind == kind.name) else {
                    self.unknown_kind(kind, file);
                    return (Ir::Lit(Lit::Bool(false)), Type::Error);
                };
                let id = self.expect(&args[1], &Type::Text, scope, "an ID number");
                (
                    Ir::Call(Builtin::DocOf(k as u16), vec![id]),
                    Type::Record(self.document_records[k]),
                )
            }
            Params::AnyOne => {
                if args.len() != 1 {
                    arity_error(self, 1);
                }
                let irs: Vec<Ir> = args.iter().map(|a| self.expr(a, scope).0).collect();
                (
                    Ir::Call(sig.builtin, irs),
                    sig.returns.clone().unwrap_or(Type::Bool),
                )
            }
            Params::TextOrList => {
                if args.len() != 1 {
                    arity_error(self, 1);
                    return (Ir::Lit(Lit::Bool(false)), Type::Error);
                }
                let (ir, t) = self.expr(&args[0], scope);
                if !matches!(t, Type::Text | Type::List(_) | Type::Error) {
                    self.type_error(
                        file,
                        args[0].span,
                        format!(
                            "`len` takes text or a list, found {}",
                            TypeName(&t, &self.records)
                        ),
                        "neither text nor a list".into(),
                    );
                }
                (Ir::Call(sig.builtin, vec![ir]), Type::Number)
            }
            Params::TextAndWords => {
                if args.len() != 2 {
                    arity_error(self, 2);
                    return (Ir::Lit(Lit::Bool(false)), Type::Error);
                }
                let text = self.expect(&args[0], &Type::Text, scope, "text");
                let (words, wt) = self.expr(&args[1], scope);
                if !matches!(wt, Type::Table | Type::Error)
                    && wt != Type::List(Box::new(Type::Text))
                {
                    self.type_error(
                        file,
                        args[1].span,
                        format!(
                            "`{}` needs a table or a list of text, found {}",
                            sig.name,
                            TypeName(&wt, &self.records)
                        ),
                        "not a word list".into(),
                    );
                }
                (
                    Ir::Call(sig.builtin, vec![text, words]),
                    sig.returns.clone().unwrap_or(Type::Bool),
                )
            }
            Params::SameOrdered => {
                if args.len() != 2 {
                    arity_error(self, 2);
                    return (Ir::Lit(Lit::Bool(false)), Type::Error);
                }
                let (a, at) = self.expr(&args[0], scope);
                let (b, bt) = self.expr(&args[1], scope);
                let (a, b, t) = coerce_money(a, at, b, bt);
                match t {
                    Ok(t) if matches!(t, Type::Number | Type::Money | Type::Date | Type::Error) => {
                        (Ir::Call(sig.builtin, vec![a, b]), t)
                    }
                    Ok(t) | Err((t, _)) => {
                        self.type_error(
                            file,
                            span,
                            format!(
                                "`{}` takes two numbers, amounts or dates, found {}",
                                sig.name,
                                TypeName(&t, &self.records)
                            ),
                            "not ordered".into(),
                        );
                        (Ir::Lit(Lit::Bool(false)), Type::Error)
                    }
                }
            }
            Params::Fixed(params) => {
                if args.len() != params.len() {
                    arity_error(self, params.len());
                    return (
                        Ir::Lit(Lit::Bool(false)),
                        sig.returns.clone().unwrap_or(Type::Error),
                    );
                }
                let irs = args
                    .iter()
                    .zip(params.iter())
                    .map(|(a, p)| {
                        let (ir, t) = self.expr(a, scope);
                        let (ir, t) = if *p == Type::Money && t == Type::Number {
                            (Ir::Call(Builtin::Wan, vec![ir]), Type::Money)
                        } else {
                            (ir, t)
                        };
                        if !t.fits(p) {
                            self.type_error(
                                file,
                                a.span,
                                format!(
                                    "`{}` expects {} here, found {}",
                                    sig.name,
                                    TypeName(p, &self.records),
                                    TypeName(&t, &self.records)
                                ),
                                format!("this is {}", TypeName(&t, &self.records)),
                            );
                        }
                        ir
                    })
                    .collect();
                (
                    Ir::Call(sig.builtin, irs),
                    sig.returns.clone().unwrap_or(Type::Error),
                )
            }
        }
    }
}

/// Lets a plain number stand for an amount in 万元 next to money.
#[allow(clippy::type_complexity)]
fn coerce_money(a: Ir, at: Type, b: Ir, bt: Type) -> (Ir, Ir, Result<Type, (Type, Type)>) {
    match (&at, &bt) {
        (Type::Money, Type::Number) => (a, Ir::Call(Builtin::Wan, vec![b]), Ok(Type::Money)),
        (Type::Number, Type::Money) => (Ir::Call(Builtin::Wan, vec![a]), b, Ok(Type::Money)),
        (Type::Error, t) | (t, Type::Error) => {
            let t = t.clone();
            (a, b, Ok(t))
        }
        _ if at == bt => (a, b, Ok(at)),
        _ => (a, b, Err((at, bt))),
    }
}

fn lit_of_toml(v: &toml::Value, ty: &Type) -> Option<Lit> {
    Some(match (ty, v) {
        (Type::Number, toml::Value::Integer(i)) => Lit::Number(*i as f64),
        (Type::Number, toml::Value::Float(f)) => Lit::Number(*f),
        (Type::Money, toml::Value::Integer(i)) => Lit::Money(i.checked_mul(1_000_000)?),
        (Type::Money, toml::Value::Float(f)) => Lit::Money((f * 1_000_000.0).round() as i64),
        (Type::Text, toml::Value::String(s)) => Lit::Text(s.as_str().into()),
        (Type::Bool, toml::Value::Boolean(b)) => Lit::Bool(*b),
        (Type::Date, toml::Value::String(s)) => {
            Lit::Date(NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?)
        }
        (Type::Date, toml::Value::Datetime(d)) => Lit::Date(toml_date(&Some(*d)).ok()??),
        _ => return None,
    })
}

fn check_overlaps<T>(
    versions: &[Versioned<T>],
    name: &str,
    file: FileId,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) {
    for (i, a) in versions.iter().enumerate() {
        for b in &versions[i + 1..] {
            let a_before_b = a.until.zip(b.from).is_some_and(|(u, f)| u <= f);
            let b_before_a = b.until.zip(a.from).is_some_and(|(u, f)| u <= f);
            if !a_before_b && !b_before_a {
                diags.push(
                    Diagnostic::error("E0117", file, span, format!("`{name}` has two versions in force at the same time"))
                        .help("give each version a `from`/`until` range that does not overlap the others (`until` is exclusive)"),
                );
                return;
            }
        }
    }
}

/// The span of the first occurrence of `needle` (for diagnostics on data files).
fn find_span(text: &str, needle: &str) -> Span {
    match text.find(needle) {
        Some(i) => Span::new(i, i + needle.len()),
        None => Span::new(0, text.len().min(1)),
    }
}

/// Local variables: lets, loop and quantifier variables, each with a slot.
struct Scope {
    form: RecordId,
    file: FileId,
    vars: Vec<(String, u16, Type)>,
    marks: Vec<usize>,
    frame_size: u16,
}

impl Scope {
    fn new(form: RecordId, file: FileId) -> Self {
        Scope {
            form,
            file,
            vars: Vec::new(),
            marks: Vec::new(),
            frame_size: 0,
        }
    }
    fn bind(&mut self, name: &str, ty: Type) -> u16 {
        let slot = self.frame_size;
        self.frame_size += 1;
        self.vars.push((name.to_string(), slot, ty));
        slot
    }
    fn lookup(&self, name: &str) -> Option<(u16, Type)> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _, _)| n == name)
            .map(|(_, s, t)| (*s, t.clone()))
    }
    fn names(&self) -> Vec<String> {
        self.vars.iter().map(|(n, _, _)| n.clone()).collect()
    }
    fn push(&mut self) {
        self.marks.push(self.vars.len());
    }
    fn pop(&mut self) {
        if let Some(m) = self.marks.pop() {
            self.vars.truncate(m);
        }
    }
}
