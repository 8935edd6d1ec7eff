//! The sender's VTIMEZONE against chrono-tz for real zones written in every RRULE shape real
//! exporters use, the precedence of the sender's rules over the IANA mapping, the fallbacks,
//! and hostile blocks.

use super::{Zones, named_to_utc};
use crate::ical::TimeValue;
use calcard::common::PartialDateTime;
use calcard::icalendar::ICalendar;
use calcard::{Entry, Parser};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};
use std::ops::RangeInclusive;
use std::time::{Duration as Elapsed, Instant};

fn calendar(vtimezones: &str) -> ICalendar {
    let text = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{}END:VCALENDAR\r\n",
        vtimezones.replace("\r\n", "\n").replace('\n', "\r\n")
    );
    match Parser::new(&text).entry() {
        Entry::ICalendar(calendar) => calendar,
        other => panic!("not a calendar: {other:?}"),
    }
}

fn zones(vtimezones: &str) -> Zones {
    Zones::from_calendar(&calendar(vtimezones))
}

fn partial(at: NaiveDateTime) -> PartialDateTime {
    PartialDateTime {
        year: u16::try_from(at.year()).ok(),
        month: u8::try_from(at.month()).ok(),
        day: u8::try_from(at.day()).ok(),
        hour: u8::try_from(at.hour()).ok(),
        minute: u8::try_from(at.minute()).ok(),
        second: u8::try_from(at.second()).ok(),
        ..PartialDateTime::default()
    }
}

fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").expect("test time")
}

fn resolve(zones: &Zones, tzid: &str, at: NaiveDateTime) -> TimeValue {
    zones
        .resolve(&partial(at), Some(tzid), false)
        .expect("a date-time resolves")
}

fn utc_of(zones: &Zones, tzid: &str, at: &str) -> String {
    match resolve(zones, tzid, local(at)) {
        TimeValue::Zoned { utc, .. } => utc.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        other => panic!("{tzid} {at}: not zoned: {other:?}"),
    }
}

/// `vtimezone` with its TZID renamed and the vendor hints dropped, so that no IANA or Windows
/// mapping can stand in for its rules: what resolves, resolves by the rules.
fn rules_only(vtimezone: &str, tzid: &str) -> (Zones, String) {
    let renamed = format!("{tzid} (rules only)");
    let text: String = vtimezone
        .lines()
        .filter(|l| !l.starts_with("X-LIC-LOCATION") && !l.starts_with("X-MICROSOFT-CDO-TZID"))
        .map(|l| {
            if l.trim_end() == format!("TZID:{tzid}") {
                format!("TZID:{renamed}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    (zones(&text), renamed)
}

/// Every half hour within a day of each of `tz`'s transitions in `years`, and two mid-season
/// times a year, resolve through the sender's block (and only it) as chrono-tz, with the same
/// gap and fall-back policy, says. Returns how many transitions were checked.
fn assert_matches_iana(
    vtimezone: &str,
    tzid: &str,
    tz: chrono_tz::Tz,
    years: RangeInclusive<i32>,
) -> usize {
    let (zones, tzid) = rules_only(vtimezone, tzid);
    let (zones, tzid) = (&zones, tzid.as_str());
    let offset = |at: NaiveDateTime| at - named_to_utc(tz, at);
    let check = |at: NaiveDateTime| {
        let expected = named_to_utc(tz, at);
        match resolve(zones, tzid, at) {
            TimeValue::Zoned { utc, .. } => {
                assert_eq!(utc.naive_utc(), expected, "{tzid} at {at} (local)")
            }
            other => panic!("{tzid} at {at}: not zoned: {other:?}"),
        }
    };
    let mut transitions = 0;
    for year in years {
        let mut day = NaiveDate::from_ymd_opt(year, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("year start");
        check(day + Duration::days(14) + Duration::hours(12));
        check(day + Duration::days(196) + Duration::hours(12));
        while day.year() == year {
            let next = day + Duration::days(1);
            if offset(day) != offset(next) {
                transitions += 1;
                let mut at = day - Duration::days(1);
                while at <= next + Duration::days(1) {
                    check(at);
                    at += Duration::minutes(30);
                }
            }
            day = next;
        }
    }
    transitions
}

/// tzurl and old Apple exports write "last Sunday" as a Sunday among the last seven days.
const BERLIN_DAY_RANGES: &str = "BEGIN:VTIMEZONE
TZID:Europe/Berlin
TZURL:http://tzurl.org/zoneinfo/Europe/Berlin
X-LIC-LOCATION:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19810329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=SU;BYMONTHDAY=25,26,27,28,29,30,31
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19961027T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=SU;BYMONTHDAY=25,26,27,28,29,30,31
END:STANDARD
END:VTIMEZONE
";

#[test]
fn a_sunday_among_a_range_of_month_days_is_the_transition() {
    let block = BERLIN_DAY_RANGES;
    let checked = assert_matches_iana(
        block,
        "Europe/Berlin",
        chrono_tz::Europe::Berlin,
        2025..=2030,
    );
    assert_eq!(checked, 12);
}

#[test]
fn the_second_sunday_written_as_days_eight_to_fourteen() {
    let block = "BEGIN:VTIMEZONE
TZID:US-Eastern
BEGIN:DAYLIGHT
DTSTART:20070311T020000
RRULE:FREQ=YEARLY;BYDAY=SU;BYMONTHDAY=8,9,10,11,12,13,14;BYMONTH=3
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20071104T020000
RRULE:FREQ=YEARLY;BYDAY=SU;BYMONTHDAY=1,2,3,4,5,6,7;BYMONTH=11
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
END:STANDARD
END:VTIMEZONE
";
    // No IANA name to lean on: the rules alone give these.
    let checked = assert_matches_iana(
        block,
        "US-Eastern",
        chrono_tz::America::New_York,
        2025..=2030,
    );
    assert_eq!(checked, 12);
}

#[test]
fn ordinal_weekdays_last_and_second() {
    let block = "BEGIN:VTIMEZONE
TZID:GMT Standard Time
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0000
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T010000
TZOFFSETFROM:+0000
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VTIMEZONE
TZID:Central Time
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0600
RRULE:FREQ=YEARLY;WKST=MO;INTERVAL=1;BYMONTH=11;BYDAY=1SU
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:-0600
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;WKST=MO;INTERVAL=1;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
END:VTIMEZONE
";
    let london = assert_matches_iana(
        block,
        "GMT Standard Time",
        chrono_tz::Europe::London,
        2025..=2030,
    );
    let chicago = assert_matches_iana(
        block,
        "Central Time",
        chrono_tz::America::Chicago,
        2025..=2030,
    );
    assert_eq!((london, chicago), (12, 12));
}

#[test]
fn bysetpos_picks_the_last_sunday_yearly_and_monthly() {
    let block = "BEGIN:VTIMEZONE
TZID:Paris by setpos
BEGIN:DAYLIGHT
DTSTART:19960331T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=SU;BYSETPOS=-1
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:19961027T030000
RRULE:FREQ=MONTHLY;INTERVAL=12;BYDAY=SU;BYSETPOS=-1
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE
";
    let checked = assert_matches_iana(
        block,
        "Paris by setpos",
        chrono_tz::Europe::Paris,
        2025..=2030,
    );
    assert_eq!(checked, 12);
}

/// America/New_York as tzurl writes it: the 1987–2006 rules end with UNTIL, the 2007 ones
/// take over.
const NEW_YORK_UNTIL: &str = "BEGIN:VTIMEZONE
TZID:Eastern (history)
BEGIN:DAYLIGHT
DTSTART:19870405T020000
RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU;UNTIL=20060402T070000Z
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:19671029T020000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20061029T060000Z
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20070311T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20071104T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
END:STANDARD
END:VTIMEZONE
";

#[test]
fn rules_that_change_over_the_years_end_with_until() {
    let block = NEW_YORK_UNTIL;
    let checked = assert_matches_iana(
        block,
        "Eastern (history)",
        chrono_tz::America::New_York,
        1988..=2030,
    );
    assert_eq!(checked, 2 * 43);
}

#[test]
fn rules_that_change_over_the_years_end_with_count() {
    // 1987..=2006 is twenty first-Sundays of April; 1967..=2006 forty last-Sundays of October.
    let text = NEW_YORK_UNTIL
        .replace("UNTIL=20060402T070000Z", "COUNT=20")
        .replace("UNTIL=20061029T060000Z", "COUNT=40")
        .replace("Eastern (history)", "Eastern (count)");
    let block = text.as_str();
    let checked = assert_matches_iana(
        block,
        "Eastern (count)",
        chrono_tz::America::New_York,
        1988..=2030,
    );
    assert_eq!(checked, 2 * 43);
}

#[test]
fn a_fixed_day_of_a_month_with_bymonthday_only() {
    // Iran's rules until 2022 (fixed days 22 March / 22 September at midnight), made up for
    // every year: FREQ=YEARLY;BYMONTH with BYMONTHDAY and no BYDAY.
    let zones = zones(
        "BEGIN:VTIMEZONE
TZID:Fixed days
BEGIN:DAYLIGHT
DTSTART:20170322T000000
RRULE:FREQ=YEARLY;INTERVAL=1;BYMONTH=3;BYMONTHDAY=22
TZOFFSETFROM:+0330
TZOFFSETTO:+0430
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20170922T000000
RRULE:FREQ=YEARLY;INTERVAL=1;BYMONTH=9;BYMONTHDAY=22
TZOFFSETFROM:+0430
TZOFFSETTO:+0330
END:STANDARD
END:VTIMEZONE
",
    );
    assert_eq!(
        utc_of(&zones, "Fixed days", "2028-03-21T23:00:00"),
        "2028-03-21T19:30:00Z"
    );
    // 00:00–00:59 on 22 March does not exist; read with the offset before the gap.
    assert_eq!(
        utc_of(&zones, "Fixed days", "2028-03-22T00:30:00"),
        "2028-03-21T21:00:00Z"
    );
    assert_eq!(
        utc_of(&zones, "Fixed days", "2028-03-22T01:00:00"),
        "2028-03-21T20:30:00Z"
    );
    // 23:00–23:59 on 21 September happens twice; the first is meant.
    assert_eq!(
        utc_of(&zones, "Fixed days", "2028-09-21T23:30:00"),
        "2028-09-21T19:00:00Z"
    );
    assert_eq!(
        utc_of(&zones, "Fixed days", "2028-09-22T00:00:00"),
        "2028-09-21T20:30:00Z"
    );
}

#[test]
fn a_zone_with_only_standard_time() {
    let zones = zones(
        "BEGIN:VTIMEZONE
TZID:India Standard Time
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:+0530
TZOFFSETTO:+0530
END:STANDARD
END:VTIMEZONE
",
    );
    assert_eq!(
        utc_of(&zones, "India Standard Time", "2026-07-01T12:00:00"),
        "2026-07-01T06:30:00Z"
    );
    assert_eq!(
        utc_of(&zones, "India Standard Time", "1601-01-01T00:00:00"),
        "1600-12-31T18:30:00Z"
    );
    assert_eq!(
        utc_of(&zones, "India Standard Time", "9999-12-31T23:00:00"),
        "9999-12-31T17:30:00Z"
    );
}

#[test]
fn a_full_tzurl_history_with_dtstart_only_and_rdate_observances() {
    // khal's Europe/Brussels (tzurl, 2022): one-off observances, RDATE lists, BYDAY=3MO rules
    // with UNTIL, BYDAY=SU;BYMONTHDAY=2..8 ranges, and the rules in force since 1981/1996.
    let text =
        include_str!("../../../../tests/fixtures/corpus/other-clients/khal__non_dst_error.ics");
    let start = text.find("BEGIN:VTIMEZONE").expect("a VTIMEZONE");
    let end = text.find("END:VTIMEZONE").expect("its end") + "END:VTIMEZONE\n".len();
    let block = &text[start..end];
    let checked = assert_matches_iana(
        block,
        "Europe/Brussels",
        chrono_tz::Europe::Brussels,
        1977..=2030,
    );
    assert_eq!(checked, 2 * 54);
    let (zones, tzid) = rules_only(block, "Europe/Brussels");
    // Historic one-offs: CET from 8 November 1914, WET (+00) after 11 November 1918, the
    // first-Sunday-after-the-first "BYMONTHDAY=2..8" rule of 1922–1927, CET again from 1940.
    assert_eq!(
        utc_of(&zones, &tzid, "1915-01-15T12:00:00"),
        "1915-01-15T11:00:00Z"
    );
    assert_eq!(
        utc_of(&zones, &tzid, "1919-01-15T12:00:00"),
        "1919-01-15T12:00:00Z"
    );
    assert_eq!(
        utc_of(&zones, &tzid, "1925-10-03T12:00:00"),
        "1925-10-03T11:00:00Z"
    );
    assert_eq!(
        utc_of(&zones, &tzid, "1925-10-04T12:00:00"),
        "1925-10-04T12:00:00Z"
    );
}

#[test]
fn the_senders_block_beats_the_iana_rules_of_its_name() {
    // The pre-2007 US rules under the IANA name: on 20 March 2027 New York is on daylight time
    // by IANA (since the second Sunday of March), on standard time by this block (until the
    // first Sunday of April). RFC 5545 §3.6.5: the block is what the TZID means here.
    let zones = zones(
        "BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:DAYLIGHT
DTSTART:19870405T020000
RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:19671029T020000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
END:STANDARD
END:VTIMEZONE
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:STANDARD
DTSTART:19700101T000000
TZOFFSETFROM:+0330
TZOFFSETTO:+0330
END:STANDARD
END:VTIMEZONE
",
    );
    match resolve(&zones, "America/New_York", local("2027-03-20T12:00:00")) {
        TimeValue::Zoned {
            utc,
            tzid,
            source_tzid,
            ..
        } => {
            assert_eq!(
                utc.format("%H:%M").to_string(),
                "17:00",
                "IANA would say 16:00"
            );
            // Still named by its IANA name; the sender's block travels under the same TZID.
            assert_eq!((tzid.as_str(), source_tzid), ("America/New_York", None));
        }
        other => panic!("not zoned: {other:?}"),
    }
    assert_eq!(
        utc_of(&zones, "America/New_York", "2027-11-01T12:00:00"),
        "2027-11-01T17:00:00Z"
    );
    // A made-up offset under a real name is followed too.
    assert_eq!(
        utc_of(&zones, "Europe/Berlin", "2027-07-01T12:00:00"),
        "2027-07-01T08:30:00Z"
    );
}

#[test]
fn a_label_with_an_offset_is_named_by_the_senders_tzid_when_its_rules_have_dst() {
    // Exchange 2003: calcard reads "(GMT-08.00)" as Etc/GMT+8, a zone without DST; the block
    // says Pacific time with the pre-2007 US rules.
    let tzid = "(GMT-08.00) Pacific Time (US & Canada)/Tijuana";
    let zones = zones(&format!(
        "BEGIN:VTIMEZONE
TZID:{tzid}
X-MICROSOFT-CDO-TZID:13
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:-0700
TZOFFSETTO:-0800
RRULE:FREQ=YEARLY;WKST=MO;INTERVAL=1;BYMONTH=10;BYDAY=-1SU
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:-0800
TZOFFSETTO:-0700
RRULE:FREQ=YEARLY;WKST=MO;INTERVAL=1;BYMONTH=4;BYDAY=1SU
END:DAYLIGHT
END:VTIMEZONE
"
    ));
    match resolve(&zones, tzid, local("2005-06-06T14:00:00")) {
        TimeValue::Zoned {
            utc,
            tzid: name,
            source_tzid,
            ..
        } => {
            assert_eq!(utc.format("%H:%M").to_string(), "21:00");
            assert_eq!((name.as_str(), source_tzid), (tzid, None));
        }
        other => panic!("not zoned: {other:?}"),
    }
}

#[test]
fn an_unreadable_rule_falls_back_to_the_iana_name() {
    let block = |tzid: &str| {
        format!(
            "BEGIN:VTIMEZONE
TZID:{tzid}
BEGIN:STANDARD
DTSTART:19671029T020000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19870405T020000
RRULE:FREQ=WEEKLY;BYDAY=SU
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
END:DAYLIGHT
END:VTIMEZONE
"
        )
    };
    let zones = zones(&(block("America/New_York") + &block("Nowhere Standard Time")));
    // The DAYLIGHT rule cannot be read, so the block cannot say; IANA can (EDT, not EST).
    assert_eq!(
        utc_of(&zones, "America/New_York", "2027-07-01T12:00:00"),
        "2027-07-01T16:00:00Z"
    );
    // Neither the block nor the name: the wall time is all there is.
    assert!(matches!(
        resolve(
            &zones,
            "Nowhere Standard Time",
            local("2027-07-01T12:00:00")
        ),
        TimeValue::UnknownZone { .. }
    ));
    // Before the unreadable observance began, the readable one is the whole story.
    assert_eq!(
        utc_of(&zones, "Nowhere Standard Time", "1980-07-01T12:00:00"),
        "1980-07-01T17:00:00Z"
    );
}

#[test]
fn an_unreadable_observance_that_ended_does_not_block_later_times() {
    let zones = zones(
        "BEGIN:VTIMEZONE
TZID:Odd history
BEGIN:DAYLIGHT
DTSTART:19500402T020000
RRULE:FREQ=WEEKLY;UNTIL=19600101T000000Z
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:19700101T000000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE
",
    );
    assert_eq!(
        utc_of(&zones, "Odd history", "2026-07-01T12:00:00"),
        "2026-07-01T11:00:00Z"
    );
    assert!(matches!(
        resolve(&zones, "Odd history", local("1955-07-01T12:00:00")),
        TimeValue::UnknownZone { .. }
    ));
}

#[test]
fn a_block_without_rules_is_not_stretched_years_past_its_onsets() {
    // eM Client wrote only the 2007 onsets of America/New_York. Read literally, New York would
    // be on EST for good after November 2007; in 2023 the IANA mapping answers instead.
    let zones = zones(
        "BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:STANDARD
DTSTART:20071104T020000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20070311T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
END:DAYLIGHT
END:VTIMEZONE
",
    );
    assert_eq!(
        utc_of(&zones, "America/New_York", "2023-06-13T11:55:00"),
        "2023-06-13T15:55:00Z"
    );
    assert_eq!(
        utc_of(&zones, "America/New_York", "2007-12-13T11:55:00"),
        "2007-12-13T16:55:00Z"
    );
}

#[test]
fn hostile_blocks_finish_quickly_and_never_panic() {
    let mut rdates = String::new();
    for i in 0..3000 {
        let day = NaiveDate::from_ymd_opt(1900, 1, 1).expect("day") + Duration::days(i * 13);
        rdates.push_str(&format!("RDATE:{}T020000\n", day.format("%Y%m%d")));
    }
    let text = format!(
        "BEGIN:VTIMEZONE
TZID:Hostile
BEGIN:DAYLIGHT
DTSTART:00010101T020000
RRULE:FREQ=YEARLY;COUNT=4294967295;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:00010101T030000
RRULE:FREQ=YEARLY;UNTIL=99991231T235959Z;INTERVAL=1;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:STANDARD
DTSTART:00010101T030000
RRULE:FREQ=YEARLY;INTERVAL=65535;BYMONTH=2;BYMONTHDAY=29,30,31;BYSETPOS=9999,-9999
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE
BEGIN:VTIMEZONE
TZID:Many RDATEs
BEGIN:STANDARD
DTSTART:18000101T000000
{rdates}TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:STANDARD
END:VTIMEZONE
BEGIN:VTIMEZONE
TZID:Every day
BEGIN:STANDARD
DTSTART:20000101T000000
RRULE:FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYDAY=SU,MO,TU,WE,TH,FR,SA;BYHOUR=0,1,2,3
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:STANDARD
END:VTIMEZONE
"
    );
    let started = Instant::now();
    let zones = zones(&text);
    for year in (1..=9999).step_by(7) {
        let at = NaiveDate::from_ymd_opt(year, 3, 28)
            .and_then(|d| d.and_hms_opt(2, 30, 0))
            .expect("time");
        for tzid in ["Hostile", "Many RDATEs", "Every day"] {
            let _ = resolve(&zones, tzid, at);
        }
    }
    assert!(
        started.elapsed() < Elapsed::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    // The first two shapes are still a zone: last Sundays of March and October.
    assert_eq!(
        utc_of(&zones, "Hostile", "2026-07-01T12:00:00"),
        "2026-07-01T10:00:00Z"
    );
    assert_eq!(
        utc_of(&zones, "Hostile", "9999-12-01T12:00:00"),
        "9999-12-01T11:00:00Z"
    );
    // More RDATEs than a zone has, or an onset every day: not evaluated, and no name to map.
    for tzid in ["Many RDATEs", "Every day"] {
        assert!(matches!(
            resolve(&zones, tzid, local("2026-07-01T12:00:00")),
            TimeValue::UnknownZone { .. }
        ));
    }
}
