use super::*;
use crate::event::{CancelledOccurrence, Event, EventId, EventState};
use crate::ical::read_calendars;
use crate::limits::Limits;
use chrono::TimeZone;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("a valid time")
}

/// The VEVENTs of one calendar, master first.
fn read(vevents: &str, zones: &str) -> Vec<CalendarEvent> {
    let text = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nMETHOD:REQUEST\r\n{zones}{vevents}END:VCALENDAR\r\n"
    );
    let mut events = read_calendars(text.as_bytes(), &Limits::default())
        .expect("reads")
        .remove(0)
        .events;
    events.sort_by_key(|e| e.recurrence_id.is_some());
    events
}

fn series(details: CalendarEvent) -> Event {
    let now = utc(2027, 1, 1, 0, 0);
    Event {
        id: EventId::NONE,
        organizer_email: "org@example.com".into(),
        organizer_name: None,
        uid: "u".into(),
        sequence: 0,
        dtstamp: None,
        state: EventState::Active,
        details,
        overrides: Vec::new(),
        cancelled_occurrences: Vec::new(),
        producer: None,
        created_at: now,
        updated_at: now,
        version: 1,
        placeholder: false,
    }
}

const OUTLOOK_BERLIN: &str = "BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\nBEGIN:STANDARD\r\n\
    DTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n\
    RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\n\
    DTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n\
    RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n";

fn weekly(rule: &str) -> CalendarEvent {
    read(
        &format!(
            "BEGIN:VEVENT\r\nUID:w@example.com\r\nDTSTAMP:20270101T000000Z\r\n\
             DTSTART;TZID=W. Europe Standard Time:20270309T100000\r\n\
             DTEND;TZID=W. Europe Standard Time:20270309T110000\r\nRRULE:{rule}\r\n\
             EXDATE;TZID=W. Europe Standard Time:20270316T100000\r\nSUMMARY:Sync\r\nEND:VEVENT\r\n"
        ),
        OUTLOOK_BERLIN,
    )
    .remove(0)
}

#[test]
fn a_weekly_series_expands_on_its_own_wall_clock_across_the_summer_time_change() {
    let event = series(weekly("FREQ=WEEKLY;COUNT=4;BYDAY=TU"));
    let all = expand(&event.details, Exceptions::of(&event));
    let ids: Vec<&str> = all.iter().map(|o| o.id.as_str()).collect();
    // 10:00 Berlin is 09:00 UTC in winter and 08:00 UTC after 28 March 2027.
    assert_eq!(
        ids,
        [
            "2027-03-09T09:00:00Z",
            "2027-03-16T09:00:00Z",
            "2027-03-23T09:00:00Z",
            "2027-03-30T08:00:00Z"
        ]
    );
    assert_eq!(all[1].state, OccurrenceState::Cancelled, "the EXDATE");
    assert_eq!(
        all[3].end.as_ref().and_then(TimeValue::utc),
        Some(utc(2027, 3, 30, 9, 0))
    );
}

#[test]
fn cancelled_and_moved_occurrences_are_marked_with_the_new_time() {
    let vevents = "BEGIN:VEVENT\r\nUID:w@example.com\r\nDTSTAMP:20270101T000000Z\r\n\
        DTSTART;TZID=W. Europe Standard Time:20270309T100000\r\n\
        DTEND;TZID=W. Europe Standard Time:20270309T110000\r\nRRULE:FREQ=WEEKLY;COUNT=5\r\n\
        SUMMARY:Sync\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:w@example.com\r\nDTSTAMP:20270101T000000Z\r\n\
        RECURRENCE-ID;TZID=W. Europe Standard Time:20270323T100000\r\n\
        DTSTART;TZID=W. Europe Standard Time:20270324T150000\r\n\
        DTEND;TZID=W. Europe Standard Time:20270324T160000\r\nSUMMARY:Sync\r\nEND:VEVENT\r\n";
    let mut read = read(vevents, OUTLOOK_BERLIN);
    let moved = read.pop().expect("override");
    let mut event = series(read.remove(0));
    event.overrides.push(moved);
    event.cancelled_occurrences.push(CancelledOccurrence {
        recurrence_id: "2027-03-30T08:00:00Z".into(),
        sequence: 1,
        dtstamp: None,
        at: None,
    });
    let all = expand(&event.details, Exceptions::of(&event));
    let states: Vec<OccurrenceState> = all.iter().map(|o| o.state).collect();
    use OccurrenceState::*;
    assert_eq!(states, [Scheduled, Scheduled, Moved, Cancelled, Scheduled]);
    assert_eq!(all[2].id, "2027-03-23T09:00:00Z");
    assert_eq!(all[2].start.utc(), Some(utc(2027, 3, 24, 14, 0)));

    let next = upcoming(
        &event.details,
        Exceptions::of(&event),
        utc(2027, 3, 17, 0, 0),
        2,
    );
    let ids: Vec<&str> = next.occurrences.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["2027-03-23T09:00:00Z", "2027-03-30T08:00:00Z"]);
    assert!(next.more);
    assert!(
        !upcoming(
            &event.details,
            Exceptions::of(&event),
            utc(2027, 4, 7, 0, 0),
            2
        )
        .more
    );
}

#[test]
fn an_until_in_utc_ends_the_wall_clock_expansion_where_the_organizers_calendar_does() {
    // UNTIL is the last occurrence's start in UTC (08:00Z = 10:00 Berlin summer time).
    let event = series(weekly("FREQ=WEEKLY;UNTIL=20270330T080000Z"));
    let all = expand(&event.details, Exceptions::of(&event));
    assert_eq!(
        all.last().map(|o| o.id.as_str()),
        Some("2027-03-30T08:00:00Z")
    );
    assert_eq!(all.len(), 4);
}

#[test]
fn an_endless_or_hostile_rule_is_cut_at_the_bound() {
    let event = series(weekly("FREQ=MINUTELY"));
    assert_eq!(
        expand(&event.details, Exceptions::of(&event)).len(),
        MAX_EXPANDED
    );
    let hostile = series(weekly(
        "FREQ=DAILY;BYDAY=XX;COUNT=-5\r\nATTENDEE:mailto:x@evil",
    ));
    // Whatever calcard makes of it, nothing but the rule is read and nothing panics.
    assert!(expand(&hostile.details, Exceptions::of(&hostile)).len() <= MAX_EXPANDED);
}

#[test]
fn a_one_off_event_has_no_occurrences_and_no_description() {
    let mut details = weekly("FREQ=WEEKLY");
    details.rrule = None;
    assert!(expand(&details, Exceptions::default()).is_empty());
    assert_eq!(describe(&details), None);
}

#[test]
fn rules_read_as_people_say_them() {
    let say = |rule: &str| describe(&weekly(rule)).expect("a series");
    assert_eq!(
        say("FREQ=WEEKLY;COUNT=12;BYDAY=TU"),
        "every Tuesday, 12 times, from Tuesday 9 March 2027"
    );
    assert_eq!(
        say("FREQ=WEEKLY"),
        "every Tuesday, from Tuesday 9 March 2027"
    );
    assert_eq!(
        say("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH"),
        "every 2 weeks on Monday and Thursday, from Tuesday 9 March 2027"
    );
    assert_eq!(
        say("FREQ=DAILY;UNTIL=20270331T225959Z"),
        "every day, until Wednesday 31 March 2027, from Tuesday 9 March 2027"
    );
    assert_eq!(
        say("FREQ=MONTHLY;BYDAY=2TU"),
        "monthly on the second Tuesday, from Tuesday 9 March 2027"
    );
    assert_eq!(
        say("FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1"),
        "monthly on the last Friday, from Tuesday 9 March 2027"
    );
    assert_eq!(
        say("FREQ=MONTHLY;INTERVAL=3"),
        "every 3 months on the 9th, from Tuesday 9 March 2027"
    );
    assert_eq!(
        say("FREQ=YEARLY"),
        "every year on 9 March, from Tuesday 9 March 2027"
    );
    assert_eq!(
        say("FREQ=DAILY;BYHOUR=9,17"),
        "on a custom schedule, from Tuesday 9 March 2027"
    );
}

#[test]
fn the_words_for_a_series_list_its_coming_cancelled_and_moved_dates() {
    let mut event = series(weekly("FREQ=WEEKLY;COUNT=5;BYDAY=TU"));
    let mut moved = event.details.clone();
    moved.rrule = None;
    moved.exdates.clear();
    moved.recurrence_id = expand(&event.details, Exceptions::default())
        .get(2)
        .map(|o| o.start.clone());
    moved.start = read(
        "BEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20270101T000000Z\r\n\
         DTSTART;TZID=W. Europe Standard Time:20270324T150000\r\n\
         DTEND;TZID=W. Europe Standard Time:20270324T160000\r\nEND:VEVENT\r\n",
        OUTLOOK_BERLIN,
    )
    .remove(0)
    .start;
    moved.end = None;
    event.overrides.push(moved);
    let text = crate::present::series_text(
        &event.details,
        Exceptions::of(&event),
        utc(2027, 3, 1, 0, 0),
    )
    .expect("a series");
    assert_eq!(
        text.repeats,
        "every Tuesday, 5 times, from Tuesday 9 March 2027"
    );
    assert_eq!(
        text.changes,
        [
            "Tuesday 16 March 2027: cancelled",
            "Tuesday 23 March 2027: moved to Wednesday 24 March 2027, 15:00–16:00 (Europe/Berlin)"
        ]
    );
    // Once they are past, the mail no longer lists them.
    let later = crate::present::series_text(
        &event.details,
        Exceptions::of(&event),
        utc(2027, 3, 25, 0, 0),
    )
    .expect("a series");
    assert!(later.changes.is_empty(), "{later:?}");
}
