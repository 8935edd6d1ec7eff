//! Why a message or file yielded no calendar events. Each variant is a verdict on the input
//! ("this message is unacceptable"), never an internal failure, so it is recorded, not retried.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReadError {
    #[error("message too large: {size} bytes exceeds the limit of {limit}")]
    MessageTooLarge { size: usize, limit: usize },
    #[error("too many MIME parts: more than {limit}")]
    TooManyParts { limit: usize },
    #[error("MIME nesting too deep: more than {limit} levels")]
    TooDeep { limit: usize },
    #[error("calendar too large: {size} bytes exceeds the limit of {limit}")]
    CalendarTooLarge { size: usize, limit: usize },
    #[error("too many calendar parts: more than {limit}")]
    TooManyCalendars { limit: usize },
    #[error("too many calendar components: more than {limit}")]
    TooManyComponents { limit: usize },
    #[error("too many attendees: {count} exceeds the limit of {limit}")]
    TooManyAttendees { count: usize, limit: usize },
    #[error("not a MIME message or iCalendar file")]
    NotMail,
    #[error("no calendar part (text/calendar, application/ics or .ics attachment) found")]
    NoCalendar,
    #[error(
        "Microsoft TNEF (winmail.dat) invitation without an iCalendar part; ask the sender to turn off rich text (TNEF) for this recipient"
    )]
    UnsupportedTnef,
    #[error("calendar could not be parsed: {0}")]
    Malformed(String),
    #[error("calendar has no VEVENT{}", describe_others(.0))]
    NoEvent(Vec<String>),
}

fn describe_others(others: &[String]) -> String {
    if others.is_empty() {
        String::new()
    } else {
        format!(" (found {})", others.join(", "))
    }
}

impl ReadError {
    /// A short stable name for scripts and the `parse` command's `error` field.
    pub fn kind(&self) -> &'static str {
        match self {
            ReadError::MessageTooLarge { .. } => "too-large",
            ReadError::TooManyParts { .. } => "too-many-parts",
            ReadError::TooDeep { .. } => "too-deep",
            ReadError::CalendarTooLarge { .. } => "calendar-too-large",
            ReadError::TooManyCalendars { .. } => "too-many-calendars",
            ReadError::TooManyComponents { .. } => "too-many-components",
            ReadError::TooManyAttendees { .. } => "too-many-attendees",
            ReadError::NotMail => "not-mail",
            ReadError::NoCalendar => "no-calendar",
            ReadError::UnsupportedTnef => "unsupported",
            ReadError::Malformed(_) => "malformed",
            ReadError::NoEvent(_) => "no-event",
        }
    }
}
