//! Discovering and reading spec files.
//!
//! Every `*.hcl` file directly in a config directory, sorted by name (module directories are
//! read when a `module` block points at them). Unreadable directories or files, files over
//! [`MAX_FILE_BYTES`] and non-UTF-8 files become diagnostics, never panics. Every file read is
//! added to the source map under a display name relative to the root config directory.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::diag::{Diagnostic, Diagnostics, FileId, SourceMap, Span};

/// Largest spec (or `file()`/var-file) input read, in bytes.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// A spec file in the source map, with the directory `file()` paths are relative to.
#[derive(Debug, Clone)]
pub struct SpecFile {
    pub id: FileId,
    /// Shared by every block of the file (one allocation per file, not per block).
    pub dir: Rc<Path>,
}

/// A pseudo-file naming a place without readable text (a directory, an oversized file), so
/// that a diagnostic about it still has a file, line and column.
pub fn placeholder(sources: &mut SourceMap, name: &str) -> FileId {
    sources.add(name, "")
}

/// Reads every `*.hcl` file in `dir` (not recursive), sorted by file name, except the files in
/// `exclude` (canonical paths). `display_prefix` is prepended to file names for display (`""`
/// for the root, `"modules/x/"` for a module).
pub fn discover(
    dir: &Path,
    display_prefix: &str,
    exclude: &[PathBuf],
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> Vec<SpecFile> {
    let shown_dir = if display_prefix.is_empty() {
        dir.display().to_string()
    } else {
        display_prefix.trim_end_matches('/').to_string()
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            let id = placeholder(sources, &shown_dir);
            diags.push(
                Diagnostic::error(
                    "spec::unreadable-dir",
                    format!("cannot read config directory `{shown_dir}`: {e}"),
                )
                .at(Span::file_start(id), ""),
            );
            return Vec::new();
        }
    };
    let mut names: Vec<(String, PathBuf)> = Vec::new();
    for entry in entries {
        let Ok(entry) = entry else { continue };
        let path = entry.path();
        let is_file = entry
            .file_type()
            .map(|t| t.is_file() || t.is_symlink())
            .unwrap_or(false);
        if !is_file || path.is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let excluded =
            !exclude.is_empty() && path.canonicalize().is_ok_and(|p| exclude.contains(&p));
        if name.ends_with(".hcl") && !name.starts_with('.') && !excluded {
            names.push((name, path));
        }
    }
    names.sort();
    let mut out = Vec::new();
    for (name, path) in names {
        let display = format!("{display_prefix}{name}");
        if let Some(id) = read_text(&path, &display, sources, diags, None) {
            out.push(SpecFile {
                id,
                dir: Rc::from(dir),
            });
        }
    }
    out
}

/// Reads a UTF-8 text file of at most [`MAX_FILE_BYTES`] into the source map. On failure a
/// diagnostic is pushed (located at `at` when given, else at the file itself) and `None` is
/// returned.
pub fn read_text(
    path: &Path,
    display: &str,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
    at: Option<Span>,
) -> Option<FileId> {
    match read_limited(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Some(sources.add(display, text)),
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
                // Offsets before the first invalid byte are the same in the lossy text.
                let id = sources.add(display, lossy);
                let mut d = Diagnostic::error(
                    "spec::not-utf8",
                    format!("`{display}` is not valid UTF-8 (invalid byte at offset {valid})"),
                )
                .at(Span::new(id, valid..valid + 1), "invalid UTF-8 here")
                .with_help("save the file as UTF-8");
                if let Some(at) = at {
                    d = d.with_label(at, "read here");
                }
                diags.push(d);
                None
            }
        },
        Err(ReadError::TooLarge(size)) => {
            let d = Diagnostic::error(
                "spec::file-too-large",
                format!(
                    "`{display}` is {size} bytes; files over {MAX_FILE_BYTES} bytes are not read"
                ),
            )
            .with_help("split the configuration into smaller files");
            let span = at.unwrap_or_else(|| Span::file_start(placeholder(sources, display)));
            diags.push(d.at(span, "too large"));
            None
        }
        Err(ReadError::Io(e)) => {
            let d = Diagnostic::error(
                "spec::unreadable-file",
                format!("cannot read `{display}`: {e}"),
            );
            let span = at.unwrap_or_else(|| Span::file_start(placeholder(sources, display)));
            diags.push(d.at(span, "cannot read this file"));
            None
        }
    }
}

enum ReadError {
    TooLarge(u64),
    Io(std::io::Error),
}

fn read_limited(path: &Path) -> Result<Vec<u8>, ReadError> {
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if meta.is_dir() {
        return Err(ReadError::Io(std::io::Error::other("is a directory")));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // `take` guards against files that grow while being read.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_hcl_only_and_bad_utf8() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.hcl"), "x = 1").unwrap();
        std::fs::write(dir.path().join("a.hcl"), "y = 1").unwrap();
        std::fs::write(dir.path().join("c.txt"), "z").unwrap();
        std::fs::write(dir.path().join("d.hcl"), b"ok\n\xff\xfe").unwrap();
        std::fs::create_dir(dir.path().join("sub.hcl")).unwrap();
        let mut sm = SourceMap::new();
        let mut ds = Diagnostics::new();
        let files = discover(dir.path(), "", &[], &mut sm, &mut ds);
        let names: Vec<&str> = files.iter().map(|f| sm.get(f.id).unwrap().name()).collect();
        assert_eq!(names, ["a.hcl", "b.hcl"]);
        assert_eq!(ds.len(), 1);
        let d = ds.iter().next().unwrap();
        assert_eq!(d.code, "spec::not-utf8");
        let l = d.primary.as_ref().unwrap();
        assert_eq!(
            sm.get(l.span.file).unwrap().line_col(l.span.range.start),
            (2, 1)
        );
    }

    #[test]
    fn missing_dir_is_a_diagnostic() {
        let mut sm = SourceMap::new();
        let mut ds = Diagnostics::new();
        let files = discover(Path::new("/nonexistent/cmek"), "", &[], &mut sm, &mut ds);
        assert!(files.is_empty());
        assert_eq!(ds.iter().next().unwrap().code, "spec::unreadable-dir");
    }
}
