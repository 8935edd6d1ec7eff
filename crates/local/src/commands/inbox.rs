//! `rollcall inbox`: recent inbound messages and what became of each. Opens the database read
//! only, so it works while the server runs.

use crate::store::{InboxRow, SqliteStore};
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::Path;

pub fn run(data_dir: &Path, limit: usize, json: bool, out: &mut impl Write) -> Result<()> {
    let database = data_dir.join("rollcall.sqlite");
    if !database.exists() {
        bail!(
            "no Rollcall database in {} (has `rollcall serve` run with this --data-dir?)",
            data_dir.display()
        );
    }
    let store = SqliteStore::open_read_only(&database)
        .with_context(|| format!("opening {}", database.display()))?;
    let rows = store.recent_inbound(limit)?;
    // A paused outbox is news for whoever looks at what came in: replies and invitations wait.
    // Beside JSON it goes to stderr, so the lines stay one object each.
    if let Some(pause) = store.pause_state()? {
        let line = super::outbox::describe_pause(&pause, chrono::Utc::now());
        if json {
            eprintln!("{line} See `rollcall outbox`.");
        } else {
            writeln!(out, "{line} See `rollcall outbox`.\n")?;
        }
    }
    if json {
        for row in &rows {
            serde_json::to_writer(&mut *out, row)?;
            writeln!(out)?;
        }
        return Ok(());
    }
    if rows.is_empty() {
        writeln!(
            out,
            "No messages yet. Send an invitation to invites@<domain> on the SMTP port."
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{:<20}  {:<28}  {:<32}  OUTCOME",
        "RECEIVED (UTC)", "FROM", "SUBJECT"
    )?;
    for row in &rows {
        writeln!(
            out,
            "{:<20}  {:<28}  {:<32}  {}",
            row.received_at.format("%Y-%m-%d %H:%M:%S"),
            clip(row.from.as_deref().unwrap_or(&row.mail_from), 28),
            clip(row.subject.as_deref().unwrap_or("-"), 32),
            describe(row)
        )?;
    }
    Ok(())
}

fn describe(row: &InboxRow) -> String {
    match (row.state.as_str(), &row.outcome, &row.last_error) {
        (_, Some(outcome), _) => match &row.confirmed {
            Some(confirmed) => format!("confirmed by the organizer: {confirmed}"),
            None => outcome.clone(),
        },
        ("failed", _, error) => format!("failed: {}", error.as_deref().unwrap_or("unknown error")),
        (_, None, Some(error)) => format!("queued (retrying after: {error})"),
        _ => "queued".to_string(),
    }
}

/// Cuts to `width` characters and removes control characters, which could rewrite the terminal.
pub(crate) fn clip(text: &str, width: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= width {
        clean
    } else {
        let mut cut: String = clean.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}
