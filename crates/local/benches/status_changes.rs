//! Status changes per second on the SQLite store with zero, one and ten webhook endpoints:
//! each change is a web answer (the commit writes the invitee, its signal, counters, change
//! records and their dispatch), then the outbox works the dispatches off (fan-out to one
//! delivery per record and endpoint) and every delivery is posted, signed, to a receiver on
//! loopback through the real HTTPS sender. Prints the median of three runs per setting; run
//! with `cargo bench -p rollcall-local --bench status_changes`.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use chrono::Utc;
use rollcall_core::change::ChangeType;
use rollcall_core::ids::RandomIds;
use rollcall_core::ports::{IdSource, Lookup, Store};
use rollcall_core::status::{Answer, Channel};
use rollcall_core::usecase::deliver::{DeliverySettings, Outlets, deliver_due, webhooks};
use rollcall_core::usecase::dispatch::Dispatching;
use rollcall_core::usecase::rsvp::{NewInvitee, RsvpSettings, change_answer, new_invitee};
use rollcall_core::webhook::endpoint::Endpoint;
use rollcall_core::webhook::signature::Secret;
use rollcall_core::webhook::target::Policy;
use rollcall_local::store::SqliteStore;
use rollcall_testkit::{PlainComposer, RecordingMailer};
use rollcall_webhooks::HttpsSender;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const ORGANIZER: &str = "olga@example.org";
/// Changes per run, and invitees they are spread over.
const CHANGES: usize = 300;
const INVITEES: usize = 50;
const RUNS: usize = 3;

struct Loopback;

#[async_trait::async_trait]
impl Lookup for Loopback {
    async fn lookup(&self, _host: &str) -> std::io::Result<Vec<IpAddr>> {
        Ok(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)])
    }
}

/// A receiver on loopback answering 204, counting what it got.
async fn receiver() -> (String, Arc<AtomicUsize>) {
    let got = Arc::new(AtomicUsize::new(0));
    let count = got.clone();
    let app = Router::new().route(
        "/hook",
        post(move || {
            let count = count.clone();
            async move {
                count.fetch_add(1, Ordering::Relaxed);
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://127.0.0.1:{port}/hook"), got)
}

/// One run: the changes applied, then the outbox emptied. (seconds applying, seconds in all,
/// deliveries received).
async fn run(endpoints: usize, url: &str, got: &AtomicUsize) -> (f64, f64, usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = SqliteStore::open(&dir.path().join("bench.sqlite")).expect("store");
    let store: Arc<dyn Store> = Arc::new(Dispatching::new(Arc::new(sqlite)));
    let ids = RandomIds;
    let now = Utc::now();
    let event = rollcall_testkit_event(&ids);
    let commit = rollcall_core::ports::Commit {
        events: vec![rollcall_core::ports::EventWrite {
            event: event.clone(),
            expected_version: None,
        }],
        ..Default::default()
    };
    store.commit(&commit).await.expect("event");
    for n in 0..endpoints {
        let endpoint = Endpoint {
            id: format!("ep_{n:016x}"),
            organizer: ORGANIZER.into(),
            url: url.to_string(),
            types: vec![ChangeType::InviteeAnswered],
            description: String::new(),
            secret: Secret::generate(),
            previous: None,
            disabled: None,
            created_at: now,
        };
        store.put_endpoint(&endpoint).await.expect("endpoint");
    }
    let settings = RsvpSettings::new("rollcall.test");
    let mut invitees = Vec::new();
    for n in 0..INVITEES {
        let new = NewInvitee {
            email: format!("guest{n}@example.org"),
            name: None,
            channel: Channel::Api,
            answer: None,
        };
        let commit = new_invitee(&event, new, &settings, &ids, now);
        invitees.push(commit.invitees[0].invitee.id.clone());
        store.commit(&commit).await.expect("invitee");
    }
    // Only the invitations queued so far are not part of what is measured.
    let (mailer, composer) = (RecordingMailer::new(), PlainComposer);
    let outlets = Outlets::mail(&composer, &mailer);
    let delivery = DeliverySettings {
        batch: 200,
        ..DeliverySettings::default()
    };
    drain(store.as_ref(), &outlets, &delivery, None).await;
    let before = got.load(Ordering::Relaxed);

    let started = Instant::now();
    for n in 0..CHANGES {
        // Each visit to an invitee flips their answer, so every change is one.
        let answer = match (n / INVITEES) % 2 {
            0 => Answer::Declined,
            _ => Answer::Accepted,
        };
        let invitee = &invitees[n % INVITEES];
        change_answer(
            invitee,
            answer,
            &format!("n{n}"),
            store.as_ref(),
            Utc::now(),
        )
        .await
        .expect("changed");
    }
    let applied = started.elapsed().as_secs_f64();
    let policy = Policy {
        allow_http: true,
        allow_private: true,
    };
    let sender = HttpsSender::new(policy, Arc::new(Loopback)).expect("sender");
    drain(store.as_ref(), &outlets, &delivery, Some(&sender)).await;
    let total = started.elapsed().as_secs_f64();
    (applied, total, got.load(Ordering::Relaxed) - before)
}

/// Works the outbox off until nothing is due: mail passes, and webhook passes with `sender`.
async fn drain(
    store: &dyn Store,
    outlets: &Outlets<'_>,
    settings: &DeliverySettings,
    sender: Option<&HttpsSender>,
) {
    loop {
        let mail = deliver_due(store, &RandomIds, outlets, settings, Utc::now())
            .await
            .expect("mail pass");
        let hooks = match sender {
            Some(sender) => {
                webhooks::deliver_webhooks_due(store, Some(sender), settings, Utc::now())
                    .await
                    .expect("webhook pass")
                    .handled()
            }
            None => 0,
        };
        if mail.handled() == 0 && hooks == 0 {
            return;
        }
    }
}

fn rollcall_testkit_event(ids: &RandomIds) -> rollcall_core::event::Event {
    let mut event = rollcall_core::event::Event::none(Utc::now());
    event.id = ids.event_id();
    event.organizer_email = ORGANIZER.into();
    event.uid = "bench@example.org".into();
    event.details.summary = Some("Bench".into());
    event.version = 1;
    event
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (url, got) = receiver().await;
    println!("{CHANGES} web answer changes over {INVITEES} invitees, median of {RUNS} runs");
    println!("endpoints  applied/s  end-to-end/s  deliveries");
    for endpoints in [0, 1, 10] {
        let mut applied = Vec::new();
        let mut total = Vec::new();
        let mut delivered = 0;
        for _ in 0..RUNS {
            let (a, t, d) = run(endpoints, &url, &got).await;
            applied.push(CHANGES as f64 / a);
            total.push(CHANGES as f64 / t);
            delivered = d;
        }
        println!(
            "{endpoints:>9}  {:>9.0}  {:>12.0}  {delivered:>10}",
            median(applied),
            median(total)
        );
    }
}
