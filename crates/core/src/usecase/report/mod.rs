//! Report math for the dashboard: everything is computed from the per-event counters (kept in
//! the same transaction as each status change), never by reading invitees, so a report costs
//! the same for ten invitees as for a hundred thousand.

pub mod csv;
pub mod listing;
pub mod pasted;
pub mod series;
pub mod walk;

use crate::status::INVITEE_MODEL;
use crate::tracking::{
    ANSWERS_BY_CHANNEL, CURRENT_ANSWERS_BY_CHANNEL, CURRENT_ANSWERS_BY_DOMAIN, INVITEES_BY_DOMAIN,
    PROPOSALS, split_occurrence,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// The three status tracks, each with every value of the model (zeros included), in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackCounts {
    pub response: BTreeMap<String, i64>,
    pub delivery: BTreeMap<String, i64>,
    pub reachability: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    pub stage: &'static str,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelCount {
    pub channel: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainCount {
    pub domain: String,
    pub invitees: i64,
    pub answers: i64,
}

/// An event's report. Everything but `activity` is *now*: each invitee counted once, by
/// where they stand (so answered + waiting = invited, and the channel and domain breakdowns
/// add up to the funnel's "answered"). `activity` counts what happened: every answer given,
/// a changed answer again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub counts: TrackCounts,
    pub funnel: Vec<Stage>,
    /// Standing answers by the channel they came through.
    pub by_channel: Vec<ChannelCount>,
    /// Invitees and standing answers by email domain.
    pub by_domain: Vec<DomainCount>,
    pub proposals: i64,
    pub activity: Activity,
}

/// What happened, rather than where things stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Activity {
    /// Answers received, each change of mind counted.
    pub answers: i64,
    pub answers_by_channel: Vec<ChannelCount>,
    pub proposals: i64,
}

/// Most domains listed in a report; the rest are summed under `other`.
pub const MAX_DOMAINS: usize = 20;

/// One counter's count among an event's counters `(track, value, count)`; 0 if absent.
pub fn count(counters: &[(String, String, i64)], track: &str, value: &str) -> i64 {
    counters
        .iter()
        .filter(|(t, v, _)| t == track && v == value)
        .map(|(_, _, n)| *n)
        .sum()
}

/// The counters of one occurrence (`Some(RECURRENCE-ID)`) or of the series (`None`): the
/// series' counters with that occurrence's adjustments folded into their tracks (see
/// [`crate::tracking::for_occurrence`]); other occurrences' adjustments are left out.
pub fn counters_for(
    counters: &[(String, String, i64)],
    occurrence: Option<&str>,
) -> Vec<(String, String, i64)> {
    let mut summed: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    for (track, value, n) in counters {
        let track = match split_occurrence(track) {
            (_, None) => track.as_str(),
            (base, Some(of)) if Some(of) == occurrence => base,
            _ => continue,
        };
        *summed.entry((track, value.as_str())).or_insert(0) += n;
    }
    summed
        .into_iter()
        .map(|((track, value), n)| (track.to_string(), value.to_string(), n))
        .collect()
}

/// The report of one event from its counters `(track, value, count)`.
pub fn report(counters: &[(String, String, i64)]) -> Report {
    let count = |track: &str, value: &str| count(counters, track, value);
    let track = |name: &str| -> BTreeMap<String, i64> {
        INVITEE_MODEL
            .track(name)
            .map(|t| {
                t.values
                    .iter()
                    .map(|v| (v.to_string(), count(name, v)))
                    .collect()
            })
            .unwrap_or_default()
    };
    let counts = TrackCounts {
        response: track("response"),
        delivery: track("delivery"),
        reachability: track("reachability"),
    };
    let at_least = |values: &[&str]| values.iter().map(|v| count("delivery", v)).sum::<i64>();
    let invited: i64 = counts.delivery.values().sum();
    let answered = invited - count("response", "needs-action");
    let funnel = vec![
        Stage {
            stage: "invited",
            count: invited,
        },
        Stage {
            stage: "sent",
            count: at_least(&["sent", "delivered", "opened", "clicked"]),
        },
        Stage {
            stage: "delivered",
            count: at_least(&["delivered", "opened", "clicked"]),
        },
        Stage {
            stage: "opened",
            count: at_least(&["opened", "clicked"]),
        },
        Stage {
            stage: "answered",
            count: answered,
        },
        Stage {
            stage: "accepted",
            count: count("response", "accepted"),
        },
    ];
    let activity_by_channel = channels(counters, ANSWERS_BY_CHANNEL);
    let proposals = count(PROPOSALS, "counter");
    Report {
        counts,
        funnel,
        by_channel: channels(counters, CURRENT_ANSWERS_BY_CHANNEL),
        by_domain: domains(counters),
        proposals,
        activity: Activity {
            answers: activity_by_channel.iter().map(|c| c.count).sum(),
            answers_by_channel: activity_by_channel,
            proposals,
        },
    }
}

/// The counts of `track` by channel, largest first.
fn channels(counters: &[(String, String, i64)], track: &str) -> Vec<ChannelCount> {
    let mut by_channel: Vec<ChannelCount> = counters
        .iter()
        .filter(|(t, _, n)| t == track && *n > 0)
        .map(|(_, v, n)| ChannelCount {
            channel: v.clone(),
            count: *n,
        })
        .collect();
    by_channel.sort_by(|a, b| b.count.cmp(&a.count).then(a.channel.cmp(&b.channel)));
    by_channel
}

fn domains(counters: &[(String, String, i64)]) -> Vec<DomainCount> {
    let mut by_domain: BTreeMap<&str, DomainCount> = BTreeMap::new();
    for (track, value, n) in counters {
        let is_invitees = track == INVITEES_BY_DOMAIN;
        if !is_invitees && track != CURRENT_ANSWERS_BY_DOMAIN {
            continue;
        }
        let entry = by_domain
            .entry(value.as_str())
            .or_insert_with(|| DomainCount {
                domain: value.clone(),
                invitees: 0,
                answers: 0,
            });
        if is_invitees {
            entry.invitees += n;
        } else {
            entry.answers += n;
        }
    }
    let mut list: Vec<DomainCount> = by_domain.into_values().collect();
    list.sort_by(|a, b| {
        (b.invitees, b.answers)
            .cmp(&(a.invitees, a.answers))
            .then(a.domain.cmp(&b.domain))
    });
    if list.len() > MAX_DOMAINS {
        let rest = list.split_off(MAX_DOMAINS - 1);
        list.push(DomainCount {
            domain: "other".to_string(),
            invitees: rest.iter().map(|d| d.invitees).sum(),
            answers: rest.iter().map(|d| d.answers).sum(),
        });
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(track: &str, value: &str, n: i64) -> (String, String, i64) {
        (track.to_string(), value.to_string(), n)
    }

    #[test]
    fn the_funnel_counts_everyone_who_reached_each_stage() {
        let counters = [
            c("delivery", "queued", 1),
            c("delivery", "sent", 2),
            c("delivery", "delivered", 3),
            c("delivery", "opened", 1),
            c("response", "needs-action", 3),
            c("response", "accepted", 3),
            c("response", "declined", 1),
            c(ANSWERS_BY_CHANNEL, "web", 5),
            c(ANSWERS_BY_CHANNEL, "calendar-reply", 2),
            c(CURRENT_ANSWERS_BY_CHANNEL, "web", 3),
            c(CURRENT_ANSWERS_BY_CHANNEL, "calendar-reply", 1),
            c(INVITEES_BY_DOMAIN, "example.org", 5),
            c(INVITEES_BY_DOMAIN, "example.net", 2),
            c(crate::tracking::ANSWERS_BY_DOMAIN, "example.net", 5),
            c(CURRENT_ANSWERS_BY_DOMAIN, "example.org", 2),
            c(CURRENT_ANSWERS_BY_DOMAIN, "example.net", 2),
            c(PROPOSALS, "counter", 1),
        ];
        let report = report(&counters);
        let funnel: Vec<(&str, i64)> = report.funnel.iter().map(|s| (s.stage, s.count)).collect();
        assert_eq!(
            funnel,
            [
                ("invited", 7),
                ("sent", 6),
                ("delivered", 4),
                ("opened", 1),
                ("answered", 4),
                ("accepted", 3)
            ]
        );
        assert_eq!(report.counts.response["tentative"], 0, "zeros are listed");
        // Now: the breakdowns add up to "answered"; activity counts every answer given.
        assert_eq!(report.by_channel[0].channel, "web");
        assert_eq!(report.by_channel.iter().map(|c| c.count).sum::<i64>(), 4);
        assert_eq!(report.by_domain[0].domain, "example.org");
        assert_eq!(report.by_domain.iter().map(|d| d.answers).sum::<i64>(), 4);
        assert_eq!(report.activity.answers, 7);
        assert_eq!(report.activity.answers_by_channel[0].count, 5);
        assert_eq!(report.proposals, 1);
    }

    #[test]
    fn many_domains_end_in_other() {
        let counters: Vec<_> = (0..30)
            .map(|i| c(INVITEES_BY_DOMAIN, &format!("d{i:02}.example"), 1))
            .collect();
        let report = report(&counters);
        assert_eq!(report.by_domain.len(), MAX_DOMAINS);
        let other = report.by_domain.last().expect("other");
        assert_eq!((other.domain.as_str(), other.invitees), ("other", 11));
    }
}
