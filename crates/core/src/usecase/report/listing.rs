//! Lists for the dashboard: events filtered, searched, sorted and paged; invitees filtered by
//! track values and searched.

use super::walk::InviteePages;
use crate::event::{Event, EventId, EventState};
use crate::ical::TimeValue;
use crate::invitee::Invitee;
use crate::ports::{InviteeStore, StoreError};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Upcoming,
    Past,
    Cancelled,
    All,
}

impl When {
    pub fn parse(text: &str) -> Option<When> {
        Some(match text {
            "upcoming" => When::Upcoming,
            "past" => When::Past,
            "cancelled" => When::Cancelled,
            "all" => When::All,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventSort {
    Start,
    StartDescending,
    Title,
    UpdatedDescending,
}

impl EventSort {
    pub fn parse(text: &str) -> Option<EventSort> {
        Some(match text {
            "start" => EventSort::Start,
            "-start" => EventSort::StartDescending,
            "title" => EventSort::Title,
            "-updated" => EventSort::UpdatedDescending,
            _ => return None,
        })
    }
}

/// The instant an event starts, for sorting and for upcoming/past (all-day and floating
/// times are read as UTC: a few hours either way do not move an event between the lists).
pub fn start_instant(event: &Event) -> Option<DateTime<Utc>> {
    instant(event.start()?)
}

fn instant(time: &TimeValue) -> Option<DateTime<Utc>> {
    match time {
        TimeValue::Zoned { utc, .. } => Some(*utc),
        TimeValue::Floating(t) | TimeValue::UnknownZone { local: t, .. } => Some(t.and_utc()),
        TimeValue::Date(d) => Some(d.and_hms_opt(0, 0, 0)?.and_utc()),
    }
}

/// The instant an event is over: its end, else its start.
fn end_instant(event: &Event) -> Option<DateTime<Utc>> {
    event
        .details
        .end
        .as_ref()
        .and_then(instant)
        .or_else(|| start_instant(event))
}

/// Case-insensitive search in the title, location and organizer.
fn event_matches(event: &Event, query: &str) -> bool {
    let query = query.to_lowercase();
    [
        Some(event.title()),
        event.details.location.as_deref(),
        Some(event.organizer_email.as_str()),
        event.organizer_name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .any(|field| field.to_lowercase().contains(&query))
}

/// Filters and sorts `events` (recurring events count as upcoming until their first
/// occurrence is over; their later occurrences are not expanded here).
pub fn select_events(
    mut events: Vec<Event>,
    when: When,
    query: Option<&str>,
    sort: Option<EventSort>,
    now: DateTime<Utc>,
) -> Vec<Event> {
    events.retain(|e| {
        let over = end_instant(e).is_some_and(|end| end < now);
        let cancelled = e.state == EventState::Cancelled;
        let in_view = match when {
            When::Upcoming => !cancelled && !over,
            When::Past => !cancelled && over,
            When::Cancelled => cancelled,
            When::All => true,
        };
        in_view && query.is_none_or(|q| q.trim().is_empty() || event_matches(e, q.trim()))
    });
    let sort = sort.unwrap_or(if when == When::Upcoming {
        EventSort::Start
    } else {
        EventSort::StartDescending
    });
    // Ties (and events without a start) by id, so pages never shuffle between requests.
    match sort {
        EventSort::Start => {
            events.sort_by(|a, b| (start_instant(a), &a.id).cmp(&(start_instant(b), &b.id)))
        }
        EventSort::StartDescending => {
            events.sort_by(|a, b| (start_instant(b), &b.id).cmp(&(start_instant(a), &a.id)))
        }
        EventSort::Title => events.sort_by(|a, b| {
            (a.title().to_lowercase(), &a.id).cmp(&(b.title().to_lowercase(), &b.id))
        }),
        EventSort::UpdatedDescending => {
            events.sort_by(|a, b| (b.updated_at, &b.id).cmp(&(a.updated_at, &a.id)))
        }
    }
    events
}

/// A page of `items` (1-based), and how many there are in all.
pub fn page<T>(items: Vec<T>, page: usize, per_page: usize) -> (Vec<T>, usize) {
    let total = items.len();
    let start = page.saturating_sub(1).saturating_mul(per_page);
    (
        items.into_iter().skip(start).take(per_page).collect(),
        total,
    )
}

/// What an invitee list is narrowed to: a value per track, and a text in the name or email.
#[derive(Debug, Clone, Default)]
pub struct InviteeFilter {
    pub tracks: Vec<(String, String)>,
    pub query: Option<String>,
    /// Only invitees whose calendar proposed another time (an iTIP COUNTER).
    pub proposed: bool,
    /// One occurrence of a series (its RECURRENCE-ID): `response` is matched against each
    /// invitee's answer for it.
    pub occurrence: Option<String>,
}

/// Invitees read per store page while filtering.
const FILTER_PAGE: usize = 500;

/// Page `page` (1-based) of `per_page` of the event's invitees that match `filter`, in id
/// order, and how many match in all. Filters match current statuses, which only the invitees
/// hold, so this walks them all; counts a report needs come from counters instead.
pub async fn filtered_invitees(
    store: &dyn InviteeStore,
    event: &EventId,
    filter: &InviteeFilter,
    page: usize,
    per_page: usize,
) -> Result<(Vec<Invitee>, usize), StoreError> {
    let skip = page.max(1).saturating_sub(1).saturating_mul(per_page);
    let (mut shown, mut total) = (Vec::new(), 0usize);
    let mut pages = InviteePages::new(event.clone(), FILTER_PAGE);
    while let Some(batch) = pages.next(store).await? {
        for invitee in batch.into_iter().filter(|i| filter.matches(i)) {
            if total >= skip && shown.len() < per_page {
                shown.push(invitee);
            }
            total += 1;
        }
    }
    Ok((shown, total))
}

impl InviteeFilter {
    pub fn matches(&self, invitee: &Invitee) -> bool {
        (!self.proposed || invitee.status.proposal().is_some())
            && self
                .tracks
                .iter()
                .all(|(track, value)| self.value(invitee, track) == Some(value.as_str()))
            && self.query.as_deref().is_none_or(|q| {
                let q = q.trim().to_lowercase();
                q.is_empty()
                    || invitee.email.contains(&q)
                    || invitee
                        .name
                        .as_deref()
                        .is_some_and(|n| n.to_lowercase().contains(&q))
            })
    }

    /// `invitee`'s value of `track`, for the occurrence the filter is about.
    fn value(&self, invitee: &Invitee, track: &str) -> Option<&'static str> {
        match &self.occurrence {
            Some(occurrence) if track == crate::status::RESPONSE => {
                Some(invitee.status.answer_for(occurrence).answer.as_str())
            }
            _ => invitee.status.value(track),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_one_based_and_count_everything() {
        let (items, total) = page((1..=45).collect::<Vec<_>>(), 3, 20);
        assert_eq!((items, total), (vec![41, 42, 43, 44, 45], 45));
        let (items, _) = page((1..=5).collect::<Vec<_>>(), 0, 2);
        assert_eq!(items, vec![1, 2], "page 0 reads as page 1");
    }
}
