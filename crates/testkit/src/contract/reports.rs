//! The reporting part of the contract: events by organizer and by domain, counters per hour,
//! the report counters beside the status tracks, and people added by the organizer.

use super::{OLGA, at, open_event_of as open};
use crate::SequentialIds;
use chrono::{DateTime, Duration, Utc};
use rollcall_core::event::Event;
use rollcall_core::ports::{Commit, CounterDelta, SeriesPoint, Store};
use rollcall_core::status::Answer;
use rollcall_core::tracking::{
    ANSWERS_BY_CHANNEL, ANSWERS_BY_DOMAIN, INVITEES_BY_DOMAIN, OCCURRENCE_ANSWERS, for_occurrence,
};
use rollcall_core::usecase::invite::{AddResult, add_invitees};
use rollcall_core::usecase::report::pasted::read_pasted;
use rollcall_core::usecase::rsvp::{
    RsvpError, RsvpRequest, RsvpSettings, Rsvped, UnsubscribeScope, answer_occurrence,
    change_answer, rsvp, unsubscribe,
};

pub async fn events_are_found_by_organizer_and_by_organizer_domain<S: Store>(store: &S) {
    let olga = open(store, 1, OLGA).await;
    let olga_too = open(store, 2, OLGA).await;
    let paul = open(store, 3, "paul@example.org").await;
    open(store, 4, "zoe@example.com").await;
    let ids = |mut events: Vec<Event>| {
        events.sort_by(|a, b| a.id.cmp(&b.id));
        events.into_iter().map(|e| e.id).collect::<Vec<_>>()
    };
    let hers = store.events_of_organizer(OLGA).await.expect("by organizer");
    assert_eq!(ids(hers), vec![olga.id.clone(), olga_too.id.clone()]);
    let domain = store
        .events_of_domain("example.org")
        .await
        .expect("by domain");
    assert_eq!(ids(domain), vec![olga.id, olga_too.id, paul.id]);
    assert!(
        store
            .events_of_organizer("nobody@example.org")
            .await
            .expect("none")
            .is_empty()
    );
    assert!(
        store
            .events_of_domain("example.net")
            .await
            .expect("none")
            .is_empty()
    );
}

pub async fn counter_increments_are_kept_per_hour_for_time_series<S: Store>(store: &S) {
    let planning = open(store, 1, OLGA).await;
    let delta = |value: &str, delta: i64, at: DateTime<Utc>| CounterDelta {
        event_id: planning.id.clone(),
        track: "response".to_string(),
        value: value.to_string(),
        delta,
        at,
    };
    let hour = Duration::hours(1);
    let commit = Commit {
        counters: vec![
            delta("accepted", 1, at(0)),
            delta("accepted", 1, at(120)),
            delta("needs-action", -1, at(120)),
            delta("declined", 1, at(0) + hour),
        ],
        ..Commit::default()
    };
    store.commit(&commit).await.expect("commit");
    let commit = Commit {
        counters: vec![delta("accepted", 2, at(0) + hour * 3)],
        ..Commit::default()
    };
    store.commit(&commit).await.expect("commit");
    let mut series = store
        .series(&planning.id, "response", at(0), at(0) + hour * 3)
        .await
        .expect("series");
    series.sort_by(|a, b| (a.hour, &a.value).cmp(&(b.hour, &b.value)));
    // at(0) is 16:00 UTC sharp: the cases' clock starts on the hour.
    let point = |hour: DateTime<Utc>, value: &str, count: i64| SeriesPoint {
        hour,
        value: value.to_string(),
        count,
    };
    assert_eq!(
        series,
        vec![
            point(at(0), "accepted", 2),
            point(at(0) + hour, "declined", 1)
        ],
        "decrements are not in a series; `until` is exclusive"
    );
    assert!(
        store
            .series(&planning.id, "delivery", at(0), at(0) + hour * 9)
            .await
            .expect("series")
            .is_empty(),
        "one track at a time"
    );
}

fn rsvp_settings() -> RsvpSettings {
    RsvpSettings::new("rollcall.test")
}

pub async fn organizer_added_invitees_are_invited_with_a_result_per_line<S: Store>(store: &S) {
    let planning = open(store, 1, OLGA).await;
    let ids = SequentialIds::new();
    let request = RsvpRequest {
        event_id: &planning.id,
        name: "Una",
        email: "una@example.net",
        answer: Answer::Accepted,
        nonce: "n1",
    };
    let Ok(Rsvped::Invited(una)) = rsvp(&request, &rsvp_settings(), store, &ids, at(1)).await
    else {
        panic!("Una is invited");
    };
    unsubscribe(&una, UnsubscribeScope::ThisEvent, store, at(2))
        .await
        .expect("unsubscribe");
    let lines = read_pasted(
        "Ann <ann@example.org>\nnonsense\nuna@example.net\nann@example.org\nbob@example.com, Bob\n\
         invites@rollcall.test\nRollcall <rsvp+abc@Rollcall.Test>\nx@[127.0.0.1]",
    )
    .expect("short");
    let results = add_invitees(&planning.id, lines, &rsvp_settings(), store, &ids, at(3))
        .await
        .expect("added");
    let got: Vec<(usize, AddResult)> = results.iter().map(|r| (r.line, r.result)).collect();
    assert_eq!(
        got,
        [
            (1, AddResult::Added),
            (2, AddResult::InvalidAddress),
            (3, AddResult::Unsubscribed),
            (4, AddResult::AlreadyInvited),
            (5, AddResult::Added),
            (6, AddResult::RollcallAddress),
            (7, AddResult::RollcallAddress),
            (8, AddResult::InvalidAddress),
        ]
    );
    let bob = store
        .invitee_by_email(&planning.id, "bob@example.com")
        .await
        .expect("read")
        .expect("Bob is on the list");
    assert_eq!(bob.name.as_deref(), Some("Bob"));
    assert_eq!(bob.status.value("delivery"), Some("queued"));
    let queued = store.due_outbox(at(86_400), 10).await.expect("due");
    let to: Vec<&str> = queued.iter().map(|d| d.message.to.email.as_str()).collect();
    assert!(
        to.contains(&"bob@example.com") && to.contains(&"ann@example.org"),
        "{to:?}"
    );
}

pub async fn answers_are_counted_by_channel_and_domain_for_reports<S: Store>(store: &S) {
    let planning = open(store, 1, OLGA).await;
    let ids = SequentialIds::new();
    let mut joined = Vec::new();
    for (n, email, answer) in [
        (1, "ann@example.org", Answer::Accepted),
        (2, "bob@example.org", Answer::Declined),
        (3, "cy@example.net", Answer::Accepted),
    ] {
        let nonce = format!("n{n}");
        let request = RsvpRequest {
            event_id: &planning.id,
            name: "",
            email,
            answer,
            nonce: &nonce,
        };
        let rsvped = rsvp(&request, &rsvp_settings(), store, &ids, at(n)).await;
        joined.push(rsvped.expect("rsvp"));
    }
    // Ann changes her answer on her own page (the public form would change nothing).
    let Rsvped::Invited(ann) = &joined[0] else {
        panic!("Ann is new: {joined:?}");
    };
    change_answer(ann, Answer::Tentative, "n4", store, at(4))
        .await
        .expect("change");
    let counters = store.counters(&planning.id).await.expect("counters");
    let count = |track: &str, value: &str| {
        counters
            .iter()
            .find(|(t, v, _)| t == track && v == value)
            .map_or(0, |(_, _, n)| *n)
    };
    assert_eq!(
        count(ANSWERS_BY_CHANNEL, "web"),
        4,
        "every answer given counts"
    );
    assert_eq!(count(ANSWERS_BY_DOMAIN, "example.org"), 3);
    assert_eq!(count(ANSWERS_BY_DOMAIN, "example.net"), 1);
    assert_eq!(count(INVITEES_BY_DOMAIN, "example.org"), 2);
    assert_eq!(count("response", "tentative"), 1);
    let series = store
        .series(&planning.id, "response", at(0), at(3600))
        .await
        .expect("series");
    let accepted: i64 = series
        .iter()
        .filter(|p| p.value == "accepted")
        .map(|p| p.count)
        .sum();
    assert_eq!(accepted, 2, "changes into accepted: {series:?}");
}

pub async fn answers_for_one_occurrence_are_counted_for_it_in_the_same_commit<S: Store>(store: &S) {
    // Tuesdays from 10 March 2026, four times, all day: occurrences are named by their dates.
    let mut weekly = super::event(1, OLGA, "uid-weekly");
    weekly.details.rrule = Some("FREQ=WEEKLY;COUNT=4".to_string());
    let commit = Commit {
        events: vec![super::insert(&weekly)],
        ..Commit::default()
    };
    store.commit(&commit).await.expect("event stored");
    let ids = SequentialIds::new();
    let mut invitees = Vec::new();
    for (n, email) in [(1, "ann@example.org"), (2, "bob@example.net")] {
        let nonce = format!("n{n}");
        let request = RsvpRequest {
            event_id: &weekly.id,
            name: "",
            email,
            answer: Answer::Accepted,
            nonce: &nonce,
        };
        match rsvp(&request, &rsvp_settings(), store, &ids, at(n)).await {
            Ok(Rsvped::Invited(id)) => invitees.push(id),
            other => panic!("{email} is new: {other:?}"),
        }
    }
    let ann = &invitees[0];
    let second = "2026-03-17";
    answer_occurrence(ann, second, Answer::Declined, "n3", store, at(3))
        .await
        .expect("answered for one date");
    // A date the series does not have is refused and writes nothing.
    let before = store.counters(&weekly.id).await.expect("counters");
    let refused = answer_occurrence(ann, "2026-03-18", Answer::Declined, "n4", store, at(4)).await;
    assert!(
        matches!(refused, Err(RsvpError::NotAnOccurrence)),
        "{refused:?}"
    );
    let counters = store.counters(&weekly.id).await.expect("counters");
    assert_eq!(counters, before);

    let report = |occurrence| {
        rollcall_core::usecase::report::report(&rollcall_core::usecase::report::counters_for(
            &counters, occurrence,
        ))
    };
    let series = report(None);
    assert_eq!(series.counts.response["accepted"], 2);
    assert_eq!(series.counts.response["declined"], 0);
    let that_day = report(Some(second));
    assert_eq!(
        that_day.counts.response["accepted"], 1,
        "Bob, by his series answer"
    );
    assert_eq!(
        that_day.counts.response["declined"], 1,
        "Ann, for that date"
    );
    let answered: i64 = that_day.by_domain.iter().map(|d| d.answers).sum();
    assert_eq!(answered, 2);
    assert_eq!(
        report(Some("2026-03-24")).counts.response,
        series.counts.response
    );

    // The answer is read back from the store as it was written, and has its time series.
    let stored = store.invitee(ann).await.expect("read").expect("Ann");
    assert_eq!(stored.status.answer_for(second).answer, Answer::Declined);
    assert_eq!(stored.status.value("response"), Some("accepted"));
    let points = store
        .series(
            &weekly.id,
            &for_occurrence(OCCURRENCE_ANSWERS, second),
            at(0),
            at(3600),
        )
        .await
        .expect("series");
    let declined: i64 = points
        .iter()
        .filter(|p| p.value == "declined")
        .map(|p| p.count)
        .sum();
    assert_eq!(declined, 1, "{points:?}");
}
