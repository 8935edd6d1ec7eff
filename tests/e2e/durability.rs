use rollcall_tests::mail::Invite;
use rollcall_tests::server::{Server, event_id, queue_id};
use rollcall_tests::smtp_client::send_mail;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// More than can arrive before the kill, so the kill always lands while mail is arriving.
const MESSAGES: usize = 5000;

#[test]
fn every_acknowledged_message_survives_sigkill_and_is_processed_exactly_once() {
    let temp = tempfile::tempdir().expect("temp dir");
    let data = temp.path().join("data");
    // One organizer sends them all: the daily new-event quota would refuse those past 50,
    // and how many arrive before the kill depends on the machine.
    let unlimited = ["--quota-events", "0"];
    let mut server = Server::start_in_with(data.clone(), &unlimited);
    let smtp = server.smtp;

    // Mail keeps arriving while the server is killed: some messages get 250, some are cut off.
    let sender = std::thread::spawn(move || {
        let mut acknowledged = Vec::new();
        for n in 0..MESSAGES {
            let uid = format!("durable-{n}@example.com");
            let summary = format!("Meeting {n}");
            let raw = Invite {
                uid: &uid,
                summary: &summary,
                ..Invite::default()
            }
            .to_mail();
            match send_mail(
                smtp,
                "organizer@example.com",
                &["invites@rollcall.test"],
                &raw,
            ) {
                Ok(Ok(reply)) if reply.code == 250 => acknowledged.push((queue_id(&reply), uid)),
                Ok(_) => {}
                Err(_) => break, // the server is gone
            }
        }
        acknowledged
    });
    std::thread::sleep(Duration::from_millis(300));
    server.kill();
    let acknowledged = sender.join().expect("sender thread");
    assert!(
        !acknowledged.is_empty(),
        "some mail was acknowledged before the kill"
    );
    assert!(
        acknowledged.len() < MESSAGES,
        "the kill happened while mail was still arriving"
    );

    eprintln!(
        "{} messages acknowledged before the kill",
        acknowledged.len()
    );
    let restarted = Server::start_in_with(data, &unlimited);
    let inbox = restarted.wait_until_processed();
    // Every stored message has exactly one row and an outcome; nothing stays queued.
    let outcomes: HashMap<&str, &str> = inbox
        .iter()
        .filter_map(|r| Some((r["id"].as_str()?, r["outcome"].as_str()?)))
        .collect();
    assert_eq!(
        outcomes.len(),
        inbox.len(),
        "a message is twice in the inbox, or has no outcome"
    );
    let mut events_by_uid: HashMap<&str, HashSet<String>> = HashMap::new();
    for (id, uid) in &acknowledged {
        let outcome = outcomes
            .get(id.as_str())
            .copied()
            .unwrap_or("missing after the restart");
        assert!(
            outcome.starts_with("created event "),
            "{id} ({uid}): {outcome}"
        );
        events_by_uid
            .entry(uid)
            .or_default()
            .insert(event_id(outcome));
    }
    for (uid, events) in &events_by_uid {
        assert_eq!(events.len(), 1, "{uid} became {events:?}");
    }
    // One acknowledgement mail per created event, however often a step was repeated.
    let created = inbox.iter().filter(|r| r["status"] == "applied").count();
    assert!(created >= acknowledged.len());
    let outbox = restarted.outbox(created);
    assert_eq!(outbox.len(), created, "outbox files vs created events");
    for (id, _) in acknowledged.iter().take(3) {
        let event = event_id(outcomes[id.as_str()]);
        assert_eq!(restarted.get(&format!("/e/{event}")).expect("page").0, 200);
    }
}
