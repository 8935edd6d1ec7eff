//! A guest list the organizer pastes or uploads, read into addresses and names: hand-typed
//! lines (`Name <email>`, `email`, `name,email`, `email;name`, tab-separated), or a contacts
//! file exported from Google Contacts, Outlook or a spreadsheet, whose header row says which
//! column holds the address. Cells are read with the `csv` crate, so quoted fields
//! (`"Doe, John",john@example.org`) and notes spanning lines inside quotes read as one cell.

use crate::invitee::parse_email;
use csv::{ReaderBuilder, StringRecord};

/// Most lines (records) one list may have.
pub const MAX_PASTED_LINES: usize = 1_000;

/// Longest part of a line shown back in the results.
const MAX_INPUT_CHARS: usize = 300;

/// A line's address (normalized) and name.
pub type Parsed = (String, Option<String>);

/// One line of a pasted list, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastedLine {
    /// 1-based, as an editor numbers it (where the record starts).
    pub line: usize,
    pub input: String,
    /// The normalized address and the name, or `None` when the line has no valid address.
    pub parsed: Option<Parsed>,
}

/// Reads a pasted list or a contacts export; blank lines and the header row are skipped.
/// `None` if there are more than [`MAX_PASTED_LINES`] lines to read.
pub fn read_pasted(text: &str) -> Option<Vec<PastedLine>> {
    // Excel and Outlook start their CSV files with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = delimiter_of(first);
    match Columns::of(&cells(first, delimiter)) {
        Some(columns) => read_export(text, delimiter, &columns),
        None => read_typed(text),
    }
}

/// The delimiter a list uses, judged by its first line: a tab, else a semicolon when there is
/// no comma (spreadsheets in locales that write decimal commas), else a comma.
fn delimiter_of(line: &str) -> u8 {
    if line.contains('\t') {
        b'\t'
    } else if line.contains(';') && !line.contains(',') {
        b';'
    } else {
        b','
    }
}

/// The cells of one line.
fn cells(line: &str, delimiter: u8) -> Vec<String> {
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(line.as_bytes());
    reader
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(|c| c.trim().to_string()).collect())
        .unwrap_or_default()
}

/// Which columns of an export hold the address and the name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Columns {
    email: usize,
    /// A whole-name column ("Name", "Display Name"), else the given and family name columns
    /// joined.
    name: Vec<usize>,
}

impl Columns {
    /// `Some` when `header` is a header row: one of its cells names an address column.
    fn of(header: &[String]) -> Option<Columns> {
        let lower: Vec<String> = header.iter().map(|c| c.to_lowercase()).collect();
        let email = lower.iter().position(|c| is_email_column(c))?;
        let find = |names: &[&str]| lower.iter().position(|c| names.contains(&c.as_str()));
        let name = match find(&["name", "full name", "display name"]) {
            Some(whole) => vec![whole],
            None => [
                find(&["first name", "given name"]),
                find(&["middle name", "additional name"]),
                find(&["last name", "family name", "surname"]),
            ]
            .into_iter()
            .flatten()
            .collect(),
        };
        Some(Columns { email, name })
    }
}

/// `Email`, `E-mail Address` (Outlook), `E-mail 1 - Value` (Google); not the columns beside
/// them that say what kind of address it is or how to show it.
fn is_email_column(cell: &str) -> bool {
    let cell = cell.trim();
    // A header names a column; an address (`ann@email.example`) is data.
    !cell.contains('@')
        && (cell.contains("email") || cell.contains("e-mail"))
        && !["type", "label", "display", "kind"]
            .iter()
            .any(|word| cell.contains(word))
}

/// An export with a header row: the address from its column, the name from its own, read as
/// one CSV document (a note with a line break inside quotes stays one cell). A row that does
/// not fit the header (a line typed below it) is read as a typed line.
fn read_export(text: &str, delimiter: u8, columns: &Columns) -> Option<Vec<PastedLine>> {
    let mut reader = ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for record in reader.records() {
        let (line, record) = match record {
            // Counted from the record's byte offset: the csv reader's own line count leaves
            // out the blank lines it skips.
            Ok(record) => (
                line_at(text, record.position().map_or(0, |p| p.byte())),
                record,
            ),
            // Not valid UTF-8 cannot happen from a `&str`; any other error ends the document.
            Err(_) => break,
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if out.len() == MAX_PASTED_LINES {
            return None;
        }
        let field = |i: usize| record.get(i).map(str::trim).unwrap_or("");
        let parsed = match parse_email(field(columns.email)) {
            Some(email) => {
                let name: Vec<&str> = columns
                    .name
                    .iter()
                    .map(|i| field(*i))
                    .filter(|n| !n.is_empty())
                    .collect();
                Some((email, clean_name(&name.join(" "))))
            }
            None => read_cells(&record),
        };
        out.push(PastedLine {
            line,
            input: shown(&record, delimiter),
            parsed,
        });
    }
    Some(out)
}

/// The 1-based line a record starting at byte `offset` of `text` begins on: the first line
/// after `offset` with something on it (the reader's offset can sit on the `\n` of a `\r\n`,
/// or before the blank lines it skips).
fn line_at(text: &str, offset: u64) -> usize {
    let bytes = text.as_bytes();
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    let content = bytes[start..]
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(bytes.len(), |n| start + n);
    bytes[..content].iter().filter(|b| **b == b'\n').count() + 1
}

/// Hand-typed lines, each read on its own, so a stray quote spoils one line, not the rest.
fn read_typed(text: &str) -> Option<Vec<PastedLine>> {
    let mut out = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let input = raw.trim();
        if input.is_empty() {
            continue;
        }
        if out.len() == MAX_PASTED_LINES {
            return None;
        }
        let record = StringRecord::from(cells(input, b','));
        out.push(PastedLine {
            line: index + 1,
            input: input.chars().take(MAX_INPUT_CHARS).collect(),
            parsed: read_cells(&record),
        });
    }
    Some(out)
}

/// One record without a header to say what is where: `Name <email>` or a bare address in one
/// cell (`;` and tab split it further), or a name and an address in either order.
fn read_cells(record: &StringRecord) -> Option<Parsed> {
    let cells: Vec<&str> = record.iter().map(str::trim).collect();
    match cells.as_slice() {
        [one] => read_one(one),
        [a, b] => match (parse_email(a), parse_email(b)) {
            (Some(email), _) => Some((email, clean_name(b))),
            (None, Some(email)) => Some((email, clean_name(a))),
            (None, None) => None,
        },
        _ => None,
    }
}

fn read_one(cell: &str) -> Option<Parsed> {
    if let (Some(open), Some(close)) = (cell.rfind('<'), cell.rfind('>'))
        && open < close
    {
        let email = parse_email(&cell[open + 1..close])?;
        return Some((email, clean_name(&cell[..open])));
    }
    let parts: Vec<&str> = cell.split([';', '\t']).collect();
    if parts.len() > 1 {
        return read_cells(&StringRecord::from(parts));
    }
    Some((parse_email(cell.trim_matches('"'))?, None))
}

/// A name as stored: trimmed of quotes and space, at most the RSVP form's length.
fn clean_name(text: &str) -> Option<String> {
    let text = text.trim().trim_matches('"').trim();
    (!text.is_empty()).then(|| {
        text.chars()
            .take(crate::usecase::rsvp::MAX_NAME_CHARS)
            .collect()
    })
}

/// The record as the results show it back: its non-empty cells, shortened.
fn shown(record: &StringRecord, delimiter: u8) -> String {
    let separator = char::from(delimiter).to_string();
    record
        .iter()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect::<Vec<_>>()
        .join(&separator)
        .chars()
        .take(MAX_INPUT_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Vec<(usize, Option<Parsed>)> {
        read_pasted(text)
            .expect("short")
            .into_iter()
            .map(|l| (l.line, l.parsed))
            .collect()
    }

    fn found(email: &str, name: Option<&str>) -> Option<Parsed> {
        Some((email.to_string(), name.map(str::to_string)))
    }

    #[test]
    fn pasted_lists_take_the_usual_shapes() {
        let lines = parsed(
            "name,email\nAnn Example <Ann@Example.org>\nbob@example.net\n\nCarol, carol@example.com\n\
             dave@example.com;Dave\nnot an address\n\"Eve\",\"eve@example.com\"",
        );
        assert_eq!(
            lines,
            [
                (2, found("ann@example.org", Some("Ann Example"))),
                (3, found("bob@example.net", None)),
                (5, found("carol@example.com", Some("Carol"))),
                (6, found("dave@example.com", Some("Dave"))),
                (7, None),
                (8, found("eve@example.com", Some("Eve"))),
            ]
        );
    }

    #[test]
    fn a_quoted_name_may_hold_the_delimiter() {
        let lines = parsed("\"Doe, John\",john@example.org\njane@example.org,\"Roe; Jane\"");
        assert_eq!(
            lines,
            [
                (1, found("john@example.org", Some("Doe, John"))),
                (2, found("jane@example.org", Some("Roe; Jane"))),
            ]
        );
        // A stray quote spoils its own line only.
        let lines = parsed("\"Ann <ann@example.org>\nbob@example.org");
        assert_eq!(lines[1], (2, found("bob@example.org", None)));
    }

    #[test]
    fn an_outlook_contacts_export_reads_by_its_header() {
        let export = "\u{feff}\"First Name\",\"Middle Name\",\"Last Name\",\"Title\",\"Suffix\",\
                      \"Nickname\",\"Given Yomi\",\"Surname Yomi\",\"E-mail Address\",\
                      \"E-mail 2 Address\",\"E-mail 3 Address\",\"Home Phone\",\"Notes\",\
                      \"E-mail Display Name\"\r\n\
                      \"John\",\"\",\"Doe\",\"\",\"\",\"\",\"\",\"\",\"John.Doe@Example.com\",\
                      \"\",\"\",\"+1 555 0100\",\"Met at the fair,\r\nlikes tea\",\"John Doe (john.doe@example.com)\"\r\n\
                      \"Jane\",\"Q\",\"Roe\",\"\",\"\",\"\",\"\",\"\",\"jane@example.org\",\
                      \"\",\"\",\"\",\"\",\"\"\r\n\
                      \"No\",\"\",\"Address\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\"\r\n";
        let lines = parsed(export);
        assert_eq!(
            lines,
            [
                (2, found("john.doe@example.com", Some("John Doe"))),
                (4, found("jane@example.org", Some("Jane Q Roe"))),
                (5, None),
            ]
        );
    }

    #[test]
    fn a_google_contacts_export_reads_by_its_header() {
        let export = "First Name,Middle Name,Last Name,Phonetic First Name,Nickname,File As,\
                      Organization Name,Birthday,Notes,Labels,E-mail 1 - Label,E-mail 1 - Value,\
                      E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,Phone 1 - Value\n\
                      Ann,,Example,,Annie,,Acme,,,* myContacts,* Work,ann@acme.example,\
                      * Home,ann@home.example,Mobile,+44 20 7946 0000\n\
                      ,,,,,,Rollcall,,,* myContacts,,team@rollcall.example,,,,\n";
        let lines = parsed(export);
        assert_eq!(
            lines,
            [
                (2, found("ann@acme.example", Some("Ann Example"))),
                (3, found("team@rollcall.example", None)),
            ]
        );
        // The older Google layout names the whole name and says "Type" beside the address.
        let older = "Name,Given Name,Family Name,E-mail 1 - Type,E-mail 1 - Value\n\
                     Bob Builder,Bob,Builder,* Other,bob@example.net\n";
        assert_eq!(
            parsed(older),
            [(2, found("bob@example.net", Some("Bob Builder")))]
        );
    }

    #[test]
    fn an_address_with_email_in_it_is_not_a_header() {
        assert_eq!(
            parsed(
                "ann@email.example
bob@example.org"
            ),
            [
                (1, found("ann@email.example", None)),
                (2, found("bob@example.org", None))
            ]
        );
    }

    #[test]
    fn a_semicolon_or_tab_separated_sheet_reads_too() {
        let sheet = "Name;E-mail\n\"Doe, John\";john@example.org\n";
        assert_eq!(
            parsed(sheet),
            [(2, found("john@example.org", Some("Doe, John")))]
        );
        let sheet = "Email\tName\nann@example.org\tAnn\n";
        assert_eq!(parsed(sheet), [(2, found("ann@example.org", Some("Ann")))]);
    }

    #[test]
    fn a_list_that_is_too_long_is_refused() {
        let text = "a@example.org\n".repeat(MAX_PASTED_LINES + 1);
        assert!(read_pasted(&text).is_none());
        let text = "a@example.org\n".repeat(MAX_PASTED_LINES);
        assert_eq!(read_pasted(&text).map(|l| l.len()), Some(MAX_PASTED_LINES));
        let export = format!("email\n{}", "a@example.org\n".repeat(MAX_PASTED_LINES + 1));
        assert!(read_pasted(&export).is_none());
    }
}
