//! The vocabulary every stage of prereview shares, and nothing else.
//!
//! Data flows one way: a submission is loaded, its documents are read into
//! [`document::ReadDocument`]s following the [`document::DocumentSpec`] the rule
//! packs declare, the engine judges the facts and produces a [`report::Report`].
//! This crate holds the types that cross those stage boundaries so that no stage
//! depends on another's internals.
//!
//! Architecture invariant: no IO, no OCR, no rule logic here.

pub mod document;
pub mod report;
