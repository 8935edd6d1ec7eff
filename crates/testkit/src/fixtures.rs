//! Paths to the shared fixtures in `<workspace>/tests/fixtures`.

use std::path::{Path, PathBuf};

/// `<workspace>/tests/fixtures/<rel>`. Does not check that the file exists.
pub fn fixture_path(rel: impl AsRef<Path>) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(rel)
}

/// The bytes of a fixture; panics with the path when it cannot be read (a test setup error).
pub fn read_fixture(rel: impl AsRef<Path>) -> Vec<u8> {
    let path = fixture_path(rel);
    match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) => panic!("cannot read fixture {}: {error}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_paths_point_into_the_workspace_fixtures() {
        assert!(
            fixture_path("corpus").is_dir(),
            "{}",
            fixture_path("corpus").display()
        );
        assert!(!read_fixture("corpus/SOURCES.tsv").is_empty());
    }
}
