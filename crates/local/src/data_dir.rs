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
    /// Creates the folder layout (readable by the owner only) and takes the exclusive lock, or
    /// says who holds it. A folder made by an older Rollcall, or by hand, is tightened to the
    /// same modes: everything in it is somebody's mail or a secret.
    pub fn open(root: &Path) -> Result<DataDir> {
        for sub in ["", "inbox", "outbox"] {
            create_private_dir(&root.join(sub)).with_context(|| {
                format!("cannot create data folder {}", root.join(sub).display())
            })?;
        }
        let tightened = tighten(root)
            .with_context(|| format!("cannot restrict access to {}", root.display()))?;
        if tightened > 0 {
            tracing::warn!(
                folder = %root.display(),
                tightened,
                "the data folder was readable by others: made it owner-only (folders 0700, files 0600)"
            );
        }
        let lock_path = root.join("rollcall.lock");
        let mut lock_options = File::options();
        lock_options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut lock_options, FILE_MODE);
        let lock = lock_options
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

/// Folders of the data folder: owner only.
#[cfg(unix)]
const DIR_MODE: u32 = 0o700;
/// Files of the data folder: owner only.
#[cfg(unix)]
const FILE_MODE: u32 = 0o600;

fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(path)
}

/// Creates (or truncates) `path` readable and writable by the owner only.
pub fn create_private_file(path: &Path) -> std::io::Result<File> {
    let mut options = File::options();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    options.open(path)
}

/// Makes `root` and everything below it owner-only; returns how many entries it changed.
/// Symbolic links are not followed (their targets are not ours to change).
#[cfg(unix)]
pub fn tighten(root: &Path) -> std::io::Result<usize> {
    use std::os::unix::fs::PermissionsExt;
    let mut changed = 0;
    let mut pending = vec![root.to_path_buf()];
    while let Some(path) = pending.pop() {
        let meta = std::fs::symlink_metadata(&path)?;
        if meta.file_type().is_symlink() {
            continue;
        }
        let wanted = if meta.is_dir() { DIR_MODE } else { FILE_MODE };
        if meta.permissions().mode() & 0o777 != wanted {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(wanted))?;
            changed += 1;
        }
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path)? {
                pending.push(entry?.path());
            }
        }
    }
    Ok(changed)
}

#[cfg(not(unix))]
pub fn tighten(_root: &Path) -> std::io::Result<usize> {
    Ok(0)
}

/// Writes `bytes` to `path` so that after a crash the file is either absent or complete:
/// write a temporary file, fsync it, rename it into place, fsync the folder. The file is
/// owner-only, like everything in the data folder.
pub fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut file = create_private_file(&tmp)?;
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
        let mut file = create_private_file(&tmp)?;
        file.write_all(key)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(parent) = path.parent() {
        File::open(parent)?.sync_all()?;
    }
    Ok(())
}
