//! The SQLite store: one database file in the data folder, WAL mode with `synchronous=FULL`
//! so a commit that returned is on disk. rusqlite is synchronous; every call runs on tokio's
//! blocking pool with the one connection behind a mutex (SQLite serializes writers anyway).

mod access;
mod changes;
mod events;
mod inbox;
mod invitees;
mod outbox;
mod time;
mod trust;
mod webhooks;

pub use inbox::{InboxEntry, InboxRow, NewInbound};
pub use outbox::OutboxRow;

use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored data is not readable: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("database worker stopped: {0}")]
    Join(String),
    #[error("database lock poisoned by an earlier panic")]
    Poisoned,
    #[error("database file: {0}")]
    Io(#[from] std::io::Error),
}

#[derive(Debug, Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    /// Read-only connections for lookups (WAL lets them read while the writer writes).
    readers: Arc<[Mutex<Connection>]>,
}

/// Enough readers that concurrent page views rarely wait for one another on 2 cores.
const READERS: usize = 4;

/// How long any connection waits for a lock another connection holds (another process on
/// the file: a CLI command, a backup, a checkpoint) before the call fails as `Unavailable`,
/// which the web site answers with 503 and `Retry-After`. Bounded so a stuck lock costs a
/// visitor seconds, not a hung request; long enough to outlast any commit of ours.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

fn open_readers(path: &Path) -> Result<Arc<[Mutex<Connection>]>, DbError> {
    (0..READERS)
        .map(|_| {
            let conn = Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.busy_timeout(LOCK_WAIT)?;
            Ok(Mutex::new(conn))
        })
        .collect()
}

/// Creates an empty file at `path`, readable by the owner only, unless it exists.
fn create_owner_only(path: &Path) -> Result<(), DbError> {
    let mut options = std::fs::File::options();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(DbError::Io(error)),
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies the schema.
    pub fn open(path: &Path) -> Result<SqliteStore, DbError> {
        // Created owner-only before SQLite opens it: SQLite gives its -wal and -shm files the
        // database file's permissions.
        create_owner_only(path)?;
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(LOCK_WAIT)?;
        conn.execute_batch(include_str!("schema.sql"))?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            readers: open_readers(path)?,
        })
    }

    /// Opens an existing database for reading while a server may be writing to it.
    pub fn open_read_only(path: &Path) -> Result<SqliteStore, DbError> {
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.busy_timeout(LOCK_WAIT)?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            readers: open_readers(path)?,
        })
    }

    /// Runs a lookup on the calling thread with a free reader. Lookups are single indexed
    /// reads taking microseconds; handing them to the blocking pool cost several times more
    /// than the read itself (the event page spent most of its time in thread hand-offs).
    fn read<T>(&self, work: impl FnOnce(&Connection) -> Result<T, DbError>) -> Result<T, DbError> {
        for reader in self.readers.iter() {
            if let Ok(guard) = reader.try_lock() {
                return work(&guard);
            }
        }
        let guard = self.readers[0].lock().map_err(|_| DbError::Poisoned)?;
        work(&guard)
    }

    /// Runs `work` with the writer connection on the blocking pool.
    async fn with<T, F>(&self, work: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, DbError> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| DbError::Poisoned)?;
            work(&mut guard)
        })
        .await
        .map_err(|e| DbError::Join(e.to_string()))?
    }

    /// The same, for callers outside a tokio runtime (the CLI).
    pub fn with_blocking<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let mut guard = self.conn.lock().map_err(|_| DbError::Poisoned)?;
        work(&mut guard)
    }
}

impl From<DbError> for rollcall_core::ports::StoreError {
    fn from(error: DbError) -> Self {
        rollcall_core::ports::StoreError::Unavailable(error.to_string())
    }
}
