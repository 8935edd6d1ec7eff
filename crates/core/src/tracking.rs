//! Applying status signals to an invitee, with everything the store must record alongside:
//! the history entries and the counter deltas, so one commit carries all of it.

use crate::change::InviteeChange;
use crate::event::Event;
use crate::invitee::Invitee;
use crate::ports::{Commit, CounterDelta, InviteeWrite, SignalRecord};
use crate::status::{
    Effect, INVITEE_MODEL, InviteeStatus, MailKind, RESPONSE, Signal, SignalKind, apply,
    counter_deltas,
};
use crate::suppression::Suppression;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct Tracked {
    pub records: Vec<SignalRecord>,
    pub counters: Vec<CounterDelta>,
    /// Addresses an applied bounce or complaint suppresses deployment-wide.
    pub suppressions: Vec<Suppression>,
    /// What changed that the organizer's stream tells of; [`Tracked::into_commit`] names
    /// the event.
    pub changes: Vec<InviteeChange>,
}

impl Tracked {
    /// The commit that writes `invitee` (changed by `track`) of `event` in place of version
    /// `expected` (`None`: a new invitee), with these history entries, counter deltas and
    /// change records.
    pub fn into_commit(
        self,
        event: &Event,
        invitee: Invitee,
        expected: Option<u64>,
        now: DateTime<Utc>,
    ) -> Commit {
        self.commit(Some(event), invitee, expected, now)
    }

    /// [`Tracked::into_commit`] for a caller that has not read the invitee's event: it is
    /// read only when there are changes to name it in (a record-only signal needs none). An
    /// invitee whose event is gone commits without change records: no stream is theirs.
    pub async fn into_commit_reading_event(
        self,
        events: &dyn crate::ports::EventStore,
        invitee: Invitee,
        expected: u64,
        now: DateTime<Utc>,
    ) -> Result<Commit, crate::ports::StoreError> {
        let event = match self.changes.is_empty() {
            true => None,
            false => events.event(&invitee.event_id).await?,
        };
        Ok(self.commit(event.as_ref(), invitee, Some(expected), now))
    }

    fn commit(
        self,
        event: Option<&Event>,
        mut invitee: Invitee,
        expected: Option<u64>,
        now: DateTime<Utc>,
    ) -> Commit {
        invitee.version = expected.map_or(1, |v| v + 1);
        invitee.updated_at = now;
        let mut changes = Vec::with_capacity(self.changes.len() + 1);
        if let Some(event) = event {
            if expected.is_none() {
                changes.push(crate::change::invitee_added(event, &invitee, now));
            }
            changes.extend(self.changes.into_iter().map(|c| c.record(event)));
        }
        Commit {
            invitees: vec![InviteeWrite {
                invitee,
                expected_version: expected,
            }],
            signals: self.records,
            counters: self.counters,
            suppressions: self.suppressions,
            changes,
            ..Commit::default()
        }
    }

    /// `signal` kept in `invitee`'s history without touching their status: a fact worth
    /// showing that must not change what the status says.
    pub fn recorded_only(invitee: &Invitee, signal: Signal) -> Tracked {
        Tracked {
            records: vec![SignalRecord {
                event_id: invitee.event_id.clone(),
                invitee_id: invitee.id.clone(),
                signal,
                effect: crate::usecase::provider::RECORDED_ONLY.to_string(),
            }],
            ..Tracked::default()
        }
    }

    pub fn extend(&mut self, other: Tracked) {
        self.records.extend(other.records);
        self.counters.extend(other.counters);
        self.suppressions.extend(other.suppressions);
        self.changes.extend(other.changes);
    }
}

/// Counters beside the model's tracks, for reports. The `answers-*` ones are activity: every
/// answer signal recorded (each once, by its de-duplication key), by channel and by email
/// domain, and the counter-proposals, so they too come out the same whatever order the
/// signals arrive in. A changed answer counts again.
pub const ANSWERS_BY_CHANNEL: &str = "answers-by-channel";
pub const ANSWERS_BY_DOMAIN: &str = "answers-by-domain";
/// The `current-*` ones are now: each invitee whose answer stands, under the channel it came
/// through and their domain (+1 when an answer comes to stand, −1 when it stops: a changed
/// channel, or a time change that asks again). They add up to the funnel's "answered".
pub const CURRENT_ANSWERS_BY_CHANNEL: &str = "current-answers-by-channel";
pub const CURRENT_ANSWERS_BY_DOMAIN: &str = "current-answers-by-domain";
pub const INVITEES_BY_DOMAIN: &str = "invitees-by-domain";
pub const PROPOSALS: &str = "proposals";
/// Activity for one occurrence: every answer given for it alone, by answer (as
/// `occurrence-answers@<RECURRENCE-ID>`), for its time series.
pub const OCCURRENCE_ANSWERS: &str = "occurrence-answers";

/// Joins a counter's track to the occurrence it is about: `response@2027-01-12T09:00:00Z`.
///
/// Per-occurrence counters are *adjustments* of the series' counters: an invitee whose own
/// answer for an occurrence stands (see [`crate::status::InviteeStatus::answer_for`]) adds −1
/// to their series answer and +1 to their answer for that occurrence, under the same track
/// with this suffix. Everyone else answers every occurrence as they answered the series, so
/// one occurrence's report is the series' counters plus its adjustments, and it costs only
/// the invitees who answered that occurrence on its own.
pub fn for_occurrence(track: &str, occurrence: &str) -> String {
    format!("{track}@{occurrence}")
}

/// The track and occurrence of a counter's track name; `None` for an occurrence of a plain one.
pub fn split_occurrence(track: &str) -> (&str, Option<&str>) {
    match track.split_once('@') {
        Some((track, occurrence)) => (track, Some(occurrence)),
        None => (track, None),
    }
}

/// The counters a brand-new invitee adds: one for the initial value of every track, and one
/// for their email domain.
pub fn initial_counters(invitee: &Invitee) -> Vec<CounterDelta> {
    let delta = |track: &str, value: &str| CounterDelta {
        event_id: invitee.event_id.clone(),
        track: track.to_string(),
        value: value.to_string(),
        delta: 1,
        at: invitee.created_at,
    };
    INVITEE_MODEL
        .tracks
        .iter()
        .filter_map(|track| Some(delta(track.name, track.values.first()?)))
        .chain([delta(INVITEES_BY_DOMAIN, email_domain(&invitee.email))])
        .collect()
}

/// The part after the last `@`, which addresses Rollcall stores always have.
pub fn email_domain(email: &str) -> &str {
    email.rsplit_once('@').map_or(email, |(_, domain)| domain)
}

/// When a signal counts in a time series: when it happened, but never later than when
/// Rollcall heard of it (a calendar's DTSTAMP can claim any time at all).
fn counted_at(signal: &Signal) -> DateTime<Utc> {
    signal.occurred_at.min(signal.received_at)
}

/// What `status` adds to per-occurrence counters: for each occurrence whose own answer
/// stands, −1 for where the series counts the invitee and +1 for where that occurrence does.
fn occurrence_adjustments(status: &InviteeStatus, domain: &str) -> Vec<(String, String, i64)> {
    let series = status.value(RESPONSE).unwrap_or_default();
    let series_channel = status.standing_answer_channel();
    let mut adjustments = Vec::new();
    for (occurrence, own) in status.own_occurrence_answers() {
        let mut add = |track: &str, value: &str, delta: i64| {
            adjustments.push((for_occurrence(track, occurrence), value.to_string(), delta));
        };
        add(RESPONSE, series, -1);
        add(RESPONSE, own.answer.as_str(), 1);
        for (channel, delta) in [(series_channel, -1), (own.channel, 1)] {
            if let Some(channel) = channel {
                add(CURRENT_ANSWERS_BY_CHANNEL, channel.as_str(), delta);
                add(CURRENT_ANSWERS_BY_DOMAIN, domain, delta);
            }
        }
    }
    adjustments
}

/// `after − before` of two sets of adjustments, netted per counter (zeros left out), so a
/// signal that changes nothing about an occurrence writes nothing for it.
fn adjustment_deltas(
    before: Vec<(String, String, i64)>,
    after: Vec<(String, String, i64)>,
) -> Vec<(String, String, i64)> {
    let mut net: BTreeMap<(String, String), i64> = BTreeMap::new();
    let negated = before.into_iter().map(|(t, v, d)| (t, v, -d));
    for (track, value, delta) in negated.chain(after) {
        *net.entry((track, value)).or_insert(0) += delta;
    }
    net.into_iter()
        .filter(|(_, delta)| *delta != 0)
        .map(|((track, value), delta)| (track, value, delta))
        .collect()
}

/// Applies `signals` in order, updating `invitee.status`; returns the history entries and the
/// counter deltas. `note` is added to every entry's effect (why it was applied or ignored).
pub fn track(invitee: &mut Invitee, signals: Vec<Signal>) -> Tracked {
    let mut tracked = Tracked::default();
    for signal in signals {
        let applied = apply(&INVITEE_MODEL, &invitee.status, &signal);
        tracked
            .changes
            .extend(crate::change::of_signal(invitee, &signal, &applied));
        let domain = email_domain(&invitee.email);
        let occurrences = adjustment_deltas(
            occurrence_adjustments(&invitee.status, domain),
            occurrence_adjustments(&applied.status, domain),
        );
        // Read before the status moves on: the now-counters follow the answer that stands.
        let standing = (
            invitee.status.standing_answer_channel(),
            applied.status.standing_answer_channel(),
        );
        let effect = match (&signal.kind, applied.effect) {
            (SignalKind::OccurrenceAnswer { occurrence, .. }, Effect::Changed) => {
                let (from, to) = (
                    invitee.status.answer_for(occurrence).answer,
                    applied.status.answer_for(occurrence).answer,
                );
                if from == to {
                    "recorded".to_string()
                } else {
                    format!("response for {occurrence} {from} → {to}")
                }
            }
            (_, Effect::Changed) => applied
                .changes
                .iter()
                .map(|c| format!("{} {} → {}", c.track, c.from, c.to))
                .collect::<Vec<_>>()
                .join(", "),
            // A later mail (an update, a cancellation) moves no delivery track that the
            // first invitation already took further, yet it is a step, not an ignored fact.
            (_, Effect::NoChange)
                if signal
                    .provenance
                    .mail
                    .is_some_and(|mail| mail != MailKind::Invitation) =>
            {
                "recorded".to_string()
            }
            (_, Effect::NoChange) => {
                "no change (older than, or the same as, what is recorded)".to_string()
            }
        };
        let effect = if effect.is_empty() {
            "recorded".to_string()
        } else {
            effect
        };
        let at = counted_at(&signal);
        let counter = |track: &str, value: &str, delta: i64| CounterDelta {
            event_id: invitee.event_id.clone(),
            track: track.to_string(),
            value: value.to_string(),
            delta,
            at,
        };
        tracked.counters.extend(
            counter_deltas(&applied.changes)
                .into_iter()
                .map(|(track, value, delta)| counter(track, value, delta)),
        );
        tracked.counters.extend(
            occurrences
                .iter()
                .map(|(track, value, delta)| counter(track, value, *delta)),
        );
        let (before, after) = standing;
        if before != after {
            for (channel, delta) in [(before, -1), (after, 1)] {
                if let Some(channel) = channel {
                    tracked.counters.extend([
                        counter(CURRENT_ANSWERS_BY_CHANNEL, channel.as_str(), delta),
                        counter(CURRENT_ANSWERS_BY_DOMAIN, domain, delta),
                    ]);
                }
            }
        }
        match &signal.kind {
            SignalKind::Answer(_) => tracked.counters.extend([
                counter(ANSWERS_BY_CHANNEL, signal.channel.as_str(), 1),
                counter(ANSWERS_BY_DOMAIN, email_domain(&invitee.email), 1),
            ]),
            SignalKind::Counter { .. } => tracked.counters.push(counter(PROPOSALS, "counter", 1)),
            SignalKind::OccurrenceAnswer { occurrence, answer } => tracked.counters.push(counter(
                &for_occurrence(OCCURRENCE_ANSWERS, occurrence),
                answer.as_str(),
                1,
            )),
            _ => {}
        }
        if let Some(suppression) = crate::suppression::from_signal(invitee, &signal) {
            tracked.suppressions.push(suppression);
        }
        tracked.records.push(crate::ports::SignalRecord {
            event_id: invitee.event_id.clone(),
            invitee_id: invitee.id.clone(),
            signal,
            effect,
        });
        invitee.status = applied.status;
    }
    tracked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventId;
    use crate::invitee::InviteeId;
    use crate::status::{Answer, Channel, InviteeStatus};
    use chrono::TimeZone;
    use std::collections::BTreeMap;

    fn invitee() -> Invitee {
        let now = Utc
            .with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
            .single()
            .expect("a time");
        Invitee {
            id: InviteeId::from_random([0; InviteeId::LEN]),
            event_id: EventId::NONE,
            email: "ann@example.org".into(),
            name: None,
            joined_via: Channel::Web,
            uid: "u".into(),
            sequence: 1,
            sent: Default::default(),
            status: InviteeStatus::initial(&INVITEE_MODEL),
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    fn signal(key: &str, kind: SignalKind, channel: Channel, minute: u32) -> Signal {
        let at = Utc
            .with_ymd_and_hms(2027, 1, 1, 10, minute, 0)
            .single()
            .expect("a time");
        Signal::now(key.into(), kind, channel, at)
    }

    /// The counters' sums per (track, value).
    fn sums(counters: &[CounterDelta]) -> BTreeMap<(String, String), i64> {
        let mut sums = BTreeMap::new();
        for c in counters {
            *sums.entry((c.track.clone(), c.value.clone())).or_insert(0) += c.delta;
        }
        sums.retain(|_, n| *n != 0);
        sums
    }

    #[test]
    fn now_counters_follow_the_standing_answer_while_activity_counts_every_answer() {
        let mut ann = invitee();
        let mut counters = initial_counters(&ann);
        let steps = [
            signal("a", SignalKind::Answer(Answer::Accepted), Channel::Web, 1),
            signal(
                "b",
                SignalKind::Answer(Answer::Declined),
                Channel::CalendarReply,
                2,
            ),
            signal("c", SignalKind::Reconfirm, Channel::OrganizerList, 3),
        ];
        counters.extend(track(&mut ann, steps.to_vec()).counters);
        let now = sums(&counters);
        let get = |track: &str, value: &str| {
            now.get(&(track.to_string(), value.to_string()))
                .copied()
                .unwrap_or(0)
        };
        // After the time change nobody's answer stands: nothing "now", two answers "activity".
        assert_eq!(get("response", "needs-action"), 1);
        assert_eq!(get(CURRENT_ANSWERS_BY_CHANNEL, "web"), 0);
        assert_eq!(get(CURRENT_ANSWERS_BY_CHANNEL, "calendar-reply"), 0);
        assert_eq!(get(CURRENT_ANSWERS_BY_DOMAIN, "example.org"), 0);
        assert_eq!(get(ANSWERS_BY_CHANNEL, "web"), 1);
        assert_eq!(get(ANSWERS_BY_CHANNEL, "calendar-reply"), 1);

        // She answers the new time from her calendar: one standing answer, there.
        let again = signal(
            "d",
            SignalKind::Answer(Answer::Tentative),
            Channel::CalendarReply,
            4,
        );
        counters.extend(track(&mut ann, vec![again]).counters);
        let now = sums(&counters);
        let get = |track: &str, value: &str| {
            now.get(&(track.to_string(), value.to_string()))
                .copied()
                .unwrap_or(0)
        };
        assert_eq!(get(CURRENT_ANSWERS_BY_CHANNEL, "calendar-reply"), 1);
        assert_eq!(get(CURRENT_ANSWERS_BY_DOMAIN, "example.org"), 1);
        assert_eq!(get(ANSWERS_BY_CHANNEL, "calendar-reply"), 2);
        let report = crate::usecase::report::report(
            &now.iter()
                .map(|((t, v), n)| (t.clone(), v.clone(), *n))
                .collect::<Vec<_>>(),
        );
        let answered = report.funnel.iter().find(|s| s.stage == "answered");
        assert_eq!(answered.map(|s| s.count), Some(1));
        assert_eq!(report.by_channel.iter().map(|c| c.count).sum::<i64>(), 1);
        assert_eq!(report.activity.answers, 3);
    }

    fn report_of(
        counters: &[CounterDelta],
        occurrence: Option<&str>,
    ) -> crate::usecase::report::Report {
        let flat: Vec<_> = sums(counters)
            .into_iter()
            .map(|((t, v), n)| (t, v, n))
            .collect();
        crate::usecase::report::report(&crate::usecase::report::counters_for(&flat, occurrence))
    }

    fn stage(report: &crate::usecase::report::Report, name: &str) -> i64 {
        report
            .funnel
            .iter()
            .find(|s| s.stage == name)
            .map_or(0, |s| s.count)
    }

    const TUESDAY: &str = "2027-01-12T09:00:00Z";

    fn for_tuesday(answer: Answer) -> SignalKind {
        SignalKind::OccurrenceAnswer {
            occurrence: TUESDAY.into(),
            answer,
        }
    }

    #[test]
    fn an_answer_for_one_occurrence_counts_there_and_leaves_the_series_alone() {
        let (mut ann, mut bob) = (invitee(), invitee());
        bob.email = "bob@example.net".into();
        let mut counters = initial_counters(&ann);
        counters.extend(initial_counters(&bob));
        counters.extend(
            track(
                &mut ann,
                vec![
                    signal("a1", SignalKind::Answer(Answer::Accepted), Channel::Web, 1),
                    signal(
                        "a2",
                        for_tuesday(Answer::Declined),
                        Channel::CalendarReply,
                        2,
                    ),
                ],
            )
            .counters,
        );
        counters.extend(
            track(
                &mut bob,
                vec![signal(
                    "b1",
                    SignalKind::Answer(Answer::Accepted),
                    Channel::Web,
                    1,
                )],
            )
            .counters,
        );
        let series = report_of(&counters, None);
        assert_eq!(series.counts.response["accepted"], 2);
        assert_eq!(series.counts.response["declined"], 0);
        let tuesday = report_of(&counters, Some(TUESDAY));
        assert_eq!(
            tuesday.counts.response["accepted"], 1,
            "Bob, by his series answer"
        );
        assert_eq!(
            tuesday.counts.response["declined"], 1,
            "Ann, for Tuesday alone"
        );
        assert_eq!(
            (stage(&tuesday, "invited"), stage(&tuesday, "answered")),
            (2, 2)
        );
        let by_channel: Vec<_> = tuesday
            .by_channel
            .iter()
            .map(|c| (c.channel.as_str(), c.count))
            .collect();
        assert_eq!(by_channel, [("calendar-reply", 1), ("web", 1)]);
        assert_eq!(tuesday.by_domain.iter().map(|d| d.answers).sum::<i64>(), 2);
        let other = report_of(&counters, Some("2027-01-19T09:00:00Z"));
        assert_eq!(other.counts.response, series.counts.response);
        assert_eq!(
            ann.status.answer_for(TUESDAY).answer,
            Answer::Declined,
            "her own answer for Tuesday"
        );
        assert_eq!(ann.status.value("response"), Some("accepted"));

        // A later answer for the whole series covers Tuesday again.
        counters.extend(
            track(
                &mut ann,
                vec![signal(
                    "a3",
                    SignalKind::Answer(Answer::Tentative),
                    Channel::Web,
                    3,
                )],
            )
            .counters,
        );
        let tuesday = report_of(&counters, Some(TUESDAY));
        assert_eq!(tuesday.counts.response["declined"], 0);
        assert_eq!(tuesday.counts.response["tentative"], 1);
        assert_eq!(ann.status.own_occurrence_answers().count(), 0);
    }

    #[test]
    fn per_occurrence_counters_do_not_depend_on_arrival_order() {
        let steps = [
            signal("s1", SignalKind::Answer(Answer::Accepted), Channel::Web, 1),
            signal(
                "o1",
                for_tuesday(Answer::Declined),
                Channel::CalendarReply,
                2,
            ),
            signal("s2", SignalKind::Reconfirm, Channel::OrganizerList, 3),
            signal("o2", for_tuesday(Answer::Tentative), Channel::Web, 4),
            signal(
                "s3",
                SignalKind::Answer(Answer::Declined),
                Channel::CalendarReply,
                5,
            ),
            signal("o3", for_tuesday(Answer::Accepted), Channel::Web, 6),
        ];
        let run = |order: &[usize]| {
            let mut ann = invitee();
            let mut counters = initial_counters(&ann);
            for &i in order {
                counters.extend(track(&mut ann, vec![steps[i].clone()]).counters);
            }
            (sums(&counters), ann.status)
        };
        let forward: Vec<usize> = (0..steps.len()).collect();
        let expected = run(&forward);
        // Every rotation and its reverse, each step once more at the end (a redelivery).
        for shift in 0..steps.len() {
            let mut order: Vec<usize> = (0..steps.len())
                .map(|i| (i + shift) % steps.len())
                .collect();
            if shift % 2 == 1 {
                order.reverse();
            }
            let (counters, status) = run(&order);
            assert_eq!(status, expected.1, "order {order:?}");
            let now_only = |c: &BTreeMap<(String, String), i64>| {
                c.iter()
                    .filter(|((t, _), _)| {
                        !t.starts_with(OCCURRENCE_ANSWERS) && !t.starts_with("answers-")
                    })
                    .map(|(k, n)| (k.clone(), *n))
                    .collect::<BTreeMap<_, _>>()
            };
            assert_eq!(
                now_only(&counters),
                now_only(&expected.0),
                "order {order:?}"
            );
        }
        let tuesday = expected.1.answer_for(TUESDAY);
        assert_eq!((tuesday.answer, tuesday.own), (Answer::Accepted, true));
    }
}
