//! Turns a DATE-TIME with its TZID into a [`TimeValue`]. A calendar's own VTIMEZONE is the
//! definition of its TZID (RFC 5545 §3.6.5), so its rules give the UTC instant whenever they
//! can be evaluated for the time asked. Only when there is no VTIMEZONE for the TZID, or it has
//! no observance we can evaluate at that time, is the name mapped instead: IANA names, Windows
//! names and vendor-prefixed names through calcard's resolver. Neither: "unknown zone".

use super::model::TimeValue;
use super::vtimezone::ZoneRules;
use calcard::common::PartialDateTime;
use calcard::common::timezone::Tz;
use calcard::icalendar::{ICalendar, ICalendarComponentType, ICalendarProperty, ICalendarValue};
use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Offset, TimeZone, Utc};
use std::collections::HashMap;
use std::str::FromStr;

/// What a TZID's name maps to, without the sender's rules.
#[derive(Debug, Clone, Copy)]
enum Mapped {
    Named(chrono_tz::Tz),
    /// A fixed offset calcard guessed from a name like "(GMT-08.00) Pacific Time".
    Fixed(FixedOffset),
}

/// One TZID: the sender's rules where there are any, and what the name maps to.
#[derive(Debug, Clone)]
struct Zone {
    rules: Option<ZoneRules>,
    mapped: Option<Mapped>,
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
            // The mapping still names the zone (an IANA name is what pages and generated
            // blocks use) and stands in where the sender's rules cannot be evaluated. calcard
            // also understands X-LIC-LOCATION and X-MICROSOFT-CDO-TZID here.
            let zone = Zone {
                rules: ZoneRules::from_component(component, &calendar.components),
                mapped: component.timezone().and_then(|(_, tz)| mapped(tz)),
            };
            if zone.rules.is_some() || zone.mapped.is_some() {
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
        let zone = match self.defined.get(tzid) {
            Some(zone) => zoned(zone.rules.as_ref(), zone.mapped, local, tzid),
            None => zoned(None, Tz::from_str(tzid).ok().and_then(mapped), local, tzid),
        };
        zone.unwrap_or_else(|| TimeValue::UnknownZone {
            local,
            tzid: tzid.to_string(),
        })
    }
}

fn mapped(tz: Tz) -> Option<Mapped> {
    match tz {
        Tz::Tz(named) => Some(Mapped::Named(named)),
        Tz::Fixed(offset) => Some(Mapped::Fixed(offset)),
        Tz::Floating => None,
    }
}

/// The sender's rules give the instant; the mapping gives it only where they cannot. The zone
/// is named by its IANA name where the TZID maps to one, even when the instant is the sender's:
/// the name is what pages show and what outgoing blocks are generated for, while
/// `source_tzid` keeps the TZID the sender's VTIMEZONE goes by. The exception is an `Etc/...`
/// name, which calcard guesses from the offset in a label like "(GMT-08.00) Pacific Time":
/// it names one fixed offset, so it cannot name a zone whose instant came from rules with DST.
fn zoned(
    rules: Option<&ZoneRules>,
    mapped: Option<Mapped>,
    local: NaiveDateTime,
    written_tzid: &str,
) -> Option<TimeValue> {
    let from_rules = rules
        .filter(|rules| mapped.is_none() || !rules.outdated_at(local))
        .and_then(|rules| rules.to_utc(local));
    let utc = from_rules.or_else(|| match mapped? {
        Mapped::Named(tz) => Some(named_to_utc(tz, local)),
        Mapped::Fixed(offset) => {
            local.checked_sub_signed(Duration::seconds(i64::from(offset.local_minus_utc())))
        }
    })?;
    let tzid = match mapped {
        Some(Mapped::Named(tz)) if from_rules.is_none() || !tz.name().starts_with("Etc/") => {
            tz.name().to_string()
        }
        _ => written_tzid.to_string(),
    };
    let source_tzid = (tzid != written_tzid).then(|| written_tzid.to_string());
    Some(TimeValue::Zoned {
        utc: DateTime::<Utc>::from_naive_utc_and_offset(utc, Utc),
        local,
        tzid,
        source_tzid,
    })
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

#[cfg(test)]
#[path = "zones_tests.rs"]
mod tests;
