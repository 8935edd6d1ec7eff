//! Relays through an SMTP server (plain SMTP on a trusted network; no TLS or AUTH yet).
//! 4xx replies and connection failures are transient; 5xx replies are permanent.

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
                SendError::Transient(format!("relay {}:{} timed out", self.host, self.port))
            })?
    }
}

impl RelayMailer {
    async fn transaction(&self, mail: &ComposedMail) -> Result<(), SendError> {
        let stream = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| {
                SendError::Transient(format!("connecting to {}:{}: {e}", self.host, self.port))
            })?;
        // Commands are single small writes waiting for a reply; Nagle would only add latency.
        let _ = stream.set_nodelay(true);
        let (read, mut write) = stream.into_split();
        let mut read = BufReader::new(read);
        expect(&mut read, 220).await?;
        command(&mut read, &mut write, &format!("EHLO {}", self.helo), 250).await?;
        command(
            &mut read,
            &mut write,
            &format!("MAIL FROM:<{}>", mail.from),
            250,
        )
        .await?;
        command(
            &mut read,
            &mut write,
            &format!("RCPT TO:<{}>", mail.to),
            250,
        )
        .await?;
        command(&mut read, &mut write, "DATA", 354).await?;
        let mut body = dot_stuff(&mail.raw);
        body.extend_from_slice(b".\r\n");
        write.write_all(&body).await.map_err(io)?;
        expect(&mut read, 250).await?;
        // The message is accepted; a failed QUIT changes nothing.
        let _ = write.write_all(b"QUIT\r\n").await;
        Ok(())
    }
}

fn io(error: std::io::Error) -> SendError {
    SendError::Transient(format!("relay connection: {error}"))
}

async fn command(
    read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    write: &mut tokio::net::tcp::OwnedWriteHalf,
    line: &str,
    want: u16,
) -> Result<(), SendError> {
    write
        .write_all(format!("{line}\r\n").as_bytes())
        .await
        .map_err(io)?;
    expect(read, want).await
}

/// Reads one (possibly multi-line) reply and checks its code.
async fn expect(
    read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    want: u16,
) -> Result<(), SendError> {
    let mut text = String::new();
    loop {
        let mut line = String::new();
        if read.read_line(&mut line).await.map_err(io)? == 0 {
            return Err(SendError::Transient("relay closed the connection".into()));
        }
        let continued = line.as_bytes().get(3) == Some(&b'-');
        text.push_str(line.trim_end());
        if !continued {
            break;
        }
        text.push(' ');
    }
    let code: u16 = text.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
    match code {
        c if c == want => Ok(()),
        400..=499 => Err(SendError::Transient(format!("relay answered {text}"))),
        _ => Err(SendError::Permanent(format!("relay answered {text}"))),
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
    use super::dot_stuff;

    #[test]
    fn leading_dots_are_doubled_and_line_endings_made_crlf() {
        assert_eq!(dot_stuff(b".a\n..b\r\nc"), b"..a\r\n...b\r\nc\r\n");
    }
}
