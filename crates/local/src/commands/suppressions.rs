//! `rollcall suppressions`: the addresses Rollcall mails no more for any event (a hard bounce,
//! a spam complaint, "unsubscribe from everything"), with why and since when;
//! `rollcall suppressions lift ADDRESS` takes one off the list (safe beside a running server).

use crate::commands::inbox::clip;
use crate::commands::outbox::database;
use crate::store::SqliteStore;
use anyhow::{Context, Result, bail};
use rollcall_core::event::normalize_email;
use rollcall_core::ports::SuppressionStore;
use std::io::Write;
use std::path::Path;

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

pub fn list(data_dir: &Path, limit: usize, json: bool, out: &mut impl Write) -> Result<()> {
    let database = database(data_dir)?;
    let store = SqliteStore::open_read_only(&database)
        .with_context(|| format!("opening {}", database.display()))?;
    let listed = runtime()?.block_on(store.suppressions(None, limit))?;
    if json {
        for suppression in &listed {
            serde_json::to_writer(&mut *out, suppression)?;
            writeln!(out)?;
        }
        return Ok(());
    }
    if listed.is_empty() {
        writeln!(out, "No suppressed addresses.")?;
        return Ok(());
    }
    writeln!(
        out,
        "{:<36}  {:<12}  {:<20}  {:<14}  DETAIL",
        "ADDRESS", "REASON", "SINCE", "EVENT"
    )?;
    for s in &listed {
        writeln!(
            out,
            "{:<36}  {:<12}  {:<20}  {:<14}  {}",
            clip(&s.address, 36),
            s.reason.as_str(),
            s.since.format("%Y-%m-%d %H:%M:%S"),
            s.event_id
                .as_ref()
                .map_or("-".to_string(), ToString::to_string),
            clip(s.detail.as_deref().unwrap_or("-"), 80)
        )?;
    }
    Ok(())
}

pub fn lift(data_dir: &Path, address: &str, out: &mut impl Write) -> Result<()> {
    let database = database(data_dir)?;
    let store =
        SqliteStore::open(&database).with_context(|| format!("opening {}", database.display()))?;
    let address = normalize_email(address);
    if !runtime()?.block_on(store.lift_suppression(&address))? {
        bail!("{address} is not suppressed");
    }
    writeln!(
        out,
        "{address} is no longer suppressed; Rollcall mails it again from its next message."
    )?;
    Ok(())
}
