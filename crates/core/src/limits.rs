//! Bounds on the work one inbound message may cause. Everything from mail is hostile until
//! parsed; these keep a hostile message from costing more than a normal one by orders of size.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Whole raw message, headers included.
    pub max_message_bytes: usize,
    /// MIME parts, counted across forwarded messages too.
    pub max_parts: usize,
    /// Depth of multipart / message-in-message nesting.
    pub max_depth: usize,
    /// Text of one calendar object after transfer decoding.
    pub max_calendar_bytes: usize,
    /// Calendar parts in one message, and VCALENDAR objects in one part or file.
    pub max_calendars: usize,
    /// Components (VEVENT, VTIMEZONE, ...) in one calendar object.
    pub max_components: usize,
    /// ATTENDEE lines on one VEVENT.
    pub max_attendees: usize,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        max_message_bytes: 10 * 1024 * 1024,
        max_parts: 100,
        max_depth: 8,
        max_calendar_bytes: 2 * 1024 * 1024,
        max_calendars: 64,
        max_components: 500,
        max_attendees: 2000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
