//! Page words → visual lines of characters, and label search on them.
//!
//! Lines are rebuilt from the word boxes (not Tesseract's line numbers) so that
//! grid layouts, where Tesseract puts the label cell and the value cell in
//! different blocks, still read as one line.

use crate::words::{PageWords, Word};
use prereview_validators::text::normalize;

/// One character of a line, with the word it came from.
#[derive(Debug, Clone)]
pub struct LChar {
    pub c: char,
    /// Index into the page's words.
    pub word: usize,
    /// Position of the character within its word and the word's character
    /// count, for a proportional sub-box.
    pub pos: (usize, usize),
    /// A wide horizontal gap precedes this character (a new cell or column).
    pub gap_before: bool,
    /// The character's box (processed image): its word's box split evenly
    /// among the word's characters.
    pub bbox: [u32; 4],
}

/// A visual line.
#[derive(Debug, Clone)]
pub struct Line {
    /// Indices into the page's words, left to right.
    pub words: Vec<usize>,
    pub chars: Vec<LChar>,
    /// The chars used for label matching (no spaces or punctuation) and the
    /// index in `chars` each one came from.
    pub key: Vec<char>,
    pub key_pos: Vec<usize>,
    pub y0: u32,
    pub y1: u32,
}

impl Line {
    pub fn height(&self) -> u32 {
        self.y1.saturating_sub(self.y0).max(1)
    }
}

/// Characters that separate a label from its value or decorate it; ignored
/// when matching labels.
pub fn is_separator(c: char) -> bool {
    !c.is_alphanumeric()
}

/// The label-matching key of a text: normalised, without separators.
pub fn key_of(s: &str) -> Vec<char> {
    normalize(s).chars().filter(|&c| !is_separator(c)).collect()
}

/// Groups a page's words into visual lines, top to bottom.
pub fn build_lines(page: &PageWords) -> Vec<Line> {
    let words = &page.words;
    let mut order: Vec<usize> = (0..words.len()).filter(|&i| words[i].bbox[3] > 0).collect();
    let cy = |w: &Word| w.bbox[1] as f32 + w.bbox[3] as f32 / 2.0;
    order.sort_by(|&a, &b| cy(&words[a]).total_cmp(&cy(&words[b])));
    // (y0, y1, members, sum of centres, word heights). A word joins the line
    // whose mean centre is within half a typical height of its own: tall
    // boxes (a seal, two rows read as one word) must not chain rows together.
    type Group = (u32, u32, Vec<usize>, f32, Vec<u32>);
    let mut groups: Vec<Group> = Vec::new();
    for i in order {
        let w = &words[i];
        let (wy0, wy1) = (w.bbox[1], w.bbox[1] + w.bbox[3]);
        let c = cy(w);
        let mut best: Option<(usize, f32)> = None;
        for (g, (_, _, members, sum_c, hs)) in groups.iter().enumerate().rev().take(6) {
            let gc = sum_c / members.len() as f32;
            let mut sorted = hs.clone();
            sorted.sort_unstable();
            let gh = sorted[sorted.len() / 2] as f32;
            let d = (gc - c).abs();
            // Tolerance from the line's typical height; a small box (a comma)
            // joins by the line's measure, a tall one cannot widen it past 2×.
            let tol = 0.5 * gh.max((w.bbox[3] as f32).min(2.0 * gh)).max(1.0);
            if d <= tol && best.is_none_or(|(_, bd)| d < bd) {
                best = Some((g, d));
            }
        }
        match best {
            Some((g, _)) => {
                let grp = &mut groups[g];
                grp.0 = grp.0.min(wy0);
                grp.1 = grp.1.max(wy1);
                grp.2.push(i);
                grp.3 += c;
                grp.4.push(w.bbox[3]);
            }
            None => groups.push((wy0, wy1, vec![i], c, vec![w.bbox[3]])),
        }
    }
    groups.sort_by(|a, b| (a.3 / a.2.len() as f32).total_cmp(&(b.3 / b.2.len() as f32)));
    groups
        .into_iter()
        .map(|(y0, y1, mut ws, _, _)| {
            ws.sort_by_key(|&i| words[i].bbox[0]);
            make_line(words, ws, y0, y1)
        })
        .collect()
}

fn make_line(words: &[Word], ws: Vec<usize>, y0: u32, y1: u32) -> Line {
    // The typical word height, not the line's span: one tall box (a photo's
    // outline read as a word) must not widen what counts as a wide gap.
    let mut hs: Vec<u32> = ws.iter().map(|&i| words[i].bbox[3]).collect();
    hs.sort_unstable();
    let h = hs
        .get(hs.len() / 2)
        .copied()
        .unwrap_or_else(|| y1.saturating_sub(y0))
        .max(1);
    let mut chars = Vec::new();
    let mut prev_end: Option<u32> = None;
    for &i in &ws {
        let w = &words[i];
        let norm: Vec<char> = normalize(&w.text).chars().collect();
        // A wide gap: two line heights, or one before a word Tesseract
        // itself doubts (noise beside a value: a photo's outline, a stamp).
        let gap =
            prev_end.is_some_and(|e| w.bbox[0] > e + h * 2 || (w.bbox[0] > e + h && w.conf < 50.0));
        prev_end = Some(w.bbox[0] + w.bbox[2]);
        let n = norm.len();
        let cw = (w.bbox[2] / n.max(1) as u32).max(1);
        for (k, c) in norm.into_iter().enumerate() {
            chars.push(LChar {
                c,
                word: i,
                pos: (k, n),
                gap_before: gap && k == 0,
                bbox: [w.bbox[0] + cw * k as u32, w.bbox[1], cw, w.bbox[3]],
            });
        }
    }
    let mut key = Vec::new();
    let mut key_pos = Vec::new();
    for (i, ch) in chars.iter().enumerate() {
        if !is_separator(ch.c) {
            key.push(ch.c);
            key_pos.push(i);
        }
    }
    Line {
        words: ws,
        chars,
        key,
        key_pos,
        y0,
        y1,
    }
}

/// A label found on a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub line: usize,
    /// Char range in `Line::chars` covered by the label.
    pub start: usize,
    pub end: usize,
    /// Number of mismatched characters (0 = exact).
    pub errors: usize,
    /// Length of the label key (longer labels win over their substrings).
    pub len: usize,
    /// At the start of the line, after a wide gap or after a separator.
    pub label_like: bool,
    /// Which of the field's labels (spec order; earlier is preferred).
    pub label_index: usize,
}

/// Mismatches allowed when matching a label key of `n` characters: OCR often
/// misreads one character of a long label (公民身份号吗).
fn allowed_errors(n: usize) -> usize {
    match n {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Every occurrence of `label` on the lines.
pub fn find_label(lines: &[Line], label: &[char]) -> Vec<Hit> {
    let n = label.len();
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    let allowed = allowed_errors(n);
    for (li, line) in lines.iter().enumerate() {
        if line.key.len() < n {
            continue;
        }
        let mut k = 0;
        while k + n <= line.key.len() {
            let errors = (0..n).filter(|&j| line.key[k + j] != label[j]).count();
            let first = line.key[k] == label[0];
            let last = line.key[k + n - 1] == label[n - 1];
            // A fuzzy match must agree at an edge (both edges for short
            // labels: 身份证号码 must not match 身份证号3 and swallow a digit).
            let edges = if n <= 5 { first && last } else { first || last };
            let label_like_at = |start: usize| {
                start == 0 || line.chars[start].gap_before || is_separator(line.chars[start - 1].c)
            };
            // A long label whose last character OCR dropped (经营范 + the
            // value) or misread (发证日内 | 2025…): the first n−1 exactly,
            // where a label stands, and the value apart from it (a gap or a
            // colon) after those n−1 or after one more character. Without
            // that it is a sentence running on: 乙方承租该房屋 is not
            // 乙方（承租方） + 该房屋.
            let apart_after = |last: usize| {
                line.chars
                    .get(last + 1)
                    .is_none_or(|c| c.gap_before || is_separator(c.c))
            };
            let prefix = n >= 4
                && !(errors <= allowed && (errors == 0 || edges))
                && line.key[k..k + n - 1] == label[..n - 1]
                && label_like_at(line.key_pos[k]);
            let dropped = prefix && apart_after(line.key_pos[k + n - 2]);
            let misread_last = prefix
                && !dropped
                && k + n <= line.key.len()
                && apart_after(line.key_pos[k + n - 1]);
            if errors <= allowed && (errors == 0 || edges) || dropped || misread_last {
                let (matched, errors) = if dropped {
                    (n - 1, 1)
                } else if misread_last {
                    (n, 1)
                } else {
                    (n, errors)
                };
                let start = line.key_pos[k];
                let end = line.key_pos[k + matched - 1] + 1;
                out.push(Hit {
                    line: li,
                    start,
                    end,
                    errors,
                    len: n,
                    label_like: label_like_at(start),
                    label_index: 0,
                });
                k += matched;
            } else {
                k += 1;
            }
        }
    }
    out
}

/// Whether the `label` found at key index `k` of `line` is part of a longer
/// label that contains it, read there with the slack that longer label is
/// allowed: 证号 (a certificate's number) in 雪份证号, which is 身份证号 with
/// its first character misread. The longer label's own hit may be missing
/// (its edge was misread), so this looks at the text, not at the hits.
pub fn inside_longer_label(line: &Line, k: usize, label: &[char], longer: &[char]) -> bool {
    let (n, m) = (label.len(), longer.len());
    if m <= n {
        return false;
    }
    (0..=m - n)
        .filter(|&o| longer[o..o + n] == *label)
        .any(|o| {
            let Some(from) = k.checked_sub(o) else {
                return false;
            };
            let Some(window) = line.key.get(from..from + m) else {
                return false;
            };
            let errors = window.iter().zip(longer).filter(|(a, b)| a != b).count();
            errors <= allowed_errors(m)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::PageTransform;

    fn word(t: &str, x: u32, y: u32) -> Word {
        Word {
            text: t.into(),
            conf: 90.0,
            bbox: [x, y, 30 * t.chars().count() as u32, 30],
            line: [1, 1, 1],
        }
    }

    #[test]
    fn lines_from_boxes_and_fuzzy_labels() {
        let page = PageWords {
            page: 1,
            width: 1000,
            height: 400,
            transform: PageTransform::identity(1000, 400),
            words: vec![
                word("张三", 200, 52),
                word("姓", 40, 50),
                word("名", 75, 51),
                word("公民身份号吗", 40, 150),
                word("1234", 300, 152),
            ],
        };
        let lines = build_lines(&page);
        assert_eq!(lines.len(), 2);
        let t: String = lines[0].chars.iter().map(|c| c.c).collect();
        assert_eq!(t, "姓名张三");
        let h = find_label(&lines, &key_of("姓 名"));
        assert_eq!(h.len(), 1);
        assert_eq!((h[0].start, h[0].end, h[0].label_like), (0, 2, true));
        let h = find_label(&lines, &key_of("公民身份号码"));
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].errors, 1);
        assert!(lines[1].chars[6].gap_before);
        assert_eq!(
            key_of("出租方（甲方）："),
            "出租方甲方".chars().collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_label_missing_its_last_character_only_where_the_value_stands_apart() {
        let page = |words: Vec<Word>| PageWords {
            page: 1,
            width: 2000,
            height: 400,
            transform: PageTransform::identity(2000, 400),
            words,
        };
        // 经营范 (围 dropped), a gap, then the value: a label.
        let lines = build_lines(&page(vec![
            word("经营范", 40, 50),
            word("许可项目", 400, 50),
        ]));
        let h = find_label(&lines, &key_of("经营范围"));
        assert_eq!((h.len(), h[0].end), (1, 3));
        // Its last character misread, then a separator: a label of 4.
        let lines = build_lines(&page(vec![word("发证日内|2025年3月13日", 40, 50)]));
        let h = find_label(&lines, &key_of("发证日期"));
        assert_eq!((h.len(), h[0].end), (1, 4));
        // A sentence that starts like the label: not a label.
        let lines = build_lines(&page(vec![word("乙方承租该房屋用于商业经营", 40, 50)]));
        assert!(find_label(&lines, &key_of("乙方（承租方）")).is_empty());
    }

    #[test]
    fn a_short_label_inside_a_misread_longer_one_is_the_longer_ones() {
        let page = |text: &str| PageWords {
            page: 1,
            width: 2000,
            height: 400,
            transform: PageTransform::identity(2000, 400),
            words: vec![word(text, 40, 50)],
        };
        let (short, longer) = (key_of("证号"), key_of("身份证号"));
        for (text, inside) in [
            ("雪份证号:320813200701246238", true),
            ("身份证号:320813200701246238", true),
            ("证号:JK202503109501", false),
            ("38 证号:JK202503109501", false),
        ] {
            let lines = build_lines(&page(text));
            let h = find_label(&lines, &short);
            assert_eq!(h.len(), 1, "{text}");
            let k = lines[0]
                .key_pos
                .iter()
                .position(|&p| p == h[0].start)
                .unwrap();
            assert_eq!(
                inside_longer_label(&lines[0], k, &short, &longer),
                inside,
                "{text}"
            );
        }
    }
}
