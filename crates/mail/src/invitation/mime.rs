//! The invitation as a message, in the shape Google and Stalwart send:
//!
//! ```text
//! multipart/mixed
//!   multipart/alternative
//!     text/plain
//!     text/html
//!     text/calendar; method=REQUEST; charset=utf-8   (7bit or quoted-printable, never base64)
//!   application/ics; name=invite.ics                 (attachment, base64)
//! ```
//!
//! Outlook and Gmail show their answer buttons only for an inline text/calendar part whose
//! `method` matches METHOD and that is not base64; the attachment serves clients that import
//! only attached files.

use super::{InvitationMethod, Occurrence, PersonalInvitation, write_with};
use crate::headers::{header_safe, mailbox};
use askama::Template;
use mail_builder::MessageBuilder;
use mail_builder::encoders::QuotedPrintableEncoder;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::date::Date;
use mail_builder::headers::raw::Raw;
use mail_builder::headers::url::URL;
use mail_builder::mime::{BodyPart, MimePart};
use rollcall_core::present::{SeriesText, series_text, when_text};

/// What the text and HTML bodies show; askama escapes every field in the HTML one.
#[derive(Debug)]
struct InvitationView<'a> {
    heading: &'static str,
    lead: String,
    title: &'a str,
    when: &'a str,
    /// How a series repeats, and its coming cancelled or moved dates.
    repeats: Option<String>,
    changes: Vec<String>,
    location: Option<&'a str>,
    /// The organizer's meeting link (checked to be a web link when it was read).
    meeting_url: Option<&'a str>,
    personal_url: &'a str,
    unsubscribe_url: &'a str,
    cancelled: bool,
    /// Why they receive this mail at all.
    why: String,
}

#[derive(Template)]
#[template(path = "invitation/body.txt")]
struct InvitationText<'a> {
    v: &'a InvitationView<'a>,
}

#[derive(Template)]
#[template(path = "invitation/body.html")]
struct InvitationHtml<'a> {
    v: &'a InvitationView<'a>,
}

/// The whole MIME message for one invitee.
pub fn build_invitation(inv: &PersonalInvitation) -> Vec<u8> {
    let occurrence = Occurrence::of(inv);
    let calendar = write_with(inv, &occurrence);
    let event = inv.event;
    // One line wherever it is shown: in the Subject, and as "What:" in the bodies.
    let title = header_safe(event.summary.as_deref().unwrap_or_default());
    let title = if title.is_empty() {
        "(untitled event)"
    } else {
        title.as_str()
    };
    let when = when_text(occurrence.start.as_deref(), occurrence.end.as_deref());
    let organizer = header_safe(inv.organizer_name);
    let organizer_shown = if organizer.is_empty() {
        "The organizer"
    } else {
        organizer.as_str()
    };
    let one = if occurrence.recurrence_id.is_some() {
        "one occurrence of "
    } else {
        ""
    };
    let (prefix, heading, lead) = match inv.method {
        InvitationMethod::Cancel => (
            "Cancelled",
            "Event cancelled",
            format!("{organizer_shown} cancelled {one}this event."),
        ),
        // An invitee's first invitation carries SEQUENCE 1 (0 means "never sent"), so only a
        // later one is an update.
        InvitationMethod::Request if inv.answer_changed => (
            "Your answer",
            "Your answer is updated",
            format!(
                "You changed your answer to {}. This updates the event in your calendar to \
                 match; the organizer changed nothing.",
                answer_word(inv.partstat)
            ),
        ),
        InvitationMethod::Request if inv.sequence > 1 => (
            "Updated invitation",
            "Invitation updated",
            format!("{organizer_shown} updated {one}this event."),
        ),
        InvitationMethod::Request => (
            "Invitation",
            "You're invited",
            format!("{organizer_shown} invited you to {one}this event."),
        ),
    };
    // A copy of the whole series says how it repeats; one of a single occurrence does not.
    let series = occurrence
        .recurrence_id
        .is_none()
        .then(|| series_text(event, inv.exceptions, inv.dtstamp))
        .flatten();
    let (repeats, changes) = match series {
        Some(SeriesText { repeats, changes }) => (Some(repeats), changes),
        None => (None, Vec::new()),
    };
    let view = InvitationView {
        heading,
        lead,
        title,
        when: &when,
        repeats,
        changes,
        location: event.location.as_deref().filter(|l| !l.trim().is_empty()),
        meeting_url: event.meeting_url.as_deref(),
        personal_url: inv.personal_url,
        unsubscribe_url: inv.unsubscribe_url,
        cancelled: inv.method == InvitationMethod::Cancel,
        why: if inv.added_by_organizer {
            format!("{organizer_shown} added you to the guest list of this event in Rollcall.")
        } else {
            "you answered an invitation sent through Rollcall.".to_string()
        },
    };
    // Rendering into a String cannot fail for these field types; an empty body is the
    // fallback rather than a panic.
    let text = InvitationText { v: &view }.render().unwrap_or_default();
    let html = InvitationHtml { v: &view }.render().unwrap_or_default();

    let method = inv.method.as_str();
    let alternative = MimePart::new(
        "multipart/alternative",
        vec![
            MimePart::new("text/plain", BodyPart::Text(text.into())),
            MimePart::new("text/html", BodyPart::Text(html.into())),
            calendar_part(&calendar, method),
        ],
    );
    let attachment = MimePart::new(
        ContentType::new("application/ics").attribute("name", "invite.ics"),
        BodyPart::Binary(calendar.as_bytes().into()),
    )
    .attachment("invite.ics");

    let from_name = format!("{organizer_shown} via Rollcall");
    let reply_address = header_safe(inv.reply_address);
    let invitee_name = inv.invitee_name.map(header_safe).unwrap_or_default();
    let invitee_email = header_safe(inv.invitee_email);
    let message_id = header_safe(inv.message_id.trim_matches(['<', '>']));
    let unsubscribe = header_safe(inv.unsubscribe_url);
    let mut raw = Vec::with_capacity(calendar.len() * 3 + 4096);
    MessageBuilder::new()
        .from((from_name.as_str(), reply_address.as_str()))
        .to(mailbox(&invitee_name, &invitee_email))
        .subject(header_safe(&format!("{prefix}: {title} @ {when}")))
        .date(Date::new(inv.dtstamp.timestamp()))
        .message_id(message_id.as_str())
        .header("List-Unsubscribe", URL::new(unsubscribe.as_str()))
        .header(
            "List-Unsubscribe-Post",
            Raw::new("List-Unsubscribe=One-Click"),
        )
        .header("Auto-Submitted", Raw::new("auto-generated"))
        .body(MimePart::new(
            "multipart/mixed",
            vec![alternative, attachment],
        ))
        .serialize(&mut raw);
    raw
}

/// The inline calendar: 7bit when it is ASCII (its lines are folded to 75 octets), else
/// quoted-printable. mail-builder would pick base64 for text with many non-ASCII characters,
/// so the encoding is chosen here and the part written raw.
fn calendar_part<'x>(calendar: &'x str, method: &'static str) -> MimePart<'x> {
    let content_type = ContentType::new("text/calendar")
        .attribute("method", method)
        .attribute("charset", "utf-8");
    if calendar.is_ascii() {
        MimePart::new(content_type, BodyPart::Text(calendar.into())).transfer_encoding("7bit")
    } else {
        let mut encoded = Vec::with_capacity(calendar.len() * 2);
        QuotedPrintableEncoder::new()
            .preserve_line_breaks()
            .encode_into(calendar.as_bytes(), &mut encoded);
        MimePart::new(content_type, BodyPart::Binary(encoded.into()))
            .transfer_encoding("quoted-printable")
    }
}

/// A PARTSTAT as the invitee's own answer, in the words the pages use.
fn answer_word(partstat: &str) -> &'static str {
    match partstat {
        "ACCEPTED" => "yes",
        "TENTATIVE" => "maybe",
        "DECLINED" => "no",
        _ => "no answer",
    }
}
