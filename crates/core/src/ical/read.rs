//! Reads calendar text into [`CalendarObject`]s with calcard, which tolerates the malformed
//! input real clients send, then maps only the properties Rollcall uses into the typed model.

use super::model::{
    Attendee, CalendarEvent, CalendarObject, Method, Organizer, TimeValue, VTimezone,
};
use super::normalize::normalize;
use super::timezone_blocks;
use super::zones::Zones;
use crate::limits::Limits;
use crate::read_error::ReadError;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarParameterName,
    ICalendarParameterValue, ICalendarProperty, ICalendarValue,
};
use calcard::{Entry, Parser};

/// Reads every VCALENDAR in `bytes` (a bare .ics file or one decoded MIME part).
pub fn read_calendars(bytes: &[u8], limits: &Limits) -> Result<Vec<CalendarObject>, ReadError> {
    if bytes.len() > limits.max_calendar_bytes {
        return Err(ReadError::CalendarTooLarge {
            size: bytes.len(),
            limit: limits.max_calendar_bytes,
        });
    }
    read_normalized(&normalize(bytes), limits)
}

/// Reads every VCALENDAR in calendar text that [`normalize`] made; for a caller that compares
/// or keeps the normalized text.
pub fn read_normalized(text: &str, limits: &Limits) -> Result<Vec<CalendarObject>, ReadError> {
    let timezones = timezone_blocks::extract(text);
    let mut parser = Parser::new(text);
    let mut objects = Vec::new();
    let mut problem = None;
    loop {
        match parser.entry() {
            Entry::ICalendar(calendar) => {
                if calendar.components.len() > limits.max_components {
                    return Err(ReadError::TooManyComponents {
                        limit: limits.max_components,
                    });
                }
                objects.push(convert(&calendar, &timezones, limits)?);
                if objects.len() > limits.max_calendars {
                    return Err(ReadError::TooManyCalendars {
                        limit: limits.max_calendars,
                    });
                }
            }
            Entry::Eof => break,
            Entry::TooManyComponents => {
                return Err(ReadError::TooManyComponents {
                    limit: limits.max_components,
                });
            }
            Entry::UnterminatedComponent(name) => {
                problem = Some(format!("BEGIN:{name} without END:{name}"));
                break;
            }
            Entry::UnexpectedComponentEnd { expected, found } => {
                problem = Some(format!(
                    "END:{} where END:{} was expected",
                    found.as_str(),
                    expected.as_str()
                ));
            }
            // Stray lines and vCards between calendars are noise, not a reason to give up.
            _ => {}
        }
    }
    match (objects.is_empty(), problem) {
        (true, Some(problem)) => Err(ReadError::Malformed(problem)),
        (true, None) => Err(ReadError::Malformed("no BEGIN:VCALENDAR found".to_string())),
        (false, _) => Ok(objects),
    }
}

fn convert(
    calendar: &ICalendar,
    timezones: &[VTimezone],
    limits: &Limits,
) -> Result<CalendarObject, ReadError> {
    let zones = Zones::from_calendar(calendar);
    let mut object = CalendarObject {
        method: None,
        producer: None,
        events: Vec::new(),
        other_components: Vec::new(),
    };
    for component in &calendar.components {
        match &component.component_type {
            ICalendarComponentType::VCalendar => {
                for entry in &component.entries {
                    match entry.name {
                        ICalendarProperty::Method => {
                            object.method = first_text(entry).map(|m| Method::parse(&m))
                        }
                        ICalendarProperty::Prodid => object.producer = first_text(entry),
                        _ => {}
                    }
                }
            }
            ICalendarComponentType::VEvent => {
                let mut event = read_event(component, &zones, limits)?;
                let used = timezone_blocks::used_tzids(&event);
                event.timezones = timezones
                    .iter()
                    .filter(|tz| used.contains(&tz.tzid.as_str()))
                    .cloned()
                    .collect();
                object.events.push(event);
            }
            ICalendarComponentType::VTimezone
            | ICalendarComponentType::Standard
            | ICalendarComponentType::Daylight
            | ICalendarComponentType::VAlarm => {}
            other => object.other_components.push(other.as_str().to_string()),
        }
    }
    Ok(object)
}

fn read_event(
    component: &ICalendarComponent,
    zones: &Zones,
    limits: &Limits,
) -> Result<CalendarEvent, ReadError> {
    let mut event = CalendarEvent {
        uid: None,
        sequence: 0,
        dtstamp: None,
        recurrence_id: None,
        this_and_future: false,
        summary: None,
        description: None,
        location: None,
        url: None,
        status: None,
        start: None,
        end: None,
        duration: None,
        rrule: None,
        rdates: Vec::new(),
        exdates: Vec::new(),
        organizer: None,
        attendees: Vec::new(),
        comments: Vec::new(),
        timezones: Vec::new(),
        transparent: false,
        meeting_url: None,
    };
    let mut duration = None;
    let mut outlook_all_day = false;
    let mut conference = None;
    let mut vendor_meeting = None;
    let attendee_count = component
        .entries
        .iter()
        .filter(|e| e.name == ICalendarProperty::Attendee)
        .count();
    if attendee_count > limits.max_attendees {
        return Err(ReadError::TooManyAttendees {
            count: attendee_count,
            limit: limits.max_attendees,
        });
    }
    for entry in &component.entries {
        match &entry.name {
            ICalendarProperty::Uid => event.uid = first_text(entry),
            ICalendarProperty::Sequence => event.sequence = integer(entry).unwrap_or(0),
            ICalendarProperty::Dtstamp => event.dtstamp = time(entry, zones).and_then(|t| t.utc()),
            ICalendarProperty::RecurrenceId => {
                event.recurrence_id = time(entry, zones);
                event.this_and_future = entry
                    .parameter(&ICalendarParameterName::Range)
                    .and_then(ICalendarParameterValue::as_text)
                    .is_some_and(|r| r.eq_ignore_ascii_case("THISANDFUTURE"));
            }
            ICalendarProperty::Summary => event.summary = joined_text(entry),
            ICalendarProperty::Description => event.description = joined_text(entry),
            ICalendarProperty::Location => event.location = joined_text(entry),
            ICalendarProperty::Url => event.url = first_text(entry),
            ICalendarProperty::Status => {
                event.status = first_text(entry).map(|s| s.to_ascii_uppercase())
            }
            ICalendarProperty::Dtstart => event.start = time(entry, zones),
            ICalendarProperty::Dtend => event.end = time(entry, zones),
            ICalendarProperty::Duration => {
                if let Some(ICalendarValue::Duration(d)) = entry.values.first() {
                    duration = d.to_time_delta();
                    event.duration = Some(d.to_string());
                }
            }
            ICalendarProperty::Rrule => {
                event.rrule = entry.values.first().map(|v| match v {
                    ICalendarValue::RecurrenceRule(rule) => rule.to_string(),
                    other => other.as_text().unwrap_or_default().to_string(),
                });
            }
            ICalendarProperty::Rdate => event.rdates.extend(times(entry, zones)),
            ICalendarProperty::Exdate => event.exdates.extend(times(entry, zones)),
            ICalendarProperty::Organizer => event.organizer = Some(organizer(entry)),
            ICalendarProperty::Attendee => event.attendees.push(attendee(entry)),
            ICalendarProperty::Comment => event.comments.extend(joined_text(entry)),
            ICalendarProperty::Transp => {
                event.transparent =
                    first_text(entry).is_some_and(|v| v.eq_ignore_ascii_case("TRANSPARENT"));
            }
            ICalendarProperty::Conference => conference = conference.or_else(|| web_link(entry)),
            ICalendarProperty::Other(name)
                if MEETING_PROPERTIES
                    .iter()
                    .any(|p| name.eq_ignore_ascii_case(p)) =>
            {
                vendor_meeting = vendor_meeting.or_else(|| web_link(entry));
            }
            ICalendarProperty::Other(name) if name.eq_ignore_ascii_case(OUTLOOK_ALL_DAY) => {
                outlook_all_day = first_text(entry).is_some_and(|v| v.eq_ignore_ascii_case("TRUE"));
            }
            _ => {}
        }
    }
    if event.end.is_none()
        && let (Some(start), Some(duration)) = (&event.start, duration)
    {
        event.end = shift(start, duration);
    }
    if outlook_all_day {
        all_day_from_midnights(&mut event);
    }
    event.meeting_url = conference
        .or(vendor_meeting)
        .or_else(|| event.url.as_deref().and_then(web_url))
        .or_else(|| event.location.as_deref().and_then(meeting_link_in))
        .or_else(|| event.description.as_deref().and_then(meeting_link_in));
    Ok(event)
}

/// Hosts whose links are video meetings. Google Calendar often writes its Meet link only in
/// the description, and Zoom's add-ins in the location: a link to one of these there is the
/// meeting link; any other link in free text is just a link.
const MEETING_HOSTS: [&str; 6] = [
    "meet.google.com",
    "zoom.us",
    "teams.microsoft.com",
    "teams.live.com",
    "webex.com",
    "meet.jit.si",
];

/// The first link in `text` to a [`MEETING_HOSTS`] host (or a subdomain of one).
fn meeting_link_in(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '(' | ')'))
        .map(|word| word.trim_end_matches(['.', ',', ';', ':', '!', '?']))
        .filter_map(web_url)
        .find(|link| {
            let rest = link.split_once("://").map_or("", |(_, rest)| rest);
            let host = rest
                .split(['/', '?', '#', ':'])
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            MEETING_HOSTS
                .iter()
                .any(|known| host == *known || host.ends_with(&format!(".{known}")))
        })
}

/// Where Google Calendar and Outlook/Teams put the meeting link.
const MEETING_PROPERTIES: [&str; 4] = [
    "X-GOOGLE-CONFERENCE",
    "X-MICROSOFT-SKYPETEAMSMEETINGURL",
    "X-MICROSOFT-ONLINEMEETINGCONFLINK",
    "X-MICROSOFT-ONLINEMEETINGEXTERNALLINK",
];

/// Longest meeting link kept; real ones are well under it.
const MAX_LINK_CHARS: usize = 2048;

/// A property's value as a web link, if it is one.
fn web_link(entry: &ICalendarEntry) -> Option<String> {
    first_text(entry).as_deref().and_then(web_url)
}

/// `https:`/`http:` links only (never `javascript:` or `data:`), without blanks or control
/// characters, bounded: what pages and mail may offer as a link to press.
fn web_url(text: &str) -> Option<String> {
    let text = text.trim();
    // `get`, not slicing: the text is anyone's, and its first bytes need not end a character.
    let scheme_ok = ["https://", "http://"].iter().any(|s| {
        text.len() > s.len()
            && text
                .get(..s.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(s))
    });
    let clean = !text.chars().any(|c| c.is_whitespace() || c.is_control());
    (scheme_ok && clean && text.chars().count() <= MAX_LINK_CHARS).then(|| text.to_string())
}

/// Outlook and Exchange mark all-day events with this and write them midnight to midnight in
/// the organizer's zone, rather than as dates.
const OUTLOOK_ALL_DAY: &str = "X-MICROSOFT-CDO-ALLDAYEVENT";

/// An event flagged all-day whose start (and end) fall on local midnight becomes the dates it
/// covers, as every calendar shows it; a flag on other times is ignored.
fn all_day_from_midnights(event: &mut CalendarEvent) {
    let midnight = |t: &TimeValue| match t {
        TimeValue::Date(_) => None,
        other => (other.local().time() == chrono::NaiveTime::MIN).then(|| other.local().date()),
    };
    let Some(first) = event.start.as_ref().and_then(midnight) else {
        return;
    };
    let last = match &event.end {
        None => None,
        Some(end) => match midnight(end) {
            Some(day) if day > first => Some(day),
            _ => return,
        },
    };
    event.start = Some(TimeValue::Date(first));
    event.end = last.map(TimeValue::Date);
}

/// DTSTART + DURATION, keeping the kind of time DTSTART had.
fn shift(start: &TimeValue, by: chrono::TimeDelta) -> Option<TimeValue> {
    Some(match start {
        TimeValue::Date(date) => TimeValue::Date(date.checked_add_signed(by)?),
        TimeValue::Zoned {
            utc,
            local,
            tzid,
            source_tzid,
        } => TimeValue::Zoned {
            utc: utc.checked_add_signed(by)?,
            local: local.checked_add_signed(by)?,
            tzid: tzid.clone(),
            source_tzid: source_tzid.clone(),
        },
        TimeValue::Floating(local) => TimeValue::Floating(local.checked_add_signed(by)?),
        TimeValue::UnknownZone { local, tzid } => TimeValue::UnknownZone {
            local: local.checked_add_signed(by)?,
            tzid: tzid.clone(),
        },
    })
}

fn is_date_valued(entry: &ICalendarEntry) -> bool {
    entry
        .parameter(&ICalendarParameterName::Value)
        .and_then(ICalendarParameterValue::as_text)
        .is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
}

fn time(entry: &ICalendarEntry, zones: &Zones) -> Option<TimeValue> {
    let value = entry.values.first()?.as_partial_date_time()?;
    zones.resolve(value, entry.tz_id(), is_date_valued(entry))
}

fn times<'a>(entry: &'a ICalendarEntry, zones: &'a Zones) -> impl Iterator<Item = TimeValue> + 'a {
    let date_only = is_date_valued(entry);
    entry
        .values
        .iter()
        .filter_map(move |v| zones.resolve(v.as_partial_date_time()?, entry.tz_id(), date_only))
}

fn first_text(entry: &ICalendarEntry) -> Option<String> {
    let value = entry.values.first()?;
    let text = match value {
        ICalendarValue::Uri(uri) => uri.as_str().map(str::to_string),
        ICalendarValue::Integer(n) => Some(n.to_string()),
        other => other.as_text().map(str::to_string),
    }?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Text properties are single values, but lenient parsing can split unescaped commas.
fn joined_text(entry: &ICalendarEntry) -> Option<String> {
    let parts: Vec<&str> = entry.values.iter().filter_map(|v| v.as_text()).collect();
    let text = parts.join(",");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn integer(entry: &ICalendarEntry) -> Option<i64> {
    match entry.values.first()? {
        ICalendarValue::Integer(n) => Some(*n),
        other => other.as_text()?.trim().parse().ok(),
    }
}

fn param_text(entry: &ICalendarEntry, name: &ICalendarParameterName) -> Option<String> {
    let text = entry.parameter(name)?.as_text()?.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn param_addresses(entry: &ICalendarEntry, name: &ICalendarParameterName) -> Vec<String> {
    entry
        .parameters(name)
        .filter_map(ICalendarParameterValue::as_text)
        .filter_map(mail_address)
        .collect()
}

/// The mail address of a calendar user address: `mailto:` stripped (any case), `None` for other
/// schemes such as Google's `invalid:nomail` for rooms and groups.
pub fn mail_address(value: &str) -> Option<String> {
    let mut address = value.trim();
    // Some Exchange exports double the scheme: `mailto:MAILTO:someone@example.com`.
    while let Some((scheme, rest)) = address.split_once(':') {
        if !scheme.eq_ignore_ascii_case("mailto") {
            return None;
        }
        address = rest.trim();
    }
    (address.contains('@') && !address.contains(char::is_whitespace)).then(|| address.to_string())
}

fn address_of(entry: &ICalendarEntry) -> Option<String> {
    match entry.values.first()? {
        ICalendarValue::Uri(uri) => uri.as_str().and_then(mail_address),
        other => other.as_text().and_then(mail_address),
    }
}

fn organizer(entry: &ICalendarEntry) -> Organizer {
    Organizer {
        email: address_of(entry),
        name: param_text(entry, &ICalendarParameterName::Cn),
        sent_by: param_text(entry, &ICalendarParameterName::SentBy).and_then(|s| mail_address(&s)),
    }
}

fn attendee(entry: &ICalendarEntry) -> Attendee {
    Attendee {
        email: address_of(entry),
        name: param_text(entry, &ICalendarParameterName::Cn),
        partstat: param_text(entry, &ICalendarParameterName::Partstat)
            .map(|s| s.to_ascii_uppercase()),
        role: param_text(entry, &ICalendarParameterName::Role).map(|s| s.to_ascii_uppercase()),
        rsvp: match entry.parameter(&ICalendarParameterName::Rsvp) {
            Some(ICalendarParameterValue::Bool(b)) => Some(*b),
            Some(other) => other.as_text().map(|t| t.eq_ignore_ascii_case("TRUE")),
            None => None,
        },
        delegated_to: param_addresses(entry, &ICalendarParameterName::DelegatedTo),
        delegated_from: param_addresses(entry, &ICalendarParameterName::DelegatedFrom),
    }
}

#[cfg(test)]
mod tests;
