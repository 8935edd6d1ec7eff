//! How each time of the organizer's event is written, and the VTIMEZONE blocks those times need:
//! the sender's own block where the organizer's calendar sent one, one generated from chrono-tz
//! for an IANA name otherwise, and UTC when neither is possible.

use super::ics::{Ics, param_safe};
use calcard::icalendar::{ICalendar, ICalendarComponent, ICalendarComponentType};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use rollcall_core::ical::{TimeValue, VTimezone};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

/// One time as it will be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form<'a> {
    /// `;VALUE=DATE:20260305`
    Date(NaiveDate),
    /// `:20260305T160000Z`
    Utc(NaiveDateTime),
    /// `:20260305T110000`, floating (also where the zone is unknown: the wall time is all we have).
    Local(NaiveDateTime),
    /// `;TZID=<tzid>:20260305T110000`, with a VTIMEZONE for `tzid` in the calendar.
    Zoned { local: NaiveDateTime, tzid: &'a str },
}

impl Form<'_> {
    /// Writes `NAME[;params]:value` as one content line.
    pub fn write(&self, ics: &mut Ics, name: &str) {
        self.write_after(ics.prop(name));
    }

    /// Adds this time's parameters and value to a property already started.
    pub fn write_after(&self, ics: &mut Ics) {
        match *self {
            Form::Date(date) => ics.token("VALUE", "DATE").date(date),
            Form::Utc(at) => ics.date_time(at, true),
            Form::Local(at) => ics.date_time(at, false),
            Form::Zoned { local, tzid } => ics.tzid(tzid).date_time(local, false),
        }
    }
}

#[derive(Debug)]
enum Source<'a> {
    Sender(&'a VTimezone),
    Generated(chrono_tz::Tz),
}

#[derive(Debug)]
struct Used<'a> {
    tzid: &'a str,
    source: Source<'a>,
    first_year: i32,
    last_year: i32,
}

/// The zones one calendar uses, collected while its times are written.
#[derive(Debug)]
pub(crate) struct ZonePlan<'a> {
    sender: &'a [VTimezone],
    used: Vec<Used<'a>>,
}

impl<'a> ZonePlan<'a> {
    pub fn new(sender: &'a [VTimezone]) -> ZonePlan<'a> {
        ZonePlan {
            sender,
            used: Vec::new(),
        }
    }

    /// Decides how `time` is written, remembering the zone it needs.
    pub fn form(&mut self, time: &'a TimeValue) -> Form<'a> {
        match time {
            TimeValue::Date(date) => Form::Date(*date),
            TimeValue::Floating(local) | TimeValue::UnknownZone { local, .. } => {
                Form::Local(*local)
            }
            TimeValue::Zoned {
                utc,
                local,
                tzid,
                source_tzid,
            } => {
                let written = source_tzid.as_deref().unwrap_or(tzid);
                if is_utc_name(written) || is_utc_name(tzid) {
                    return Form::Utc(utc.naive_utc());
                }
                // The organizer's own definition, by the name their calendar wrote.
                if param_safe(written)
                    && let Some(block) = self.sender.iter().find(|b| b.tzid == written)
                {
                    self.note(written, Source::Sender(block), utc);
                    return Form::Zoned {
                        local: *local,
                        tzid: written,
                    };
                }
                // An IANA zone (perhaps resolved from a Windows name): generate its rules.
                match tzid.parse::<chrono_tz::Tz>() {
                    Ok(tz) => {
                        self.note(tz.name(), Source::Generated(tz), utc);
                        Form::Zoned {
                            local: *local,
                            tzid: tz.name(),
                        }
                    }
                    // A fixed offset such as "+02:00", or rules we cannot pass on: the instant.
                    Err(_) => Form::Utc(utc.naive_utc()),
                }
            }
        }
    }

    fn note(&mut self, tzid: &'a str, source: Source<'a>, at: &DateTime<Utc>) {
        let year = at.year();
        match self.used.iter_mut().find(|u| u.tzid == tzid) {
            Some(used) => {
                used.first_year = used.first_year.min(year);
                used.last_year = used.last_year.max(year);
            }
            None => self.used.push(Used {
                tzid,
                source,
                first_year: year,
                last_year: year,
            }),
        }
    }

    /// Writes one VTIMEZONE per zone used.
    pub fn write_blocks(&self, ics: &mut Ics) {
        for used in &self.used {
            match used.source {
                Source::Sender(block) => {
                    for line in &block.lines {
                        ics.line(line);
                    }
                }
                Source::Generated(tz) => {
                    if let Some(block) = generated(tz, used.first_year, used.last_year) {
                        ics.push_folded(&block);
                    }
                }
            }
        }
    }
}

/// Names that mean UTC itself, written as `Z` rather than with a VTIMEZONE.
fn is_utc_name(tzid: &str) -> bool {
    matches!(
        tzid,
        "UTC" | "Z" | "Etc/UTC" | "Etc/Universal" | "Universal" | "Zulu" | "Etc/Zulu"
    )
}

/// Generated blocks, by zone and year range: building one scans the zone's history, which is
/// far more work than the rest of an invitation, and a handful of zones covers most events.
type BlockCache = Mutex<HashMap<(chrono_tz::Tz, i32, i32), Arc<str>>>;
static GENERATED: LazyLock<BlockCache> = LazyLock::new(|| Mutex::new(HashMap::new()));
/// More entries than this and the cache starts over, so odd inputs cannot grow it forever.
const CACHE_LIMIT: usize = 4096;

/// The folded VTIMEZONE for `tz`, covering `first_year` to two years past `last_year`, so the
/// yearly rules calcard finds come out as open-ended RRULEs that serve recurring events too.
fn generated(tz: chrono_tz::Tz, first_year: i32, last_year: i32) -> Option<Arc<str>> {
    let key = (tz, first_year, last_year);
    if let Some(block) = GENERATED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return Some(block.clone());
    }
    let block: Arc<str> = Arc::from(build_block(tz, first_year, last_year)?);
    let mut cache = GENERATED.lock().unwrap_or_else(PoisonError::into_inner);
    if cache.len() >= CACHE_LIMIT {
        cache.clear();
    }
    cache.insert(key, block.clone());
    Some(block)
}

fn build_block(tz: chrono_tz::Tz, first_year: i32, last_year: i32) -> Option<String> {
    let start_of = |year: i32| {
        NaiveDate::from_ymd_opt(year, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc().timestamp())
    };
    let from = start_of(first_year)? - 86_400;
    let to = start_of(last_year.checked_add(2)?)?;
    let mut calendar = ICalendar {
        components: vec![ICalendarComponent::new(ICalendarComponentType::VCalendar)],
    };
    calendar.add_timezone(tz.name(), from, to)?;
    let text = calendar
        .to_string()
        .replace("\r\n ", "")
        .replace("\r\n\t", "");
    let mut ics = Ics::with_capacity(text.len() + 64);
    let mut inside = false;
    for line in text.lines() {
        inside |= line.eq_ignore_ascii_case("BEGIN:VTIMEZONE");
        if inside {
            ics.line(line);
        }
        if line.eq_ignore_ascii_case("END:VTIMEZONE") {
            break;
        }
    }
    inside.then(|| ics.finish())
}

#[cfg(test)]
mod tests {
    use super::{ZonePlan, build_block};

    #[test]
    fn a_generated_block_has_open_ended_yearly_rules() {
        let block = build_block(chrono_tz::Tz::Europe__Berlin, 2026, 2026).unwrap_or_default();
        assert!(block.starts_with("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"));
        assert!(block.ends_with("END:VTIMEZONE\r\n"));
        assert!(block.contains("BEGIN:DAYLIGHT") && block.contains("BEGIN:STANDARD"));
        assert!(
            block.contains("RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"),
            "{block}"
        );
        assert!(!block.contains("UNTIL="), "{block}");
    }

    #[test]
    fn a_fixed_offset_is_written_in_utc() {
        let at = chrono::DateTime::UNIX_EPOCH;
        let time = rollcall_core::ical::TimeValue::Zoned {
            utc: at,
            local: at.naive_utc() + chrono::Duration::hours(2),
            tzid: "+02:00".into(),
            source_tzid: None,
        };
        let mut plan = ZonePlan::new(&[]);
        assert_eq!(plan.form(&time), super::Form::Utc(at.naive_utc()));
        assert!(plan.used.is_empty());
    }
}
