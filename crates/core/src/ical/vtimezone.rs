//! Evaluates a VTIMEZONE's own STANDARD/DAYLIGHT rules, for zones whose TZID names nothing we
//! know (Lotus Notes, old Exchange and hand-made exports invent names). Only the shapes real
//! clients emit are understood: DTSTART plus RDATEs, and yearly rules on the n-th (or last)
//! weekday or a fixed day of a month. Anything else falls back to the observance's DTSTART.

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendarComponent, ICalendarComponentType, ICalendarFrequency, ICalendarProperty,
    ICalendarValue, ICalendarWeekday,
};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};

#[derive(Debug, Clone)]
struct Observance {
    start: NaiveDateTime,
    offset_from: i32,
    offset_to: i32,
    rule: Option<YearlyRule>,
    rdates: Vec<NaiveDateTime>,
}

#[derive(Debug, Clone)]
struct YearlyRule {
    month: u32,
    /// n-th weekday (1..=5, or -1 for the last); `None` with `monthday` for fixed days.
    weekday: Option<(i16, Weekday)>,
    monthday: Option<i8>,
    until: Option<NaiveDateTime>,
}

/// The rules of one VTIMEZONE, ready to answer "what is the UTC offset at this wall time".
#[derive(Debug, Clone)]
pub struct ZoneRules {
    observances: Vec<Observance>,
}

impl ZoneRules {
    /// Reads the STANDARD/DAYLIGHT children of `vtimezone`. `None` if it has no usable observance.
    pub fn from_component(
        vtimezone: &ICalendarComponent,
        all: &[ICalendarComponent],
    ) -> Option<ZoneRules> {
        let observances: Vec<Observance> = vtimezone
            .component_ids
            .iter()
            .filter_map(|id| all.get(*id as usize))
            .filter(|c| {
                matches!(
                    c.component_type,
                    ICalendarComponentType::Standard | ICalendarComponentType::Daylight
                )
            })
            .filter_map(read_observance)
            .collect();
        (!observances.is_empty()).then_some(ZoneRules { observances })
    }

    /// Seconds east of UTC in force at wall-clock time `local`.
    pub fn offset_at(&self, local: NaiveDateTime) -> i32 {
        let year = local.year();
        let mut best: Option<(NaiveDateTime, i32)> = None;
        for obs in &self.observances {
            for onset in obs.onsets_near(year) {
                if onset <= local && best.is_none_or(|(b, _)| onset > b) {
                    best = Some((onset, obs.offset_to));
                }
            }
        }
        match best {
            Some((_, offset)) => offset,
            // Before every onset: the earliest observance's "from" offset was in force.
            None => self
                .observances
                .iter()
                .min_by_key(|o| o.start)
                .map_or(0, |o| o.offset_from),
        }
    }
}

impl Observance {
    /// Onsets in `year` and the year before: enough to find the one in force at any time of `year`.
    fn onsets_near(&self, year: i32) -> Vec<NaiveDateTime> {
        let mut onsets = vec![self.start];
        onsets.extend(self.rdates.iter().copied());
        if let Some(rule) = &self.rule {
            for y in [year - 1, year] {
                if let Some(onset) = rule.onset_in(y, self.start)
                    && onset >= self.start
                    && rule.until.is_none_or(|until| onset <= until)
                {
                    onsets.push(onset);
                }
            }
        }
        onsets
    }
}

impl YearlyRule {
    fn onset_in(&self, year: i32, start: NaiveDateTime) -> Option<NaiveDateTime> {
        let date = match (self.weekday, self.monthday) {
            (Some((nth, weekday)), _) => nth_weekday(year, self.month, nth, weekday)?,
            (None, Some(day)) if day > 0 => NaiveDate::from_ymd_opt(year, self.month, day as u32)?,
            (None, _) => NaiveDate::from_ymd_opt(year, self.month, start.day())?,
        };
        Some(date.and_time(start.time()))
    }
}

fn nth_weekday(year: i32, month: u32, nth: i16, weekday: Weekday) -> Option<NaiveDate> {
    if nth > 0 {
        NaiveDate::from_weekday_of_month_opt(year, month, weekday, nth as u8)
            .or_else(|| NaiveDate::from_weekday_of_month_opt(year, month, weekday, 4))
    } else {
        let first_next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)?
        };
        let mut day = first_next - Duration::days(1);
        while day.weekday() != weekday {
            day -= Duration::days(1);
        }
        let back = i64::from(nth.unsigned_abs().saturating_sub(1)) * 7;
        day.checked_sub_signed(Duration::days(back))
    }
}

fn read_observance(component: &ICalendarComponent) -> Option<Observance> {
    let mut start = None;
    let mut offset_from = None;
    let mut offset_to = None;
    let mut rule = None;
    let mut rdates = Vec::new();
    for entry in &component.entries {
        match (&entry.name, entry.values.first()) {
            (ICalendarProperty::Dtstart, Some(ICalendarValue::PartialDateTime(dt))) => {
                start = naive(dt);
            }
            (ICalendarProperty::Tzoffsetfrom, Some(value)) => offset_from = offset_seconds(value),
            (ICalendarProperty::Tzoffsetto, Some(value)) => offset_to = offset_seconds(value),
            (ICalendarProperty::Rrule, Some(ICalendarValue::RecurrenceRule(rrule)))
                if rrule.freq == ICalendarFrequency::Yearly =>
            {
                let month = rrule.bymonth.first().map(|m| m.month() as u32);
                rule = month.map(|month| YearlyRule {
                    month,
                    weekday: rrule
                        .byday
                        .first()
                        .map(|d| (d.ordwk.unwrap_or(1), weekday(d.weekday))),
                    monthday: rrule.bymonthday.first().copied(),
                    until: rrule.until.as_ref().and_then(naive),
                });
            }
            (ICalendarProperty::Rdate, _) => rdates.extend(
                entry
                    .values
                    .iter()
                    .filter_map(|v| v.as_partial_date_time().and_then(naive)),
            ),
            _ => {}
        }
    }
    let offset_to = offset_to?;
    Some(Observance {
        start: start.unwrap_or_default(),
        offset_from: offset_from.unwrap_or(offset_to),
        offset_to,
        rule,
        rdates,
    })
}

fn naive(dt: &PartialDateTime) -> Option<NaiveDateTime> {
    dt.to_date_time().map(|r| r.date_time)
}

fn offset_seconds(value: &ICalendarValue) -> Option<i32> {
    let dt = value.as_partial_date_time()?;
    let secs = i32::from(dt.tz_hour?) * 3600 + i32::from(dt.tz_minute.unwrap_or(0)) * 60;
    Some(if dt.tz_minus { -secs } else { secs })
}

fn weekday(day: ICalendarWeekday) -> Weekday {
    match day {
        ICalendarWeekday::Sunday => Weekday::Sun,
        ICalendarWeekday::Monday => Weekday::Mon,
        ICalendarWeekday::Tuesday => Weekday::Tue,
        ICalendarWeekday::Wednesday => Weekday::Wed,
        ICalendarWeekday::Thursday => Weekday::Thu,
        ICalendarWeekday::Friday => Weekday::Fri,
        ICalendarWeekday::Saturday => Weekday::Sat,
    }
}
