//! Making untrusted text safe for a header value.

/// Longest header text we emit from untrusted input; subjects longer than this are cut.
const MAX_HEADER_TEXT: usize = 200;

/// Text from an inbound mail (an event title, a display name) as a header value: control
/// characters — CR and LF above all, which would start a new header — become spaces, runs of
/// blanks collapse, and the result is cut at a character boundary. mail-builder then applies
/// RFC 2047 encoding for anything non-ASCII.
pub fn header_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_HEADER_TEXT));
    let mut last_blank = true;
    for ch in text.chars() {
        let ch = if ch.is_control() || ch == '\u{2028}' || ch == '\u{2029}' {
            ' '
        } else {
            ch
        };
        if ch == ' ' {
            if last_blank {
                continue;
            }
            last_blank = true;
        } else {
            last_blank = false;
        }
        if out.len() + ch.len_utf8() > MAX_HEADER_TEXT {
            out.push('…');
            break;
        }
        out.push(ch);
    }
    out.trim_end().to_string()
}

/// A recipient for `To:`: with its display name only when there is one. An empty name would
/// be written as `To: "" <ann@example.org>`, which some clients show as a blank name.
pub fn mailbox<'a>(name: &'a str, email: &'a str) -> mail_builder::headers::address::Address<'a> {
    let name = Some(name).filter(|n| !n.trim().is_empty());
    mail_builder::headers::address::Address::new_address(name, email)
}

#[cfg(test)]
mod tests {
    use super::{header_safe, mailbox};
    use mail_builder::MessageBuilder;

    fn to_header(name: &str) -> String {
        let raw = MessageBuilder::new()
            .from("rollcall@example.org")
            .to(mailbox(name, "ann@example.org"))
            .subject("s")
            .text_body("b")
            .write_to_string()
            .expect("a message");
        raw.lines()
            .find(|l| l.starts_with("To:"))
            .expect("a To header")
            .to_string()
    }

    #[test]
    fn a_recipient_without_a_name_has_no_empty_display_name() {
        assert_eq!(to_header(""), "To: <ann@example.org>");
        assert_eq!(to_header("  "), "To: <ann@example.org>");
        assert_eq!(to_header("Ann"), "To: \"Ann\" <ann@example.org>");
    }

    #[test]
    fn line_breaks_cannot_start_a_new_header() {
        assert_eq!(
            header_safe("Lunch\r\nBcc: victim@example.com"),
            "Lunch Bcc: victim@example.com"
        );
        assert_eq!(header_safe("a\nb\rc\u{0}d"), "a b c d");
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let cut = header_safe(&"é".repeat(500));
        assert!(cut.len() <= 204 && cut.ends_with('…'));
    }
}
