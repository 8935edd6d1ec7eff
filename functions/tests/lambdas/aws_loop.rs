//! The whole RSVP loop on the AWS functions, against the emulator (moto's server mode), driven
//! the way AWS drives them: an organizer's invitation lands in S3 with its receipt
//! notification going SNS → SQS → `inbound`; an invitee answers through `api`; `worker` sends
//! through SES (read back from moto); the invitee's calendar replies by mail; SES's delivery,
//! bounce and complaint events go SNS → SQS → `events`. The state is asserted in DynamoDB.

use crate::support::{World, drain, form_token, invitation, run_batch, ses_event};
use rollcall_core::Limits;
use rollcall_core::imip::read_message;
use rollcall_core::invitee::InviteeId;
use rollcall_core::outcome::OutcomeStatus;
use rollcall_core::ports::{EventStore, InviteeStore, WebhookStore};
use std::collections::HashMap;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_an_rsvp_a_reply_and_delivery_events_go_round_the_aws_functions() {
    let world = World::new().await;
    let store = world.bed.store();

    // 1. The organizer's invitation arrives: S3 + notification → inbound queue → `inbound`.
    let uid = format!("loop-{}@google.com", world.bed.table);
    let invitation_id = world
        .mail_arrives(
            &invitation(&world, &uid, "Compiler team planning"),
            &[&world.invites()],
            "PASS",
        )
        .await;
    let inbound = std::sync::Arc::new(world.inbound().await);
    let received = run_batch(&world.bed.inbound_queue, |batch| inbound.handle(batch)).await;
    assert_eq!(
        received.len(),
        1,
        "the notification came through SNS to SQS"
    );
    let envelope: serde_json::Value = serde_json::from_str(&received[0].body).expect("a JSON body");
    assert_eq!(
        envelope["Type"], "Notification",
        "an SNS envelope: {envelope}"
    );

    let record = store
        .message_record(&invitation_id)
        .await
        .expect("store")
        .expect("the message's outcome is recorded under SES's id");
    assert_eq!(
        record.outcome.status(),
        OutcomeStatus::Applied,
        "{:?}",
        record.outcome
    );
    let event = store
        .event_by_uid("grace@example.com", &uid)
        .await
        .expect("store")
        .expect("the event is in DynamoDB");
    assert_eq!(event.title(), "Compiler team planning");

    // The organizer's system listens on loopback for answers, through a webhook endpoint.
    let (hook_url, hooks) = receiver().await;
    let endpoint = rollcall_core::webhook::endpoint::Endpoint {
        id: "ep_00000000000000aa".into(),
        organizer: "grace@example.com".into(),
        url: hook_url,
        types: vec![rollcall_core::change::ChangeType::InviteeAnswered],
        description: "the AWS loop".into(),
        secret: rollcall_core::webhook::signature::Secret::generate(),
        previous: None,
        disabled: None,
        created_at: chrono::Utc::now(),
    };
    store.put_endpoint(&endpoint).await.expect("endpoint");

    // 2. The acknowledgement: the commit rang the doorbell; `worker` sends it through SES.
    let worker = std::sync::Arc::new(world.worker().await);
    let received = run_batch(&world.bed.jobs_queue, |batch| worker.handle(batch)).await;
    assert!(!received.is_empty(), "a deliver-due job was queued");
    assert!(
        received
            .iter()
            .all(|r| r.body == r#"{"kind":"deliver-due"}"#)
    );
    let public = format!("/e/{}", event.id);
    let acks = world.sent_containing(&["To: \"Grace Hopper\" <grace@example.com>", &public]);
    assert_eq!(acks.len(), 1, "one acknowledgement with the public link");
    let sender = format!("From: \"Rollcall\" <rollcall@{}>", world.bed.domain);
    assert!(
        acks[0].contains(&sender),
        "from ROLLCALL_SENDER: {}",
        acks[0]
    );
    // The same run recorded the organizer's own guests (an attendee job, not mail).
    let alan = store
        .invitee_by_email(&event.id, "alan@example.net")
        .await
        .expect("store")
        .expect("the organizer's own guest is recorded by the attendee job");
    assert_eq!(alan.status.value("response"), Some("tentative"));

    // 3. An invitee answers on the public page, through `api`.
    let page = world.http("GET", &public, None).await;
    assert_eq!(page["statusCode"], 200, "{page}");
    let html = page["body"].as_str().expect("an HTML body");
    assert!(html.contains("Compiler team planning"));
    let form = format!(
        "form_token={}&name=Ann+Example&email=ann%40example.org&answer=yes",
        form_token(html)
    );
    let answered = world
        .http("POST", &format!("{public}/rsvp"), Some(&form))
        .await;
    // The answer page never hands out a personal link: it says "check your email",
    // the same for a known address as for a new one.
    assert_eq!(answered["statusCode"], 200, "{answered}");
    let check = answered["body"].as_str().expect("an HTML body");
    assert!(check.contains("Check your email"), "{check}");
    assert!(
        !check.contains("/r/"),
        "no personal link on the page: {check}"
    );
    let ann = store
        .invitee_by_email(&event.id, "ann@example.org")
        .await
        .expect("store")
        .expect("Ann is an invitee");
    assert_eq!(ann.status.value("response"), Some("accepted"));

    // 4. Her personal invitation leaves through SES.
    let received = run_batch(&world.bed.jobs_queue, |batch| worker.handle(batch)).await;
    assert!(!received.is_empty(), "the RSVP rang the doorbell");
    let sent = world.sent_containing(&["To: \"Ann Example\" <ann@example.org>", "BEGIN:VCALENDAR"]);
    assert_eq!(sent.len(), 1, "one personal invitation: {sent:?}");
    let read = read_message(sent[0].as_bytes(), &Limits::default()).expect("a readable invitation");
    assert!(
        read.subject
            .as_deref()
            .is_some_and(|s| s.starts_with("Invitation: Compiler team planning")),
        "her first invitation is not an update: {:?}",
        read.subject
    );
    let (_, personal_event) = read.events().next().expect("one event");
    let reply_address = personal_event
        .organizer
        .as_ref()
        .and_then(|o| o.email.clone())
        .expect("ORGANIZER is her reply address");
    assert!(reply_address.starts_with("rsvp+"), "{reply_address}");
    assert!(
        reply_address.ends_with(&world.bed.domain),
        "{reply_address}"
    );
    let message_id = message_id_of(&sent[0]);
    assert_eq!(
        rollcall_core::usecase::provider::invitee_of_message_id(&message_id, &world.bed.domain),
        Some(ann.id.clone())
    );

    // 5. Her calendar declines by mail to the reply address: back through `inbound`. Given
    // after her web answer (DTSTAMP has whole seconds, so wait one), it is the newer answer.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let reply = format!(
        "From: Ann Example <ann@example.org>\r\nTo: <{reply_address}>\r\nSubject: Declined: Compiler team planning\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/calendar; charset=\"utf-8\"; method=REPLY\r\n\r\n\
         BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nPRODID:Microsoft Exchange Server 2010\r\nVERSION:2.0\r\n\
         BEGIN:VEVENT\r\nATTENDEE;PARTSTAT=DECLINED;CN=Ann:mailto:ann@example.org\r\nUID:{uid}\r\n\
         SEQUENCE:{sequence}\r\nDTSTAMP:{dtstamp}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        uid = personal_event.uid.clone().unwrap_or_default(),
        sequence = personal_event.sequence,
        dtstamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
    );
    world
        .mail_arrives(reply.as_bytes(), &[&reply_address], "FAIL")
        .await;
    run_batch(&world.bed.inbound_queue, |batch| inbound.handle(batch)).await;
    let ann = invitee(&store, &ann.id).await;
    assert_eq!(
        ann.status.value("response"),
        Some("declined"),
        "a reply counts through its reply key, whatever the sender's DMARC"
    );

    // 6. SES reports delivery, then a bounce and a complaint: SNS → SQS → `events`.
    let events = std::sync::Arc::new(world.events());
    for (kind, at) in [
        ("Delivery", "2026-11-23T10:01:00.000Z"),
        ("Bounce", "2026-11-23T10:02:00.000Z"),
    ] {
        world
            .bed
            .notify_ses_event(&ses_event(kind, &message_id, "ann@example.org", at))
            .await;
    }
    let received = run_batch(&world.bed.events_queue, |batch| events.handle(batch)).await;
    assert_eq!(received.len(), 2);
    let ann = invitee(&store, &ann.id).await;
    assert_eq!(ann.status.value("delivery"), Some("delivered"));
    assert_eq!(ann.status.value("reachability"), Some("bounced"));

    world
        .bed
        .notify_ses_event(&ses_event(
            "Complaint",
            &message_id,
            "ann@example.org",
            "2026-11-23T10:03:00.000Z",
        ))
        .await;
    run_batch(&world.bed.events_queue, |batch| events.handle(batch)).await;
    let ann = invitee(&store, &ann.id).await;
    assert_eq!(ann.status.value("reachability"), Some("complained"));
    let history = store.signals_of(&ann.id).await.expect("history");
    for kind in ["delivered", "bounced", "complained"] {
        assert!(
            history.iter().any(|r| serde_json::to_string(&r.signal.kind)
                .unwrap_or_default()
                .contains(kind)),
            "{kind} in her history: {history:?}"
        );
    }

    // The counters moved in the same transactions: reports read them, not the invitees.
    let counters = store.counters(&event.id).await.expect("counters");
    let count = |track: &str, value: &str| {
        counters
            .iter()
            .find(|(t, v, _)| t == track && v == value)
            .map_or(0, |(_, _, n)| *n)
    };
    assert_eq!(count("response", "declined"), 1, "{counters:?}");
    assert_eq!(count("reachability", "complained"), 1, "{counters:?}");

    // And Rollcall's event stream told integrators, through the outbox: the commits queued
    // their records' dispatch and rang the doorbell; the worker tells SNS → the subscribed
    // queue, one message per change record, in the shape the API gives it.
    let rang = run_batch(&world.bed.jobs_queue, |batch| worker.handle(batch)).await;
    assert!(!rang.is_empty(), "the events' commits rang the doorbell");
    let (_, published) = drain(&world.bed.stream_queue).await;
    let records: Vec<serde_json::Value> = published
        .iter()
        .filter_map(|m| serde_json::from_str::<serde_json::Value>(&m.body).ok())
        .map(|body| match body["Message"].as_str() {
            // Not raw delivery: the record is the SNS envelope's `Message`.
            Some(message) => serde_json::from_str(message).unwrap_or(body),
            None => body,
        })
        .collect();
    let about_ann = |kind: &str, new: &str| {
        records.iter().any(|r| {
            r["type"] == kind
                && r["data"]["invitee_id"] == ann.id.as_str()
                && r["data"]["new"] == new
                && r["version"] == 1
        })
    };
    assert!(
        about_ann("invitee.answered", "declined") && about_ann("invitee.complained", "complained"),
        "her reply and her complaint told: {records:#?}"
    );

    // The worker posted every answer to the endpoint, signed with its secret, beside the mail.
    let posted = hooks.lock().expect("lock").clone();
    let answers: Vec<serde_json::Value> = posted
        .iter()
        .map(|(headers, body)| {
            let header = |name: &str| headers.get(name).cloned().unwrap_or_default();
            let timestamp: i64 = header("webhook-timestamp").parse().expect("seconds");
            let signed = endpoint
                .secret
                .sign(&header("webhook-id"), timestamp, body.as_bytes());
            assert_eq!(
                header("webhook-signature"),
                signed,
                "signed with the secret"
            );
            serde_json::from_str(body).expect("json")
        })
        .filter(|b: &serde_json::Value| b["data"]["invitee_id"] == ann.id.as_str())
        .collect();
    let news: Vec<&serde_json::Value> = answers.iter().map(|a| &a["data"]["new"]).collect();
    assert!(
        news.contains(&&serde_json::json!("declined")),
        "her calendar's answer reached the endpoint: {answers:#?}"
    );
    assert!(
        answers.iter().all(|a| a["type"] == "invitee.answered"),
        "{answers:#?}"
    );
}

async fn invitee(
    store: &rollcall_aws::dynamo::DynamoStore,
    id: &InviteeId,
) -> rollcall_core::invitee::Invitee {
    store
        .invitee(id)
        .await
        .expect("store")
        .expect("invitee exists")
}

/// The Message-ID header's value, without angle brackets.
fn message_id_of(raw: &str) -> String {
    raw.lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("Message-ID")
                .then(|| value.trim().trim_matches(['<', '>']).to_string())
        })
        .expect("a Message-ID header")
}

/// Requests a receiver got: headers by lowercase name, and the body.
type Posted = std::sync::Arc<std::sync::Mutex<Vec<(HashMap<String, String>, String)>>>;

/// A webhook receiver on loopback that answers 204 and keeps what it got.
async fn receiver() -> (String, Posted) {
    use axum::http::{HeaderMap, StatusCode};
    let posted: Posted = Default::default();
    let keep = posted.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let keep = keep.clone();
            async move {
                let headers = (headers.iter())
                    .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
                    .collect();
                keep.lock().expect("lock").push((headers, body));
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/hook"), posted)
}
