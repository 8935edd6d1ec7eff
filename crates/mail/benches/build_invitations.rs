//! Building personal invitations: the whole message (iCalendar, text, HTML, MIME) and the
//! iCalendar alone, reported as invitations per second on one core. Run with
//! `cargo bench -p rollcall-mail --bench build_invitations`.

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rollcall_mail::{build_invitation, write_icalendar};
use std::hint::black_box;

fn invitations(c: &mut Criterion) {
    // A typical event: Outlook's weekly meeting with its own VTIMEZONE, and a one-off meeting
    // in an IANA zone whose VTIMEZONE is generated (then cached).
    let weekly = support::outlook_weekly();
    let one_off = support::new_york_meeting();
    let mut group = c.benchmark_group("invitation");
    group.throughput(Throughput::Elements(1));
    for (name, event) in [("weekly_own_vtimezone", &weekly), ("iana_zone", &one_off)] {
        let inv = support::invitation(event);
        group.bench_function(format!("build_invitation/{name}"), |b| {
            b.iter(|| build_invitation(black_box(&inv)))
        });
        group.bench_function(format!("write_icalendar/{name}"), |b| {
            b.iter(|| write_icalendar(black_box(&inv)))
        });
    }
    group.finish();
}

criterion_group!(benches, invitations);
criterion_main!(benches);
