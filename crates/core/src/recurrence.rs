//! A recurring event in words and as its next occurrences: "every Tuesday, 10 times, from
//! Tuesday 12 January 2027", and which of the coming dates the organizer cancelled or moved.
//! Shared by the event page, the acknowledgement and the invitation text so they agree.
//!
//! The rule is expanded by calcard (the library that reads the calendars) on the series' wall
//! clock, and each wall time is put on the timeline with the organizer's own zone definitions,
//! the same way a DTSTART is read; cancelled occurrences (EXDATE or a CANCEL of one occurrence)
//! and moved ones (an override) are then marked by their RECURRENCE-ID.

use crate::event::Exceptions;
use crate::ical::{CalendarEvent, TimeValue, Zones};
use calcard::common::timezone::Tz;
use calcard::icalendar::{
    ICalendar, ICalendarFrequency, ICalendarProperty, ICalendarRecurrenceRule, ICalendarValue,
    ICalendarWeekday,
};
use calcard::{Entry, Parser};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};

/// Most occurrences one series is expanded to, whatever its rule says: bounds the work an
/// organizer's `FREQ=MINUTELY` can cost a page view (a daily series reaches 13 years).
const MAX_EXPANDED: usize = 5_000;

/// Longest rule text looked at; real rules are well under 200 characters.
const MAX_RULE_CHARS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OccurrenceState {
    Scheduled,
    /// The organizer changed its time (or its details): `start`/`end` are the new ones.
    Moved,
    Cancelled,
}

/// One occurrence of a series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// Its RECURRENCE-ID as a contract string (`2027-01-12T09:00:00Z`): which occurrence it is.
    pub id: String,
    /// Where the rule puts it (its RECURRENCE-ID's time): a moved occurrence's old time.
    pub planned: TimeValue,
    pub start: TimeValue,
    pub end: Option<TimeValue>,
    pub state: OccurrenceState,
}

/// The next occurrences of a series, and whether more follow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Upcoming {
    pub occurrences: Vec<Occurrence>,
    pub more: bool,
}

/// Whether `details` is a series (a rule or extra dates).
pub fn is_recurring(details: &CalendarEvent) -> bool {
    details.rrule.is_some() || !details.rdates.is_empty()
}

/// Up to `count` occurrences of the series that have not ended by `now`, in series order.
pub fn upcoming(
    details: &CalendarEvent,
    exceptions: Exceptions,
    now: DateTime<Utc>,
    count: usize,
) -> Upcoming {
    let all = expand(details, exceptions);
    let mut coming = all
        .into_iter()
        .filter(|o| ends(o).is_none_or(|end| end > now));
    let occurrences: Vec<Occurrence> = coming.by_ref().take(count).collect();
    Upcoming {
        more: coming.next().is_some(),
        occurrences,
    }
}

/// Every occurrence of the series (up to [`MAX_EXPANDED`]), cancelled and moved ones marked.
pub fn expand(details: &CalendarEvent, exceptions: Exceptions) -> Vec<Occurrence> {
    let Some(start) = details.start.as_ref() else {
        return Vec::new();
    };
    if !is_recurring(details) {
        return Vec::new();
    }
    let Some((calendar, zones)) = wall_clock_series(details, start) else {
        return Vec::new();
    };
    let length = details
        .end
        .as_ref()
        .map(|end| end.local() - start.local())
        .filter(|l| *l >= TimeDelta::zero());
    let exdates: Vec<String> = details
        .exdates
        .iter()
        .map(TimeValue::to_contract_string)
        .collect();
    let mut walls: Vec<NaiveDateTime> = calendar
        .expand_dates(Tz::Floating, MAX_EXPANDED)
        .events
        .into_iter()
        .map(|e| e.start.naive_local())
        .collect();
    walls.sort();
    walls.dedup();
    walls
        .into_iter()
        .map(|wall| {
            let at = like(start, wall, &zones);
            let id = at.to_contract_string();
            let end = length.map(|l| like(start, wall + l, &zones));
            let cancelled = exdates.contains(&id) || exceptions.is_cancelled(&id);
            let moved = exceptions.moved(&id);
            match (cancelled, moved) {
                (true, _) => Occurrence {
                    id,
                    planned: at.clone(),
                    start: at,
                    end,
                    state: OccurrenceState::Cancelled,
                },
                (false, Some(moved)) => {
                    let new_start = moved.start.clone().unwrap_or_else(|| at.clone());
                    // Without its own end, a moved occurrence lasts as long as the others.
                    let new_end = moved.end.clone().or_else(|| {
                        length.map(|l| like(&new_start, new_start.local() + l, &zones))
                    });
                    Occurrence {
                        id,
                        planned: at,
                        start: new_start,
                        end: new_end,
                        state: OccurrenceState::Moved,
                    }
                }
                (false, None) => Occurrence {
                    id,
                    planned: at.clone(),
                    start: at,
                    end,
                    state: OccurrenceState::Scheduled,
                },
            }
        })
        .collect()
}

/// The occurrence of the series named `id` (its RECURRENCE-ID as a contract string), if the
/// series has one: what an answer for one occurrence must name.
pub fn find(details: &CalendarEvent, exceptions: Exceptions, id: &str) -> Option<Occurrence> {
    expand(details, exceptions).into_iter().find(|o| o.id == id)
}

impl Occurrence {
    /// Whether it has ended by `now` (a date without an end lasts until noon UTC the next day,
    /// so it is over nowhere before it is over everywhere).
    pub fn is_over(&self, now: DateTime<Utc>) -> bool {
        ends(self).is_some_and(|end| end <= now)
    }
}

fn ends(occurrence: &Occurrence) -> Option<DateTime<Utc>> {
    let at = occurrence.end.as_ref().unwrap_or(&occurrence.start);
    match at {
        TimeValue::Date(day) if occurrence.end.is_none() => day
            .succ_opt()
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .map(|t| t.and_utc()),
        // A time off the timeline has passed everywhere once it has in UTC−12:00.
        other => Some(
            other
                .utc()
                .unwrap_or_else(|| other.local().and_utc() + TimeDelta::hours(12)),
        ),
    }
}

/// `wall` as the same kind of time as `start`: in its zone, floating, or a date.
fn like(start: &TimeValue, wall: NaiveDateTime, zones: &Zones) -> TimeValue {
    match start {
        TimeValue::Date(_) => TimeValue::Date(wall.date()),
        TimeValue::Floating(_) => TimeValue::Floating(wall),
        TimeValue::UnknownZone { tzid, .. } => TimeValue::UnknownZone {
            local: wall,
            tzid: tzid.clone(),
        },
        TimeValue::Zoned {
            utc,
            local,
            tzid,
            source_tzid,
        } => {
            let written = source_tzid.as_deref().unwrap_or(tzid);
            match zones.at_local(wall, written) {
                zoned @ TimeValue::Zoned { .. } => zoned,
                // A fixed offset (`+02:00`) or UTC: the same distance from the wall clock.
                _ => TimeValue::Zoned {
                    utc: (wall - (*local - utc.naive_utc())).and_utc(),
                    local: wall,
                    tzid: tzid.clone(),
                    source_tzid: source_tzid.clone(),
                },
            }
        }
    }
}

/// The series re-written on its wall clock (DTSTART without a zone), and the organizer's
/// VTIMEZONE blocks read for putting each occurrence back on the timeline. Only our own
/// lines and the rule (cut at the first control character) go in, so nothing the organizer
/// wrote can add a property.
fn wall_clock_series(details: &CalendarEvent, start: &TimeValue) -> Option<(ICalendar, Zones)> {
    const HEAD: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Rollcall//EN\r\n";
    const TAIL: &str = "END:VCALENDAR\r\n";
    // The zones in a calendar of their own: their STANDARD/DAYLIGHT rules are no occurrences.
    let mut zone_text = String::from(HEAD);
    for zone in &details.timezones {
        for line in &zone.lines {
            zone_text.push_str(line);
            zone_text.push_str("\r\n");
        }
    }
    zone_text.push_str(TAIL);
    let zones = match Parser::new(&zone_text).entry() {
        Entry::ICalendar(calendar) => Zones::from_calendar(&calendar),
        _ => Zones::default(),
    };
    let mut text = String::from(HEAD);
    text.push_str("BEGIN:VEVENT\r\nUID:series\r\n");
    push_time(&mut text, "DTSTART", start);
    if let Some(rule) = &details.rrule {
        let rule: String = rule
            .trim()
            .chars()
            .take_while(|c| !c.is_control())
            .take(MAX_RULE_CHARS)
            .collect();
        text.push_str("RRULE:");
        text.push_str(&wall_clock_until(&rule, start, &zones));
        text.push_str("\r\n");
    }
    for rdate in &details.rdates {
        let wall = match (start, rdate) {
            (TimeValue::Date(_), other) => TimeValue::Date(other.local().date()),
            (_, other) => TimeValue::Floating(other.local()),
        };
        push_time(&mut text, "RDATE", &wall);
    }
    text.push_str("END:VEVENT\r\n");
    text.push_str(TAIL);
    let Entry::ICalendar(calendar) = Parser::new(&text).entry() else {
        return None;
    };
    Some((calendar, zones))
}

fn push_time(text: &mut String, name: &str, time: &TimeValue) {
    match time {
        TimeValue::Date(day) => {
            text.push_str(&format!("{name};VALUE=DATE:{}\r\n", day.format("%Y%m%d")));
        }
        other => text.push_str(&format!(
            "{name}:{}\r\n",
            other.local().format("%Y%m%dT%H%M%S")
        )),
    }
}

/// A rule's `UNTIL` in UTC (`…Z`, as RFC 5545 wants beside a zoned DTSTART) turned into the
/// series' wall clock, so the wall-clock expansion ends where the organizer's calendar does.
fn wall_clock_until(rule: &str, start: &TimeValue, zones: &Zones) -> String {
    let TimeValue::Zoned { utc, local, .. } = start else {
        return rule.to_string();
    };
    let offset = *local - utc.naive_utc();
    // The offset in force at UNTIL, not at DTSTART (a summer-time change may lie between):
    // start from DTSTART's and correct by how far that wall time misses the instant.
    let wall_at = |at: NaiveDateTime| {
        let mut wall = at + offset;
        for _ in 0..2 {
            if let Some(missed) = like(start, wall, zones).utc() {
                wall -= missed.naive_utc() - at;
            }
        }
        wall
    };
    rule.split(';')
        .map(|part| {
            let Some((name, value)) = part.split_once('=') else {
                return part.to_string();
            };
            let Some(at) = name
                .trim()
                .eq_ignore_ascii_case("UNTIL")
                .then(|| value.trim().strip_suffix(['Z', 'z']))
                .flatten()
                .and_then(|v| NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S").ok())
            else {
                return part.to_string();
            };
            format!("UNTIL={}", wall_at(at).format("%Y%m%dT%H%M%S"))
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// The rule in words: "every Tuesday, 10 times, from Tuesday 12 January 2027". `None` for a
/// one-off event; a rule too unusual for words reads "repeats on a custom schedule".
pub fn describe(details: &CalendarEvent) -> Option<String> {
    if !is_recurring(details) {
        return None;
    }
    let start = details.start.as_ref()?;
    let from = start.local().format("%A %-d %B %Y");
    let Some(rule) = details.rrule.as_deref().and_then(parse_rule) else {
        return Some(format!("on several dates, from {from}"));
    };
    let how_often = cadence(&rule, start).unwrap_or_else(|| "on a custom schedule".to_string());
    let mut text = how_often;
    if let Some(count) = rule.count {
        text.push_str(&format!(
            ", {count} {}",
            if count == 1 { "time" } else { "times" }
        ));
    } else if let Some(until) = rule.until.as_ref().and_then(|u| u.to_date_time()) {
        text.push_str(&format!(
            ", until {}",
            until.date_time.format("%A %-d %B %Y")
        ));
    }
    text.push_str(&format!(", from {from}"));
    Some(text)
}

fn parse_rule(rule: &str) -> Option<ICalendarRecurrenceRule> {
    let rule: String = rule
        .trim()
        .chars()
        .take_while(|c| !c.is_control())
        .take(MAX_RULE_CHARS)
        .collect();
    let text = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nRRULE:{rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let mut parser = Parser::new(&text);
    let Entry::ICalendar(calendar) = parser.entry() else {
        return None;
    };
    calendar.components.iter().find_map(|c| {
        c.entries
            .iter()
            .find_map(|e| match (&e.name, e.values.first()) {
                (ICalendarProperty::Rrule, Some(ICalendarValue::RecurrenceRule(rule))) => {
                    Some((**rule).clone())
                }
                _ => None,
            })
    })
}

/// "every Tuesday", "every 2 weeks on Monday and Thursday", "monthly on the last Friday".
fn cadence(rule: &ICalendarRecurrenceRule, start: &TimeValue) -> Option<String> {
    // Hours, minutes and seconds narrow a rule in ways a sentence would only garble.
    if !(rule.byhour.is_empty()
        && rule.byminute.is_empty()
        && rule.bysecond.is_empty()
        && rule.byyearday.is_empty()
        && rule.byweekno.is_empty())
    {
        return None;
    }
    let interval = rule.interval.unwrap_or(1).max(1);
    let every = |one: &str, many: &str| {
        if interval == 1 {
            format!("every {one}")
        } else {
            format!("every {interval} {many}")
        }
    };
    let start_day = start.local().format("%A").to_string();
    let plain_days = || -> Option<Vec<&'static str>> {
        rule.byday
            .iter()
            .map(|d| d.ordwk.is_none().then(|| day_name(d.weekday)))
            .collect()
    };
    match rule.freq {
        ICalendarFrequency::Daily if rule.byday.is_empty() && rule.bymonthday.is_empty() => {
            Some(every("day", "days"))
        }
        ICalendarFrequency::Weekly if rule.bymonthday.is_empty() && rule.bysetpos.is_empty() => {
            let days = plain_days()?;
            let days = if days.is_empty() {
                start_day
            } else {
                join(&days)
            };
            Some(if interval == 1 {
                format!("every {days}")
            } else {
                format!("every {interval} weeks on {days}")
            })
        }
        ICalendarFrequency::Monthly if rule.bymonth.is_empty() => {
            let on = monthly_day(rule, start)?;
            Some(if interval == 1 {
                format!("monthly on {on}")
            } else {
                format!("every {interval} months on {on}")
            })
        }
        ICalendarFrequency::Yearly if rule.byday.is_empty() && rule.bymonthday.len() <= 1 => {
            let months: Vec<u8> = rule.bymonth.iter().map(|m| m.month()).collect();
            if months.len() > 1 {
                return None;
            }
            let date = start.local().date();
            let day = rule
                .bymonthday
                .first()
                .map(|d| u32::try_from(*d).ok())
                .unwrap_or(Some(chrono::Datelike::day(&date)))?;
            let month = months
                .first()
                .map(|m| u32::from(*m))
                .unwrap_or(chrono::Datelike::month(&date));
            let month = chrono::NaiveDate::from_ymd_opt(2000, month, 1)?.format("%B");
            Some(format!("{} on {day} {month}", every("year", "years")))
        }
        _ => None,
    }
}

/// "the 5th", "the second Tuesday", "the last Friday".
fn monthly_day(rule: &ICalendarRecurrenceRule, start: &TimeValue) -> Option<String> {
    match (
        rule.byday.as_slice(),
        rule.bymonthday.as_slice(),
        rule.bysetpos.as_slice(),
    ) {
        ([], [], []) => Some(format!(
            "the {}",
            ordinal_day(chrono::Datelike::day(&start.local().date()) as i32)
        )),
        ([], [day], []) => Some(format!("the {}", ordinal_day(i32::from(*day)))),
        ([day], [], []) => {
            let nth = day.ordwk?;
            Some(format!(
                "the {} {}",
                nth_word(i32::from(nth))?,
                day_name(day.weekday)
            ))
        }
        ([day], [], [pos]) if day.ordwk.is_none() => {
            Some(format!("the {} {}", nth_word(*pos)?, day_name(day.weekday)))
        }
        _ => None,
    }
}

fn nth_word(n: i32) -> Option<&'static str> {
    Some(match n {
        1 => "first",
        2 => "second",
        3 => "third",
        4 => "fourth",
        5 => "fifth",
        -1 => "last",
        -2 => "second to last",
        _ => return None,
    })
}

fn ordinal_day(day: i32) -> String {
    if day == -1 {
        return "last day".to_string();
    }
    let suffix = match (day % 10, day % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{day}{suffix}")
}

fn day_name(day: ICalendarWeekday) -> &'static str {
    match day {
        ICalendarWeekday::Monday => "Monday",
        ICalendarWeekday::Tuesday => "Tuesday",
        ICalendarWeekday::Wednesday => "Wednesday",
        ICalendarWeekday::Thursday => "Thursday",
        ICalendarWeekday::Friday => "Friday",
        ICalendarWeekday::Saturday => "Saturday",
        ICalendarWeekday::Sunday => "Sunday",
    }
}

/// "Monday", "Monday and Thursday", "Monday, Wednesday and Friday".
fn join(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests;
