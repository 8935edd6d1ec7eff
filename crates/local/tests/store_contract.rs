//! The store contract, run against the SQLite store on a real database file per test.

use rollcall_local::store::SqliteStore;
use rollcall_testkit::GuardedStore;
use tempfile::TempDir;

/// A fresh database in its own temporary directory, removed after the store is dropped.
fn sqlite_store() -> GuardedStore<SqliteStore, TempDir> {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let store = SqliteStore::open(&dir.path().join("rollcall.sqlite")).expect("open the database");
    GuardedStore::new(store, dir)
}

rollcall_testkit::store_contract_tests!(sqlite_store());

/// The contract holds across reopening: a commit that returned is in the file.
#[tokio::test]
async fn committed_events_survive_reopening_the_database() {
    use rollcall_core::ports::EventStore;
    let store = sqlite_store();
    rollcall_testkit::contract::a_new_event_is_readable_by_id_and_by_uid(&store).await;
    let path = store.guard().path().join("rollcall.sqlite");
    let reopened = SqliteStore::open(&path).expect("reopen the database");
    let id = rollcall_testkit::SequentialIds::nth(1);
    let event = reopened
        .event(&id)
        .await
        .expect("read")
        .expect("still there");
    assert_eq!(event.uid, "uid-1");
}

/// Invitees, their history and the counters are in the file too.
#[tokio::test]
async fn committed_invitees_history_and_counters_survive_reopening_the_database() {
    use rollcall_core::ports::InviteeStore;
    use rollcall_testkit::SequentialIds;
    let store = sqlite_store();
    rollcall_testkit::contract::a_web_rsvp_creates_an_invitee_with_its_invitation_and_counters(
        &store,
    )
    .await;
    let (invitee, event) = (SequentialIds::nth_invitee(0), SequentialIds::nth(1));
    let read = |store: &SqliteStore| {
        let store = store.clone();
        let (invitee, event) = (invitee.clone(), event.clone());
        async move {
            (
                store.invitee(&invitee).await.expect("read invitee"),
                store.signals_of(&invitee).await.expect("read history"),
                store.counters(&event).await.expect("read counters"),
            )
        }
    };
    let before = read(&store).await;
    assert!(before.0.is_some() && !before.1.is_empty() && !before.2.is_empty());
    let path = store.guard().path().join("rollcall.sqlite");
    let reopened = SqliteStore::open(&path).expect("reopen the database");
    assert_eq!(read(&reopened).await, before);
}

/// A message that came through the local inbox is finished by the commit recording it, and
/// only by that.
#[tokio::test]
async fn a_commit_recording_a_message_finishes_its_inbox_entry() {
    use chrono::{TimeZone, Utc};
    use rollcall_core::outcome::Outcome;
    use rollcall_core::ports::{Commit, Committed, EventStore, MessageRecord};
    use rollcall_local::store::NewInbound;

    let store = sqlite_store();
    let now = Utc
        .with_ymd_and_hms(2026, 3, 5, 16, 0, 0)
        .single()
        .expect("a time");
    let entry = NewInbound {
        id: "in-1".to_string(),
        received_at: now,
        peer: "192.0.2.1".to_string(),
        helo: "mail.example.org".to_string(),
        mail_from: "olga@example.org".to_string(),
        rcpt_to: vec!["invites@rollcall.test".to_string()],
        size: 10,
        path: "inbox/in-1.eml".to_string(),
    };
    store.enqueue(entry).await.expect("enqueue");
    let queued = || async { store.next_inbound(now).await.expect("next").map(|e| e.id) };
    assert_eq!(queued().await.as_deref(), Some("in-1"));

    let unrelated = Commit::default();
    assert_eq!(
        store.commit(&unrelated).await.expect("commit"),
        Committed::Applied
    );
    assert_eq!(
        queued().await.as_deref(),
        Some("in-1"),
        "a commit without the message"
    );

    let recording = Commit {
        message: Some(MessageRecord {
            message_id: "in-1".to_string(),
            from: None,
            subject: None,
            outcome: Outcome::rejected("no calendar found in the message"),
            processed_at: now,
        }),
        ..Commit::default()
    };
    assert_eq!(
        store.commit(&recording).await.expect("commit"),
        Committed::Applied
    );
    assert_eq!(queued().await, None, "the entry is done");
}
