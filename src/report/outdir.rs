//! The output folder, before any load is sent: it exists, accepts files, has room for the
//! reports, and belongs to this run alone.
//!
//! The default folder is claimed with `create_dir`, which fails if the name is taken, and the
//! next name (`-2`, `-3`, …) is tried: two runs started in the same millisecond still get two
//! folders, with no window between a check and a create. A folder this run created (and any
//! parent it created for it) is removed again if the run ends with it empty — a run that
//! failed before writing anything leaves nothing behind; a folder that existed is never removed.
//!
//! One run at a time: an advisory `flock` on `.loadproof.lock` in the folder, held for the whole
//! run. The kernel drops it when the process ends, however it ends, so a crashed run leaves no
//! lock that blocks the next one (a stale file, at most, which the next run simply locks). The
//! file is hidden and named as a lock, so nobody takes it for a report; a run removes it when it
//! is done.

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use crate::plan::DirNaming;

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
        "cannot find a free folder name next to {}: the {MAX_SUFFIX} names after it are taken\n  \
         = hint: pass --out, or clear old reports",
        base.display()
    )]
    NoFreeName { base: PathBuf },
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

/// The most suffixes tried after a taken default name (`-2` … `-MAX_SUFFIX`).
pub const MAX_SUFFIX: u32 = 1000;

/// The run's hold on its output folder; dropping it removes the lock file and releases it, then
/// removes the folders the run created if they are still empty.
#[derive(Debug)]
pub struct OutLock {
    path: PathBuf,
    // Held open for the lock's sake; closed (and so unlocked) after the file is removed.
    _file: File,
    // Dropped after the lock file is gone, so an otherwise empty folder can go too.
    _created: Created,
}

impl OutLock {
    /// The folder this run writes into.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }
}

impl Drop for OutLock {
    fn drop(&mut self) {
        // Unlink while still holding the lock: a run that opens the old file after this sees
        // (below) that it is no longer the folder's lock file and starts over.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The folders this run created, the deepest first; dropping it removes each that is empty.
/// `remove_dir` refuses a folder with anything in it, so reports (this run's or anyone's) are
/// never removed, and a folder that existed before the run is not on the list.
#[derive(Debug, Default)]
struct Created(Vec<PathBuf>);

impl Drop for Created {
    fn drop(&mut self) {
        for dir in &self.0 {
            if std::fs::remove_dir(dir).is_err() {
                // Not empty (or gone): its parents are not empty either.
                break;
            }
        }
    }
}

/// `dir` and those of its ancestors that do not exist yet, the deepest first: what creating
/// `dir` creates.
fn missing(dir: &Path) -> Vec<PathBuf> {
    dir.ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .take_while(|a| std::fs::symlink_metadata(a).is_err())
        .map(Path::to_path_buf)
        .collect()
}

/// Create the folder the run writes into: `dir` itself under [`DirNaming::Exact`], else the
/// first of `dir`, `dir-2`, `dir-3`, … that this call creates (never one that already exists).
fn create(dir: &Path, naming: DirNaming) -> Result<(PathBuf, Created), OutDirError> {
    let write = |path: &Path| {
        let path = path.to_path_buf();
        move |source| OutDirError::Write { path, source }
    };
    match naming {
        DirNaming::Exact => {
            let created = Created(missing(dir));
            std::fs::create_dir_all(dir).map_err(write(dir))?;
            Ok((dir.to_path_buf(), created))
        }
        DirNaming::Unique => {
            let parent = dir.parent().filter(|p| !p.as_os_str().is_empty());
            let mut created = Created(parent.map(missing).unwrap_or_default());
            if let Some(p) = parent {
                std::fs::create_dir_all(p).map_err(write(p))?;
            }
            for n in 1..=MAX_SUFFIX {
                let candidate = match n {
                    1 => dir.to_path_buf(),
                    n => {
                        let mut name = dir.as_os_str().to_owned();
                        name.push(format!("-{n}"));
                        PathBuf::from(name)
                    }
                };
                match std::fs::create_dir(&candidate) {
                    Ok(()) => {
                        created.0.insert(0, candidate.clone());
                        return Ok((candidate, created));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(write(&candidate)(e)),
                }
            }
            Err(OutDirError::NoFreeName {
                base: dir.to_path_buf(),
            })
        }
    }
}

/// Make sure the output folder exists, accepts files, has room for the reports, and is locked
/// for this run; [`OutLock::dir`] says which folder it is. A run must not spend its whole
/// duration only to find it cannot write what it measured, or overwrite another run's reports
/// as they are written.
pub fn prepare(dir: &Path, naming: DirNaming) -> Result<OutLock, OutDirError> {
    let (dir, created) = create(dir, naming)?;
    let dir = dir.as_path();
    let write = |source| OutDirError::Write {
        path: dir.to_path_buf(),
        source,
    };
    let probe = dir.join(".loadproof-write-test");
    std::fs::write(&probe, b"").map_err(write)?;
    let _ = std::fs::remove_file(&probe);
    let lock = lock(dir, created)?;
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

fn lock(dir: &Path, created: Created) -> Result<OutLock, OutDirError> {
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
        return Ok(OutLock {
            path,
            _file: file,
            _created: created,
        });
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
        let first = prepare(&dir, DirNaming::Exact).unwrap();
        assert!(dir.join(LOCK_FILE).exists());
        // flock locks belong to the open file, so a second open in this process conflicts too.
        match prepare(&dir, DirNaming::Exact) {
            Err(OutDirError::InUse { holder, .. }) => assert_eq!(holder, Some(std::process::id())),
            other => panic!("expected InUse, got {other:?}"),
        }
        drop(first);
        assert!(!dir.join(LOCK_FILE).exists(), "the lock file is removed");
        let again = prepare(&dir, DirNaming::Exact).unwrap();
        drop(again);
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("loadproof-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_default_folder_that_is_taken_gets_the_next_free_suffix() {
        let root = scratch("unique");
        let base = root.join("reports/adhoc-20261130T141409.123Z");
        // Another run's folder, with its reports, already holds the name.
        std::fs::create_dir_all(&base).unwrap();
        std::fs::write(base.join("report.json"), "{}").unwrap();
        let first = prepare(&base, DirNaming::Unique).unwrap();
        assert_eq!(
            first.dir(),
            root.join("reports/adhoc-20261130T141409.123Z-2")
        );
        // While the first holds `-2`, a third run started in the same millisecond gets `-3`.
        let second = prepare(&base, DirNaming::Unique).unwrap();
        assert_eq!(
            second.dir(),
            root.join("reports/adhoc-20261130T141409.123Z-3")
        );
        assert_eq!(
            std::fs::read_to_string(base.join("report.json")).unwrap(),
            "{}",
            "the other run's reports are untouched"
        );
        drop((first, second));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn runs_claiming_one_name_at_once_all_get_their_own_folder() {
        let root = scratch("race");
        let base = root.join("reports/adhoc-20261130T141409.123Z");
        let dirs: Vec<PathBuf> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        let lock = prepare(&base, DirNaming::Unique).unwrap();
                        let dir = lock.dir().to_path_buf();
                        // Keep the folder: a report in it, as a finished run leaves.
                        std::fs::write(dir.join("report.json"), "{}").unwrap();
                        dir
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let unique: std::collections::BTreeSet<_> = dirs.iter().collect();
        assert_eq!(unique.len(), dirs.len(), "{dirs:?}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn an_empty_folder_the_run_created_is_removed_and_one_that_existed_is_kept() {
        let root = scratch("empty");
        // Created by the run, with its parents: all of it goes when nothing was written.
        let made = root.join("a/b/run");
        drop(prepare(&made, DirNaming::Exact).unwrap());
        assert!(!root.join("a").exists(), "created and empty: removed");
        let unique = prepare(&root.join("reports/x"), DirNaming::Unique).unwrap();
        drop(unique);
        assert!(!root.join("reports").exists(), "created and empty: removed");
        // A folder the user made beforehand stays, even empty.
        let theirs = root.join("theirs");
        std::fs::create_dir_all(&theirs).unwrap();
        drop(prepare(&theirs, DirNaming::Exact).unwrap());
        assert!(theirs.is_dir(), "existed before the run: kept");
        assert_eq!(
            std::fs::read_dir(&theirs).unwrap().count(),
            0,
            "no lock file left"
        );
        // A created folder with reports in it stays.
        let kept = root.join("kept/run");
        let lock = prepare(&kept, DirNaming::Exact).unwrap();
        std::fs::write(kept.join("report.json"), "{}").unwrap();
        drop(lock);
        assert!(kept.join("report.json").is_file());
        let _ = std::fs::remove_dir_all(&root);
    }
}
