//! Delegates (DESIGN §6, RFC 5545 SENT-BY) through the store: a SENT-BY the organizer has not
//! allowed acts for nobody — its message waits like an unauthenticated one, and the question
//! goes to the ORGANIZER, never to the sender — and what the organizer allows (for one event,
//! or always) is kept, honoured, and revoked.

use super::trust::{outbox, receive, settings, trusted, untrusted};
use super::use_cases::{UID, invitation};
use super::{OLGA, at};
use crate::{MemoryRawMail, SequentialIds};
use rollcall_core::notice::Notice;
use rollcall_core::outcome::OutcomeStatus;
use rollcall_core::ports::Store;
use rollcall_core::usecase::confirm::{
    Choice, ConfirmError, Confirmation, confirm_sender, confirmation,
};
use rollcall_core::usecase::delegation::{Delegation, DelegationScope};

const ASSISTANT: &str = "assistant@example.org";
const MALLORY: &str = "mallory@example.net";

/// The contract invitation as `sender` sends it on Olga's behalf: From the sender, and the
/// ORGANIZER naming the sender as SENT-BY.
fn delegated(sender: &str, sequence: i64, dtstamp: &str, summary: &str) -> Vec<u8> {
    String::from_utf8_lossy(&invitation(sequence, dtstamp, summary))
        .replace(
            "From: Olga Organizer <olga@example.org>",
            &format!("From: Someone <{sender}>"),
        )
        .replace(
            "ORGANIZER;CN=Olga Organizer:mailto:olga@example.org",
            &format!("ORGANIZER;CN=Olga Organizer;SENT-BY=\"mailto:{sender}\":mailto:{OLGA}"),
        )
        .into_bytes()
}

/// A CANCEL of the contract event, sent by `sender` on Olga's behalf.
fn delegated_cancel(sender: &str, sequence: i64, dtstamp: &str) -> Vec<u8> {
    String::from_utf8_lossy(&delegated(sender, sequence, dtstamp, "Planning"))
        .replace("METHOD:REQUEST", "METHOD:CANCEL")
        .replace("method=REQUEST", "method=CANCEL")
        .into_bytes()
}

pub async fn a_forged_delegate_acts_for_nobody_and_only_the_organizer_is_asked<S: Store>(
    store: &S,
) {
    let ids = SequentialIds::new();
    // Mallory's mail is authenticated (her own domain passes DMARC) and names her as Olga's
    // SENT-BY: an invitation in Olga's name, which must not create anything.
    let forged = delegated(MALLORY, 0, "20260301T100000Z", "Fake");
    let outcome = receive(store, &ids, "in-1", &forged, trusted(), 0).await;
    assert_eq!(outcome.status(), OutcomeStatus::Pending, "{outcome}");
    assert_eq!(store.event_by_uid(OLGA, UID).await.expect("read"), None);
    let queued = store.due_outbox(at(0), 100).await.expect("due_outbox");
    assert_eq!(queued.len(), 1, "one question: {queued:?}");
    let question = &queued[0].message;
    assert_eq!(
        question.to.email, OLGA,
        "to the ORGANIZER, never the sender"
    );
    let Notice::ConfirmSender {
        delegate, reason, ..
    } = &question.notice
    else {
        panic!("not a confirmation: {:?}", question.notice);
    };
    assert_eq!(delegate.as_deref(), Some(MALLORY));
    assert!(
        reason.contains("a delegate the organizer has not allowed"),
        "{reason}"
    );

    // Olga's real event, then Mallory's CANCEL of it: nothing happens to the event.
    let real = invitation(0, "20260301T110000Z", "Planning");
    let created = receive(store, &ids, "in-2", &real, trusted(), 60).await;
    assert_eq!(created.status(), OutcomeStatus::Applied);
    let before = store.event_by_uid(OLGA, UID).await.expect("read");
    let cancel = delegated_cancel(MALLORY, 0, "20260301T120000Z");
    let outcome = receive(store, &ids, "in-3", &cancel, trusted(), 120).await;
    assert_eq!(outcome.status(), OutcomeStatus::Pending, "{outcome}");
    let after = store.event_by_uid(OLGA, UID).await.expect("read");
    assert_eq!(after, before, "not cancelled");
    let fan_outs = outbox(store, 120)
        .await
        .into_iter()
        .filter(|(_, n)| matches!(n, Notice::FanOut(_)))
        .count();
    assert_eq!(fan_outs, 0, "no cancellation reaches any invitee");

    // The same, unauthenticated: still only Olga is asked.
    let outcome = receive(store, &ids, "in-4", &cancel, untrusted(), 180).await;
    assert_eq!(outcome.status(), OutcomeStatus::Pending, "{outcome}");
    let asked: Vec<String> = store
        .due_outbox(at(180), 100)
        .await
        .expect("due_outbox")
        .into_iter()
        .filter(|d| matches!(d.message.notice, Notice::ConfirmSender { .. }))
        .map(|d| d.message.to.email)
        .collect();
    assert_eq!(asked, [OLGA, OLGA, OLGA]);
}

pub async fn an_allowed_delegate_acts_and_a_revoked_one_waits_again<S: Store>(store: &S) {
    let ids = SequentialIds::new();
    let raw_mail = MemoryRawMail::new();
    let first = delegated(ASSISTANT, 0, "20260301T100000Z", "Planning");
    raw_mail.put("in-1", &first);
    let waiting = receive(store, &ids, "in-1", &first, trusted(), 0).await;
    assert_eq!(waiting.status(), OutcomeStatus::Pending);
    let state = confirmation("in-1", &settings(), store, at(10)).await;
    assert!(
        matches!(&state, Ok(Confirmation::Awaiting { delegate: Some(d), .. }) if d == ASSISTANT),
        "{state:?}"
    );

    // Olga answers "always allow": the message applies, and the allowance is kept.
    let applied = confirm_sender(
        "in-1",
        Choice::AllowAlways,
        &settings(),
        store,
        &raw_mail,
        &ids,
        at(20),
    )
    .await
    .expect("confirms");
    assert_eq!(applied.status(), OutcomeStatus::Applied, "{applied}");
    let allowed = store.delegations_of(OLGA).await.expect("read");
    assert_eq!(
        allowed,
        vec![Delegation::new(
            OLGA,
            ASSISTANT,
            DelegationScope::AllEvents,
            at(20)
        )]
    );

    // The assistant's next message applies at once, without a question.
    let moved = delegated(ASSISTANT, 1, "20260302T100000Z", "Planning (moved)");
    let outcome = receive(store, &ids, "in-2", &moved, trusted(), 60).await;
    assert_eq!(outcome.status(), OutcomeStatus::Applied, "{outcome}");
    let event = store.event_by_uid(OLGA, UID).await.expect("read");
    assert_eq!(event.map(|e| e.sequence), Some(1));
    assert!(
        !outbox(store, 60)
            .await
            .iter()
            .any(|(id, _)| id == "in-2-confirm"),
        "no question"
    );
    // ...but only when authenticated: an allowance is not a credential.
    let unauthenticated = delegated(ASSISTANT, 2, "20260303T100000Z", "Planning (again)");
    let outcome = receive(store, &ids, "in-3", &unauthenticated, untrusted(), 90).await;
    assert_eq!(outcome.status(), OutcomeStatus::Pending, "{outcome}");

    // Revoked: the assistant's messages wait for Olga again.
    store
        .delete_delegation(OLGA, ASSISTANT, &DelegationScope::AllEvents)
        .await
        .expect("revoke");
    assert_eq!(store.delegations_of(OLGA).await.expect("read"), vec![]);
    let later = delegated(ASSISTANT, 3, "20260304T100000Z", "Planning (later)");
    let outcome = receive(store, &ids, "in-4", &later, trusted(), 120).await;
    assert_eq!(outcome.status(), OutcomeStatus::Pending, "{outcome}");
    let event = store.event_by_uid(OLGA, UID).await.expect("read");
    assert_eq!(event.map(|e| e.sequence), Some(1), "unchanged");
}

pub async fn allowing_a_delegate_for_one_event_covers_that_event_only<S: Store>(store: &S) {
    let ids = SequentialIds::new();
    let raw_mail = MemoryRawMail::new();
    let first = delegated(ASSISTANT, 0, "20260301T100000Z", "Planning");
    raw_mail.put("in-1", &first);
    receive(store, &ids, "in-1", &first, trusted(), 0).await;
    let applied = confirm_sender(
        "in-1",
        Choice::AllowForEvent,
        &settings(),
        store,
        &raw_mail,
        &ids,
        at(20),
    )
    .await
    .expect("confirms");
    assert_eq!(applied.status(), OutcomeStatus::Applied, "{applied}");
    let scope = DelegationScope::Event {
        uid: UID.to_string(),
    };
    let allowed = store.delegations_of(OLGA).await.expect("read");
    assert_eq!(
        allowed,
        vec![Delegation::new(OLGA, ASSISTANT, scope, at(20))]
    );
    // Another event of Olga's, by the same assistant: waits.
    let other = String::from_utf8_lossy(&delegated(ASSISTANT, 0, "20260301T100000Z", "Other"))
        .replace(&format!("UID:{UID}"), "UID:another-uid")
        .into_bytes();
    let outcome = receive(store, &ids, "in-2", &other, trusted(), 60).await;
    assert_eq!(outcome.status(), OutcomeStatus::Pending, "{outcome}");
    assert_eq!(
        store.event_by_uid(OLGA, "another-uid").await.expect("read"),
        None
    );
    // This event, by the same assistant: applies.
    let moved = delegated(ASSISTANT, 1, "20260302T100000Z", "Planning (moved)");
    let outcome = receive(store, &ids, "in-3", &moved, trusted(), 90).await;
    assert_eq!(outcome.status(), OutcomeStatus::Applied, "{outcome}");
}

pub async fn a_refused_message_never_applies<S: Store>(store: &S) {
    let ids = SequentialIds::new();
    let raw_mail = MemoryRawMail::new();
    let forged = delegated(MALLORY, 0, "20260301T100000Z", "Fake");
    raw_mail.put("in-1", &forged);
    receive(store, &ids, "in-1", &forged, trusted(), 0).await;
    let refused = confirm_sender(
        "in-1",
        Choice::Refuse,
        &settings(),
        store,
        &raw_mail,
        &ids,
        at(10),
    )
    .await
    .expect("refuses");
    assert_eq!(refused.status(), OutcomeStatus::Rejected);
    let state = confirmation("in-1", &settings(), store, at(20)).await;
    assert!(
        matches!(state, Ok(Confirmation::Refused { .. })),
        "{state:?}"
    );
    let late = confirm_sender(
        "in-1",
        Choice::AllowAlways,
        &settings(),
        store,
        &raw_mail,
        &ids,
        at(30),
    )
    .await;
    assert!(matches!(late, Err(ConfirmError::Refused)), "{late:?}");
    assert_eq!(store.event_by_uid(OLGA, UID).await.expect("read"), None);
    assert_eq!(store.delegations_of(OLGA).await.expect("read"), vec![]);

    // Allowing a delegate is only for a delegate's message.
    let own = invitation(0, "20260301T100000Z", "Planning");
    raw_mail.put("in-2", &own);
    receive(store, &ids, "in-2", &own, untrusted(), 40).await;
    let wrong = confirm_sender(
        "in-2",
        Choice::AllowAlways,
        &settings(),
        store,
        &raw_mail,
        &ids,
        at(50),
    )
    .await;
    assert!(matches!(wrong, Err(ConfirmError::NoDelegate)), "{wrong:?}");
    assert_eq!(store.event_by_uid(OLGA, UID).await.expect("read"), None);
}

pub async fn delegations_are_kept_per_organizer_delegate_and_scope<S: Store>(store: &S) {
    let event = DelegationScope::Event {
        uid: "u#1%".to_string(),
    };
    let always = Delegation::new(OLGA, ASSISTANT, DelegationScope::AllEvents, at(0));
    let one = Delegation::new(OLGA, ASSISTANT, event.clone(), at(10));
    let other = Delegation::new(
        "bob@example.org",
        ASSISTANT,
        DelegationScope::AllEvents,
        at(0),
    );
    for delegation in [&always, &one, &other] {
        store.put_delegation(delegation).await.expect("put");
    }
    // Putting the same allowance again replaces it (a newer grant time), never duplicates.
    let renewed = Delegation {
        granted_at: at(30),
        ..always.clone()
    };
    store.put_delegation(&renewed).await.expect("put");
    let mut olga = store.delegations_of(OLGA).await.expect("read");
    olga.sort_by_key(|d| d.scope.key());
    assert_eq!(olga, vec![renewed.clone(), one.clone()]);
    assert_eq!(
        store.delegations_of("bob@example.org").await.expect("read"),
        vec![other]
    );
    store
        .delete_delegation(OLGA, ASSISTANT, &event)
        .await
        .expect("delete");
    store
        .delete_delegation(OLGA, "nobody@example.org", &event)
        .await
        .expect("deleting what is not there is fine");
    assert_eq!(
        store.delegations_of(OLGA).await.expect("read"),
        vec![renewed]
    );
    assert_eq!(
        store
            .delegations_of("carol@example.org")
            .await
            .expect("read"),
        vec![]
    );
}
