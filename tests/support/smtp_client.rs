//! A small, strict SMTP client for tests: one transaction per call, every reply checked.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A server reply: code and full text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub text: String,
}

/// Sends one message. `Ok(reply)` is the final reply to the DATA body (250 on success);
/// `Err(reply)` is the first reply that refused the transaction earlier (RCPT 550 ...).
pub fn send_mail(
    addr: SocketAddr,
    from: &str,
    rcpts: &[&str],
    raw: &[u8],
) -> std::io::Result<Result<Reply, Reply>> {
    let stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let greeting = read_reply(&mut reader)?;
    if greeting.code != 220 {
        return Ok(Err(greeting));
    }
    for (line, want) in [
        ("EHLO tests.localhost".to_string(), 250),
        (format!("MAIL FROM:<{from}>"), 250),
    ] {
        let reply = command(&mut reader, &mut writer, &line)?;
        if reply.code != want {
            return Ok(Err(reply));
        }
    }
    for rcpt in rcpts {
        let reply = command(&mut reader, &mut writer, &format!("RCPT TO:<{rcpt}>"))?;
        if reply.code != 250 {
            let _ = writer.write_all(b"QUIT\r\n");
            return Ok(Err(reply));
        }
    }
    let reply = command(&mut reader, &mut writer, "DATA")?;
    if reply.code != 354 {
        return Ok(Err(reply));
    }
    let mut body = stuff(raw);
    body.extend_from_slice(b".\r\n");
    writer.write_all(&body)?;
    let reply = read_reply(&mut reader)?;
    let _ = writer.write_all(b"QUIT\r\n");
    Ok(Ok(reply))
}

fn command(
    reader: &mut BufReader<TcpStream>,
    writer: &mut TcpStream,
    line: &str,
) -> std::io::Result<Reply> {
    writer.write_all(format!("{line}\r\n").as_bytes())?;
    read_reply(reader)
}

fn read_reply(reader: &mut BufReader<TcpStream>) -> std::io::Result<Reply> {
    let mut text = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "server closed the connection",
            ));
        }
        text.push_str(&line);
        if line.as_bytes().get(3) != Some(&b'-') {
            break;
        }
    }
    let code = text.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
    Ok(Reply {
        code,
        text: text.trim_end().to_string(),
    })
}

/// CRLF line endings and dot-stuffing, ending with CRLF.
fn stuff(raw: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(raw).replace("\r\n", "\n");
    let mut out = String::new();
    for line in text.split('\n') {
        if line.starts_with('.') {
            out.push('.');
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.into_bytes()
}
