//! The sender against real HTTP servers on loopback: what it posts, what it refuses to
//! connect to, and what it does not wait for.

use async_trait::async_trait;
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use rollcall_core::ports::{Lookup, WebhookPost, WebhookSender};
use rollcall_core::webhook::attempts::Answer;
use rollcall_core::webhook::target::{Policy, check_url};
use rollcall_webhooks::HttpsSender;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the receiver heard: each request's headers and body.
type Heard = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// A receiver on loopback: `/ok` answers 204, `/busy` 429 with Retry-After 120, `/moved`
/// redirects to `/ok`, `/hang` never answers in time.
async fn receiver() -> (SocketAddr, Heard) {
    let heard: Heard = Arc::default();
    let keep = |heard: Heard| {
        move |headers: HeaderMap, body: String| {
            let heard = heard.clone();
            async move {
                heard.lock().expect("lock").push((headers, body));
            }
        }
    };
    let app = Router::new()
        .route(
            "/ok",
            post({
                let keep = keep(heard.clone());
                move |h: HeaderMap, b: String| async move {
                    keep(h, b).await;
                    StatusCode::NO_CONTENT
                }
            }),
        )
        .route(
            "/busy",
            post(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "120")],
                )
            }),
        )
        .route(
            "/moved",
            post(|| async { (StatusCode::FOUND, [(header::LOCATION, "/ok")]).into_response() }),
        )
        .route(
            "/hang",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                StatusCode::OK
            }),
        );
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (address, heard)
}

/// A resolver whose answer for every name the test sets, and may change.
#[derive(Default)]
struct TestLookup(Mutex<Vec<IpAddr>>);

impl TestLookup {
    fn answer(&self, addresses: &[IpAddr]) {
        *self.0.lock().expect("lock") = addresses.to_vec();
    }
}

#[async_trait]
impl Lookup for TestLookup {
    async fn lookup(&self, _host: &str) -> std::io::Result<Vec<IpAddr>> {
        Ok(self.0.lock().expect("lock").clone())
    }
}

const PRIVATE: Policy = Policy {
    allow_http: true,
    allow_private: true,
};
const PUBLIC_HTTP: Policy = Policy {
    allow_http: true,
    allow_private: false,
};
const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn delivery(url: String) -> WebhookPost {
    WebhookPost {
        url,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("webhook-id".into(), "wh-1".into()),
        ],
        body: br#"{"type":"invitee.answered"}"#.to_vec(),
    }
}

fn status(code: u16) -> Answer {
    Answer::Status {
        code,
        retry_after: None,
    }
}

#[tokio::test]
async fn a_delivery_is_posted_as_given_and_answers_are_read_without_following_redirects() {
    let (address, heard) = receiver().await;
    let lookup = Arc::new(TestLookup::default());
    lookup.answer(&[LOOPBACK]);
    let sender = HttpsSender::with(PRIVATE, lookup, Duration::from_secs(5)).expect("client");
    let port = address.port();

    let answered = sender
        .post(&delivery(format!("http://hooks.test:{port}/ok")))
        .await;
    assert_eq!(answered.answer, status(204), "{}", answered.detail);
    let heard = heard.lock().expect("lock").clone();
    assert_eq!(heard.len(), 1);
    assert_eq!(heard[0].1, r#"{"type":"invitee.answered"}"#);
    assert_eq!(heard[0].0["webhook-id"], "wh-1");
    assert_eq!(heard[0].0["user-agent"], "Rollcall-Webhooks/1");

    let busy = sender
        .post(&delivery(format!("http://127.0.0.1:{port}/busy")))
        .await;
    let wanted = Answer::Status {
        code: 429,
        retry_after: Some(chrono::Duration::seconds(120)),
    };
    assert_eq!(busy.answer, wanted);
    let moved = sender
        .post(&delivery(format!("http://127.0.0.1:{port}/moved")))
        .await;
    assert_eq!(
        moved.answer,
        status(302),
        "a redirect is an answer, not followed"
    );
}

#[tokio::test]
async fn loopback_and_private_targets_are_refused_unless_allowed_whatever_the_dns_says() {
    let (address, heard) = receiver().await;
    let port = address.port();
    let lookup = Arc::new(TestLookup::default());
    let sender =
        HttpsSender::with(PUBLIC_HTTP, lookup.clone(), Duration::from_secs(5)).expect("client");
    for url in [
        format!("http://127.0.0.1:{port}/ok"),
        format!("http://[::1]:{port}/ok"),
        format!("http://[::ffff:127.0.0.1]:{port}/ok"),
        format!("http://2130706433:{port}/ok"),
        format!("http://0x7f.1:{port}/ok"),
        format!("http://localhost:{port}/ok"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        format!("http://user@10.0.0.1:{port}/ok"),
        "file:///etc/passwd".to_string(),
        "gopher://127.0.0.1:70/".to_string(),
    ] {
        let answered = sender.post(&delivery(url.clone())).await;
        assert_eq!(answered.answer, Answer::NoAnswer, "{url}");
        assert!(!answered.detail.is_empty(), "{url}: says why");
    }
    // A name that was public when the endpoint was saved and resolves to loopback when it is
    // sent: refused at the connection.
    lookup.answer(&[IpAddr::V4(Ipv4Addr::new(93, 184, 215, 14))]);
    let url = format!("http://hooks.test:{port}/ok");
    check_url(&url, PUBLIC_HTTP, lookup.as_ref())
        .await
        .expect("public when saved");
    lookup.answer(&[IpAddr::V4(Ipv4Addr::new(93, 184, 215, 14)), LOOPBACK]);
    let refused = check_url(&url, PUBLIC_HTTP, lookup.as_ref()).await;
    assert!(refused.is_err_and(|why| why.contains("127.0.0.1")));
    let answered = sender.post(&delivery(url)).await;
    assert_eq!(answered.answer, Answer::NoAnswer);
    assert!(answered.detail.contains("127.0.0.1"), "{}", answered.detail);
    assert!(
        heard.lock().expect("lock").is_empty(),
        "nothing reached loopback"
    );
}

#[tokio::test]
async fn a_hanging_endpoint_is_given_up_on_at_the_timeout_while_another_is_served() {
    let (address, heard) = receiver().await;
    let port = address.port();
    let lookup = Arc::new(TestLookup::default());
    let sender = HttpsSender::with(PRIVATE, lookup, Duration::from_millis(800)).expect("client");
    let started = std::time::Instant::now();
    let hang = delivery(format!("http://127.0.0.1:{port}/hang"));
    let ok = delivery(format!("http://127.0.0.1:{port}/ok"));
    let (hung, served) = tokio::join!(sender.post(&hang), async {
        let answered = sender.post(&ok).await;
        (answered, started.elapsed())
    });
    assert_eq!(hung.answer, Answer::NoAnswer);
    assert!(hung.detail.contains("no answer"), "{}", hung.detail);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "cut off at the timeout"
    );
    assert_eq!(served.0.answer, status(204));
    assert!(
        served.1 < Duration::from_millis(800),
        "not held up: {:?}",
        served.1
    );
    assert_eq!(heard.lock().expect("lock").len(), 1);
}
