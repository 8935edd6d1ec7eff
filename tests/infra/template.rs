//! The SAM template validates offline: cfn-lint, `sam validate --lint`, and Rollcall's own
//! rules (tests/infra/check_template.py). The script installs its tools itself.

use rollcall_tests::workspace_root;
use std::process::Command;

#[test]
fn the_sam_template_passes_cfn_lint_sam_validate_and_our_own_rules() {
    let root = workspace_root();
    let output = Command::new("bash")
        .arg(root.join("tests/infra/validate.sh"))
        .current_dir(&root)
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "validate.sh failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(stdout.contains("is a valid SAM Template"), "{stdout}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}
