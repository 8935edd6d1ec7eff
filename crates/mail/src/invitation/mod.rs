//! Personal calendar invitations (iMIP, RFC 6047): one VCALENDAR per invitee, in which the
//! invitee is the only ATTENDEE and the organizer is the invitee's own reply address, so the
//! Accept/Decline buttons of Outlook, Gmail and Apple Calendar answer Rollcall (DESIGN §2, flow 5).
//! Built once here and handed to every transport as finished bytes.

mod ics;
mod mime;
mod timezone;

pub use mime::build_invitation;

use chrono::{DateTime, Utc};
use ics::Ics;
use rollcall_core::event::CancelledOccurrence;
pub use rollcall_core::event::Exceptions;
use rollcall_core::ical::{CalendarEvent, TimeValue};
use std::borrow::Cow;
use timezone::{Form, ZonePlan};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationMethod {
    Request,
    Cancel,
}

impl InvitationMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationMethod::Request => "REQUEST",
            InvitationMethod::Cancel => "CANCEL",
        }
    }
}

/// One invitee's copy of an event. Every text field that came from the organizer's mail is
/// untrusted; the writer escapes it.
#[derive(Debug, Clone, Copy)]
pub struct PersonalInvitation<'a> {
    pub method: InvitationMethod,
    /// The invitee's own UID, never changes.
    pub uid: &'a str,
    /// Only grows (the caller's job).
    pub sequence: i64,
    pub dtstamp: DateTime<Utc>,
    /// The organizer's details: summary, description, location, times, recurrence, status and
    /// the sender's VTIMEZONE blocks.
    pub event: &'a CalendarEvent,
    /// Set for a CANCEL (or REQUEST) of one occurrence.
    pub recurrence_id: Option<&'a TimeValue>,
    /// What became of single occurrences: written into every copy of the whole series.
    pub exceptions: Exceptions<'a>,
    /// Shown as CN and in "… via Rollcall".
    pub organizer_name: &'a str,
    /// `rsvp+<key>@<domain>`: both ORGANIZER and From.
    pub reply_address: &'a str,
    pub invitee_email: &'a str,
    pub invitee_name: Option<&'a str>,
    /// NEEDS-ACTION / ACCEPTED / TENTATIVE / DECLINED.
    pub partstat: &'a str,
    /// Occurrences they answered on their own ("this date only"): a copy of the whole series
    /// carries each as an override with that PARTSTAT, so their calendar shows both answers.
    pub answered: &'a [AnsweredOccurrence],
    /// The invitee's own page: DESCRIPTION mentions it, URL is it.
    pub personal_url: &'a str,
    /// https link for List-Unsubscribe (RFC 8058 one-click POST target).
    pub unsubscribe_url: &'a str,
    /// Without angle brackets.
    pub message_id: &'a str,
    /// The organizer put them on the list (the dashboard, the API), rather than they
    /// answering on the public page: the mail says why they receive it accordingly.
    pub added_by_organizer: bool,
    /// Sent because the invitee changed their answer on the web (the organizer changed
    /// nothing): the words say so instead of "the organizer updated this event".
    pub answer_changed: bool,
}

/// One occurrence's own answer, for [`PersonalInvitation::answered`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnsweredOccurrence {
    /// Where the rule puts it: its RECURRENCE-ID.
    pub recurrence_id: TimeValue,
    /// NEEDS-ACTION / ACCEPTED / TENTATIVE / DECLINED.
    pub partstat: String,
}

impl AnsweredOccurrence {
    fn is(&self, rid: &TimeValue) -> bool {
        self.recurrence_id.to_contract_string() == rid.to_contract_string()
    }
}

/// The PARTSTAT for the occurrence at `rid`: its own answer, else the series'.
fn partstat_at<'a>(inv: &PersonalInvitation<'a>, rid: Option<&TimeValue>) -> &'a str {
    rid.and_then(|rid| inv.answered.iter().find(|a| a.is(rid)))
        .map_or(inv.partstat, |a| a.partstat.as_str())
}

/// Cancelled occurrences the series' own EXDATEs do not already leave out.
fn extra_exdates(exceptions: &Exceptions, series: &CalendarEvent) -> Vec<TimeValue> {
    let listed: Vec<String> = series
        .exdates
        .iter()
        .map(TimeValue::to_contract_string)
        .collect();
    exceptions
        .cancelled
        .iter()
        .filter(|c| !listed.contains(&c.recurrence_id))
        .filter_map(CancelledOccurrence::time)
        .collect()
}

/// Overrides of occurrences that are not cancelled, each at its own times.
fn moved<'a>(exceptions: &Exceptions<'a>) -> Vec<(&'a CalendarEvent, Occurrence<'a>)> {
    exceptions
        .overrides
        .iter()
        .filter(|o| {
            o.recurrence_id
                .as_ref()
                .is_some_and(|rid| !exceptions.is_cancelled(&rid.to_contract_string()))
        })
        .map(|o| (o, Occurrence::own(o)))
        .collect()
}

/// Dates answered on their own that the organizer left as they were, each with its answer:
/// written as an override of the series' own details at that date, only to carry the answer.
fn answered_only<'a>(
    inv: &PersonalInvitation<'a>,
    moved: &[(&'a CalendarEvent, Occurrence<'a>)],
) -> Vec<(Occurrence<'a>, &'a str)> {
    let overridden = |rid: &TimeValue| {
        moved
            .iter()
            .filter_map(|(_, at)| at.recurrence_id)
            .any(|m| m.to_contract_string() == rid.to_contract_string())
            || inv.exceptions.is_cancelled(&rid.to_contract_string())
    };
    inv.answered
        .iter()
        .filter(|a| !overridden(&a.recurrence_id))
        .map(|a| {
            (
                Occurrence::at(inv.event, &a.recurrence_id),
                a.partstat.as_str(),
            )
        })
        .collect()
}

/// Whether `occurrence` is the whole series of a recurring event (the one copy that carries
/// the exceptions).
fn is_series(event: &CalendarEvent, occurrence: &Occurrence) -> bool {
    occurrence.recurrence_id.is_none() && (event.rrule.is_some() || !event.rdates.is_empty())
}

const PARTSTATS: &[&str] = &[
    "NEEDS-ACTION",
    "ACCEPTED",
    "TENTATIVE",
    "DECLINED",
    "DELEGATED",
];

/// The occurrence (or series) this invitation is about, with the times it is written with.
#[derive(Debug)]
pub(crate) struct Occurrence<'a> {
    pub start: Option<Cow<'a, TimeValue>>,
    pub end: Option<Cow<'a, TimeValue>>,
    /// `Some` for one occurrence: written as RECURRENCE-ID, and the series rules are left out.
    pub recurrence_id: Option<&'a TimeValue>,
}

impl<'a> Occurrence<'a> {
    pub fn of(inv: &PersonalInvitation<'a>) -> Occurrence<'a> {
        let event = inv.event;
        match (inv.recurrence_id, &event.recurrence_id) {
            (Some(rid), None) => Occurrence::at(event, rid),
            // An override already carries the occurrence's own times.
            (rid, own) => Occurrence {
                recurrence_id: rid.or(own.as_ref()),
                ..Occurrence::own(event)
            },
        }
    }

    /// The series' details for one of its occurrences: that occurrence starts at its
    /// RECURRENCE-ID and lasts as long as the series' events do.
    pub fn at(series: &CalendarEvent, rid: &'a TimeValue) -> Occurrence<'a> {
        let end = match (&series.start, &series.end) {
            (Some(start), Some(end)) => shift(rid, start, end),
            _ => None,
        };
        Occurrence {
            start: Some(Cow::Borrowed(rid)),
            end: end.map(Cow::Owned),
            recurrence_id: Some(rid),
        }
    }

    /// `event` at its own times: the whole series, or an override at its RECURRENCE-ID.
    pub fn own(event: &'a CalendarEvent) -> Occurrence<'a> {
        Occurrence {
            start: event.start.as_ref().map(Cow::Borrowed),
            end: event.end.as_ref().map(Cow::Borrowed),
            recurrence_id: event.recurrence_id.as_ref(),
        }
    }
}

/// `at` moved by the length of `start`..`end`, keeping `at`'s kind of time.
fn shift(at: &TimeValue, start: &TimeValue, end: &TimeValue) -> Option<TimeValue> {
    let wall = end.local() - start.local();
    let instant = match (start.utc(), end.utc()) {
        (Some(s), Some(e)) => e - s,
        _ => wall,
    };
    Some(match at {
        TimeValue::Date(date) => TimeValue::Date(date.checked_add_signed(wall)?),
        TimeValue::Zoned {
            utc,
            local,
            tzid,
            source_tzid,
        } => TimeValue::Zoned {
            utc: utc.checked_add_signed(instant)?,
            local: local.checked_add_signed(wall)?,
            tzid: tzid.clone(),
            source_tzid: source_tzid.clone(),
        },
        TimeValue::Floating(local) => TimeValue::Floating(local.checked_add_signed(wall)?),
        TimeValue::UnknownZone { local, tzid } => TimeValue::UnknownZone {
            local: local.checked_add_signed(wall)?,
            tzid: tzid.clone(),
        },
    })
}

/// The VCALENDAR text of one invitee's invitation: CRLF line ends, folded at 75 octets.
pub fn write_icalendar(inv: &PersonalInvitation) -> String {
    let occurrence = Occurrence::of(inv);
    write_with(inv, &occurrence)
}

pub(crate) fn write_with(inv: &PersonalInvitation, occurrence: &Occurrence) -> String {
    let event = inv.event;
    let series = is_series(event, occurrence);
    let (exdates, moved) = if series {
        (
            extra_exdates(&inv.exceptions, event),
            moved(&inv.exceptions),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let answered = if series {
        answered_only(inv, &moved)
    } else {
        Vec::new()
    };
    let mut zones = ZonePlan::new(&event.timezones);
    let mut ev = Ics::with_capacity(1024 + event.description.as_ref().map_or(0, |d| d.len() * 2));
    let core = Core {
        uid: inv.uid,
        sequence: inv.sequence,
        dtstamp: inv.dtstamp,
    };
    core.write(&mut ev, &mut zones, event, occurrence, &exdates);
    write_personal(
        &mut ev,
        inv,
        event,
        partstat_at(inv, occurrence.recurrence_id),
    );
    for (own, at) in &moved {
        core.write(&mut ev, &mut zones, own, at, &[]);
        write_personal(&mut ev, inv, own, partstat_at(inv, at.recurrence_id));
    }
    for (at, partstat) in &answered {
        core.write(&mut ev, &mut zones, event, at, &[]);
        write_personal(&mut ev, inv, event, partstat);
    }
    wrap(inv.method.as_str(), &zones, ev)
}

/// DESCRIPTION through `END:VEVENT` of one VEVENT of a personal invitation: the invitee's
/// links, the reply address as ORGANIZER and the invitee as the only ATTENDEE.
fn write_personal(ev: &mut Ics, inv: &PersonalInvitation, details: &CalendarEvent, partstat: &str) {
    ev.prop("DESCRIPTION")
        .text(&description(details, inv.personal_url));
    ev.prop("URL").value(inv.personal_url);
    ev.prop("STATUS").value(status(inv.method, details));
    ev.prop("ORGANIZER")
        .param("CN", inv.organizer_name)
        .mailto(inv.reply_address);
    let partstat = partstat.trim().to_ascii_uppercase();
    let partstat = PARTSTATS
        .iter()
        .find(|p| **p == partstat)
        .unwrap_or(&"NEEDS-ACTION");
    ev.prop("ATTENDEE")
        .param("CN", inv.invitee_name.unwrap_or_default())
        .token("ROLE", "REQ-PARTICIPANT")
        .token("PARTSTAT", partstat)
        .token("RSVP", "TRUE")
        .mailto(inv.invitee_email);
    write_presence(ev, details);
    ev.line("END:VEVENT");
}

/// The public `.ics` download of an event page: `METHOD:PUBLISH`, no organizer or attendee
/// (importing it adds the event; answering goes through the page, whose link it carries).
pub fn write_public_calendar(
    event: &CalendarEvent,
    exceptions: Exceptions,
    uid: &str,
    sequence: i64,
    dtstamp: DateTime<Utc>,
    page_url: &str,
    cancelled: bool,
) -> String {
    let mut zones = ZonePlan::new(&event.timezones);
    let mut ev = Ics::with_capacity(1024 + event.description.as_ref().map_or(0, |d| d.len() * 2));
    let occurrence = Occurrence::own(event);
    let series = is_series(event, &occurrence);
    let (exdates, moved) = if series {
        (extra_exdates(&exceptions, event), moved(&exceptions))
    } else {
        (Vec::new(), Vec::new())
    };
    let core = Core {
        uid,
        sequence,
        dtstamp,
    };
    core.write(&mut ev, &mut zones, event, &occurrence, &exdates);
    write_published(&mut ev, event, page_url, cancelled);
    for (own, at) in &moved {
        core.write(&mut ev, &mut zones, own, at, &[]);
        write_published(&mut ev, own, page_url, cancelled);
    }
    wrap("PUBLISH", &zones, ev)
}

/// DESCRIPTION through `END:VEVENT` of one VEVENT of the public calendar.
fn write_published(ev: &mut Ics, details: &CalendarEvent, page_url: &str, cancelled: bool) {
    let own = details
        .description
        .as_deref()
        .map(str::trim_end)
        .unwrap_or_default();
    let pointer = format!("{}RSVP: {page_url}", join_line(details));
    ev.prop("DESCRIPTION").text(&if own.is_empty() {
        pointer
    } else {
        format!("{own}\n\n{pointer}")
    });
    ev.prop("URL").value(page_url);
    ev.prop("STATUS")
        .value(if cancelled { "CANCELLED" } else { "CONFIRMED" });
    write_presence(ev, details);
    ev.line("END:VEVENT");
}

/// What every VEVENT of one calendar shares: the UID, version and stamp.
#[derive(Debug, Clone, Copy)]
struct Core<'c> {
    uid: &'c str,
    sequence: i64,
    dtstamp: DateTime<Utc>,
}

impl Core<'_> {
    /// `BEGIN:VEVENT` through LOCATION: identity, times (in the organizer's zones), recurrence
    /// (with `exdates` beyond the series' own) and the organizer's text. Shared by every
    /// calendar Rollcall writes.
    fn write<'a>(
        &self,
        ev: &mut Ics,
        zones: &mut ZonePlan<'a>,
        event: &'a CalendarEvent,
        occurrence: &'a Occurrence<'a>,
        exdates: &'a [TimeValue],
    ) {
        ev.line("BEGIN:VEVENT");
        ev.prop("UID").text(self.uid);
        ev.prop("SEQUENCE").integer(self.sequence);
        Form::Utc(self.dtstamp.naive_utc()).write(ev, "DTSTAMP");
        let start = occurrence.start.as_deref();
        if let Some(start) = start {
            zones.form(start).write(ev, "DTSTART");
        }
        match (start, occurrence.end.as_deref()) {
            (_, Some(end)) => zones.form(end).write(ev, "DTEND"),
            // An all-day event without an end lasts that one day (RFC 5545 §3.6.1).
            (Some(TimeValue::Date(day)), None) => {
                if let Some(next) = day.succ_opt() {
                    Form::Date(next).write(ev, "DTEND");
                }
            }
            _ => {}
        }
        if let Some(rid) = occurrence.recurrence_id {
            let form = zones.form(rid);
            ev.prop("RECURRENCE-ID");
            if event.this_and_future && event.recurrence_id.is_some() {
                ev.token("RANGE", "THISANDFUTURE");
            }
            form.write_after(ev);
        } else {
            if let Some(rule) = &event.rrule {
                ev.prop("RRULE").value(rule);
            }
            for rdate in &event.rdates {
                zones.form(rdate).write(ev, "RDATE");
            }
            for exdate in event.exdates.iter().chain(exdates) {
                zones.form(exdate).write(ev, "EXDATE");
            }
        }
        if let Some(summary) = &event.summary {
            ev.prop("SUMMARY").text(summary);
        }
        if let Some(location) = &event.location {
            ev.prop("LOCATION").text(location);
        }
    }
}

fn wrap(method: &str, zones: &ZonePlan, vevent: Ics) -> String {
    let vevent = vevent.finish();
    let mut cal = Ics::with_capacity(vevent.len() + 2048);
    cal.line("BEGIN:VCALENDAR");
    cal.line("PRODID:-//Rollcall//Rollcall//EN");
    cal.line("VERSION:2.0");
    cal.line("CALSCALE:GREGORIAN");
    cal.prop("METHOD").value(method);
    zones.write_blocks(&mut cal);
    cal.push_folded(&vevent);
    cal.line("END:VCALENDAR");
    cal.finish()
}

/// CONFIRMED for a REQUEST (TENTATIVE when the organizer marked the event so), CANCELLED for
/// a CANCEL.
fn status(method: InvitationMethod, details: &CalendarEvent) -> &'static str {
    match method {
        InvitationMethod::Cancel => "CANCELLED",
        InvitationMethod::Request if details.status.as_deref() == Some("TENTATIVE") => "TENTATIVE",
        InvitationMethod::Request => "CONFIRMED",
    }
}

/// Whether the event makes its attendees busy, as the organizer set it, and where to join it
/// online: RFC 7986 `CONFERENCE` (our `URL` is the invitee's own page, so the organizer's
/// meeting link travels there and in the description, which every client shows).
fn write_presence(ev: &mut Ics, event: &CalendarEvent) {
    if let Some(link) = &event.meeting_url {
        ev.prop("CONFERENCE")
            .token("VALUE", "URI")
            .token("FEATURE", "VIDEO")
            .value(link);
    }
    ev.prop("TRANSP").value(if event.transparent {
        "TRANSPARENT"
    } else {
        "OPAQUE"
    });
}

/// "Online: <link>" and a blank line, when the event has a meeting link.
fn join_line(event: &CalendarEvent) -> String {
    event
        .meeting_url
        .as_deref()
        .map(|link| format!("Online: {link}\n\n"))
        .unwrap_or_default()
}

fn description(event: &CalendarEvent, personal_url: &str) -> String {
    let own = event
        .description
        .as_deref()
        .map(str::trim_end)
        .unwrap_or_default();
    let pointer = format!(
        "{}Your RSVP and the event's details: {personal_url}",
        join_line(event)
    );
    if own.is_empty() {
        pointer
    } else {
        format!("{own}\n\n{pointer}")
    }
}
