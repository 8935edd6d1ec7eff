//! Repairs what real clients put on the wire before the iCalendar parser sees it.
//!
//! Work happens on bytes, not text: Outlook and some web mailers fold long lines in the middle
//! of a multi-byte UTF-8 sequence, and decoding before unfolding would turn that character into
//! two replacement characters.

use std::borrow::Cow;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Returns the calendar text with a UTF-8 BOM removed, every line ending (CRLF, LF or a bare
/// CR) made LF, folded lines joined, trailing blanks of each line removed, and the bytes decoded
/// as UTF-8 (invalid sequences become U+FFFD rather than failing the whole object).
pub fn normalize(input: &[u8]) -> String {
    let input = input.strip_prefix(BOM).unwrap_or(input);
    let mut out: Vec<u8> = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let byte = input[i];
        let line_break_len = match byte {
            b'\r' if input.get(i + 1) == Some(&b'\n') => 2,
            b'\r' | b'\n' => 1,
            _ => 0,
        };
        if line_break_len == 0 {
            out.push(byte);
            i += 1;
            continue;
        }
        let next = i + line_break_len;
        if matches!(input.get(next), Some(b' ' | b'\t')) {
            // A fold: the break and exactly one following blank disappear (RFC 5545 §3.1).
            i = next + 1;
            continue;
        }
        trim_trailing_blanks(&mut out);
        out.push(b'\n');
        i = next;
    }
    trim_trailing_blanks(&mut out);
    match String::from_utf8(out) {
        Ok(text) => text,
        Err(err) => match String::from_utf8_lossy(err.as_bytes()) {
            Cow::Owned(text) => text,
            Cow::Borrowed(text) => text.to_string(),
        },
    }
}

/// Removes spaces and tabs at the end of the line being built. Clients pad lines
/// (`END:VEVENT ` is common from hand-edited and generated files), which strict parsers reject.
fn trim_trailing_blanks(out: &mut Vec<u8>) {
    while matches!(out.last(), Some(b' ' | b'\t')) {
        out.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn crlf_lf_and_bare_cr_all_become_lf() {
        assert_eq!(normalize(b"A:1\r\nB:2\nC:3\rD:4"), "A:1\nB:2\nC:3\nD:4");
    }

    #[test]
    fn a_bom_is_removed() {
        assert_eq!(
            normalize(b"\xEF\xBB\xBFBEGIN:VCALENDAR\r\n"),
            "BEGIN:VCALENDAR\n"
        );
    }

    #[test]
    fn folded_lines_are_joined_with_one_blank_removed() {
        assert_eq!(
            normalize(b"SUMMARY:Hello \r\n  world\r\n"),
            "SUMMARY:Hello  world\n"
        );
        assert_eq!(normalize(b"SUMMARY:ab\n\tcd\n"), "SUMMARY:abcd\n");
    }

    #[test]
    fn a_fold_inside_a_utf8_sequence_still_gives_the_character() {
        // "é" is C3 A9; the fold sits between its two bytes.
        assert_eq!(
            normalize(b"SUMMARY:caf\xC3\r\n \xA9\r\n"),
            "SUMMARY:caf\u{e9}\n"
        );
    }

    #[test]
    fn trailing_blanks_are_trimmed_but_folded_blanks_survive() {
        assert_eq!(
            normalize(b"END:VEVENT  \r\nX:a \r\n b\r\n"),
            "END:VEVENT\nX:a b\n"
        );
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters_not_an_error() {
        assert_eq!(normalize(b"SUMMARY:\xFF\n"), "SUMMARY:\u{fffd}\n");
    }
}
