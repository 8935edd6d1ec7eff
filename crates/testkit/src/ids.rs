//! Deterministic event ids.

use rollcall_core::event::EventId;
use rollcall_core::ports::IdSource;
use std::sync::atomic::{AtomicU64, Ordering};

/// An [`IdSource`] handing out [`SequentialIds::nth`]`(0)`, `nth(1)`, ... in call order.
/// Every id is a valid [`EventId`] and no two are equal.
#[derive(Debug, Default)]
pub struct SequentialIds {
    next: AtomicU64,
}

impl SequentialIds {
    pub fn new() -> SequentialIds {
        SequentialIds::default()
    }

    /// The id the `n`-th call (counting from 0) returns, so tests can name ids in advance.
    pub fn nth(n: u64) -> EventId {
        // The counter's base-57 digits, one per character: 57^12 > 2^64, and digits below the
        // alphabet's length map to distinct characters, so distinct counters give distinct ids.
        let mut bytes = [0u8; EventId::LEN];
        let mut rest = n;
        for byte in bytes.iter_mut().rev() {
            *byte = (rest % 57) as u8;
            rest /= 57;
        }
        EventId::from_random(bytes)
    }

    /// How many ids were handed out so far.
    pub fn issued(&self) -> u64 {
        self.next.load(Ordering::SeqCst)
    }
}

impl IdSource for SequentialIds {
    fn event_id(&self) -> EventId {
        SequentialIds::nth(self.next.fetch_add(1, Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_valid_distinct_and_in_call_order() {
        let ids = SequentialIds::new();
        let first = ids.event_id();
        let second = ids.event_id();
        assert_eq!(first, SequentialIds::nth(0));
        assert_eq!(second, SequentialIds::nth(1));
        assert_ne!(first, second);
        assert_eq!(ids.issued(), 2);
        for n in [0, 1, 56, 57, 58, u64::MAX] {
            let id = SequentialIds::nth(n);
            assert_eq!(EventId::parse(id.as_str()), Some(id.clone()), "{n}");
        }
        assert_ne!(SequentialIds::nth(56), SequentialIds::nth(57 * 56));
    }
}
