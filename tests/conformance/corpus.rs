use rollcall_core::Limits;
use rollcall_core::imip::{ReadError, read_message};
use rollcall_tests::{corpus_files, project_corpus, shared_corpus};
use std::path::Path;
use std::time::{Duration, Instant};

/// Files that carry no readable event, with the verdict each must get. Everything else in the
/// corpus must yield at least one event.
const EXPECTED_REFUSALS: &[(&str, &str)] = &[
    (
        "apple/ccs-calendarserver__dsn_failure_no_ics.eml",
        "no-calendar",
    ),
    (
        "apple/ccs-calendarserver__reply_missing_attachment.eml",
        "no-calendar",
    ),
    (
        "edge-cases/py-icalendar__parsing_error_in_UTC_offset.ics",
        "no-event",
    ),
    (
        "other-clients/py-icalendar__issue_27_multiple_periods_in_freebusy_one_freebusy.ics",
        "no-event",
    ),
    ("zimbra/calcard__016.ics", "no-event"),
];

fn check_dir(dir: &Path) -> usize {
    let limits = Limits::default();
    let files = corpus_files(dir);
    assert!(!files.is_empty(), "no corpus files under {}", dir.display());
    let mut failures = Vec::new();
    for file in &files {
        let raw = std::fs::read(dir.join(file)).expect("corpus file is readable");
        let started = Instant::now();
        let result = read_message(&raw, &limits);
        let took = started.elapsed();
        let name = file.to_string_lossy().replace('\\', "/");
        if took > Duration::from_secs(2) {
            failures.push(format!("{name}: took {took:?}"));
        }
        let expected = EXPECTED_REFUSALS
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, k)| *k);
        match (&result, expected) {
            (Ok(read), None) if read.events().next().is_some() => {}
            (Ok(_), None) => failures.push(format!("{name}: read but no events")),
            (Ok(_), Some(kind)) => {
                failures.push(format!("{name}: expected refusal {kind}, got events"))
            }
            (Err(err), Some(kind)) if err.kind() == kind => {}
            (Err(err), _) => failures.push(format!("{name}: {}: {err}", ReadError::kind(err))),
        }
    }
    assert!(
        failures.is_empty(),
        "corpus failures:\n{}",
        failures.join("\n")
    );
    files.len()
}

#[test]
fn every_redistributable_corpus_file_reads_as_expected() {
    let count = check_dir(&project_corpus());
    assert!(
        count >= 70,
        "expected the copied corpus, found {count} files"
    );
}

#[test]
fn every_shared_corpus_file_reads_as_expected_when_the_corpus_is_present() {
    match shared_corpus() {
        Some(dir) => {
            let count = check_dir(&dir);
            assert!(
                count >= 120,
                "expected the full shared corpus, found {count} files"
            );
        }
        None => eprintln!(
            "../shared/corpus is not beside this checkout; only the copied corpus was checked"
        ),
    }
}

#[test]
fn a_method_mismatch_between_mime_and_icalendar_is_reported() {
    let raw = std::fs::read(project_corpus().join("rfc-examples/libical__mail-examples.mbox"))
        .expect("fixture");
    // The first message of this mbox says METHOD:REQUEST in both places; the whole file, read as
    // one message, carries a PUBLISH calendar under a REQUEST content type.
    let read = read_message(&raw, &Limits::default()).expect("readable");
    assert!(
        read.warnings
            .iter()
            .any(|w| w.contains("METHOD:PUBLISH disagrees with Content-Type method=REQUEST")),
        "warnings: {:?}",
        read.warnings
    );
}
