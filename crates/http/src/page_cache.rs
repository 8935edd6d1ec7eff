//! Public event pages, kept for a moment. A page is the same for every viewer except its form
//! token, so under load the work of a view (two store reads, the counts, the template, the
//! calendar links) is done once per event per second, and each view only splices in its own
//! fresh token. Answers given through this process drop the entry at once; changes that
//! arrive by mail show within a second.

use rollcall_core::event::EventId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where a rendered page takes its form token. It contains `<`, which HTML escaping always
/// rewrites, so no text from an event can produce it.
pub const TOKEN_SLOT: &str = "<rollcall-form-token>";
const TTL: Duration = Duration::from_secs(1);
/// More distinct pages than this in one second and the cache starts over: memory stays bounded.
const MAX_ENTRIES: usize = 4096;

#[derive(Debug, Default)]
pub struct PageCache {
    entries: Mutex<HashMap<EventId, (Instant, Arc<str>)>>,
}

impl PageCache {
    /// The rendered page (with the token slot) if it is younger than a second.
    pub fn get(&self, id: &EventId) -> Option<Arc<str>> {
        let entries = self.entries.lock().ok()?;
        let (at, page) = entries.get(id)?;
        (at.elapsed() < TTL).then(|| page.clone())
    }

    pub fn put(&self, id: &EventId, page: Arc<str>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(id.clone(), (Instant::now(), page));
        }
    }

    /// Drops an event's page, after a change made through this process.
    pub fn forget(&self, id: &EventId) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(id);
        }
    }
}

/// The page with `token` in its slot (a cancelled event's page has none).
pub fn with_token(page: &str, token: &str) -> String {
    page.replacen(TOKEN_SLOT, token, 1)
}
