//! Errors of reading, writing and locking state. Every message names the file (or lock) and says
//! what is wrong and what to do; none contains a secret (state holds none).

use std::path::PathBuf;
use std::time::Duration;

use super::lock::LockInfo;

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot read state file {}: the file is empty (an interrupted copy?). {}", path.display(), recover(path))]
    Empty { path: PathBuf },

    #[error(
        "cannot read state file {}: the file is truncated: the JSON ends early at line {line}, column {column}. {}",
        path.display(), recover(path)
    )]
    Truncated {
        path: PathBuf,
        line: usize,
        column: usize,
    },

    #[error(
        "cannot read state file {}: not valid JSON at line {line}, column {column}: {message}. {}",
        path.display(), recover(path)
    )]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    #[error(
        "cannot read state file {}: it is a Terraform state file (terraform_version {terraform_version}), not a cmek state. cmek keeps its own state; adopt existing keys with `cmek import ADDRESS ID`",
        path.display()
    )]
    TerraformState {
        path: PathBuf,
        terraform_version: String,
    },

    #[error(
        "cannot read state file {}: it is a Terraform plan (JSON from `terraform show -json`), not a cmek state; lint it with `cmek lint {}`",
        path.display(), path.display()
    )]
    TerraformPlan { path: PathBuf },

    #[error(
        "cannot read state file {}: it is a cmek plan file, not a state file; apply a saved plan with `cmek apply {}`",
        path.display(), path.display()
    )]
    PlanFile { path: PathBuf },

    #[error("cannot read state file {}: not a cmek state file: {why}", path.display())]
    NotCmekState { path: PathBuf, why: String },

    #[error(
        "cannot read state file {}: it has format_version {found}, written by a newer cmek ({written_by}); this cmek reads format_version {supported}. Upgrade cmek to use this state",
        path.display()
    )]
    FutureFormat {
        path: PathBuf,
        found: u64,
        supported: u32,
        written_by: String,
    },

    #[error(
        "cannot read state file {}: format_version must be a positive whole number, found {found}",
        path.display()
    )]
    BadFormatVersion { path: PathBuf, found: String },

    #[error(
        "cannot read state file {}: invalid state at line {line}, column {column}: {message}",
        path.display()
    )]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    #[error("cannot read state file {}: {message}", path.display())]
    Inconsistent { path: PathBuf, message: String },

    #[error(
        "state lineage mismatch: {} belongs to lineage {found}, but this state is lineage {expected}. They are different states; refusing to overwrite one with the other",
        path.display()
    )]
    LineageMismatch {
        path: PathBuf,
        expected: String,
        found: String,
    },

    #[error(
        "state {} changed since it was read (serial {on_disk} on disk, {read} when read): another run wrote it. Run the command again",
        path.display()
    )]
    SerialConflict {
        path: PathBuf,
        read: u64,
        on_disk: u64,
    },

    #[error("{}", locked_message(lock_path, holder, *waited, stale_note.as_deref()))]
    Locked {
        lock_path: PathBuf,
        holder: Box<LockInfo>,
        waited: Duration,
        stale_note: Option<String>,
    },

    #[error(
        "lock file {} exists but cannot be read ({why}). If no cmek run is active, delete the file by hand",
        lock_path.display()
    )]
    UnreadableLock { lock_path: PathBuf, why: String },

    #[error("state is not locked: {} does not exist", lock_path.display())]
    NotLocked { lock_path: PathBuf },

    #[error(
        "refusing to unlock: the lock is held under id {} (by {}, operation {}), not {given}",
        holder.id, holder.who, holder.operation
    )]
    LockIdMismatch {
        lock_path: PathBuf,
        given: String,
        holder: Box<LockInfo>,
    },

    #[error(
        "the state lock {} was lost (expected lock id {expected}{}); someone ran force-unlock. Nothing was written",
        lock_path.display(),
        match found { Some(f) => format!(", now held by {} under id {}", f.who, f.id), None => String::new() }
    )]
    LockLost {
        lock_path: PathBuf,
        expected: String,
        found: Option<Box<LockInfo>>,
    },

    #[error(
        "workspace {address} is attached to {existing}; attachment is write-once and cannot become {attempted}"
    )]
    WriteOnce {
        address: String,
        existing: String,
        attempted: String,
    },

    #[error(
        "refusing to point {address} at {new}: it is {old}, which protects data; replacing a key is never done in place"
    )]
    ReplacesProtectedKey {
        address: String,
        old: String,
        new: String,
    },

    #[error("{address} is not in the state")]
    NotInState { address: String },

    #[error("state entry {address}: {message}")]
    BadEntry { address: String, message: String },

    #[error(
        "refusing to write state: the field at {pointer} looks like it holds a secret; state never stores API keys or key material"
    )]
    SecretInState { pointer: String },
}

/// Where to look for the previous state after damage (the local backend's backup).
fn recover(path: &std::path::Path) -> String {
    format!(
        "Nothing was changed; if the file was damaged, the previous state may be in {}.backup",
        path.display()
    )
}

fn locked_message(
    lock_path: &std::path::Path,
    holder: &LockInfo,
    waited: Duration,
    stale_note: Option<&str>,
) -> String {
    let age = holder
        .age()
        .map(|a| format!(" ({} ago)", super::duration::humanize(a)))
        .unwrap_or_default();
    let mut s = format!(
        "state is locked by another cmek run\n  lock file: {}\n  lock id:   {}\n  held by:   {} (pid {})\n  operation: {}\n  since:     {}{}",
        lock_path.display(),
        holder.id,
        holder.who,
        holder.pid,
        holder.operation,
        holder.created,
        age
    );
    if !waited.is_zero() {
        s.push_str(&format!(
            "\n  waited {} (--lock-timeout)",
            super::duration::humanize(waited)
        ));
    }
    if let Some(note) = stale_note {
        s.push_str(&format!("\nnote: {note}"));
    }
    s.push_str(&format!(
        "\nIf you are sure no cmek run holds it, release it with:\n  cmek force-unlock {}",
        holder.id
    ));
    s
}

impl StateError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        StateError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
