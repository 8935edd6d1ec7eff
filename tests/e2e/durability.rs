use rollcall_tests::mail::Invite;
use rollcall_tests::server::{Server, event_id, queue_id};
use rollcall_tests::smtp_client::send_mail;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

const MESSAGES: usize = 80;

#[test]
fn every_acknowledged_message_survives_sigkill_and_is_processed_exactly_once() {
    let temp = tempfile::tempdir().expect("temp dir");
    let data = temp.path().join("data");
    let mut server = Server::start_in(data.clone());
    let smtp = server.smtp;

    // Mail keeps arriving while the server is killed: some messages get 250, some are cut off.
    let sender = std::thread::spawn(move || {
        let mut acknowledged = Vec::new();
        for n in 0..MESSAGES {
            let uid = format!("durable-{n}@example.com");
            let raw = Invite {
                uid: &uid,
                summary: &format!("Meeting {n}"),
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
    std::thread::sleep(Duration::from_millis(250));
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

    let restarted = Server::start_in(data);
    let mut events_by_uid: HashMap<String, HashSet<String>> = HashMap::new();
    for (id, uid) in &acknowledged {
        let outcome = restarted.outcome_of(id);
        assert!(
            outcome.starts_with("created event "),
            "{id} ({uid}): {outcome}"
        );
        events_by_uid
            .entry(uid.clone())
            .or_default()
            .insert(event_id(&outcome));
    }
    for (uid, events) in &events_by_uid {
        assert_eq!(events.len(), 1, "{uid} became {events:?}");
    }
    // Every stored message has exactly one row and one outcome; nothing stays queued.
    let inbox = restarted.inbox();
    let ids: HashSet<&str> = inbox.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(
        ids.len(),
        inbox.len(),
        "a message appears twice in the inbox"
    );
    for (id, _) in &acknowledged {
        assert!(
            ids.contains(id.as_str()),
            "acknowledged {id} is missing after the restart"
        );
    }
    // One acknowledgement mail per created event, however often a step was repeated.
    let created = inbox.iter().filter(|r| r["status"] == "applied").count();
    let outbox = restarted.outbox(created);
    assert_eq!(outbox.len(), created, "outbox files vs created events");
    for (id, _) in acknowledged.iter().take(3) {
        let event = event_id(&restarted.outcome_of(id));
        assert_eq!(restarted.get(&format!("/e/{event}")).expect("page").0, 200);
    }
}
