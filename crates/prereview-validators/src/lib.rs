//! Identifier and value validators for prereview (pure, fast, no IO).

pub mod resident_id;
pub mod uscc;
