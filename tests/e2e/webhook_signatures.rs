//! Rollcall's Standard Webhooks signatures as a receiver checks them: signed by
//! `rollcall_core::webhook::signature`, verified by the reference library from PyPI
//! (`tests/verifiers/standard_webhooks.py`, installed once by `tests/verifiers/python.sh`).
//! `webhooks.rs` verifies real deliveries of `rollcall serve` with the same script.

use rollcall_core::webhook::signature::{Secret, signature_header};
use rollcall_tests::workspace_root;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

fn python() -> &'static PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let output = Command::new("bash")
            .arg(workspace_root().join("tests/verifiers/python.sh"))
            .output()
            .expect("tests/verifiers/python.sh runs");
        assert!(
            output.status.success(),
            "installing the verifiers failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
    })
}

/// What the reference library says of a delivery: "verified" or "refused: …".
pub(crate) fn receiver_says(
    secret: &str,
    id: &str,
    timestamp: i64,
    signature: &str,
    body: &str,
) -> String {
    let delivery = serde_json::json!({
        "headers": {
            "webhook-id": id,
            "webhook-timestamp": timestamp.to_string(),
            "webhook-signature": signature,
        },
        "body": body,
    });
    let mut child = Command::new(python())
        .arg(workspace_root().join("tests/verifiers/standard_webhooks.py"))
        .arg(secret)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the verifier starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(delivery.to_string().as_bytes())
        .expect("delivery written");
    let output = child.wait_with_output().expect("the verifier ends");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[test]
fn a_signed_delivery_verifies_with_the_reference_library_and_a_changed_one_does_not() {
    let secret = Secret::generate();
    let id = "chg_01JDZK4W3RV0Q8E6Y2M5N7P9TB";
    // The library refuses timestamps more than five minutes from its clock.
    let now = chrono::Utc::now().timestamp();
    let body = r#"{"type":"invitee.answered","data":{"response":"accepted","name":"Zoë"}}"#;
    let signature = signature_header(&[&secret], id, now, body.as_bytes());

    let shown = secret.to_string();
    assert_eq!(receiver_says(&shown, id, now, &signature, body), "verified");
    let changed = body.replace("accepted", "declined");
    assert!(
        receiver_says(&shown, id, now, &signature, &changed).starts_with("refused"),
        "a changed body is refused"
    );
    assert!(
        receiver_says(&shown, "chg_other", now, &signature, body).starts_with("refused"),
        "another id is refused"
    );
    let other = Secret::generate().to_string();
    assert!(
        receiver_says(&other, id, now, &signature, body).starts_with("refused"),
        "another secret is refused"
    );
}

#[test]
fn during_a_rotation_receivers_with_the_old_or_the_new_secret_both_verify() {
    let old = Secret::generate();
    let new = Secret::generate();
    let id = "chg_rotation";
    let now = chrono::Utc::now().timestamp();
    let body = "{}";
    let signature = signature_header(&[&old, &new], id, now, body.as_bytes());
    for secret in [&old, &new] {
        assert_eq!(
            receiver_says(&secret.to_string(), id, now, &signature, body),
            "verified"
        );
    }
}
