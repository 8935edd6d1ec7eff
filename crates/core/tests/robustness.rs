//! Hostile and broken input: the reader must answer (events or a clear error) without
//! panicking, and within a time bound, whatever it is given.

use proptest::prelude::*;
use rollcall_core::Limits;
use rollcall_core::imip::{ReadError, read_message};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Generous for a debug build on a shared 2-core machine; real inputs take microseconds.
const BOUND: Duration = Duration::from_secs(5);

fn timed(raw: &[u8]) -> Result<usize, ReadError> {
    let started = Instant::now();
    let result = read_message(raw, &Limits::default()).map(|r| r.events().count());
    assert!(
        started.elapsed() < BOUND,
        "took {:?} for {} bytes",
        started.elapsed(),
        raw.len()
    );
    result
}

fn corpus() -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/corpus");
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_none_or(|e| e != "tsv") {
                files.push(std::fs::read(&path).unwrap_or_default());
            }
        }
    }
    assert!(files.len() > 50, "corpus fixtures present");
    files
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = timed(&raw);
    }

    #[test]
    fn random_text_after_a_calendar_header_never_panics(body in "[ -~\r\n\t;:=,]{0,2000}") {
        let raw = format!("BEGIN:VCALENDAR\r\n{body}");
        let _ = timed(raw.as_bytes());
    }

    #[test]
    fn mutated_corpus_files_never_panic(
        pick in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..20),
    ) {
        let files = corpus();
        let mut raw = files[pick.index(files.len())].clone();
        for (at, byte, kind) in edits {
            if raw.is_empty() { break; }
            let i = at.index(raw.len());
            match kind {
                0 => raw[i] = byte,                       // flip
                1 => raw.truncate(i),                     // cut short
                2 => raw.insert(i, byte),                 // insert
                _ => { raw.remove(i); }                   // delete
            }
        }
        let _ = timed(&raw);
    }
}

#[test]
fn deeply_nested_multiparts_are_refused_as_too_deep() {
    let mut raw = String::from(
        "From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n",
    );
    for depth in 1..2000 {
        raw.push_str(&format!(
            "--b{}\r\nContent-Type: multipart/mixed; boundary=b{depth}\r\n\r\n",
            depth - 1
        ));
    }
    raw.push_str(
        "--b1999\r\nContent-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
    );
    assert!(matches!(
        timed(raw.as_bytes()),
        Err(ReadError::TooDeep { .. } | ReadError::TooManyParts { .. })
    ));
}

#[test]
fn thousands_of_parts_are_refused_as_too_many() {
    let mut raw = String::from(
        "From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n",
    );
    for _ in 0..5000 {
        raw.push_str("--x\r\nContent-Type: text/plain\r\n\r\nhello\r\n");
    }
    raw.push_str("--x--\r\n");
    assert_eq!(
        timed(raw.as_bytes()),
        Err(ReadError::TooManyParts {
            limit: Limits::default().max_parts
        })
    );
}

fn calendar_with(lines: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTAMP:20270101T000000Z\r\n\
         DTSTART:20270101T100000Z\r\nORGANIZER:mailto:o@example.com\r\n{lines}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

#[test]
fn a_huge_attendee_list_is_refused_with_the_count() {
    let attendees: String = (0..3000)
        .map(|n| format!("ATTENDEE:mailto:guest{n}@example.com\r\n"))
        .collect();
    match timed(calendar_with(&attendees).as_bytes()) {
        Err(ReadError::TooManyAttendees { count, limit }) => {
            assert_eq!((count, limit), (3000, 2000))
        }
        other => panic!("expected too many attendees, got {other:?}"),
    }
}

#[test]
fn an_absurd_rrule_is_read_without_being_expanded() {
    let raw =
        calendar_with("RRULE:FREQ=SECONDLY;COUNT=4294967295;BYSECOND=0,1,2,3,4,5,6,7,8,9\r\n");
    assert_eq!(timed(raw.as_bytes()), Ok(1));
}

#[test]
fn a_calendar_larger_than_the_limit_is_refused() {
    let description = "x".repeat(3 * 1024 * 1024);
    let raw = calendar_with(&format!("DESCRIPTION:{description}\r\n"));
    assert!(matches!(
        timed(raw.as_bytes()),
        Err(ReadError::CalendarTooLarge { .. })
    ));
}

#[test]
fn deeply_nested_components_do_not_overflow_the_stack() {
    let mut raw = String::from("BEGIN:VCALENDAR\r\n");
    for _ in 0..20000 {
        raw.push_str("BEGIN:X-NEST\r\n");
    }
    raw.push_str("END:VCALENDAR\r\n");
    let _ = timed(raw.as_bytes());
}

#[test]
fn a_message_over_the_size_limit_is_refused_before_parsing() {
    let raw = vec![b'a'; Limits::default().max_message_bytes + 1];
    assert!(matches!(
        timed(&raw),
        Err(ReadError::MessageTooLarge { .. })
    ));
}
