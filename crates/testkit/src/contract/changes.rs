//! Contract cases for the organizers' change streams.

use super::invitee_fixtures::stream;
use super::{OLGA, at, event, insert, message_id, record};
use futures_util::future::join_all;
use rollcall_core::change::{self, ChangeQuery, ChangeRecord, ChangeType};
use rollcall_core::event::Event;
use rollcall_core::outcome::Outcome;
use rollcall_core::ports::{Commit, Committed, Store};

const PAT: &str = "pat@example.org";

/// A record of `kind` about `event`, caused by message `cause`, at second `second`.
fn record_of(kind: ChangeType, event: &Event, cause: &str, second: i64) -> ChangeRecord {
    change::event_changed(kind, event, None, cause, at(second))
}

/// A commit of message `id` that writes only `changes`.
fn changes_commit(id: &str, changes: Vec<ChangeRecord>) -> Commit {
    Commit {
        message: Some(record(id, Outcome::rejected(format!("test commit {id}")))),
        changes,
        ..Commit::default()
    }
}

async fn commit_applies<S: Store>(store: &S, commit: &Commit) {
    let result = store.commit(commit).await;
    assert!(
        matches!(result, Ok(Committed::Applied)),
        "commit {} should apply, got {result:?}",
        message_id(commit)
    );
}

fn ids(changes: &[rollcall_core::change::StoredChange]) -> Vec<&str> {
    changes.iter().map(|c| c.record.id.as_str()).collect()
}

pub async fn change_records_come_out_per_organizer_in_commit_order<S: Store>(store: &S) {
    let planning = event(1, OLGA, "uid-1");
    let review = event(2, OLGA, "uid-2");
    let theirs = event(3, PAT, "uid-3");
    let created = record_of(ChangeType::EventCreated, &planning, "m1", 0);
    let first = Commit {
        events: vec![insert(&planning), insert(&review), insert(&theirs)],
        ..changes_commit(
            "m1",
            vec![
                created.clone(),
                record_of(ChangeType::EventCreated, &theirs, "m1", 0),
                record_of(ChangeType::EventCreated, &review, "m1", 0),
            ],
        )
    };
    commit_applies(store, &first).await;
    // Later commits: an older `at` does not move a record before what was committed first,
    // and a record already stored (here and twice within one commit) is kept once.
    let updated = record_of(ChangeType::EventUpdated, &planning, "m2", -60);
    let cancelled = record_of(ChangeType::EventCancelled, &review, "m3", 5);
    commit_applies(
        store,
        &changes_commit("m2", vec![updated.clone(), created.clone()]),
    )
    .await;
    commit_applies(
        store,
        &changes_commit("m3", vec![cancelled.clone(), cancelled.clone()]),
    )
    .await;

    let olga = stream(store, OLGA).await;
    let review_created = record_of(ChangeType::EventCreated, &review, "m1", 0);
    assert_eq!(
        ids(&olga),
        [&created.id, &review_created.id, &updated.id, &cancelled.id],
        "Olga's records in commit order, each once"
    );
    assert!(
        olga.windows(2).all(|w| w[0].seq < w[1].seq),
        "places grow: {olga:?}"
    );
    assert_eq!(olga[2].record, updated, "a record reads back as written");
    let pat = stream(store, PAT).await;
    assert_eq!(pat.len(), 1, "Pat's stream holds only Pat's record");
    assert_eq!(pat[0].record.data.event_id, theirs.id);

    // Resuming after a place misses nothing and repeats nothing, page by page.
    let mut seen = Vec::new();
    let mut after = None;
    for _ in 0..10 {
        let query = ChangeQuery {
            after,
            limit: 1,
            ..ChangeQuery::default()
        };
        let page = store.changes_of(OLGA, &query).await.expect("page");
        let Some(last) = page.last() else { break };
        after = Some(last.seq);
        seen.extend(page);
    }
    assert_eq!(seen, olga, "one record per page, resumed after each");

    // Filters by type and by event, together with a place.
    let query = ChangeQuery {
        types: vec![ChangeType::EventUpdated, ChangeType::EventCancelled],
        limit: 10,
        ..ChangeQuery::default()
    };
    let typed = store.changes_of(OLGA, &query).await.expect("by type");
    assert_eq!(ids(&typed), [&updated.id, &cancelled.id]);
    let query = ChangeQuery {
        event: Some(planning.id.clone()),
        after: Some(olga[0].seq),
        limit: 10,
        ..ChangeQuery::default()
    };
    let about = store.changes_of(OLGA, &query).await.expect("by event");
    assert_eq!(ids(&about), [&updated.id]);
    let query = ChangeQuery {
        after: olga.last().map(|c| c.seq),
        limit: 10,
        ..ChangeQuery::default()
    };
    let none = store
        .changes_of(OLGA, &query)
        .await
        .expect("after the last");
    assert!(none.is_empty(), "nothing after the last place: {none:?}");
}

pub async fn concurrent_commits_each_get_their_own_place_in_the_stream<S: Store>(store: &S) {
    let planning = event(1, OLGA, "uid-1");
    let setup = changes_commit("m0", Vec::new());
    commit_applies(
        store,
        &Commit {
            events: vec![insert(&planning)],
            ..setup
        },
    )
    .await;
    let commits: Vec<Commit> = (1..=12)
        .map(|n| {
            let id = format!("m{n}");
            let record = record_of(ChangeType::EventUpdated, &planning, &id, n);
            changes_commit(&id, vec![record])
        })
        .collect();
    let results = join_all(commits.iter().map(|c| store.commit(c))).await;
    for (commit, result) in commits.iter().zip(results) {
        assert!(
            matches!(result, Ok(Committed::Applied)),
            "commit {} should apply, got {result:?}",
            message_id(commit)
        );
    }
    let olga = stream(store, OLGA).await;
    assert_eq!(olga.len(), commits.len(), "every record kept: {olga:?}");
    assert!(
        olga.windows(2).all(|w| w[0].seq < w[1].seq),
        "distinct growing places: {olga:?}"
    );
    let mut wanted: Vec<&str> = commits.iter().map(|c| c.changes[0].id.as_str()).collect();
    let mut got = ids(&olga);
    wanted.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, wanted);
}

/// A web RSVP and a changed answer each tell the organizer's stream what changed, with what
/// a consumer needs (event title, invitee, old and new answer, channel), once however often
/// the same form arrives.
pub async fn answers_on_the_web_tell_the_organizers_stream_once<S: Store>(store: &S) {
    use super::web::{Form, open_event, submit};
    use rollcall_core::status::{Answer, Channel};
    let planning = open_event(store).await;
    let source = crate::SequentialIds::new();
    let form = |nonce| Form {
        name: "Ann",
        email: "ann@example.org",
        answer: Answer::Accepted,
        nonce,
        seconds: 10,
    };
    let ann = submit(store, &source, &planning, form("n1")).await;
    // The same address typed again changes nothing about Ann, so tells nothing.
    submit(store, &source, &planning, form("n1b")).await;
    let change = |nonce: &'static str, seconds| {
        rollcall_core::usecase::rsvp::change_answer(
            &ann,
            Answer::Declined,
            nonce,
            store,
            at(seconds),
        )
    };
    change("n2", 20).await.expect("changed");
    change("n2", 21).await.expect("the same form twice");
    change("n3", 22).await.expect("the same answer again");

    let olga = stream(store, OLGA).await;
    let kinds: Vec<(ChangeType, Option<&str>, Option<&str>)> = olga
        .iter()
        .map(|c| {
            let data = &c.record.data;
            (c.record.kind, data.old.as_deref(), data.new.as_deref())
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (ChangeType::InviteeAdded, None, None),
            (
                ChangeType::InviteeAnswered,
                Some("needs-action"),
                Some("accepted")
            ),
            (ChangeType::InviteeDelivery, Some("listed"), Some("queued")),
            (
                ChangeType::InviteeAnswered,
                Some("accepted"),
                Some("declined")
            ),
        ],
        "{olga:#?}"
    );
    for stored in &olga {
        let data = &stored.record.data;
        assert_eq!(stored.record.organizer, OLGA);
        assert_eq!(data.event_id, planning.id);
        assert_eq!(data.event_title, planning.title());
        assert_eq!(data.invitee_id.as_ref(), Some(&ann));
        assert_eq!(data.email.as_deref(), Some("ann@example.org"));
        assert_eq!(data.channel, Some(Channel::Web));
    }
    let changed = &olga[3].record;
    assert_eq!(changed.at, at(20));
    assert_eq!(changed.data.track.as_deref(), Some("response"));
}

/// The dispatch of a commit's change records is queued in that commit and told to the event
/// stream by the sender: after a failure of the stream, again, and then never again; a
/// redelivered commit queues nothing more.
pub async fn change_records_are_told_to_the_stream_through_the_outbox_once<S: Store>(store: &S) {
    use crate::{PlainComposer, RecordingMailer, RecordingSink, SequentialIds};
    use rollcall_core::usecase::deliver::{DeliverySettings, Jitter, Outlets, deliver_due};
    use rollcall_core::usecase::dispatch::with_dispatch;
    let planning = event(1, OLGA, "uid-1");
    let changes = vec![
        record_of(ChangeType::EventCreated, &planning, "m1", 0),
        record_of(ChangeType::EventUpdated, &planning, "m1", 0),
    ];
    let commit = Commit {
        events: vec![insert(&planning)],
        ..changes_commit("m1", changes.clone())
    };
    let queued = with_dispatch(&commit).expect("a commit with records queues their dispatch");
    commit_applies(store, &queued).await;
    let again = store.commit(&queued).await;
    assert!(matches!(again, Ok(Committed::AlreadyRecorded)), "{again:?}");
    assert!(
        with_dispatch(&changes_commit("m2", Vec::new())).is_none(),
        "nothing to tell, nothing queued"
    );

    let (mailer, sink) = (RecordingMailer::new(), RecordingSink::new());
    let outlets = Outlets {
        stream: Some(&sink),
        ..Outlets::mail(&PlainComposer, &mailer)
    };
    let settings = DeliverySettings {
        jitter: Jitter::NONE,
        ..DeliverySettings::default()
    };
    let ids = SequentialIds::new();
    sink.fail_next(1);
    let first = deliver_due(store, &ids, &outlets, &settings, at(1)).await;
    assert_eq!(first.expect("pass").retrying, 1, "the stream was down");
    assert!(sink.told().is_empty());
    for second in [10, 20, 30] {
        deliver_due(store, &ids, &outlets, &settings, at(second))
            .await
            .expect("pass");
    }
    let told: Vec<ChangeRecord> = sink.told();
    assert_eq!(told, changes, "each record told once, in order");
    assert!(mailer.sent().is_empty(), "a dispatch is not mail");
}
