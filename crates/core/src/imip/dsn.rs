//! Delivery status notifications (RFC 3464): a bounce of one of our personal messages comes
//! back to its envelope sender, the invitee's reply address. Only the verdict is read.

use mail_parser::{MessageParser, MimeHeaders, PartType};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dsn {
    /// `Action: failed` with a 5.x.x status: the address does not take mail.
    PermanentFailure {
        recipient: Option<String>,
        status: String,
        diagnostic: Option<String>,
    },
    /// Delayed or 4.x.x: worth nothing yet; the sending server keeps trying.
    Transient { status: String },
    /// Delivered, relayed or expanded: a success report.
    Success,
}

/// `Some` when the message is a delivery status notification, with its verdict.
pub fn read_dsn(raw: &[u8]) -> Option<Dsn> {
    let message = MessageParser::new().parse(raw)?;
    let is_report = message.content_type().is_some_and(|ct| {
        ct.c_type.eq_ignore_ascii_case("multipart")
            && ct
                .c_subtype
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct
                .attribute("report-type")
                .is_some_and(|r| r.eq_ignore_ascii_case("delivery-status"))
    });
    if !is_report {
        return None;
    }
    let status_part = message.parts.iter().find(|p| {
        p.content_type().is_some_and(|ct| {
            ct.c_type.eq_ignore_ascii_case("message")
                && ct.c_subtype.as_deref().is_some_and(|s| {
                    s.eq_ignore_ascii_case("delivery-status")
                        || s.eq_ignore_ascii_case("global-delivery-status")
                })
        })
    })?;
    let text = match &status_part.body {
        PartType::Text(text) => text.to_string(),
        PartType::Binary(bytes) | PartType::InlineBinary(bytes) => {
            String::from_utf8_lossy(bytes).into_owned()
        }
        // mail-parser may read the per-message fields as a nested message's headers.
        PartType::Message(nested) => String::from_utf8_lossy(nested.raw_message()).into_owned(),
        _ => return None,
    };
    Some(verdict(&text))
}

fn field<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

fn verdict(text: &str) -> Dsn {
    let action = field(text, "Action")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let status = field(text, "Status").unwrap_or_default().to_string();
    match action.as_str() {
        "failed" if status.starts_with('5') || status.is_empty() => Dsn::PermanentFailure {
            recipient: field(text, "Final-Recipient")
                .or_else(|| field(text, "Original-Recipient"))
                .map(|r| r.rsplit(';').next().unwrap_or(r).trim().to_string()),
            status,
            diagnostic: field(text, "Diagnostic-Code").map(str::to_string),
        },
        "delivered" | "relayed" | "expanded" => Dsn::Success,
        _ => Dsn::Transient { status },
    }
}

#[cfg(test)]
mod tests {
    use super::{Dsn, read_dsn};

    #[test]
    fn a_postfix_bounce_is_a_permanent_failure_for_its_recipient() {
        let raw = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/corpus/apple/ccs-calendarserver__dsn_failure_no_ics.eml"
        ))
        .expect("fixture");
        match read_dsn(&raw) {
            Some(Dsn::PermanentFailure {
                recipient, status, ..
            }) => {
                assert_eq!(recipient.as_deref(), Some("thisdoesnotexist@example.com"));
                assert!(status.starts_with("5.1.1"), "{status}");
            }
            other => panic!("expected a permanent failure, got {other:?}"),
        }
    }

    #[test]
    fn a_delay_is_transient_and_ordinary_mail_is_no_report() {
        let delayed = b"From: MAILER-DAEMON@x\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n\
            --b\r\nContent-Type: text/plain\r\n\r\ndelayed\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n\
            Reporting-MTA: dns; x\r\n\r\nFinal-Recipient: rfc822; a@example.com\r\nAction: delayed\r\nStatus: 4.4.1\r\n--b--\r\n";
        assert_eq!(
            read_dsn(delayed),
            Some(Dsn::Transient {
                status: "4.4.1".into()
            })
        );
        assert_eq!(
            read_dsn(b"From: a@example.com\r\nSubject: hi\r\n\r\nhello\r\n"),
            None
        );
    }
}
