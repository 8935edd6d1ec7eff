//! The web site's listener for `rollcall serve`: an accept loop of our own that drives hyper's
//! HTTP/1 connections, so slow clients cannot hold the doors.
//!
//! Why not `axum::serve`: it sets no header-read timeout, so a client that sends half its
//! headers keeps its connection (and a task) forever, and it has no idle or request timeout, no
//! cap on open connections and no hook to add them. hyper has the header-read timeout; the rest
//! is here, in a few lines around it:
//!
//! * `header_timeout`: hyper's `header_read_timeout`. Its clock starts when the connection is
//!   ready for a request: at accept, and again after each response on a kept-alive connection,
//!   so it bounds every request's headers, not only the first one's.
//! * `idle_timeout`: a connection with no request under way on which nothing arrives for this
//!   long (a kept-alive browser connection, or one opened and never used) is closed.
//! * `request_timeout`: the handler, reading the request body included, must have the
//!   response's head ready within this; otherwise the client gets `503` and the connection
//!   closes. The response body is not under it, so a large CSV export streams for as long as
//!   the client keeps reading it; but a response that makes no progress for this long (the
//!   client stopped reading) is abandoned and the connection closed.
//! * `max_connections`: a slot is taken before each accept. With all slots taken the loop stops
//!   accepting: new connections wait in the kernel's listen backlog and are served as slots
//!   free, which the timeouts above guarantee happens soon. Refusing them at once instead would
//!   turn a flood of slow clients into errors for everyone; waiting turns it into a delay.
//! * `max_connections_per_client`: past it, a client's (an IPv4 address or IPv6 /64, see
//!   [`crate::per_client`]) new connection is closed at once, before it holds anything: even a
//!   polite refusal served over HTTP would let one client keep the shared slots busy.
//!
//! The API Lambda needs none of this: API Gateway in front of it has its own timeouts.

mod activity;
#[cfg(test)]
mod tests;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tower::Service;
use tracing::{debug, error, info, warn};

use crate::per_client::{ClientSlot, ClientSlots};
use activity::{Activity, Metered};

/// The bounds on what one client can hold.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// Longest wait for a request's complete headers.
    pub header_timeout: Duration,
    /// Longest quiet time on a connection with no request under way.
    pub idle_timeout: Duration,
    /// Longest time from complete headers to the response's head; also the longest a response
    /// body may make no progress.
    pub request_timeout: Duration,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// Connections served at once for one client; more are closed at once. 0: no cap (e.g.
    /// behind a reverse proxy, where every connection comes from the proxy).
    pub max_connections_per_client: usize,
}

impl Default for HttpLimits {
    /// Header timeout like Apache's `RequestReadTimeout header=20` and nginx's 60 s, shorter
    /// because our pages have small requests; idle timeout like Apache's and Node's 5 s.
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            max_connections: 512,
            max_connections_per_client: 32,
        }
    }
}

/// Serves `app` on an already-bound listener until `shutdown` resolves, then stops accepting,
/// lets each connection finish the request it is on, and returns when all are closed (every
/// one is bounded by the timeouts). Accept errors (e.g. out of file descriptors) are logged
/// and retried, never fatal. Handlers find the client's address as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: HttpLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = Arc::new(limits);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let clients = ClientSlots::new(limits.max_connections_per_client);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    info!(addr = ?listener.local_addr().ok(), "HTTP listener ready");
    'accept: loop {
        let permit = tokio::select! {
            () = &mut shutdown => break 'accept,
            Some(joined) = connections.join_next(), if !connections.is_empty() => {
                log_panic(joined);
                continue 'accept;
            }
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break 'accept,
            },
        };
        let (stream, peer) = loop {
            tokio::select! {
                () = &mut shutdown => break 'accept,
                Some(joined) = connections.join_next(), if !connections.is_empty() => log_panic(joined),
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => break accepted,
                    Err(error) => {
                        warn!(%error, "accepting an HTTP connection failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
            }
        };
        let Some(client) = clients.try_acquire(peer.ip()) else {
            warn!(%peer, "closed HTTP connection: too many connections from this client");
            drop(stream);
            continue;
        };
        let held = Held {
            _permit: permit,
            _client: client,
        };
        connections.spawn(connection(
            stream,
            peer,
            app.clone(),
            limits.clone(),
            stop_rx.clone(),
            held,
        ));
    }
    drop(listener);
    info!(
        open_connections = connections.len(),
        "HTTP listener shutting down"
    );
    let _ = stop_tx.send(true);
    while let Some(joined) = connections.join_next().await {
        log_panic(joined);
    }
    Ok(())
}

/// The slots a connection holds until it closes.
#[derive(Debug)]
struct Held {
    _permit: OwnedSemaphorePermit,
    _client: ClientSlot,
}

/// Drives one connection until the client or a bound ends it.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: Arc<HttpLimits>,
    mut stop: watch::Receiver<bool>,
    _held: Held,
) {
    // Small responses go out in one write anyway; Nagle would only delay streamed chunks.
    let _ = stream.set_nodelay(true);
    let activity = Activity::new();
    let io = TokioIo::new(Metered::new(stream, activity.clone()));
    let request_timeout = limits.request_timeout;
    let service = hyper::service::service_fn({
        let activity = activity.clone();
        move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let handling = activity.handling();
            let mut app = app.clone();
            async move {
                let response = match tokio::time::timeout(request_timeout, app.call(request)).await
                {
                    Ok(Ok(response)) => response,
                    Ok(Err(never)) => match never {},
                    Err(_) => {
                        warn!(%peer, "HTTP request timed out, answered 503");
                        timed_out()
                    }
                };
                Ok::<_, Infallible>(response.map(|body| handling.streaming(body)))
            }
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let conn = builder.serve_connection(io, service);
    let mut conn = std::pin::pin!(conn);
    let mut stopping = false;
    loop {
        tokio::select! {
            ended = conn.as_mut() => {
                if let Err(error) = ended {
                    debug!(%peer, %error, "HTTP connection ended with an error");
                }
                return;
            }
            // Closes an idle connection now, a busy one after its response.
            _ = stop.changed(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
            why = activity.stalled(limits.idle_timeout, request_timeout) => {
                debug!(%peer, why, "closing HTTP connection");
                return;
            }
        }
    }
}

/// The answer to a request whose handler ran out of time. 503 rather than 408: the handler
/// may have been waiting for the database as much as for the client; either way the
/// connection is closed, since an unread rest of the request body may still be on its way.
fn timed_out() -> Response<Body> {
    let mut response = Response::new(Body::from("The request took too long. Try again.\n"));
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    let headers = response.headers_mut();
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn log_panic(joined: Result<(), tokio::task::JoinError>) {
    if let Err(e) = joined {
        error!(error = %e, "HTTP connection task failed");
    }
}
