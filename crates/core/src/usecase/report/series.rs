//! Time series from hourly counter buckets: hours, days, weeks (from Monday), months, quarters
//! and years in the organizer's time zone, with the span just before for comparison.
//!
//! Stores keep one bucket per UTC hour. A zone whose offset is not whole hours (India, +5:30)
//! sees each hour's changes in the local bucket where that UTC hour starts.

use crate::ports::SeriesPoint;
use chrono::{
    DateTime, Datelike, Duration, LocalResult, Months, NaiveDate, NaiveDateTime, NaiveTime,
    TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl Granularity {
    pub fn parse(text: &str) -> Option<Granularity> {
        Some(match text {
            "hour" => Granularity::Hour,
            "day" => Granularity::Day,
            "week" => Granularity::Week,
            "month" => Granularity::Month,
            "quarter" => Granularity::Quarter,
            "year" => Granularity::Year,
            _ => return None,
        })
    }
}

/// Most buckets one series may have (a year of hours is 8,760).
pub const MAX_BUCKETS: usize = 2_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bucket {
    /// The bucket's start in the zone, RFC 3339 with its offset.
    pub start: String,
    /// How people write it: `2026-11-23 14:00`, `2026-11-23`, `2026-W48`, `2026-11`, `2026-Q4`,
    /// `2026`.
    pub label: String,
    /// Changes into each value during the bucket; values with none are left out.
    pub counts: BTreeMap<String, i64>,
    #[serde(skip)]
    start_utc: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeriesError {
    #[error("`from` is after `to`")]
    Backwards,
    #[error("that is more than {MAX_BUCKETS} buckets; choose a coarser granularity")]
    TooManyBuckets,
}

/// The local start of the bucket `local` falls in.
fn align(granularity: Granularity, local: NaiveDateTime) -> NaiveDateTime {
    let date = local.date();
    let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN);
    match granularity {
        Granularity::Hour => local
            .with_minute(0)
            .and_then(|t| t.with_second(0))
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(local),
        Granularity::Day => midnight(date),
        Granularity::Week => {
            midnight(date - Duration::days(i64::from(date.weekday().num_days_from_monday())))
        }
        Granularity::Month => midnight(date.with_day(1).unwrap_or(date)),
        Granularity::Quarter => {
            let month = (date.month0() / 3) * 3 + 1;
            midnight(NaiveDate::from_ymd_opt(date.year(), month, 1).unwrap_or(date))
        }
        Granularity::Year => midnight(NaiveDate::from_ymd_opt(date.year(), 1, 1).unwrap_or(date)),
    }
}

/// `start` moved by `steps` buckets (negative: back).
fn step(granularity: Granularity, start: NaiveDateTime, steps: i64) -> NaiveDateTime {
    let months = |n: i64| {
        let shifted = if n >= 0 {
            start.checked_add_months(Months::new(n as u32))
        } else {
            start.checked_sub_months(Months::new((-n) as u32))
        };
        shifted.unwrap_or(start)
    };
    match granularity {
        Granularity::Hour => start + Duration::hours(steps),
        Granularity::Day => start + Duration::days(steps),
        Granularity::Week => start + Duration::weeks(steps),
        Granularity::Month => months(steps),
        Granularity::Quarter => months(steps * 3),
        Granularity::Year => months(steps * 12),
    }
}

/// The instant a local time names; in a DST gap, the first instant after it.
fn instant(tz: Tz, local: NaiveDateTime) -> DateTime<Tz> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t,
        LocalResult::Ambiguous(first, _) => first,
        LocalResult::None => instant(tz, local + Duration::hours(1)),
    }
}

fn label(granularity: Granularity, local: NaiveDateTime) -> String {
    match granularity {
        Granularity::Hour => local.format("%Y-%m-%d %H:00").to_string(),
        Granularity::Day => local.format("%Y-%m-%d").to_string(),
        Granularity::Week => {
            let week = local.date().iso_week();
            format!("{}-W{:02}", week.year(), week.week())
        }
        Granularity::Month => local.format("%Y-%m").to_string(),
        Granularity::Quarter => format!("{}-Q{}", local.year(), local.month0() / 3 + 1),
        Granularity::Year => local.format("%Y").to_string(),
    }
}

/// The empty buckets covering the days `from..=to` in `tz`, and the UTC instant after the
/// last one.
pub fn buckets(
    granularity: Granularity,
    tz: Tz,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(Vec<Bucket>, DateTime<Utc>), SeriesError> {
    if from > to {
        return Err(SeriesError::Backwards);
    }
    let first = align(granularity, from.and_time(NaiveTime::MIN));
    let end = to.and_time(NaiveTime::MIN) + Duration::days(1);
    buckets_from(granularity, tz, first, |start, _| start < end)
}

/// The `count` buckets just before the bucket starting at `first_start` (for comparison with
/// the previous period), and the instant after the last of them.
pub fn previous(
    granularity: Granularity,
    tz: Tz,
    first: &Bucket,
    count: usize,
) -> Result<(Vec<Bucket>, DateTime<Utc>), SeriesError> {
    let local = first.start_utc.with_timezone(&tz).naive_local();
    let start = step(granularity, align(granularity, local), -(count as i64));
    buckets_from(granularity, tz, start, |_, n| n < count)
}

fn buckets_from(
    granularity: Granularity,
    tz: Tz,
    first: NaiveDateTime,
    more: impl Fn(NaiveDateTime, usize) -> bool,
) -> Result<(Vec<Bucket>, DateTime<Utc>), SeriesError> {
    let mut list = Vec::new();
    let mut start = first;
    while more(start, list.len()) {
        if list.len() == MAX_BUCKETS {
            return Err(SeriesError::TooManyBuckets);
        }
        let at = instant(tz, start);
        list.push(Bucket {
            start: at.to_rfc3339(),
            label: label(granularity, start),
            counts: BTreeMap::new(),
            start_utc: at.with_timezone(&Utc),
        });
        start = step(granularity, start, 1);
    }
    Ok((list, instant(tz, start).with_timezone(&Utc)))
}

impl Bucket {
    pub fn start_utc(&self) -> DateTime<Utc> {
        self.start_utc
    }
}

/// Adds each hourly point to the bucket it falls in; points outside the buckets (before the
/// first, or at or after `end`) are left out.
pub fn fill(buckets: &mut [Bucket], end: DateTime<Utc>, points: &[SeriesPoint]) {
    for point in points {
        if point.hour >= end || point.count == 0 {
            continue;
        }
        let index = buckets.partition_point(|b| b.start_utc <= point.hour);
        if index == 0 {
            continue;
        }
        *buckets[index - 1]
            .counts
            .entry(point.value.clone())
            .or_insert(0) += point.count;
    }
}

/// Whether entering `value` of `track` is activity a series shows. `needs-action` on
/// `response` is not: every new invitee starts there and a time change puts everyone back, so
/// charting it would show invitations and reschedules as if they were answers.
pub fn is_activity(track: &str, value: &str) -> bool {
    !(track == crate::status::RESPONSE && value == crate::status::Answer::NeedsAction.as_str())
}

/// The first day of the default span: the last 30 days up to `today`.
pub fn default_from(today: NaiveDate) -> NaiveDate {
    today - Duration::days(29)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    fn point(hour: &str, value: &str, count: i64) -> SeriesPoint {
        SeriesPoint {
            hour: DateTime::parse_from_rfc3339(hour)
                .expect("time")
                .with_timezone(&Utc),
            value: value.to_string(),
            count,
        }
    }

    #[test]
    fn days_are_local_days() {
        let tz: Tz = "Europe/Paris".parse().expect("zone");
        let (mut days, end) =
            buckets(Granularity::Day, tz, day("2026-11-01"), day("2026-11-02")).expect("ok");
        assert_eq!(days.len(), 2);
        assert_eq!(days[0].start, "2026-11-01T00:00:00+01:00");
        // 23:30 UTC on the 1st is already the 2nd in Paris.
        fill(
            &mut days,
            end,
            &[
                point("2026-11-01T08:00:00Z", "accepted", 2),
                point("2026-11-01T23:00:00Z", "accepted", 1),
                point("2026-11-02T23:00:00Z", "accepted", 7),
            ],
        );
        assert_eq!(days[0].counts["accepted"], 2);
        assert_eq!(
            days[1].counts["accepted"], 1,
            "the last hour is outside: {days:?}"
        );
    }

    #[test]
    fn weeks_months_quarters_and_years_align_and_label() {
        let utc: Tz = "UTC".parse().expect("zone");
        let (weeks, _) =
            buckets(Granularity::Week, utc, day("2026-11-25"), day("2026-12-07")).expect("ok");
        assert_eq!(weeks[0].label, "2026-W48");
        assert!(weeks[0].start.starts_with("2026-11-23"), "a Monday");
        assert_eq!(weeks.len(), 3);
        let (quarters, _) = buckets(
            Granularity::Quarter,
            utc,
            day("2026-02-10"),
            day("2026-11-10"),
        )
        .expect("ok");
        let labels: Vec<&str> = quarters.iter().map(|q| q.label.as_str()).collect();
        assert_eq!(labels, ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]);
        let (years, _) =
            buckets(Granularity::Year, utc, day("2025-06-01"), day("2026-01-01")).expect("ok");
        assert_eq!(years.len(), 2);
    }

    #[test]
    fn the_previous_period_is_as_long_and_just_before() {
        let utc: Tz = "UTC".parse().expect("zone");
        let (months, _) = buckets(
            Granularity::Month,
            utc,
            day("2026-10-15"),
            day("2026-11-15"),
        )
        .expect("ok");
        let (before, end) =
            previous(Granularity::Month, utc, &months[0], months.len()).expect("ok");
        let labels: Vec<&str> = before.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["2026-08", "2026-09"]);
        assert_eq!(end, months[0].start_utc());
    }

    #[test]
    fn spring_forward_days_still_start_at_midnight_or_just_after() {
        let tz: Tz = "America/Sao_Paulo".parse().expect("zone");
        // São Paulo had DST changes at midnight in 2018 (Nov 4 had no 00:00).
        let (days, _) =
            buckets(Granularity::Day, tz, day("2018-11-03"), day("2018-11-05")).expect("ok");
        assert_eq!(days.len(), 3);
        assert!(days[1].start.starts_with("2018-11-04T01:00:00"), "{days:?}");
    }

    #[test]
    fn too_many_buckets_and_backwards_spans_are_refused() {
        let utc: Tz = "UTC".parse().expect("zone");
        assert_eq!(
            buckets(Granularity::Hour, utc, day("2025-01-01"), day("2026-01-01")).err(),
            Some(SeriesError::TooManyBuckets)
        );
        assert_eq!(
            buckets(Granularity::Day, utc, day("2026-01-02"), day("2026-01-01")).err(),
            Some(SeriesError::Backwards)
        );
    }
}
