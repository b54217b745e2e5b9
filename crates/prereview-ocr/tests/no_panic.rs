//! Property test: extraction takes any words Tesseract could return (labels of
//! every kind, values, noise; boxes overlapping, empty, outside the page; any
//! scale and deskew) and
//! never panics, for every built-in document kind, with and without hints.

use prereview_ocr::{extract, specs, Hints, PageTransform, PageWords, Word};
use proptest::prelude::*;

/// The characters extraction cares about (every label of every kind, the
/// value grammars), and a few it does not.
fn alphabet() -> Vec<char> {
    let mut chars: Vec<char> = specs::builtin()
        .iter()
        .flat_map(|s| s.fields.iter())
        .flat_map(|f| f.labels.iter())
        .flat_map(|l| l.chars())
        .collect();
    chars.extend(
        "0123456789X-./:：（）()年月日至长期号楼层室省市区县公安局分局有限公司万元人民币壹贰叁佰仟拾整JKWabc ”“|。口"
            .chars(),
    );
    chars.sort();
    chars.dedup();
    chars
}

fn word() -> impl Strategy<Value = Word> {
    (
        proptest::collection::vec(proptest::sample::select(alphabet()), 0..24),
        0.0f32..100.0,
        (0u32..2400, 0u32..1800, 0u32..700, 0u32..140),
    )
        .prop_map(|(text, conf, (x, y, w, h))| Word {
            text: text.into_iter().collect(),
            conf,
            bbox: [x, y, w, h],
            line: [1, 1, 1],
        })
}

fn page() -> impl Strategy<Value = PageWords> {
    (
        1u32..2600,
        1u32..2000,
        (0.0f32..4.0, -6.0f32..6.0),
        proptest::collection::vec(word(), 0..40),
    )
        .prop_map(
            |(width, height, (scale, deskew_degrees), words)| PageWords {
                page: 1,
                width,
                height,
                transform: PageTransform {
                    scale,
                    deskew_degrees,
                    processed: [
                        (width as f32 * scale) as u32,
                        (height as f32 * scale) as u32,
                    ],
                },
                words,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn extraction_never_panics(pages in proptest::collection::vec(page(), 1..3), hint in "[0-9A-Z]{0,18}") {
        for spec in specs::builtin() {
            let _ = extract(&pages, &spec, &Hints::new());
            let hints: Hints = spec
                .fields
                .iter()
                .map(|f| (f.name.clone(), hint.clone()))
                .collect();
            let _ = extract(&pages, &spec, &hints);
        }
    }
}
