//! The pieces of the `prereview` command that are worth testing on their own:
//! where the rules come from, the one-submission pipeline, the rule test runner.
//! `main.rs` only parses arguments and prints.

pub mod review;
pub mod ruledocs;
pub mod rules;
pub mod ruletest;
