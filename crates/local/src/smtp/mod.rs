//! SMTP listener for the local inbox (plain SMTP, no TLS or AUTH yet).
//!
//! Commands are parsed with `smtp-proto`; the DATA body is decoded by our own
//! end-of-data scanner ([`data`]) so SMTP smuggling cannot split a message.
//! Everything is bounded: line length, recipients, message size, idle time,
//! protocol errors and concurrent connections. Slow clients cannot hold the
//! doors: each client outside the trusted networks has a cap on its sessions,
//! waits for a greeting it must not talk over, and must send a message's data
//! within an overall deadline and at a minimum average rate.
//!
//! Layout: [`conn`] buffered socket I/O, [`data`] DATA decoding, [`session`]
//! the command state machine, [`accept`] per-connection gatekeeping. The
//! trusted-network type is `rollcall_core::ipnet` (the web site's trusted
//! proxies use it too).

mod accept;
mod conn;
mod data;
mod session;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tracing::{error, info, warn};

use crate::per_client::ClientSlots;

pub use rollcall_core::ipnet::{IpNet, IpNetParseError};

/// Connections served at once; more get `421` right away. Guards against
/// runaway local clients and, in open mode, floods from anywhere.
pub const MAX_CONNECTIONS: usize = 128;

/// What the listener needs from the rest of the server.
pub trait Intake: Send + Sync + 'static {
    /// Decide whether we take mail for this recipient address (already
    /// lower-cased local@domain, angle brackets stripped; the null path and
    /// `<postmaster>` arrive as `postmaster`).
    fn accepts_recipient(&self, rcpt: &str) -> bool;

    /// Store the message durably. Must return Ok only after the raw bytes and
    /// its queue entry are committed to disk: the listener sends `250` only
    /// after this returns Ok. Err => the listener answers `451 4.3.0 ...`
    /// (temporary) and the client retries. Ok carries our message id, Err a
    /// reason that is logged.
    fn store(
        &self,
        envelope: Envelope,
        raw: Vec<u8>,
    ) -> impl std::future::Future<Output = Result<String, String>> + Send;
}

/// The SMTP envelope of one accepted message.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub peer: SocketAddr,
    /// The EHLO/HELO argument, as sent.
    pub helo: String,
    /// The reverse-path as sent (not lower-cased); empty for `<>`.
    pub mail_from: String,
    /// Accepted recipients, lower-cased, without duplicates.
    pub rcpt_to: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// Used in the greeting, the EHLO reply and the `Received:` header.
    pub hostname: String,
    /// Advertised with SIZE; bigger messages get 552.
    pub max_message_size: usize,
    /// Recipients per message; more get 452 4.5.3.
    pub max_recipients: usize,
    /// Peers outside these networks are greeted with 554 and served nothing,
    /// unless `open` is set.
    pub trusted_networks: Vec<IpNet>,
    /// Open mode: peers outside the trusted networks may deliver too, but only
    /// to addresses in `domain` (anything else is `550 5.7.1` relaying
    /// denied). Whether their mail may act is decided later, by the worker
    /// (DMARC); the listener only records who they are.
    pub open: bool,
    /// Our mail domain.
    pub domain: String,
    /// How long a command line may take to arrive (from when we wait for it
    /// to its LF: a client dribbling bytes gains nothing), and the longest
    /// wait for each read of message data or any write; then 421 and close.
    /// RFC 5321 §4.5.3.2 asks servers to wait 5 minutes for a command.
    pub idle_timeout: Duration,
    /// Command line limit excluding CR LF; longer lines get 500 5.5.2.
    pub max_line_length: usize,
    /// Sessions one client outside the trusted networks (an IPv4 address or
    /// an IPv6 /64) may hold at once; more get `421 4.7.0`. 0: no cap. Trusted
    /// networks are exempt, as with Postfix's
    /// `smtpd_client_event_limit_exceptions = $mynetworks`: a local relay may
    /// legitimately open many.
    pub max_connections_per_client: usize,
    /// The longest the DATA phase may take, from `354` to the final dot; RFC
    /// 5321 §4.5.3.2 gives clients 10 minutes for the end of data, so the
    /// default is that.
    pub data_timeout: Duration,
    /// Least average rate, in bytes per second, at which message data must
    /// arrive once `min_data_grace` has passed: DATA may take
    /// `min_data_grace + bytes / min_data_rate` at most. 500 bytes/s is
    /// Postfix's `smtpd_min_data_rate` default; a real MTA sends many times
    /// faster, while a client dribbling a byte now and then (to stay inside
    /// the idle timeout) is cut off after the grace period. 0 turns it off.
    pub min_data_rate: u64,
    /// Time allowed before `min_data_rate` applies (a slow start, or a
    /// client that pauses before its first bytes).
    pub min_data_grace: Duration,
    /// How long clients outside the trusted networks wait for the `220`
    /// greeting. A client that sends anything before it is not waiting for
    /// replies as RFC 5321 §4.3.1 requires (typically a spam bot that
    /// pipelines blindly) and gets `554 5.5.1` and a hang-up, like Postfix
    /// postscreen's pre-greet test or Sendmail's `greet_pause`. Trusted
    /// clients are greeted at once. Zero turns it off.
    pub greet_delay: Duration,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            hostname: "localhost".to_owned(),
            max_message_size: 10 * 1024 * 1024,
            max_recipients: 50,
            trusted_networks: IpNet::loopback(),
            open: false,
            domain: "localhost".to_owned(),
            idle_timeout: Duration::from_secs(5 * 60),
            max_line_length: 4096,
            max_connections_per_client: 8,
            data_timeout: Duration::from_secs(10 * 60),
            min_data_rate: 500,
            min_data_grace: Duration::from_secs(30),
            greet_delay: Duration::from_secs(2),
        }
    }
}

/// Serve SMTP on an already-bound listener until `shutdown` resolves. Each
/// connection is its own task.
///
/// On shutdown we stop accepting, tell open sessions to end (an idle or
/// mid-DATA client gets `421` and retries later; a `store` already under way
/// is completed and answered), and return once every session is over, so no
/// message is left half-accepted. Accept errors (e.g. out of file
/// descriptors) are logged and retried, never fatal.
pub async fn serve<I: Intake>(
    listener: TcpListener,
    config: Arc<SmtpConfig>,
    intake: Arc<I>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let clients = ClientSlots::new(config.max_connections_per_client);
    let mut sessions = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    info!(addr = ?listener.local_addr().ok(), "SMTP listener ready");
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            Some(joined) = sessions.join_next(), if !sessions.is_empty() => log_panic(joined),
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let permit = slots.clone().try_acquire_owned().ok();
                    let slots = accept::Slots { permit, clients: clients.clone() };
                    let task = accept::handle(stream, peer, config.clone(), intake.clone(), stop_rx.clone(), slots);
                    sessions.spawn(task);
                }
                Err(error) => {
                    warn!(%error, "accepting an SMTP connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
    drop(listener);
    info!(
        open_sessions = sessions.len(),
        "SMTP listener shutting down"
    );
    let _ = stop_tx.send(true);
    while let Some(joined) = sessions.join_next().await {
        log_panic(joined);
    }
    Ok(())
}

fn log_panic(joined: Result<(), tokio::task::JoinError>) {
    if let Err(e) = joined {
        error!(error = %e, "SMTP session task failed");
    }
}
