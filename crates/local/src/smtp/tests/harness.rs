//! Shared harness: in-memory intakes, a server on 127.0.0.1:0 and a line-
//! oriented SMTP client whose every wait is bounded.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::super::{Envelope, Intake, SmtpConfig, serve};

/// Bound on every wait in these tests, so a bug fails instead of hanging.
pub(super) const PATIENCE: Duration = Duration::from_secs(10);

/// Takes invites@example.test and rsvp+<key>@example.test; records stores.
#[derive(Debug, Default)]
pub(super) struct RecordingIntake {
    stored: Mutex<Vec<(Envelope, Vec<u8>)>>,
}

impl RecordingIntake {
    pub(super) fn stored(&self) -> Vec<(Envelope, Vec<u8>)> {
        self.stored.lock().expect("lock").clone()
    }
}

fn known_recipient(rcpt: &str) -> bool {
    let rsvp_key = rcpt
        .strip_prefix("rsvp+")
        .and_then(|r| r.strip_suffix("@example.test"));
    rcpt == "invites@example.test" || rsvp_key.is_some_and(|key| !key.is_empty())
}

impl Intake for RecordingIntake {
    fn accepts_recipient(&self, rcpt: &str) -> bool {
        known_recipient(rcpt)
    }

    async fn store(&self, envelope: Envelope, raw: Vec<u8>) -> Result<String, String> {
        let mut stored = self.stored.lock().map_err(|_| "poisoned".to_owned())?;
        stored.push((envelope, raw));
        Ok(format!("MSG{}", stored.len()))
    }
}

/// An intake whose disk is always full.
#[derive(Debug)]
pub(super) struct FailingIntake;

impl Intake for FailingIntake {
    fn accepts_recipient(&self, rcpt: &str) -> bool {
        known_recipient(rcpt)
    }

    async fn store(&self, _: Envelope, _: Vec<u8>) -> Result<String, String> {
        Err("disk full (test)".to_owned())
    }
}

/// Greeting delay off, so tests with untrusted peers need not wait for it
/// (the greeting tests set their own).
pub(super) fn test_config() -> SmtpConfig {
    SmtpConfig {
        hostname: "mx.example.test".to_owned(),
        max_message_size: 10_000,
        greet_delay: Duration::ZERO,
        ..SmtpConfig::default()
    }
}

/// Open mode with trusted networks that leave out loopback: the tests' own
/// connections are then clients from outside.
pub(super) fn untrusted_config() -> SmtpConfig {
    SmtpConfig {
        trusted_networks: vec!["10.0.0.0/8".parse().expect("valid net")],
        open: true,
        domain: "example.test".to_owned(),
        ..test_config()
    }
}

pub(super) struct TestServer {
    pub(super) addr: SocketAddr,
    pub(super) stop: oneshot::Sender<()>,
    pub(super) task: JoinHandle<std::io::Result<()>>,
}

pub(super) async fn start<I: Intake>(config: SmtpConfig, intake: Arc<I>) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let shutdown = async move {
        let _ = stopped.await;
    };
    let task = tokio::spawn(serve(listener, Arc::new(config), intake, shutdown));
    TestServer { addr, stop, task }
}

/// Starts a default server with a recording intake.
pub(super) async fn start_recording() -> (TestServer, Arc<RecordingIntake>) {
    let intake = Arc::new(RecordingIntake::default());
    (start(test_config(), intake.clone()).await, intake)
}

pub(super) struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Client {
    pub(super) async fn connect(addr: SocketAddr) -> Self {
        let (read, writer) = TcpStream::connect(addr)
            .await
            .expect("connect")
            .into_split();
        Self {
            reader: BufReader::new(read),
            writer,
        }
    }

    /// Connects, checks the greeting and says EHLO.
    pub(super) async fn greeted(addr: SocketAddr) -> Self {
        let mut client = Self::connect(addr).await;
        client.expect("220 mx.example.test Rollcall ESMTP").await;
        client.command("EHLO client.test", "250").await;
        client
    }

    pub(super) async fn send(&mut self, bytes: impl AsRef<[u8]>) {
        self.writer.write_all(bytes.as_ref()).await.expect("write");
    }

    /// Reads one (possibly multi-line) reply.
    async fn reply(&mut self) -> String {
        let mut reply = String::new();
        loop {
            let mut line = String::new();
            let read = tokio::time::timeout(PATIENCE, self.reader.read_line(&mut line)).await;
            let n = read.expect("reply timed out").expect("read");
            assert!(n > 0, "connection closed; reply so far: {reply:?}");
            reply.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return reply;
            }
        }
    }

    /// Reads a reply and asserts it starts with `prefix`.
    pub(super) async fn expect(&mut self, prefix: &str) -> String {
        let reply = self.reply().await;
        assert!(
            reply.starts_with(prefix),
            "expected {prefix:?}, got {reply:?}"
        );
        reply
    }

    pub(super) async fn command(&mut self, line: &str, prefix: &str) -> String {
        self.send(format!("{line}\r\n")).await;
        self.expect(prefix).await
    }

    /// Writes `chunk` every `every`, at most `times` times, until a reply
    /// arrives (or the server closes and writes fail), and returns the reply.
    pub(super) async fn dribble_until_reply(
        &mut self,
        chunk: &[u8],
        every: Duration,
        times: usize,
    ) -> String {
        let writer = &mut self.writer;
        let dribble = async {
            for _ in 0..times {
                if writer.write_all(chunk).await.is_err() {
                    break;
                }
                tokio::time::sleep(every).await;
            }
            // Then stay quiet, so only the server can end the wait.
            std::future::pending::<()>().await;
        };
        let mut line = String::new();
        let reader = &mut self.reader;
        tokio::select! {
            () = dribble => unreachable!("the dribble never ends by itself"),
            read = tokio::time::timeout(PATIENCE, reader.read_line(&mut line)) => {
                read.expect("no reply while dribbling").expect("read");
            }
        }
        line
    }

    /// Asserts the server closed the connection without sending more.
    pub(super) async fn expect_closed(&mut self) {
        let mut rest = Vec::new();
        let read = tokio::time::timeout(PATIENCE, self.reader.read_to_end(&mut rest)).await;
        read.expect("close timed out").expect("read");
        assert!(
            rest.is_empty(),
            "unexpected data: {:?}",
            String::from_utf8_lossy(&rest)
        );
    }
}

/// The stored bytes minus our `Received:` header (checked on the way).
pub(super) fn body_of(raw: &[u8]) -> &[u8] {
    let text = String::from_utf8_lossy(raw);
    assert!(text.starts_with(
        "Received: from client.test (127.0.0.1)\r\n\tby mx.example.test with ESMTP id "
    ));
    let end = raw
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w == b"\r\n")
        .map(|(i, _)| i + 2)
        .nth(2);
    &raw[end.expect("three header lines")..]
}
