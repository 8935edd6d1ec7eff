//! `rollcall token create`: an API token for an organizer, for operators scripting the
//! local server. Opens the database for writing; safe while the server runs (SQLite locks).

use crate::store::SqliteStore;
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::Path;

pub fn create(data_dir: &Path, organizer: &str, label: &str, out: &mut impl Write) -> Result<()> {
    let Some(organizer) = rollcall_core::invitee::parse_email(organizer) else {
        bail!("--organizer must be an email address");
    };
    let database = data_dir.join("rollcall.sqlite");
    if !database.exists() {
        bail!(
            "no Rollcall database in {} (has `rollcall serve` run with this --data-dir?)",
            data_dir.display()
        );
    }
    let store =
        SqliteStore::open(&database).with_context(|| format!("opening {}", database.display()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (credential, token) =
        runtime.block_on(rollcall_core::usecase::access::create_api_token(
            &store,
            &organizer,
            label,
            chrono::Utc::now(),
        ))?;
    writeln!(
        out,
        "{token}\n\nAPI token {} for {organizer} (\"{}\"). It is shown only now; send it as \
         `Authorization: Bearer <token>`.",
        rollcall_core::usecase::access::token_id(&credential),
        credential.label
    )?;
    Ok(())
}
