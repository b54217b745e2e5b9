//! The `prereview` binary end to end on submissions whose documents are given as
//! `documents.json` (no OCR: fast, exact). OCR end to end is in `fixtures.rs`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::copy_dir;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_prereview"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Writes the company-establishment test base as a submission folder, after `edit`.
fn submission(dir: &Path, edit: impl FnOnce(&mut Value)) {
    let text = std::fs::read_to_string(repo().join("rules/company_establishment/tests/base.json"))
        .unwrap();
    let mut base: Value = serde_json::from_str(&text).unwrap();
    edit(&mut base);
    let docs = base.as_object_mut().unwrap().remove("documents").unwrap();
    for a in base["attachments"].as_array().unwrap() {
        std::fs::write(dir.join(a["file"].as_str().unwrap()), b"scan").unwrap();
    }
    std::fs::write(
        dir.join("submission.json"),
        serde_json::to_string_pretty(&base).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("documents.json"),
        serde_json::to_string_pretty(&docs).unwrap(),
    )
    .unwrap();
}

fn check_json(dir: &Path) -> Value {
    let out = bin()
        .args(["check", "--format", "json"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_correct_submission_passes() {
    let d = tempfile::tempdir().unwrap();
    submission(d.path(), |_| {});
    let r = check_json(d.path());
    assert_eq!(r["verdict"], "pass", "{r:#}");
    assert_eq!(r["documents"].as_array().unwrap().len(), 3);
    // documents.json gave the documents: nothing was read, so no reading is claimed.
    assert!(r.get("reading").is_none(), "{r:#}");
}

#[test]
fn a_batch_resumed_keeps_reports_of_given_documents_and_judges_again_under_other_rules() {
    let d = tempfile::tempdir().unwrap();
    let sub = d.path().join("in/SUB-1");
    std::fs::create_dir_all(&sub).unwrap();
    submission(&sub, |_| {});
    let out = d.path().join("out");
    let run = |rules: Option<&Path>| -> Value {
        let mut cmd = bin();
        cmd.arg("batch")
            .arg(d.path().join("in"))
            .arg("--out")
            .arg(&out);
        cmd.arg("--quiet");
        if let Some(r) = rules {
            cmd.arg("--rules").arg(r);
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let summary = std::fs::read(out.join("summary.json")).unwrap();
        let s: Value = serde_json::from_slice(&summary).unwrap();
        s["run"].clone()
    };
    let counts = |r: &Value| {
        (
            r["reviewed"].clone(),
            r["outdated"].clone(),
            r["resumed"].clone(),
        )
    };
    let first = run(None);
    assert_eq!(counts(&first), (1.into(), 0.into(), 0.into()));
    // documents.json gave the documents: the report is current without a reading.
    assert_eq!(counts(&run(None)), (0.into(), 0.into(), 1.into()));

    // The same rules with one parameter changed: a new rule set, judged again.
    let rules = d.path().join("rules");
    copy_dir(&repo().join("rules"), &rules);
    let params = std::fs::read_to_string(rules.join("params.toml")).unwrap();
    std::fs::write(
        rules.join("params.toml"),
        params.replace("value = 30", "value = 45"),
    )
    .unwrap();
    assert_eq!(counts(&run(Some(&rules))), (1.into(), 1.into(), 0.into()));
}

#[test]
fn a_name_misread_by_one_character_is_rejected_with_evidence() {
    let d = tempfile::tempdir().unwrap();
    submission(d.path(), |b| {
        b["documents"][0]["fields"]["name"]["value"] = "张明元".into()
    });
    let r = check_json(d.path());
    assert_eq!(r["verdict"], "reject");
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "CE-X02-1")
        .unwrap();
    assert_eq!(f["outcome"], "fail");
    assert_eq!(
        f["message"],
        "表单法定代表人“张明远”与身份证姓名“张明元”不一致，请核对"
    );
    let card = f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "doc.id_card[0].name")
        .unwrap();
    assert_eq!(card["value"], "张明元");
    assert_eq!(card["source"]["file"], "id_zhang.png");
    assert_eq!(
        card["source"]["bbox"],
        serde_json::json!([210, 96, 120, 34])
    );
    let form = f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "form.legal_representative.name")
        .unwrap();
    assert_eq!(form["source"], "form");
    insta::assert_json_snapshot!("name_mismatch_finding", f);
}

#[test]
fn low_confidence_goes_to_review_never_pass() {
    let d = tempfile::tempdir().unwrap();
    submission(d.path(), |b| {
        b["documents"][2]["fields"]["term_end"]["confidence"] = 0.3.into()
    });
    let r = check_json(d.path());
    assert_eq!(r["verdict"], "review");
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "CE-L16-1")
        .unwrap();
    assert_eq!(f["outcome"], "review");
    assert!(f["message"].as_str().unwrap().contains("0.30"), "{f:#}");
}

#[test]
fn an_attachment_outside_the_folder_is_refused_and_reviewed() {
    let d = tempfile::tempdir().unwrap();
    submission(d.path(), |b| {
        b["attachments"][2]["file"] = "../../etc/passwd".into()
    });
    let r = check_json(d.path());
    assert_eq!(r["verdict"], "review");
    assert!(r["errors"][0].as_str().unwrap().contains("超出"), "{r:#}");
}

#[test]
fn unreadable_submissions_exit_2_and_say_where() {
    let d = tempfile::tempdir().unwrap();
    let out = bin().arg("check").arg(d.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no submission.json") && err.contains(&*d.path().to_string_lossy()),
        "{err}"
    );

    std::fs::write(
        d.path().join("submission.json"),
        "{\"id\": \"S\",\n \"procedure\": }",
    )
    .unwrap();
    let out = bin().arg("check").arg(d.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("submission.json:2:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    submission(d.path(), |b| {
        b["procedure"] = "company_establishmnet".into()
    });
    let out = bin().arg("check").arg(d.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown procedure `company_establishmnet`") && err.contains("TEST-CE-BASE"),
        "{err}"
    );
}

#[test]
fn rules_check_reports_errors_with_places_and_exit_1() {
    let d = tempfile::tempdir().unwrap();
    let src = repo().join("rules");
    for (path, text) in prereview_dsl::load::read_dir(&src).unwrap() {
        let to = d.path().join(&path);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        let text = if path == "company_establishment/legal.rules" {
            text.replace("s.deadline <= limit", "s.dedline <= limit")
        } else {
            text
        };
        std::fs::write(to, text).unwrap();
    }
    let out = bin()
        .args(["rules", "check"])
        .arg(d.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("company_establishment/legal.rules:")
            && text.contains("error[E0206]")
            && text.contains("did you mean `deadline`?"),
        "{text}"
    );
}

#[test]
fn the_shipped_rules_check_and_test_clean() {
    let out = bin().args(["rules", "check"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = bin().args(["rules", "test"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("0 without a failing case, 0 without a passing case"),
        "{text}"
    );
}

#[test]
fn validate_prints_one_json_object_per_value() {
    let out = bin()
        .args([
            "validate",
            "id",
            "11010519491231002X",
            "110105194912310021",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "one of the two is invalid");
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["valid"], true);
    assert_eq!(lines[0]["birth_date"], "1949-12-31");
    assert_eq!(lines[1]["valid"], false);
    let out = bin()
        .args(["validate", "amount", "伍佰万元整", "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["yuan"], 5000000.0);
}
