//! Evaluates a VTIMEZONE's own STANDARD/DAYLIGHT observances. A calendar's VTIMEZONE is the
//! definition of its TZID (RFC 5545 §3.6.5), so this is what answers "which UTC instant is this
//! wall time" whenever it can; the IANA mapping of the name is only the fallback.
//!
//! An observance's onsets are its DTSTART, its RDATEs and the occurrences of its RRULEs. The
//! rules are evaluated here by hand, one year at a time, rather than with calcard's rrule
//! iterator: that iterator is `pub(crate)`, and an iterator walks every occurrence from DTSTART
//! (often 1601) up to the time asked, while a year's candidates can be computed directly. Only
//! FREQ=YEARLY and FREQ=MONTHLY are understood (no real zone uses anything else), with BYMONTH,
//! BYMONTHDAY, BYDAY (with or without ordinals), BYYEARDAY, BYSETPOS, BYHOUR/BYMINUTE/BYSECOND,
//! INTERVAL, UNTIL and COUNT. An observance we cannot read (another FREQ, BYWEEKNO, a
//! non-Gregorian RSCALE, no TZOFFSETTO) is remembered, so that times it might govern are not
//! answered from the other observances alone.
//!
//! Everything here is attacker input: every list is capped, no loop runs for a number of
//! iterations taken from the input (a year, a COUNT, an INTERVAL), and no arithmetic can panic.

use calcard::common::{CalendarScale, PartialDateTime};
use calcard::icalendar::{
    ICalendarComponent, ICalendarComponentType, ICalendarFrequency, ICalendarProperty,
    ICalendarRecurrenceRule, ICalendarValue, ICalendarWeekday,
};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};

/// A real VTIMEZONE with its whole history (tzurl's Europe/Paris) has about twenty observances.
const MAX_OBSERVANCES: usize = 100;
/// RDATEs of one observance; tzurl's longest lists have a few dozen.
const MAX_RDATES: usize = 1000;
/// RRULEs of one observance (RFC 5545 says there should be one).
const MAX_RULES: usize = 4;
/// Values in one BYxxx list; more is not a time zone rule.
const MAX_BY_VALUES: usize = 64;
/// Times of day one rule produces (BYHOUR × BYMINUTE × BYSECOND).
const MAX_TIMES: usize = 24;
/// Onsets one rule may have in one year: a zone changes its offset a few times a year at most,
/// so a rule with more (every Sunday, say) is not evaluated.
const MAX_PER_YEAR: usize = 32;
/// How far (in years) the end of a COUNT is looked for. A COUNT that outlasts this is taken as
/// unbounded, which is what it means for any time within that many years of DTSTART.
const COUNT_WALK_YEARS: i32 = 200;
/// How many of a rule's periods are searched back for its last onset before a year.
const BACK_PERIODS: i32 = 8;

#[derive(Debug, Clone)]
struct Observance {
    /// DTSTART: the first onset, as a wall time in `offset_from`.
    start: NaiveDateTime,
    offset_from: i32,
    offset_to: i32,
    rules: Vec<Rule>,
    /// Sorted and deduplicated, as wall times in `offset_from`.
    rdates: Vec<NaiveDateTime>,
}

/// An observance that is there but cannot be evaluated. Times it may govern are not answered.
#[derive(Debug, Clone)]
struct Unreadable {
    start: Option<NaiveDateTime>,
    /// Its rules' UNTIL, when readable: after a later onset of another observance, it is over.
    until: Option<Until>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Freq {
    Yearly,
    Monthly,
}

#[derive(Debug, Clone, Copy)]
enum Until {
    /// The RFC 5545 form for VTIMEZONE: a UTC instant.
    Utc(NaiveDateTime),
    /// Floating or date-only UNTIL, compared with the wall time of the onset.
    Local(NaiveDateTime),
}

impl Until {
    fn allows(self, onset: NaiveDateTime, offset_from: i32) -> bool {
        match self {
            Until::Utc(until) => instant(onset, offset_from).is_some_and(|at| at <= until),
            Until::Local(until) => onset <= until,
        }
    }

    fn year(self) -> i32 {
        match self {
            Until::Utc(at) | Until::Local(at) => at.year(),
        }
    }

    fn approx(self) -> NaiveDateTime {
        match self {
            Until::Utc(at) | Until::Local(at) => at,
        }
    }
}

#[derive(Debug, Clone)]
struct Rule {
    freq: Freq,
    interval: i32,
    until: Option<Until>,
    /// The last onset COUNT allows, when COUNT ends within [`COUNT_WALK_YEARS`].
    count_last: Option<NaiveDateTime>,
    /// Sorted, 1..=12.
    months: Vec<u32>,
    monthdays: Vec<i8>,
    yeardays: Vec<i16>,
    /// Ordinal (0 for "every") and weekday.
    days: Vec<(i16, Weekday)>,
    setpos: Vec<i32>,
    /// Sorted times of day: BYHOUR × BYMINUTE × BYSECOND, DTSTART's where not given.
    times: Vec<NaiveTime>,
}

/// The rules of one VTIMEZONE, ready to answer "which UTC instant is this wall time".
#[derive(Debug, Clone)]
pub struct ZoneRules {
    observances: Vec<Observance>,
    unreadable: Vec<Unreadable>,
    /// For a block that only lists one-off onsets of a zone with more than one offset: a year
    /// after its last onset. See [`ZoneRules::outdated_at`].
    snapshot_end: Option<NaiveDateTime>,
}

impl ZoneRules {
    /// Reads the STANDARD/DAYLIGHT children of `vtimezone`. `None` if none can be evaluated.
    pub fn from_component(
        vtimezone: &ICalendarComponent,
        all: &[ICalendarComponent],
    ) -> Option<ZoneRules> {
        let mut observances = Vec::new();
        let mut unreadable = Vec::new();
        let children = vtimezone
            .component_ids
            .iter()
            .filter_map(|id| all.get(*id as usize))
            .filter(|c| {
                matches!(
                    c.component_type,
                    ICalendarComponentType::Standard | ICalendarComponentType::Daylight
                )
            });
        for child in children {
            if observances.len() + unreadable.len() >= MAX_OBSERVANCES {
                // Not a time zone: refuse it rather than evaluate part of it.
                return None;
            }
            match read_observance(child) {
                Ok(observance) => observances.push(observance),
                Err(skipped) => unreadable.push(skipped),
            }
        }
        if observances.is_empty() {
            return None;
        }
        let mut offsets: Vec<i32> = observances.iter().map(|o| o.offset_to).collect();
        offsets.sort_unstable();
        offsets.dedup();
        let snapshot_end = if offsets.len() > 1
            && unreadable.is_empty()
            && observances.iter().all(|o| o.rules.is_empty())
        {
            observances
                .iter()
                .flat_map(|o| o.rdates.last().copied().into_iter().chain([o.start]))
                .max()
                .and_then(|last| last.checked_add_signed(Duration::days(366)))
        } else {
            None
        };
        Some(ZoneRules {
            observances,
            unreadable,
            snapshot_end,
        })
    }

    /// Whether `local` lies more than a year after the last onset of a block that has no
    /// RRULE at all yet switches between offsets: some exporters (eM Client's "America/New_York"
    /// with only its two 2007 onsets) write the current year's transitions and drop the rule.
    /// Read literally such a block stays on its last offset forever; the caller prefers the
    /// TZID's IANA mapping there when it has one. A block that keeps one offset, or has rules
    /// (tzurl's full histories, abolished DST included), is never outdated.
    pub fn outdated_at(&self, local: NaiveDateTime) -> bool {
        self.snapshot_end.is_some_and(|end| local > end)
    }

    /// The UTC instant of wall-clock time `local`, or `None` when these rules cannot say (an
    /// observance that might be in force at `local` could not be read, or its rule produces
    /// more onsets than a time zone has). An ambiguous wall time (fall back) takes its first
    /// occurrence, as calendar clients do; one in a spring-forward gap is read with the offset
    /// in force before the gap (RFC 5545 §3.3.5). Both as for IANA zones in `zones.rs`.
    pub fn to_utc(&self, local: NaiveDateTime) -> Option<NaiveDateTime> {
        let offset = self.offset_for(local)?;
        local.checked_sub_signed(Duration::seconds(i64::from(offset)))
    }

    fn offset_for(&self, local: NaiveDateTime) -> Option<i32> {
        let transitions = self.transitions_near(local.year())?;
        let fallback = self
            .observances
            .iter()
            .min_by_key(|o| o.start)
            .map_or(0, |o| o.offset_from);
        let offset_at = |at: NaiveDateTime| {
            let index = transitions.partition_point(|t| t.at <= at);
            match index.checked_sub(1).and_then(|i| transitions.get(i)) {
                Some(t) => t.after,
                None => transitions.first().map_or(fallback, |t| t.before),
            }
        };
        // The transition in force at `local` (roughly: wall time of the onset passed).
        let in_force = transitions.iter().rev().find(|t| {
            t.at.checked_add_signed(Duration::seconds(i64::from(t.after))) <= Some(local)
        });
        for skipped in &self.unreadable {
            let may_start = skipped.start.is_none_or(|s| {
                local
                    .checked_add_signed(Duration::days(1))
                    .is_none_or(|limit| s <= limit)
            });
            let superseded = skipped
                .until
                .zip(in_force)
                .is_some_and(|(until, t)| t.at > until.approx());
            if may_start && !superseded {
                return None;
            }
        }
        let mut offsets: Vec<i32> = transitions
            .iter()
            .flat_map(|t| [t.before, t.after])
            .chain([fallback])
            .collect();
        offsets.sort_unstable();
        offsets.dedup();
        // The largest consistent offset gives the earliest instant: the first occurrence.
        let consistent = offsets.iter().rev().copied().find(|&o| {
            local
                .checked_sub_signed(Duration::seconds(i64::from(o)))
                .is_some_and(|at| offset_at(at) == o)
        });
        match consistent {
            Some(offset) => Some(offset),
            None => {
                // In a gap: just before it, read with the largest offset, the old one applied.
                let largest = offsets.last().copied().unwrap_or(fallback);
                let before = local.checked_sub_signed(Duration::seconds(i64::from(largest)))?;
                Some(offset_at(before))
            }
        }
    }

    /// Every onset of `year - 1 ..= year + 1`, plus each observance's last onset before that,
    /// as instants sorted by time.
    fn transitions_near(&self, year: i32) -> Option<Vec<Transition>> {
        let (first, last) = (year.checked_sub(1)?, year.checked_add(1)?);
        let mut transitions = Vec::new();
        for obs in &self.observances {
            let mut onsets = obs.onsets_in(first, last)?;
            onsets.extend(obs.last_onset_before(first)?);
            transitions.extend(onsets.into_iter().filter_map(|onset| {
                Some(Transition {
                    at: instant(onset, obs.offset_from)?,
                    before: obs.offset_from,
                    after: obs.offset_to,
                })
            }));
        }
        transitions.sort_by_key(|t| t.at);
        Some(transitions)
    }
}

#[derive(Debug, Clone, Copy)]
struct Transition {
    /// The UTC instant of the onset.
    at: NaiveDateTime,
    before: i32,
    after: i32,
}

impl Observance {
    /// Onsets in the years `first..=last` (wall times). `None` if a rule cannot be evaluated.
    fn onsets_in(&self, first: i32, last: i32) -> Option<Vec<NaiveDateTime>> {
        let in_range = |at: &NaiveDateTime| (first..=last).contains(&at.year());
        let mut onsets: Vec<NaiveDateTime> =
            Some(self.start).filter(in_range).into_iter().collect();
        let from = self.rdates.partition_point(|d| d.year() < first);
        onsets.extend(self.rdates[from..].iter().take_while(|d| in_range(d)));
        for rule in &self.rules {
            for y in first..=last {
                onsets.extend(rule.onsets_in_year(y, self.start, self.offset_from)?);
            }
        }
        Some(onsets)
    }

    /// The latest onset in a year before `year`. `None` if a rule cannot be evaluated.
    fn last_onset_before(&self, year: i32) -> Option<Option<NaiveDateTime>> {
        let mut best = Some(self.start).filter(|s| s.year() < year);
        let before = self.rdates.partition_point(|d| d.year() < year);
        best = best.max(before.checked_sub(1).map(|i| self.rdates[i]));
        for rule in &self.rules {
            best = best.max(rule.last_onset_before(year, self.start, self.offset_from)?);
        }
        Some(best)
    }
}

impl Rule {
    /// The rule's onsets in `year` after DTSTART and within UNTIL and COUNT, sorted.
    fn onsets_in_year(
        &self,
        year: i32,
        start: NaiveDateTime,
        offset_from: i32,
    ) -> Option<Vec<NaiveDateTime>> {
        if year < start.year()
            || self
                .until
                .is_some_and(|u| year > u.year().saturating_add(1))
            || self.count_last.is_some_and(|c| year > c.year())
        {
            return Some(Vec::new());
        }
        let mut onsets = self.candidates(year, start)?;
        onsets.retain(|&at| {
            at > start
                && self.until.is_none_or(|u| u.allows(at, offset_from))
                && self.count_last.is_none_or(|c| at <= c)
        });
        Some(onsets)
    }

    fn last_onset_before(
        &self,
        year: i32,
        start: NaiveDateTime,
        offset_from: i32,
    ) -> Option<Option<NaiveDateTime>> {
        // Start where the rule ends, so a rule that ended decades ago is found at once.
        let mut y = year.checked_sub(1)?;
        if let Some(until) = self.until {
            y = y.min(until.year().saturating_add(1));
        }
        if let Some(last) = self.count_last {
            y = y.min(last.year());
        }
        let step = match self.freq {
            // Only years the INTERVAL lands on can hold onsets: go straight to the latest one.
            Freq::Yearly => {
                let behind =
                    (i64::from(y) - i64::from(start.year())).rem_euclid(i64::from(self.interval));
                y = i32::try_from(i64::from(y) - behind).ok()?;
                self.interval
            }
            Freq::Monthly => 1,
        };
        for _ in 0..BACK_PERIODS {
            if y < start.year() {
                break;
            }
            if let Some(last) = self.onsets_in_year(y, start, offset_from)?.last() {
                return Some(Some(*last));
            }
            y = y.checked_sub(step)?;
        }
        Some(None)
    }

    /// All dates and times the rule gives in `year`, before DTSTART, UNTIL and COUNT apply.
    /// `None` if there are more than a time zone could have.
    fn candidates(&self, year: i32, start: NaiveDateTime) -> Option<Vec<NaiveDateTime>> {
        let mut onsets = Vec::new();
        match self.freq {
            Freq::Yearly => {
                let since = i64::from(year) - i64::from(start.year());
                if since.rem_euclid(i64::from(self.interval)) == 0 {
                    let dates = self.yearly_dates(year, start)?;
                    onsets = self.with_times_and_setpos(&dates)?;
                }
            }
            Freq::Monthly => {
                let first = i64::from(start.year()) * 12 + i64::from(start.month0());
                for month in 1..=12u32 {
                    let since = i64::from(year) * 12 + i64::from(month - 1) - first;
                    if since.rem_euclid(i64::from(self.interval)) != 0
                        || (!self.months.is_empty() && !self.months.contains(&month))
                    {
                        continue;
                    }
                    let dates = self.month_dates(year, month, start)?;
                    onsets.extend(self.with_times_and_setpos(&dates)?);
                }
            }
        }
        (onsets.len() <= MAX_PER_YEAR).then_some(onsets)
    }

    /// RFC 5545 §3.3.10 for FREQ=YEARLY: BYMONTH, BYYEARDAY and BYMONTHDAY expand; BYDAY
    /// expands within the month (with BYMONTH) or the year, or limits (with BYMONTHDAY or
    /// BYYEARDAY).
    fn yearly_dates(&self, year: i32, start: NaiveDateTime) -> Option<Vec<NaiveDate>> {
        let mut dates = Vec::new();
        if !self.yeardays.is_empty() {
            let len = i16::try_from(days_in_year(year)).ok()?;
            for &day in &self.yeardays {
                let ordinal = if day < 0 { len + 1 + day } else { day };
                if let Some(date) = u32::try_from(ordinal)
                    .ok()
                    .and_then(|o| NaiveDate::from_yo_opt(year, o))
                    && (self.months.is_empty() || self.months.contains(&date.month()))
                    && self.monthday_matches(date)
                    && self.weekday_matches(date)
                {
                    dates.push(date);
                }
            }
        } else if !self.months.is_empty() || !self.monthdays.is_empty() {
            let months: &[u32] = if self.months.is_empty() {
                &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
            } else {
                &self.months
            };
            for &month in months {
                dates.extend(self.month_dates(year, month, start)?);
            }
        } else if !self.days.is_empty() {
            // BYDAY alone: weekdays of the whole year, "20MO" being the twentieth Monday.
            for &(nth, weekday) in &self.days {
                if nth == 0 {
                    let mut day = NaiveDate::from_ymd_opt(year, 1, 1)?;
                    while day.weekday() != weekday {
                        day = day.succ_opt()?;
                    }
                    while day.year() == year {
                        dates.push(day);
                        if dates.len() > MAX_PER_YEAR {
                            return None;
                        }
                        day = day.checked_add_signed(Duration::days(7))?;
                    }
                } else {
                    dates.extend(nth_weekday_of_year(year, nth, weekday));
                }
            }
        } else {
            dates.extend(NaiveDate::from_ymd_opt(year, start.month(), start.day()));
        }
        Some(dates)
    }

    /// One month's dates: BYMONTHDAY expands (BYDAY then limits), else BYDAY expands, else
    /// DTSTART's day of the month.
    fn month_dates(&self, year: i32, month: u32, start: NaiveDateTime) -> Option<Vec<NaiveDate>> {
        let mut dates = Vec::new();
        if !self.monthdays.is_empty() {
            let len = i32::try_from(days_in_month(year, month)?).ok()?;
            for &day in &self.monthdays {
                let day = i32::from(day);
                let day = if day < 0 { len + 1 + day } else { day };
                if let Some(date) = u32::try_from(day)
                    .ok()
                    .and_then(|d| NaiveDate::from_ymd_opt(year, month, d))
                    && self.weekday_matches(date)
                {
                    dates.push(date);
                }
            }
        } else if !self.days.is_empty() {
            for &(nth, weekday) in &self.days {
                if nth == 0 {
                    let mut day = NaiveDate::from_weekday_of_month_opt(year, month, weekday, 1);
                    while let Some(date) = day.filter(|d| d.month() == month) {
                        dates.push(date);
                        day = date.checked_add_signed(Duration::days(7));
                    }
                } else {
                    let found = nth_weekday_of_month(year, month, nth, weekday);
                    // Windows' convention, which some exporters copy into RRULEs: the "fifth"
                    // weekday means the last one, even in months that have only four.
                    let found = match found {
                        None if nth == 5 && self.days.len() == 1 && self.setpos.is_empty() => {
                            nth_weekday_of_month(year, month, -1, weekday)
                        }
                        found => found,
                    };
                    dates.extend(found);
                }
            }
        } else {
            dates.extend(NaiveDate::from_ymd_opt(year, month, start.day()));
        }
        Some(dates)
    }

    /// BYDAY as a limit on a date that BYMONTHDAY or BYYEARDAY produced.
    fn weekday_matches(&self, date: NaiveDate) -> bool {
        self.days.is_empty()
            || self.days.iter().any(|&(nth, weekday)| {
                date.weekday() == weekday
                    && (nth == 0
                        || nth_weekday_of_month(date.year(), date.month(), nth, weekday)
                            == Some(date))
            })
    }

    fn monthday_matches(&self, date: NaiveDate) -> bool {
        let Some(len) = days_in_month(date.year(), date.month()) else {
            return false;
        };
        self.monthdays.is_empty()
            || self.monthdays.iter().any(|&d| {
                let d = i64::from(d);
                let day = if d < 0 { i64::from(len) + 1 + d } else { d };
                day == i64::from(date.day())
            })
    }

    /// The period's dates at each time of day, sorted, then BYSETPOS.
    fn with_times_and_setpos(&self, dates: &[NaiveDate]) -> Option<Vec<NaiveDateTime>> {
        if dates.len() > MAX_PER_YEAR * 4 {
            return None;
        }
        let mut set: Vec<NaiveDateTime> = dates
            .iter()
            .flat_map(|d| self.times.iter().map(|t| d.and_time(*t)))
            .collect();
        set.sort_unstable();
        set.dedup();
        if self.setpos.is_empty() {
            return Some(set);
        }
        let len = i64::try_from(set.len()).ok()?;
        let mut picked: Vec<NaiveDateTime> = self
            .setpos
            .iter()
            .filter_map(|&pos| {
                let pos = i64::from(pos);
                let index = if pos < 0 { len + pos } else { pos - 1 };
                usize::try_from(index)
                    .ok()
                    .and_then(|i| set.get(i).copied())
            })
            .collect();
        picked.sort_unstable();
        picked.dedup();
        Some(picked)
    }
}

fn read_observance(component: &ICalendarComponent) -> Result<Observance, Unreadable> {
    let mut start = None;
    let mut offset_from = None;
    let mut offset_to = None;
    let mut rrules = Vec::new();
    let mut bad_rrule = false;
    let mut rdates = Vec::new();
    for entry in &component.entries {
        match (&entry.name, entry.values.first()) {
            (ICalendarProperty::Dtstart, Some(ICalendarValue::PartialDateTime(dt))) => {
                start = Some(dt.as_ref());
            }
            (ICalendarProperty::Tzoffsetfrom, Some(value)) => offset_from = offset_seconds(value),
            (ICalendarProperty::Tzoffsetto, Some(value)) => offset_to = offset_seconds(value),
            (ICalendarProperty::Rrule, Some(ICalendarValue::RecurrenceRule(rrule))) => {
                rrules.push(rrule.as_ref());
            }
            // An RRULE calcard could not parse.
            (ICalendarProperty::Rrule, _) => bad_rrule = true,
            (ICalendarProperty::Rdate, _) => rdates.extend(
                entry
                    .values
                    .iter()
                    .filter_map(ICalendarValue::as_partial_date_time),
            ),
            _ => {}
        }
    }
    let until = rrules.iter().find_map(|r| r.until.as_ref().and_then(until));
    let unreadable = |start: Option<NaiveDateTime>| Unreadable { start, until };
    let Some(offset_to) = offset_to else {
        return Err(unreadable(start.and_then(|s| wall_time(s, 0))));
    };
    let offset_from = offset_from.unwrap_or(offset_to);
    let Some(start) = start.and_then(|s| wall_time(s, offset_from)) else {
        return Err(unreadable(None));
    };
    if bad_rrule || rrules.len() > MAX_RULES || rdates.len() > MAX_RDATES {
        return Err(unreadable(Some(start)));
    }
    let mut rules = Vec::new();
    for rrule in rrules {
        match read_rule(rrule, start, offset_from) {
            Some(rule) => rules.push(rule),
            None => return Err(unreadable(Some(start))),
        }
    }
    let mut rdates: Vec<NaiveDateTime> = rdates
        .into_iter()
        .filter_map(|d| wall_time(d, offset_from))
        .collect();
    rdates.sort_unstable();
    rdates.dedup();
    Ok(Observance {
        start,
        offset_from,
        offset_to,
        rules,
        rdates,
    })
}

fn read_rule(
    rrule: &ICalendarRecurrenceRule,
    start: NaiveDateTime,
    offset_from: i32,
) -> Option<Rule> {
    let freq = match rrule.freq {
        ICalendarFrequency::Yearly => Freq::Yearly,
        ICalendarFrequency::Monthly => Freq::Monthly,
        _ => return None,
    };
    let too_long = [
        rrule.bymonth.len(),
        rrule.bymonthday.len(),
        rrule.byyearday.len(),
        rrule.byday.len(),
        rrule.bysetpos.len(),
        rrule.byhour.len(),
        rrule.byminute.len(),
        rrule.bysecond.len(),
    ]
    .iter()
    .any(|&n| n > MAX_BY_VALUES);
    if too_long
        || !rrule.byweekno.is_empty()
        || rrule
            .rscale
            .as_ref()
            .is_some_and(|s| *s != CalendarScale::Gregorian)
        || rrule.bymonth.iter().any(|m| m.is_leap())
        || (freq == Freq::Monthly && !rrule.byyearday.is_empty())
        || (!rrule.byyearday.is_empty() && rrule.byday.iter().any(|d| d.ordwk.is_some()))
    {
        return None;
    }
    let mut months: Vec<u32> = rrule
        .bymonth
        .iter()
        .map(|m| u32::from(m.month()))
        .filter(|m| (1..=12).contains(m))
        .collect();
    months.sort_unstable();
    months.dedup();
    let times = times_of_day(rrule, start.time())?;
    let mut rule = Rule {
        freq,
        interval: i32::from(rrule.interval.unwrap_or(1).max(1)),
        until: rrule.until.as_ref().and_then(until),
        count_last: None,
        months,
        monthdays: rrule.bymonthday.clone(),
        yeardays: rrule.byyearday.clone(),
        days: rrule
            .byday
            .iter()
            .map(|d| (d.ordwk.unwrap_or(0), weekday(d.weekday)))
            .collect(),
        setpos: rrule.bysetpos.clone(),
        times,
    };
    if let Some(count) = rrule.count {
        rule.count_last = count_last(&rule, count, start, offset_from)?;
    }
    Some(rule)
}

/// The onset COUNT ends on (DTSTART is the first, RFC 5545 §3.3.10), or `None` when it lies
/// more than [`COUNT_WALK_YEARS`] years after DTSTART. `Err`-like outer `None`: unevaluable.
fn count_last(
    rule: &Rule,
    count: u32,
    start: NaiveDateTime,
    offset_from: i32,
) -> Option<Option<NaiveDateTime>> {
    let mut left = count.saturating_sub(1);
    if left == 0 {
        return Some(Some(start));
    }
    let step = match rule.freq {
        Freq::Yearly => rule.interval,
        Freq::Monthly => 1,
    };
    let mut year = start.year();
    let end = year.saturating_add(COUNT_WALK_YEARS);
    while year <= end {
        for onset in rule.onsets_in_year(year, start, offset_from)? {
            left -= 1;
            if left == 0 {
                return Some(Some(onset));
            }
        }
        year = year.checked_add(step)?;
    }
    Some(None)
}

/// BYHOUR × BYMINUTE × BYSECOND, each defaulting to DTSTART's.
fn times_of_day(rrule: &ICalendarRecurrenceRule, start: NaiveTime) -> Option<Vec<NaiveTime>> {
    let or_start = |list: &[u8], own: u32| -> Vec<u32> {
        if list.is_empty() {
            vec![own]
        } else {
            list.iter().map(|&v| u32::from(v)).collect()
        }
    };
    let hours = or_start(&rrule.byhour, start.hour());
    let minutes = or_start(&rrule.byminute, start.minute());
    let seconds = or_start(&rrule.bysecond, start.second());
    if hours.len() * minutes.len() * seconds.len() > MAX_TIMES {
        return None;
    }
    let mut times = Vec::new();
    for &h in &hours {
        for &m in &minutes {
            for &s in &seconds {
                // A leap second (60) is read as :59, which is when the zone changes anyway.
                times.extend(NaiveTime::from_hms_opt(h, m, s.min(59)));
            }
        }
    }
    times.sort_unstable();
    times.dedup();
    (!times.is_empty()).then_some(times)
}

fn nth_weekday_of_month(year: i32, month: u32, nth: i16, weekday: Weekday) -> Option<NaiveDate> {
    let len = days_in_month(year, month)?;
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let last = NaiveDate::from_ymd_opt(year, month, len)?;
    nth_weekday_between(first, last, nth, weekday)
}

fn nth_weekday_of_year(year: i32, nth: i16, weekday: Weekday) -> Option<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1)?;
    let last = NaiveDate::from_ymd_opt(year, 12, 31)?;
    nth_weekday_between(first, last, nth, weekday)
}

/// The `nth` (from the end if negative) `weekday` in `first..=last`, computed, not walked.
fn nth_weekday_between(
    first: NaiveDate,
    last: NaiveDate,
    nth: i16,
    weekday: Weekday,
) -> Option<NaiveDate> {
    let target = i64::from(weekday.num_days_from_monday());
    let date = if nth > 0 {
        let ahead = (target - i64::from(first.weekday().num_days_from_monday())).rem_euclid(7);
        first.checked_add_signed(Duration::days(ahead + 7 * (i64::from(nth) - 1)))?
    } else if nth < 0 {
        let back = (i64::from(last.weekday().num_days_from_monday()) - target).rem_euclid(7);
        last.checked_sub_signed(Duration::days(
            back + 7 * (i64::from(nth.unsigned_abs()) - 1),
        ))?
    } else {
        return None;
    };
    (first..=last).contains(&date).then_some(date)
}

fn days_in_month(year: i32, month: u32) -> Option<u32> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    u32::try_from((next - first).num_days()).ok()
}

fn days_in_year(year: i32) -> u32 {
    if NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
        366
    } else {
        365
    }
}

/// The UTC instant of an onset written as a wall time in `offset_from`.
fn instant(onset: NaiveDateTime, offset_from: i32) -> Option<NaiveDateTime> {
    onset.checked_sub_signed(Duration::seconds(i64::from(offset_from)))
}

/// DTSTART and RDATE are wall times in the offset before the onset; a UTC value (which some
/// exporters write) is turned into that wall time.
fn wall_time(dt: &PartialDateTime, offset_from: i32) -> Option<NaiveDateTime> {
    let parsed = dt.to_date_time()?;
    match parsed.offset {
        Some(offset) => parsed
            .date_time
            .checked_add_signed(Duration::seconds(i64::from(
                offset_from - offset.local_minus_utc(),
            ))),
        None => Some(parsed.date_time),
    }
}

fn until(dt: &PartialDateTime) -> Option<Until> {
    let parsed = dt.to_date_time()?;
    if !dt.has_time() {
        // A date-only UNTIL includes its whole day.
        let end = parsed.date_time.date().and_hms_opt(23, 59, 59)?;
        return Some(Until::Local(end));
    }
    Some(match parsed.offset {
        Some(offset) => Until::Utc(
            parsed
                .date_time
                .checked_sub_signed(Duration::seconds(i64::from(offset.local_minus_utc())))?,
        ),
        None => Until::Local(parsed.date_time),
    })
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
