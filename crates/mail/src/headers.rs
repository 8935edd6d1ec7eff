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

#[cfg(test)]
mod tests {
    use super::header_safe;

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
