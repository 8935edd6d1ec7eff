//! The JSON shape of `rollcall parse`: one object per VEVENT, a contract other tools and the
//! corpus snapshots rely on. Unknown values are `null`, never invented.

use super::{ReadError, ReadMessage};
use crate::ical::{Attendee, CalendarEvent, Method, Organizer, TimeValue};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct EventLine<'a> {
    pub file: &'a str,
    pub method: Option<&'a str>,
    pub mime_method: Option<&'a str>,
    pub uid: Option<&'a str>,
    pub sequence: i64,
    pub dtstamp: Option<String>,
    pub recurrence_id: Option<String>,
    pub summary: Option<&'a str>,
    pub description: Option<&'a str>,
    pub organizer: Option<OrganizerLine<'a>>,
    pub attendees: Vec<AttendeeLine<'a>>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub all_day: bool,
    pub tzid: Option<&'a str>,
    pub rrule: Option<&'a str>,
    pub rdate: Vec<String>,
    pub exdate: Vec<String>,
    pub location: Option<&'a str>,
    pub url: Option<&'a str>,
    pub status: Option<&'a str>,
    /// `TRANSP:TRANSPARENT`: the event does not make its attendees busy.
    pub transparent: bool,
    /// Where to join online, from whichever property the client used.
    pub meeting_url: Option<&'a str>,
    pub comment: Vec<&'a str>,
    pub producer: Option<&'a str>,
    pub warnings: &'a [String],
}

#[derive(Debug, Serialize)]
pub struct OrganizerLine<'a> {
    pub email: Option<&'a str>,
    pub name: Option<&'a str>,
    pub sent_by: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct AttendeeLine<'a> {
    pub email: Option<&'a str>,
    pub name: Option<&'a str>,
    pub partstat: Option<&'a str>,
    pub role: Option<&'a str>,
    pub rsvp: Option<bool>,
    pub delegated_to: &'a [String],
    pub delegated_from: &'a [String],
}

#[derive(Debug, Serialize)]
pub struct ErrorLine<'a> {
    pub file: &'a str,
    pub error: String,
}

/// One line per VEVENT of a successfully read file.
pub fn event_lines<'a>(file: &'a str, read: &'a ReadMessage) -> Vec<EventLine<'a>> {
    read.calendars
        .iter()
        .flat_map(|calendar| {
            let method = calendar.method().map(Method::as_str);
            let mime_method = calendar.mime_method.as_ref().map(Method::as_str);
            let producer = calendar.object.producer.as_deref();
            calendar
                .object
                .events
                .iter()
                .map(move |event| line(file, method, mime_method, producer, event, &read.warnings))
        })
        .collect()
}

/// Anything that can explain why a file gave no events: a read verdict, or an I/O failure
/// of the caller's.
pub trait AsErrorLine {
    fn kind(&self) -> &'static str;
    fn reason(&self) -> String;
}

impl AsErrorLine for ReadError {
    fn kind(&self) -> &'static str {
        ReadError::kind(self)
    }
    fn reason(&self) -> String {
        self.to_string()
    }
}

pub fn error_line<'a>(file: &'a str, error: &impl AsErrorLine) -> ErrorLine<'a> {
    ErrorLine {
        file,
        error: format!("{}: {}", error.kind(), error.reason()),
    }
}

fn line<'a>(
    file: &'a str,
    method: Option<&'a str>,
    mime_method: Option<&'a str>,
    producer: Option<&'a str>,
    event: &'a CalendarEvent,
    warnings: &'a [String],
) -> EventLine<'a> {
    EventLine {
        file,
        method,
        mime_method,
        uid: event.uid.as_deref(),
        sequence: event.sequence,
        dtstamp: event
            .dtstamp
            .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        recurrence_id: event
            .recurrence_id
            .as_ref()
            .map(TimeValue::to_contract_string),
        summary: event.summary.as_deref(),
        description: event.description.as_deref(),
        organizer: event.organizer.as_ref().map(organizer),
        attendees: event.attendees.iter().map(attendee).collect(),
        start: event.start.as_ref().map(TimeValue::to_contract_string),
        end: event.end.as_ref().map(TimeValue::to_contract_string),
        all_day: event.start.as_ref().is_some_and(TimeValue::is_date),
        tzid: event.start.as_ref().and_then(TimeValue::tzid),
        rrule: event.rrule.as_deref(),
        rdate: event
            .rdates
            .iter()
            .map(TimeValue::to_contract_string)
            .collect(),
        exdate: event
            .exdates
            .iter()
            .map(TimeValue::to_contract_string)
            .collect(),
        location: event.location.as_deref(),
        url: event.url.as_deref(),
        status: event.status.as_deref(),
        transparent: event.transparent,
        meeting_url: event.meeting_url.as_deref(),
        comment: event.comments.iter().map(String::as_str).collect(),
        producer,
        warnings,
    }
}

fn organizer(o: &Organizer) -> OrganizerLine<'_> {
    OrganizerLine {
        email: o.email.as_deref(),
        name: o.name.as_deref(),
        sent_by: o.sent_by.as_deref(),
    }
}

fn attendee(a: &Attendee) -> AttendeeLine<'_> {
    AttendeeLine {
        email: a.email.as_deref(),
        name: a.name.as_deref(),
        partstat: a.partstat.as_deref(),
        role: a.role.as_deref(),
        rsvp: a.rsvp,
        delegated_to: &a.delegated_to,
        delegated_from: &a.delegated_from,
    }
}
