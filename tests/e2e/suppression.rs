//! A hard bounce at one event keeps every event from mailing the address, over real SMTP and
//! HTTP: the operator sees it in `rollcall suppressions` and lifts it, after which the other
//! event's next mail goes.

use rollcall_tests::mail::{Invite, hard_bounce};
use rollcall_tests::rsvp::{invitations_to, post_rsvp, rsvp};
use rollcall_tests::server::{Server, binary, event_id, queue_id};
use serde_json::Value;
use std::process::Command;

fn suppressions(server: &Server) -> Vec<Value> {
    let output = Command::new(binary())
        .args(["suppressions", "--json", "--data-dir"])
        .arg(&server.data_dir)
        .output()
        .expect("rollcall suppressions runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}

#[test]
fn a_hard_bounce_at_one_event_stops_mail_from_every_event_until_the_operator_lifts_it() {
    let server = Server::start();
    let lunch = event_id(&server.deliver(&Invite::default().to_mail()));
    rsvp(&server, &lunch, "Ann", "ann@example.org", "yes");
    let reply_to = invitations_to(&server, "ann@example.org", 1)[0].reply_address();
    let bounce = server
        .send(
            "",
            &[&reply_to],
            hard_bounce(&reply_to, "ann@example.org").as_bytes(),
        )
        .expect("accepted");
    assert!(
        server
            .outcome_of(&queue_id(&bounce))
            .contains("permanent failure 5.1.1"),
        "{:?}",
        server.inbox()
    );
    let listed = suppressions(&server);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["address"], "ann@example.org");
    assert_eq!(listed[0]["reason"], "bounced");
    assert_eq!(listed[0]["event_id"], lunch.as_str());

    // Someone answers for her at another event: no invitation goes to the dead address.
    let board = Invite {
        uid: "e2e-board@example.com",
        summary: "Board meeting",
        ..Invite::default()
    };
    let board_id = event_id(&server.deliver(&board.to_mail()));
    let reply = post_rsvp(&server, &board_id, "Ann", "ann@example.org", "maybe");
    assert_eq!(reply.0, 200, "{}", reply.2);
    let refused = (0..100).find_map(|_| {
        let outbox = Command::new(binary())
            .args(["outbox", "--json", "--data-dir"])
            .arg(&server.data_dir)
            .output()
            .expect("rollcall outbox runs");
        let listing: Value = serde_json::from_slice(&outbox.stdout).expect("json");
        let failed = listing["messages"].as_array().and_then(|messages| {
            messages
                .iter()
                .find(|m| m["state"] == "failed" && m["to"] == "ann@example.org")
                .cloned()
        });
        if failed.is_none() {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        failed
    });
    let refused = refused.expect("the board invitation is failed, not sent");
    let why = refused["last_error"].as_str().unwrap_or_default();
    assert!(why.contains("suppressed for every event"), "{why}");
    assert!(why.contains(&lunch), "names the event that bounced: {why}");
    assert_eq!(invitations_to(&server, "ann@example.org", 1).len(), 1);

    // The operator lifts it; the board's next mail to her goes.
    let lifted = Command::new(binary())
        .args(["suppressions", "lift", "Ann@Example.org", "--data-dir"])
        .arg(&server.data_dir)
        .output()
        .expect("rollcall suppressions lift runs");
    assert!(lifted.status.success(), "{lifted:?}");
    assert!(suppressions(&server).is_empty());
    let moved = Invite {
        sequence: 1,
        dtstamp: "20270102T100000Z",
        start: "20370306T150000",
        ..board
    };
    server.deliver(&moved.to_mail());
    let mail = invitations_to(&server, "ann@example.org", 2);
    assert_eq!(mail.len(), 2, "the board's update reached her");
    assert_eq!(mail[1].event().summary.as_deref(), Some("Board meeting"));
}
