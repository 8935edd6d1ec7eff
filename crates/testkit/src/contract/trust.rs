//! Sender trust (DESIGN §6) through the store: an unauthenticated organizer message commits
//! nothing but its outcome and one question to its claimed organizer; confirming applies it,
//! once.

use super::use_cases::{UID, invitation};
use super::{OLGA, at};
use crate::{MemoryRawMail, PlainComposer, RecordingMailer, SequentialIds};
use chrono::Duration;
use rollcall_core::Limits;
use rollcall_core::notice::Notice;
use rollcall_core::outcome::{Outcome, OutcomeStatus};
use rollcall_core::ports::Store;
use rollcall_core::tokens::TokenKey;
use rollcall_core::usecase::confirm::{
    Choice, ConfirmError, Confirmation, confirm_sender, confirmation,
};
use rollcall_core::usecase::deliver::{DeliverySettings, Outlets, deliver_due};
use rollcall_core::usecase::ingest::{
    InboundMessage, IngestSettings, Recipient, SenderTrust, ingest,
};

pub(super) fn settings() -> IngestSettings {
    IngestSettings::new(
        Limits::default(),
        "rollcall.test",
        TokenKey::from_bytes([7; 32]),
    )
}

pub(super) async fn receive<S: Store>(
    store: &S,
    ids: &SequentialIds,
    id: &str,
    raw: &[u8],
    trust: SenderTrust,
    seconds: i64,
) -> Outcome {
    let message = InboundMessage {
        id,
        raw,
        recipient: Recipient::Organizer,
        trust,
    };
    ingest(&message, &settings(), store, ids, at(seconds))
        .await
        .expect("ingest reaches the store")
}

pub(super) fn untrusted() -> SenderTrust {
    SenderTrust::Untrusted("dmarc=fail".to_string())
}

pub(super) fn trusted() -> SenderTrust {
    SenderTrust::Trusted("trusted network 127.0.0.1".to_string())
}

/// Outbox items due at `seconds` (every item here is due when queued): (id, notice).
pub(super) async fn outbox<S: Store>(store: &S, seconds: i64) -> Vec<(String, Notice)> {
    store
        .due_outbox(at(seconds), 100)
        .await
        .expect("due_outbox")
        .into_iter()
        .map(|d| (d.message.id, d.message.notice))
        .collect()
}

pub async fn an_untrusted_invitation_creates_nothing_and_asks_its_organizer_once<S: Store>(
    store: &S,
) {
    let ids = SequentialIds::new();
    let raw = invitation(0, "20260301T100000Z", "Planning");
    let outcome = receive(store, &ids, "in-1", &raw, untrusted(), 0).await;
    assert_eq!(outcome.status(), OutcomeStatus::Pending);
    assert_eq!(
        outcome.to_string(),
        "awaiting the organizer's confirmation (sender not authenticated: dmarc=fail): \
         would create a new event \"Planning\" (Tuesday 10 March 2026, 15:00–16:00 (UTC))"
    );
    assert!(outcome.event_ids().is_empty());
    let record = store.message_record("in-1").await.expect("read record");
    assert_eq!(record.map(|r| r.outcome), Some(outcome.clone()));

    assert_eq!(store.event_by_uid(OLGA, UID).await.expect("read"), None);
    assert_eq!(ids.invitees_issued(), 0, "no invitee was even planned");

    let queued = store.due_outbox(at(0), 100).await.expect("due_outbox");
    assert_eq!(queued.len(), 1, "one question, nothing else: {queued:?}");
    let question = &queued[0].message;
    assert_eq!(question.id, "in-1-confirm");
    assert_eq!(question.to.email, OLGA, "to the claimed organizer");
    let Notice::ConfirmSender {
        message_id,
        reason,
        delegate,
        changes,
        expires_at,
    } = &question.notice
    else {
        panic!("not a confirmation: {:?}", question.notice);
    };
    assert_eq!(
        (message_id.as_str(), reason.as_str(), delegate.as_deref()),
        ("in-1", "sender not authenticated: dmarc=fail", None)
    );
    assert_eq!(*expires_at, at(0) + Duration::days(7));
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].would, "create a new event");
    assert_eq!(changes[0].title, "Planning");
    assert_eq!(changes[0].event_id, None);
    assert_eq!(
        question.event.title(),
        "Planning",
        "the event as it would be"
    );

    // A redelivery answers from the record and asks nothing more.
    let again = receive(store, &ids, "in-1", &raw, untrusted(), 60).await;
    assert_eq!(again, outcome);
    assert_eq!(outbox(store, 60).await.len(), 1);
}

pub async fn an_untrusted_message_that_would_change_nothing_sends_nothing<S: Store>(store: &S) {
    let ids = SequentialIds::new();
    let raw = invitation(0, "20260301T100000Z", "Planning");
    let created = receive(store, &ids, "in-1", &raw, trusted(), 0).await;
    assert_eq!(created.status(), OutcomeStatus::Applied);
    let before = outbox(store, 0).await;

    // The same version again: a duplicate, whoever sends it.
    let duplicate = receive(store, &ids, "in-2", &raw, untrusted(), 60).await;
    assert_eq!(duplicate.status(), OutcomeStatus::Ignored, "{duplicate}");
    // From someone who is not the organizer: iTIP refuses it before trust matters.
    let forged = String::from_utf8_lossy(&invitation(1, "20260302T100000Z", "Hijacked"))
        .replace(
            "From: Olga Organizer <olga@example.org>",
            "From: Mallory <mallory@example.net>",
        )
        .into_bytes();
    let refused = receive(store, &ids, "in-3", &forged, untrusted(), 120).await;
    assert_eq!(refused.status(), OutcomeStatus::Ignored, "{refused}");
    assert_eq!(
        outbox(store, 120).await,
        before,
        "no mail about mail that changes nothing (no backscatter)"
    );
    let event = store.event_by_uid(OLGA, UID).await.expect("read");
    assert_eq!(
        event.map(|e| e.title().to_string()),
        Some("Planning".into())
    );
}

pub async fn an_untrusted_update_leaves_the_event_alone_until_confirmed<S: Store>(store: &S) {
    let ids = SequentialIds::new();
    let raw_mail = MemoryRawMail::new();
    let first = invitation(0, "20260301T100000Z", "Planning");
    receive(store, &ids, "in-1", &first, trusted(), 0).await;
    let before = store.event_by_uid(OLGA, UID).await.expect("read");
    let before = before.expect("created");

    let moved = invitation(1, "20260302T100000Z", "Planning (moved)");
    raw_mail.put("in-2", &moved);
    let pending = receive(store, &ids, "in-2", &moved, untrusted(), 60).await;
    assert_eq!(pending.status(), OutcomeStatus::Pending);
    let changes = pending.pending_changes();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].would, "update the event to sequence 1");
    assert_eq!(changes[0].event_id.as_ref(), Some(&before.id));
    let unchanged = store.event(&before.id).await.expect("read");
    assert_eq!(unchanged.as_ref(), Some(&before), "nothing applied");
    let queued: Vec<String> = outbox(store, 60).await.into_iter().map(|q| q.0).collect();
    assert_eq!(
        queued,
        ["in-1-0", "in-1-attendees-0", "in-2-confirm"],
        "no fan-out, no update notice (in-1's attendee job is the trusted message's)"
    );

    let confirmed = confirm_sender(
        "in-2",
        Choice::Confirm,
        &settings(),
        store,
        &raw_mail,
        &ids,
        at(120),
    )
    .await
    .expect("confirms");
    assert_eq!(
        confirmed.to_string(),
        format!("updated {} to sequence 1", before.id)
    );
    let after = store
        .event(&before.id)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(after.title(), "Planning (moved)");
}

pub async fn confirming_applies_the_message_once<S: Store>(store: &S) {
    let ids = SequentialIds::new();
    let raw_mail = MemoryRawMail::new();
    let raw = invitation(0, "20260301T100000Z", "Planning");
    raw_mail.put("in-1", &raw);
    let pending = receive(store, &ids, "in-1", &raw, untrusted(), 0).await;

    let state = confirmation("in-1", &settings(), store, at(60)).await;
    assert!(
        matches!(&state, Ok(Confirmation::Awaiting { expires_at, .. }) if *expires_at == at(0) + Duration::days(7)),
        "{state:?}"
    );
    assert_eq!(
        store.event_by_uid(OLGA, UID).await.expect("read"),
        None,
        "reading the state changes nothing"
    );

    let confirmed = confirm_sender(
        "in-1",
        Choice::Confirm,
        &settings(),
        store,
        &raw_mail,
        &ids,
        at(60),
    )
    .await
    .expect("confirms");
    assert_eq!(confirmed.status(), OutcomeStatus::Applied);
    let event = store.event_by_uid(OLGA, UID).await.expect("read");
    let event = event.expect("created by confirming");
    assert_eq!(confirmed.to_string(), format!("created event {}", event.id));
    let record = store.message_record("in-1.confirmed").await.expect("read");
    assert_eq!(record.map(|r| r.outcome), Some(confirmed.clone()));
    assert_eq!(
        store
            .message_record("in-1")
            .await
            .expect("read")
            .map(|r| r.outcome),
        Some(pending),
        "the original outcome stays as it was"
    );

    let queued: Vec<String> = outbox(store, 60).await.into_iter().map(|q| q.0).collect();
    assert_eq!(
        queued,
        [
            "in-1-confirm",
            "in-1.confirmed-0",
            "in-1.confirmed-attendees-0"
        ],
        "the acknowledgement and the attendee job"
    );

    // The organizer's attendee is an invitee (once the attendee job ran) whose history says how
    // the sender was vouched for.
    let delivery = DeliverySettings::default();
    let mailer = RecordingMailer::new();
    deliver_due(
        store,
        &ids,
        &Outlets::mail(&PlainComposer, &mailer),
        &delivery,
        at(60),
    )
    .await
    .expect("delivery reaches the store");
    let bob = store.invitee_by_email(&event.id, "bob@example.org").await;
    let bob = bob.expect("read invitee").expect("Bob is an invitee");
    let history = store.signals_of(&bob.id).await.expect("history");
    assert!(!history.is_empty());
    assert!(
        history
            .iter()
            .all(|r| r.signal.provenance.sender_auth.as_deref()
                == Some("confirmed by the organizer's link")),
        "{history:?}"
    );

    // Confirming again (a second click, another device) changes nothing.
    let again = confirm_sender(
        "in-1",
        Choice::Confirm,
        &settings(),
        store,
        &raw_mail,
        &ids,
        at(120),
    )
    .await
    .expect("answers");
    assert_eq!(again, confirmed);
    let still = store.event_by_uid(OLGA, UID).await.expect("read");
    assert_eq!(still.as_ref(), Some(&event));
    assert_eq!(
        outbox(store, 120).await.len(),
        0,
        "nothing new queued (the first confirmation's mail and job were delivered)"
    );
    let state = confirmation("in-1", &settings(), store, at(120)).await;
    assert!(
        matches!(&state, Ok(Confirmation::Confirmed { outcome, .. }) if *outcome == confirmed),
        "{state:?}"
    );
}

pub async fn an_expired_or_unknown_confirmation_is_refused<S: Store>(store: &S) {
    let ids = SequentialIds::new();
    let raw_mail = MemoryRawMail::new();
    let raw = invitation(0, "20260301T100000Z", "Planning");
    raw_mail.put("in-1", &raw);
    receive(store, &ids, "in-1", &raw, untrusted(), 0).await;
    let week = 7 * 86_400;

    let late = confirm_sender(
        "in-1",
        Choice::Confirm,
        &settings(),
        store,
        &raw_mail,
        &ids,
        at(week),
    )
    .await;
    assert!(
        matches!(late, Err(ConfirmError::Expired(when)) if when == at(week)),
        "{late:?}"
    );
    assert_eq!(store.event_by_uid(OLGA, UID).await.expect("read"), None);
    let state = confirmation("in-1", &settings(), store, at(week)).await;
    assert!(
        matches!(state, Ok(Confirmation::Expired { .. })),
        "{state:?}"
    );

    let unknown = confirm_sender(
        "in-9",
        Choice::Confirm,
        &settings(),
        store,
        &raw_mail,
        &ids,
        at(60),
    )
    .await;
    assert!(matches!(unknown, Err(ConfirmError::Unknown)), "{unknown:?}");

    // A message that was trusted in the first place has nothing to confirm.
    receive(store, &ids, "in-2", &raw, trusted(), 60).await;
    raw_mail.put("in-2", &raw);
    let trusted = confirm_sender(
        "in-2",
        Choice::Confirm,
        &settings(),
        store,
        &raw_mail,
        &ids,
        at(120),
    )
    .await;
    assert!(
        matches!(trusted, Err(ConfirmError::NotAwaiting)),
        "{trusted:?}"
    );

    // The outcome waits but the stored mail is gone: refused, nothing applied.
    let moved = invitation(1, "20260302T100000Z", "Planning (moved)");
    receive(store, &ids, "in-3", &moved, untrusted(), 180).await;
    let gone = confirm_sender(
        "in-3",
        Choice::Confirm,
        &settings(),
        store,
        &raw_mail,
        &ids,
        at(240),
    )
    .await;
    assert!(matches!(gone, Err(ConfirmError::RawMissing(_))), "{gone:?}");
    let event = store.event_by_uid(OLGA, UID).await.expect("read");
    assert_eq!(event.map(|e| e.sequence), Some(0));
}

pub async fn mail_that_is_no_invitation_is_still_recorded_with_its_from_and_subject<S: Store>(
    store: &S,
) {
    let ids = SequentialIds::new();
    let plain = b"From: Pat Sender <pat@example.com>\r\nTo: invites@rollcall.test\r\n\
        Subject: Lunch on Friday?\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n\
        No calendar in here.\r\n";
    let outcome = receive(store, &ids, "plain", plain, trusted(), 0).await;
    assert_eq!(outcome.status(), OutcomeStatus::Rejected, "{outcome:?}");

    // A delivery report to a reply address that names nobody.
    let dsn = b"From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n\
        To: rsvp+unknown@rollcall.test\r\nSubject: Undelivered Mail Returned to Sender\r\n\
        MIME-Version: 1.0\r\n\
        Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
        --b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\
        --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n\
        Final-Recipient: rfc822; ann@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n--b--\r\n";
    let message = InboundMessage {
        id: "dsn",
        raw: dsn,
        recipient: Recipient::Reply { invitee: None },
        trust: untrusted(),
    };
    ingest(&message, &settings(), store, &ids, at(1))
        .await
        .expect("ingest reaches the store");

    for (id, from, subject) in [
        ("plain", "pat@example.com", "Lunch on Friday?"),
        (
            "dsn",
            "MAILER-DAEMON@mx.example.org",
            "Undelivered Mail Returned to Sender",
        ),
    ] {
        let record = store
            .message_record(id)
            .await
            .expect("read")
            .expect("recorded");
        assert_eq!(
            record.from.as_ref().map(|m| m.email.as_str()),
            Some(from),
            "{id}: {record:?}"
        );
        assert_eq!(record.subject.as_deref(), Some(subject), "{id}: {record:?}");
    }
}
