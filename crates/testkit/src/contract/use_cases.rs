//! Cases that drive the core use cases (`ingest`, `deliver_due`) through the store, so a store
//! is checked the way Rollcall actually uses it.

use super::{OLGA, at, commit, counters, counts, due, event, ids, notice};
use crate::{FailWith, PlainComposer, RecordingMailer, SequentialIds};
use chrono::Duration;
use rollcall_core::Limits;
use rollcall_core::event::EventState;
use rollcall_core::notice::{FanOut, Notice};
use rollcall_core::outcome::{Outcome, OutcomeStatus};
use rollcall_core::ports::{Committed, EventStore, Store};
use rollcall_core::status::{Answer, Channel};
use rollcall_core::tokens::TokenKey;
use rollcall_core::usecase::deliver::{
    DeliveryReport, DeliverySettings, Jitter, Outlets, deliver_due,
};
use rollcall_core::usecase::ingest::{
    InboundMessage, IngestSettings, Recipient, SenderTrust, ingest,
};

pub(super) const UID: &str = "contract-1@example.org";

/// An iMIP REQUEST from the organizer, as a minimal RFC 5322 message.
pub(super) fn invitation(sequence: i64, dtstamp: &str, summary: &str) -> Vec<u8> {
    let calendar = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Rollcall//testkit contract//EN",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        &format!("UID:{UID}"),
        &format!("SEQUENCE:{sequence}"),
        &format!("DTSTAMP:{dtstamp}"),
        "DTSTART:20260310T150000Z",
        "DTEND:20260310T160000Z",
        "ORGANIZER;CN=Olga Organizer:mailto:olga@example.org",
        "ATTENDEE;CN=Bob;RSVP=TRUE:mailto:bob@example.org",
        &format!("SUMMARY:{summary}"),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    .join("\r\n");
    organizer_mail(
        summary,
        &format!("{sequence}-{dtstamp}@example.org"),
        &calendar,
    )
}

/// An organizer's invitation as mailed to `invites@rollcall.test`: one text/calendar part.
pub(super) fn organizer_mail(subject: &str, message_id: &str, calendar: &str) -> Vec<u8> {
    format!(
        "From: Olga Organizer <olga@example.org>\r\n\
         To: invites@rollcall.test\r\n\
         Subject: {subject}\r\n\
         Message-ID: <{message_id}>\r\n\
         Date: Thu, 05 Mar 2026 16:00:00 +0000\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/calendar; method=REQUEST; charset=UTF-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\
         \r\n\
         {calendar}\r\n"
    )
    .into_bytes()
}

pub(super) async fn run_ingest<S: Store>(
    store: &S,
    ids: &SequentialIds,
    id: &str,
    raw: &[u8],
    seconds: i64,
) -> Outcome {
    let message = InboundMessage {
        id,
        raw,
        recipient: Recipient::Organizer,
        trust: SenderTrust::Trusted("test".to_string()),
    };
    let settings = IngestSettings::new(
        Limits::default(),
        "rollcall.test",
        TokenKey::from_bytes([7; 32]),
    );
    ingest(&message, &settings, store, ids, at(seconds))
        .await
        .expect("ingest reaches the store")
}

pub async fn the_ingest_use_case_creates_updates_and_ignores_stale<S: Store>(store: &S) {
    let ids = SequentialIds::new();
    let event_id = SequentialIds::nth(0);

    let first = invitation(0, "20260301T100000Z", "Planning");
    let created = run_ingest(store, &ids, "in-1", &first, 0).await;
    assert_eq!(created.to_string(), format!("created event {event_id}"));
    let stored = store.event_by_uid(OLGA, UID).await.expect("read");
    let stored = stored.expect("the event exists after a create");
    assert_eq!(stored.id, event_id);
    assert_eq!((stored.sequence, stored.version), (0, 1));
    assert_eq!(stored.title(), "Planning");

    let moved = invitation(1, "20260302T100000Z", "Planning (moved)");
    let updated = run_ingest(store, &ids, "in-2", &moved, 60).await;
    assert_eq!(
        updated.to_string(),
        format!("updated {event_id} to sequence 1")
    );
    let stored = store.event(&event_id).await.expect("read").expect("exists");
    assert_eq!((stored.sequence, stored.version), (1, 2));
    assert_eq!(stored.state, EventState::Updated);
    assert_eq!(stored.title(), "Planning (moved)");

    let late = invitation(0, "20260303T100000Z", "Planning (stale)");
    let ignored = run_ingest(store, &ids, "in-3", &late, 120).await;
    assert_eq!(ignored.to_string(), "ignored: stale sequence 0 < 1");
    assert_eq!(ignored.status(), OutcomeStatus::Ignored);
    let record = store.message_record("in-3").await.expect("read record");
    assert_eq!(record.map(|r| r.outcome), Some(ignored));

    // A redelivery of the first message answers from the record and changes nothing.
    let again = run_ingest(store, &ids, "in-1", &first, 180).await;
    assert_eq!(again, created);
    let after = store.event(&event_id).await.expect("read");
    assert_eq!(
        after,
        Some(stored),
        "stale and repeated mail leave the event alone"
    );
    assert_eq!(ids.issued(), 1, "only the create drew an event id");

    let queued = store.due_outbox(at(3600), 10).await.expect("due_outbox");
    let notices: Vec<(&str, &Notice)> = queued
        .iter()
        .map(|d| (d.message.id.as_str(), &d.message.notice))
        .collect();
    let moved_notice = Notice::EventUpdated { from_sequence: 0 };
    // Same time, new title: invitees' calendars get the change without being asked again.
    let fan_out = Notice::FanOut(FanOut::Update { reconfirm: false });
    let listing = |n: usize| match &queued[n].message.notice {
        Notice::RecordAttendees(list) => list.clone(),
        other => panic!("an attendee job, not {other:?}"),
    };
    let (first_list, second_list) = (listing(1), listing(4));
    assert_eq!(
        notices,
        [
            ("in-1-0", &Notice::EventCreated { sign_in: None }),
            (
                "in-1-attendees-0",
                &Notice::RecordAttendees(first_list.clone())
            ),
            ("in-2-0", &moved_notice),
            ("in-2-1", &fan_out),
            (
                "in-2-attendees-0",
                &Notice::RecordAttendees(second_list.clone())
            ),
        ]
    );
    assert!(queued.iter().all(|d| d.message.to.email == OLGA));
    for (list, inbound) in [(&first_list, "in-1"), (&second_list, "in-2")] {
        let listed: Vec<(&str, Option<&str>, Answer)> = (list.attendees.iter())
            .map(|a| (a.email.as_str(), a.name.as_deref(), a.answer))
            .collect();
        assert_eq!(
            listed,
            [("bob@example.org", Some("Bob"), Answer::NeedsAction)]
        );
        assert_eq!(list.inbound_id, inbound);
    }

    // The organizer's own attendee becomes an invitee when the job runs: counted once (both
    // messages list him) and never sent an invitation.
    let none = store.invitee_by_email(&event_id, "bob@example.org").await;
    assert_eq!(
        none.expect("read invitee"),
        None,
        "not in the ingest commit"
    );
    let mailer = RecordingMailer::new();
    let report = deliver_due(
        store,
        &ids,
        &Outlets::mail(&PlainComposer, &mailer),
        &settings(),
        at(3600),
    )
    .await;
    let report = report.expect("delivery reaches the store");
    assert_eq!((report.sent, report.listed), (5, 2), "{report:?}");
    assert_eq!(
        ids.invitees_issued(),
        1,
        "only the first sight of Bob drew an invitee id"
    );
    let bob = store.invitee_by_email(&event_id, "bob@example.org").await;
    let bob = bob.expect("read invitee").expect("Bob is an invitee");
    assert_eq!(bob.id, SequentialIds::nth_invitee(0));
    assert_eq!((bob.joined_via, bob.sequence), (Channel::OrganizerList, 0));
    assert_eq!(bob.status.value("response"), Some("needs-action"));
    assert_eq!(
        counters(store, &event_id).await,
        counts(&[
            ("delivery", "listed", 1),
            ("response", "needs-action", 1),
            ("reachability", "ok", 1),
        ])
    );
    let mailed: Vec<String> = mailer.sent().into_iter().map(|m| m.outbox_id).collect();
    assert_eq!(mailed, ["in-1-0", "in-2-0"], "jobs are not mail");
}

fn settings() -> DeliverySettings {
    DeliverySettings {
        batch: 10,
        lifetime: Duration::seconds(20),
        jitter: Jitter::NONE,
        base_backoff: Duration::seconds(5),
        max_backoff: Duration::minutes(30),
        fan_out_page: 2,
        lease: Duration::minutes(5),
        fan_out_pages_per_run: 50,
        ..DeliverySettings::default()
    }
}

async fn queue<S: EventStore>(store: &S, outbox_ids: &[&str]) {
    let about = event(1, OLGA, "uid-1");
    let outbox = outbox_ids
        .iter()
        .map(|id| notice(id, &about, at(0)))
        .collect();
    let result = store.commit(&commit("m1", vec![], outbox)).await;
    assert!(
        matches!(result, Ok(Committed::Applied)),
        "queue: {result:?}"
    );
}

async fn pass<S: Store>(store: &S, mailer: &RecordingMailer, seconds: i64) -> DeliveryReport {
    let ids = SequentialIds::new();
    deliver_due(
        store,
        &ids,
        &Outlets::mail(&PlainComposer, mailer),
        &settings(),
        at(seconds),
    )
    .await
    .expect("delivery reaches the store")
}

fn report(sent: usize, retrying: usize, failed: usize) -> DeliveryReport {
    DeliveryReport {
        sent,
        retrying,
        failed,
        ..DeliveryReport::default()
    }
}

pub async fn delivery_retries_transient_failures_until_the_lifetime_ends<S>(store: &S)
where
    S: Store,
{
    queue(store, &["m1-0"]).await;
    let mailer = RecordingMailer::new();
    mailer.fail_next(10, FailWith::Transient);

    assert_eq!(pass(store, &mailer, 0).await, report(0, 1, 0));
    // Backoff after attempt 1 is 5 s, after attempt 2 is 10 s.
    assert_eq!(pass(store, &mailer, 4).await, report(0, 0, 0));
    assert_eq!(due(store, at(5)).await, ids(&[("m1-0", 1)]));
    assert_eq!(pass(store, &mailer, 5).await, report(0, 1, 0));
    assert_eq!(pass(store, &mailer, 14).await, report(0, 0, 0));
    assert_eq!(due(store, at(15)).await, ids(&[("m1-0", 2)]));
    // 20 s would pass the 20 s lifetime: the last try is at its end.
    assert_eq!(pass(store, &mailer, 15).await, report(0, 1, 0));
    assert_eq!(pass(store, &mailer, 19).await, report(0, 0, 0));
    assert_eq!(pass(store, &mailer, 20).await, report(0, 0, 1));
    assert_eq!(pass(store, &mailer, 86_400).await, report(0, 0, 0));

    assert_eq!(
        mailer.attempts().len(),
        4,
        "tries within the lifetime, then no more"
    );
    assert!(mailer.sent().is_empty());
}

pub async fn delivery_sends_after_a_transient_failure_clears<S>(store: &S)
where
    S: Store,
{
    queue(store, &["m1-0"]).await;
    let mailer = RecordingMailer::new();
    mailer.fail_next(1, FailWith::Transient);

    assert_eq!(pass(store, &mailer, 0).await, report(0, 1, 0));
    assert_eq!(pass(store, &mailer, 5).await, report(1, 0, 0));
    assert_eq!(pass(store, &mailer, 86_400).await, report(0, 0, 0));
    let sent = mailer.sent();
    assert_eq!(sent.len(), 1, "sent exactly once");
    assert_eq!(
        (sent[0].outbox_id.as_str(), sent[0].to.as_str()),
        ("m1-0", OLGA)
    );
}

pub async fn delivery_does_not_retry_a_permanent_failure<S>(store: &S)
where
    S: Store,
{
    queue(store, &["a", "b"]).await;
    let mailer = RecordingMailer::new();
    mailer.fail_next(1, FailWith::Permanent);

    assert_eq!(pass(store, &mailer, 0).await, report(1, 0, 1));
    assert_eq!(pass(store, &mailer, 86_400).await, report(0, 0, 0));
    let sent: Vec<String> = mailer.sent().into_iter().map(|m| m.outbox_id).collect();
    assert_eq!(sent, ["b"], "a (first by id) failed for good; b was sent");
    assert_eq!(mailer.attempts().len(), 2);
}
