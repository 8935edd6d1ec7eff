//! What happens to each accepted TCP connection around the SMTP conversation
//! proper: the connection caps (overall, and per client outside the trusted
//! networks), the trusted-network gate (or, in open mode, a session that may
//! only deliver to our own domain), the greeting delay that catches clients
//! talking before the banner, and closing with the right `421` when a session
//! ends without QUIT.

use std::net::SocketAddr;
use std::sync::Arc;

use smtp_proto::Request;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, watch};
use tracing::{debug, warn};

use super::conn::{Closed, Conn, Line};
use super::session::Session;
use super::{Intake, SmtpConfig};
use crate::per_client::ClientSlots;

/// Commands an untrusted client may send after our 554 greeting before we
/// hang up anyway (it should only send QUIT).
const UNTRUSTED_COMMANDS: usize = 3;

/// The listener's connection caps as they stand for one new connection.
#[derive(Debug)]
pub(super) struct Slots {
    /// `None` when the server is already at its connection cap.
    pub(super) permit: Option<OwnedSemaphorePermit>,
    /// Open sessions per client outside the trusted networks.
    pub(super) clients: Arc<ClientSlots>,
}

/// Serves one connection to the end.
pub(super) async fn handle<I: Intake>(
    stream: TcpStream,
    peer: SocketAddr,
    config: Arc<SmtpConfig>,
    intake: Arc<I>,
    shutdown: watch::Receiver<bool>,
    slots: Slots,
) {
    let Slots { permit, clients } = slots;
    // Replies are batched by `Conn`, so Nagle would only add latency.
    let _ = stream.set_nodelay(true);
    let mut conn = Conn::new(stream, config.idle_timeout, shutdown);
    let host = &config.hostname;
    if permit.is_none() {
        warn!(%peer, "refused connection: too many open connections");
        conn.reply(
            421,
            &[&format!(
                "4.3.2 {host} too many connections, try again later"
            )],
        );
        return conn.close().await;
    }
    let trusted = config
        .trusted_networks
        .iter()
        .any(|net| net.contains(peer.ip()));
    // Counted before the 554 gate too: a refused session still holds a slot
    // while it waits for QUIT.
    let client_slot = if trusted {
        None
    } else {
        match clients.try_acquire(peer.ip()) {
            Some(slot) => Some(slot),
            None => {
                warn!(%peer, "refused connection: too many connections from this client");
                conn.reply(
                    421,
                    &[&format!(
                        "4.7.0 {host} too many connections from your address, try again later"
                    )],
                );
                return conn.close().await;
            }
        }
    };
    if !trusted && !config.open {
        return refuse_untrusted(conn, &config, peer).await;
    }
    if !trusted && !config.greet_delay.is_zero() {
        match conn.talks_within(config.greet_delay).await {
            Ok(false) => {}
            Ok(true) => {
                warn!(%peer, "refused connection: client talked before the greeting");
                conn.reply(
                    554,
                    &["5.5.1 SMTP protocol violation: command sent before the greeting"],
                );
                return conn.close().await;
            }
            Err(closed) => return end(conn, &config, peer, Err(closed)).await,
        }
    }
    debug!(%peer, trusted, "SMTP session started");
    let mut session = Session::new(conn, &config, &*intake, peer, trusted);
    let result = session.run().await;
    end(session.into_conn(), &config, peer, result).await;
    drop((permit, client_slot));
}

/// Closes the connection, first saying why if the server ends the session.
async fn end(mut conn: Conn, config: &SmtpConfig, peer: SocketAddr, result: Result<(), Closed>) {
    let host = &config.hostname;
    match result {
        Ok(()) => debug!(%peer, "SMTP session ended"),
        Err(Closed::Timeout) => {
            warn!(%peer, "idle timeout, closing connection");
            conn.reply(
                421,
                &[&format!("4.4.2 {host} idle timeout, closing connection")],
            );
        }
        Err(Closed::DataTooSlow) => {
            warn!(%peer, "message data too slow, closing connection");
            conn.reply(
                421,
                &[&format!(
                    "4.4.2 {host} message data arriving too slowly, closing connection"
                )],
            );
        }
        Err(Closed::DataTimeout) => {
            warn!(%peer, "message data took too long, closing connection");
            conn.reply(
                421,
                &[&format!(
                    "4.4.2 {host} message data took too long, closing connection"
                )],
            );
        }
        Err(Closed::Shutdown) => {
            conn.reply(
                421,
                &[&format!("4.3.2 {host} shutting down, try again later")],
            );
        }
        Err(Closed::Eof) => debug!(%peer, "client disconnected without QUIT"),
        Err(Closed::Io(error)) => debug!(%peer, %error, "connection error"),
    }
    conn.close().await;
}

/// RFC 5321 §3.1: a server may greet with 554 and must then wait for QUIT,
/// answering 503 to anything else. Real clients give up cleanly on this.
async fn refuse_untrusted(mut conn: Conn, config: &SmtpConfig, peer: SocketAddr) {
    let ip = peer.ip().to_canonical();
    warn!(%peer, "refused connection from untrusted network");
    let host = &config.hostname;
    conn.reply(
        554,
        &[&format!(
            "5.7.1 {host} accepts mail only from trusted networks; {ip} is not one of them"
        )],
    );
    for _ in 0..UNTRUSTED_COMMANDS {
        match conn.next_line(config.max_line_length).await {
            Ok(Line::Complete(line))
                if matches!(Request::parse(&mut line.iter()), Ok(Request::Quit)) =>
            {
                conn.reply(221, &[&format!("2.0.0 {host} closing connection")]);
                break;
            }
            Ok(_) => conn.reply(503, &["5.7.1 no service for untrusted networks, send QUIT"]),
            Err(_) => break,
        }
    }
    conn.close().await;
}
