//! Persistence of the emulated organization: one JSON file, loaded at start and replaced
//! atomically (write a temporary file next to it, then rename) after every mutating request, so
//! consecutive CLI runs see one world and a crash never leaves a half-written file.

use std::path::{Path, PathBuf};

use super::state::{AdminState, STATE_FORMAT_VERSION};

/// Default location of the Admin API emulator's state.
pub const DEFAULT_STATE_FILE: &str = ".cmek/sandbox/anthropic.json";

#[derive(Debug, thiserror::Error)]
pub enum StateFileError {
    #[error("cannot read the sandbox state {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the sandbox state {path} is not valid: {source}; delete it to start a fresh sandbox")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "the sandbox state {path} has format version {found}, this cmek reads version {expected}; delete it to start a fresh sandbox"
    )]
    Version {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error(
        "the sandbox state {path} belongs to organization {found}, not the configured {expected}; use another sandbox directory or delete the file"
    )]
    OrganizationMismatch {
        path: PathBuf,
        found: String,
        expected: String,
    },
    #[error("cannot write the sandbox state {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Loads the state at `path`, or `None` if the file does not exist.
pub async fn load(path: &Path) -> Result<Option<AdminState>, StateFileError> {
    let bytes = match tokio::fs::read(path).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(StateFileError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let state: AdminState =
        serde_json::from_slice(&bytes).map_err(|source| StateFileError::Parse {
            path: path.to_path_buf(),
            source,
        })?;
    if state.format_version != STATE_FORMAT_VERSION {
        return Err(StateFileError::Version {
            path: path.to_path_buf(),
            found: state.format_version,
            expected: STATE_FORMAT_VERSION,
        });
    }
    Ok(Some(state))
}

/// Replaces the file at `path` with `state`, atomically.
pub async fn save(path: &Path, state: &AdminState) -> Result<(), StateFileError> {
    let write_error = |source| StateFileError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(dir).await.map_err(write_error)?;
    }
    let mut bytes =
        serde_json::to_vec_pretty(state).map_err(|e| write_error(std::io::Error::other(e)))?;
    bytes.push(b'\n');
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".to_string());
    let tmp = path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    tokio::fs::write(&tmp, &bytes).await.map_err(write_error)?;
    if let Err(e) = tokio::fs::rename(&tmp, path).await {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(write_error(e));
    }
    Ok(())
}
