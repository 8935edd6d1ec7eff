//! What one HTTP connection is doing and when it last moved: the socket wrapper notes every
//! byte read or written, the service notes when a request is being handled and when its
//! response body is out, and [`Activity::stalled`] turns that into the idle and stall timeouts.
//!
//! hyper tells a server nothing about a connection between requests, so we watch the socket
//! and the requests ourselves; one small lock per read or write is nothing next to the I/O.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use hyper::body::{Body as HttpBody, Bytes, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::Instant;

#[derive(Debug)]
pub(super) struct Activity {
    state: Mutex<State>,
    /// Told when a request starts or ends, so [`Activity::stalled`] picks the right timeout.
    phase_changed: Notify,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    /// Requests whose handler is running (its own timeout bounds it).
    handling: usize,
    /// Responses whose body is still being sent.
    sending: usize,
    /// The last byte moved, or the last change of the counts above.
    since: Instant,
}

impl Activity {
    pub(super) fn new() -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State {
                handling: 0,
                sending: 0,
                since: Instant::now(),
            }),
            phase_changed: Notify::new(),
        })
    }

    /// Bytes moved: the current timeout starts again.
    fn touch(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.since = Instant::now();
    }

    fn update(&self, change: impl FnOnce(&mut State)) {
        {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            change(&mut state);
            state.since = Instant::now();
        }
        // One waiter at most; a stored permit only costs it one more look.
        self.phase_changed.notify_one();
    }

    fn snapshot(&self) -> State {
        *self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A request's handler starts; the guard says when its response body is out.
    pub(super) fn handling(self: &Arc<Self>) -> Handling {
        self.update(|s| s.handling += 1);
        Handling {
            activity: Some(self.clone()),
        }
    }

    /// Resolves once the connection has been idle (no request under way) for `idle`, or a
    /// response body has made no progress for `send`; says which. Handlers are left to their
    /// own timeout.
    pub(super) async fn stalled(&self, idle: Duration, send: Duration) -> &'static str {
        loop {
            let seen = self.snapshot();
            let (limit, why) = if seen.handling > 0 {
                (None, "")
            } else if seen.sending > 0 {
                (Some(send), "the client stopped reading the response")
            } else {
                (Some(idle), "idle timeout")
            };
            let timer = async {
                match limit {
                    Some(limit) => tokio::time::sleep_until(seen.since + limit).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = timer => {
                    if self.snapshot() == seen {
                        return why;
                    }
                }
                () = self.phase_changed.notified() => {}
            }
        }
    }
}

/// A request being handled; [`Handling::streaming`] hands the count on to its response body.
#[derive(Debug)]
pub(super) struct Handling {
    activity: Option<Arc<Activity>>,
}

impl Handling {
    /// The response body, counted as being sent until hyper drops it (sent, or the
    /// connection gone).
    pub(super) fn streaming(mut self, body: Body) -> Tracked {
        let activity = self.activity.take();
        if let Some(activity) = &activity {
            activity.update(|s| {
                s.handling = s.handling.saturating_sub(1);
                s.sending += 1;
            });
        }
        Tracked {
            inner: body,
            activity,
        }
    }
}

impl Drop for Handling {
    /// The handler was dropped unfinished (the connection closed under it).
    fn drop(&mut self) {
        if let Some(activity) = self.activity.take() {
            activity.update(|s| s.handling = s.handling.saturating_sub(1));
        }
    }
}

/// A response body that keeps its connection counted as sending while it lives.
#[derive(Debug)]
pub(super) struct Tracked {
    inner: Body,
    activity: Option<Arc<Activity>>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if let Some(activity) = self.activity.take() {
            activity.update(|s| s.sending = s.sending.saturating_sub(1));
        }
    }
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The connection's socket, noting each byte that moves.
#[derive(Debug)]
pub(super) struct Metered {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl Metered {
    pub(super) fn new(inner: TcpStream, activity: Arc<Activity>) -> Self {
        Self { inner, activity }
    }

    fn wrote(&self, poll: &Poll<io::Result<usize>>) {
        if matches!(poll, Poll::Ready(Ok(n)) if *n > 0) {
            self.activity.touch();
        }
    }
}

impl AsyncRead for Metered {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.touch();
        }
        poll
    }
}

impl AsyncWrite for Metered {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.wrote(&poll);
        poll
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.wrote(&poll);
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
