//! Outbound mail through a relay that goes away: `rollcall serve --outbound smtp://…` against a
//! small SMTP relay in this test that first refuses every session (`421`), then comes back.
//! Nothing is dropped or sent twice, `rollcall outbox` and `rollcall inbox` say the outbox is
//! paused, the organizer's API shows the waiting invitee as delayed, and a failed message that
//! `rollcall outbox retry` re-queues is sent once.

use rollcall_tests::mail::Invite;
use rollcall_tests::rsvp::post_rsvp;
use rollcall_tests::server::{Server, binary, event_id};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the relay does, and what it took.
#[derive(Debug, Default)]
struct RelayState {
    /// Answer every session with `421` (down for maintenance).
    refusing: bool,
    /// Answer `RCPT TO` for this address with `550`.
    reject: Option<String>,
    /// (recipient, raw message) of every message it accepted.
    received: Vec<(String, String)>,
    /// Sessions refused while `refusing`.
    refused: usize,
}

/// A plain SMTP relay on a loopback port, one session at a time, on its own thread.
struct FakeRelay {
    port: u16,
    state: Arc<Mutex<RelayState>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeRelay {
    fn start(state: RelayState) -> FakeRelay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the relay");
        let port = listener.local_addr().expect("relay address").port();
        listener.set_nonblocking(true).expect("non-blocking accept");
        let state = Arc::new(Mutex::new(state));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => session(stream, &state),
                        Err(_) => std::thread::sleep(Duration::from_millis(20)),
                    }
                }
            })
        };
        FakeRelay {
            port,
            state,
            stop,
            thread: Some(thread),
        }
    }

    fn outbound(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn state(&self) -> MutexGuard<'_, RelayState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many accepted messages went to `rcpt`.
    fn received_by(&self, rcpt: &str) -> usize {
        self.state()
            .received
            .iter()
            .filter(|(to, _)| to == rcpt)
            .count()
    }
}

impl Drop for FakeRelay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn session(stream: TcpStream, state: &Mutex<RelayState>) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Ok(mut write) = stream.try_clone() else {
        return;
    };
    let mut read = BufReader::new(stream);
    let lock = || state.lock().unwrap_or_else(PoisonError::into_inner);
    if lock().refusing {
        lock().refused += 1;
        let _ = write.write_all(b"421 4.3.2 relay down for maintenance\r\n");
        return;
    }
    let _ = write.write_all(b"220 relay.test ESMTP\r\n");
    let mut rcpt = String::new();
    // Bounded: one message is a handful of commands.
    for _ in 0..50 {
        let mut line = String::new();
        if read.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        let reply = match verb.as_str() {
            "EHLO" | "HELO" | "MAIL" => "250 ok".to_string(),
            "RCPT" => {
                rcpt = line
                    .trim()
                    .trim_start_matches(|c| c != '<')
                    .trim_matches(['<', '>'])
                    .to_string();
                if lock().reject.as_deref() == Some(rcpt.as_str()) {
                    "550 5.1.1 no such user here".to_string()
                } else {
                    "250 ok".to_string()
                }
            }
            "DATA" => {
                let _ = write.write_all(b"354 go ahead\r\n");
                let mut raw = String::new();
                for _ in 0..100_000 {
                    let mut data = String::new();
                    if read.read_line(&mut data).unwrap_or(0) == 0 || data == ".\r\n" {
                        break;
                    }
                    raw.push_str(&data);
                }
                lock().received.push((rcpt.clone(), raw));
                "250 2.0.0 queued".to_string()
            }
            "QUIT" => {
                let _ = write.write_all(b"221 bye\r\n");
                return;
            }
            _ => "500 what?".to_string(),
        };
        if write.write_all(format!("{reply}\r\n").as_bytes()).is_err() {
            return;
        }
    }
}

/// Short waits, so the whole outage takes seconds.
fn serve(relay: &FakeRelay) -> Server {
    Server::start_with(&[
        "--outbound",
        &relay.outbound(),
        "--outbox-max-probe",
        "1s",
        "--outbox-max-backoff",
        "1s",
    ])
}

fn rollcall(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .expect("rollcall runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `rollcall outbox --json`.
fn outbox(server: &Server) -> Value {
    let output = rollcall(&server.data_dir, &["outbox", "--json", "--limit", "1000"]);
    assert!(output.status.success(), "{output:?}");
    serde_json::from_str(stdout(&output).trim()).expect("one JSON object")
}

/// Polls `rollcall outbox --json` until `done` holds (at most 30 s), and returns it.
fn outbox_until(server: &Server, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let listing = outbox(server);
        if done(&listing) {
            return listing;
        }
        assert!(
            Instant::now() < deadline,
            "waited 30 s for {what}: {listing:#}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn messages(listing: &Value) -> Vec<&Value> {
    listing["messages"]
        .as_array()
        .map(|m| m.iter().collect())
        .unwrap_or_default()
}

fn to(listing: &Value, address: &str) -> Option<Value> {
    messages(listing)
        .into_iter()
        .find(|m| m["to"] == address && m["kind"] == "invitation")
        .cloned()
}

/// Calls `read` until `done` holds of its answer (at most 10 s), and returns that answer.
fn wait_for<T: std::fmt::Debug>(read: impl Fn() -> T, done: impl Fn(&T) -> bool) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let value = read();
        if done(&value) || Instant::now() > deadline {
            return value;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// An API token for the organizer of `Invite::default()`.
fn api_token(server: &Server) -> String {
    server.api_token(Invite::default().organizer)
}

/// The invitees of `event` whose delivery is `delivery`, by email, through the API.
fn invitees_with(server: &Server, token: &str, event: &str, delivery: &str) -> Vec<String> {
    let path = format!("/api/v1/events/{event}/invitees?delivery={delivery}");
    server.api_get(token, &path)["invitees"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|i| i["email"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn mail_waits_while_the_relay_refuses_everything_and_goes_once_when_it_is_back() {
    let relay = FakeRelay::start(RelayState {
        refusing: true,
        ..RelayState::default()
    });
    let server = serve(&relay);
    let event = event_id(&server.deliver(&Invite::default().to_mail()));
    // The answer is taken (its invitation goes through the relay, not the file outbox).
    let answered = post_rsvp(&server, &event, "Ann", "ann@example.org", "yes");
    assert_eq!(answered.0, 200, "{}", answered.2);

    // The relay refuses: the outbox pauses, keeps everything, and says so.
    let paused = outbox_until(&server, "the pause and Ann's waiting invitation", |l| {
        l["paused"].is_object()
            && to(l, "ann@example.org")
                .is_some_and(|m| m["attempts"] != 0 || m["last_error"].is_string())
    });
    let pause = &paused["paused"];
    assert!(
        pause["reason"].as_str().is_some_and(|r| r.contains("421")),
        "{pause}"
    );
    assert!(
        pause["since"].is_string() && pause["next_probe_at"].is_string(),
        "{pause}"
    );
    for message in messages(&paused) {
        assert_ne!(message["state"], "failed", "nothing dropped: {message}");
        if ["invitation", "event_created"].contains(&message["kind"].as_str().unwrap_or("")) {
            assert_eq!(message["state"], "pending", "mail waits: {message}");
            assert!(message["next_attempt_at"].is_string(), "{message}");
        }
    }
    let ann = to(&paused, "ann@example.org").expect("Ann's invitation");
    assert!(
        ann["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("paused") || e.contains("421")),
        "{ann}"
    );

    let table = stdout(&rollcall(&server.data_dir, &["outbox"]));
    assert!(table.contains("Outbox PAUSED since"), "{table}");
    assert!(
        table.contains("NEXT TRY") && table.contains("LAST ERROR") && table.contains("421"),
        "{table}"
    );
    let inbox = stdout(&rollcall(&server.data_dir, &["inbox"]));
    assert!(inbox.contains("Outbox PAUSED since"), "{inbox}");

    // The organizer sees Ann as delayed, not sent.
    let token = api_token(&server);
    let delayed = wait_for(
        || invitees_with(&server, &token, &event, "delayed"),
        |d| !d.is_empty(),
    );
    assert_eq!(delayed, ["ann@example.org"]);
    assert!(invitees_with(&server, &token, &event, "sent").is_empty());

    // One probe at a time, each at least half a second after the last: a handful of refused
    // sessions in three seconds, not a hot loop.
    let before = relay.state().refused;
    std::thread::sleep(Duration::from_secs(3));
    let probes = relay.state().refused - before;
    assert!((1..=8).contains(&probes), "{probes} sessions in 3 s");

    // The relay is back: the next probe gets through and everything leaves, once.
    relay.state().refusing = false;
    let sent = outbox_until(&server, "everything sent and the pause over", |l| {
        l["paused"].is_null()
            && !messages(l).is_empty()
            && messages(l).iter().all(|m| m["state"] == "sent")
    });
    let organizer = Invite::default().organizer;
    for address in ["ann@example.org", organizer] {
        assert_eq!(relay.received_by(address), 1, "{address}: {sent:#}");
    }
    let mut ids: Vec<String> = relay
        .state()
        .received
        .iter()
        .filter_map(|(_, raw)| {
            raw.lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                .map(str::to_string)
        })
        .collect();
    let all = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all, "no message twice: {ids:?}");
    let sent = wait_for(
        || invitees_with(&server, &token, &event, "sent"),
        |s| !s.is_empty(),
    );
    assert_eq!(sent, ["ann@example.org"]);
    let table = stdout(&rollcall(&server.data_dir, &["outbox"]));
    assert!(table.contains("Outbox sending normally."), "{table}");
}

#[test]
fn a_failed_message_is_sent_once_after_rollcall_outbox_retry() {
    let relay = FakeRelay::start(RelayState {
        reject: Some("ann@example.org".into()),
        ..RelayState::default()
    });
    let server = serve(&relay);
    let event = event_id(&server.deliver(&Invite::default().to_mail()));
    // The answer is taken (its invitation goes through the relay, not the file outbox).
    let answered = post_rsvp(&server, &event, "Ann", "ann@example.org", "yes");
    assert_eq!(answered.0, 200, "{}", answered.2);

    // 550 for Ann: her invitation fails at once (a permanent refusal is not retried).
    let failed = outbox_until(&server, "Ann's invitation failed", |l| {
        to(l, "ann@example.org").is_some_and(|m| m["state"] == "failed")
    });
    let ann = to(&failed, "ann@example.org").expect("Ann's invitation");
    assert!(
        ann["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("550")),
        "{ann}"
    );
    let id = ann["id"].as_str().expect("an id").to_string();
    let listed = rollcall(&server.data_dir, &["outbox", "--state", "failed", "--json"]);
    let listed: Value = serde_json::from_str(stdout(&listed).trim()).expect("JSON");
    let failed_ids: Vec<&str> = messages(&listed)
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert_eq!(failed_ids, [id.as_str()]);
    assert_eq!(relay.received_by("ann@example.org"), 0);

    // The address is fixed at the relay; the operator retries the message.
    relay.state().reject = None;
    let retried = rollcall(&server.data_dir, &["outbox", "retry", &id]);
    assert!(retried.status.success(), "{retried:?}");
    assert!(
        stdout(&retried).contains(&format!("re-queued {id}")),
        "{retried:?}"
    );
    outbox_until(&server, "the retried invitation sent", |l| {
        to(l, "ann@example.org").is_some_and(|m| m["state"] == "sent")
    });
    assert_eq!(relay.received_by("ann@example.org"), 1);

    // Retrying again changes nothing: it was sent.
    let again = rollcall(&server.data_dir, &["outbox", "retry", &id]);
    assert!(!again.status.success(), "{again:?}");
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(said.contains("is sent, not failed"), "{said}");
    let all = rollcall(&server.data_dir, &["outbox", "retry", "--failed"]);
    assert!(all.status.success(), "{all:?}");
    assert!(stdout(&all).contains("No failed messages."), "{all:?}");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(relay.received_by("ann@example.org"), 1, "sent once");
}
