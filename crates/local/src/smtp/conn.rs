//! Buffered, bounded I/O for one SMTP connection.
//!
//! Replies are queued and written only when the session is about to wait for
//! input (or closes): that is what RFC 2920 pipelining expects, and it means a
//! batch of pipelined commands gets its replies in one write. Input is kept in
//! one buffer shared by the command reader and the DATA decoder, so bytes that
//! follow a command or the end of data in the same packet are never lost.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;

use super::data::DotDecoder;

/// How much we ask the socket for per read.
const READ_CHUNK: usize = 8 * 1024;

/// Why the connection cannot go on.
#[derive(Debug)]
pub(super) enum Closed {
    /// The client closed its side.
    Eof,
    /// A command line did not arrive, or no bytes could be read or written,
    /// within the idle timeout.
    Timeout,
    /// Message data arrived slower than the minimum rate.
    DataTooSlow,
    /// Message data did not end within the DATA deadline.
    DataTimeout,
    /// The server is shutting down.
    Shutdown,
    Io(io::Error),
}

/// One command line, or the news that it was longer than allowed.
#[derive(Debug)]
pub(super) enum Line {
    /// The full line including its LF.
    Complete(Vec<u8>),
    /// The line exceeded the limit; it was read to its end and discarded.
    TooLong,
}

#[derive(Debug)]
pub(super) struct Conn {
    stream: TcpStream,
    input: Vec<u8>,
    output: Vec<u8>,
    idle_timeout: Duration,
    shutdown: watch::Receiver<bool>,
}

impl Conn {
    pub(super) fn new(
        stream: TcpStream,
        idle_timeout: Duration,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        Self {
            stream,
            input: Vec::new(),
            output: Vec::new(),
            idle_timeout,
            shutdown,
        }
    }

    /// Queues a reply. `lines` are the texts of a (possibly multi-line)
    /// reply; CR and LF in them are replaced so client-supplied text echoed
    /// back can never forge an extra reply line.
    pub(super) fn reply(&mut self, code: u16, lines: &[&str]) {
        let last = lines.len().saturating_sub(1);
        for (i, text) in lines.iter().enumerate() {
            let sep = if i == last { ' ' } else { '-' };
            let text: String = text
                .chars()
                .map(|c| if c.is_control() { '?' } else { c })
                .collect();
            self.output
                .extend_from_slice(format!("{code}{sep}{text}\r\n").as_bytes());
        }
    }

    /// Writes queued replies, bounded by the idle timeout so a client that
    /// never reads cannot pin the task forever.
    pub(super) async fn flush(&mut self) -> Result<(), Closed> {
        if self.output.is_empty() {
            return Ok(());
        }
        let write = async {
            self.stream.write_all(&self.output).await?;
            self.stream.flush().await
        };
        match tokio::time::timeout(self.idle_timeout, write).await {
            Err(_) => Err(Closed::Timeout),
            Ok(Err(e)) => Err(Closed::Io(e)),
            Ok(Ok(())) => {
                self.output.clear();
                Ok(())
            }
        }
    }

    /// Flushes replies, then waits for more input until `deadline`
    /// ([`Closed::Timeout`] then) or shutdown.
    async fn fill(&mut self, deadline: Instant) -> Result<(), Closed> {
        self.flush().await?;
        if *self.shutdown.borrow() {
            return Err(Closed::Shutdown);
        }
        self.input.reserve(READ_CHUNK);
        let read = tokio::time::timeout_at(deadline, self.stream.read_buf(&mut self.input));
        tokio::select! {
            // A dropped sender means `serve` itself is gone: stop as well.
            _ = self.shutdown.changed() => Err(Closed::Shutdown),
            read = read => match read {
                Err(_) => Err(Closed::Timeout),
                Ok(Ok(0)) => Err(Closed::Eof),
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(Closed::Io(e)),
            },
        }
    }

    /// Whether the client sends anything within `within` (flushing queued
    /// replies first). What it sent stays buffered.
    pub(super) async fn talks_within(&mut self, within: Duration) -> Result<bool, Closed> {
        match self.fill(Instant::now() + within).await {
            Ok(()) => Ok(true),
            Err(Closed::Timeout) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// Reads one command line of at most `max_len` bytes (excluding CR LF).
    /// Memory stays bounded: an overlong line is discarded as it streams in.
    /// The whole line must arrive within the idle timeout: the clock is not
    /// reset by each byte, so dribbling a command cannot hold a session.
    pub(super) async fn next_line(&mut self, max_len: usize) -> Result<Line, Closed> {
        let deadline = Instant::now() + self.idle_timeout;
        let mut too_long = false;
        let mut scanned = 0;
        loop {
            if let Some(pos) = self.input[scanned..].iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.input.drain(..=scanned + pos).collect();
                let content = line.strip_suffix(b"\n").unwrap_or(&line);
                let content = content.strip_suffix(b"\r").unwrap_or(content);
                if too_long || content.len() > max_len {
                    return Ok(Line::TooLong);
                }
                return Ok(Line::Complete(line));
            }
            scanned = self.input.len();
            if scanned > max_len.saturating_add(2) {
                too_long = true;
                self.input.clear();
                scanned = 0;
            }
            self.fill(deadline).await?;
        }
    }

    /// Feeds input to `decoder` until it has seen the end of data, within the
    /// idle timeout per read and `pace` overall. Bytes after the terminator
    /// stay buffered for the next command.
    pub(super) async fn read_data(
        &mut self,
        decoder: &mut DotDecoder,
        pace: &DataPace,
    ) -> Result<(), Closed> {
        let started = Instant::now();
        let mut received: u64 = 0;
        loop {
            let used = decoder.feed(&self.input);
            self.input.drain(..used);
            received = received.saturating_add(used as u64);
            if decoder.is_done() {
                return Ok(());
            }
            let idle = Instant::now() + self.idle_timeout;
            let (paced, why) = pace.deadline(started, received);
            match self.fill(idle.min(paced)).await {
                Err(Closed::Timeout) if paced <= idle => return Err(why),
                other => other?,
            }
        }
    }

    /// Flushes what is queued and closes the write side, ignoring errors: the
    /// session is over either way.
    pub(super) async fn close(mut self) {
        let _ = self.flush().await;
        let _ = tokio::time::timeout(self.idle_timeout, self.stream.shutdown()).await;
    }
}

/// How long message data may take: at most `deadline` overall, and at most
/// `grace + bytes / min_rate` (bytes received so far) when `min_rate` is set.
#[derive(Debug, Clone, Copy)]
pub(super) struct DataPace {
    pub(super) deadline: Duration,
    pub(super) min_rate: u64,
    pub(super) grace: Duration,
}

impl DataPace {
    /// When the data must be complete, or more of it in, given `received`
    /// bytes since `started`; and what closes the connection then.
    fn deadline(&self, started: Instant, received: u64) -> (Instant, Closed) {
        if self.min_rate != 0 {
            let earned = Duration::from_secs_f64(received as f64 / self.min_rate as f64);
            let allowed = self.grace.saturating_add(earned);
            if allowed < self.deadline {
                return (started + allowed, Closed::DataTooSlow);
            }
        }
        (started + self.deadline, Closed::DataTimeout)
    }
}
