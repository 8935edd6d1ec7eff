//! The dashboard's report and 90-day daily series on the SQLite store, through the real
//! router, for an event with 100,000 invitees and for one with 10 (the counters make both
//! cost the same). Prints p50/p99 per request; run with
//! `cargo bench -p rollcall-local --bench dashboard_report`.

use axum::body::Body;
use axum::http::{Request, header};
use chrono::{Duration, Utc};
use rand::Rng;
use rollcall_core::event::{Event, EventId, EventState};
use rollcall_core::ical::CalendarEvent;
use rollcall_core::invitee::{Invitee, InviteeId, personal_uid};
use rollcall_core::ports::{Commit, EventStore, EventWrite, IdSource, InviteeWrite};
use rollcall_core::status::{Answer, Channel, INVITEE_MODEL, InviteeStatus, Signal, SignalKind};
use rollcall_core::tokens::TokenKey;
use rollcall_core::tracking::{initial_counters, track};
use rollcall_core::usecase::access::create_api_token;
use rollcall_http::{AppState, HttpSettings, router};
use rollcall_local::store::SqliteStore;
use std::sync::Arc;
use std::time::Instant;
use tower::ServiceExt;

const ORGANIZER: &str = "olga@example.org";

fn event(ids: &rollcall_core::ids::RandomIds, uid: &str) -> Event {
    let now = Utc::now();
    Event {
        id: ids.event_id(),
        organizer_email: ORGANIZER.into(),
        organizer_name: Some("Olga".into()),
        uid: uid.into(),
        sequence: 0,
        dtstamp: Some(now),
        state: EventState::Active,
        details: CalendarEvent {
            uid: Some(uid.into()),
            sequence: 0,
            dtstamp: Some(now),
            recurrence_id: None,
            this_and_future: false,
            summary: Some(format!("Bench {uid}")),
            description: None,
            location: None,
            url: None,
            status: None,
            start: None,
            end: None,
            duration: None,
            rrule: None,
            rdates: vec![],
            exdates: vec![],
            organizer: None,
            attendees: vec![],
            comments: vec![],
            timezones: vec![],
            transparent: false,
            meeting_url: None,
        },
        overrides: vec![],
        cancelled_occurrences: vec![],
        producer: None,
        created_at: now,
        updated_at: now,
        version: 1,
        placeholder: false,
    }
}

/// `count` invitees, each created and answering at a random hour of the last 90 days, written
/// the way the use cases write them (counters and hourly buckets in the same commits).
async fn seed(store: &SqliteStore, event: &EventId, count: usize) {
    let ids = rollcall_core::ids::RandomIds;
    let mut rng = rand::rng();
    let answers = [Answer::Accepted, Answer::Tentative, Answer::Declined];
    let now = Utc::now();
    let mut left = count;
    while left > 0 {
        let batch = left.min(1_000);
        left -= batch;
        let mut commit = Commit::default();
        for _ in 0..batch {
            let id: InviteeId = ids.invitee_id();
            let joined = now - Duration::minutes(rng.random_range(0..90 * 24 * 60));
            let mut invitee = Invitee {
                uid: personal_uid(&id, "rollcall.test"),
                email: format!("{id}@d{}.example", rng.random_range(0..40)),
                id,
                event_id: event.clone(),
                name: None,
                joined_via: Channel::Web,
                sequence: 1,
                sent: Default::default(),
                status: InviteeStatus::initial(&INVITEE_MODEL),
                created_at: joined,
                updated_at: joined,
                version: 1,
            };
            let mut counters = initial_counters(&invitee);
            let answered = joined + Duration::minutes(rng.random_range(0..600));
            let answer = answers[rng.random_range(0..answers.len())];
            let signal = Signal::now(
                "web:bench".into(),
                SignalKind::Answer(answer),
                Channel::Web,
                answered.min(now),
            );
            counters.extend(track(&mut invitee, vec![signal]).counters);
            commit.counters.extend(counters);
            commit.invitees.push(InviteeWrite {
                invitee,
                expected_version: None,
            });
        }
        store.commit(&commit).await.expect("seed commit");
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

async fn measure(app: &axum::Router, token: &str, uri: &str, runs: usize) -> (f64, f64) {
    let call = || async {
        let request = Request::builder()
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request");
        let response = app.clone().oneshot(request).await.expect("answer");
        assert!(
            response.status().is_success(),
            "{uri}: {}",
            response.status()
        );
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body")
    };
    for _ in 0..20 {
        call().await;
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        call().await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    (percentile(&times, 0.5), percentile(&times, 0.99))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let invitees: usize = std::env::var("BENCH_INVITEES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("bench.sqlite")).expect("store");
    let ids = rollcall_core::ids::RandomIds;
    let (large, small) = (event(&ids, "large"), event(&ids, "small"));
    store
        .commit(&Commit {
            events: vec![
                EventWrite {
                    event: large.clone(),
                    expected_version: None,
                },
                EventWrite {
                    event: small.clone(),
                    expected_version: None,
                },
            ],
            ..Commit::default()
        })
        .await
        .expect("events");
    let started = Instant::now();
    seed(&store, &large.id, invitees).await;
    seed(&store, &small.id, 10).await;
    println!(
        "seeded {invitees} invitees in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let (_, token) = create_api_token(&store, ORGANIZER, "bench", Utc::now())
        .await
        .expect("token");
    let app = router(AppState::new(
        Arc::new(store),
        Arc::new(ids),
        TokenKey::from_bytes([9; 32]),
        HttpSettings {
            base_url: "https://rsvp.example.org".into(),
            domain: "rollcall.test".into(),
        },
    ));
    let today = Utc::now().date_naive();
    let from = today - Duration::days(89);
    println!("{:<44} {:>9} {:>9}", "request", "p50 ms", "p99 ms");
    for (name, event) in [("100k", &large.id), ("10", &small.id)] {
        let name = if name == "100k" {
            format!("{invitees}")
        } else {
            name.to_string()
        };
        let report = format!("/api/v1/events/{event}/report");
        let series = format!(
            "/api/v1/events/{event}/series?granularity=day&tz=Europe/Paris&from={from}&to={today}"
        );
        for (what, uri) in [("report", report), ("90-day daily series", series)] {
            let (p50, p99) = measure(&app, &token, &uri, 500).await;
            println!(
                "{:<44} {p50:>9.2} {p99:>9.2}",
                format!("{what}, {name} invitees")
            );
        }
    }
}
