//! The dashboard app: its unit tests (Vitest), then the whole organizer journey in a real
//! browser (Debian's chromium driven by playwright-core, `web/e2e/dashboard.e2e.mjs`) against a
//! real `rollcall serve`: mail an invitation in, sign in from the acknowledgement, watch two
//! answers arrive, filter, read a timeline, export, add invitees, sign out. Screenshots land
//! in `target/e2e-artifacts/dashboard/`.

use rollcall_tests::server::{DOMAIN, Server};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn web() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../web")
}

/// Installs what the app's tests need and builds it, once per test run.
fn prepared() -> &'static Result<(), String> {
    static PREPARED: OnceLock<Result<(), String>> = OnceLock::new();
    PREPARED.get_or_init(|| {
        let output = Command::new("bash")
            .arg(web().join("scripts/prepare.sh"))
            .output()
            .map_err(|e| format!("cannot run web/scripts/prepare.sh: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "web/scripts/prepare.sh failed:\n{}\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    })
}

fn run(command: &mut Command, what: &str) -> String {
    if let Err(error) = prepared() {
        panic!("{error}");
    }
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what} did not start: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{what} failed:\n{text}");
    text
}

#[test]
fn the_dashboard_unit_tests_pass() {
    let out = run(
        Command::new("npm")
            .args(["test", "--silent"])
            .current_dir(web()),
        "npm test (vitest)",
    );
    assert!(out.contains("passed"), "{out}");
}

#[test]
fn an_organizer_signs_in_and_follows_answers_in_a_real_browser() {
    if let Err(error) = prepared() {
        panic!("{error}");
    }
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/web-test/dist");
    let server = Server::start_with(&["--web-dir", &dist.to_string_lossy()]);
    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-artifacts/dashboard");
    std::fs::create_dir_all(&artifacts).expect("artifacts folder");
    let out = run(
        Command::new("node")
            .arg("e2e/dashboard.e2e.mjs")
            .current_dir(web())
            .env("ROLLCALL_URL", format!("http://{}", server.http))
            .env("ROLLCALL_SMTP", server.smtp.to_string())
            .env("ROLLCALL_OUTBOX", server.data_dir.join("outbox"))
            .env("ROLLCALL_DOMAIN", DOMAIN)
            .env("ARTIFACTS", &artifacts),
        "the browser journey (web/e2e/dashboard.e2e.mjs)",
    );
    assert!(out.contains(" 0 failed"), "{out}");
    assert!(
        artifacts.join("event-report.png").exists(),
        "screenshots saved"
    );
}
