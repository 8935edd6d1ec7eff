//! Timestamps as RFC 3339 text with fixed width, so string order is time order in SQL.

use chrono::{DateTime, SecondsFormat, Utc};

pub fn to_db(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A stored timestamp; one that does not parse is corruption and reported as such, never read
/// as some default time (which could, say, make a message due at once).
pub fn from_db(text: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
}
