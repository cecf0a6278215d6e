//! The local file backend: `cmek.state.json` beside the config, a `.backup` of the previous
//! version, and a `.lock` file.
//!
//! Crash safety: a write goes to a temporary file in the same directory, which is synced, then
//! the previous state is copied to `<path>.backup` (itself written atomically), then the temporary
//! file is renamed over the state and the directory is synced. An interruption at any point
//! leaves either the old or the new state at `<path>`, never a mix. [`WriteHooks`] lets tests
//! inject a crash between those steps.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::backend::StateBackend;
use super::error::StateError;
use super::lock::{LockFile, LockGuard, LockInfo, write_new_file};
use super::model::State;
use super::parse::parse_state;

/// Points in a write where tests can simulate a crash by returning an error. Production uses
/// [`NoHooks`].
pub trait WriteHooks: Send + Sync {
    /// The new state is complete and synced in `temp`; the backup and rename have not happened.
    fn after_temp_synced(&self, temp: &Path) -> io::Result<()> {
        let _ = temp;
        Ok(())
    }

    /// The backup of the previous state is in place; the rename has not happened.
    fn before_rename(&self, temp: &Path) -> io::Result<()> {
        let _ = temp;
        Ok(())
    }
}

/// No interference.
pub struct NoHooks;

impl WriteHooks for NoHooks {}

pub struct LocalBackend {
    path: PathBuf,
    lock: LockFile,
    hooks: Arc<dyn WriteHooks>,
}

impl LocalBackend {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self::with_hooks(path, Arc::new(NoHooks))
    }

    pub fn with_hooks(path: impl Into<PathBuf>, hooks: Arc<dyn WriteHooks>) -> Self {
        let path = path.into();
        LocalBackend {
            lock: LockFile::for_state(&path),
            path,
            hooks,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `<path>.backup`.
    pub fn backup_path(&self) -> PathBuf {
        sibling(&self.path, ".backup")
    }

    pub fn lock_file(&self) -> &LockFile {
        &self.lock
    }

    /// Reads and parses the file; `Ok(None)` when it does not exist.
    pub fn read_sync(&self) -> Result<Option<State>, StateError> {
        match fs::read(&self.path) {
            Ok(bytes) => parse_state(&self.path, &bytes).map(Some),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StateError::io("read state file", &self.path, e)),
        }
    }

    fn write_sync(&self, state: &mut State, lock: &LockGuard) -> Result<(), StateError> {
        self.lock.check_held(lock)?;
        state.check_no_secrets()?;
        let previous = match fs::read(&self.path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(StateError::io("read state file", &self.path, e)),
        };
        if let Some(bytes) = &previous {
            // Never overwrite a file we cannot understand: it may be someone's only copy.
            let current = parse_state(&self.path, bytes)?;
            if current.lineage() != state.lineage() {
                return Err(StateError::LineageMismatch {
                    path: self.path.clone(),
                    expected: state.lineage().to_string(),
                    found: current.lineage().to_string(),
                });
            }
            if current.serial() != state.serial() {
                return Err(StateError::SerialConflict {
                    path: self.path.clone(),
                    read: state.serial(),
                    on_disk: current.serial(),
                });
            }
        }
        let mut next = state.clone();
        next.set_serial(state.serial() + 1);
        next.cmek_version = env!("CARGO_PKG_VERSION").to_string();
        let mut text = serde_json::to_string_pretty(&next.to_json_value()).map_err(|e| {
            StateError::io("encode state", &self.path, io::Error::other(e.to_string()))
        })?;
        text.push('\n');

        let temp = temp_path(&self.path);
        if let Err(e) = write_new_file(&temp, text.as_bytes()) {
            let _ = fs::remove_file(&temp);
            return Err(StateError::io("write temporary state file", &temp, e));
        }
        self.hooks
            .after_temp_synced(&temp)
            .map_err(|e| StateError::io("write state file", &self.path, e))?;
        if let Some(bytes) = &previous {
            let backup = self.backup_path();
            let backup_temp = temp_path(&backup);
            write_new_file(&backup_temp, bytes)
                .and_then(|()| fs::rename(&backup_temp, &backup))
                .map_err(|e| {
                    let _ = fs::remove_file(&backup_temp);
                    let _ = fs::remove_file(&temp);
                    StateError::io("write state backup", &backup, e)
                })?;
        }
        self.hooks
            .before_rename(&temp)
            .map_err(|e| StateError::io("write state file", &self.path, e))?;
        fs::rename(&temp, &self.path).map_err(|e| {
            let _ = fs::remove_file(&temp);
            StateError::io("replace state file", &self.path, e)
        })?;
        sync_dir(&self.path).map_err(|e| StateError::io("sync directory of", &self.path, e))?;
        *state = next;
        self.sweep_leftover_temps();
        Ok(())
    }

    /// Removes temporary files an interrupted earlier write left behind. Safe: we hold the lock,
    /// so no other writer of this state is active, and only our own naming pattern is touched.
    fn sweep_leftover_temps(&self) {
        let Some(name) = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
        else {
            return;
        };
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        let prefixes = [format!(".{name}."), format!(".{name}.backup.")];
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            let ours = prefixes.iter().any(|p| {
                file.strip_prefix(p.as_str())
                    .and_then(|rest| rest.strip_suffix(".tmp"))
                    .is_some_and(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
            });
            if ours {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

#[async_trait]
impl StateBackend for LocalBackend {
    fn describe(&self) -> String {
        format!("local file {}", self.path.display())
    }

    async fn read(&self) -> Result<Option<State>, StateError> {
        self.read_sync()
    }

    async fn write(&self, state: &mut State, lock: &LockGuard) -> Result<(), StateError> {
        self.write_sync(state, lock)
    }

    async fn lock(&self, operation: &str, timeout: Duration) -> Result<LockGuard, StateError> {
        self.lock.acquire(operation, timeout).await
    }

    async fn current_lock(&self) -> Result<Option<LockInfo>, StateError> {
        self.lock.read()
    }

    async fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        self.lock.force_unlock(id)
    }
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut os = path.as_os_str().to_owned();
    os.push(suffix);
    PathBuf::from(os)
}

/// `.<name>.<random>.tmp` in the same directory (same filesystem, so the rename is atomic).
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into());
    let file = format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple());
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(file),
        _ => PathBuf::from(file),
    }
}

/// Makes the rename durable: fsync the directory entry (a no-op where directories cannot be
/// opened, e.g. Windows).
fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match fs::File::open(dir) {
        Ok(f) => f.sync_all().or_else(|e| {
            // Some filesystems refuse fsync on directories; the rename itself is still atomic.
            if e.kind() == io::ErrorKind::InvalidInput
                || e.kind() == io::ErrorKind::PermissionDenied
            {
                Ok(())
            } else {
                Err(e)
            }
        }),
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::{Address, Cloud};
    use crate::state::model::EntryOrigin;

    #[tokio::test]
    async fn write_read_serial_and_backup() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path().join("cmek.state.json"));
        assert!(b.read().await.unwrap().is_none());
        let lock = b.lock("apply", Duration::ZERO).await.unwrap();
        let mut s = State::new();
        b.write(&mut s, &lock).await.unwrap();
        assert_eq!(s.serial(), 1);
        assert!(!b.backup_path().exists());
        s.upsert_key(
            &Address::key(Cloud::Aws, "prod"),
            "arn:aws:kms:us-east-2:111122223333:key/k",
            EntryOrigin::Created,
            serde_json::json!({"alias": "alias/x"}),
            "2026-11-29T00:00:00Z",
        )
        .unwrap();
        b.write(&mut s, &lock).await.unwrap();
        assert_eq!(s.serial(), 2);
        let back = b.read().await.unwrap().unwrap();
        assert_eq!(back, s);
        let backup = parse_state(&b.backup_path(), &fs::read(b.backup_path()).unwrap()).unwrap();
        assert_eq!(backup.serial(), 1);
        // No temporary files left.
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    }

    #[tokio::test]
    async fn refuses_other_lineage_and_stale_serial() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path().join("s.json"));
        let lock = b.lock("apply", Duration::ZERO).await.unwrap();
        let mut s = State::new();
        b.write(&mut s, &lock).await.unwrap();
        let mut other = State::new();
        let err = b.write(&mut other, &lock).await.unwrap_err();
        assert!(err.to_string().contains("state lineage mismatch"), "{err}");
        let mut stale = b.read().await.unwrap().unwrap();
        b.write(&mut s, &lock).await.unwrap();
        let err = b.write(&mut stale, &lock).await.unwrap_err();
        assert!(matches!(
            err,
            StateError::SerialConflict {
                read: 1,
                on_disk: 2,
                ..
            }
        ));
    }

    #[tokio::test]
    async fn write_needs_this_backends_held_lock() {
        let dir = tempfile::tempdir().unwrap();
        let a = LocalBackend::new(dir.path().join("a.json"));
        let b = LocalBackend::new(dir.path().join("b.json"));
        let lock_a = a.lock("apply", Duration::ZERO).await.unwrap();
        let mut s = State::new();
        assert!(matches!(
            b.write(&mut s, &lock_a).await,
            Err(StateError::LockLost { .. })
        ));
        assert!(!b.path().exists());
    }
}
