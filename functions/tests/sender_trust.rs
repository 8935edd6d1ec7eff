//! Sender trust on AWS (DESIGN §6): organizer mail whose SES `dmarcVerdict` is not PASS
//! creates nothing; the claimed organizer is mailed a link, and only its POST, through the
//! `api` function (which reads the raw mail back from S3), creates the event.

mod support;

use mail_parser::MessageParser;
use rollcall_core::outcome::OutcomeStatus;
use rollcall_core::ports::EventStore;
use std::sync::Arc;
use support::{World, form_token, invitation, run_batch};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dmarc_failure_waits_for_the_organizer_to_confirm_by_link() {
    let world = World::new().await;
    let store = world.bed.store();
    let uid = format!("unsure-{}@google.com", world.bed.table);
    let id = world
        .mail_arrives(
            &invitation(&world, &uid, "Maybe forged"),
            &[&world.invites()],
            "FAIL",
        )
        .await;
    let inbound = Arc::new(world.inbound().await);
    run_batch(&world.bed.inbound_queue, |batch| inbound.handle(batch)).await;

    let record = store
        .message_record(&id)
        .await
        .expect("store")
        .expect("recorded");
    assert_eq!(
        record.outcome.status(),
        OutcomeStatus::Pending,
        "{}",
        record.outcome
    );
    assert!(
        record.outcome.to_string().contains("dmarc=FAIL"),
        "{}",
        record.outcome
    );
    assert!(
        store
            .event_by_uid("grace@example.com", &uid)
            .await
            .expect("store")
            .is_none(),
        "nothing is created yet"
    );

    // The question goes to the claimed organizer through SES.
    let worker = Arc::new(world.worker().await);
    run_batch(&world.bed.jobs_queue, |batch| worker.handle(batch)).await;
    let questions = world.sent_containing(&["grace@example.com", "Please confirm"]);
    assert_eq!(questions.len(), 1, "one confirmation mail");
    let mail = MessageParser::new()
        .parse(questions[0].as_bytes())
        .expect("the mail parses");
    let text = mail.body_text(0).expect("a text body").into_owned();
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with(&format!("{}/c/", support::BASE_URL)))
        .expect("a confirmation link")
        .trim_start_matches(support::BASE_URL)
        .to_string();

    // Looking changes nothing; confirming creates the event, once.
    let page = world.http("GET", &link, None).await;
    assert_eq!(page["statusCode"], 200, "{page}");
    assert!(
        store
            .event_by_uid("grace@example.com", &uid)
            .await
            .expect("store")
            .is_none()
    );
    let html = page["body"].as_str().expect("HTML");
    let form = format!("form_token={}", form_token(html));
    let confirmed = world.http("POST", &link, Some(&form)).await;
    assert_eq!(confirmed["statusCode"], 200, "{confirmed}");
    let event = store
        .event_by_uid("grace@example.com", &uid)
        .await
        .expect("store")
        .expect("created by the confirmation");
    assert!(
        confirmed["body"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("/e/{}", event.id)),
        "the answer links the public page"
    );
    let again = world.http("POST", &link, Some(&form)).await;
    assert_ne!(again["statusCode"], 500, "{again}");
    let event_again = store
        .event_by_uid("grace@example.com", &uid)
        .await
        .expect("store")
        .expect("still there");
    assert_eq!(
        event_again.version, event.version,
        "a second confirmation changes nothing"
    );
}
