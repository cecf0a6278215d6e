//! Module sources: resolving `source = "./modules/x"` to a directory, naming its files for
//! display relative to the root config, and guarding against modules that include themselves.

use std::path::{Component, Path, PathBuf};

/// Deepest module nesting accepted.
pub const MAX_DEPTH: usize = 16;

/// Why a module source cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceError {
    NotLocal,
    NotADirectory(String),
}

/// The directory a local module source names, relative to the calling module's directory.
pub fn resolve(caller_dir: &Path, source: &str) -> Result<PathBuf, SourceError> {
    if !(source.starts_with("./") || source.starts_with("../") || source == "." || source == "..") {
        return Err(SourceError::NotLocal);
    }
    let dir = caller_dir.join(source);
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(SourceError::NotADirectory(source.to_string()))
    }
}

/// The display prefix of a module's files: the caller's prefix joined with `source`,
/// normalized lexically (`""` + `./modules/x` -> `modules/x/`).
pub fn display_prefix(caller_prefix: &str, source: &str) -> String {
    let joined = format!("{caller_prefix}{source}");
    let mut parts: Vec<String> = Vec::new();
    for c in Path::new(&joined).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.last().is_some_and(|p| p != "..") {
                    parts.pop();
                } else {
                    parts.push(String::from(".."));
                }
            }
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::RootDir | Component::Prefix(_) => {}
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{}/", parts.join("/"))
    }
}

/// A key identifying a directory for recursion detection (canonical when possible).
pub fn identity(dir: &Path) -> PathBuf {
    dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(display_prefix("", "./modules/x"), "modules/x/");
        assert_eq!(display_prefix("modules/x/", "../y"), "modules/y/");
        assert_eq!(display_prefix("", "../shared"), "../shared/");
        assert_eq!(display_prefix("modules/x/", "./inner"), "modules/x/inner/");
    }

    #[test]
    fn only_local_sources() {
        assert_eq!(
            resolve(Path::new("."), "git::https://x"),
            Err(SourceError::NotLocal)
        );
        assert!(matches!(
            resolve(Path::new("."), "./definitely-missing"),
            Err(SourceError::NotADirectory(_))
        ));
    }
}
