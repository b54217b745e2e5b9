//! The prereview rule language.
//!
//! A rule pack is plain text: procedures (the form schema and the documents they
//! require) and rules (id, title, category, severity, legal basis, effective dates,
//! an optional `when`, one or more `check`s and a message), with parameters and
//! word lists as data files beside them. This crate parses them (never failing hard:
//! a tree plus diagnostics), checks them against the schema and the document kinds,
//! and compiles them to a [`ir::RuleSet`] the engine evaluates.
//!
//! Architecture invariant: no file-system access here except through [`load`], and
//! no evaluation of submissions (that is `prereview-engine`).

pub mod ast;
pub mod builtins;
pub mod compile;
pub mod diagnostic;
pub mod fold;
pub mod ir;
pub mod load;
pub mod syntax;
pub mod types;

pub use compile::{compile, Compilation};
pub use diagnostic::{Diagnostic, SourceMap};
pub use ir::RuleSet;
