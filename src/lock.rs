//! One run at a time per SQLite state: an exclusive lock on a file beside the history database.
//! (On PostgreSQL state, runs share the sections through leases instead: `run::lease`.)
//!
//! cron may start a run while the previous one still works. The second run waits a little for
//! the lock, then gives up without touching anything ([`LockError::Busy`], its own exit status).
//! The operating system releases the lock when the process ends, however it ends (kill -9
//! included), so a crashed run never blocks the next one.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How often a waiting run tries the lock again.
const RETRY_EVERY: Duration = Duration::from_millis(100);

/// The lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another feedwright run holds {path}; gave up after {waited:?}")]
    Busy { path: PathBuf, waited: Duration },
    #[error("cannot lock {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A held lock; released when dropped.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

/// The lock file of a state database: `<state>.lock`.
pub fn lock_path(state: &Path) -> PathBuf {
    let mut name = state.file_name().unwrap_or_default().to_owned();
    name.push(".lock");
    state.with_file_name(name)
}

impl RunLock {
    /// Takes the lock of `state`, waiting at most `wait` for another run to finish.
    pub fn acquire(state: &Path, wait: Duration) -> Result<RunLock, LockError> {
        let path = lock_path(state);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(RunLock { _file: file }),
                Err(TryLockError::WouldBlock) if start.elapsed() < wait => {
                    std::thread::sleep(RETRY_EVERY);
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(LockError::Busy {
                        path,
                        waited: start.elapsed(),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_then_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("feedwright.db");
        let held = RunLock::acquire(&state, Duration::ZERO).unwrap();
        let err = RunLock::acquire(&state, Duration::from_millis(250)).unwrap_err();
        assert!(
            matches!(err, LockError::Busy { waited, .. } if waited >= Duration::from_millis(250))
        );
        drop(held);
        RunLock::acquire(&state, Duration::ZERO).unwrap();
    }

    #[test]
    fn lock_file_sits_beside_the_state() {
        assert_eq!(
            lock_path(Path::new("/srv/fw/feedwright.db")),
            Path::new("/srv/fw/feedwright.db.lock")
        );
    }
}
