//! Embeds the dashboard (`web/dist`, built by `npm run build` in `web/`) into the binary when
//! it has been built; without it the crate still builds, and `/app/` says how to build it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn files(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, base, out);
        } else if let Ok(relative) = path.strip_prefix(base) {
            let name = relative.to_string_lossy().replace('\\', "/");
            out.push((name, path));
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let web = manifest.join("../../web");
    let dist = web.join("dist");
    // Watch the built app when there is one, else the folder it will appear in.
    let watched = if dist.is_dir() { &dist } else { &web };
    println!("cargo:rerun-if-changed={}", watched.display());
    let mut found = Vec::new();
    if dist.join("index.html").is_file() {
        files(&dist, &dist, &mut found);
    }
    found.sort();
    // A snapshot in OUT_DIR, so a later rebuild of web/dist (new fingerprints, old files gone)
    // cannot break compiling this crate again (rustdoc does, for doc tests).
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    let snapshot = out_dir.join("web");
    let _ = std::fs::remove_dir_all(&snapshot);
    let mut code = String::from("pub static ASSETS: &[(&str, &[u8])] = &[\n");
    for (name, path) in &found {
        let copy = snapshot.join(name);
        let copied = copy
            .parent()
            .is_some_and(|dir| std::fs::create_dir_all(dir).is_ok())
            && std::fs::copy(path, &copy).is_ok();
        if !copied {
            println!(
                "cargo:warning=could not copy {} into the build",
                path.display()
            );
            continue;
        }
        let _ = writeln!(
            code,
            "    ({name:?}, include_bytes!({:?})),",
            copy.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = out_dir.join("web_assets.rs");
    if let Err(error) = std::fs::write(&out, code) {
        println!("cargo:warning=could not write {}: {error}", out.display());
    }
}
