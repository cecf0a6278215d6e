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
/// A crash leaves either the old or the new file, never a truncated one. A symbolic link is
/// followed, so the link stays a link and its target gets the new contents.
pub fn write_atomic(path: &Path, contents: &str) -> io::Result<()> {
    let resolved = std::fs::canonicalize(path).ok();
    let path = resolved.as_deref().unwrap_or(path);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn write_atomic_keeps_permissions_and_symlinks() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.hcl");
        std::fs::write(&target, "a=1\n").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.hcl");
        std::os::unix::fs::symlink(&target, &link).unwrap();

        write_atomic(&link, "a = 1\n").unwrap();

        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "a = 1\n");
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn collect_is_sorted_and_skips_hidden_dirs() {
        let dir = tempfile::tempdir().unwrap();
        for d in ["b", ".git", "a"] {
            std::fs::create_dir(dir.path().join(d)).unwrap();
            std::fs::write(dir.path().join(d).join("x.hcl"), "").unwrap();
        }
        std::fs::write(dir.path().join("top.cmek.hcl"), "").unwrap();
        std::fs::write(dir.path().join("notes.md"), "").unwrap();
        let flat = collect(&[dir.path().to_path_buf()], false).unwrap();
        assert_eq!(flat, vec![dir.path().join("top.cmek.hcl")]);
        let deep = collect(&[dir.path().to_path_buf()], true).unwrap();
        assert_eq!(
            deep,
            vec![
                dir.path().join("a/x.hcl"),
                dir.path().join("b/x.hcl"),
                dir.path().join("top.cmek.hcl"),
            ]
        );
    }
}
