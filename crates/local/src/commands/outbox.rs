//! `rollcall outbox`: the mail Rollcall owes, with its state, attempts, next try and last error,
//! and whether the outbox is paused (read only, so it works while the server runs);
//! `rollcall outbox retry <id>|--failed`: failed messages back in the queue (the running
//! server sends them within a second; SQLite locks make the write safe beside it).

use crate::commands::inbox::clip;
use crate::store::{OutboxRow, SqliteStore};
use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use rollcall_core::ports::OutboxPause;
use rollcall_core::usecase::deliver::{Requeue, requeue};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Which messages `rollcall outbox` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StateFilter {
    Pending,
    Sent,
    Failed,
}

impl StateFilter {
    fn as_str(self) -> &'static str {
        match self {
            StateFilter::Pending => "pending",
            StateFilter::Sent => "sent",
            StateFilter::Failed => "failed",
        }
    }
}

pub(crate) fn database(data_dir: &Path) -> Result<PathBuf> {
    let database = data_dir.join("rollcall.sqlite");
    if !database.exists() {
        bail!(
            "no Rollcall database in {} (has `rollcall serve` run with this --data-dir?)",
            data_dir.display()
        );
    }
    Ok(database)
}

/// The outbox's pause, in one line for people.
pub fn describe_pause(pause: &OutboxPause, now: DateTime<Utc>) -> String {
    format!(
        "Outbox PAUSED since {}: {}. Queued mail is kept; next try {} ({} failed probes).",
        pause.since.format("%Y-%m-%d %H:%M:%S UTC"),
        clip(&pause.reason, 200),
        when(pause.next_probe_at, now),
        pause.probes
    )
}

pub fn list(
    data_dir: &Path,
    state: Option<StateFilter>,
    limit: usize,
    json: bool,
    out: &mut impl Write,
) -> Result<()> {
    let database = database(data_dir)?;
    let store = SqliteStore::open_read_only(&database)
        .with_context(|| format!("opening {}", database.display()))?;
    let pause = store.pause_state()?;
    let rows = store.outbox_rows(state.map(StateFilter::as_str), limit)?;
    if json {
        let listing = serde_json::json!({ "paused": pause, "messages": rows });
        serde_json::to_writer(&mut *out, &listing)?;
        writeln!(out)?;
        return Ok(());
    }
    let now = Utc::now();
    match &pause {
        Some(pause) => writeln!(out, "{}\n", describe_pause(pause, now))?,
        None => writeln!(out, "Outbox sending normally.\n")?,
    }
    if rows.is_empty() {
        writeln!(out, "No outbound messages.")?;
        return Ok(());
    }
    writeln!(
        out,
        "{:<36}  {:<14}  {:<28}  {:<7}  {:>8}  {:<20}  LAST ERROR",
        "ID", "KIND", "TO", "STATE", "ATTEMPTS", "NEXT TRY"
    )?;
    for row in &rows {
        writeln!(
            out,
            "{:<36}  {:<14}  {:<28}  {:<7}  {:>8}  {:<20}  {}",
            clip(&row.id, 36),
            clip(&row.kind, 14),
            clip(&row.to, 28),
            row.state,
            row.attempts,
            next_try(row, now),
            clip(row.last_error.as_deref().unwrap_or("-"), 80)
        )?;
    }
    Ok(())
}

fn next_try(row: &OutboxRow, now: DateTime<Utc>) -> String {
    match (row.next_attempt_at, row.sent_at) {
        (Some(next), _) => when(next, now),
        (None, Some(sent)) => format!("sent {}", sent.format("%m-%d %H:%M:%S")),
        (None, None) => "-".to_string(),
    }
}

fn when(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if at <= now {
        "now".to_string()
    } else {
        at.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// Re-queues failed message `id`, or every failed message.
pub fn retry(data_dir: &Path, id: Option<&str>, out: &mut impl Write) -> Result<()> {
    let database = database(data_dir)?;
    let store =
        SqliteStore::open(&database).with_context(|| format!("opening {}", database.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let which = id.map_or(Requeue::AllFailed, Requeue::One);
    let requeued = runtime.block_on(requeue(&store, which, Utc::now()))?;
    match (id, requeued.len()) {
        (Some(id), 0) => match store.outbox_state(id)? {
            Some(state) => bail!("{id} is {state}, not failed: nothing to retry"),
            None => bail!("no outbound message {id}"),
        },
        (None, 0) => writeln!(out, "No failed messages.")?,
        (_, count) => {
            for id in &requeued {
                writeln!(out, "re-queued {id}")?;
            }
            writeln!(
                out,
                "{count} message(s) queued again; `rollcall serve` sends them shortly."
            )?;
        }
    }
    Ok(())
}
