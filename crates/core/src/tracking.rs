//! Applying status signals to an invitee, with everything the store must record alongside:
//! the history entries and the counter deltas, so one commit carries all of it.

use crate::invitee::Invitee;
use crate::ports::{Commit, CounterDelta, InviteeWrite, SignalRecord};
use crate::status::{Effect, INVITEE_MODEL, MailKind, Signal, SignalKind, apply, counter_deltas};
use crate::suppression::Suppression;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Default)]
pub struct Tracked {
    pub records: Vec<SignalRecord>,
    pub counters: Vec<CounterDelta>,
    /// Addresses an applied bounce or complaint suppresses deployment-wide.
    pub suppressions: Vec<Suppression>,
}

impl Tracked {
    /// The commit that writes `invitee` (changed by `track`) in place of version `expected`,
    /// with these history entries and counter deltas.
    pub fn into_commit(self, mut invitee: Invitee, expected: u64, now: DateTime<Utc>) -> Commit {
        invitee.version = expected + 1;
        invitee.updated_at = now;
        Commit {
            invitees: vec![InviteeWrite {
                invitee,
                expected_version: Some(expected),
            }],
            signals: self.records,
            counters: self.counters,
            suppressions: self.suppressions,
            ..Commit::default()
        }
    }

    pub fn extend(&mut self, other: Tracked) {
        self.records.extend(other.records);
        self.counters.extend(other.counters);
        self.suppressions.extend(other.suppressions);
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

/// Applies `signals` in order, updating `invitee.status`; returns the history entries and the
/// counter deltas. `note` is added to every entry's effect (why it was applied or ignored).
pub fn track(invitee: &mut Invitee, signals: Vec<Signal>) -> Tracked {
    let mut tracked = Tracked::default();
    for signal in signals {
        let applied = apply(&INVITEE_MODEL, &invitee.status, &signal);
        // Read before the status moves on: the now-counters follow the answer that stands.
        let standing = (
            invitee.status.standing_answer_channel(),
            applied.status.standing_answer_channel(),
        );
        let effect = match applied.effect {
            Effect::Changed => applied
                .changes
                .iter()
                .map(|c| format!("{} {} → {}", c.track, c.from, c.to))
                .collect::<Vec<_>>()
                .join(", "),
            // A later mail (an update, a cancellation) moves no delivery track that the
            // first invitation already took further, yet it is a step, not an ignored fact.
            Effect::NoChange
                if signal
                    .provenance
                    .mail
                    .is_some_and(|mail| mail != MailKind::Invitation) =>
            {
                "recorded".to_string()
            }
            Effect::NoChange => {
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
        let (before, after) = standing;
        if before != after {
            let domain = email_domain(&invitee.email);
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
        let report = crate::report::report(
            &now.iter()
                .map(|((t, v), n)| (t.clone(), v.clone(), *n))
                .collect::<Vec<_>>(),
        );
        let answered = report.funnel.iter().find(|s| s.stage == "answered");
        assert_eq!(answered.map(|s| s.count), Some(1));
        assert_eq!(report.by_channel.iter().map(|c| c.count).sum::<i64>(), 1);
        assert_eq!(report.activity.answers, 3);
    }
}
