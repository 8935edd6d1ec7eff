//! Shared helpers for Rollcall's cross-crate tests: where fixtures live, and (in `server`) a
//! real `rollcall serve` process on free ports with a temporary data folder.

pub mod mail;
pub mod rsvp;
pub mod server;
pub mod smtp_client;

use std::path::{Path, PathBuf};

/// The workspace root (this package lives in `<root>/tests`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Corpus files the project may redistribute (see `tests/fixtures/corpus/SOURCES.tsv`).
pub fn project_corpus() -> PathBuf {
    workspace_root().join("tests/fixtures/corpus")
}

/// The full shared corpus beside the checkout, when it is there (it holds GPL/AGPL files that
/// are read, never copied).
pub fn shared_corpus() -> Option<PathBuf> {
    let dir = workspace_root().join("../shared/corpus");
    dir.is_dir().then_some(dir)
}

/// Every file under `dir` except the manifests, sorted, as paths relative to `dir`.
pub fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if !matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("md" | "tsv")
            ) {
                files.push(
                    path.strip_prefix(dir)
                        .map(Path::to_path_buf)
                        .unwrap_or(path),
                );
            }
        }
    }
    files.sort();
    files
}
