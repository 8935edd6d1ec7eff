//! The SMTP relay mailer against a real SMTP listener on loopback.

use rollcall_core::ports::{ComposedMail, Mailer, SendError};
use rollcall_local::mailer::RelayMailer;
use rollcall_local::smtp::{self, Envelope, Intake, SmtpConfig};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Sink {
    stored: Mutex<Vec<(Envelope, Vec<u8>)>>,
}

impl Intake for Sink {
    fn accepts_recipient(&self, rcpt: &str) -> bool {
        !rcpt.starts_with("refused")
    }

    async fn store(&self, envelope: Envelope, raw: Vec<u8>) -> Result<String, String> {
        self.stored
            .lock()
            .map_err(|e| e.to_string())?
            .push((envelope, raw));
        Ok("stored".into())
    }
}

async fn sink() -> (Arc<Sink>, RelayMailer, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let sink = Arc::new(Sink::default());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(smtp::serve(
        listener,
        Arc::new(SmtpConfig::default()),
        sink.clone(),
        async move {
            let _ = stopped.await;
        },
    ));
    (
        sink,
        RelayMailer {
            host: "127.0.0.1".into(),
            port,
            helo: "rollcall.test".into(),
        },
        stop,
    )
}

fn mail(to: &str) -> ComposedMail {
    ComposedMail {
        outbox_id: "o-1".into(),
        from: "invites@rollcall.test".into(),
        to: to.into(),
        message_id: "o-1@rollcall.test".into(),
        raw: b"Subject: hello\r\n\r\nline one\r\n.leading dot\r\n.\r\nlast\r\n".to_vec(),
    }
}

#[tokio::test]
async fn a_message_is_relayed_intact_with_its_envelope() {
    let (sink, relay, _stop) = sink().await;
    relay.send(&mail("org@example.com")).await.expect("relayed");
    let stored = sink.stored.lock().expect("lock");
    assert_eq!(stored.len(), 1);
    let (envelope, raw) = &stored[0];
    assert_eq!(envelope.mail_from, "invites@rollcall.test");
    assert_eq!(envelope.rcpt_to, ["org@example.com"]);
    let text = String::from_utf8_lossy(raw);
    assert!(
        text.ends_with("Subject: hello\r\n\r\nline one\r\n.leading dot\r\n.\r\nlast\r\n"),
        "{text}"
    );
}

#[tokio::test]
async fn a_refused_recipient_is_a_permanent_failure() {
    let (sink, relay, _stop) = sink().await;
    let error = relay
        .send(&mail("refused@example.com"))
        .await
        .expect_err("refused");
    assert!(
        matches!(error, SendError::Permanent(ref text) if text.contains("550")),
        "{error:?}"
    );
    assert!(sink.stored.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn an_unreachable_relay_makes_the_transport_unavailable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let relay = RelayMailer {
        host: "127.0.0.1".into(),
        port,
        helo: "rollcall.test".into(),
    };
    let result = relay.send(&mail("org@example.com")).await;
    assert!(
        matches!(result, Err(SendError::Unavailable(_))),
        "{result:?}"
    );
}

/// A relay that answers every connection from a script: its greeting, then one reply per
/// command line it reads (the last one repeated), until the client hangs up.
async fn scripted(greeting: &'static str, replies: &'static [&'static str]) -> RelayMailer {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            let _ = write.write_all(format!("{greeting}\r\n").as_bytes()).await;
            let mut next = replies.iter();
            let mut last = "";
            // Bounded: a client sends a handful of commands per message.
            for _ in 0..20 {
                let Ok(Some(_command)) = lines.next_line().await else {
                    break;
                };
                last = next.next().copied().unwrap_or(last);
                if write
                    .write_all(format!("{last}\r\n").as_bytes())
                    .await
                    .is_err()
                {
                    break;
                }
            }
        }
    });
    RelayMailer {
        host: "127.0.0.1".into(),
        port,
        helo: "rollcall.test".into(),
    }
}

#[tokio::test]
async fn a_relay_refusing_the_session_makes_the_transport_unavailable() {
    for greeting in ["421 4.3.2 too busy, try later", "554 5.3.2 no service here"] {
        let relay = scripted(greeting, &["221 bye"]).await;
        let result = relay.send(&mail("org@example.com")).await;
        assert!(
            matches!(result, Err(SendError::Unavailable(ref text)) if text.contains(&greeting[..3])),
            "{greeting}: {result:?}"
        );
    }
    // 421 in the middle of a message is the relay closing the channel: not this message's fault.
    let relay = scripted("220 ready", &["250 hi", "421 4.4.2 shutting down"]).await;
    let result = relay.send(&mail("org@example.com")).await;
    assert!(
        matches!(result, Err(SendError::Unavailable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_4xx_for_one_recipient_is_a_transient_failure_of_that_message() {
    let relay = scripted(
        "220 ready",
        &["250 hi", "250 sender ok", "450 4.2.1 mailbox busy"],
    )
    .await;
    let result = relay.send(&mail("org@example.com")).await;
    assert!(
        matches!(result, Err(SendError::Transient(ref text)) if text.contains("450")),
        "{result:?}"
    );
}
