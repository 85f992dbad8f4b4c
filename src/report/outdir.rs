//! The output folder, before any load is sent: it exists, accepts files, has room for the
//! reports, and belongs to this run alone.
//!
//! One run at a time: an advisory `flock` on `.loadproof.lock` in the folder, held for the whole
//! run. The kernel drops it when the process ends, however it ends, so a crashed run leaves no
//! lock that blocks the next one (a stale file, at most, which the next run simply locks). The
//! file is hidden and named as a lock, so nobody takes it for a report; a run removes it when it
//! is done.

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

/// The lock file's name inside the output folder.
pub const LOCK_FILE: &str = ".loadproof.lock";
/// The reports of a long run (per-second series, histograms) take a few MiB at most; less free
/// space than this means the run would measure for nothing.
pub const MIN_FREE_BYTES: u64 = 8 * 1024 * 1024;

/// Why the output folder cannot take this run's reports (exit 3, before any load).
#[derive(Debug, thiserror::Error)]
pub enum OutDirError {
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "not enough room for the reports in {}: {} free, at least {} needed\n  = hint: free some \
         space or pass --out on another filesystem",
        path.display(),
        mib(*free),
        mib(MIN_FREE_BYTES)
    )]
    NoRoom { path: PathBuf, free: u64 },
    #[error(
        "{} is in use by another loadproof run{}\n  = hint: wait for it to finish, or pass a \
         different --out",
        path.display(),
        holder.map(|pid| format!(" (pid {pid})")).unwrap_or_default()
    )]
    InUse { path: PathBuf, holder: Option<u32> },
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Whether `free` bytes leave room for the reports.
pub fn has_room(free: u64) -> bool {
    free >= MIN_FREE_BYTES
}

/// The run's hold on its output folder; dropping it removes the lock file and releases it.
#[derive(Debug)]
pub struct OutLock {
    path: PathBuf,
    // Held open for the lock's sake; closed (and so unlocked) after the file is removed.
    _file: File,
}

impl Drop for OutLock {
    fn drop(&mut self) {
        // Unlink while still holding the lock: a run that opens the old file after this sees
        // (below) that it is no longer the folder's lock file and starts over.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Make sure `dir` exists, accepts files, has room for the reports, and is locked for this
/// run. A run must not spend its whole duration only to find it cannot write what it measured,
/// or overwrite another run's reports as they are written.
pub fn prepare(dir: &Path) -> Result<OutLock, OutDirError> {
    let write = |source| OutDirError::Write {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(write)?;
    let probe = dir.join(".loadproof-write-test");
    std::fs::write(&probe, b"").map_err(write)?;
    let _ = std::fs::remove_file(&probe);
    let lock = lock(dir)?;
    #[cfg(unix)]
    {
        // Where statvfs is not supported the write probe above is all there is to go on.
        if let Ok(vfs) = rustix::fs::statvfs(dir) {
            let free = vfs.f_bavail.saturating_mul(vfs.f_frsize);
            if !has_room(free) {
                return Err(OutDirError::NoRoom {
                    path: dir.to_path_buf(),
                    free,
                });
            }
        }
    }
    Ok(lock)
}

fn lock(dir: &Path) -> Result<OutLock, OutDirError> {
    let path = dir.join(LOCK_FILE);
    let write = |source| OutDirError::Write {
        path: path.clone(),
        source,
    };
    // Bounded: each retry means another run removed the file between our open and our lock.
    for _ in 0..5 {
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(write)?;
        #[cfg(unix)]
        {
            use rustix::fs::{FlockOperation, flock, fstat, stat};
            if flock(&file, FlockOperation::NonBlockingLockExclusive).is_err() {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(OutDirError::InUse {
                    path: dir.to_path_buf(),
                    holder: text.trim().parse().ok(),
                });
            }
            // The file we locked must still be the one at `path`: its owner may have removed it
            // between our open and our lock, and a lock on an unlinked file guards nothing.
            let same = match (fstat(&file), stat(&path)) {
                (Ok(a), Ok(b)) => a.st_dev == b.st_dev && a.st_ino == b.st_ino,
                _ => false,
            };
            if !same {
                continue;
            }
        }
        // The holder's PID, so a refused run can say who holds the folder.
        let _ = file.set_len(0);
        let _ = write!(file, "{}", std::process::id());
        return Ok(OutLock { path, _file: file });
    }
    Err(OutDirError::InUse {
        path: dir.to_path_buf(),
        holder: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_mib_free_is_the_floor() {
        assert!(!has_room(0));
        assert!(!has_room(MIN_FREE_BYTES - 1));
        assert!(has_room(MIN_FREE_BYTES));
        let text = OutDirError::NoRoom {
            path: PathBuf::from("/mnt/full"),
            free: 512 * 1024,
        }
        .to_string();
        assert!(
            text.contains("/mnt/full") && text.contains("0.5 MiB free"),
            "{text}"
        );
    }

    #[test]
    fn a_second_lock_on_the_same_folder_is_refused_until_the_first_is_dropped() {
        let dir = std::env::temp_dir().join(format!("loadproof-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = prepare(&dir).unwrap();
        assert!(dir.join(LOCK_FILE).exists());
        // flock locks belong to the open file, so a second open in this process conflicts too.
        match prepare(&dir) {
            Err(OutDirError::InUse { holder, .. }) => assert_eq!(holder, Some(std::process::id())),
            other => panic!("expected InUse, got {other:?}"),
        }
        drop(first);
        assert!(!dir.join(LOCK_FILE).exists(), "the lock file is removed");
        let again = prepare(&dir).unwrap();
        drop(again);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
