//! The source map: every file diagnostics can point into, with its text and a line index.
//!
//! Files are added once and addressed by [`FileId`]. Pseudo-files (the command line, the
//! environment) can be added too, so that every diagnostic — even one about a `--var` value —
//! has a file, line and column. Ranges registered with [`SourceMap::redact`] are never shown by
//! the renderers (they replace them with `***REDACTED***`).

use std::ops::Range;

use super::redact;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// One file: its display name (relative to the config directory where possible), its text and
/// the byte offsets at which its lines start.
#[derive(Debug, Clone)]
pub struct SourceFile {
    name: String,
    text: String,
    line_starts: Vec<usize>,
    redactions: Vec<Range<usize>>,
}

impl SourceFile {
    fn new(name: String, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        let redactions = redact::find_secrets(&text);
        SourceFile {
            name,
            text,
            line_starts,
            redactions,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Byte ranges that renderers must never show, sorted by start.
    pub fn redactions(&self) -> &[Range<usize>] {
        &self.redactions
    }

    /// Number of lines (a file without a final newline still counts its last line).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 0-based line index of a byte offset (clamped to the text).
    pub fn line_index(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// The byte range of 0-based line `index`, without its line terminator.
    pub fn line_range(&self, index: usize) -> Range<usize> {
        let start = self
            .line_starts
            .get(index)
            .copied()
            .unwrap_or(self.text.len());
        let mut end = self
            .line_starts
            .get(index + 1)
            .map(|s| s.saturating_sub(1))
            .unwrap_or(self.text.len());
        if end > start && self.text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        start..end.max(start)
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let line = self.line_index(offset);
        let start = self.line_starts.get(line).copied().unwrap_or(0).min(offset);
        let col = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        (to_u32(line + 1), to_u32(col + 1))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The largest char boundary `<= offset`.
pub fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut o = offset.min(text.len());
    while o > 0 && !text.is_char_boundary(o) {
        o -= 1;
    }
    o
}

/// All files known to a run.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        SourceMap::default()
    }

    /// Adds a file; secrets in `text` are registered for redaction right away.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let id = FileId(to_u32(self.files.len()));
        self.files.push(SourceFile::new(name.into(), text.into()));
        id
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(to_u32(i)), f))
    }

    /// Marks `range` of `file` as secret: renderers replace it with `***REDACTED***`.
    pub fn redact(&mut self, file: FileId, range: Range<usize>) {
        if let Some(f) = self.files.get_mut(file.0 as usize) {
            let range = range.start.min(f.text.len())..range.end.min(f.text.len());
            if range.is_empty() {
                return;
            }
            f.redactions.push(range);
            f.redactions.sort_by_key(|r| (r.start, r.end));
        }
    }

    /// The `name:line:col` of an offset, for messages.
    pub fn location(&self, file: FileId, offset: usize) -> String {
        match self.get(file) {
            Some(f) => {
                let (l, c) = f.line_col(offset);
                format!("{}:{l}:{c}", f.name)
            }
            None => String::from("<unknown>"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let mut sm = SourceMap::new();
        let id = sm.add("a.hcl", "ab\nçd = 1\r\nlast");
        let f = sm.get(id).unwrap();
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        // 'd' after a two-byte char is column 2
        assert_eq!(f.line_col(5), (2, 2));
        assert_eq!(f.line_col(12), (3, 1));
        assert_eq!(&f.text()[f.line_range(1)], "çd = 1");
        assert_eq!(f.line_col(10_000), (3, 5));
        assert_eq!(f.line_count(), 3);
    }

    #[test]
    fn registers_secrets() {
        let mut sm = SourceMap::new();
        let id = sm.add("a.hcl", "k = \"sk-ant-admin01-abcDEF_123\"\n");
        assert_eq!(sm.get(id).unwrap().redactions().len(), 1);
        sm.redact(id, 0..1);
        assert_eq!(sm.get(id).unwrap().redactions()[0], 0..1);
    }
}
