//! The listener's bounds over real sockets on 127.0.0.1, with a small router of its own:
//! half-sent and dribbled headers, idle kept-alive connections, slow handlers and bodies,
//! clients that stop reading, the connection caps, and shutdown. Every wait is bounded by
//! [`PATIENCE`], and every slow client lasts longer than that, so a missing bound fails.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::routing::{get, post};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::{HttpLimits, serve};

const PATIENCE: Duration = Duration::from_secs(10);
/// What `/big` sends: far more than socket buffers hold.
const BIG: usize = 64 * 1024 * 1024;

fn app() -> Router {
    Router::new()
        .route("/hello", get(|| async { "hello" }))
        .route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.ip().to_string() }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(PATIENCE * 3).await;
                "too late"
            }),
        )
        .route("/echo", post(|body: String| async move { body }))
        .route(
            "/stream",
            get(|| async {
                let chunks = futures_util::stream::unfold(0, |i| async move {
                    if i == 10 {
                        return None;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    Some((
                        Ok::<_, std::io::Error>(Bytes::from(format!("chunk {i}\n"))),
                        i + 1,
                    ))
                });
                Body::from_stream(chunks)
            }),
        )
        .route(
            "/big",
            get(|| async {
                let piece = Bytes::from(vec![b'b'; 64 * 1024]);
                let chunks = futures_util::stream::iter(
                    (0..BIG / piece.len()).map(move |_| Ok::<_, std::io::Error>(piece.clone())),
                );
                Body::from_stream(chunks)
            }),
        )
}

struct TestServer {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

/// Long timeouts except where a test shortens one, so each test sees only its own bound.
fn patient() -> HttpLimits {
    HttpLimits {
        header_timeout: PATIENCE * 6,
        idle_timeout: PATIENCE * 6,
        request_timeout: PATIENCE * 6,
        max_connections: 100,
        max_connections_per_client: 0,
    }
}

async fn start(limits: HttpLimits) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let shutdown = async move {
        let _ = stopped.await;
    };
    let task = tokio::spawn(serve(listener, app(), limits, shutdown));
    TestServer { addr, stop, task }
}

async fn connect(addr: SocketAddr) -> BufReader<TcpStream> {
    BufReader::new(TcpStream::connect(addr).await.expect("connect"))
}

async fn send(conn: &mut BufReader<TcpStream>, bytes: &str) {
    conn.get_mut()
        .write_all(bytes.as_bytes())
        .await
        .expect("write");
}

fn get_request(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n")
}

/// Reads one response with a `Content-Length` body: status, headers (lower-cased), body.
async fn response(conn: &mut BufReader<TcpStream>) -> (u16, String, String) {
    let read = async {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            let n = conn.read_line(&mut line).await.expect("read");
            assert!(n > 0, "closed before a response; got {head:?}");
            if line == "\r\n" {
                break;
            }
            head.push_str(&line.to_ascii_lowercase());
        }
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .expect("a content-length");
        let mut body = vec![0; length];
        conn.read_exact(&mut body).await.expect("body");
        (status, head, String::from_utf8_lossy(&body).into_owned())
    };
    tokio::time::timeout(PATIENCE, read)
        .await
        .expect("a response in time")
}

/// Asserts the server closes the connection without sending anything (more).
async fn expect_closed(conn: &mut BufReader<TcpStream>) {
    let mut rest = Vec::new();
    let read = tokio::time::timeout(PATIENCE, conn.read_to_end(&mut rest))
        .await
        .expect("the server closes the connection in time");
    // A reset (we had sent more than it read) is a close too.
    if read.is_ok() {
        assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
    }
}

/// Writes `chunk` every 50 ms, 400 times (20 s, twice [`PATIENCE`]), until writes fail.
async fn dribble(conn: &mut BufReader<TcpStream>, chunk: &str) {
    for _ in 0..400 {
        if conn.get_mut().write_all(chunk.as_bytes()).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn half_sent_headers_are_closed_after_the_header_timeout_while_others_are_served() {
    let server = start(HttpLimits {
        header_timeout: Duration::from_millis(300),
        ..patient()
    })
    .await;
    let mut silent = Vec::new();
    for _ in 0..3 {
        let mut conn = connect(server.addr).await;
        send(&mut conn, "GET /hello HTTP/1.1\r\nHost: test\r\n").await;
        silent.push(conn);
    }
    // A slowloris: a header byte every 50 ms, never the blank line.
    let mut dribbler = connect(server.addr).await;
    send(&mut dribbler, "GET /hello HTTP/1.1\r\nX-Slow: ").await;
    let dribbled = async {
        tokio::select! {
            () = dribble(&mut dribbler, "a") => {}
            _ = tokio::time::sleep(PATIENCE) => panic!("the dribbling client was not cut off"),
        }
    };
    let served = async {
        let mut normal = connect(server.addr).await;
        send(&mut normal, &get_request("/hello")).await;
        let (status, _, body) = response(&mut normal).await;
        assert_eq!((status, body.as_str()), (200, "hello"));
    };
    tokio::join!(dribbled, served);
    for conn in &mut silent {
        expect_closed(conn).await;
    }
}

#[tokio::test]
async fn each_kept_alive_request_gets_the_header_timeout_too() {
    let server = start(HttpLimits {
        header_timeout: Duration::from_millis(300),
        ..patient()
    })
    .await;
    let mut conn = connect(server.addr).await;
    send(&mut conn, &get_request("/hello")).await;
    assert_eq!(response(&mut conn).await.0, 200);
    send(&mut conn, &get_request("/hello")).await;
    assert_eq!(response(&mut conn).await.0, 200);
    send(&mut conn, "GET /hello HTTP/1.1\r\nHost: te").await;
    expect_closed(&mut conn).await;
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_idle_timeout() {
    let server = start(HttpLimits {
        idle_timeout: Duration::from_millis(300),
        ..patient()
    })
    .await;
    // Kept alive after a response, then silent.
    let mut kept = connect(server.addr).await;
    send(&mut kept, &get_request("/hello")).await;
    let (status, head, _) = response(&mut kept).await;
    assert_eq!(status, 200);
    assert!(!head.contains("connection: close"), "{head}");
    // Opened and never used.
    let mut unused = connect(server.addr).await;
    expect_closed(&mut kept).await;
    expect_closed(&mut unused).await;
}

#[tokio::test]
async fn a_handler_that_runs_out_of_time_answers_503_and_closes() {
    let server = start(HttpLimits {
        request_timeout: Duration::from_millis(300),
        ..patient()
    })
    .await;
    let mut conn = connect(server.addr).await;
    send(&mut conn, &get_request("/slow")).await;
    let (status, head, body) = response(&mut conn).await;
    assert_eq!(status, 503);
    assert!(head.contains("connection: close"), "{head}");
    assert!(body.contains("took too long"), "{body}");
    expect_closed(&mut conn).await;
}

#[tokio::test]
async fn a_request_body_that_never_arrives_answers_503_and_closes() {
    let server = start(HttpLimits {
        request_timeout: Duration::from_millis(300),
        ..patient()
    })
    .await;
    let mut conn = connect(server.addr).await;
    send(
        &mut conn,
        "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nonly this",
    )
    .await;
    let (status, _, _) = response(&mut conn).await;
    assert_eq!(status, 503);
    expect_closed(&mut conn).await;
}

#[tokio::test]
async fn a_streamed_response_may_last_longer_than_the_request_timeout() {
    let server = start(HttpLimits {
        request_timeout: Duration::from_millis(300),
        ..patient()
    })
    .await;
    let mut conn = connect(server.addr).await;
    send(
        &mut conn,
        "GET /stream HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
    )
    .await;
    let mut all = Vec::new();
    tokio::time::timeout(PATIENCE, conn.read_to_end(&mut all))
        .await
        .expect("the stream ends in time")
        .expect("read");
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
    for i in 0..10 {
        assert!(text.contains(&format!("chunk {i}\n")), "{text}");
    }
}

#[tokio::test]
async fn a_client_that_stops_reading_a_response_is_dropped() {
    let server = start(HttpLimits {
        request_timeout: Duration::from_millis(300),
        ..patient()
    })
    .await;
    let mut conn = connect(server.addr).await;
    send(
        &mut conn,
        "GET /big HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
    )
    .await;
    // Not reading: the socket buffers fill and the response stops moving.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut received = 0;
    let mut buf = vec![0; 64 * 1024];
    let drained = tokio::time::timeout(PATIENCE, async {
        loop {
            match conn.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received += n,
            }
        }
    })
    .await;
    assert!(drained.is_ok(), "the connection was not closed");
    assert!(
        received < BIG,
        "the whole response came ({received} bytes): the stalled response was kept"
    );
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_a_slot_frees() {
    let server = start(HttpLimits {
        max_connections: 2,
        ..patient()
    })
    .await;
    let mut holders = Vec::new();
    for _ in 0..2 {
        let mut conn = connect(server.addr).await;
        send(&mut conn, "GET /hello HTTP/1.1\r\n").await;
        holders.push(conn);
    }
    let mut waiting = connect(server.addr).await;
    send(&mut waiting, &get_request("/hello")).await;
    let mut byte = [0; 1];
    let early = tokio::time::timeout(Duration::from_millis(500), waiting.read(&mut byte)).await;
    assert!(early.is_err(), "served past the cap: {early:?}");
    drop(holders.pop());
    let (status, _, body) = response(&mut waiting).await;
    assert_eq!((status, body.as_str()), (200, "hello"));
}

#[tokio::test]
async fn a_client_over_its_connection_cap_is_closed_at_once() {
    let server = start(HttpLimits {
        max_connections_per_client: 2,
        ..patient()
    })
    .await;
    let mut holders = Vec::new();
    for _ in 0..2 {
        let mut conn = connect(server.addr).await;
        send(&mut conn, &get_request("/hello")).await;
        assert_eq!(response(&mut conn).await.0, 200);
        holders.push(conn);
    }
    let mut refused = connect(server.addr).await;
    expect_closed(&mut refused).await;

    drop(holders.pop());
    // The slot is freed when the server notices the close, just after it.
    let mut served = false;
    for _ in 0..50 {
        let mut conn = connect(server.addr).await;
        let _ = conn
            .get_mut()
            .write_all(get_request("/hello").as_bytes())
            .await;
        let mut status_line = String::new();
        let read = tokio::time::timeout(PATIENCE, conn.read_line(&mut status_line)).await;
        if matches!(read, Ok(Ok(n)) if n > 0) {
            assert!(status_line.starts_with("HTTP/1.1 200"), "{status_line}");
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(served, "no slot freed for the client");
}

#[tokio::test]
async fn handlers_see_the_client_address() {
    let server = start(patient()).await;
    let mut conn = connect(server.addr).await;
    send(&mut conn, &get_request("/peer")).await;
    let (status, _, body) = response(&mut conn).await;
    assert_eq!((status, body.as_str()), (200, "127.0.0.1"));
}

#[tokio::test]
async fn shutdown_finishes_the_response_under_way_closes_idle_connections_and_returns() {
    let server = start(patient()).await;
    let mut idle = connect(server.addr).await;
    send(&mut idle, &get_request("/hello")).await;
    assert_eq!(response(&mut idle).await.0, 200);
    let mut busy = connect(server.addr).await;
    send(
        &mut busy,
        "GET /stream HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
    )
    .await;
    let mut first = String::new();
    busy.read_line(&mut first).await.expect("status line");
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");

    server.stop.send(()).expect("server running");
    expect_closed(&mut idle).await;
    let mut rest = Vec::new();
    tokio::time::timeout(PATIENCE, busy.read_to_end(&mut rest))
        .await
        .expect("the stream ends in time")
        .expect("read");
    assert!(String::from_utf8_lossy(&rest).contains("chunk 9\n"));
    let served = tokio::time::timeout(PATIENCE, server.task)
        .await
        .expect("serve returned");
    served.expect("no panic").expect("no io error");
}
