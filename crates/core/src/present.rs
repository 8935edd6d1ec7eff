//! Words for people: how an event's time reads in the organizer's own zone. Shared by the
//! acknowledgement mails and the event page so they never disagree.

use crate::event::Exceptions;
use crate::ical::{CalendarEvent, TimeValue};
use crate::recurrence::{self, Occurrence, OccurrenceState};
use chrono::{DateTime, Utc};

/// "Thursday 5 March 2026, 11:00–12:00 (America/New_York)", "Thursday 5 March 2026 (all day)".
pub fn when_text(start: Option<&TimeValue>, end: Option<&TimeValue>) -> String {
    let Some(start) = start else {
        return "time not given".to_string();
    };
    let zone = match start {
        TimeValue::Zoned { tzid, .. } => format!(" ({tzid})"),
        TimeValue::UnknownZone { tzid, .. } => {
            format!(" ({tzid}, a time zone Rollcall does not know)")
        }
        TimeValue::Floating(_) => " (local time)".to_string(),
        TimeValue::Date(_) => String::new(),
    };
    let day = |t: &TimeValue| t.local().format("%A %-d %B %Y").to_string();
    let time = |t: &TimeValue| t.local().format("%H:%M").to_string();
    match (start, end) {
        (TimeValue::Date(first), Some(TimeValue::Date(last))) => {
            // DTEND of an all-day event is exclusive.
            let last_day = last.pred_opt().unwrap_or(*last);
            if last_day <= *first {
                format!("{} (all day)", day(start))
            } else {
                format!(
                    "{} to {} (all day)",
                    day(start),
                    TimeValue::Date(last_day).local().format("%A %-d %B %Y")
                )
            }
        }
        (TimeValue::Date(_), _) => format!("{} (all day)", day(start)),
        (_, Some(end)) if !end.is_date() && end.local().date() == start.local().date() => {
            format!("{}, {}–{}{zone}", day(start), time(start), time(end))
        }
        (_, Some(end)) if !end.is_date() => {
            format!(
                "{}, {} to {}, {}{zone}",
                day(start),
                time(start),
                day(end),
                time(end)
            )
        }
        _ => format!("{}, {}{zone}", day(start), time(start)),
    }
}

#[cfg(test)]
mod tests {
    use super::{occurrence_id_text, when_text};

    #[test]
    fn an_occurrence_id_reads_as_a_date() {
        assert_eq!(
            occurrence_id_text("2026-12-23T09:00:00Z"),
            "Wednesday 23 December 2026, 09:00 UTC"
        );
        assert_eq!(occurrence_id_text("2026-03-17"), "Tuesday 17 March 2026");
        assert_eq!(
            occurrence_id_text("2026-03-17T10:30:00"),
            "Tuesday 17 March 2026, 10:30"
        );
        assert_eq!(occurrence_id_text("soon"), "soon");
    }
    use crate::ical::TimeValue;
    use chrono::{NaiveDate, TimeZone, Utc};

    fn zoned(h: u32) -> TimeValue {
        let local = NaiveDate::from_ymd_opt(2026, 3, 5)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .unwrap_or_default();
        TimeValue::Zoned {
            utc: Utc.from_utc_datetime(&(local + chrono::Duration::hours(5))),
            local,
            tzid: "America/New_York".into(),
            source_tzid: None,
        }
    }

    #[test]
    fn a_same_day_meeting_reads_with_its_zone() {
        assert_eq!(
            when_text(Some(&zoned(11)), Some(&zoned(12))),
            "Thursday 5 March 2026, 11:00–12:00 (America/New_York)"
        );
    }

    #[test]
    fn an_all_day_event_uses_the_exclusive_end() {
        let d = |day| TimeValue::Date(NaiveDate::from_ymd_opt(2026, 3, day).unwrap_or_default());
        assert_eq!(
            when_text(Some(&d(5)), Some(&d(6))),
            "Thursday 5 March 2026 (all day)"
        );
        assert_eq!(
            when_text(Some(&d(5)), Some(&d(8))),
            "Thursday 5 March 2026 to Saturday 7 March 2026 (all day)"
        );
    }
}

/// The embeddable RSVP button for an event: a plain link styled inline, so it works in any
/// page or newsletter without scripts. `title` is escaped; `public_url` is ours.
pub fn rsvp_button_html(public_url: &str, title: &str) -> String {
    let escaped: String = title
        .chars()
        .take(120)
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#39;".to_string(),
            c if c.is_control() => " ".to_string(),
            c => c.to_string(),
        })
        .collect();
    format!(
        "<a href=\"{public_url}\" target=\"_blank\" rel=\"noopener\" \
         style=\"display:inline-block;background:#1f6feb;color:#fff;padding:10px 16px;\
         border-radius:6px;font:600 15px/1.2 system-ui,sans-serif;text-decoration:none\">\
         RSVP: {escaped}</a>"
    )
}

#[cfg(test)]
mod button_tests {
    #[test]
    fn the_button_escapes_the_title() {
        let html = super::rsvp_button_html("https://r.example/e/abc", "<b>\"Tea\" & cake</b>");
        assert!(
            html.contains("RSVP: &lt;b&gt;&quot;Tea&quot; &amp; cake&lt;/b&gt;</a>"),
            "{html}"
        );
        assert!(html.starts_with("<a href=\"https://r.example/e/abc\""));
    }
}

/// A recurring event in words for mails and pages: how it repeats, and its coming dates that
/// the organizer cancelled or moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesText {
    /// "every Tuesday, 10 times, from Tuesday 12 January 2027".
    pub repeats: String,
    /// "Tuesday 16 March 2027: cancelled", "Tuesday 23 March 2027: moved to …", soonest first.
    pub changes: Vec<String>,
}

/// Most cancelled or moved dates a mail lists; the calendar copy carries them all.
const MAX_CHANGES_LISTED: usize = 10;

/// `None` for a one-off event. `now` decides which dates are still to come.
pub fn series_text(
    details: &CalendarEvent,
    exceptions: Exceptions,
    now: DateTime<Utc>,
) -> Option<SeriesText> {
    let repeats = recurrence::describe(details)?;
    let changes = recurrence::expand(details, exceptions)
        .iter()
        .filter(|o| o.state != OccurrenceState::Scheduled)
        .filter(|o| {
            o.end
                .as_ref()
                .unwrap_or(&o.start)
                .utc()
                .is_none_or(|end| end > now)
        })
        .take(MAX_CHANGES_LISTED)
        .map(occurrence_text)
        .collect();
    Some(SeriesText { repeats, changes })
}

/// One occurrence in words: its time; "<planned day>: cancelled"; "<planned day>: moved to
/// <new time>".
/// An occurrence's id (its RECURRENCE-ID as a contract string) in words, for a history that
/// has no event at hand: "Wednesday 23 December 2026, 09:00 UTC", or the date alone. An id
/// that is neither is shown as it is.
pub fn occurrence_id_text(id: &str) -> String {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(id) {
        return at.format("%A %-d %B %Y, %H:%M UTC").to_string();
    }
    if let Ok(day) = chrono::NaiveDate::parse_from_str(id, "%Y-%m-%d") {
        return day.format("%A %-d %B %Y").to_string();
    }
    if let Ok(local) = chrono::NaiveDateTime::parse_from_str(id, "%Y-%m-%dT%H:%M:%S") {
        return local.format("%A %-d %B %Y, %H:%M").to_string();
    }
    id.to_string()
}

pub fn occurrence_text(occurrence: &Occurrence) -> String {
    let planned = occurrence.planned.local().format("%A %-d %B %Y");
    match occurrence.state {
        OccurrenceState::Scheduled => when_text(Some(&occurrence.start), occurrence.end.as_ref()),
        OccurrenceState::Cancelled => format!("{planned}: cancelled"),
        OccurrenceState::Moved => format!(
            "{planned}: moved to {}",
            when_text(Some(&occurrence.start), occurrence.end.as_ref())
        ),
    }
}
