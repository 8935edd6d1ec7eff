//! The system's resolver as the core's [`Lookup`] port, for checking webhook URLs when they
//! are saved (and, lent by the runtime, for the sender's connections).

use async_trait::async_trait;
use rollcall_core::ports::Lookup;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemLookup;

#[async_trait]
impl Lookup for SystemLookup {
    async fn lookup(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
        let found = tokio::net::lookup_host((host, 0)).await?;
        Ok(found.map(|address| address.ip()).collect())
    }
}
