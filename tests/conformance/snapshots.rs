//! Checked-in `rollcall parse` output for a representative set of corpus files, each reviewed
//! by hand against its source. `UPDATE_SNAPSHOTS=1 cargo test` rewrites them; review the diff.

use rollcall_tests::{project_corpus, workspace_root};

#[test]
fn parse_output_matches_the_reviewed_snapshots() {
    let snapshot_dir = workspace_root().join("tests/fixtures/snapshots");
    let corpus = project_corpus();
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut snapshots: Vec<_> = std::fs::read_dir(&snapshot_dir)
        .expect("snapshot folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    snapshots.sort();
    assert!(snapshots.len() >= 12, "expected the reviewed snapshot set");
    let mut mismatches = Vec::new();
    for snapshot in snapshots {
        let stem = snapshot
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let relative = stem.replacen("__", "/", 1);
        let mut out = Vec::new();
        // Run from the corpus folder so the `file` field is the stable relative path.
        let files = [corpus.join(&relative)];
        rollcall_local::commands::parse::run(&files, &mut out).expect("writes to memory");
        let actual = String::from_utf8(out)
            .expect("JSON is UTF-8")
            .replace(&format!("{}/", corpus.display()), "");
        if update {
            std::fs::write(&snapshot, &actual).expect("snapshot written");
            continue;
        }
        let expected = std::fs::read_to_string(&snapshot).expect("snapshot readable");
        if expected != actual {
            mismatches.push(format!(
                "{relative}\n--- expected\n{expected}\n+++ actual\n{actual}"
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
