//! Which files `cmek fmt` looks at, and how it writes them.
//!
//! A path given explicitly is formatted whatever its extension. A directory contributes its
//! `*.hcl` files (which include `*.cmek.hcl`); only its direct children unless `recursive`,
//! like `terraform fmt` without `-recursive`. Hidden directories (`.git`, `.cmek`, ...) are
//! never entered and symbolic links to directories are not followed, so a walk always ends.
//! Results are sorted so output is deterministic.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The files to format for `paths`, sorted and de-duplicated.
pub fn collect(paths: &[PathBuf], recursive: bool) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| with_path(e, p))?;
        if meta.is_dir() {
            walk(p, recursive, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Whether `dir` has `*.hcl` files in a subdirectory (used to hint at `--recursive`).
pub fn has_nested_hcl(dir: &Path) -> bool {
    let mut found = Vec::new();
    walk(dir, true, &mut found).is_ok() && !found.is_empty()
}

fn walk(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| with_path(e, dir))?;
    for entry in entries {
        let entry = entry.map_err(|e| with_path(e, dir))?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let kind = entry.file_type().map_err(|e| with_path(e, &path))?;
        if kind.is_dir() {
            if recursive && !name.starts_with('.') {
                walk(&path, recursive, out)?;
            }
        } else if name.ends_with(".hcl") && !name.starts_with('.') {
            // Regular files and symlinks to files.
            if path.is_file() {
                out.push(path);
            }
        }
    }
    Ok(())
}

fn with_path(e: io::Error, p: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", p.display()))
}

/// Replaces the contents of `path` atomically: writes a temporary file in the same directory,
/// gives it the original file's permissions, flushes it to disk, then renames it over `path`.
/// A crash leaves either the old or the new file, never a truncated one.
pub fn write_atomic(path: &Path, contents: &str) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".cmek-fmt-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| with_path(e, dir))?;
    tmp.write_all(contents.as_bytes())?;
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| with_path(e.error, path))?;
    Ok(())
}
