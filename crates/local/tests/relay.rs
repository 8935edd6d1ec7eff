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
async fn an_unreachable_relay_is_a_transient_failure() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let relay = RelayMailer {
        host: "127.0.0.1".into(),
        port,
        helo: "rollcall.test".into(),
    };
    assert!(matches!(
        relay.send(&mail("org@example.com")).await,
        Err(SendError::Transient(_))
    ));
}
