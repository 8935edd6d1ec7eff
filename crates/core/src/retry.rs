//! Optimistic concurrency, written once. A use case reads, plans a commit against the
//! versions it read, and writes; when another writer got there first the store refuses with
//! [`StoreError::Conflict`], and the use case reads and plans again, a bounded number of
//! times.

use crate::ports::{Committed, StoreError};

/// How often a use case plans again after a conflicting write before giving up with the
/// conflict: enough for the few writers one event or invitee ever has at once.
pub const CONFLICT_RETRIES: usize = 5;

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt<T> {
    Done(T),
    /// Another writer changed what was read: read and plan again.
    Conflict,
}

impl<T> Attempt<T> {
    /// The attempt a commit makes: `done` of how it was committed, a conflict to plan again,
    /// any other failure as it is.
    pub fn of(
        committed: Result<Committed, StoreError>,
        done: impl FnOnce(Committed) -> T,
    ) -> Result<Attempt<T>, StoreError> {
        match committed {
            Ok(committed) => Ok(Attempt::Done(done(committed))),
            Err(StoreError::Conflict) => Ok(Attempt::Conflict),
            Err(other) => Err(other),
        }
    }
}

/// How a commit went, with a conflict as `None` (plan again) and other failures as they are:
/// for an attempt that does more after its commit than [`Attempt::of`] can.
pub fn committed(result: Result<Committed, StoreError>) -> Result<Option<Committed>, StoreError> {
    match result {
        Ok(committed) => Ok(Some(committed)),
        Err(StoreError::Conflict) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Runs `attempt` until it is done, at most [`CONFLICT_RETRIES`] times; then the conflict.
///
/// `attempt` returns an `async move` block over references it copies (`|| async move {..}`)
/// rather than being an async closure: the futures of async closures are not yet provably
/// `Send` for every borrow (rust-lang/rust#110338), and the HTTP handlers need `Send`.
pub async fn retrying<T, E, F, Fut>(mut attempt: F) -> Result<T, E>
where
    E: From<StoreError>,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Attempt<T>, E>>,
{
    for _ in 0..CONFLICT_RETRIES {
        if let Attempt::Done(value) = attempt().await? {
            return Ok(value);
        }
    }
    Err(StoreError::Conflict.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::block;

    #[test]
    fn a_conflict_is_tried_again_and_then_given_up() {
        let block = |conflicts: usize| {
            let mut tries = 0;
            let result = block(retrying(|| {
                tries += 1;
                let tries = tries;
                async move {
                    Ok::<_, StoreError>(if tries > conflicts {
                        Attempt::Done(tries)
                    } else {
                        Attempt::Conflict
                    })
                }
            }));
            (result, tries)
        };
        assert!(matches!(block(2), (Ok(3), 3)));
        let (gave_up, tries) = block(CONFLICT_RETRIES);
        assert!(matches!(gave_up, Err(StoreError::Conflict)));
        assert_eq!(tries, CONFLICT_RETRIES);
        let failed = Attempt::<()>::of(Err(StoreError::Unavailable("down".into())), |_| ());
        assert!(matches!(failed, Err(StoreError::Unavailable(_))));
        let done = Attempt::of(Ok(Committed::AlreadyRecorded), |c| c);
        assert!(matches!(
            done,
            Ok(Attempt::Done(Committed::AlreadyRecorded))
        ));
    }
}
