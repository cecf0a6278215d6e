//! The sandbox request log: one JSON object per line for every request any emulator served, so
//! tests (and users of `--sandbox`) can prove which operations were and were not called.
//!
//! Invariants: append-only (the file is opened in append mode and never truncated); each entry
//! is written with a single `write_all` of one complete line and flushed before the request is
//! served (emulators record a request before executing it, and refuse it if the entry cannot be
//! written, so nothing runs unlogged); writers in one process are serialized by a mutex, and separate processes rely on
//! `O_APPEND` line writes; entries never contain headers, bodies or credentials (`caller` is an
//! identity label such as a principal or an organization, never a key).

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// Default location of the log, under the sandbox directory.
pub const DEFAULT_REQUEST_LOG: &str = ".cmek/sandbox/requests.jsonl";

/// One served request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestLogEntry {
    /// RFC 3339 UTC timestamp.
    pub ts: String,
    /// Which emulator: `anthropic`, `aws-kms`, `gcp-kms`, `azure-keyvault`.
    pub service: String,
    pub method: String,
    /// Path without the query string.
    pub path: String,
    /// The API operation name, e.g. `CreateExternalKey`, or `Unknown`.
    pub operation: String,
    /// Who called: an identity label, never a credential.
    pub caller: String,
}

/// An append-only JSON-lines request log.
#[derive(Debug)]
pub struct RequestLog {
    path: PathBuf,
    file: Mutex<File>,
}

#[derive(Debug, thiserror::Error)]
pub enum RequestLogError {
    #[error("cannot open the sandbox request log {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the sandbox request log {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the sandbox request log {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: not a request log entry: {source}")]
    Parse {
        path: PathBuf,
        line: usize,
        source: serde_json::Error,
    },
}

impl RequestLog {
    /// Opens (creating the file and its directories if needed) the log at `path` for appending.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, RequestLogError> {
        let path = path.into();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| RequestLogError::Open {
                path: path.clone(),
                source,
            })?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|source| RequestLogError::Open {
                path: path.clone(),
                source,
            })?;
        Ok(Self {
            path,
            file: Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry as one line and flushes it.
    pub fn record(&self, entry: &RequestLogEntry) -> Result<(), RequestLogError> {
        let mut line = serde_json::to_vec(entry).map_err(|e| RequestLogError::Write {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        line.push(b'\n');
        // A poisoned lock only means another writer panicked mid-call; the file is still usable.
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        file.write_all(&line)
            .and_then(|()| file.flush())
            .map_err(|source| RequestLogError::Write {
                path: self.path.clone(),
                source,
            })
    }

    /// Reads every entry of the log at `path` (empty if the file does not exist).
    pub fn read_entries(path: impl AsRef<Path>) -> Result<Vec<RequestLogEntry>, RequestLogError> {
        let path = path.as_ref();
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(RequestLogError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let mut entries = Vec::new();
        for (index, line) in BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|source| RequestLogError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            if line.trim().is_empty() {
                continue;
            }
            let entry = serde_json::from_str(&line).map_err(|source| RequestLogError::Parse {
                path: path.to_path_buf(),
                line: index + 1,
                source,
            })?;
            entries.push(entry);
        }
        Ok(entries)
    }
}

/// The current UTC time as RFC 3339 (`2026-11-29T08:47:49.123456789Z`).
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn entry(i: usize) -> RequestLogEntry {
        RequestLogEntry {
            ts: now_rfc3339(),
            service: "anthropic".into(),
            method: "GET".into(),
            path: format!("/v1/x/{i}"),
            operation: "Op".into(),
            caller: "c".into(),
        }
    }

    #[test]
    fn concurrent_writers_produce_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/requests.jsonl");
        let log = Arc::new(RequestLog::open(&path).unwrap());
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let log = log.clone();
                std::thread::spawn(move || {
                    for i in 0..50 {
                        log.record(&entry(t * 1000 + i)).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let entries = RequestLog::read_entries(&path).unwrap();
        assert_eq!(entries.len(), 400);
    }

    #[test]
    fn reopening_appends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requests.jsonl");
        RequestLog::open(&path).unwrap().record(&entry(1)).unwrap();
        RequestLog::open(&path).unwrap().record(&entry(2)).unwrap();
        let entries = RequestLog::read_entries(&path).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].path, "/v1/x/2");
    }

    #[test]
    fn missing_log_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            RequestLog::read_entries(dir.path().join("none.jsonl"))
                .unwrap()
                .is_empty()
        );
    }
}
