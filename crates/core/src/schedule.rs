//! When an event is over: the end of its last occurrence. A past event takes no more answers
//! (the form, the invitee's page and the API refuse them), since an RSVP to something that
//! already happened helps nobody and mails a calendar invitation for the past.
//!
//! Recurrences are not expanded here. A rule with `UNTIL` ends with the occurrence that starts
//! at `UNTIL` at the latest; a rule with `COUNT`, or without an end, is never over as far as
//! this knows: better a late answer than refusing a guest of a series that still runs.

use crate::event::Event;
use crate::ical::{CalendarEvent, TimeValue};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

/// A time without a zone (a date, a floating or an unknown-zone time) is over everywhere
/// once it is over in the westernmost zone, UTC−12:00.
const LATEST_OFFSET: TimeDelta = TimeDelta::hours(12);

impl Event {
    /// Whether the event's last occurrence has ended by `now` (a cancelled event is not
    /// "over": it says it is cancelled).
    pub fn is_over(&self, now: DateTime<Utc>) -> bool {
        over_at(&self.details, &self.overrides).is_some_and(|end| end <= now)
    }
}

/// When the last occurrence of `series` (with its moved occurrences, `overrides`) ends;
/// `None` when that is not known: no start, or a recurrence without `UNTIL`.
pub fn over_at(series: &CalendarEvent, overrides: &[CalendarEvent]) -> Option<DateTime<Utc>> {
    let start = series.start.as_ref()?;
    let length = length(start, series.end.as_ref());
    let mut last = match &series.rrule {
        None => instant(start) + length,
        Some(rule) => until(rule)? + length,
    };
    for rdate in &series.rdates {
        last = last.max(instant(rdate) + length);
    }
    for moved in overrides {
        if let Some(start) = &moved.start {
            last = last.max(instant(start) + self::length(start, moved.end.as_ref()));
        }
    }
    Some(last)
}

/// How long one occurrence lasts: to DTEND (DURATION is read into it), else a day for a date
/// and no time for a date-time (RFC 5545 §3.6.1).
fn length(start: &TimeValue, end: Option<&TimeValue>) -> TimeDelta {
    match end {
        Some(end) => (end.local() - start.local()).max(TimeDelta::zero()),
        None if start.is_date() => TimeDelta::days(1),
        None => TimeDelta::zero(),
    }
}

/// The instant by which `time` has passed everywhere.
fn instant(time: &TimeValue) -> DateTime<Utc> {
    time.utc()
        .unwrap_or_else(|| time.local().and_utc() + LATEST_OFFSET)
}

/// The `UNTIL` of an RRULE as the instant it has passed everywhere: `20270301T100000Z` is
/// UTC; a date or a floating time is read as such (RFC 5545 §3.3.10).
fn until(rule: &str) -> Option<DateTime<Utc>> {
    let value = rule.split(';').find_map(|part| {
        let (name, value) = part.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("UNTIL")
            .then(|| value.trim())
    })?;
    if let Some(utc) = value.strip_suffix(['Z', 'z']) {
        let time = NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").ok()?;
        return Some(time.and_utc());
    }
    let local = NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S")
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(value, "%Y%m%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })?;
    Some(local.and_utc() + LATEST_OFFSET)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("a valid time")
    }

    fn zoned(at: DateTime<Utc>) -> TimeValue {
        TimeValue::Zoned {
            utc: at,
            local: at.naive_utc() + TimeDelta::hours(1),
            tzid: "Europe/Berlin".into(),
            source_tzid: None,
        }
    }

    fn date(y: i32, mo: u32, d: u32) -> TimeValue {
        TimeValue::Date(NaiveDate::from_ymd_opt(y, mo, d).expect("a valid date"))
    }

    fn once(start: TimeValue, end: Option<TimeValue>) -> CalendarEvent {
        CalendarEvent {
            start: Some(start),
            end,
            ..CalendarEvent::default()
        }
    }

    #[test]
    fn a_single_event_is_over_at_its_end() {
        let event = once(
            zoned(utc(2026, 3, 5, 17, 0)),
            Some(zoned(utc(2026, 3, 5, 20, 0))),
        );
        assert_eq!(over_at(&event, &[]), Some(utc(2026, 3, 5, 20, 0)));
        let no_end = once(zoned(utc(2026, 3, 5, 17, 0)), None);
        assert_eq!(over_at(&no_end, &[]), Some(utc(2026, 3, 5, 17, 0)));
    }

    #[test]
    fn times_without_a_zone_are_over_once_over_in_the_westernmost_zone() {
        // All day on 5 March: the day has ended everywhere at 6 March 12:00 UTC.
        let all_day = once(date(2026, 3, 5), Some(date(2026, 3, 6)));
        assert_eq!(over_at(&all_day, &[]), Some(utc(2026, 3, 6, 12, 0)));
        assert_eq!(
            over_at(&once(date(2026, 3, 5), None), &[]),
            Some(utc(2026, 3, 6, 12, 0)),
            "a date without an end lasts the day"
        );
        let local = |h| TimeValue::Floating(utc(2026, 3, 5, h, 0).naive_utc());
        let floating = once(local(18), Some(local(19)));
        assert_eq!(over_at(&floating, &[]), Some(utc(2026, 3, 6, 7, 0)));
    }

    #[test]
    fn a_series_is_over_after_its_last_occurrence_only_when_it_says_until() {
        let weekly = |rule: &str| CalendarEvent {
            rrule: Some(rule.to_string()),
            ..once(
                zoned(utc(2026, 1, 6, 9, 0)),
                Some(zoned(utc(2026, 1, 6, 10, 0))),
            )
        };
        assert_eq!(
            over_at(&weekly("FREQ=WEEKLY;UNTIL=20260331T090000Z"), &[]),
            Some(utc(2026, 3, 31, 10, 0))
        );
        assert_eq!(
            over_at(&weekly("FREQ=WEEKLY;until=20260331"), &[]),
            Some(utc(2026, 3, 31, 13, 0)),
            "a date UNTIL, read where the day ends last"
        );
        assert_eq!(over_at(&weekly("FREQ=WEEKLY;COUNT=12"), &[]), None);
        assert_eq!(over_at(&weekly("FREQ=WEEKLY"), &[]), None);
    }

    #[test]
    fn extra_and_moved_occurrences_can_end_later() {
        let series = CalendarEvent {
            rdates: vec![zoned(utc(2026, 4, 2, 9, 0))],
            ..once(
                zoned(utc(2026, 3, 5, 9, 0)),
                Some(zoned(utc(2026, 3, 5, 10, 0))),
            )
        };
        assert_eq!(over_at(&series, &[]), Some(utc(2026, 4, 2, 10, 0)));
        let moved = once(
            zoned(utc(2026, 5, 1, 9, 0)),
            Some(zoned(utc(2026, 5, 1, 11, 0))),
        );
        assert_eq!(over_at(&series, &[moved]), Some(utc(2026, 5, 1, 11, 0)));
        assert_eq!(
            over_at(&CalendarEvent::default(), &[]),
            None,
            "no start, no end"
        );
    }
}
