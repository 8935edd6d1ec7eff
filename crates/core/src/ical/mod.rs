//! iCalendar (RFC 5545) reading: normalization of what real clients send, parsing with calcard,
//! time-zone resolution, and the typed model.

mod model;
mod normalize;
mod read;
mod timezone_blocks;
mod vtimezone;
mod zones;

pub use model::{Attendee, CalendarEvent, CalendarObject, Method, Organizer, TimeValue, VTimezone};
pub use normalize::normalize;
pub use read::{mail_address, read_calendars, read_normalized};
pub use zones::Zones;
