//! The typed calendar model Rollcall works with, independent of the parser that filled it.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

/// iTIP method (RFC 5546 §1.4). `Other` keeps what a client invented rather than dropping it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Method {
    Publish,
    Request,
    Reply,
    Add,
    Cancel,
    Refresh,
    Counter,
    DeclineCounter,
    Other(String),
}

impl Method {
    pub fn parse(text: &str) -> Method {
        match text.trim().to_ascii_uppercase().as_str() {
            "PUBLISH" => Method::Publish,
            "REQUEST" => Method::Request,
            "REPLY" => Method::Reply,
            "ADD" => Method::Add,
            "CANCEL" => Method::Cancel,
            "REFRESH" => Method::Refresh,
            "COUNTER" => Method::Counter,
            "DECLINECOUNTER" => Method::DeclineCounter,
            other => Method::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Method::Publish => "PUBLISH",
            Method::Request => "REQUEST",
            Method::Reply => "REPLY",
            Method::Add => "ADD",
            Method::Cancel => "CANCEL",
            Method::Refresh => "REFRESH",
            Method::Counter => "COUNTER",
            Method::DeclineCounter => "DECLINECOUNTER",
            Method::Other(other) => other,
        }
    }
}

/// A point in time as the calendar expressed it. Keeping the four cases apart matters:
/// an all-day date is not midnight UTC, and a floating time is not UTC either.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimeValue {
    /// `VALUE=DATE`: a whole day, wherever the viewer is.
    Date(NaiveDate),
    /// A time fixed to the timeline: UTC (`Z`), a resolved TZID, or a VTIMEZONE definition.
    /// `tzid` is the IANA name where one is known, otherwise the TZID as the sender wrote it.
    Zoned {
        utc: DateTime<Utc>,
        local: NaiveDateTime,
        tzid: String,
        /// The TZID as the sender wrote it, when that differs from `tzid` (a Windows name
        /// resolved to IANA, say): outgoing calendars must reference the sender's VTIMEZONE by it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source_tzid: Option<String>,
    },
    /// No zone at all: the same wall-clock time in every zone (RFC 5545 §3.3.5 form #1).
    Floating(NaiveDateTime),
    /// A TZID we could neither resolve nor find a VTIMEZONE for: the wall-clock time is all we know.
    UnknownZone { local: NaiveDateTime, tzid: String },
}

impl TimeValue {
    pub fn is_date(&self) -> bool {
        matches!(self, TimeValue::Date(_))
    }

    /// The zone name as reported to users: IANA or sender's TZID; `None` for dates and floating times.
    pub fn tzid(&self) -> Option<&str> {
        match self {
            TimeValue::Zoned { tzid, .. } | TimeValue::UnknownZone { tzid, .. } => Some(tzid),
            TimeValue::Date(_) | TimeValue::Floating(_) => None,
        }
    }

    /// The wall-clock time in the event's own zone (dates at midnight).
    pub fn local(&self) -> NaiveDateTime {
        match self {
            TimeValue::Date(date) => date.and_hms_opt(0, 0, 0).unwrap_or_default(),
            TimeValue::Zoned { local, .. }
            | TimeValue::Floating(local)
            | TimeValue::UnknownZone { local, .. } => *local,
        }
    }

    /// The instant on the timeline, where there is one.
    pub fn utc(&self) -> Option<DateTime<Utc>> {
        match self {
            TimeValue::Zoned { utc, .. } => Some(*utc),
            _ => None,
        }
    }

    /// The machine form used in JSON and logs: `2026-03-05`, `2026-03-05T16:00:00Z`,
    /// or `2026-03-05T16:00:00` for wall-clock-only times.
    pub fn to_contract_string(&self) -> String {
        match self {
            TimeValue::Date(date) => date.format("%Y-%m-%d").to_string(),
            TimeValue::Zoned { utc, .. } => utc.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            TimeValue::Floating(local) | TimeValue::UnknownZone { local, .. } => {
                local.format("%Y-%m-%dT%H:%M:%S").to_string()
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organizer {
    /// The calendar address without `mailto:`; `None` when it is not a mail address.
    pub email: Option<String>,
    pub name: Option<String>,
    pub sent_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    pub email: Option<String>,
    pub name: Option<String>,
    pub partstat: Option<String>,
    pub role: Option<String>,
    pub rsvp: Option<bool>,
    pub delegated_to: Vec<String>,
    pub delegated_from: Vec<String>,
}

/// One VEVENT, read and resolved. The default has no properties at all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEvent {
    pub uid: Option<String>,
    pub sequence: i64,
    pub dtstamp: Option<DateTime<Utc>>,
    pub recurrence_id: Option<TimeValue>,
    /// `RANGE=THISANDFUTURE` on the RECURRENCE-ID.
    pub this_and_future: bool,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub url: Option<String>,
    pub status: Option<String>,
    pub start: Option<TimeValue>,
    pub end: Option<TimeValue>,
    /// The DURATION property as written, when the event used one instead of DTEND.
    pub duration: Option<String>,
    pub rrule: Option<String>,
    pub rdates: Vec<TimeValue>,
    pub exdates: Vec<TimeValue>,
    pub organizer: Option<Organizer>,
    pub attendees: Vec<Attendee>,
    pub comments: Vec<String>,
    /// The sender's own VTIMEZONE definitions for the TZIDs this event uses.
    #[serde(default)]
    pub timezones: Vec<VTimezone>,
    /// `TRANSP:TRANSPARENT`: the event does not make attendees busy.
    #[serde(default)]
    pub transparent: bool,
    /// Where to join online: RFC 7986 `CONFERENCE`, Google's or Microsoft's meeting link, or a
    /// web `URL` (Zoom writes its link there). Only `https:`/`http:` links are kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_url: Option<String>,
}

/// A VTIMEZONE as the sender defined it, reduced to the properties a time zone may hold
/// (anything else is dropped, so re-sending it cannot carry foreign content along).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VTimezone {
    pub tzid: String,
    /// Unfolded content lines from `BEGIN:VTIMEZONE` to `END:VTIMEZONE`, inclusive.
    pub lines: Vec<String>,
}

/// One VCALENDAR object with what it says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarObject {
    /// The METHOD property of the VCALENDAR; `None` for a stored object without one.
    pub method: Option<Method>,
    pub producer: Option<String>,
    pub events: Vec<CalendarEvent>,
    /// Names of other component types present (VTODO, VJOURNAL ...), for diagnostics.
    pub other_components: Vec<String>,
}
