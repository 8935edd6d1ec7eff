use super::*;
use chrono::{DateTime, Duration, TimeZone, Utc};

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
        + Duration::minutes(minute)
}

fn signal(key: &str, kind: SignalKind, minute: i64) -> Signal {
    Signal {
        dedupe_key: key.to_string(),
        kind,
        occurred_at: at(minute),
        // Arrival is deliberately unrelated to occurrence: the engine must not look at it.
        received_at: at(1000 - minute),
        channel: Channel::Provider,
        provenance: Provenance::default(),
        comment: None,
    }
}

fn answer(key: &str, answer: Answer, minute: i64) -> Signal {
    signal(key, SignalKind::Answer(answer), minute)
}

fn run(signals: &[Signal]) -> InviteeStatus {
    signals
        .iter()
        .fold(InviteeStatus::initial(&INVITEE_MODEL), |status, s| {
            apply(&INVITEE_MODEL, &status, s).status
        })
}

fn step(status: &InviteeStatus, signal: &Signal) -> Applied {
    apply(&INVITEE_MODEL, status, signal)
}

#[test]
fn a_late_delivered_never_resurrects_a_bounced_address() {
    let status = run(&[
        signal("s", SignalKind::Sent, 1),
        signal("b", SignalKind::Bounced, 2),
    ]);
    let late = step(&status, &signal("d", SignalKind::Delivered, 3));
    assert_eq!(late.status.value(REACHABILITY), Some("bounced"));
    assert_eq!(late.status.value(DELIVERY), Some("delivered"));
    assert_eq!(
        late.changes,
        vec![Change {
            track: DELIVERY,
            from: "sent",
            to: "delivered"
        }]
    );
}

#[test]
fn delivery_never_goes_back() {
    let status = run(&[signal("o", SignalKind::Opened, 5)]);
    for (key, kind) in [
        ("l", SignalKind::Listed),
        ("q", SignalKind::Queued),
        ("s", SignalKind::Sent),
        ("d", SignalKind::Delivered),
    ] {
        // Even when it happened later: rank, not time, decides this track.
        let applied = step(&status, &signal(key, kind, 9));
        assert_eq!(applied.effect, Effect::NoChange, "{key}");
        assert_eq!(applied.status.value(DELIVERY), Some("opened"));
        assert!(applied.changes.is_empty());
    }
}

#[test]
fn a_delayed_invitation_shows_delayed_until_sent_overtakes_it() {
    let delayed = run(&[
        signal("q", SignalKind::Queued, 1),
        signal("delayed:m", SignalKind::Delayed, 2),
    ]);
    assert_eq!(delayed.value(DELIVERY), Some("delayed"));
    let sent = step(&delayed, &signal("sent:m", SignalKind::Sent, 3));
    assert_eq!(
        sent.changes,
        vec![Change {
            track: DELIVERY,
            from: "delayed",
            to: "sent"
        }]
    );
    // A delay reported after the send (a second message to the same invitee) is no step back.
    let late = step(&sent.status, &signal("delayed:m2", SignalKind::Delayed, 4));
    assert_eq!(late.effect, Effect::NoChange);
    assert_eq!(late.status.value(DELIVERY), Some("sent"));
}

#[test]
fn the_latest_answer_by_the_time_it_was_given_wins_not_by_arrival() {
    let declined = answer("r2", Answer::Declined, 5);
    let accepted = answer("r1", Answer::Accepted, 3);
    let status = run(std::slice::from_ref(&declined));
    let late = step(&status, &accepted);
    assert_eq!(late.effect, Effect::NoChange);
    assert_eq!(late.status.value(RESPONSE), Some("declined"));
    assert_eq!(run(&[accepted, declined.clone()]), late.status);

    // Same minute: the dedupe key decides, whichever arrives first.
    let tentative = answer("r3", Answer::Tentative, 5);
    let one = run(&[declined.clone(), tentative.clone()]);
    assert_eq!(one, run(&[tentative, declined]));
    assert_eq!(one.value(RESPONSE), Some("tentative"));
}

#[test]
fn an_open_or_click_is_never_an_answer() {
    let status = run(&[answer("r", Answer::Declined, 1)]);
    for kind in [SignalKind::Opened, SignalKind::Clicked] {
        let applied = step(&status, &signal("weak", kind, 9));
        assert_eq!(applied.status.value(RESPONSE), Some("declined"));
        assert!(applied.changes.iter().all(|c| c.track == DELIVERY));
    }
    let fresh = run(&[signal("c", SignalKind::Clicked, 1)]);
    assert_eq!(fresh.value(RESPONSE), Some("needs-action"));
    assert_eq!(fresh.latest_answer(), None);
}

#[test]
fn the_same_signal_twice_changes_nothing_the_second_time() {
    let kinds = [
        SignalKind::Queued,
        SignalKind::Clicked,
        SignalKind::Answer(Answer::Accepted),
        SignalKind::Reconfirm,
        SignalKind::Counter {
            proposed_start: Some("2026-03-02T10:00:00Z".into()),
            proposed_end: None,
            comment: None,
        },
        SignalKind::Complained,
    ];
    for kind in kinds {
        let s = signal("k", kind, 4);
        let once = step(&InviteeStatus::initial(&INVITEE_MODEL), &s);
        assert_eq!(once.effect, Effect::Changed);
        let twice = step(&once.status, &s);
        assert_eq!(twice.effect, Effect::NoChange);
        assert!(twice.changes.is_empty());
        assert_eq!(twice.status, once.status);
    }
}

#[test]
fn a_reconfirm_resets_an_older_answer_and_keeps_it_as_previous() {
    let accepted = answer("r", Answer::Accepted, 1);
    let reconfirm = signal("t", SignalKind::Reconfirm, 5);
    let status = run(std::slice::from_ref(&accepted));
    let applied = step(&status, &reconfirm);
    assert_eq!(applied.status.value(RESPONSE), Some("needs-action"));
    assert_eq!(
        applied.status.previous_answer(),
        Some((Answer::Accepted, at(1)))
    );
    assert_eq!(
        applied.changes,
        vec![Change {
            track: RESPONSE,
            from: "accepted",
            to: "needs-action"
        }]
    );
    // Arriving the other way round ends the same.
    assert_eq!(run(&[reconfirm.clone(), accepted]), applied.status);

    // An answer given before the reconfirm but heard of only now becomes the previous one.
    let late = step(&applied.status, &answer("r0", Answer::Tentative, 3));
    assert_eq!(late.status.value(RESPONSE), Some("needs-action"));
    assert_eq!(
        late.status.previous_answer(),
        Some((Answer::Tentative, at(3)))
    );
    assert!(late.changes.is_empty());
    assert_eq!(late.effect, Effect::Changed);
}

#[test]
fn an_answer_after_a_reconfirm_wins() {
    let signals = [
        answer("r1", Answer::Accepted, 1),
        signal("t", SignalKind::Reconfirm, 5),
        answer("r2", Answer::Declined, 7),
    ];
    let status = run(&signals);
    assert_eq!(status.value(RESPONSE), Some("declined"));
    assert_eq!(status.previous_answer(), None);
    let reversed: Vec<Signal> = signals.iter().rev().cloned().collect();
    assert_eq!(run(&reversed), status);

    // A second, later change of time resets again and remembers the newer answer.
    let again = step(&status, &signal("t2", SignalKind::Reconfirm, 9));
    assert_eq!(again.status.value(RESPONSE), Some("needs-action"));
    assert_eq!(
        again.status.previous_answer(),
        Some((Answer::Declined, at(7)))
    );
}

#[test]
fn a_counter_is_recorded_beside_the_answer() {
    let status = run(&[answer("r", Answer::Tentative, 1)]);
    let counter = |key: &str, start: &str, minute| {
        let kind = SignalKind::Counter {
            proposed_start: Some(start.to_string()),
            proposed_end: None,
            comment: Some("mornings are better".into()),
        };
        signal(key, kind, minute)
    };
    let applied = step(&status, &counter("c1", "2026-03-02T09:00:00Z", 2));
    assert_eq!(applied.effect, Effect::Changed);
    assert!(applied.changes.is_empty());
    assert_eq!(applied.status.value(RESPONSE), Some("tentative"));
    let proposal = applied.status.proposal().cloned();
    assert_eq!(
        proposal.as_ref().and_then(|p| p.proposed_start.as_deref()),
        Some("2026-03-02T09:00:00Z")
    );
    // An older proposal heard of later does not replace it.
    let older = step(&applied.status, &counter("c0", "2026-03-03T09:00:00Z", 1));
    assert_eq!(older.effect, Effect::NoChange);
}

#[test]
fn counter_deltas_move_one_count_from_the_old_value_to_the_new() {
    let change = Change {
        track: DELIVERY,
        from: "sent",
        to: "opened",
    };
    assert_eq!(
        counter_deltas(&[change]),
        vec![(DELIVERY, "sent", -1), (DELIVERY, "opened", 1)]
    );
}

#[test]
fn the_invitee_model_has_every_value_a_signal_can_ask_for() {
    for track in INVITEE_MODEL.tracks {
        assert!(!track.values.is_empty(), "{}", track.name);
    }
    let mut kinds = vec![
        SignalKind::Listed,
        SignalKind::Queued,
        SignalKind::Delayed,
        SignalKind::Sent,
        SignalKind::Delivered,
        SignalKind::Opened,
        SignalKind::Clicked,
        SignalKind::Reconfirm,
        SignalKind::Bounced,
        SignalKind::Complained,
        SignalKind::Unsubscribed,
    ];
    kinds.extend(Answer::ALL.map(SignalKind::Answer));
    for kind in kinds {
        let (track, value) = kind.target().unwrap_or_default();
        let def = INVITEE_MODEL.track(track);
        assert!(def.and_then(|t| t.rank(value)).is_some(), "{kind:?}");
    }
}

#[test]
fn statuses_and_signals_read_back_from_json_and_a_foreign_status_is_refused() {
    let status = run(&[
        answer("r", Answer::Accepted, 1),
        signal("t", SignalKind::Reconfirm, 2),
        signal("o", SignalKind::Opened, 3),
    ]);
    let json = serde_json::to_string(&status).unwrap_or_default();
    assert!(json.contains(r#""delivery":{"value":"opened""#), "{json}");
    let back: Result<InviteeStatus, _> = serde_json::from_str(&json);
    assert_eq!(back.ok(), Some(status));

    let foreign = json.replace(r#""value":"opened""#, r#""value":"read""#);
    assert!(serde_json::from_str::<InviteeStatus>(&foreign).is_err());

    let s = signal("k", SignalKind::Answer(Answer::NeedsAction), 1);
    let json = serde_json::to_value(&s).unwrap_or_default();
    assert_eq!(json["kind"], serde_json::json!({"answer": "needs-action"}));
    assert_eq!(json["channel"], "provider");
    assert_eq!(serde_json::from_value::<Signal>(json).ok(), Some(s));
}

#[test]
fn partstat_and_channel_text_parse_back() {
    assert_eq!(Answer::parse("NEEDS-ACTION"), Some(Answer::NeedsAction));
    assert_eq!(Answer::parse(" accepted "), Some(Answer::Accepted));
    assert_eq!(Answer::parse("IN-PROCESS"), None);
    for channel in Channel::ALL {
        assert_eq!(Channel::parse(channel.as_str()), Some(channel));
    }
    assert_eq!(Channel::parse("calendar_reply"), None);
}

#[test]
fn reachability_is_the_latest_word_so_an_owner_can_resubscribe_and_a_later_bounce_wins_again() {
    let status = run(&[
        signal("u", SignalKind::Unsubscribed, 1),
        signal("r", SignalKind::Resubscribed, 2),
    ]);
    assert_eq!(status.value(REACHABILITY), Some("ok"));
    let bounced = step(&status, &signal("b", SignalKind::Bounced, 3));
    assert_eq!(bounced.status.value(REACHABILITY), Some("bounced"));
    // An older unsubscribe arriving late changes nothing, whatever the order.
    let late = step(&bounced.status, &signal("u0", SignalKind::Unsubscribed, 0));
    assert_eq!(late.status.value(REACHABILITY), Some("bounced"));
    // And a late delivered still never resurrects a bounced address.
    let delivered = step(&bounced.status, &signal("d", SignalKind::Delivered, 4));
    assert_eq!(delivered.status.value(REACHABILITY), Some("bounced"));
}
