//! Chinese surnames: which one a name starts with. Data:
//! `rules/tables/surnames.txt` (《百家姓》, public domain, and surnames common
//! today that it lacks), embedded at compile time and parsed once.
//!
//! Used to doubt an OCR reading of a person's name that starts with no
//! surname (部字 for 郝宇): the reading is kept, never corrected.

use std::collections::HashSet;
use std::sync::LazyLock;

static TEXT: &str = include_str!("../../../rules/tables/surnames.txt");

struct Table {
    single: HashSet<char>,
    compound: Vec<&'static str>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let mut single = HashSet::new();
    let mut compound = Vec::new();
    for line in TEXT.lines() {
        let line = line.split('#').next().unwrap_or("");
        for s in line.split_whitespace() {
            let mut cs = s.chars();
            match (cs.next(), cs.next()) {
                (Some(c), None) => {
                    single.insert(c);
                }
                (Some(_), Some(_)) => compound.push(s),
                _ => {}
            }
        }
    }
    Table { single, compound }
});

/// The surname `name` starts with (a compound one first: 欧阳 in 欧阳娜),
/// if any.
pub fn surname_of(name: &str) -> Option<&str> {
    let t = &*TABLE;
    if let Some(c) = t.compound.iter().find(|c| name.starts_with(**c)) {
        return Some(&name[..c.len()]);
    }
    let first = name.chars().next()?;
    t.single.contains(&first).then(|| &name[..first.len_utf8()])
}

/// How many surnames the table holds (single, compound).
pub fn counts() -> (usize, usize) {
    (TABLE.single.len(), TABLE.compound.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_start_with_their_surname() {
        assert_eq!(surname_of("郝宇"), Some("郝"));
        assert_eq!(surname_of("欧阳娜"), Some("欧阳"));
        assert_eq!(
            surname_of("肖红"),
            Some("肖"),
            "common today, not in 百家姓"
        );
        assert_eq!(surname_of("部字"), None, "OCR's 部 for 郝");
        assert_eq!(surname_of("个涛林"), None, "OCR's 个 for 何");
        assert_eq!(surname_of(""), None);
        let (single, compound) = counts();
        assert!(single > 400 && compound > 50, "{single} {compound}");
        // Comments are not surnames.
        assert_eq!(surname_of("《百家姓》"), None);
    }
}
