//! The store contract, run against the reference adapter itself.

rollcall_testkit::store_contract_tests!(rollcall_testkit::InMemoryStore::new());

/// What the ports cannot show, the reference adapter shows tests: delivery bookkeeping.
#[tokio::test]
async fn delivery_bookkeeping_is_kept_per_outbox_message() {
    use rollcall_core::usecase::deliver::{DeliverySettings, Outlets, deliver_due};
    use rollcall_testkit::{FailWith, InMemoryStore, OutboxState, PlainComposer, RecordingMailer};

    let store = InMemoryStore::new();
    rollcall_testkit::contract::due_messages_come_oldest_first_up_to_the_limit(&store).await;
    let mailer = RecordingMailer::new();
    mailer.fail_next(1, FailWith::Transient);
    mailer.fail_next(1, FailWith::Permanent);
    let now = store.outbox_entry("a").expect("queued").next_attempt_at;
    let settings = DeliverySettings::default();
    deliver_due(
        &store,
        &rollcall_testkit::SequentialIds::new(),
        &Outlets::mail(&PlainComposer, &mailer),
        &settings,
        now + chrono::Duration::hours(1),
    )
    .await
    .expect("deliver");

    let a = store.outbox_entry("a").expect("a");
    assert_eq!((a.state, a.attempts), (OutboxState::Pending, 1));
    assert!(
        a.last_error
            .as_deref()
            .is_some_and(|e| e.contains("transient"))
    );
    let c = store.outbox_entry("c").expect("c");
    assert_eq!((c.state, c.attempts), (OutboxState::Failed, 1));
    assert!(
        c.last_error
            .as_deref()
            .is_some_and(|e| e.contains("permanent"))
    );
    let b = store.outbox_entry("b").expect("b");
    assert_eq!(
        (b.state, b.attempts, b.last_error),
        (OutboxState::Sent, 1, None)
    );
    assert_eq!(b.sent_at, Some(now + chrono::Duration::hours(1)));
}
