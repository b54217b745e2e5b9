//! The rule packs shipped in `rules/` compile without errors or warnings.

use std::path::Path;

#[test]
fn shipped_rule_packs_compile_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    let files = prereview_dsl::load::read_dir(&dir).expect("read rules/");
    let c = prereview_dsl::compile(&files);
    let rendered: Vec<String> = c
        .diagnostics
        .iter()
        .map(|d| d.render(&c.sources, false))
        .collect();
    assert!(rendered.is_empty(), "{}", rendered.join("\n"));
    let rs = c.rule_set.expect("rule set");
    let count = |name: &str| rs.procedure(name).map_or(0, |p| p.rules.len());
    assert!(
        count("company_establishment") >= 25,
        "{}",
        count("company_establishment")
    );
    assert!(
        count("public_venue_health_permit") >= 15,
        "{}",
        count("public_venue_health_permit")
    );
}
