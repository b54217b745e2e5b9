//! `docs/rules.md` is generated from the rule packs; it must match them.

#[test]
fn rules_md_matches_the_packs() {
    let c = prereview_dsl::compile(&prereview_cli::rules::builtin_files());
    let rs = c.rule_set.expect("built-in rules compile");
    let want = prereview_cli::ruledocs::render(&rs);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    assert!(have == want, "docs/rules.md is out of date: run `UPDATE_DOCS=1 cargo test -p prereview-cli --test docs_up_to_date` (or `prereview rules docs > docs/rules.md`)");
}
