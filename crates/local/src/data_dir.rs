//! The data folder: its layout, and the lock that keeps two servers off it.

use anyhow::{Context, Result, bail};
use fs4::fs_std::FileExt;
use std::fs::File;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct DataDir {
    root: PathBuf,
    // Held for the life of the server; the OS releases it if the process dies, even by SIGKILL.
    _lock: File,
}

impl DataDir {
    /// Creates the folder layout and takes the exclusive lock, or says who holds it.
    pub fn open(root: &Path) -> Result<DataDir> {
        for sub in ["", "inbox", "outbox"] {
            std::fs::create_dir_all(root.join(sub)).with_context(|| {
                format!("cannot create data folder {}", root.join(sub).display())
            })?;
        }
        let lock_path = root.join("rollcall.lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("cannot open {}", lock_path.display()))?;
        match FileExt::try_lock_exclusive(&lock) {
            Ok(true) => {}
            Ok(false) | Err(_) => bail!(
                "another rollcall server is already using the data folder {} (lock file {} is held); \
                 stop it first or pass a different --data-dir",
                root.display(),
                lock_path.display()
            ),
        }
        Ok(DataDir {
            root: root.to_path_buf(),
            _lock: lock,
        })
    }

    pub fn database(&self) -> PathBuf {
        self.root.join("rollcall.sqlite")
    }

    pub fn inbox(&self) -> PathBuf {
        self.root.join("inbox")
    }

    pub fn outbox(&self) -> PathBuf {
        self.root.join("outbox")
    }
}

/// Writes `bytes` to `path` so that after a crash the file is either absent or complete:
/// write a temporary file, fsync it, rename it into place, fsync the folder.
pub fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut file = File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)?;
    if let Some(parent) = path.parent() {
        File::open(parent)?.sync_all()?;
    }
    Ok(())
}
