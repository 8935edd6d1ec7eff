//! Repairs what real clients put on the wire before the iCalendar parser sees it.
//!
//! Work happens on bytes, not text: Outlook and some web mailers fold long lines in the middle
//! of a multi-byte UTF-8 sequence, and decoding before unfolding would turn that character into
//! two replacement characters.

use std::borrow::Cow;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Returns the calendar text with a UTF-8 BOM removed, every line ending (CRLF, LF or a bare
/// CR) made LF, folded lines joined, trailing blanks of each line removed, and the bytes decoded
/// ([`decode`]).
pub fn normalize(input: &[u8]) -> String {
    let input = input.strip_prefix(BOM).unwrap_or(input);
    let mut out: Vec<u8> = Vec::with_capacity(input.len());
    // Whether a finished line needs `quote_address_parameters`: asked here, in the one pass,
    // because almost no calendar has such a line and every ATTENDEE line is asked.
    let mut to_quote = false;
    let mut line_start = 0;
    let mut i = 0;
    while i < input.len() {
        // Whole runs up to the next line break are copied at once: byte-by-byte pushes were
        // most of this function's cost on base64-decoded calendars of 150 attendees.
        let Some(run) = memchr::memchr2(b'\r', b'\n', &input[i..]) else {
            out.extend_from_slice(&input[i..]);
            break;
        };
        out.extend_from_slice(&input[i..i + run]);
        i += run;
        let line_break_len = match input.get(i + 1) {
            Some(b'\n') if input[i] == b'\r' => 2,
            _ => 1,
        };
        let next = i + line_break_len;
        if matches!(input.get(next), Some(b' ' | b'\t')) {
            // A fold: the break and exactly one following blank disappear (RFC 5545 §3.1).
            i = next + 1;
            continue;
        }
        trim_trailing_blanks(&mut out);
        to_quote = to_quote || may_need_quoting(&out[line_start..]);
        out.push(b'\n');
        line_start = out.len();
        i = next;
    }
    trim_trailing_blanks(&mut out);
    to_quote = to_quote || may_need_quoting(&out[line_start.min(out.len())..]);
    let text = decode(out);
    if to_quote {
        quote_address_parameters(text)
    } else {
        text
    }
}

/// An ORGANIZER or ATTENDEE line with a parameter value that starts with a bare `mailto:`.
/// Checked on the bytes without allocating; [`needs_quoting`] decides exactly.
fn may_need_quoting(line: &[u8]) -> bool {
    let name_end = line
        .iter()
        .position(|b| matches!(b, b';' | b':'))
        .unwrap_or(line.len());
    let name = &line[..name_end];
    (name.eq_ignore_ascii_case(b"ORGANIZER") || name.eq_ignore_ascii_case(b"ATTENDEE"))
        && has_bare_mailto(line)
}

/// Parameters whose value is a calendar address.
const ADDRESS_PARAMETERS: [&str; 4] = ["SENT-BY", "DELEGATED-TO", "DELEGATED-FROM", "MEMBER"];

/// RFC 5545 wants `SENT-BY="mailto:a@example.org"` quoted (the value holds a colon), but
/// some clients write it bare, and then the colon after `mailto` ends the parameters: the
/// ORGANIZER (or ATTENDEE) is lost. On those two properties, a bare `mailto:` value of an
/// address parameter is quoted, up to the `;` or `:` that ends the address.
fn quote_address_parameters(text: String) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        if needs_quoting(line) {
            out.push_str(&quote_line(line));
        } else {
            out.push_str(line);
        }
    }
    out
}

fn is_address_property(line: &str) -> bool {
    let name = line.split([';', ':']).next().unwrap_or_default();
    name.eq_ignore_ascii_case("ORGANIZER") || name.eq_ignore_ascii_case("ATTENDEE")
}

fn needs_quoting(line: &str) -> bool {
    is_address_property(line)
        && has_bare_mailto(line.as_bytes())
        && bare_address_parameter(&line.to_ascii_uppercase(), 0).is_some()
}

/// Whether any parameter value on the line starts with a bare `mailto:` (`=mailto:`, any case).
/// Nearly no line has one, and every ATTENDEE line is asked: this answers without allocating,
/// so only the rare line that has one pays for the exact search.
fn has_bare_mailto(line: &[u8]) -> bool {
    memchr::memchr_iter(b'=', line).any(|at| {
        line.get(at + 1..at + 8)
            .is_some_and(|value| value.eq_ignore_ascii_case(b"mailto:"))
    })
}

/// Where the next bare `mailto:` value of an address parameter starts in `upper` (the line in
/// ASCII upper case, the same byte offsets), from byte `from` on.
fn bare_address_parameter(upper: &str, from: usize) -> Option<usize> {
    ADDRESS_PARAMETERS
        .iter()
        .filter_map(|name| {
            let marker = format!(";{name}=MAILTO:");
            upper[from..]
                .find(&marker)
                .map(|at| from + at + marker.len() - "MAILTO:".len())
        })
        .min()
}

/// Every bare value's start is found in one pass per parameter name, so a line with many of
/// them costs no more than a few scans of it.
fn quote_line(line: &str) -> String {
    let upper = line.to_ascii_uppercase();
    let mut starts = Vec::new();
    for name in ADDRESS_PARAMETERS {
        let marker = format!(";{name}=MAILTO:");
        let value_at = marker.len() - "MAILTO:".len();
        starts.extend(upper.match_indices(&marker).map(|(at, _)| at + value_at));
    }
    starts.sort_unstable();
    let mut out = String::with_capacity(line.len() + 2 * starts.len());
    let mut from = 0;
    for start in starts {
        if start < from {
            continue;
        }
        // The address runs past `mailto:` to the next `;` or `:`.
        let after = start + "mailto:".len();
        let end = line[after..]
            .find([';', ':', '\n'])
            .map_or(line.len(), |n| after + n);
        out.push_str(&line[from..start]);
        out.push('"');
        out.push_str(&line[start..end]);
        out.push('"');
        from = end;
    }
    out.push_str(&line[from..]);
    out
}

/// UTF-8 as RFC 5545 says; but bytes that are not UTF-8 and hold no UTF-8 multi-byte sequence
/// at all are a legacy 8-bit file (an ISO-8859-1 or Windows-1252 `.ics` without a charset, as
/// older Outlook and Notes exports are), decoded as Windows-1252, which covers ISO-8859-1's
/// printable range. UTF-8 with a few broken bytes stays UTF-8, with U+FFFD for those.
fn decode(bytes: Vec<u8>) -> String {
    let bytes = match String::from_utf8(bytes) {
        Ok(text) => return text,
        Err(err) => err.into_bytes(),
    };
    let some_utf8 = bytes.utf8_chunks().any(|chunk| !chunk.valid().is_ascii());
    if !some_utf8
        && let Some(cp1252) = mail_parser::decoders::charsets::map::charset_decoder(b"windows-1252")
    {
        return cp1252(&bytes);
    }
    match String::from_utf8_lossy(&bytes) {
        Cow::Owned(text) => text,
        Cow::Borrowed(text) => text.to_string(),
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
    fn an_8_bit_file_without_utf8_is_read_as_windows_1252() {
        // "Café – Besprechung" in Windows-1252: é is 0xE9, the en dash 0x96.
        assert_eq!(
            normalize(b"SUMMARY:Caf\xE9 \x96 Besprechung\r\n"),
            "SUMMARY:Café – Besprechung\n"
        );
        // UTF-8 with one stray byte stays UTF-8.
        assert_eq!(
            normalize(
                "SUMMARY:Café \u{2013}"
                    .as_bytes()
                    .iter()
                    .copied()
                    .chain(*b"\xFF")
                    .collect::<Vec<_>>()
                    .as_slice()
            ),
            "SUMMARY:Café \u{2013}\u{FFFD}"
        );
    }

    #[test]
    fn bare_address_parameters_are_quoted_on_organizer_and_attendee_lines_only() {
        assert_eq!(
            normalize(
                b"ORGANIZER;SENT-BY=mailto:a@example.org;CN=O:mailto:o@example.org\r\n\
                  ATTENDEE;DELEGATED-FROM=mailto:b@example.org:mailto:c@example.org\r\n\
                  DESCRIPTION;X-A=1:;SENT-BY=mailto:x@example.org\r\n"
            ),
            "ORGANIZER;SENT-BY=\"mailto:a@example.org\";CN=O:mailto:o@example.org\n\
             ATTENDEE;DELEGATED-FROM=\"mailto:b@example.org\":mailto:c@example.org\n\
             DESCRIPTION;X-A=1:;SENT-BY=mailto:x@example.org\n"
        );
        let quoted = "ORGANIZER;SENT-BY=\"mailto:a@example.org\":mailto:o@example.org\n";
        assert_eq!(
            normalize(quoted.as_bytes()),
            quoted,
            "already quoted: unchanged"
        );
    }

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
    fn invalid_utf8_in_a_utf8_file_becomes_replacement_characters_not_an_error() {
        assert_eq!(
            normalize(b"SUMMARY:\xC3\xA9\xFF\n"),
            "SUMMARY:\u{e9}\u{fffd}\n"
        );
    }
}
