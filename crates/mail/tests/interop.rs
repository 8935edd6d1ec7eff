//! Interop: sample invitations read by two calendar libraries Rollcall does not share code with,
//! Python's `icalendar` and Mozilla's `ical.js` (tests/interop/). Each checker asserts the same
//! fields against `expected.json`, which is written here from what each sample *means*, not from
//! what the writer produced.

mod support;

use rollcall_core::event::CancelledOccurrence;
use rollcall_core::ical::CalendarEvent;
use rollcall_mail::{
    AnsweredOccurrence, Exceptions, InvitationMethod, PersonalInvitation, build_invitation,
    write_icalendar,
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::*;

const DIR_VAR: &str = "ROLLCALL_INTEROP_DIR";

/// A New York meeting in July, so the generated VTIMEZONE's summer rule is exercised.
fn new_york_summer() -> CalendarEvent {
    event_from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n\
         UID:nys@example.com\r\nDTSTAMP:20270201T000000Z\r\nDTSTART;TZID=America/New_York:20270705T110000\r\n\
         DTEND;TZID=America/New_York:20270705T120000\r\nRRULE:FREQ=MONTHLY;UNTIL=20271231T235959Z;BYMONTHDAY=5\r\n\
         SUMMARY:Monthly 1:1\r\nORGANIZER:mailto:org@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    )
}

struct Sample {
    name: &'static str,
    event: CalendarEvent,
    method: InvitationMethod,
    sequence: i64,
    partstat: &'static str,
    /// Weeks after the series start, for one occurrence.
    occurrence: Option<i64>,
    start: &'static str,
    end: &'static str,
    rrule: Option<&'static str>,
    exdates: &'static [&'static str],
    recurrence_id: Option<&'static str>,
    /// What the organizer changed in single occurrences before this copy was written.
    overrides: Vec<CalendarEvent>,
    cancelled: Vec<CancelledOccurrence>,
    /// Dates the invitee answered on their own: (weeks after the series start, PARTSTAT).
    answered: &'static [(i64, &'static str)],
    /// The override VEVENTs the copy must carry: (RECURRENCE-ID, start, end, PARTSTAT).
    moved: &'static [(&'static str, &'static str, &'static str, &'static str)],
}

fn samples() -> Vec<Sample> {
    let base = |name, event, start, end| Sample {
        name,
        event,
        method: InvitationMethod::Request,
        sequence: 0,
        partstat: "NEEDS-ACTION",
        occurrence: None,
        start,
        end,
        rrule: None,
        exdates: &[],
        recurrence_id: None,
        overrides: Vec::new(),
        cancelled: Vec::new(),
        answered: &[],
        moved: &[],
    };
    let (series, overrides, cancelled) = outlook_weekly_with_exceptions();
    vec![
        Sample {
            rrule: Some("FREQ=WEEKLY;COUNT=10;BYDAY=TU"),
            exdates: &["2027-01-26T09:00:00Z", "2027-02-09T09:00:00Z"],
            overrides: overrides.clone(),
            cancelled: cancelled.clone(),
            moved: &[(
                "2027-02-16T09:00:00Z",
                "2027-02-17T14:00:00Z",
                "2027-02-17T15:00:00Z",
                "NEEDS-ACTION",
            )],
            ..base(
                "late-rsvp-series-with-exceptions",
                series.clone(),
                "2027-01-12T09:00:00Z",
                "2027-01-12T10:00:00Z",
            )
        },
        Sample {
            partstat: "ACCEPTED",
            rrule: Some("FREQ=WEEKLY;COUNT=10;BYDAY=TU"),
            exdates: &["2027-01-26T09:00:00Z", "2027-02-09T09:00:00Z"],
            overrides,
            cancelled,
            // No to 2 February alone, maybe to the moved 16 February.
            answered: &[(3, "DECLINED"), (5, "TENTATIVE")],
            moved: &[
                (
                    "2027-02-16T09:00:00Z",
                    "2027-02-17T14:00:00Z",
                    "2027-02-17T15:00:00Z",
                    "TENTATIVE",
                ),
                (
                    "2027-02-02T09:00:00Z",
                    "2027-02-02T09:00:00Z",
                    "2027-02-02T10:00:00Z",
                    "DECLINED",
                ),
            ],
            ..base(
                "series-with-dates-answered-apart",
                series,
                "2027-01-12T09:00:00Z",
                "2027-01-12T10:00:00Z",
            )
        },
        Sample {
            rrule: Some("FREQ=WEEKLY;COUNT=10;BYDAY=TU"),
            exdates: &["2027-01-26T09:00:00Z"],
            ..base(
                "outlook-weekly-own-vtimezone",
                outlook_weekly(),
                "2027-01-12T09:00:00Z",
                "2027-01-12T10:00:00Z",
            )
        },
        Sample {
            sequence: 4,
            partstat: "ACCEPTED",
            ..base(
                "iana-generated-vtimezone",
                new_york_meeting(),
                "2027-03-05T16:00:00Z",
                "2027-03-05T17:30:00Z",
            )
        },
        Sample {
            rrule: Some("FREQ=MONTHLY;UNTIL=20271231T235959Z;BYMONTHDAY=5"),
            ..base(
                "iana-summer-monthly",
                new_york_summer(),
                "2027-07-05T15:00:00Z",
                "2027-07-05T16:00:00Z",
            )
        },
        base("all-day", all_day(), "2027-06-10", "2027-06-12"),
        base(
            "transparent-with-meeting-link",
            CalendarEvent {
                transparent: true,
                meeting_url: Some(
                    "https://teams.microsoft.com/l/meetup-join/19%3ax?a=1&b=2".into(),
                ),
                ..new_york_meeting()
            },
            "2027-03-05T16:00:00Z",
            "2027-03-05T17:30:00Z",
        ),
        base(
            "utc-and-fixed-offset",
            utc_and_offset(),
            "2027-07-01T15:00:00Z",
            "2027-07-01T15:30:00Z",
        ),
        Sample {
            method: InvitationMethod::Cancel,
            sequence: 3,
            partstat: "DECLINED",
            occurrence: Some(3),
            recurrence_id: Some("2027-02-02T09:00:00Z"),
            ..base(
                "cancel-one-occurrence",
                outlook_weekly(),
                "2027-02-02T09:00:00Z",
                "2027-02-02T10:00:00Z",
            )
        },
        Sample {
            partstat: "TENTATIVE",
            rrule: Some("FREQ=DAILY;COUNT=3"),
            ..base(
                "hostile-text",
                hostile(),
                "2027-03-05T16:00:00Z",
                "2027-03-05T17:30:00Z",
            )
        },
    ]
}

/// Writes `<name>.ics`, `<name>.eml` and `expected.json` into `dir`.
fn write_samples(dir: &Path) {
    std::fs::create_dir_all(dir).expect("samples folder");
    let mut expected = Vec::new();
    for sample in samples() {
        let rid = sample.occurrence.map(|w| occurrence(&sample.event, w));
        let answered: Vec<AnsweredOccurrence> = sample
            .answered
            .iter()
            .map(|(week, partstat)| AnsweredOccurrence {
                recurrence_id: occurrence(&sample.event, *week),
                partstat: partstat.to_string(),
            })
            .collect();
        let inv = PersonalInvitation {
            method: sample.method,
            sequence: sample.sequence,
            partstat: sample.partstat,
            answered: &answered,
            recurrence_id: rid.as_ref(),
            exceptions: Exceptions {
                overrides: &sample.overrides,
                cancelled: &sample.cancelled,
            },
            ..invitation(&sample.event)
        };
        let name = sample.name;
        std::fs::write(dir.join(format!("{name}.ics")), write_icalendar(&inv)).expect("ics");
        std::fs::write(dir.join(format!("{name}.eml")), build_invitation(&inv)).expect("eml");
        let summary: Option<String> = sample.event.summary.as_deref().map(|s| {
            s.chars()
                .filter(|c| !c.is_control() || *c == '\n')
                .collect::<String>()
        });
        expected.push(json!({
            "name": name,
            "method": inv.method.as_str(),
            "uid": inv.uid,
            "sequence": inv.sequence,
            "organizer": format!("mailto:{REPLY}"),
            "organizer_cn": inv.organizer_name,
            "attendee": format!("mailto:{INVITEE}"),
            "attendee_cn": inv.invitee_name,
            "partstat": inv.partstat,
            "start": sample.start,
            "end": sample.end,
            "rrule": sample.rrule,
            "exdates": sample.exdates,
            "recurrence_id": sample.recurrence_id,
            "summary": summary,
            "url": inv.personal_url,
            "transp": if sample.event.transparent { "TRANSPARENT" } else { "OPAQUE" },
            "conference": sample.event.meeting_url,
            "overrides": sample.moved.iter().map(|(rid, start, end, partstat)| json!({
                "recurrence_id": rid, "start": start, "end": end, "partstat": partstat,
            })).collect::<Vec<_>>(),
        }));
    }
    let text = serde_json::to_string_pretty(&Value::Array(expected)).expect("json");
    std::fs::write(dir.join("expected.json"), text).expect("expected.json");
}

/// Used by `tests/interop/run.sh` when run on its own: writes the samples where it says.
#[test]
fn writes_samples_when_rollcall_interop_dir_is_set() {
    if let Some(dir) = std::env::var_os(DIR_VAR) {
        write_samples(Path::new(&dir));
    }
}

#[test]
fn python_icalendar_and_icaljs_read_our_invitations_as_we_meant_them() {
    if std::env::var_os(DIR_VAR).is_some() {
        return; // run.sh is driving; it runs the checkers itself.
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let count = samples().len();
    let samples = tempfile::tempdir().expect("temp dir");
    write_samples(samples.path());
    let output = Command::new("bash")
        .arg(root.join("tests/interop/run.sh"))
        .arg(samples.path())
        .current_dir(&root)
        .output()
        .expect("bash runs tests/interop/run.sh");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        output.status.success(),
        "tests/interop/run.sh failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    for checker in ["python icalendar", "ical.js"] {
        assert!(
            stdout.contains(&format!("{checker}: {count} samples ok")),
            "{checker} did not check every sample:\n{stdout}"
        );
    }
}
