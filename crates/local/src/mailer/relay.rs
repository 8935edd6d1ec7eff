//! Relays through an SMTP server (plain SMTP on a trusted network; no TLS or AUTH yet).
//!
//! What a failure means for the outbox: a relay that cannot be reached, times out, refuses the
//! session (a greeting or EHLO reply other than 2xx) or answers 421 anywhere ("service not
//! available, closing transmission channel", RFC 5321 §3.8) would refuse every message, so the
//! transport is `Unavailable` and the outbox pauses. Replies about one message (MAIL, RCPT,
//! DATA) are `Transient` for 4xx and `Permanent` for 5xx; a connection lost mid-message is
//! `Transient`.

use async_trait::async_trait;
use rollcall_core::ports::{ComposedMail, Mailer, SendError};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct RelayMailer {
    pub host: String,
    pub port: u16,
    /// Our name in EHLO.
    pub helo: String,
}

#[async_trait]
impl Mailer for RelayMailer {
    async fn send(&self, mail: &ComposedMail) -> Result<(), SendError> {
        tokio::time::timeout(TIMEOUT, self.transaction(mail))
            .await
            .map_err(|_| {
                SendError::Unavailable(format!("relay {}:{} timed out", self.host, self.port))
            })?
    }
}

impl RelayMailer {
    async fn transaction(&self, mail: &ComposedMail) -> Result<(), SendError> {
        let stream = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| {
                SendError::Unavailable(format!("connecting to {}:{}: {e}", self.host, self.port))
            })?;
        // Commands are single small writes waiting for a reply; Nagle would only add latency.
        let _ = stream.set_nodelay(true);
        let (read, mut write) = stream.into_split();
        let mut read = BufReader::new(read);
        expect(&mut read, 220, Stage::Session).await?;
        let ehlo = format!("EHLO {}", self.helo);
        command(&mut read, &mut write, &ehlo, 250, Stage::Session).await?;
        let mail_from = format!("MAIL FROM:<{}>", mail.from);
        command(&mut read, &mut write, &mail_from, 250, Stage::Message).await?;
        let rcpt_to = format!("RCPT TO:<{}>", mail.to);
        command(&mut read, &mut write, &rcpt_to, 250, Stage::Message).await?;
        command(&mut read, &mut write, "DATA", 354, Stage::Message).await?;
        let mut body = dot_stuff(&mail.raw);
        body.extend_from_slice(b".\r\n");
        write.write_all(&body).await.map_err(io)?;
        expect(&mut read, 250, Stage::Message).await?;
        // The message is accepted; a failed QUIT changes nothing.
        let _ = write.write_all(b"QUIT\r\n").await;
        Ok(())
    }
}

fn io(error: std::io::Error) -> SendError {
    SendError::Transient(format!("relay connection: {error}"))
}

/// Whose reply it is: the session's (greeting, EHLO), which every message would meet, or one
/// message's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Session,
    Message,
}

async fn command(
    read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    write: &mut tokio::net::tcp::OwnedWriteHalf,
    line: &str,
    want: u16,
    stage: Stage,
) -> Result<(), SendError> {
    write
        .write_all(format!("{line}\r\n").as_bytes())
        .await
        .map_err(io)?;
    expect(read, want, stage).await
}

/// Reads one (possibly multi-line) reply and checks its code.
async fn expect(
    read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    want: u16,
    stage: Stage,
) -> Result<(), SendError> {
    let mut text = String::new();
    loop {
        let mut line = String::new();
        if read.read_line(&mut line).await.map_err(io)? == 0 {
            let closed = "relay closed the connection".to_string();
            return Err(match stage {
                Stage::Session => SendError::Unavailable(closed),
                Stage::Message => SendError::Transient(closed),
            });
        }
        let continued = line.as_bytes().get(3) == Some(&b'-');
        text.push_str(line.trim_end());
        if !continued {
            break;
        }
        text.push(' ');
    }
    let code: u16 = text.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
    classify(code, want, stage, &text)
}

fn classify(code: u16, want: u16, stage: Stage, text: &str) -> Result<(), SendError> {
    let said = format!("relay answered {text}");
    match (code, stage) {
        (c, _) if c == want => Ok(()),
        (421, _) | (_, Stage::Session) => Err(SendError::Unavailable(said)),
        (400..=499, Stage::Message) => Err(SendError::Transient(said)),
        (_, Stage::Message) => Err(SendError::Permanent(said)),
    }
}

/// Normalizes line endings to CRLF and doubles a leading dot on every line (RFC 5321 §4.5.2);
/// ends with CRLF so the terminating `.` stands on its own line.
fn dot_stuff(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 50 + 2);
    let mut at_line_start = true;
    let mut previous = 0u8;
    for &byte in raw {
        if byte == b'\n' && previous != b'\r' {
            out.push(b'\r');
        }
        if at_line_start && byte == b'.' {
            out.push(b'.');
        }
        out.push(byte);
        at_line_start = byte == b'\n';
        previous = byte;
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{SendError, Stage, classify, dot_stuff};

    #[test]
    fn session_refusals_and_421_pause_message_replies_do_not() {
        let kind = |code, stage| match classify(code, 250, stage, "x") {
            Ok(()) => "ok",
            Err(SendError::Unavailable(_)) => "unavailable",
            Err(SendError::Transient(_)) => "transient",
            Err(SendError::Permanent(_)) => "permanent",
        };
        assert_eq!(kind(250, Stage::Session), "ok");
        assert_eq!(kind(554, Stage::Session), "unavailable");
        assert_eq!(kind(451, Stage::Session), "unavailable");
        assert_eq!(kind(421, Stage::Message), "unavailable");
        assert_eq!(kind(450, Stage::Message), "transient");
        assert_eq!(kind(550, Stage::Message), "permanent");
        assert_eq!(kind(0, Stage::Message), "permanent", "garbage is no 4xx");
    }

    #[test]
    fn leading_dots_are_doubled_and_line_endings_made_crlf() {
        assert_eq!(dot_stuff(b".a\n..b\r\nc"), b"..a\r\n...b\r\nc\r\n");
    }
}
