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
    /// The event repeats: only Google's link and the `.ics` carry the rule; the page says the
    /// other links add the first date.
    pub recurring: bool,
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
            recurring: false,
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

    let mut google_params = vec![
        ("action", "TEMPLATE"),
        ("text", title.as_str()),
        ("dates", google_dates.as_str()),
        ("details", details.as_str()),
        ("location", location),
    ];
    let recur = google_recurrence(event);
    if let Some((recur, zoned)) = &recur {
        google_params.push(("recur", recur.as_str()));
        if let Some((dates, zone)) = zoned {
            google_params[2].1 = dates.as_str();
            google_params.push(("ctz", zone));
        }
    }
    let google = query(
        "https://calendar.google.com/calendar/render",
        &google_params,
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
        recurring: event.details.rrule.is_some(),
    }
}

/// Google's `recur` (`RRULE:…`) for a series, and for a zoned one its wall-clock `dates` and
/// `ctz`: a rule repeats on the wall clock, so in UTC its occurrences would slide by an hour at
/// every summer-time change. A zone without an IANA name keeps UTC, the best there is; dates
/// and floating times are wall-clock already.
fn google_recurrence(event: &Event) -> Option<(String, Option<(String, &'static str)>)> {
    let rule: String = event
        .details
        .rrule
        .as_deref()?
        .trim()
        .chars()
        .take_while(|c| !c.is_control())
        .collect();
    let recur = format!("RRULE:{rule}");
    let zoned = match event.details.start.as_ref() {
        Some(TimeValue::Zoned { tzid, local, .. }) => {
            tzid.parse::<chrono_tz::Tz>().ok().map(|zone| {
                let length = event
                    .details
                    .end
                    .as_ref()
                    .map(|end| end.local() - *local)
                    .filter(|l| *l >= chrono::TimeDelta::zero())
                    .unwrap_or_default();
                let dates = format!(
                    "{}/{}",
                    local.format("%Y%m%dT%H%M%S"),
                    (*local + length).format("%Y%m%dT%H%M%S")
                );
                (dates, zone.name())
            })
        }
        _ => None,
    };
    Some((recur, zoned))
}
