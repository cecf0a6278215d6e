//! A review directory on disk: `--out` writes the review files and removes stale ones,
//! `--check` compares with the committed files and produces a unified diff per difference.
//!
//! Only files named like a key's review (`<key address>.md`, e.g. `key.aws.prod.md` or
//! `module.analytics.key.gcp.main.md`) are ever removed or compared; anything else in the
//! directory (a README, notes) is left alone.

use std::io;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::address::{Address, ObjectKind};

use super::ReviewFile;

/// Whether `name` is the file name of a key's review.
pub fn is_review_file_name(name: &str) -> bool {
    name.strip_suffix(".md")
        .and_then(|stem| Address::parse(stem).ok())
        .is_some_and(|a| matches!(a.kind, ObjectKind::Key(_)))
}

/// An I/O failure, with the path it concerns.
#[derive(Debug, thiserror::Error)]
#[error("{what} {}: {source}", path.display())]
pub struct FilesError {
    pub what: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

fn err(what: &'static str, path: &Path) -> impl FnOnce(io::Error) -> FilesError + use<> {
    let path = path.to_path_buf();
    move |source| FilesError { what, path, source }
}

/// Review files present in `dir`, sorted by name (none when `dir` does not exist).
fn existing_reviews(dir: &Path) -> Result<Vec<String>, FilesError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(err("read directory", dir)(e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(err("read directory", dir))?;
        let is_file = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
        if let Some(name) = entry.file_name().to_str()
            && is_file
            && is_review_file_name(name)
        {
            names.push(name.to_string());
        }
    }
    names.sort();
    Ok(names)
}

/// What `--out` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteSummary {
    /// Files whose content changed or that are new.
    pub written: Vec<String>,
    pub unchanged: Vec<String>,
    /// Stale review files removed.
    pub removed: Vec<String>,
}

/// Writes `files` into `dir` (created if missing) and removes review files that no longer
/// correspond to a key. Unchanged files are not rewritten.
pub fn write_dir(dir: &Path, files: &[ReviewFile]) -> Result<WriteSummary, FilesError> {
    std::fs::create_dir_all(dir).map_err(err("create directory", dir))?;
    let mut summary = WriteSummary::default();
    for f in files {
        let path = dir.join(&f.name);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() == Some(f.content.as_str()) {
            summary.unchanged.push(f.name.clone());
        } else {
            std::fs::write(&path, &f.content).map_err(err("write", &path))?;
            summary.written.push(f.name.clone());
        }
    }
    for name in existing_reviews(dir)? {
        if !files.iter().any(|f| f.name == name) {
            let path = dir.join(&name);
            std::fs::remove_file(&path).map_err(err("remove stale review", &path))?;
            summary.removed.push(name);
        }
    }
    Ok(summary)
}

/// How a committed review differs from the generated one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffKind {
    Changed,
    /// Generated but not committed.
    Missing,
    /// Committed but no longer generated (its key is gone).
    Extra,
}

/// One differing file, with its unified diff (`--- a/NAME` is the committed file, `+++ b/NAME`
/// the generated one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDiff {
    pub name: String,
    pub kind: DiffKind,
    pub diff: String,
}

/// The result of `--check`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckOutcome {
    /// Sorted by file name.
    pub diffs: Vec<FileDiff>,
}

impl CheckOutcome {
    pub fn is_clean(&self) -> bool {
        self.diffs.is_empty()
    }
}

fn unified(name: &str, old: &str, new: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

/// Compares `files` with the review files committed in `dir`.
pub fn check_dir(dir: &Path, files: &[ReviewFile]) -> Result<CheckOutcome, FilesError> {
    let mut diffs = Vec::new();
    for f in files {
        let path = dir.join(&f.name);
        match std::fs::read_to_string(&path) {
            Ok(current) if current == f.content => {}
            Ok(current) => diffs.push(FileDiff {
                name: f.name.clone(),
                kind: DiffKind::Changed,
                diff: unified(&f.name, &current, &f.content),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => diffs.push(FileDiff {
                name: f.name.clone(),
                kind: DiffKind::Missing,
                diff: unified(&f.name, "", &f.content),
            }),
            Err(e) => return Err(err("read", &path)(e)),
        }
    }
    for name in existing_reviews(dir)? {
        if !files.iter().any(|f| f.name == name) {
            let path = dir.join(&name);
            let current = std::fs::read_to_string(&path).map_err(err("read", &path))?;
            diffs.push(FileDiff {
                diff: unified(&name, &current, ""),
                name,
                kind: DiffKind::Extra,
            });
        }
    }
    diffs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(CheckOutcome { diffs })
}

#[cfg(test)]
mod tests {
    use super::is_review_file_name;

    #[test]
    fn review_file_names() {
        assert!(is_review_file_name("key.aws.quickstart.md"));
        assert!(is_review_file_name("module.analytics.key.aws.main.md"));
        assert!(!is_review_file_name("README.md"));
        assert!(!is_review_file_name("workspace.prod.md"));
        assert!(!is_review_file_name("key.aws.quickstart.txt"));
    }
}
