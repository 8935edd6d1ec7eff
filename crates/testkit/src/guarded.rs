//! A store bundled with something that must outlive it.

use rollcall_core::ports::{Store, StoreLayer};
use std::ops::Deref;

/// A store together with a guard that must live as long as it, such as the temporary
/// directory holding its database file. A [`StoreLayer`] that changes nothing, and derefs to
/// the store for adapter-specific calls. The store is dropped before the guard.
#[derive(Debug)]
pub struct GuardedStore<S, G> {
    // Field order is drop order: close the store, then remove what it lived in.
    store: S,
    guard: G,
}

impl<S, G> GuardedStore<S, G> {
    pub fn new(store: S, guard: G) -> GuardedStore<S, G> {
        GuardedStore { store, guard }
    }

    pub fn guard(&self) -> &G {
        &self.guard
    }
}

impl<S, G> Deref for GuardedStore<S, G> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.store
    }
}

impl<S: Store, G: Send + Sync> StoreLayer for GuardedStore<S, G> {
    fn inner(&self) -> &dyn Store {
        &self.store
    }
}
