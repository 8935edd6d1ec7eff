//! Slow and greedy clients: dribbled commands and data, the DATA deadline and
//! minimum rate, the per-client session cap and the greeting delay. Every
//! dribble lasts longer than the harness's patience, so a missing bound fails
//! the test instead of ending the dribble and letting an idle timeout answer.

use std::sync::Arc;
use std::time::Duration;

use super::super::SmtpConfig;
use super::harness::{Client, PATIENCE, RecordingIntake, start, test_config, untrusted_config};

/// 400 × 50 ms = 20 s of dribbling, twice [`PATIENCE`].
const TIMES: usize = 400;
const EVERY: Duration = Duration::from_millis(50);

/// Says EHLO, MAIL and RCPT, and gets the `354` for DATA.
async fn in_data(client: &mut Client) {
    client.command("MAIL FROM:<a@example.org>", "250").await;
    client
        .command("RCPT TO:<invites@example.test>", "250")
        .await;
    client.command("DATA", "354").await;
}

#[tokio::test]
async fn a_command_dribbled_byte_by_byte_is_cut_off_at_the_idle_timeout() {
    let config = SmtpConfig {
        idle_timeout: Duration::from_millis(300),
        ..test_config()
    };
    let server = start(config, Arc::new(RecordingIntake::default())).await;
    let mut client = Client::greeted(server.addr).await;
    // Each byte comes well within the idle timeout; the line never ends.
    let reply = client.dribble_until_reply(b"N", EVERY, TIMES).await;
    assert!(
        reply.starts_with("421 4.4.2 mx.example.test idle timeout"),
        "{reply:?}"
    );
    client.expect_closed().await;
}

#[tokio::test]
async fn message_data_slower_than_the_minimum_rate_is_cut_off_while_others_are_served() {
    let intake = Arc::new(RecordingIntake::default());
    let config = SmtpConfig {
        min_data_rate: 1000,
        // Ample for the normal client, whose whole body comes in one write.
        min_data_grace: Duration::from_secs(1),
        ..test_config()
    };
    let server = start(config, intake.clone()).await;
    let mut slow = Client::greeted(server.addr).await;
    in_data(&mut slow).await;
    let normal = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut client = Client::greeted(server.addr).await;
        in_data(&mut client).await;
        client.send("Subject: on time\r\n\r\nhello\r\n.\r\n").await;
        client.expect("250 2.0.0 Ok: queued as MSG1").await;
        client.command("QUIT", "221").await;
    };
    // 20 bytes a second, each byte well within the idle timeout.
    let (reply, ()) = tokio::join!(slow.dribble_until_reply(b"x", EVERY, TIMES), normal);
    assert!(
        reply.starts_with("421 4.4.2 mx.example.test message data arriving too slowly"),
        "{reply:?}"
    );
    slow.expect_closed().await;
    let stored = intake.stored();
    assert_eq!(stored.len(), 1, "only the normal client's message");
    assert!(String::from_utf8_lossy(&stored[0].1).contains("on time"));
}

#[tokio::test]
async fn message_data_past_the_deadline_is_cut_off_even_at_a_good_rate() {
    let intake = Arc::new(RecordingIntake::default());
    let config = SmtpConfig {
        data_timeout: Duration::from_millis(500),
        min_data_rate: 0,
        max_message_size: 10_000_000,
        ..test_config()
    };
    let server = start(config, intake.clone()).await;
    let mut client = Client::greeted(server.addr).await;
    in_data(&mut client).await;
    // 2 000 bytes a second: fine for any rate check, never ending in time.
    let line = format!("{}\r\n", "y".repeat(98));
    let reply = client
        .dribble_until_reply(line.as_bytes(), EVERY, TIMES)
        .await;
    assert!(
        reply.starts_with("421 4.4.2 mx.example.test message data took too long"),
        "{reply:?}"
    );
    client.expect_closed().await;
    assert!(intake.stored().is_empty());
}

#[tokio::test]
async fn a_message_sent_in_pieces_above_the_minimum_rate_is_accepted() {
    let intake = Arc::new(RecordingIntake::default());
    let config = SmtpConfig {
        min_data_rate: 100,
        min_data_grace: Duration::from_millis(200),
        ..test_config()
    };
    let server = start(config, intake.clone()).await;
    let mut client = Client::greeted(server.addr).await;
    in_data(&mut client).await;
    // About 1 000 bytes a second in ten pieces, past the grace period.
    let line = format!("{}\r\n", "z".repeat(98));
    for _ in 0..10 {
        client.send(&line).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    client.send(".\r\n").await;
    client.expect("250 2.0.0 Ok: queued as MSG1").await;
    assert_eq!(intake.stored().len(), 1);
}

#[tokio::test]
async fn a_client_over_its_session_cap_gets_421_and_a_freed_slot_serves_it_again() {
    let config = SmtpConfig {
        max_connections_per_client: 2,
        ..untrusted_config()
    };
    let server = start(config, Arc::new(RecordingIntake::default())).await;
    let mut first = Client::greeted(server.addr).await;
    let _second = Client::greeted(server.addr).await;
    let mut third = Client::connect(server.addr).await;
    third
        .expect("421 4.7.0 mx.example.test too many connections from your address")
        .await;
    third.expect_closed().await;

    first.command("QUIT", "221").await;
    first.expect_closed().await;
    // The server frees the slot as the session's task ends, just after the close.
    let mut served = None;
    for _ in 0..50 {
        let mut client = Client::connect(server.addr).await;
        let reply = client.expect("").await;
        if reply.starts_with("220 ") {
            served = Some(client);
            break;
        }
        assert!(reply.starts_with("421 4.7.0"), "{reply:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut client = served.expect("a slot freed within a second");
    client.command("EHLO client.test", "250").await;
}

#[tokio::test]
async fn refused_untrusted_sessions_count_toward_the_cap() {
    let config = SmtpConfig {
        max_connections_per_client: 1,
        open: false,
        ..untrusted_config()
    };
    let server = start(config, Arc::new(RecordingIntake::default())).await;
    let mut waiting = Client::connect(server.addr).await;
    waiting.expect("554 5.7.1").await;
    let mut next = Client::connect(server.addr).await;
    next.expect("421 4.7.0").await;
    next.expect_closed().await;
}

#[tokio::test]
async fn trusted_clients_have_no_session_cap() {
    let config = SmtpConfig {
        max_connections_per_client: 1,
        ..test_config()
    };
    let server = start(config, Arc::new(RecordingIntake::default())).await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        clients.push(Client::greeted(server.addr).await);
    }
    for client in &mut clients {
        client.command("NOOP", "250").await;
    }
}

#[tokio::test]
async fn a_client_that_talks_before_the_greeting_is_refused_and_a_patient_one_is_greeted() {
    let intake = Arc::new(RecordingIntake::default());
    let delay = Duration::from_millis(300);
    let config = SmtpConfig {
        greet_delay: delay,
        ..untrusted_config()
    };
    let server = start(config, intake.clone()).await;

    let mut eager = Client::connect(server.addr).await;
    eager
        .send("EHLO bot.test\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<invites@example.test>\r\n")
        .await;
    eager.expect("554 5.5.1 SMTP protocol violation").await;
    eager.expect_closed().await;

    let started = tokio::time::Instant::now();
    let mut patient = Client::connect(server.addr).await;
    patient.expect("220 mx.example.test Rollcall ESMTP").await;
    // The greeting waited (a lower bound, not a speed check).
    assert!(started.elapsed() >= delay - Duration::from_millis(50));
    patient.command("EHLO client.test", "250").await;
    in_data(&mut patient).await;
    patient.send("hello\r\n.\r\n").await;
    patient.expect("250 2.0.0 Ok: queued as MSG1").await;
    assert_eq!(intake.stored().len(), 1);
}

#[tokio::test]
async fn trusted_clients_are_greeted_at_once_and_may_pipeline_from_the_start() {
    let config = SmtpConfig {
        // Longer than the harness waits for any reply.
        greet_delay: PATIENCE * 2,
        ..test_config()
    };
    let server = start(config, Arc::new(RecordingIntake::default())).await;
    let mut client = Client::connect(server.addr).await;
    client.send("EHLO client.test\r\nNOOP\r\n").await;
    client.expect("220 mx.example.test").await;
    client.expect("250-mx.example.test").await;
    client.expect("250 2.0.0 Ok").await;
}
