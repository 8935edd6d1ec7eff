//! Reading invitations: MIME plus iCalendar into the typed model, messages per second on one
//! core. Run with `cargo bench -p rollcall-core --bench read_invitations`; figures and their
//! interpretation are in docs/performance.md.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mail_parser::MessageParser;
use rollcall_core::Limits;
use rollcall_core::imip::read_message;
use std::hint::black_box;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files_under(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if keep(&path) {
                out.push(std::fs::read(&path).unwrap_or_default());
            }
        }
    }
    out
}

/// The three example invitations (Google, Outlook, Apple): what a typical organizer sends.
fn typical() -> Vec<Vec<u8>> {
    files_under(&root().join("examples"), |p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().ends_with("-invite.eml"))
    })
}

/// A large but legitimate invitation: 500 attendees, a long description, a recurrence with
/// 50 exceptions, sent the way Google does (inline and as an attachment).
fn large() -> Vec<u8> {
    let mut vevent = String::from(
        "BEGIN:VEVENT\r\nUID:large@example.com\r\nSEQUENCE:3\r\nDTSTAMP:20270101T000000Z\r\n\
         DTSTART;TZID=America/New_York:20270104T090000\r\nDTEND;TZID=America/New_York:20270104T100000\r\n\
         RRULE:FREQ=DAILY;COUNT=400\r\nORGANIZER;CN=Big Org:mailto:org@example.com\r\nSUMMARY:All hands\r\n",
    );
    vevent.push_str(&format!(
        "DESCRIPTION:{}\r\n",
        "Agenda item and some notes. ".repeat(700)
    ));
    for n in 0..50 {
        vevent.push_str(&format!(
            "EXDATE;TZID=America/New_York:202701{:02}T090000\r\n",
            n % 28 + 1
        ));
    }
    for n in 0..500 {
        vevent.push_str(&format!(
            "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Guest {n}:mailto:guest{n}@example.com\r\n"
        ));
    }
    vevent.push_str("END:VEVENT\r\n");
    let ics = format!(
        "BEGIN:VCALENDAR\r\nPRODID:-//bench//EN\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n{vevent}END:VCALENDAR\r\n"
    );
    format!(
        "From: org@example.com\r\nTo: invites@rollcall.localhost\r\nSubject: All hands\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\r\n\r\n{ics}\r\n\
         --m\r\nContent-Type: application/ics; name=invite.ics\r\nContent-Disposition: attachment; filename=invite.ics\r\n\r\n{ics}\r\n--m--\r\n"
    )
    .into_bytes()
}

/// The peers' generated corpus (`../shared/bench/gen_corpus.py`: Outlook, Google and Apple
/// invitations, replies and cancellations with up to 150 attendees, base64 everywhere), made
/// at bench time into the system temp folder and kept there (the default seed makes the same
/// files every time); empty when the generator is not beside the checkout.
fn generated(count: usize) -> Vec<Vec<u8>> {
    let generator = root().join("../shared/bench/gen_corpus.py");
    if !generator.exists() {
        eprintln!(
            "{} is missing: the generated corpus is skipped",
            generator.display()
        );
        return Vec::new();
    }
    let dir = std::env::temp_dir().join(format!("rollcall-bench-corpus-{count}"));
    if !dir.join("manifest.jsonl").exists() {
        let made = std::process::Command::new("python3")
            .arg(&generator)
            .arg(count.to_string())
            .arg(&dir)
            .status();
        assert!(made.is_ok_and(|s| s.success()), "gen_corpus.py failed");
    }
    files_under(&dir, |p| p.extension().is_some_and(|e| e == "eml"))
}

fn bench(c: &mut Criterion) {
    let limits = Limits::default();
    let typical = typical();
    let corpus = files_under(&root().join("tests/fixtures/corpus"), |p| {
        p.extension().is_none_or(|e| e != "tsv")
    });
    let large = large();
    assert_eq!(typical.len(), 3, "the three example invitations");

    let mut group = c.benchmark_group("read");
    group.throughput(Throughput::Elements(typical.len() as u64));
    group.bench_function("typical invitation emails", |b| {
        b.iter(|| {
            for raw in &typical {
                let _ = black_box(read_message(black_box(raw), &limits));
            }
        })
    });
    group.bench_function("MIME decoding only (mail-parser), same emails", |b| {
        b.iter(|| {
            for raw in &typical {
                black_box(MessageParser::new().parse(black_box(raw)));
            }
        })
    });
    group.throughput(Throughput::Elements(corpus.len() as u64));
    group.bench_function("whole redistributable corpus", |b| {
        b.iter(|| {
            for raw in &corpus {
                let _ = black_box(read_message(black_box(raw), &limits));
            }
        })
    });
    let generated = generated(300);
    if !generated.is_empty() {
        group.throughput(Throughput::Elements(generated.len() as u64));
        group.bench_function("generated corpus (gen_corpus.py 300)", |b| {
            b.iter(|| {
                for raw in &generated {
                    let _ = black_box(read_message(black_box(raw), &limits));
                }
            })
        });
        group.bench_function("MIME decoding only (mail-parser), generated corpus", |b| {
            b.iter(|| {
                for raw in &generated {
                    black_box(MessageParser::new().parse(black_box(raw)));
                }
            })
        });
    }
    group.throughput(Throughput::Elements(1));
    group.bench_function("large invitation (500 attendees, 2 copies)", |b| {
        b.iter(|| black_box(read_message(black_box(&large), &limits)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
