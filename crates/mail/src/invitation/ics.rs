//! iCalendar content lines (RFC 5545): TEXT escaping (§3.3.11), quoted parameter values (§3.2)
//! and folding at 75 octets (§3.1). Everything written goes through here, so no value, however
//! hostile, can end a line early and start a property or a component of its own.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use std::fmt::Write as _;

/// Longest content line in octets, CRLF not counted; continuation lines spend one on the space.
const LINE_OCTETS: usize = 75;

/// A calendar being written: `prop` starts a content line, parameters and one value follow,
/// and the value call folds the finished line onto the output with its CRLF.
#[derive(Debug)]
pub(crate) struct Ics {
    out: String,
    line: String,
}

impl Ics {
    pub fn with_capacity(capacity: usize) -> Ics {
        Ics {
            out: String::with_capacity(capacity),
            line: String::with_capacity(128),
        }
    }

    pub fn finish(self) -> String {
        self.out
    }

    /// Appends text that is already folded content lines (a cached VTIMEZONE block).
    pub fn push_folded(&mut self, folded: &str) {
        self.out.push_str(folded);
    }

    /// Starts a content line with a property name we chose (never untrusted).
    pub fn prop(&mut self, name: &str) -> &mut Ics {
        self.line.clear();
        self.line.push_str(name);
        self
    }

    /// `;NAME="value"`: quotes swapped for apostrophes and control characters dropped, so the
    /// value can end neither the parameter nor the line. An empty value leaves the parameter out.
    pub fn param(&mut self, name: &str, value: &str) -> &mut Ics {
        let mark = self.line.len();
        self.line.push(';');
        self.line.push_str(name);
        self.line.push_str("=\"");
        let start = self.line.len();
        push_param_value(&mut self.line, value);
        if self.line[start..].trim().is_empty() {
            self.line.truncate(mark);
        } else {
            self.line.push('"');
        }
        self
    }

    /// `;NAME=VALUE` for values that are ours and known to need no quoting (`VALUE=DATE`).
    pub fn token(&mut self, name: &str, value: &str) -> &mut Ics {
        self.line.push(';');
        self.line.push_str(name);
        self.line.push('=');
        self.line.push_str(value);
        self
    }

    /// `;TZID=...`, quoted only when the name holds a separator; callers check [`param_safe`].
    pub fn tzid(&mut self, tzid: &str) -> &mut Ics {
        if tzid.contains([';', ':', ',']) {
            self.param("TZID", tzid)
        } else {
            self.token("TZID", tzid)
        }
    }

    /// A TEXT value, escaped.
    pub fn text(&mut self, value: &str) {
        self.line.push(':');
        push_text(&mut self.line, value);
        self.end();
    }

    /// A value with its own syntax (a URI, a recurrence rule), cut at the first control
    /// character: what follows a line break was never part of the value.
    pub fn value(&mut self, value: &str) {
        self.line.push(':');
        self.line
            .extend(value.trim().chars().take_while(|c| !is_control(*c)));
        self.end();
    }

    /// A calendar user address: `mailto:` and the address without controls or blanks.
    pub fn mailto(&mut self, address: &str) {
        self.line.push_str(":mailto:");
        self.line.extend(
            address
                .trim()
                .chars()
                .filter(|c| !is_control(*c) && !c.is_whitespace()),
        );
        self.end();
    }

    pub fn integer(&mut self, value: i64) {
        let _ = write!(self.line, ":{value}");
        self.end();
    }

    /// `YYYYMMDD`.
    pub fn date(&mut self, date: NaiveDate) {
        self.line.push(':');
        push_date(&mut self.line, date);
        self.end();
    }

    /// `YYYYMMDDTHHMMSS`, with `Z` for UTC.
    pub fn date_time(&mut self, at: NaiveDateTime, utc: bool) {
        self.line.push(':');
        push_date(&mut self.line, at.date());
        let _ = write!(
            self.line,
            "T{:02}{:02}{:02}",
            at.hour(),
            at.minute(),
            at.second()
        );
        if utc {
            self.line.push('Z');
        }
        self.end();
    }

    /// A whole line we wrote ourselves or took from a sanitized block, controls dropped.
    pub fn line(&mut self, line: &str) {
        self.line.clear();
        self.line
            .extend(line.chars().filter(|c| !is_control(*c) || *c == '\t'));
        self.end();
    }

    fn end(&mut self) {
        fold_into(&mut self.out, &self.line);
        self.line.clear();
    }
}

fn push_date(line: &mut String, date: NaiveDate) {
    let _ = write!(
        line,
        "{:04}{:02}{:02}",
        date.year(),
        date.month(),
        date.day()
    );
}

/// C0 and C1 controls and DEL (`char::is_control`), which have no place in a content line.
fn is_control(c: char) -> bool {
    c.is_control()
}

/// Escapes a TEXT value: backslash, semicolon, comma and newline get a backslash (a newline
/// becomes the two characters `\n`); CR and every other control character except TAB are
/// dropped. A CRLF pair therefore reads back as one newline.
pub(crate) fn push_text(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if is_control(c) => {}
            c => out.push(c),
        }
    }
}

/// A parameter value for inside double quotes: `"` becomes `'`, controls (line breaks above
/// all) are dropped, and a TAB becomes a space.
pub(crate) fn push_param_value(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '"' => out.push('\''),
            '\t' => out.push(' '),
            c if is_control(c) => {}
            c => out.push(c),
        }
    }
}

/// Whether `value` can be written as a parameter exactly as it is (quoted where needed): a TZID
/// must be reproduced verbatim to match its VTIMEZONE, so one that cannot is not used.
pub(crate) fn param_safe(value: &str) -> bool {
    !value.is_empty() && !value.contains('"') && !value.chars().any(is_control)
}

/// Appends `line` folded at 75 octets (RFC 5545 §3.1) without splitting a UTF-8 sequence;
/// each continuation line starts with one space.
pub(crate) fn fold_into(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = LINE_OCTETS;
    while rest.len() > limit {
        let cut = rest.floor_char_boundary(limit);
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        limit = LINE_OCTETS - 1;
    }
    out.push_str(rest);
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::{Ics, fold_into, push_text};

    fn text(value: &str) -> String {
        let mut out = String::new();
        push_text(&mut out, value);
        out
    }

    #[test]
    fn text_escapes_backslash_semicolon_comma_and_newline() {
        assert_eq!(text("a\\b;c,d\ne"), "a\\\\b\\;c\\,d\\ne");
    }

    #[test]
    fn text_drops_carriage_returns_and_other_control_characters() {
        assert_eq!(text("Lunch\r\nBEGIN:VALARM"), "Lunch\\nBEGIN:VALARM");
        assert_eq!(text("a\rb\u{0}c\u{7f}d\u{85}e\tf"), "abcde\tf");
    }

    #[test]
    fn a_parameter_value_loses_quotes_and_line_breaks() {
        let mut ics = Ics::with_capacity(64);
        ics.prop("ATTENDEE")
            .param("CN", "Eve\"\r\n:mailto:x;\"")
            .mailto("eve@example.com");
        assert_eq!(
            ics.finish(),
            "ATTENDEE;CN=\"Eve':mailto:x;'\":mailto:eve@example.com\r\n"
        );
    }

    #[test]
    fn an_empty_parameter_value_is_left_out() {
        let mut ics = Ics::with_capacity(64);
        ics.prop("ORGANIZER")
            .param("CN", "\r\n")
            .mailto("o@example.com");
        assert_eq!(ics.finish(), "ORGANIZER:mailto:o@example.com\r\n");
    }

    #[test]
    fn short_lines_are_not_folded() {
        let mut out = String::new();
        fold_into(&mut out, &"x".repeat(75));
        assert_eq!(out, format!("{}\r\n", "x".repeat(75)));
    }

    #[test]
    fn long_lines_fold_at_75_octets_with_a_leading_space() {
        let mut out = String::new();
        fold_into(&mut out, &"x".repeat(200));
        let lines: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].len(), 75);
        assert!(lines[1].starts_with(' ') && lines[1].len() == 75);
        assert_eq!(lines[2].len(), 1 + 200 - 75 - 74);
        assert_eq!(out.replace("\r\n ", ""), format!("{}\r\n", "x".repeat(200)));
    }

    #[test]
    fn folding_never_splits_a_multi_byte_character() {
        // 74 ASCII octets, then 4-octet and 2-octet characters straddling the 75-octet mark.
        for prefix in 70..76 {
            let line = format!("{}{}", "a".repeat(prefix), "😀é漢".repeat(30));
            let mut out = String::new();
            fold_into(&mut out, &line);
            for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
                assert!(physical.len() <= 75, "{} octets", physical.len());
            }
            // Every physical line is valid UTF-8 on its own: the split happened between chars.
            assert_eq!(out.replace("\r\n ", ""), format!("{line}\r\n"));
        }
    }
}
