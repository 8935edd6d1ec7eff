use rollcall_tests::server::binary;
use rollcall_tests::workspace_root;
use std::process::Command;

#[test]
fn parse_prints_one_json_line_per_event_and_fails_for_unreadable_files() {
    let root = workspace_root();
    let output = Command::new(binary())
        .arg("parse")
        .arg(root.join("examples/outlook-invite.eml"))
        .arg(root.join("tests/fixtures/corpus/apple/ccs-calendarserver__dsn_failure_no_ics.eml"))
        .arg(root.join("does-not-exist.ics"))
        .output()
        .expect("parse runs");
    assert_eq!(output.status.code(), Some(1), "one file failed");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0]["method"], "REQUEST");
    assert_eq!(lines[0]["summary"], "Engine budget review");
    // W. Europe Standard Time, 15 March 2037 14:00 local (CET, +01:00) is 13:00 UTC.
    assert_eq!(lines[0]["start"], "2037-03-15T13:00:00Z");
    assert_eq!(lines[0]["tzid"], "Europe/Berlin");
    assert!(
        lines[1]["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("no-calendar: ")),
        "{}",
        lines[1]
    );
    assert!(
        lines[2]["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("io: ")),
        "{}",
        lines[2]
    );
}

#[test]
fn parse_succeeds_with_exit_status_zero_when_every_file_reads() {
    let status = Command::new(binary())
        .arg("parse")
        .arg(workspace_root().join("examples/apple-invite.eml"))
        .status()
        .expect("parse runs");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_second_server_on_the_same_data_folder_refuses_to_start() {
    let first = rollcall_tests::server::Server::start();
    let output = Command::new(binary())
        .args([
            "serve",
            "--http-addr",
            "127.0.0.1:0",
            "--smtp-addr",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(&first.data_dir)
        .output()
        .expect("second serve runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("another rollcall server is already using the data folder"),
        "{stderr}"
    );
}

#[test]
fn a_port_in_use_fails_with_a_message_naming_the_flag() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr");
    let data = tempfile::tempdir().expect("temp dir");
    let output = Command::new(binary())
        .args([
            "serve",
            "--smtp-addr",
            "127.0.0.1:0",
            "--http-addr",
            &addr.to_string(),
            "--data-dir",
        ])
        .arg(data.path())
        .output()
        .expect("serve runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen for HTTP on {addr}"))
            && stderr.contains("--http-addr"),
        "{stderr}"
    );
}

#[test]
fn token_create_prints_an_api_token_that_reads_the_organizers_events() {
    use rollcall_tests::mail::Invite;
    use rollcall_tests::server::{Server, event_id};
    let server = Server::start();
    let event = event_id(&server.deliver(&Invite::default().to_mail()));
    let invite = Invite::default();
    let output = Command::new(binary())
        .args([
            "token",
            "create",
            "--organizer",
            invite.organizer,
            "--label",
            "CRM",
        ])
        .arg("--data-dir")
        .arg(&server.data_dir)
        .output()
        .expect("token create runs");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let token = stdout.lines().next().unwrap_or_default().trim().to_string();
    assert!(token.starts_with("rc_"), "{stdout}");
    assert!(stdout.contains("shown only now"), "{stdout}");

    let auth = format!("Bearer {token}");
    let (status, _, body) = server
        .request("GET", "/api/v1/events", &[], &[("Authorization", &auth)])
        .expect("api answers");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&event), "{body}");
    let (status, _, _) = server
        .request(
            "GET",
            "/api/v1/events",
            &[],
            &[("Authorization", "Bearer rc_nope")],
        )
        .expect("api answers");
    assert_eq!(status, 401);

    let refused = Command::new(binary())
        .args(["token", "create", "--organizer", "not an address"])
        .arg("--data-dir")
        .arg(&server.data_dir)
        .output()
        .expect("token create runs");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("email address"));
}
