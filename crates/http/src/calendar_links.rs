//! "Add to calendar" links for web calendars that take an event in their URL, plus the `.ics`
//! download. A time fixed to the timeline goes out in UTC; an all-day event as dates; a
//! floating time, or one in a zone nobody knows, as wall-clock time without a zone, which each
//! calendar reads in its user's own zone (UTC would be a guess).

use crate::text::{clean, encode_query_value, truncate};
use chrono::{Days, NaiveDate, NaiveDateTime};
use rollcall_core::event::Event;
use rollcall_core::ical::TimeValue;

/// Longest description put into a link: URLs of several kilobytes break in some browsers.
const MAX_DETAILS_CHARS: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarLink {
    pub label: &'static str,
    pub href: String,
}

/// The links for `event`, and whether its times are wall-clock only (the page says so).
/// No start: no links but the `.ics` file.
#[derive(Debug, Clone)]
pub struct CalendarLinks {
    pub links: Vec<CalendarLink>,
    pub wall_clock_only: bool,
}

enum Span {
    Instant(NaiveDateTime, NaiveDateTime),
    WallClock(NaiveDateTime, NaiveDateTime),
    /// First day and the day after the last (exclusive, as DTEND of a date is).
    Days(NaiveDate, NaiveDate),
}

fn span(start: &TimeValue, end: Option<&TimeValue>) -> Span {
    match start {
        TimeValue::Date(first) => {
            let after = match end {
                Some(TimeValue::Date(last)) if last > first => *last,
                _ => first.checked_add_days(Days::new(1)).unwrap_or(*first),
            };
            Span::Days(*first, after)
        }
        TimeValue::Zoned { utc, .. } => {
            let utc = utc.naive_utc();
            // An end on the timeline only makes sense with a start on it; RFC 5545 says an
            // event without an end takes no time.
            let end = end
                .and_then(TimeValue::utc)
                .map(|e| e.naive_utc())
                .filter(|e| *e >= utc);
            Span::Instant(utc, end.unwrap_or(utc))
        }
        TimeValue::Floating(local) | TimeValue::UnknownZone { local, .. } => {
            let end = end
                .filter(|e| !e.is_date())
                .map(TimeValue::local)
                .filter(|e| e >= local);
            Span::WallClock(*local, end.unwrap_or(*local))
        }
    }
}

fn query(base: &str, params: &[(&str, &str)]) -> String {
    let mut out = String::from(base);
    for (i, (name, value)) in params.iter().enumerate() {
        out.push(if i == 0 && !base.contains('?') {
            '?'
        } else {
            '&'
        });
        out.push_str(name);
        out.push('=');
        out.push_str(&encode_query_value(value));
    }
    out
}

pub fn calendar_links(event: &Event, base_url: &str) -> CalendarLinks {
    let ics = CalendarLink {
        label: "Download .ics (Apple Calendar, Outlook, Thunderbird…)",
        href: format!("/e/{}.ics", event.id),
    };
    let Some(start) = event.details.start.as_ref() else {
        return CalendarLinks {
            links: vec![ics],
            wall_clock_only: false,
        };
    };
    let span = span(start, event.details.end.as_ref());
    let title = clean(event.title());
    let location = event.details.location.as_deref().map(clean);
    let location = location.as_deref().unwrap_or("");
    let page = format!("{base_url}/e/{}", event.id);
    let details = match event.details.description.as_deref().map(clean) {
        Some(text) if !text.trim().is_empty() => format!(
            "{}\n\nRSVP: {page}",
            truncate(text.trim(), MAX_DETAILS_CHARS)
        ),
        _ => format!("RSVP: {page}"),
    };

    let (google_dates, iso, compact, all_day) = match span {
        Span::Instant(s, e) => (
            format!(
                "{}/{}",
                s.format("%Y%m%dT%H%M%SZ"),
                e.format("%Y%m%dT%H%M%SZ")
            ),
            (
                s.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                e.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            ),
            (
                s.format("%Y%m%dT%H%M%SZ").to_string(),
                e.format("%Y%m%dT%H%M%SZ").to_string(),
            ),
            false,
        ),
        Span::WallClock(s, e) => (
            format!(
                "{}/{}",
                s.format("%Y%m%dT%H%M%S"),
                e.format("%Y%m%dT%H%M%S")
            ),
            (
                s.format("%Y-%m-%dT%H:%M:%S").to_string(),
                e.format("%Y-%m-%dT%H:%M:%S").to_string(),
            ),
            (
                s.format("%Y%m%dT%H%M%S").to_string(),
                e.format("%Y%m%dT%H%M%S").to_string(),
            ),
            false,
        ),
        Span::Days(first, after) => {
            // Yahoo takes the last day itself; the others the day after, as iCalendar does.
            let last = after.pred_opt().filter(|d| *d >= first).unwrap_or(first);
            (
                format!("{}/{}", first.format("%Y%m%d"), after.format("%Y%m%d")),
                (
                    first.format("%Y-%m-%d").to_string(),
                    after.format("%Y-%m-%d").to_string(),
                ),
                (
                    first.format("%Y%m%d").to_string(),
                    last.format("%Y%m%d").to_string(),
                ),
                true,
            )
        }
    };

    let google = query(
        "https://calendar.google.com/calendar/render",
        &[
            ("action", "TEMPLATE"),
            ("text", &title),
            ("dates", &google_dates),
            ("details", &details),
            ("location", location),
        ],
    );
    let outlook = |host: &str| {
        let mut params = vec![
            ("path", "/calendar/action/compose"),
            ("rru", "addevent"),
            ("subject", title.as_str()),
            ("startdt", iso.0.as_str()),
            ("enddt", iso.1.as_str()),
            ("body", details.as_str()),
            ("location", location),
        ];
        if all_day {
            params.push(("allday", "true"));
        }
        query(
            &format!("https://{host}/calendar/0/deeplink/compose"),
            &params,
        )
    };
    let mut yahoo_params = vec![
        ("v", "60"),
        ("title", title.as_str()),
        ("st", compact.0.as_str()),
        ("et", compact.1.as_str()),
        ("desc", details.as_str()),
        ("in_loc", location),
    ];
    if all_day {
        yahoo_params.push(("dur", "allday"));
    }
    let yahoo = query("https://calendar.yahoo.com/", &yahoo_params);

    CalendarLinks {
        links: vec![
            CalendarLink {
                label: "Google Calendar",
                href: google,
            },
            CalendarLink {
                label: "Outlook.com",
                href: outlook("outlook.live.com"),
            },
            CalendarLink {
                label: "Office 365",
                href: outlook("outlook.office.com"),
            },
            CalendarLink {
                label: "Yahoo Calendar",
                href: yahoo,
            },
            ics,
        ],
        wall_clock_only: matches!(span, Span::WallClock(..)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn at(h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, 5)
            .and_then(|d| d.and_hms_opt(h, 30, 0))
            .unwrap_or_default()
    }

    #[test]
    fn zoned_times_go_out_in_utc() {
        let start = TimeValue::Zoned {
            utc: Utc.from_utc_datetime(&at(16)),
            local: at(11),
            tzid: "America/New_York".into(),
            source_tzid: None,
        };
        let Span::Instant(s, e) = span(&start, None) else {
            panic!("not an instant");
        };
        assert_eq!((s, e), (at(16), at(16)));
    }

    #[test]
    fn a_one_day_event_ends_the_next_day() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap_or_default();
        let Span::Days(first, after) = span(&TimeValue::Date(day), None) else {
            panic!("not days");
        };
        assert_eq!(first, day);
        assert_eq!(
            after,
            NaiveDate::from_ymd_opt(2026, 3, 6).unwrap_or_default()
        );
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            query("https://x.org/", &[("a", "1 2"), ("b", "&")]),
            "https://x.org/?a=1%202&b=%26"
        );
    }
}
