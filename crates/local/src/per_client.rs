//! Open connections per client, for the per-client caps of the HTTP and SMTP listeners: a few
//! slow clients on one address must not take every slot the listener has.
//!
//! A client is an IPv4 address or the /64 of an IPv6 one (`rollcall_http::client_key`, the same
//! bucket the RSVP rate limit uses): one IPv6 subscriber usually holds a whole /64 and could
//! otherwise open unlimited connections by rotating addresses within it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use rollcall_http::client_key;

/// Counts open connections per client; `limit` 0 means no cap.
#[derive(Debug)]
pub struct ClientSlots {
    limit: usize,
    open: Mutex<HashMap<String, usize>>,
}

/// One open connection of a client; dropping it frees the slot.
#[derive(Debug)]
pub struct ClientSlot {
    slots: Arc<ClientSlots>,
    key: String,
}

impl ClientSlots {
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self {
            limit,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A slot for a new connection from `ip`, or `None` if its client is at the cap.
    pub fn try_acquire(self: &Arc<Self>, ip: IpAddr) -> Option<ClientSlot> {
        let key = client_key(ip);
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(key.clone()).or_insert(0);
        if self.limit != 0 && *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(ClientSlot {
            slots: self.clone(),
            key,
        })
    }

    /// Connections open now for the client of `ip`.
    pub fn open_for(&self, ip: IpAddr) -> usize {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(&client_key(ip)).copied().unwrap_or(0)
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            // No entry per client that ever connected: the map holds only open ones.
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn a_client_gets_at_most_limit_slots_and_a_freed_one_can_be_taken_again() {
        let slots = ClientSlots::new(2);
        let first = slots.try_acquire(ip("192.0.2.1"));
        let second = slots.try_acquire(ip("192.0.2.1"));
        assert!(first.is_some() && second.is_some());
        assert!(slots.try_acquire(ip("192.0.2.1")).is_none());
        // Another client is counted on its own.
        assert!(slots.try_acquire(ip("192.0.2.2")).is_some());
        drop(first);
        assert_eq!(slots.open_for(ip("192.0.2.1")), 1);
        assert!(slots.try_acquire(ip("192.0.2.1")).is_some());
    }

    #[test]
    fn ipv6_addresses_in_one_64_share_a_count_and_mapped_ipv4_is_the_ipv4_client() {
        let slots = ClientSlots::new(1);
        let held = slots.try_acquire(ip("2001:db8:1:2::1"));
        assert!(held.is_some());
        assert!(slots.try_acquire(ip("2001:db8:1:2:ffff::9")).is_none());
        assert!(slots.try_acquire(ip("2001:db8:1:3::1")).is_some());
        let v4 = slots.try_acquire(ip("198.51.100.7"));
        assert!(v4.is_some());
        assert!(slots.try_acquire(ip("::ffff:198.51.100.7")).is_none());
    }

    #[test]
    fn limit_zero_is_no_cap_and_closed_clients_leave_no_entry() {
        let slots = ClientSlots::new(0);
        let held: Vec<_> = (0..100)
            .filter_map(|_| slots.try_acquire(ip("192.0.2.1")))
            .collect();
        assert_eq!(held.len(), 100);
        drop(held);
        assert_eq!(slots.open_for(ip("192.0.2.1")), 0);
        assert!(slots.open.lock().expect("lock").is_empty());
    }
}
