//! The status engine's promise (DESIGN §3): the same signals, in any order and with any
//! repeats, end in the same statuses, the same history and the same counters; and those
//! statuses are the ones the track rules describe, recomputed here from scratch.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use proptest::sample::Index;
use rollcall_core::status::{
    Answer, Channel, Effect, INVITEE_MODEL, InviteeStatus, Provenance, Signal, SignalKind, apply,
    counter_deltas,
};
use std::collections::{BTreeMap, BTreeSet};

const INVITEES: usize = 3;
/// Two dates of a series that answers for one occurrence name.
const OCCURRENCES: [&str; 2] = ["2026-03-10T09:00:00Z", "2026-03-17T09:00:00Z"];

type Counters = BTreeMap<(&'static str, &'static str), i64>;
/// The signals (with their invitee), a permutation of their indices, and (signal, position)
/// repeats to insert.
type Scenario = (Vec<(usize, Signal)>, Vec<usize>, Vec<(Index, Index)>);

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
        + Duration::minutes(minute)
}

fn kind() -> impl Strategy<Value = SignalKind> {
    let counter =
        (proptest::option::of(0..3u8), proptest::option::of(0..3u8)).prop_map(|(start, end)| {
            SignalKind::Counter {
                proposed_start: start.map(|h| format!("2026-03-0{}T10:00:00Z", h + 2)),
                proposed_end: end.map(|h| format!("2026-03-0{}T11:00:00Z", h + 2)),
                comment: None,
            }
        });
    let occurrence = (
        proptest::sample::select(OCCURRENCES.to_vec()),
        proptest::sample::select(Answer::ALL.to_vec()),
    )
        .prop_map(|(occurrence, answer)| SignalKind::OccurrenceAnswer {
            occurrence: occurrence.to_string(),
            answer,
        });
    prop_oneof![
        3 => occurrence,
        1 => Just(SignalKind::Listed),
        1 => Just(SignalKind::Queued),
        1 => Just(SignalKind::Delayed),
        1 => Just(SignalKind::Sent),
        1 => Just(SignalKind::Delivered),
        1 => Just(SignalKind::Opened),
        1 => Just(SignalKind::Clicked),
        6 => proptest::sample::select(Answer::ALL.to_vec()).prop_map(SignalKind::Answer),
        3 => Just(SignalKind::Reconfirm),
        2 => counter,
        1 => Just(SignalKind::Bounced),
        1 => Just(SignalKind::Complained),
        1 => Just(SignalKind::Unsubscribed),
        1 => Just(SignalKind::Resubscribed),
    ]
}

/// Signals for a few invitees. Minutes come from a small range so that ties happen; keys are
/// unique (the index) but prefixed with a random salt so key order is unrelated to list order.
fn signals() -> impl Strategy<Value = Vec<(usize, Signal)>> {
    proptest::collection::vec((0..INVITEES, kind(), 0..6i64, any::<u16>()), 0..40).prop_map(|raw| {
        raw.into_iter()
            .enumerate()
            .map(|(i, (who, kind, minute, salt))| {
                let signal = Signal {
                    dedupe_key: format!("{salt:04x}-{i}"),
                    kind,
                    occurred_at: at(minute),
                    received_at: at(100 + i as i64),
                    channel: Channel::Provider,
                    provenance: Provenance::default(),
                    comment: None,
                };
                (who, signal)
            })
            .collect()
    })
}

fn scenario() -> impl Strategy<Value = Scenario> {
    signals().prop_flat_map(|signals| {
        let order = Just((0..signals.len()).collect::<Vec<_>>()).prop_shuffle();
        let repeats = proptest::collection::vec((any::<Index>(), any::<Index>()), 0..12);
        (Just(signals), order, repeats)
    })
}

#[derive(Debug, PartialEq)]
struct Replayed {
    statuses: Vec<InviteeStatus>,
    history: Vec<BTreeSet<String>>,
    counters: Counters,
}

fn count(counters: &mut Counters, deltas: Vec<(&'static str, &'static str, i64)>) {
    for (track, value, delta) in deltas {
        *counters.entry((track, value)).or_default() += delta;
    }
}

/// Applies signals straight through the engine (no store de-duplication, so repeats reach
/// it), folding counter deltas the way the store does.
fn replay<'a>(order: impl IntoIterator<Item = &'a (usize, Signal)>) -> Replayed {
    let mut statuses = vec![InviteeStatus::initial(&INVITEE_MODEL); INVITEES];
    let mut history = vec![BTreeSet::new(); INVITEES];
    let mut counters = Counters::new();
    for status in &statuses {
        count(&mut counters, status.counted());
    }
    for (who, signal) in order {
        let applied = apply(&INVITEE_MODEL, &statuses[*who], signal);
        if applied.status == statuses[*who] {
            assert!(applied.changes.is_empty(), "{applied:?}");
        }
        assert_eq!(
            applied.status == statuses[*who],
            applied.effect == Effect::NoChange
        );
        count(&mut counters, counter_deltas(&applied.changes));
        statuses[*who] = applied.status;
        history[*who].insert(signal.dedupe_key.clone());
    }
    counters.retain(|_, n| *n != 0);
    Replayed {
        statuses,
        history,
        counters,
    }
}

fn recount(statuses: &[InviteeStatus]) -> Counters {
    let mut counters = Counters::new();
    for status in statuses {
        count(&mut counters, status.counted());
    }
    counters
}

/// The rules of DESIGN §3 restated directly over the whole set of one invitee's signals.
fn expected(signals: &[&Signal]) -> (String, String, String, Option<(Answer, DateTime<Utc>)>) {
    let ranked = |track: &str, initial: &str| {
        let def = INVITEE_MODEL.track(track);
        signals
            .iter()
            .filter_map(|s| s.kind.target().filter(|(t, _)| *t == track))
            .map(|(_, v)| v)
            .max_by_key(|v| def.and_then(|d| d.rank(v)))
            .unwrap_or(initial)
            .to_string()
    };
    let stamp = |s: &&&Signal| (s.occurred_at, s.dedupe_key.clone());
    // Reachability: the latest word about the address (rank only breaks a tie of stamps).
    let reachability = {
        let def = INVITEE_MODEL.track("reachability");
        signals
            .iter()
            .filter_map(|s| {
                let (track, value) = s.kind.target()?;
                (track == "reachability").then_some((s, value))
            })
            .max_by_key(|(s, v)| (stamp(s), def.and_then(|d| d.rank(v))))
            .map_or("ok", |(_, v)| v)
            .to_string()
    };
    let latest = signals
        .iter()
        .filter(|s| matches!(s.kind, SignalKind::Answer(_) | SignalKind::Reconfirm))
        .max_by_key(stamp);
    let response = latest
        .and_then(|s| s.kind.target())
        .map_or("needs-action", |(_, v)| v);
    // "The latest real answer given at or before the latest reconfirm's time, if a reconfirm
    // is current."
    let previous = latest
        .filter(|r| r.kind == SignalKind::Reconfirm)
        .and_then(|r| {
            signals
                .iter()
                .filter(|s| s.occurred_at <= r.occurred_at)
                .filter_map(|s| match s.kind {
                    SignalKind::Answer(a) if a.is_given() => Some((s, a)),
                    _ => None,
                })
                .max_by_key(|(s, _)| stamp(s))
                .map(|(s, a)| (a, s.occurred_at))
        });
    (
        ranked("delivery", "listed"),
        response.to_string(),
        reachability,
        previous,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn any_order_with_any_repeats_ends_in_the_same_statuses_history_and_counters(
        (signals, order, repeats) in scenario()
    ) {
        let generated = replay(&signals);

        let mut shuffled: Vec<&(usize, Signal)> = order.iter().map(|i| &signals[*i]).collect();
        if !signals.is_empty() {
            for (which, position) in &repeats {
                let position = position.index(shuffled.len() + 1);
                shuffled.insert(position, &signals[which.index(signals.len())]);
            }
        }
        let permuted = replay(shuffled);

        prop_assert_eq!(&generated, &permuted);
        prop_assert_eq!(&generated.counters, &recount(&generated.statuses));
        prop_assert!(generated.counters.values().all(|n| *n > 0));

        for (who, status) in generated.statuses.iter().enumerate() {
            let mine: Vec<&Signal> =
                signals.iter().filter(|(w, _)| *w == who).map(|(_, s)| s).collect();
            let (delivery, response, reachability, previous) = expected(&mine);
            prop_assert_eq!(status.value("delivery"), Some(delivery.as_str()));
            prop_assert_eq!(status.value("response"), Some(response.as_str()));
            prop_assert_eq!(status.value("reachability"), Some(reachability.as_str()));
            prop_assert_eq!(status.previous_answer(), previous);
            let latest_counter = mine
                .iter()
                .filter(|s| matches!(s.kind, SignalKind::Counter { .. }))
                .max_by_key(|s| (s.occurred_at, s.dedupe_key.clone()));
            prop_assert_eq!(
                status.proposal().map(|p| &p.stamp.dedupe_key),
                latest_counter.map(|s| &s.dedupe_key)
            );
            // A date's answer: the latest word that covers it, for the series or for it alone.
            for occurrence in OCCURRENCES {
                let latest = mine
                    .iter()
                    .filter(|s| match &s.kind {
                        SignalKind::Answer(_) | SignalKind::Reconfirm => true,
                        SignalKind::OccurrenceAnswer { occurrence: o, .. } => o == occurrence,
                        _ => false,
                    })
                    .max_by_key(|s| (s.occurred_at, s.dedupe_key.clone()));
                let answer = match latest.map(|s| &s.kind) {
                    Some(SignalKind::OccurrenceAnswer { answer, .. }) => *answer,
                    Some(SignalKind::Answer(answer)) => *answer,
                    _ => Answer::NeedsAction,
                };
                prop_assert_eq!(status.answer_for(occurrence).answer, answer);
            }
        }
    }
}
