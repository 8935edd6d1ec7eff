//! Contract cases for webhook endpoints, their delivery logs, and the deliveries a dispatch
//! of change records fans out to them.

use super::{OLGA, at, event, insert, record};
use crate::{PlainComposer, RecordingMailer, RecordingWebhooks, SequentialIds};
use rollcall_core::change::{self, ChangeRecord, ChangeType};
use rollcall_core::notice::Notice;
use rollcall_core::outcome::Outcome;
use rollcall_core::ports::{Commit, Committed, Store};
use rollcall_core::usecase::deliver::{
    DeliveryReport, DeliverySettings, Jitter, Outlets, deliver_due, deliver_webhooks_due,
};
use rollcall_core::usecase::dispatch::with_dispatch;
use rollcall_core::webhook::endpoint::{DeliveryAttempt, Endpoint};
use rollcall_core::webhook::signature::Secret;

const PAT: &str = "pat@example.org";

fn endpoint(id: &str, organizer: &str, types: &[ChangeType], second: i64) -> Endpoint {
    Endpoint {
        id: id.to_string(),
        organizer: organizer.to_string(),
        url: format!("https://hooks.example.com/{id}"),
        types: types.to_vec(),
        description: format!("endpoint {id}"),
        secret: Secret::generate(),
        previous: None,
        disabled: None,
        created_at: at(second),
    }
}

fn attempt(endpoint: &str, delivery: &str, second: i64, status: Option<u16>) -> DeliveryAttempt {
    DeliveryAttempt {
        endpoint: endpoint.to_string(),
        delivery: delivery.to_string(),
        change_id: format!("chg_{delivery}"),
        change_type: ChangeType::InviteeAnswered,
        at: at(second),
        attempt: 1,
        status,
        duration_ms: 12,
        outcome: format!("outcome of {delivery}"),
    }
}

pub async fn webhook_endpoints_are_kept_per_organizer_and_deleted_with_their_log<S: Store>(
    store: &S,
) {
    let mut first = endpoint("ep_1", OLGA, &[ChangeType::InviteeAnswered], 5);
    first.previous = Some((Secret::generate(), at(86_400)));
    let second = endpoint("ep_2", OLGA, &[], 1);
    let theirs = endpoint("ep_3", PAT, &[], 0);
    for e in [&first, &second, &theirs] {
        store.put_endpoint(e).await.expect("put");
    }
    assert_eq!(
        store.endpoint("ep_1").await.expect("read"),
        Some(first.clone())
    );
    assert_eq!(store.endpoint("ep_9").await.expect("read"), None);
    let olga = store.endpoints_of(OLGA).await.expect("list");
    assert_eq!(olga, [second.clone(), first.clone()], "hers, oldest first");

    // Replaced whole by id.
    let disabled = Endpoint {
        disabled: Some("answered 410".into()),
        url: "https://hooks.example.com/moved".into(),
        ..first.clone()
    };
    store.put_endpoint(&disabled).await.expect("replace");
    assert_eq!(store.endpoint("ep_1").await.expect("read"), Some(disabled));

    // The log: newest first, by endpoint, bounded.
    for (n, second) in [(1, 10), (2, 30), (3, 20)] {
        let status = (n != 2).then_some(200);
        let entry = attempt("ep_1", &format!("d{n}"), second, status);
        store.record_attempt(&entry).await.expect("record");
    }
    store
        .record_attempt(&attempt("ep_2", "other", 40, Some(500)))
        .await
        .expect("record");
    let log = store.attempts_of("ep_1", 10).await.expect("log");
    let order: Vec<&str> = log.iter().map(|a| a.delivery.as_str()).collect();
    assert_eq!(order, ["d2", "d3", "d1"], "newest first: {log:?}");
    assert_eq!(log[0], attempt("ep_1", "d2", 30, None));
    assert_eq!(store.attempts_of("ep_1", 2).await.expect("log").len(), 2);

    assert!(store.delete_endpoint("ep_1").await.expect("delete"));
    assert!(!store.delete_endpoint("ep_1").await.expect("again"));
    assert_eq!(store.endpoint("ep_1").await.expect("read"), None);
    assert!(store.attempts_of("ep_1", 10).await.expect("log").is_empty());
    assert_eq!(store.attempts_of("ep_2", 10).await.expect("log").len(), 1);
    assert_eq!(store.endpoints_of(OLGA).await.expect("list"), [second]);
}

/// A pass of both of the sender's loops at `second` (the mail's, then the webhooks'),
/// posting webhooks through `hooks`; their counts added up.
async fn pass<S: Store>(store: &S, hooks: &RecordingWebhooks, second: i64) -> DeliveryReport {
    let mailer = RecordingMailer::new();
    let outlets = Outlets::mail(&PlainComposer, &mailer);
    let settings = DeliverySettings {
        jitter: Jitter::NONE,
        ..DeliverySettings::default()
    };
    let ids = SequentialIds::new();
    let mail = deliver_due(store, &ids, &outlets, &settings, at(second))
        .await
        .expect("mail pass");
    let posted = deliver_webhooks_due(store, Some(hooks), &settings, at(second))
        .await
        .expect("webhook pass");
    DeliveryReport {
        sent: mail.sent + posted.sent,
        retrying: mail.retrying + posted.retrying,
        failed: mail.failed + posted.failed,
        ..mail
    }
}

fn header<'a>(post: &'a rollcall_core::ports::WebhookPost, name: &str) -> &'a str {
    post.headers
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

/// DESIGN §2.9: every change reaches the endpoints that want its type, signed, once; a failed
/// delivery is tried again on the schedule; `410 Gone` disables the endpoint.
pub async fn a_dispatch_reaches_each_endpoint_that_wants_it_once_signed_and_retried<S: Store>(
    store: &S,
) {
    let planning = event(1, OLGA, "uid-1");
    let all = endpoint("ep_all", OLGA, &[], 0);
    let answers = endpoint("ep_answers", OLGA, &[ChangeType::EventCancelled], 1);
    let off = Endpoint {
        disabled: Some("by the test".into()),
        ..endpoint("ep_off", OLGA, &[], 2)
    };
    let theirs = endpoint("ep_pat", PAT, &[], 3);
    for e in [&all, &answers, &off, &theirs] {
        store.put_endpoint(e).await.expect("put");
    }
    let changes: Vec<ChangeRecord> = [ChangeType::EventCreated, ChangeType::EventCancelled]
        .into_iter()
        .map(|kind| change::event_changed(kind, &planning, None, "m1", at(0)))
        .collect();
    let commit = Commit {
        message: Some(record("m1", Outcome::rejected("test commit m1"))),
        events: vec![insert(&planning)],
        changes: changes.clone(),
        ..Commit::default()
    };
    let queued = with_dispatch(&commit).expect("dispatch");
    assert!(matches!(
        store.commit(&queued).await,
        Ok(Committed::Applied)
    ));

    let hooks = RecordingWebhooks::new();
    let mailer = RecordingMailer::new();
    let outlets = Outlets::mail(&PlainComposer, &mailer);
    let settings = DeliverySettings::default();
    let first = deliver_due(store, &SequentialIds::new(), &outlets, &settings, at(1))
        .await
        .expect("the mail loop works off the dispatch");
    assert_eq!(
        first.webhooks_queued, 3,
        "two to ep_all, one to ep_answers: {first:?}"
    );
    // The deliveries are a lane of their own: the mail loop never lists them.
    let mail = store.due_outbox(at(1), 100).await.expect("due");
    assert!(mail.is_empty(), "{mail:?}");
    let lane = store.due_webhooks(at(1), 100).await.expect("due webhooks");
    assert_eq!(lane.len(), 3);
    assert!(lane.iter().all(|d| d.message.id.starts_with("wh-")));
    // The same dispatch worked off again (a crash before it was marked) queues nothing more.
    let again = rollcall_core::usecase::dispatch::with_dispatch(&commit).expect("dispatch");
    assert!(matches!(
        store.commit(&again).await,
        Ok(Committed::AlreadyRecorded)
    ));

    hooks.answer_next(&[500]);
    let second = pass(store, &hooks, 2).await;
    assert_eq!((second.sent, second.retrying), (2, 1), "{second:?}");
    let posted = hooks.posted();
    assert_eq!(posted.len(), 3);
    for post in &posted {
        let endpoint = if post.url.ends_with("ep_all") {
            &all
        } else {
            &answers
        };
        let id = header(post, "webhook-id");
        let timestamp: i64 = header(post, "webhook-timestamp").parse().expect("seconds");
        assert_eq!(timestamp, at(2).timestamp());
        assert_eq!(
            header(post, "webhook-signature"),
            endpoint.secret.sign(id, timestamp, &post.body),
            "signed with the endpoint's secret"
        );
        let body: serde_json::Value = serde_json::from_slice(&post.body).expect("json");
        let record = changes
            .iter()
            .find(|c| c.id == body["id"])
            .expect("a record");
        assert!(endpoint.wants(record.kind));
        assert_eq!(
            id,
            rollcall_core::usecase::deliver::webhooks::delivery_id(&endpoint.id, &record.id)
        );
    }
    let failed = &posted[0];
    let failed_id = header(failed, "webhook-id").to_string();
    let failed_endpoint = if failed.url.ends_with("ep_all") {
        "ep_all"
    } else {
        "ep_answers"
    };
    // Not before its time (5 s after the failure), then once more, with the same id.
    assert_eq!(pass(store, &hooks, 6).await.handled(), 0);
    let retried = pass(store, &hooks, 8).await;
    assert_eq!(retried.sent, 1, "{retried:?}");
    let posted = hooks.posted();
    assert_eq!(posted.len(), 4);
    assert_eq!(header(&posted[3], "webhook-id"), failed_id);
    assert_eq!(
        pass(store, &hooks, 100_000).await.handled(),
        0,
        "nothing twice"
    );
    let log = store.attempts_of(failed_endpoint, 10).await.expect("log");
    let statuses: Vec<Option<u16>> = (log.iter())
        .filter(|a| a.delivery == failed_id)
        .map(|a| a.status)
        .collect();
    assert_eq!(statuses, [Some(200), Some(500)], "newest first: {log:?}");

    // 410 Gone disables the endpoint: the next change is not sent to it.
    let next = change::event_changed(ChangeType::EventUpdated, &planning, None, "m2", at(200));
    let commit = Commit {
        message: Some(record("m2", Outcome::rejected("test commit m2"))),
        changes: vec![next.clone()],
        ..Commit::default()
    };
    let queued = with_dispatch(&commit).expect("dispatch");
    assert!(matches!(
        store.commit(&queued).await,
        Ok(Committed::Applied)
    ));
    // The mail loop queues the delivery and the webhook loop posts it, in one pass.
    hooks.answer_next(&[410]);
    let gone = pass(store, &hooks, 201).await;
    assert_eq!((gone.webhooks_queued, gone.failed), (1, 1), "{gone:?}");
    let stored = store.endpoint("ep_all").await.expect("read").expect("kept");
    assert!(
        stored
            .disabled
            .as_deref()
            .is_some_and(|why| why.contains("410")),
        "{stored:?}"
    );
    // Its organizer is mailed, once.
    let mails: Vec<_> = (store.due_outbox(at(201), 100).await.expect("due").into_iter())
        .filter(|d| matches!(&d.message.notice, Notice::WebhookDisabled { endpoint, .. } if endpoint == "ep_all"))
        .collect();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].message.to.email, OLGA);
    let later = change::event_changed(ChangeType::EventUpdated, &planning, None, "m3", at(300));
    let commit = Commit {
        message: Some(record("m3", Outcome::rejected("test commit m3"))),
        changes: vec![later],
        ..Commit::default()
    };
    let queued = with_dispatch(&commit).expect("dispatch");
    assert!(matches!(
        store.commit(&queued).await,
        Ok(Committed::Applied)
    ));
    assert_eq!(
        pass(store, &hooks, 301).await.webhooks_queued,
        0,
        "ep_all is off"
    );

    // Fixed and enabled again, its failed delivery goes once more, with the same id; the
    // other endpoint's deliveries are left alone.
    let gone_id = header(hooks.posted().last().expect("the 410"), "webhook-id").to_string();
    let enabled = Endpoint {
        disabled: None,
        ..stored
    };
    store.put_endpoint(&enabled).await.expect("enable");
    let resend = rollcall_core::usecase::endpoints::resend_failed;
    assert_eq!(
        resend(store, OLGA, "ep_all", at(400))
            .await
            .expect("resend"),
        1
    );
    assert!(
        resend(store, PAT, "ep_all", at(400)).await.is_err(),
        "another organizer's endpoint is not found"
    );
    assert_eq!(
        resend(store, OLGA, "ep_answers", at(400))
            .await
            .expect("none"),
        0
    );
    let again = pass(store, &hooks, 401).await;
    assert_eq!(again.sent, 1, "{again:?}");
    let last = hooks.posted().last().cloned().expect("posted");
    assert_eq!(header(&last, "webhook-id"), gone_id);
    assert_eq!(
        resend(store, OLGA, "ep_all", at(402))
            .await
            .expect("resend"),
        0
    );
}
