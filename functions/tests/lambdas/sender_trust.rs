//! Sender trust on AWS (DESIGN §6): organizer mail whose SES `dmarcVerdict` is not PASS
//! creates nothing; the claimed organizer is mailed a link, and only its POST, through the
//! `api` function (which reads the raw mail back from S3), creates the event.

use crate::support::{World, form_token, invitation, run_batch};
use mail_parser::MessageParser;
use rollcall_core::outcome::OutcomeStatus;
use rollcall_core::ports::EventStore;
use std::sync::Arc;

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
        .find(|w| w.starts_with(&format!("{}/c/", crate::support::BASE_URL)))
        .expect("a confirmation link")
        .trim_start_matches(crate::support::BASE_URL)
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

/// SES judged the message spam: it is dropped unread — the raw mail is not even fetched from
/// S3 (this test never stores it) — and nobody is asked or answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_ses_judges_spam_is_dropped_without_being_read() {
    let world = World::new().await;
    let store = world.bed.store();
    let id = format!(
        "ses{}",
        rollcall_aws::dynamo::emulator::unique_table_name().replace('-', "")
    );
    let key = format!("inbound/{id}");
    let mut receipt =
        crate::support::receipt(&id, &world.bed.bucket, &key, &[&world.invites()], "PASS");
    receipt["receipt"]["spamVerdict"]["status"] = "FAIL".into();
    world.bed.notify_inbound(&receipt).await;
    let inbound = Arc::new(world.inbound().await);
    run_batch(&world.bed.inbound_queue, |batch| inbound.handle(batch)).await;
    let record = store
        .message_record(&id)
        .await
        .expect("store")
        .expect("recorded, acknowledged");
    assert_eq!(
        record.outcome.to_string(),
        "rejected: dropped unread: SES spam verdict FAIL"
    );
    let worker = Arc::new(world.worker().await);
    run_batch(&world.bed.jobs_queue, |batch| worker.handle(batch)).await;
    assert!(world.sent_containing(&["Please confirm"]).is_empty());
}

/// A sender whose own domain passes DMARC names itself Grace's SENT-BY: on AWS too that is a
/// delegate Grace never allowed, so nothing is created and only Grace is asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authenticated_stranger_naming_itself_sent_by_creates_nothing() {
    let world = World::new().await;
    let store = world.bed.store();
    let uid = format!("forged-{}@google.com", world.bed.table);
    let forged = String::from_utf8_lossy(&invitation(&world, &uid, "Hijack"))
        .replace(
            "From: Grace Hopper <grace@example.com>",
            "From: Mallory <mallory@attacker.example>",
        )
        .replace(
            "ORGANIZER;CN=Grace Hopper:mailto:grace@example.com",
            "ORGANIZER;CN=Grace Hopper;SENT-BY=\"mailto:mallory@attacker.example\":mailto:grace@example.com",
        )
        .into_bytes();
    let id = world
        .mail_arrives(&forged, &[&world.invites()], "PASS")
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
        store
            .event_by_uid("grace@example.com", &uid)
            .await
            .expect("store")
            .is_none()
    );
    let worker = Arc::new(world.worker().await);
    run_batch(&world.bed.jobs_queue, |batch| worker.handle(batch)).await;
    let questions = world.sent_containing(&["Please confirm", "mallory@attacker.example"]);
    assert_eq!(questions.len(), 1, "one question");
    let to: Vec<String> = questions
        .iter()
        .filter_map(|raw| {
            let mail = MessageParser::new().parse(raw.as_bytes())?;
            Some(mail.to()?.first()?.address()?.to_string())
        })
        .collect();
    assert_eq!(to, ["grace@example.com"], "to Grace, never to the sender");
}
