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

    /// The server secret that derives every invitee token (see `rollcall_core::tokens`):
    /// 32 bytes from the OS CSPRNG, created on first start, readable by the owner only.
    /// Deleting it revokes every personal and unsubscribe link and every reply address.
    pub fn secret(&self) -> Result<[u8; 32]> {
        let path = self.root.join("secret.key");
        match std::fs::read(&path) {
            Ok(bytes) => bytes.try_into().map_err(|_| {
                anyhow::anyhow!(
                    "{} is not a 32-byte key; restore it or delete it to start over",
                    path.display()
                )
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
                write_secret(&path, &key)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                Ok(key)
            }
            Err(error) => Err(error).with_context(|| format!("cannot read {}", path.display())),
        }
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

fn write_secret(path: &Path, key: &[u8; 32]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut options = File::options();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp)?;
        file.write_all(key)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(parent) = path.parent() {
        File::open(parent)?.sync_all()?;
    }
    Ok(())
}
