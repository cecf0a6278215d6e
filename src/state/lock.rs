//! State locks: who holds one, the guard that releases it, and the local lock file.
//!
//! The local lock is `<state path>.lock`, created exclusively: its JSON is written to a private
//! temporary file first and then hard-linked into place (`link(2)` fails if the name exists), so
//! the lock file is never seen half-written. When the filesystem has no hard links, it falls back
//! to `create_new` (O_EXCL) and writes in place.
//!
//! Invariants: a lock is only ever removed by its holder (guard release/drop, which checks the id
//! first) or by `force-unlock` with the exact id. A lock that looks stale (its process is gone) is
//! reported, never broken automatically.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::clock;
use super::error::StateError;

/// What a lock file says about its holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// A UUID; `cmek force-unlock <id>` needs it.
    pub id: String,
    /// The command that took the lock (`apply`, `state push`, ...).
    pub operation: String,
    /// `user@host`.
    pub who: String,
    pub pid: u32,
    /// RFC 3339.
    pub created: String,
    #[serde(default)]
    pub cmek_version: String,
}

impl LockInfo {
    /// A new lock description for this process.
    pub fn for_this_process(operation: &str) -> Self {
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            who: format!("{}@{}", user_name(), host_name()),
            pid: std::process::id(),
            created: clock::now_rfc3339(),
            cmek_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// How long the lock has been held, if `created` parses.
    pub fn age(&self) -> Option<Duration> {
        clock::age_of(&self.created)
    }

    fn host(&self) -> &str {
        self.who.rsplit_once('@').map(|(_, h)| h).unwrap_or("")
    }
}

fn user_name() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

fn host_name() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| fs::read_to_string("/etc/hostname").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

/// A note when the holder looks gone: same host, and its process no longer exists. Only
/// informs; the lock is never broken automatically.
pub(crate) fn stale_note(holder: &LockInfo) -> Option<String> {
    let proc_fs = Path::new("/proc/self").exists();
    if proc_fs
        && holder.host() == host_name()
        && !Path::new(&format!("/proc/{}", holder.pid)).exists()
    {
        return Some(format!(
            "process {} is not running on this host ({}); the lock looks stale",
            holder.pid,
            holder.host()
        ));
    }
    match holder.age() {
        Some(age) if age > Duration::from_secs(6 * 3600) => Some(format!(
            "the lock is {} old; the run that took it may have died",
            super::duration::humanize(age)
        )),
        _ => None,
    }
}

/// Releases a lock; implemented per backend.
pub trait LockRelease: Send + Sync {
    fn release(&mut self, info: &LockInfo) -> Result<(), StateError>;
}

/// A held lock. Released by [`LockGuard::release`] or, failing that, on drop.
pub struct LockGuard {
    info: LockInfo,
    /// Where the lock lives (for messages and for backends to check their own guards).
    location: PathBuf,
    releaser: Option<Box<dyn LockRelease>>,
}

impl std::fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockGuard")
            .field("info", &self.info)
            .field("location", &self.location)
            .finish()
    }
}

impl LockGuard {
    pub fn new(info: LockInfo, location: PathBuf, releaser: Box<dyn LockRelease>) -> Self {
        LockGuard {
            info,
            location,
            releaser: Some(releaser),
        }
    }

    pub fn id(&self) -> &str {
        &self.info.id
    }

    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    pub fn location(&self) -> &Path {
        &self.location
    }

    /// Releases now and reports errors (dropping releases silently).
    pub fn release(mut self) -> Result<(), StateError> {
        match self.releaser.take() {
            Some(mut r) => r.release(&self.info),
            None => Ok(()),
        }
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Some(mut r) = self.releaser.take() {
            // Best effort: a lock left behind is reported with its id and can be force-unlocked.
            let _ = r.release(&self.info);
        }
    }
}

/// The local lock file of a state file.
#[derive(Debug, Clone)]
pub struct LockFile {
    path: PathBuf,
}

struct LocalRelease {
    path: PathBuf,
}

impl LockRelease for LocalRelease {
    fn release(&mut self, info: &LockInfo) -> Result<(), StateError> {
        let lock = LockFile {
            path: self.path.clone(),
        };
        match lock.read()? {
            // Only remove our own lock: after a force-unlock someone else may hold it.
            Some(current) if current.id == info.id => fs::remove_file(&self.path)
                .or_else(ignore_not_found)
                .map_err(|e| StateError::io("remove lock file", &self.path, e)),
            _ => Ok(()),
        }
    }
}

fn ignore_not_found(e: io::Error) -> io::Result<()> {
    if e.kind() == io::ErrorKind::NotFound {
        Ok(())
    } else {
        Err(e)
    }
}

impl LockFile {
    /// The lock file of `state_path`: `<state_path>.lock`.
    pub fn for_state(state_path: &Path) -> Self {
        let mut os = state_path.as_os_str().to_owned();
        os.push(".lock");
        LockFile {
            path: PathBuf::from(os),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current holder; `None` when unlocked.
    pub fn read(&self) -> Result<Option<LockInfo>, StateError> {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StateError::io("read lock file", &self.path, e)),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| StateError::UnreadableLock {
                lock_path: self.path.clone(),
                why: e.to_string(),
            })
    }

    /// One attempt: `Ok(Some(guard))`, or `Ok(None)` when someone else holds the lock.
    pub fn try_acquire(&self, operation: &str) -> Result<Option<LockGuard>, StateError> {
        let info = LockInfo::for_this_process(operation);
        let bytes = serde_json::to_vec_pretty(&info).map_err(|e| {
            StateError::io("encode lock", &self.path, io::Error::other(e.to_string()))
        })?;
        let created = self.create_exclusive(&bytes)?;
        Ok(created.then(|| {
            LockGuard::new(
                info,
                self.path.clone(),
                Box::new(LocalRelease {
                    path: self.path.clone(),
                }),
            )
        }))
    }

    /// Creates the lock file with `bytes` unless it exists. `Ok(false)` when it exists.
    fn create_exclusive(&self, bytes: &[u8]) -> Result<bool, StateError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let temp = dir.join(format!(
            ".{}.{}.tmp",
            self.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "cmek.lock".into()),
            uuid::Uuid::new_v4().simple()
        ));
        write_new_file(&temp, bytes).map_err(|e| StateError::io("write lock file", &temp, e))?;
        let linked = fs::hard_link(&temp, &self.path);
        let _ = fs::remove_file(&temp);
        match linked {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            // No hard links on this filesystem: O_EXCL create and write in place.
            Err(_) => match write_new_file(&self.path, bytes) {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
                Err(e) => Err(StateError::io("create lock file", &self.path, e)),
            },
        }
    }

    /// Waits up to `timeout` for the lock, polling; then fails naming the holder.
    pub async fn acquire(
        &self,
        operation: &str,
        timeout: Duration,
    ) -> Result<LockGuard, StateError> {
        let start = Instant::now();
        loop {
            if let Some(guard) = self.try_acquire(operation)? {
                return Ok(guard);
            }
            // The holder may release between our attempt and this read; then just retry.
            let holder = self.read()?;
            let waited = start.elapsed();
            if waited >= timeout {
                if let Some(holder) = holder {
                    let stale_note = stale_note(&holder);
                    return Err(StateError::Locked {
                        lock_path: self.path.clone(),
                        holder: Box::new(holder),
                        waited: timeout,
                        stale_note,
                    });
                }
                // Released just now: one more attempt decides.
                if let Some(guard) = self.try_acquire(operation)? {
                    return Ok(guard);
                }
                if let Some(holder) = self.read()? {
                    let stale_note = stale_note(&holder);
                    return Err(StateError::Locked {
                        lock_path: self.path.clone(),
                        holder: Box::new(holder),
                        waited: timeout,
                        stale_note,
                    });
                }
                continue;
            }
            if holder.is_some() {
                let pause = (timeout - waited).min(Duration::from_millis(200));
                tokio::time::sleep(pause).await;
            }
        }
    }

    /// Removes the lock if, and only if, it is held under `id`.
    pub fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        let holder = self.read()?.ok_or_else(|| StateError::NotLocked {
            lock_path: self.path.clone(),
        })?;
        if holder.id != id.trim() {
            return Err(StateError::LockIdMismatch {
                lock_path: self.path.clone(),
                given: id.to_string(),
                holder: Box::new(holder),
            });
        }
        fs::remove_file(&self.path)
            .or_else(ignore_not_found)
            .map_err(|e| StateError::io("remove lock file", &self.path, e))?;
        Ok(holder)
    }

    /// Checks that `guard` is a guard of this lock file and still holds it.
    pub fn check_held(&self, guard: &LockGuard) -> Result<(), StateError> {
        let current = self.read()?;
        match current {
            Some(c) if c.id == guard.id() && guard.location() == self.path => Ok(()),
            found => Err(StateError::LockLost {
                lock_path: self.path.clone(),
                expected: guard.id().to_string(),
                found: found.map(Box::new),
            }),
        }
    }
}

/// Creates `path` (failing if it exists), writes `bytes` and syncs them to disk.
pub(crate) fn write_new_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn exclusive_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let lock = LockFile::for_state(&dir.path().join("cmek.state.json"));
        assert!(lock.path().ends_with("cmek.state.json.lock"));
        let g = lock.acquire("apply", Duration::ZERO).await.unwrap();
        assert_eq!(lock.read().unwrap().unwrap().id, g.id());
        let err = lock.acquire("plan", Duration::ZERO).await.unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("cmek force-unlock {}", g.id())),
            "{msg}"
        );
        assert!(
            msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        assert!(msg.contains("operation: apply"), "{msg}");
        drop(g);
        assert!(lock.read().unwrap().is_none());
        let g2 = lock.acquire("plan", Duration::ZERO).await.unwrap();
        g2.release().unwrap();
        assert!(!lock.path().exists());
        // No temp files left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn force_unlock_needs_the_exact_id() {
        let dir = tempfile::tempdir().unwrap();
        let lock = LockFile::for_state(&dir.path().join("s.json"));
        assert!(matches!(
            lock.force_unlock("x"),
            Err(StateError::NotLocked { .. })
        ));
        let g = lock.acquire("apply", Duration::ZERO).await.unwrap();
        assert!(matches!(
            lock.force_unlock("wrong"),
            Err(StateError::LockIdMismatch { .. })
        ));
        let id = g.id().to_string();
        assert_eq!(lock.force_unlock(&id).unwrap().id, id);
        // The old guard notices it lost the lock and does not remove a new holder's lock.
        assert!(matches!(
            lock.check_held(&g),
            Err(StateError::LockLost { .. })
        ));
        let g2 = lock.acquire("plan", Duration::ZERO).await.unwrap();
        drop(g);
        assert_eq!(lock.read().unwrap().unwrap().id, g2.id());
    }

    #[tokio::test]
    async fn waits_up_to_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let lock = LockFile::for_state(&dir.path().join("s.json"));
        let g = lock.acquire("apply", Duration::ZERO).await.unwrap();
        let start = Instant::now();
        let err = lock
            .acquire("plan", Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(start.elapsed() >= Duration::from_millis(300));
        assert!(err.to_string().contains("waited"), "{err}");
        let releaser = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            drop(g);
        });
        let g2 = lock.acquire("plan", Duration::from_secs(5)).await.unwrap();
        releaser.await.unwrap();
        assert_eq!(g2.info().operation, "plan");
    }

    #[test]
    fn stale_when_process_is_gone() {
        let mut info = LockInfo::for_this_process("apply");
        assert_eq!(stale_note(&info), None);
        info.pid = u32::MAX - 1;
        let note = stale_note(&info).unwrap();
        assert!(note.contains("not running"), "{note}");
    }

    #[test]
    fn unreadable_lock_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let lock = LockFile::for_state(&dir.path().join("s.json"));
        fs::write(lock.path(), b"").unwrap();
        assert!(matches!(
            lock.read(),
            Err(StateError::UnreadableLock { .. })
        ));
    }
}
