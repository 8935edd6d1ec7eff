//! iMIP (RFC 6047): from the raw bytes of an email, or a bare `.ics` file, to typed calendar
//! messages. Never panics; every refusal is a [`ReadError`] that says why.

mod dsn;
mod mime;
pub mod report;

pub use dsn::{Dsn, read_dsn};
// Defined below both readers (`ical` reports it too), named here where callers look for it.
pub use crate::read_error::ReadError;

use crate::ical::{
    CalendarEvent, CalendarObject, Method, normalize, read_calendars, read_normalized,
};
use crate::limits::Limits;
use mail_parser::{HeaderName, MessageParser};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::LazyLock;

/// A mailbox from a header, as the message claimed it (not verified here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    pub email: String,
    pub name: Option<String>,
}

/// One calendar object found in a message, with the method that governs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundCalendar {
    pub object: CalendarObject,
    /// The `method` parameter of the MIME part, when there was one.
    pub mime_method: Option<Method>,
    /// `text/calendar`, `attachment invite.ics`, `file` ...
    pub origin: String,
}

impl FoundCalendar {
    /// The iCalendar METHOD wins over the MIME parameter: it is what the client's calendar
    /// engine wrote, while the MIME parameter is added by the mail layer and is sometimes stale.
    pub fn method(&self) -> Option<&Method> {
        self.object.method.as_ref().or(self.mime_method.as_ref())
    }
}

/// Everything Rollcall reads out of one inbound message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadMessage {
    pub from: Option<Mailbox>,
    pub subject: Option<String>,
    pub message_id: Option<String>,
    pub calendars: Vec<FoundCalendar>,
    /// Oddities worth telling a user who asks why something happened.
    pub warnings: Vec<String>,
    /// Why the From header names no one sender (two From headers, or several addresses in
    /// one): such a message can be trusted and confirmed by nobody.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_problem: Option<String>,
}

impl ReadMessage {
    /// Every event with the method that governs it, in document order.
    pub fn events(&self) -> impl Iterator<Item = (Option<&Method>, &CalendarEvent)> {
        self.calendars
            .iter()
            .flat_map(|c| c.object.events.iter().map(move |e| (c.method(), e)))
    }
}

/// The message without blank or whitespace-only lines before its first header. Some gateways
/// and saved `.eml` files start with one, and to a mail parser an empty first line ends the
/// header block before it began (other readers' test suites tolerate it; so do we).
fn skip_blank_lines(raw: &[u8]) -> &[u8] {
    let mut rest = raw;
    while let Some(end) = rest.iter().position(|&b| b == b'\n') {
        if !rest[..end]
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\r'))
        {
            break;
        }
        rest = &rest[end + 1..];
    }
    rest
}

/// The first From mailbox of a parsed message.
fn first_from(message: &mail_parser::Message) -> Option<Mailbox> {
    message.from().and_then(|a| a.first()).and_then(|addr| {
        Some(Mailbox {
            email: addr.address()?.trim().to_string(),
            name: addr
                .name()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string),
        })
    })
}

/// Just the From and Subject of a message that is not read as an invitation (a delivery
/// report, TNEF, mail without a calendar, a calendar that does not parse), so that what came
/// in can still be listed by sender and subject. Only the header block is parsed; nothing for
/// mail over the size limit or that is no mail at all.
pub fn read_headers(raw: &[u8], limits: &Limits) -> (Option<Mailbox>, Option<String>) {
    if raw.len() > limits.max_message_bytes || looks_like_bare_calendar(raw) {
        return (None, None);
    }
    match MessageParser::new().parse_headers(skip_blank_lines(raw)) {
        Some(message) => (first_from(&message), message.subject().map(str::to_string)),
        None => (None, None),
    }
}

/// The headers Rollcall reads out of an invitation, each parsed by its own parser; every
/// other header is skipped unparsed (its name is kept). Real mail carries kilobytes of
/// Received, ARC and DKIM headers, and mail-parser's default parses each of them.
static INVITATION_HEADERS: LazyLock<MessageParser> = LazyLock::new(|| {
    MessageParser::new()
        .with_mime_headers()
        .header_address(HeaderName::From)
        .header_text(HeaderName::Subject)
        .header_id(HeaderName::MessageId)
        .default_header_ignore()
});

/// Reads an email or a bare iCalendar file.
pub fn read_message(raw: &[u8], limits: &Limits) -> Result<ReadMessage, ReadError> {
    if raw.len() > limits.max_message_bytes {
        return Err(ReadError::MessageTooLarge {
            size: raw.len(),
            limit: limits.max_message_bytes,
        });
    }
    if looks_like_bare_calendar(raw) {
        let objects = read_calendars(raw, limits)?;
        let calendars = objects
            .into_iter()
            .map(|object| FoundCalendar {
                object,
                mime_method: None,
                origin: "file".to_string(),
            })
            .collect();
        return finish(ReadMessage {
            from: None,
            subject: None,
            message_id: None,
            calendars,
            warnings: vec![],
            from_problem: None,
        });
    }
    let raw = skip_blank_lines(raw);
    let message = INVITATION_HEADERS.parse(raw).ok_or(ReadError::NotMail)?;
    // mail-parser reads almost anything as a message; without a single header every mail has,
    // it is not one, and saying so helps more than "no calendar part".
    let known = [
        HeaderName::From,
        HeaderName::To,
        HeaderName::Subject,
        HeaderName::Date,
        HeaderName::MessageId,
        HeaderName::ContentType,
        HeaderName::MimeVersion,
        HeaderName::Received,
    ];
    if !message.headers().iter().any(|h| known.contains(&h.name)) {
        return Err(ReadError::NotMail);
    }
    let found = mime::find_calendar_parts(&message, limits)?;
    let mut read = ReadMessage {
        from: first_from(&message),
        subject: message.subject().map(str::to_string),
        message_id: message.message_id().map(str::to_string),
        calendars: Vec::new(),
        warnings: Vec::new(),
        from_problem: from_problem(&message),
    };
    if found.calendars.is_empty() {
        return Err(if found.tnef {
            ReadError::UnsupportedTnef
        } else {
            ReadError::NoCalendar
        });
    }
    let mut first_error = None;
    // Clients send the same calendar inline and again as `invite.ics`, one maybe with CRLF and
    // the other with LF: a part whose normalized text equals an earlier part's that read well is
    // not parsed again (a clone costs a fraction of a parse), and goes on like a part read anew,
    // so `finish` sees the same calendars. `read_well` holds (the text, the range of
    // `read.calendars` its objects went to).
    let mut read_well: Vec<(String, std::ops::Range<usize>)> = Vec::new();
    for part in found.calendars {
        // The inline copy loses its last line break to the MIME boundary; the attachment keeps it.
        let text = normalize(&part.bytes);
        let same = |earlier: &String| earlier.trim_end_matches('\n') == text.trim_end_matches('\n');
        let earlier = read_well.iter().find(|(earlier, _)| same(earlier));
        let result = match earlier {
            Some((_, range)) => Ok(read.calendars[range.clone()]
                .iter()
                .map(|found| found.object.clone())
                .collect::<Vec<CalendarObject>>()),
            None => read_normalized(&text, limits),
        };
        let first = read.calendars.len();
        match result {
            Ok(objects) => {
                let mime_method = part.mime_method.as_deref().map(Method::parse);
                for object in objects {
                    if let (Some(inner), Some(outer)) = (&object.method, &mime_method)
                        && inner != outer
                    {
                        read.warnings.push(format!(
                            "{}: METHOD:{} disagrees with Content-Type method={}; using {}",
                            part.origin,
                            inner.as_str(),
                            outer.as_str(),
                            inner.as_str()
                        ));
                    }
                    read.calendars.push(FoundCalendar {
                        object,
                        mime_method: mime_method.clone(),
                        origin: part.origin.clone(),
                    });
                }
                read_well.push((text, first..read.calendars.len()));
            }
            // A broken limit is a verdict on the whole message; a broken part is not if
            // another copy of the calendar (inline vs attachment) reads fine.
            Err(
                err @ ReadError::TooManyAttendees { .. }
                | err @ ReadError::TooManyComponents { .. },
            ) => {
                return Err(err);
            }
            Err(err) => {
                read.warnings.push(format!("{}: {err}", part.origin));
                first_error.get_or_insert(err);
            }
        }
    }
    if read.calendars.is_empty() {
        return Err(first_error.unwrap_or(ReadError::NoCalendar));
    }
    finish(read)
}

/// RFC 5322 §3.6: one From header; more than one mailbox in it needs a Sender, which iMIP
/// does not use. Either way the message does not say who sent it.
fn from_problem(message: &mail_parser::Message<'_>) -> Option<String> {
    let headers = message.header_values(HeaderName::From).count();
    if headers > 1 {
        return Some(format!("{headers} From headers"));
    }
    let addresses = message.from().map_or(0, |a| a.iter().count());
    (addresses > 1).then(|| format!("{addresses} addresses in the From header"))
}

/// Removes repeated copies of the same event (clients send the calendar inline and again as
/// `invite.ics`), and refuses a message whose calendars hold no event at all.
fn finish(mut read: ReadMessage) -> Result<ReadMessage, ReadError> {
    let mut seen = HashSet::new();
    for calendar in &mut read.calendars {
        let method = calendar.method().map(|m| m.as_str().to_string());
        calendar.object.events.retain(|e| {
            seen.insert((
                method.clone(),
                e.uid.clone(),
                e.recurrence_id.as_ref().map(|r| r.to_contract_string()),
                e.sequence,
                e.dtstamp,
            ))
        });
    }
    read.calendars
        .retain(|c| !c.object.events.is_empty() || !c.object.other_components.is_empty());
    if read.events().next().is_none() {
        let mut others: Vec<String> = read
            .calendars
            .iter()
            .flat_map(|c| c.object.other_components.clone())
            .collect();
        others.sort();
        others.dedup();
        return Err(ReadError::NoEvent(others));
    }
    Ok(read)
}

fn looks_like_bare_calendar(raw: &[u8]) -> bool {
    let start = raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw);
    let start = &start[start
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(start.len())..];
    // Some tools export a bare VEVENT without the VCALENDAR around it.
    start.len() >= 7 && start[..7].eq_ignore_ascii_case(b"BEGIN:V")
}

#[cfg(test)]
mod tests;
