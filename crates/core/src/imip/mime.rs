//! Finds the calendar parts of a MIME message: `text/calendar` (with or without `method`),
//! `application/ics`, `*.ics`/`*.vcs` attachments, and the same inside forwarded
//! `message/rfc822` parts. Counts parts and depth as it walks, so a hostile message is
//! refused by the limits instead of costing unbounded work.

use crate::imip::ReadError;
use crate::limits::Limits;
use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{Encoding, Message, MessagePart, MimeHeaders, PartType};
use std::borrow::Cow;

/// A calendar found in a message, still as bytes.
#[derive(Debug)]
pub struct CalendarPart<'a> {
    pub bytes: Cow<'a, [u8]>,
    /// The `method` parameter of its Content-Type, if any.
    pub mime_method: Option<String>,
    /// Where it was found, for diagnostics: `text/calendar`, `attachment invite.ics`, ...
    pub origin: String,
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct FoundParts<'a> {
    pub calendars: Vec<CalendarPart<'a>>,
    pub tnef: bool,
}

pub fn find_calendar_parts<'a>(
    message: &'a Message<'a>,
    limits: &Limits,
) -> Result<FoundParts<'a>, ReadError> {
    let mut found = FoundParts::default();
    let mut seen_parts = 0usize;
    // (message, part id, depth): an explicit stack instead of recursion, so depth is a counter.
    let mut stack: Vec<(&'a Message<'a>, u32, usize)> = vec![(message, 0, 0)];
    while let Some((msg, id, depth)) = stack.pop() {
        if depth > limits.max_depth {
            return Err(ReadError::TooDeep {
                limit: limits.max_depth,
            });
        }
        seen_parts += 1;
        if seen_parts > limits.max_parts {
            return Err(ReadError::TooManyParts {
                limit: limits.max_parts,
            });
        }
        let Some(part) = msg.parts.get(id as usize) else {
            continue;
        };
        match &part.body {
            PartType::Multipart(children) => {
                // Reverse, so parts come off the stack in document order.
                stack.extend(children.iter().rev().map(|child| (msg, *child, depth + 1)));
            }
            PartType::Message(nested) => stack.push((nested, 0, depth + 1)),
            _ => classify(msg, part, &mut found, limits)?,
        }
    }
    Ok(found)
}

fn classify<'a>(
    msg: &'a Message<'a>,
    part: &'a MessagePart<'a>,
    found: &mut FoundParts<'a>,
    limits: &Limits,
) -> Result<(), ReadError> {
    let content_type = part.content_type();
    let ctype = content_type.map(|ct| ct.c_type.as_ref()).unwrap_or("text");
    let subtype = content_type
        .and_then(|ct| ct.c_subtype.as_deref())
        .unwrap_or("plain");
    let name = part.attachment_name().unwrap_or_default();
    let lower_name = name.to_ascii_lowercase();
    let is_calendar_type = (ctype.eq_ignore_ascii_case("text")
        && (subtype.eq_ignore_ascii_case("calendar")
            || subtype.eq_ignore_ascii_case("x-vcalendar")))
        || (ctype.eq_ignore_ascii_case("application")
            && (subtype.eq_ignore_ascii_case("ics") || subtype.eq_ignore_ascii_case("x-ics")));
    let is_calendar_file = lower_name.ends_with(".ics") || lower_name.ends_with(".vcs");
    if (ctype.eq_ignore_ascii_case("application") && subtype.eq_ignore_ascii_case("ms-tnef"))
        || lower_name == "winmail.dat"
    {
        found.tnef = true;
        return Ok(());
    }
    if !is_calendar_type && !is_calendar_file {
        return Ok(());
    }
    let bytes = body_bytes(msg, part);
    if bytes.len() > limits.max_calendar_bytes {
        return Err(ReadError::CalendarTooLarge {
            size: bytes.len(),
            limit: limits.max_calendar_bytes,
        });
    }
    if found.calendars.len() >= limits.max_calendars {
        return Err(ReadError::TooManyCalendars {
            limit: limits.max_calendars,
        });
    }
    let origin = if name.is_empty() {
        format!(
            "{}/{}",
            ctype.to_ascii_lowercase(),
            subtype.to_ascii_lowercase()
        )
    } else {
        format!("attachment {name}")
    };
    found.calendars.push(CalendarPart {
        bytes,
        mime_method: content_type
            .and_then(|ct| ct.attribute("method"))
            .map(str::to_string),
        origin,
    });
    Ok(())
}

/// The part's bytes after transfer decoding, before charset decoding.
///
/// mail-parser hands text parts over already decoded to a `String`, replacing bytes that are
/// not valid UTF-8. That loses characters that a client folded in the middle of their UTF-8
/// sequence; so when that happened, the part is decoded again from the raw bytes and the
/// iCalendar normalizer unfolds before it decodes.
fn body_bytes<'a>(msg: &'a Message<'a>, part: &'a MessagePart<'a>) -> Cow<'a, [u8]> {
    match &part.body {
        PartType::Text(text) | PartType::Html(text) => {
            let charset = part
                .content_type()
                .and_then(|ct| ct.attribute("charset"))
                .unwrap_or("utf-8");
            let utf8 = ["utf-8", "utf8", "us-ascii", "ascii"]
                .iter()
                .any(|c| charset.eq_ignore_ascii_case(c));
            if utf8
                && text.contains('\u{FFFD}')
                && let Some(raw) = raw_decoded(msg, part)
            {
                return Cow::Owned(raw);
            }
            Cow::Borrowed(text.as_bytes())
        }
        PartType::Binary(bytes) | PartType::InlineBinary(bytes) => Cow::Borrowed(bytes.as_ref()),
        PartType::Message(_) | PartType::Multipart(_) => Cow::Borrowed(&[]),
    }
}

fn raw_decoded(msg: &Message<'_>, part: &MessagePart<'_>) -> Option<Vec<u8>> {
    let raw = msg
        .raw_message()
        .get(part.offset_body as usize..part.offset_end as usize)?;
    match part.encoding {
        Encoding::None => Some(raw.to_vec()),
        Encoding::QuotedPrintable => quoted_printable_decode(raw),
        Encoding::Base64 => base64_decode(raw),
    }
}
