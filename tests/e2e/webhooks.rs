//! Signed webhooks end to end: endpoints registered through the API of a real `rollcall
//! serve`, deliveries for a web RSVP and for a calendar REPLY received by an HTTP server on
//! loopback and verified with the Standard Webhooks reference library, a 500 retried with the
//! same webhook-id, 410 disabling its endpoint, a hanging endpoint timed out while the others
//! are served, and the delivery log.

use crate::webhook_signatures::receiver_says;
use rollcall_tests::mail::Invite;
use rollcall_tests::rsvp::{invitations_to, outlook_reply, rsvp};
use rollcall_tests::server::{Server, event_id};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Heard {
    path: String,
    headers: HashMap<String, String>,
    body: String,
    at: Instant,
}

/// An HTTP receiver on loopback. Each path answers from its script, then 200: `/ok` 204,
/// `/flaky` 500 once, `/gone` 410, `/hang` nothing for 25 s.
struct Receiver {
    address: SocketAddr,
    heard: Arc<Mutex<Vec<Heard>>>,
}

impl Receiver {
    fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address");
        let heard: Arc<Mutex<Vec<Heard>>> = Arc::default();
        let keep = heard.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let keep = keep.clone();
                std::thread::spawn(move || serve(stream, &keep));
            }
        });
        Receiver { address, heard }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    fn heard_on(&self, path: &str) -> Vec<Heard> {
        let heard = self.heard.lock().expect("lock");
        heard.iter().filter(|h| h.path == path).cloned().collect()
    }

    /// Waits (bounded) until `path` has been posted `count` times.
    fn wait_for(&self, path: &str, count: usize, within: Duration) -> Vec<Heard> {
        let deadline = Instant::now() + within;
        loop {
            let heard = self.heard_on(path);
            if heard.len() >= count || Instant::now() > deadline {
                return heard;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn serve(stream: TcpStream, heard: &Mutex<Vec<Heard>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let path = request_line.split(' ').nth(1).unwrap_or("").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length.min(1 << 20)];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let earlier = {
        let mut heard = heard.lock().expect("lock");
        let earlier = heard.iter().filter(|h| h.path == path).count();
        heard.push(Heard {
            path: path.clone(),
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            at: Instant::now(),
        });
        earlier
    };
    let status = match (path.as_str(), earlier) {
        ("/ok", _) => "204 No Content",
        ("/flaky", 0) => "500 Internal Server Error",
        ("/gone", _) => "410 Gone",
        ("/hang", _) => {
            std::thread::sleep(Duration::from_secs(25));
            "200 OK"
        }
        _ => "200 OK",
    };
    let mut stream = reader.into_inner();
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
}

/// What the reference library says of one received delivery.
fn verified(heard: &Heard, secret: &str) -> String {
    let header = |name: &str| heard.headers.get(name).cloned().unwrap_or_default();
    let timestamp: i64 = header("webhook-timestamp").parse().unwrap_or(0);
    receiver_says(
        secret,
        &header("webhook-id"),
        timestamp,
        &header("webhook-signature"),
        &heard.body,
    )
}

fn register(server: &Server, token: &str, url: &str, types: &[&str]) -> Value {
    let (status, endpoint) = server.api_json(
        "POST",
        "/api/v1/webhooks",
        token,
        &json!({ "url": url, "types": types, "description": "e2e" }),
    );
    assert_eq!(status, 201, "{endpoint}");
    assert!(
        endpoint["secret"]
            .as_str()
            .is_some_and(|s| s.starts_with("whsec_"))
    );
    endpoint
}

fn body_of(heard: &Heard) -> Value {
    serde_json::from_str(&heard.body).expect("a JSON body")
}

#[test]
fn deliveries_for_web_and_calendar_answers_are_signed_retried_and_logged() {
    let receiver = Receiver::start();
    let server = Server::start_with(&["--webhook-allow-private", "--webhook-allow-http"]);
    let event = event_id(&server.deliver(&Invite::default().to_mail()));
    let token = server.api_token("organizer@example.com");

    let answers = register(&server, &token, &receiver.url("/ok"), &["invitee.answered"]);
    let flaky = register(
        &server,
        &token,
        &receiver.url("/flaky"),
        &["invitee.answered"],
    );
    let gone = register(&server, &token, &receiver.url("/gone"), &["invitee.added"]);
    let hang = register(
        &server,
        &token,
        &receiver.url("/hang"),
        &["invitee.answered"],
    );
    let listed = server.api_get(&token, "/api/v1/webhooks");
    assert_eq!(listed["webhooks"].as_array().map(Vec::len), Some(4));
    assert!(
        listed["webhooks"][0].get("secret").is_none(),
        "a list never shows secrets"
    );

    // Ann answers on the web; her calendar then declines by mail.
    let started = Instant::now();
    rsvp(&server, &event, "Ann", "ann@example.org", "yes");
    let invitation = &invitations_to(&server, "ann@example.org", 1)[0];
    let declined = outlook_reply(
        invitation,
        "ann@example.org",
        "DECLINED",
        "20991231T000000Z",
    );
    server
        .send("ann@example.org", &[&invitation.reply_address()], &declined)
        .expect("the reply is taken");

    let delivered = receiver.wait_for("/ok", 2, Duration::from_secs(90));
    assert_eq!(delivered.len(), 2, "both answers: {delivered:#?}");
    let secret = answers["secret"].as_str().expect("secret");
    for heard in &delivered {
        assert_eq!(verified(heard, secret), "verified", "{heard:#?}");
        let other = verified(heard, flaky["secret"].as_str().expect("secret"));
        assert!(
            other.starts_with("refused"),
            "another endpoint's secret: {other}"
        );
    }
    // Deliveries go side by side, so not necessarily in order: the record's time orders them
    // (and /api/v1/changes gives commit order).
    let mut bodies: Vec<Value> = delivered.iter().map(body_of).collect();
    bodies.sort_by_key(|b| b["created_at"].as_str().unwrap_or_default().to_string());
    let channels: Vec<(Value, Value)> = bodies
        .iter()
        .map(|b| (b["data"]["new"].clone(), b["data"]["channel"].clone()))
        .collect();
    assert_eq!(
        channels,
        [
            (json!("accepted"), json!("web")),
            (json!("declined"), json!("calendar-reply"))
        ]
    );
    let first = &bodies[0];
    assert_eq!(first["type"], "invitee.answered");
    assert_eq!(first["data"]["email"], "ann@example.org");
    assert_eq!(first["data"]["event_title"], "Team lunch");
    // Both answers also went to the endpoint that hangs, each for 15 s: neither held up the
    // other endpoint's deliveries, however the two answers fell into passes.
    assert!(
        delivered
            .iter()
            .all(|d| d.at.duration_since(started) < Duration::from_secs(14)),
        "the hanging endpoint held up no other delivery"
    );

    // The 500 is tried again, with the same webhook-id, a few seconds later.
    let flaked = receiver.wait_for("/flaky", 3, Duration::from_secs(60));
    assert!(flaked.len() >= 3, "{flaked:#?}");
    let id = |h: &Heard| h.headers.get("webhook-id").cloned().unwrap_or_default();
    let first_id = id(&flaked[0]);
    let again: Vec<&Heard> = flaked.iter().filter(|h| id(h) == first_id).collect();
    assert_eq!(again.len(), 2, "the failed delivery once more: {flaked:#?}");
    let waited = again[1].at.duration_since(again[0].at);
    assert!(
        waited >= Duration::from_secs(2),
        "after a backoff: {waited:?}"
    );
    assert_eq!(
        verified(again[1], flaky["secret"].as_str().expect("s")),
        "verified"
    );

    // 410 disabled its endpoint, and says so.
    receiver.wait_for("/gone", 1, Duration::from_secs(10));
    let gone_id = gone["id"].as_str().expect("id");
    let deadline = Instant::now() + Duration::from_secs(10);
    let disabled = loop {
        let listed = server.api_get(&token, "/api/v1/webhooks");
        let found = (listed["webhooks"].as_array().cloned().unwrap_or_default())
            .into_iter()
            .find(|w| w["id"] == gone_id)
            .expect("still listed");
        if found["enabled"] == false || Instant::now() > deadline {
            break found;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(disabled["enabled"], false, "{disabled}");
    assert!(
        disabled["disabled_reason"]
            .as_str()
            .is_some_and(|r| r.contains("410"))
    );

    // The hanging endpoint is given up on at the timeout, and its log says so.
    let hang_id = hang["id"].as_str().expect("id");
    let log_path = format!("/api/v1/webhooks/{hang_id}/deliveries");
    let deadline = Instant::now() + Duration::from_secs(40);
    let log = loop {
        let log = server.api_get(&token, &log_path);
        if log["deliveries"].as_array().is_some_and(|d| !d.is_empty()) || Instant::now() > deadline
        {
            break log;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let last = &log["deliveries"][0];
    assert_eq!(last["status"], Value::Null, "{log}");
    assert!(
        last["outcome"]
            .as_str()
            .is_some_and(|o| o.contains("no answer")),
        "{log}"
    );
    let took = last["duration_ms"].as_u64().unwrap_or(0);
    assert!(
        (14_000..=20_000).contains(&took),
        "cut off at about 15 s: {took} ms"
    );

    // The answers endpoint's log, and a test event on request.
    let answers_id = answers["id"].as_str().expect("id");
    let log = server.api_get(&token, &format!("/api/v1/webhooks/{answers_id}/deliveries"));
    let statuses: Vec<&Value> = (log["deliveries"].as_array().expect("log").iter())
        .map(|d| &d["status"])
        .collect();
    assert_eq!(statuses, [&json!(204), &json!(204)], "{log}");
    let (status, queued) = server.api_json(
        "POST",
        &format!("/api/v1/webhooks/{answers_id}/test"),
        &token,
        &Value::Null,
    );
    assert_eq!(status, 202, "{queued}");
    let all = receiver.wait_for("/ok", 3, Duration::from_secs(60));
    let test = body_of(all.last().expect("the test"));
    assert_eq!(test["type"], "webhook.test");
    assert_eq!(verified(all.last().expect("the test"), secret), "verified");
}

#[test]
fn endpoints_at_private_addresses_or_plain_http_are_refused_unless_the_operator_allows() {
    let server = Server::start();
    let token = server.api_token("organizer@example.com");
    for url in [
        "http://127.0.0.1:9/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://169.254.169.254/latest",
        "https://10.1.2.3/hook",
        "https://user@example.com/hook",
        "gopher://example.com/",
    ] {
        let (status, answer) =
            server.api_json("POST", "/api/v1/webhooks", &token, &json!({ "url": url }));
        assert_eq!(status, 400, "{url}: {answer}");
        assert!(
            answer["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{answer}"
        );
    }
    let listed = server.api_get(&token, "/api/v1/webhooks");
    assert_eq!(listed["webhooks"], json!([]));
}
