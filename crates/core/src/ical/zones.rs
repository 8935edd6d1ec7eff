//! Turns a DATE-TIME with its TZID into a [`TimeValue`]: IANA names, Windows names and
//! vendor-prefixed names through calcard's resolver, then the sender's own VTIMEZONE rules,
//! and only then "unknown zone".

use super::model::TimeValue;
use super::vtimezone::ZoneRules;
use calcard::common::PartialDateTime;
use calcard::common::timezone::Tz;
use calcard::icalendar::{ICalendar, ICalendarComponentType, ICalendarProperty, ICalendarValue};
use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Offset, TimeZone, Utc};
use std::collections::HashMap;
use std::str::FromStr;

#[derive(Debug, Clone)]
enum Zone {
    Named(chrono_tz::Tz),
    Fixed(FixedOffset),
    Rules(ZoneRules),
}

/// The zones one VCALENDAR defines, looked up by TZID.
#[derive(Debug, Default)]
pub struct Zones {
    defined: HashMap<String, Zone>,
}

impl Zones {
    pub fn from_calendar(calendar: &ICalendar) -> Zones {
        let mut defined = HashMap::new();
        for component in &calendar.components {
            if component.component_type != ICalendarComponentType::VTimezone {
                continue;
            }
            let Some(tzid) =
                component
                    .entries
                    .iter()
                    .find_map(|e| match (&e.name, e.values.first()) {
                        (ICalendarProperty::Tzid, Some(ICalendarValue::Text(id))) => {
                            Some(id.clone())
                        }
                        _ => None,
                    })
            else {
                continue;
            };
            // calcard also understands X-LIC-LOCATION and X-MICROSOFT-CDO-TZID here.
            // A named zone knows every year's rules; the sender's own rules beat a fixed offset
            // that calcard guessed from a name like "(GMT-08.00) Pacific Time", which has no DST.
            let zone = match component.timezone().map(|(_, tz)| tz) {
                Some(Tz::Tz(named)) => Some(Zone::Named(named)),
                guessed => ZoneRules::from_component(component, &calendar.components)
                    .map(Zone::Rules)
                    .or_else(|| guessed.and_then(zone_from_calcard)),
            };
            if let Some(zone) = zone {
                defined.insert(tzid, zone);
            }
        }
        Zones { defined }
    }

    /// Resolves a calendar date or date-time with the TZID parameter of its property.
    pub fn resolve(
        &self,
        value: &PartialDateTime,
        tzid: Option<&str>,
        date_only: bool,
    ) -> Option<TimeValue> {
        let parsed = value.to_date_time()?;
        if date_only || !value.has_time() {
            return Some(TimeValue::Date(parsed.date_time.date()));
        }
        let local = parsed.date_time;
        if let Some(offset) = parsed.offset {
            let utc = local - Duration::seconds(i64::from(offset.local_minus_utc()));
            let tzid = if offset.local_minus_utc() == 0 {
                "UTC".to_string()
            } else {
                offset.to_string()
            };
            return Some(TimeValue::Zoned {
                utc: utc.and_utc(),
                local,
                tzid,
                source_tzid: None,
            });
        }
        let Some(tzid) = tzid.map(str::trim).filter(|t| !t.is_empty()) else {
            return Some(TimeValue::Floating(local));
        };
        Some(self.at_local(local, tzid))
    }

    /// The wall time `local` in the zone named `tzid`, read as a DATE-TIME with that TZID is.
    pub fn at_local(&self, local: NaiveDateTime, tzid: &str) -> TimeValue {
        let zone = self
            .defined
            .get(tzid)
            .cloned()
            .or_else(|| Tz::from_str(tzid).ok().and_then(zone_from_calcard));
        match zone {
            Some(zone) => zoned(&zone, local, tzid),
            None => TimeValue::UnknownZone {
                local,
                tzid: tzid.to_string(),
            },
        }
    }
}

fn zone_from_calcard(tz: Tz) -> Option<Zone> {
    match tz {
        Tz::Tz(named) => Some(Zone::Named(named)),
        Tz::Fixed(offset) => Some(Zone::Fixed(offset)),
        Tz::Floating => None,
    }
}

fn zoned(zone: &Zone, local: NaiveDateTime, written_tzid: &str) -> TimeValue {
    let (utc, tzid) = match zone {
        Zone::Named(tz) => (named_to_utc(*tz, local), tz.name().to_string()),
        Zone::Fixed(offset) => (
            local - Duration::seconds(i64::from(offset.local_minus_utc())),
            written_tzid.to_string(),
        ),
        Zone::Rules(rules) => (
            local - Duration::seconds(i64::from(rules.offset_at(local))),
            written_tzid.to_string(),
        ),
    };
    let source_tzid = (tzid != written_tzid).then(|| written_tzid.to_string());
    TimeValue::Zoned {
        utc: DateTime::<Utc>::from_naive_utc_and_offset(utc, Utc),
        local,
        tzid,
        source_tzid,
    }
}

/// An ambiguous wall time (fall back) takes its first occurrence, as calendar clients do; one in
/// a spring-forward gap is read with the offset in force before the gap (RFC 5545 §3.3.5).
fn named_to_utc(tz: chrono_tz::Tz, local: NaiveDateTime) -> NaiveDateTime {
    if let Some(dt) = tz.from_local_datetime(&local).earliest() {
        return dt.naive_utc();
    }
    match tz
        .from_local_datetime(&(local - Duration::hours(3)))
        .earliest()
    {
        Some(before) => {
            local - Duration::seconds(i64::from(before.offset().fix().local_minus_utc()))
        }
        None => local,
    }
}
