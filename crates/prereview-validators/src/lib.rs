//! Identifier and value validators for prereview — pure functions, no IO.
//!
//! | module | what | standard |
//! |---|---|---|
//! | [`uscc`] | 统一社会信用代码 | GB 32100-2015 |
//! | [`org_code`] | 组织机构代码 | GB 11714-1997 |
//! | [`resident_id`] | 公民身份号码, 身份证有效期 | GB 11643-1999, 居民身份证法 第5条 |
//! | [`amount`] | 人民币大写金额, 金额文本 | 会计基础工作规范 第52条, PBoC 票据书写规定 |
//! | [`date`] | dates in every format on the materials, calendar helpers | — |
//! | [`phone`] | mobile and landline numbers | — |
//! | [`divisions`] | GB/T 2260 administrative divisions | GB/T 2260 |
//! | [`text`], [`address`] | normalisation, OCR-tolerant similarity, address comparison | UAX #15 (NFKC) |
//! | [`report`] | one entry point per kind for the CLI | — |
//!
//! Every public function accepts any string without panicking; messages meant
//! for people are in Chinese. The rule numbers (F01…, X05) refer to the
//! project's rule catalog.

pub mod address;
pub mod amount;
pub mod date;
pub mod divisions;
pub mod org_code;
pub mod phone;
pub mod report;
pub mod resident_id;
pub mod surnames;
pub mod text;
pub mod uscc;

pub use divisions::Region;
