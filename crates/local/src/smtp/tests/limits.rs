//! The listener's bounds: size, recipients, line length, idle time, error
//! count, trusted networks and shutdown.

use std::sync::Arc;
use std::time::Duration;

use super::super::{IpNet, SmtpConfig};
use super::harness::{Client, PATIENCE, RecordingIntake, start, start_recording, test_config};

#[tokio::test]
async fn oversized_message_is_refused_with_552_and_not_stored() {
    let (server, intake) = start_recording().await;
    let mut client = Client::greeted(server.addr).await;
    client
        .command(
            "MAIL FROM:<a@example.org> SIZE=10001",
            "552 5.3.4 message size exceeds fixed maximum of 10000 bytes",
        )
        .await;
    client
        .command("MAIL FROM:<a@example.org> SIZE=10000", "250")
        .await;
    client
        .command("RCPT TO:<invites@example.test>", "250")
        .await;
    client.command("DATA", "354").await;
    // 20 000 bytes in 100-byte lines, twice the limit.
    let line = format!("{}\r\n", "x".repeat(98));
    client.send(line.repeat(200)).await;
    client.send(".\r\n").await;
    client
        .expect("552 5.3.4 message size exceeds fixed maximum of 10000 bytes")
        .await;
    // The connection is still in sync and a fitting message goes through.
    client.command("MAIL FROM:<a@example.org>", "250").await;
    client
        .command("RCPT TO:<invites@example.test>", "250")
        .await;
    client.command("DATA", "354").await;
    client.send(line.repeat(99) + ".\r\n").await;
    client.expect("250 2.0.0 Ok: queued as MSG1").await;
    let stored = intake.stored();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].1.ends_with(line.repeat(99).as_bytes()));
}

#[tokio::test]
async fn too_many_recipients_get_452() {
    let intake = Arc::new(RecordingIntake::default());
    let server = start(
        SmtpConfig {
            max_recipients: 2,
            ..test_config()
        },
        intake.clone(),
    )
    .await;
    let mut client = Client::greeted(server.addr).await;
    client.command("MAIL FROM:<a@example.org>", "250").await;
    client.command("RCPT TO:<rsvp+1@example.test>", "250").await;
    client.command("RCPT TO:<rsvp+2@example.test>", "250").await;
    client
        .command("RCPT TO:<rsvp+3@example.test>", "452 4.5.3")
        .await;
    client.command("DATA", "354").await;
    client.send("hi\r\n.\r\n").await;
    client.expect("250 2.0.0 Ok: queued").await;
    assert_eq!(
        intake.stored()[0].0.rcpt_to,
        ["rsvp+1@example.test", "rsvp+2@example.test"]
    );
}

#[tokio::test]
async fn overlong_command_line_is_refused() {
    let intake = Arc::new(RecordingIntake::default());
    let server = start(
        SmtpConfig {
            max_line_length: 100,
            ..test_config()
        },
        intake,
    )
    .await;
    let mut client = Client::greeted(server.addr).await;
    client
        .command(&format!("NOOP {}", "a".repeat(95)), "250")
        .await;
    // Several reads' worth, to exercise discarding as the line streams in.
    client
        .command(
            &format!("NOOP {}", "a".repeat(50_000)),
            "500 5.5.2 line too long",
        )
        .await;
    client
        .command(
            &format!("MAIL FROM:<{}@example.org>", "a".repeat(96)),
            "500 5.5.2",
        )
        .await;
    client.command("NOOP", "250").await;
}

#[tokio::test]
async fn idle_client_is_disconnected() {
    let intake = Arc::new(RecordingIntake::default());
    let config = SmtpConfig {
        idle_timeout: Duration::from_millis(200),
        ..test_config()
    };
    let server = start(config, intake).await;
    let mut client = Client::greeted(server.addr).await;
    client.command("MAIL FROM:<a@example.org>", "250").await;
    let started = tokio::time::Instant::now();
    client
        .expect("421 4.4.2 mx.example.test idle timeout")
        .await;
    assert!(started.elapsed() >= Duration::from_millis(150));
    client.expect_closed().await;
}

#[tokio::test]
async fn untrusted_peer_is_refused() {
    let intake = Arc::new(RecordingIntake::default());
    let trusted = vec!["10.0.0.0/8".parse::<IpNet>().expect("valid net")];
    let server = start(
        SmtpConfig {
            trusted_networks: trusted,
            ..test_config()
        },
        intake.clone(),
    )
    .await;
    let mut client = Client::connect(server.addr).await;
    let greeting = client
        .expect("554 5.7.1 mx.example.test accepts mail only from trusted networks")
        .await;
    assert!(greeting.contains("127.0.0.1"));
    client.command("EHLO client.test", "503").await;
    client.command("MAIL FROM:<a@example.org>", "503").await;
    client.command("QUIT", "221").await;
    client.expect_closed().await;
    assert!(intake.stored().is_empty());
}

#[tokio::test]
async fn in_open_mode_an_untrusted_peer_may_deliver_to_our_domain_only() {
    let intake = Arc::new(RecordingIntake::default());
    let trusted = vec!["10.0.0.0/8".parse::<IpNet>().expect("valid net")];
    let server = start(
        SmtpConfig {
            trusted_networks: trusted,
            open: true,
            domain: "example.test".to_owned(),
            ..test_config()
        },
        intake.clone(),
    )
    .await;
    let mut client = Client::greeted(server.addr).await;
    client
        .command("MAIL FROM:<organizer@example.org>", "250")
        .await;
    let refused = client
        .command("RCPT TO:<victim@elsewhere.example>", "550 5.7.1")
        .await;
    assert!(refused.contains("relaying denied"), "{refused}");
    // A lookalike domain is not ours either.
    client
        .command("RCPT TO:<invites@example.test.evil.example>", "550 5.7.1")
        .await;
    // Our own domain: an unknown mailbox is still no such mailbox; ours are accepted.
    client
        .command("RCPT TO:<nobody@example.test>", "550 5.1.1")
        .await;
    client
        .command("RCPT TO:<Invites@Example.Test>", "250")
        .await;
    client.command("DATA", "354").await;
    client.send("Subject: hi\r\n\r\nhello\r\n.\r\n").await;
    client.expect("250 2.0.0 Ok: queued as MSG1").await;
    client.command("QUIT", "221").await;
    let stored = intake.stored();
    assert_eq!(stored.len(), 1);
    let (envelope, _) = &stored[0];
    assert_eq!(envelope.rcpt_to, ["invites@example.test"]);
    assert_eq!(envelope.mail_from, "organizer@example.org");
    assert_eq!(envelope.helo, "client.test");
    assert_eq!(envelope.peer.ip().to_canonical().to_string(), "127.0.0.1");
}

#[tokio::test]
async fn a_trusted_peer_in_open_mode_is_served_as_before() {
    let intake = Arc::new(RecordingIntake::default());
    let server = start(
        SmtpConfig {
            open: true,
            domain: "example.test".to_owned(),
            ..test_config()
        },
        intake.clone(),
    )
    .await;
    let mut client = Client::greeted(server.addr).await;
    client.command("MAIL FROM:<a@example.org>", "250").await;
    let reply = client
        .command("RCPT TO:<someone@elsewhere.example>", "550 5.1.1")
        .await;
    assert!(!reply.contains("relaying"), "{reply}");
    client.command("QUIT", "221").await;
}

#[tokio::test]
async fn a_client_that_keeps_erring_is_disconnected() {
    let (server, _intake) = start_recording().await;
    let mut client = Client::greeted(server.addr).await;
    client.send("BOGUS\r\n".repeat(25)).await;
    for _ in 0..20 {
        client.expect("500 5.5.1").await;
    }
    client.expect("421 4.7.0").await;
    client.expect_closed().await;
}

#[tokio::test]
async fn shutdown_ends_open_sessions_with_421_and_serve_returns() {
    let (server, _intake) = start_recording().await;
    let mut client = Client::greeted(server.addr).await;
    client.command("MAIL FROM:<a@example.org>", "250").await;
    server.stop.send(()).expect("server running");
    client
        .expect("421 4.3.2 mx.example.test shutting down")
        .await;
    client.expect_closed().await;
    let served = tokio::time::timeout(PATIENCE, server.task)
        .await
        .expect("serve returned");
    served.expect("no panic").expect("no io error");
}
