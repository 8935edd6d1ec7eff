//! Helpers for the core's unit tests.

/// Polls a future that never waits for anything outside it (the core's futures over fake
/// stores) to its end, without an async runtime.
pub(crate) fn block<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(value) = future.as_mut().poll(&mut context) {
            return value;
        }
    }
}
