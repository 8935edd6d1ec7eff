//! What happens to each accepted TCP connection around the SMTP conversation
//! proper: the connection cap, the trusted-network gate (or, in open mode, a
//! session that may only deliver to our own domain), and closing with the
//! right `421` when a session ends without QUIT.

use std::net::SocketAddr;
use std::sync::Arc;

use smtp_proto::Request;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, watch};
use tracing::{debug, warn};

use super::conn::{Closed, Conn, Line};
use super::session::Session;
use super::{Intake, SmtpConfig};

/// Commands an untrusted client may send after our 554 greeting before we
/// hang up anyway (it should only send QUIT).
const UNTRUSTED_COMMANDS: usize = 3;

/// Serves one connection to the end. `permit` is `None` when the server is
/// already at its connection cap.
pub(super) async fn handle<I: Intake>(
    stream: TcpStream,
    peer: SocketAddr,
    config: Arc<SmtpConfig>,
    intake: Arc<I>,
    shutdown: watch::Receiver<bool>,
    permit: Option<OwnedSemaphorePermit>,
) {
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
    if !trusted && !config.open {
        return refuse_untrusted(conn, &config, peer).await;
    }
    debug!(%peer, trusted, "SMTP session started");
    let mut session = Session::new(conn, &config, &*intake, peer, trusted);
    let result = session.run().await;
    let mut conn = session.into_conn();
    match result {
        Ok(()) => debug!(%peer, "SMTP session ended"),
        Err(Closed::Timeout) => {
            warn!(%peer, "idle timeout, closing connection");
            conn.reply(
                421,
                &[&format!("4.4.2 {host} idle timeout, closing connection")],
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
    drop(permit);
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
