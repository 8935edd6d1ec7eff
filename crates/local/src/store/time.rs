//! Timestamps as RFC 3339 text with fixed width, so string order is time order in SQL.

use chrono::{DateTime, SecondsFormat, Utc};

pub fn to_db(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn from_db(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}
