//! End-to-end tests of the listener over real TCP sockets on 127.0.0.1:
//! transactions and command handling. Limits are in `tests/limits.rs`, unit
//! tests of the decoder and `IpNet` in `tests/units.rs`.

mod harness;
mod limits;
mod slow_clients;
mod units;

use std::sync::Arc;

use harness::{Client, FailingIntake, body_of, start, start_recording, test_config};

#[tokio::test]
async fn a_pipelined_transaction_is_stored_once() {
    let (server, intake) = start_recording().await;
    let mut client = Client::connect(server.addr).await;
    client
        .expect("220 mx.example.test Rollcall ESMTP\r\n")
        .await;
    let ehlo = client
        .command("EHLO client.test", "250-mx.example.test")
        .await;
    for keyword in [
        "PIPELINING",
        "8BITMIME",
        "SIZE 10000",
        "ENHANCEDSTATUSCODES",
    ] {
        assert!(
            ehlo.contains(&format!("250-{keyword}\r\n"))
                || ehlo.contains(&format!("250 {keyword}\r\n"))
        );
    }
    assert!(!ehlo.contains("CHUNKING"));

    client.send("MAIL FROM:<Guest@Example.org>\r\nRCPT TO:<Invites@Example.TEST>\r\nRCPT TO:<rsvp+k1@example.test>\r\nDATA\r\n").await;
    client.expect("250 2.1.0").await;
    client.expect("250 2.1.5").await;
    client.expect("250 2.1.5").await;
    client.expect("354").await;
    client
        .send("Subject: hi\r\n\r\nhello\r\n.\r\nQUIT\r\n")
        .await;
    client.expect("250 2.0.0 Ok: queued as MSG1\r\n").await;
    client.expect("221").await;
    client.expect_closed().await;

    let stored = intake.stored();
    assert_eq!(stored.len(), 1);
    let (envelope, raw) = &stored[0];
    assert_eq!(envelope.helo, "client.test");
    assert_eq!(envelope.mail_from, "Guest@Example.org");
    assert_eq!(
        envelope.rcpt_to,
        ["invites@example.test", "rsvp+k1@example.test"]
    );
    assert_eq!(envelope.peer.ip().to_string(), "127.0.0.1");
    assert_eq!(body_of(raw), b"Subject: hi\r\n\r\nhello\r\n");
}

#[tokio::test]
async fn pipelined_commands_after_end_of_data_are_not_lost() {
    let (server, intake) = start_recording().await;
    let mut client = Client::greeted(server.addr).await;
    let transaction = "MAIL FROM:<a@example.org>\r\nRCPT TO:<invites@example.test>\r\nDATA\r\n";
    client.send(transaction).await;
    for code in ["250", "250", "354"] {
        client.expect(code).await;
    }
    // End of the first message, a whole second transaction and its data
    // arrive in one write.
    client.send(format!("one\r\n.\r\n{transaction}")).await;
    client.expect("250 2.0.0 Ok: queued as MSG1").await;
    for code in ["250", "250", "354"] {
        client.expect(code).await;
    }
    client.send("two\r\n.\r\nNOOP\r\nQUIT\r\n").await;
    client.expect("250 2.0.0 Ok: queued as MSG2").await;
    client.expect("250 2.0.0 Ok").await;
    client.expect("221").await;

    let bodies: Vec<Vec<u8>> = intake
        .stored()
        .iter()
        .map(|(_, raw)| body_of(raw).to_vec())
        .collect();
    assert_eq!(bodies, [b"one\r\n".to_vec(), b"two\r\n".to_vec()]);
}

#[tokio::test]
async fn smuggled_bare_lf_dot_does_not_split_a_message() {
    for fake_end in ["\n.\n", "\n.\r\n", "\r.\r\n", "\r\n.\n", "\r\n.\r\r\n"] {
        let (server, intake) = start_recording().await;
        let mut client = Client::greeted(server.addr).await;
        client
            .send("MAIL FROM:<a@example.org>\r\nRCPT TO:<invites@example.test>\r\nDATA\r\n")
            .await;
        for code in ["250", "250", "354"] {
            client.expect(code).await;
        }
        let smuggled =
            "MAIL FROM:<ceo@example.test>\r\nRCPT TO:<rsvp+x@example.test>\r\nDATA\r\nforged\r\n";
        client.send(format!("real{fake_end}{smuggled}.\r\n")).await;
        client.expect("250 2.0.0 Ok: queued as MSG1").await;
        client.command("QUIT", "221").await;

        let stored = intake.stored();
        assert_eq!(stored.len(), 1, "split on {fake_end:?}");
        assert_eq!(stored[0].0.rcpt_to, ["invites@example.test"]);
        let body = String::from_utf8_lossy(body_of(&stored[0].1)).into_owned();
        assert!(
            body.starts_with("real") && body.contains("ceo@example.test"),
            "{fake_end:?}: {body:?}"
        );
    }
}

#[tokio::test]
async fn dot_stuffed_lines_are_unstuffed() {
    let (server, intake) = start_recording().await;
    let mut client = Client::greeted(server.addr).await;
    client.command("MAIL FROM:<a@example.org>", "250").await;
    client
        .command("RCPT TO:<invites@example.test>", "250")
        .await;
    client.command("DATA", "354").await;
    client
        .send("..first\r\nmid.dle\r\n...\r\n..\r\nlast\r\n.\r\n")
        .await;
    client.expect("250 2.0.0 Ok: queued").await;
    let stored = intake.stored();
    assert_eq!(
        body_of(&stored[0].1),
        b".first\r\nmid.dle\r\n..\r\n.\r\nlast\r\n"
    );
}

#[tokio::test]
async fn unknown_recipient_gets_550() {
    let (server, intake) = start_recording().await;
    let mut client = Client::greeted(server.addr).await;
    client.command("MAIL FROM:<a@example.org>", "250").await;
    let reply = client
        .command(
            "RCPT TO:<Nobody@Example.test>",
            "550 5.1.1 <nobody@example.test>: no such mailbox",
        )
        .await;
    assert!(reply.contains("Rollcall"));
    client.command("DATA", "503 5.5.1").await;
    client.command("QUIT", "221").await;
    assert!(intake.stored().is_empty());
}

#[tokio::test]
async fn store_failure_answers_451() {
    let server = start(test_config(), Arc::new(FailingIntake)).await;
    let mut client = Client::greeted(server.addr).await;
    client.command("MAIL FROM:<a@example.org>", "250").await;
    client
        .command("RCPT TO:<invites@example.test>", "250")
        .await;
    client.command("DATA", "354").await;
    client.send("Subject: x\r\n\r\nbody\r\n.\r\n").await;
    client
        .expect("451 4.3.0 temporary failure, please retry\r\n")
        .await;
    // The session goes on: a new transaction can start.
    client.command("MAIL FROM:<a@example.org>", "250").await;
}

#[tokio::test]
async fn commands_out_of_sequence_get_503_and_others_their_codes() {
    let (server, intake) = start_recording().await;
    let mut client = Client::connect(server.addr).await;
    client.expect("220").await;
    client
        .command("MAIL FROM:<a@example.org>", "503 5.5.1")
        .await;
    client
        .command("HELO client.test", "250 mx.example.test")
        .await;
    client.command("DATA", "503 5.5.1").await;
    client
        .command("RCPT TO:<invites@example.test>", "503 5.5.1")
        .await;
    client.command("FROB", "500 5.5.1").await;
    client.command("VRFY invites", "252").await;
    client.command("HELP", "214").await;
    client.command("NOOP", "250").await;
    client.command("MAIL FROM:<a@example.org>", "250").await;
    client
        .command("MAIL FROM:<a@example.org>", "503 5.5.1")
        .await;
    client.command("RSET", "250").await;
    client
        .command("RCPT TO:<invites@example.test>", "503")
        .await;
    client.command("MAIL FROM:<>", "250").await;
    client.command("QUIT", "221").await;
    client.expect_closed().await;
    assert!(intake.stored().is_empty());
}
