//! Personal invitations as calendars: written by `write_icalendar`, read back with Rollcall's own
//! (calcard-based) reader, and compared with what was meant.

mod support;

use rollcall_core::ical::{CalendarEvent, CalendarObject, Method, TimeValue};
use rollcall_mail::{InvitationMethod, PersonalInvitation, write_icalendar};
use support::*;

fn round_trip(inv: &PersonalInvitation) -> (String, CalendarObject) {
    let text = write_icalendar(inv);
    let object = read(&text);
    (text, object)
}

fn utc(time: Option<&TimeValue>) -> String {
    time.map(TimeValue::to_contract_string).unwrap_or_default()
}

/// What every invitation must say, whatever the event.
fn assert_personal(object: &CalendarObject, inv: &PersonalInvitation) -> CalendarEvent {
    let method = match inv.method {
        InvitationMethod::Request => Method::Request,
        InvitationMethod::Cancel => Method::Cancel,
    };
    assert_eq!(object.method, Some(method));
    assert_eq!(
        object.producer.as_deref(),
        Some("-//Rollcall//Rollcall//EN")
    );
    assert_eq!(object.events.len(), 1, "exactly one VEVENT");
    assert!(object.other_components.is_empty());
    let event = object.events[0].clone();
    assert_eq!(event.uid.as_deref(), Some(inv.uid));
    assert_eq!(event.sequence, inv.sequence);
    assert_eq!(event.dtstamp, Some(inv.dtstamp));
    let organizer = event.organizer.clone().expect("an organizer");
    assert_eq!(organizer.email.as_deref(), Some(REPLY));
    assert_eq!(event.attendees.len(), 1, "exactly one attendee");
    let attendee = &event.attendees[0];
    assert_eq!(attendee.email.as_deref(), Some(INVITEE));
    assert_eq!(attendee.rsvp, Some(true));
    assert_eq!(attendee.role.as_deref(), Some("REQ-PARTICIPANT"));
    assert_eq!(attendee.partstat.as_deref(), Some(inv.partstat));
    assert_eq!(event.url.as_deref(), Some(inv.personal_url));
    assert!(
        event
            .description
            .as_deref()
            .is_some_and(|d| d.contains(inv.personal_url))
    );
    event
}

#[test]
fn every_line_ends_in_crlf_and_fits_in_75_octets() {
    let event = outlook_weekly();
    let text = write_icalendar(&invitation(&event));
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.ends_with("END:VCALENDAR\r\n"));
    assert!(!text.replace("\r\n", "").contains(['\r', '\n']));
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "{line:?}");
    }
    let lines = unfolded(&text);
    for expected in [
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
    ] {
        assert!(lines.iter().any(|l| l == expected), "{expected}");
    }
}

#[test]
fn an_all_day_event_is_written_with_date_values() {
    let event = all_day();
    let inv = invitation(&event);
    let (text, object) = round_trip(&inv);
    let lines = unfolded(&text);
    assert!(lines.contains(&"DTSTART;VALUE=DATE:20270610".to_string()));
    assert!(lines.contains(&"DTEND;VALUE=DATE:20270612".to_string()));
    assert!(!text.contains("VTIMEZONE"));
    let read = assert_personal(&object, &inv);
    assert_eq!(utc(read.start.as_ref()), "2027-06-10");
    assert_eq!(utc(read.end.as_ref()), "2027-06-12");
}

#[test]
fn a_zoned_event_carries_the_senders_own_vtimezone_under_the_name_they_wrote() {
    let event = outlook_weekly();
    let inv = invitation(&event);
    let (text, object) = round_trip(&inv);
    let lines = unfolded(&text);
    assert!(lines.contains(&"DTSTART;TZID=W. Europe Standard Time:20270112T100000".to_string()));
    assert!(lines.contains(&"TZID:W. Europe Standard Time".to_string()));
    // The sender's block, line for line.
    let block = &event.timezones[0].lines;
    let at = lines
        .iter()
        .position(|l| l == "BEGIN:VTIMEZONE")
        .expect("a block");
    assert_eq!(&lines[at..at + block.len()], &block[..]);
    let read = assert_personal(&object, &inv);
    assert_eq!(utc(read.start.as_ref()), "2027-01-12T09:00:00Z");
    assert_eq!(utc(read.end.as_ref()), "2027-01-12T10:00:00Z");
    assert_eq!(
        read.summary.as_deref(),
        Some("Team sync – Überblick, Q1; plan")
    );
    assert_eq!(read.location.as_deref(), Some("Raum 4.12, Berlin"));
}

#[test]
fn an_iana_zone_without_a_block_gets_one_generated_from_chrono_tz() {
    let event = new_york_meeting();
    assert!(event.timezones.is_empty());
    let mut inv = invitation(&event);
    inv.partstat = "accepted";
    inv.sequence = 4;
    let (text, object) = round_trip(&inv);
    let lines = unfolded(&text);
    assert!(lines.contains(&"DTSTART;TZID=America/New_York:20270305T110000".to_string()));
    assert!(lines.contains(&"TZID:America/New_York".to_string()));
    assert!(lines.contains(&"RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3".to_string()));
    inv.partstat = "ACCEPTED";
    let read = assert_personal(&object, &inv);
    assert_eq!(utc(read.start.as_ref()), "2027-03-05T16:00:00Z");
    assert_eq!(utc(read.end.as_ref()), "2027-03-05T17:30:00Z");
    // After the switch to summer time the generated rules still give the right instant.
    let mut summer = event.clone();
    if let Some(TimeValue::Zoned { utc, local, .. }) = summer.start.as_mut() {
        *local += chrono::Duration::days(28);
        *utc += chrono::Duration::days(28) - chrono::Duration::hours(1);
    }
    let later = support::read(&write_icalendar(&invitation(&summer)))
        .events
        .remove(0);
    assert_eq!(utc(later.start.as_ref()), "2027-04-02T15:00:00Z");
}

#[test]
fn utc_stays_utc_and_a_fixed_offset_is_written_as_its_utc_instant() {
    let event = utc_and_offset();
    let inv = invitation(&event);
    let (text, object) = round_trip(&inv);
    let lines = unfolded(&text);
    assert!(lines.contains(&"DTSTART:20270701T150000Z".to_string()));
    assert!(lines.contains(&"DTEND:20270701T153000Z".to_string()));
    assert!(!text.contains("TZID"));
    let read = assert_personal(&object, &inv);
    assert_eq!(utc(read.end.as_ref()), "2027-07-01T15:30:00Z");
}

#[test]
fn floating_and_unknown_zone_times_are_written_as_floating_wall_times() {
    let mut event = new_york_meeting();
    let local = event
        .start
        .as_ref()
        .map(TimeValue::local)
        .unwrap_or_default();
    event.start = Some(TimeValue::UnknownZone {
        local,
        tzid: "Lotus Notes Zone 7".into(),
    });
    event.end = Some(TimeValue::Floating(local + chrono::Duration::hours(1)));
    let text = write_icalendar(&invitation(&event));
    let lines = unfolded(&text);
    assert!(lines.contains(&"DTSTART:20270305T110000".to_string()));
    assert!(lines.contains(&"DTEND:20270305T120000".to_string()));
    assert!(!text.contains("VTIMEZONE"));
}

#[test]
fn a_recurring_event_keeps_its_rrule_and_exdates() {
    let event = outlook_weekly();
    let inv = invitation(&event);
    let (text, object) = round_trip(&inv);
    let lines = unfolded(&text);
    assert!(lines.contains(&"RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=TU".to_string()));
    assert!(lines.contains(&"EXDATE;TZID=W. Europe Standard Time:20270126T100000".to_string()));
    let read = assert_personal(&object, &inv);
    assert_eq!(read.rrule, event.rrule);
    let exdates: Vec<String> = read
        .exdates
        .iter()
        .map(|t| t.to_contract_string())
        .collect();
    assert_eq!(exdates, ["2027-01-26T09:00:00Z"]);
    assert!(read.recurrence_id.is_none());
}

#[test]
fn a_cancel_of_one_occurrence_names_it_and_leaves_the_series_rules_out() {
    let event = outlook_weekly();
    let rid = occurrence(&event, 3);
    let mut inv = invitation(&event);
    inv.method = InvitationMethod::Cancel;
    inv.sequence = 3;
    inv.recurrence_id = Some(&rid);
    let (text, object) = round_trip(&inv);
    let lines = unfolded(&text);
    assert!(lines.contains(&"METHOD:CANCEL".to_string()));
    assert!(lines.contains(&"STATUS:CANCELLED".to_string()));
    assert!(
        lines.contains(&"RECURRENCE-ID;TZID=W. Europe Standard Time:20270202T100000".to_string())
    );
    assert!(!text.contains("RRULE:FREQ=WEEKLY") && !text.contains("EXDATE"));
    let read = assert_personal(&object, &inv);
    assert_eq!(utc(read.recurrence_id.as_ref()), "2027-02-02T09:00:00Z");
    // The occurrence's own times, as long as the series' events.
    assert_eq!(utc(read.start.as_ref()), "2027-02-02T09:00:00Z");
    assert_eq!(utc(read.end.as_ref()), "2027-02-02T10:00:00Z");
}

#[test]
fn a_cancel_of_the_whole_event_is_the_series_with_status_cancelled() {
    let event = outlook_weekly();
    let mut inv = invitation(&event);
    inv.method = InvitationMethod::Cancel;
    inv.sequence = 5;
    inv.partstat = "DECLINED";
    let (text, object) = round_trip(&inv);
    assert!(text.contains("\r\nSTATUS:CANCELLED\r\n"));
    let read = assert_personal(&object, &inv);
    assert_eq!(read.status.as_deref(), Some("CANCELLED"));
    assert_eq!(read.rrule, event.rrule);
}

#[test]
fn an_unknown_partstat_is_sent_as_needs_action() {
    let event = all_day();
    let mut inv = invitation(&event);
    inv.partstat = "ACCEPTED;RSVP=FALSE:mailto:x@evil.example";
    let read = read(&write_icalendar(&inv)).events.remove(0);
    assert_eq!(read.attendees[0].partstat.as_deref(), Some("NEEDS-ACTION"));
}

#[test]
fn hostile_organizer_text_round_trips_as_exactly_the_intended_properties() {
    let event = hostile();
    let mut inv = invitation(&event);
    inv.organizer_name = "Mallory\"\r\nATTENDEE;RSVP=TRUE:mailto:victim@example.com\r\n";
    inv.invitee_name = Some("Dana\";PARTSTAT=ACCEPTED;X=\"");
    inv.partstat = "TENTATIVE";
    let (text, object) = round_trip(&inv);
    let lines = unfolded(&text);
    // Structure: one of each component boundary, one ORGANIZER, one ATTENDEE, no alarm.
    let count = |prefix: &str| lines.iter().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(count("BEGIN:VEVENT"), 1);
    assert_eq!(count("END:VEVENT"), 1);
    assert_eq!(count("BEGIN:VALARM"), 0);
    assert_eq!(count("ORGANIZER"), 1);
    assert_eq!(count("ATTENDEE"), 1);
    assert_eq!(count("UID"), 1);
    let read = assert_personal(&object, &inv);
    let wanted: String = HOSTILE_SUMMARY
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect();
    assert_eq!(read.summary.as_deref(), Some(wanted.as_str()));
    assert_eq!(
        read.location.as_deref(),
        Some("Room 1\nORGANIZER:mailto:evil@example.com")
    );
    assert!(
        read.description
            .as_deref()
            .is_some_and(|d| d.starts_with("Hi\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil\n"))
    );
    // A rule can only lose what came after a line break, never gain a property.
    assert_eq!(read.rrule.as_deref(), Some("FREQ=DAILY;COUNT=3"));
    assert_eq!(utc(read.start.as_ref()), "2027-03-05T16:00:00Z");
    assert_eq!(utc(read.end.as_ref()), "2027-03-05T17:30:00Z");
    let organizer = read.organizer.expect("organizer");
    assert_eq!(
        organizer.name.as_deref(),
        Some("Mallory'ATTENDEE;RSVP=TRUE:mailto:victim@example.com")
    );
    assert_eq!(
        read.attendees[0].name.as_deref(),
        Some("Dana';PARTSTAT=ACCEPTED;X='")
    );
}

#[test]
fn the_organizers_free_busy_and_meeting_link_reach_the_invitation() {
    let mut event = outlook_weekly();
    event.transparent = true;
    event.meeting_url = Some("https://teams.microsoft.com/l/meetup-join/19%3ameeting".into());
    let inv = invitation(&event);
    let (text, object) = round_trip(&inv);
    let read = assert_personal(&object, &inv);
    assert!(read.transparent, "TRANSP:TRANSPARENT: {text}");
    assert_eq!(read.meeting_url, event.meeting_url, "CONFERENCE: {text}");
    assert!(
        text.contains("CONFERENCE;VALUE=URI;FEATURE=VIDEO:https://teams.microsoft.com/"),
        "{text}"
    );
    assert!(
        read.description
            .as_deref()
            .is_some_and(|d| d.contains("\n\nOnline: https://teams.microsoft.com/")),
        "every client shows the description: {:?}",
        read.description
    );
    // The invitee's own page stays the URL.
    assert!(
        text.contains(&format!("URL:{}", inv.personal_url)),
        "{text}"
    );

    let plain = outlook_weekly();
    let opaque = invitation(&plain);
    let (text, _) = round_trip(&opaque);
    assert!(text.contains("TRANSP:OPAQUE"), "{text}");
    assert!(!text.contains("CONFERENCE"), "{text}");
}

#[test]
fn a_series_copy_carries_each_date_answered_on_its_own_as_an_override() {
    let (series, overrides, cancelled) = outlook_weekly_with_exceptions();
    let moved_rid = overrides[0].recurrence_id.clone().expect("a moved date");
    let answered = [
        rollcall_mail::AnsweredOccurrence {
            recurrence_id: occurrence(&series, 3),
            partstat: "DECLINED".into(),
        },
        rollcall_mail::AnsweredOccurrence {
            recurrence_id: moved_rid.clone(),
            partstat: "TENTATIVE".into(),
        },
        // A cancelled date's answer has no date to stand on: the copy leaves it out.
        rollcall_mail::AnsweredOccurrence {
            recurrence_id: occurrence(&series, 4),
            partstat: "ACCEPTED".into(),
        },
    ];
    let inv = PersonalInvitation {
        partstat: "ACCEPTED",
        answered: &answered,
        exceptions: rollcall_mail::Exceptions {
            overrides: &overrides,
            cancelled: &cancelled,
        },
        ..invitation(&series)
    };
    let (_, object) = round_trip(&inv);
    let found: Vec<(String, String, String)> = object
        .events
        .iter()
        .map(|e| {
            (
                utc(e.recurrence_id.as_ref()),
                utc(e.start.as_ref()),
                e.attendees[0].partstat.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                String::new(),
                "2027-01-12T09:00:00Z".into(),
                "ACCEPTED".into()
            ),
            (
                moved_rid.to_contract_string(),
                utc(overrides[0].start.as_ref()),
                "TENTATIVE".into()
            ),
            (
                "2027-02-02T09:00:00Z".into(),
                "2027-02-02T09:00:00Z".into(),
                "DECLINED".into()
            ),
        ]
    );
    let declined = &object.events[2];
    assert_eq!(utc(declined.end.as_ref()), "2027-02-02T10:00:00Z");
    assert!(declined.rrule.is_none() && declined.exdates.is_empty());
    assert_eq!(declined.summary, series.summary);
    assert!(object.events.iter().all(|e| e.uid == object.events[0].uid));

    // A copy of that one date alone carries its own answer.
    let rid = occurrence(&series, 3);
    let one = PersonalInvitation {
        recurrence_id: Some(&rid),
        ..inv
    };
    let (_, object) = round_trip(&one);
    assert_eq!(object.events.len(), 1);
    assert_eq!(
        object.events[0].attendees[0].partstat.as_deref(),
        Some("DECLINED")
    );
}
