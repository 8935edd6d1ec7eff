//! Slow clients cannot hold the doors of a real `rollcall serve`: half-sent HTTP headers, a
//! kept-alive connection left idle, a request body that never arrives, and SMTP clients that
//! dribble their message data or talk before the greeting are all cut off within the short
//! bounds these tests configure, while a normal client is served meanwhile. Each slow client
//! would outlast `BOUND` if nothing cut it off, so a missing limit fails the test.

use rollcall_tests::mail::Invite;
use rollcall_tests::server::{DOMAIN, Server};
use rollcall_tests::smtp_client::send_mail;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

/// How long a slow client may last before the test calls it not cut off.
const BOUND: Duration = Duration::from_secs(10);

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(BOUND)).expect("timeout");
    stream
}

/// Reads to the end within [`BOUND`]: what the server sent before closing. A reset counts as
/// a close (it is what a client sees when it had sent more than the server read).
fn read_until_closed(stream: &mut impl Read) -> String {
    let mut all = Vec::new();
    match stream.read_to_end(&mut all) {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        Err(e) => panic!(
            "not closed within {BOUND:?} ({e}); got {:?}",
            String::from_utf8_lossy(&all)
        ),
    }
    String::from_utf8_lossy(&all).into_owned()
}

#[test]
fn slow_web_clients_are_closed_while_a_normal_one_is_served() {
    let server = Server::start_with(&[
        "--http-header-timeout",
        "1",
        "--http-idle-timeout",
        "1",
        "--http-request-timeout",
        "1",
    ]);
    // Half-sent headers, never finished.
    let mut half_sent: Vec<TcpStream> = (0..5)
        .map(|_| {
            let mut stream = connect(server.http);
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Slow: ")
                .expect("write");
            stream
        })
        .collect();
    // A complete request on a kept-alive connection, then silence.
    let mut kept_alive = connect(server.http);
    kept_alive
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        .expect("write");
    // A form whose body never comes.
    let mut no_body = connect(server.http);
    no_body
        .write_all(
            b"POST /e/nothing/rsvp HTTP/1.1\r\nHost: test\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nanswer=",
        )
        .expect("write");

    let (status, _, body) = server.get("/healthz").expect("a normal client is served");
    assert_eq!(status, 200, "{body}");

    for stream in &mut half_sent {
        assert_eq!(read_until_closed(stream), "", "nothing is sent to them");
    }
    let answered = read_until_closed(&mut kept_alive);
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    let refused = read_until_closed(&mut no_body);
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    // And the server still serves.
    assert_eq!(server.get("/healthz").expect("served").0, 200);
}

#[test]
fn a_web_client_over_its_connection_cap_is_closed_at_once() {
    let server = Server::start_with(&["--http-max-connections-per-client", "3"]);
    let holders: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut stream = connect(server.http);
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\n")
                .expect("write");
            stream
        })
        .collect();
    // The server has taken the three holders once it answers the fourth by closing it.
    let mut refused = connect(server.http);
    assert_eq!(read_until_closed(&mut refused), "");
    drop(holders);
    let mut served = false;
    for _ in 0..50 {
        if server.get("/healthz").is_ok_and(|r| r.0 == 200) {
            served = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        served,
        "the client is served again once it closed its connections"
    );
}

/// A line-at-a-time SMTP conversation on a raw socket.
struct Smtp {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Smtp {
    fn connect(addr: SocketAddr) -> Smtp {
        let stream = connect(addr);
        Smtp {
            writer: stream.try_clone().expect("clone"),
            reader: BufReader::new(stream),
        }
    }

    /// One reply, multi-line replies joined.
    fn reply(&mut self) -> String {
        let mut reply = String::new();
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).expect("a reply in time");
            assert!(n > 0, "closed; reply so far: {reply:?}");
            reply.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return reply;
            }
        }
    }

    fn command(&mut self, line: &str, want: &str) -> String {
        self.writer
            .write_all(format!("{line}\r\n").as_bytes())
            .expect("write");
        let reply = self.reply();
        assert!(
            reply.starts_with(want),
            "{line}: expected {want}, got {reply:?}"
        );
        reply
    }

    /// Greeted, then EHLO, MAIL, RCPT and DATA.
    fn start_data(&mut self) {
        let greeting = self.reply();
        assert!(greeting.starts_with("220 "), "{greeting:?}");
        self.command("EHLO slow.example", "250");
        self.command("MAIL FROM:<slow@example.org>", "250");
        self.command(&format!("RCPT TO:<invites@{DOMAIN}>"), "250");
        self.command("DATA", "354");
    }

    /// Sends a byte of message data every 200 ms (always within the idle timeout) until a
    /// reply comes, for at most twice [`BOUND`]; returns the reply.
    fn dribble_until_reply(&mut self) -> String {
        self.reader
            .get_ref()
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        let mut line = String::new();
        for _ in 0..(2 * BOUND.as_millis() / 200) {
            let _ = self.writer.write_all(b"x");
            match self.reader.read_line(&mut line) {
                Ok(_) => return line,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => panic!("{e}"),
            }
        }
        panic!("still dribbling after {:?}", 2 * BOUND);
    }
}

#[test]
fn smtp_clients_that_dribble_data_or_talk_first_are_cut_off_while_others_deliver() {
    // Loopback is outside the trusted networks, so these are clients from the internet.
    let server = Server::start_with(&[
        "--smtp-open",
        "--trusted-networks",
        "192.0.2.0/24",
        "--smtp-greet-delay",
        "0.3",
        "--smtp-data-timeout",
        "3",
        "--smtp-max-connections-per-client",
        "4",
    ]);

    // A client that talks before the greeting is refused and hung up on.
    let mut eager = Smtp::connect(server.smtp);
    eager
        .writer
        .write_all(b"EHLO bot.example\r\n")
        .expect("write");
    let refused = eager.reply();
    assert!(
        refused.starts_with("554 5.5.1 SMTP protocol violation"),
        "{refused:?}"
    );
    assert_eq!(read_until_closed(&mut eager.reader), "");

    // Three clients dribble their message data.
    let (in_data, ready) = mpsc::channel();
    let dribblers: Vec<_> = (0..3)
        .map(|_| {
            let addr = server.smtp;
            let in_data = in_data.clone();
            std::thread::spawn(move || {
                let mut client = Smtp::connect(addr);
                client.start_data();
                let _ = in_data.send(());
                let reply = client.dribble_until_reply();
                client.reader.get_ref().set_read_timeout(Some(BOUND)).ok();
                let rest = read_until_closed(&mut client.reader);
                (reply, rest)
            })
        })
        .collect();
    for _ in 0..3 {
        ready
            .recv_timeout(BOUND)
            .expect("each dribbler reaches DATA");
    }

    // With a fourth session open, the client's fifth is refused. (The fourth may have to
    // try again while the server is still letting go of the eager client's slot.)
    let mut fourth = None;
    for _ in 0..50 {
        let mut client = Smtp::connect(server.smtp);
        let greeting = client.reply();
        if greeting.starts_with("220 ") {
            fourth = Some(client);
            break;
        }
        assert!(greeting.starts_with("421 4.7.0"), "{greeting:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut fourth = fourth.expect("a fourth session");
    let mut fifth = Smtp::connect(server.smtp);
    let over = fifth.reply();
    assert!(
        over.starts_with("421 4.7.0") && over.contains("too many connections from your address"),
        "{over:?}"
    );
    fourth.command("QUIT", "221");

    // A normal client delivers meanwhile (once the fourth session's slot is free).
    let inbox = format!("invites@{DOMAIN}");
    let raw = Invite::default().to_mail();
    let mut delivered = None;
    for _ in 0..50 {
        match send_mail(server.smtp, "organizer@example.com", &[&inbox], &raw)
            .expect("SMTP conversation")
        {
            Ok(reply) => {
                delivered = Some(reply);
                break;
            }
            Err(reply) => assert_eq!(reply.code, 421, "{reply:?}"),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let delivered = delivered.expect("a normal client delivers");
    assert_eq!(delivered.code, 250, "{delivered:?}");

    for dribbler in dribblers {
        let (reply, rest) = dribbler.join().expect("dribbler thread");
        assert!(
            reply.starts_with("421 4.4.2") && reply.contains("message data took too long"),
            "{reply:?}"
        );
        assert_eq!(rest, "", "closed after the 421");
    }
}
