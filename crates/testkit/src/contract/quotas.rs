//! Daily quotas through the store: the counter itself (taken atomically up to its limit, per
//! key and day, by racing callers), and the use cases that take it — new events per
//! organizer, invitations per organizer, confirmation mails per organizer — each refusing
//! with a recorded reason once it is used up, and starting again the next day.

use super::trust::{outbox, receive, untrusted};
use super::use_cases::{UID, invitation};
use super::{OLGA, at};
use crate::SequentialIds;
use rollcall_core::Limits;
use rollcall_core::notice::Notice;
use rollcall_core::outcome::OutcomeStatus;
use rollcall_core::ports::Store;
use rollcall_core::quota::{QuotaSettings, day_of};
use rollcall_core::status::Answer;
use rollcall_core::tokens::TokenKey;
use rollcall_core::usecase::ingest::{
    InboundMessage, IngestSettings, Recipient, SenderTrust, ingest,
};
use rollcall_core::usecase::rsvp::{RsvpError, RsvpRequest, RsvpSettings, rsvp};

pub async fn a_quota_is_taken_atomically_up_to_its_limit_per_key_and_day<S: Store>(store: &S) {
    let today = day_of(at(0));
    let tomorrow = day_of(at(86_400));
    assert!(
        store
            .take_quota("events:a", today, 2, 3)
            .await
            .expect("take")
    );
    assert!(
        store
            .take_quota("events:a", today, 1, 3)
            .await
            .expect("take")
    );
    assert!(
        !store
            .take_quota("events:a", today, 1, 3)
            .await
            .expect("take"),
        "the limit is reached"
    );
    assert!(
        !store
            .take_quota("events:b", today, 4, 3)
            .await
            .expect("take"),
        "more than the limit at once is refused, and takes nothing"
    );
    assert!(
        store
            .take_quota("events:b", today, 3, 3)
            .await
            .expect("take")
    );
    assert!(
        store
            .take_quota("events:a", tomorrow, 3, 3)
            .await
            .expect("take"),
        "a new day starts again"
    );
    // Ten callers race for the last two units: exactly two get one.
    assert!(store.take_quota("race", today, 8, 10).await.expect("take"));
    let takes = (0..10).map(|_| store.take_quota("race", today, 1, 10));
    let results = futures_util::future::join_all(takes).await;
    let granted = results
        .into_iter()
        .filter(|r| matches!(r, Ok(true)))
        .count();
    assert_eq!(granted, 2);
}

fn tight() -> QuotaSettings {
    QuotaSettings {
        events_per_day: Some(1),
        invitations_per_day: Some(2),
        confirmations_per_day: Some(1),
    }
}

fn settings() -> IngestSettings {
    IngestSettings {
        quotas: tight(),
        ..IngestSettings::new(
            Limits::default(),
            "rollcall.test",
            TokenKey::from_bytes([7; 32]),
        )
    }
}

async fn receive_with_quota<S: Store>(
    store: &S,
    ids: &SequentialIds,
    id: &str,
    raw: &[u8],
    trust: SenderTrust,
    seconds: i64,
) -> rollcall_core::outcome::Outcome {
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

fn another(uid: &str, summary: &str) -> Vec<u8> {
    String::from_utf8_lossy(&invitation(0, "20260301T100000Z", summary))
        .replace(&format!("UID:{UID}"), &format!("UID:{uid}"))
        .into_bytes()
}

pub async fn new_events_beyond_the_daily_quota_are_not_created<S: Store>(store: &S) {
    let ids = SequentialIds::new();
    let trusted = || SenderTrust::Trusted("trusted network 127.0.0.1".into());
    let first = receive_with_quota(store, &ids, "in-1", &another("q1", "One"), trusted(), 0).await;
    assert_eq!(first.status(), OutcomeStatus::Applied, "{first}");
    let second =
        receive_with_quota(store, &ids, "in-2", &another("q2", "Two"), trusted(), 60).await;
    assert_eq!(second.status(), OutcomeStatus::Ignored, "{second}");
    assert!(
        second
            .to_string()
            .contains("quota reached (at most 1 new events a day"),
        "{second}"
    );
    assert_eq!(store.event_by_uid(OLGA, "q2").await.expect("read"), None);
    let queued: Vec<String> = outbox(store, 60).await.into_iter().map(|q| q.0).collect();
    assert!(
        !queued.iter().any(|id| id.starts_with("in-2")),
        "{queued:?}"
    );
    // Updating an event that exists is not a new event.
    let update = String::from_utf8_lossy(&another("q1", "One, moved"))
        .replace("SEQUENCE:0", "SEQUENCE:1")
        .into_bytes();
    let moved = receive_with_quota(store, &ids, "in-3", &update, trusted(), 120).await;
    assert_eq!(moved.status(), OutcomeStatus::Applied, "{moved}");
    // The next day, a new one is created again.
    let next_day = receive_with_quota(
        store,
        &ids,
        "in-4",
        &another("q2", "Two"),
        trusted(),
        86_400,
    )
    .await;
    assert_eq!(next_day.status(), OutcomeStatus::Applied, "{next_day}");
}

pub async fn confirmation_mails_beyond_the_daily_quota_are_not_sent<S: Store>(store: &S) {
    let ids = SequentialIds::new();
    let first =
        receive_with_quota(store, &ids, "in-1", &another("c1", "One"), untrusted(), 0).await;
    assert_eq!(first.status(), OutcomeStatus::Pending);
    let second =
        receive_with_quota(store, &ids, "in-2", &another("c2", "Two"), untrusted(), 60).await;
    assert_eq!(second.status(), OutcomeStatus::Pending, "still waiting");
    assert!(
        second
            .to_string()
            .contains("quota reached (at most 1 confirmation mails a day per organizer); no confirmation mail was sent"),
        "{second}"
    );
    let questions: Vec<String> = outbox(store, 60)
        .await
        .into_iter()
        .filter(|(_, n)| matches!(n, Notice::ConfirmSender { .. }))
        .map(|q| q.0)
        .collect();
    assert_eq!(
        questions,
        ["in-1-confirm"],
        "one mail, however many forgeries"
    );
    // Without a quota of its own the default lets a real organizer through.
    let defaulted = receive(
        store,
        &ids,
        "in-3",
        &another("c3", "Three"),
        untrusted(),
        120,
    )
    .await;
    assert_eq!(defaulted.status(), OutcomeStatus::Pending);
}

pub async fn invitations_beyond_the_daily_quota_are_refused<S: Store>(store: &S) {
    let ids = SequentialIds::new();
    let trusted = SenderTrust::Trusted("trusted network 127.0.0.1".into());
    receive_with_quota(store, &ids, "in-1", &another("i1", "Party"), trusted, 0).await;
    let event = store
        .event_by_uid(OLGA, "i1")
        .await
        .expect("read")
        .expect("created");
    let settings = RsvpSettings {
        quotas: tight(),
        ..RsvpSettings::new("rollcall.test")
    };
    let mut results = Vec::new();
    for (n, email) in ["a@example.org", "b@example.org", "c@example.org"]
        .iter()
        .enumerate()
    {
        let nonce = format!("n{n}");
        let request = RsvpRequest {
            event_id: &event.id,
            name: "",
            email,
            answer: Answer::Accepted,
            nonce: &nonce,
        };
        results.push(rsvp(&request, &settings, store, &ids, at(60)).await);
    }
    assert!(results[0].is_ok() && results[1].is_ok(), "{results:?}");
    assert!(
        matches!(results[2], Err(RsvpError::QuotaReached)),
        "{results:?}"
    );
    let invitees = store.invitees_of(&event.id, None, 10).await.expect("read");
    assert_eq!(invitees.len(), 2, "the third address was not added");
    // Nothing was committed for the refused one.
    let none = store
        .invitee_by_email(&event.id, "c@example.org")
        .await
        .expect("read");
    assert_eq!(none, None);
}
