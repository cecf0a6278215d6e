//! Source positions of statements in policy JSON text.
//!
//! serde_json gives no spans, and the span-carrying crates (`json-spanned-value`,
//! `serde_spanned`) either pull in a second JSON parser or need TOML-style wrappers in every
//! field. We only need where each statement starts and ends, so this is a small scanner that
//! runs *after* serde_json has accepted the text (so the input is well-formed and nesting is
//! within serde_json's recursion limit). It never panics: any surprise yields no spans.

/// Where a statement sits in the source text. Lines and columns are 1-based; the column
/// counts characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Span {
    /// Byte offset of the statement's opening `{`.
    pub start: usize,
    /// Byte offset just after its closing `}`.
    pub end: usize,
    pub line: usize,
    pub column: usize,
}

/// Spans of the elements of the top-level `"Statement"` value (one span when it is a single
/// object). Empty when the text has no such array or is not shaped as expected.
pub fn statement_spans(text: &str) -> Vec<Span> {
    let mut s = Scanner {
        b: text.as_bytes(),
        pos: 0,
    };
    let ranges = s.statement_ranges().unwrap_or_default();
    let mut locator = LineLocator::new(text);
    ranges
        .into_iter()
        .map(|(start, end)| {
            let (line, column) = locator.locate(start);
            Span {
                start,
                end,
                line,
                column,
            }
        })
        .collect()
}

/// Turns byte offsets into line:column, for offsets given in increasing order.
struct LineLocator<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
    line_start: usize,
}

impl<'a> LineLocator<'a> {
    fn new(text: &'a str) -> Self {
        LineLocator {
            text,
            offset: 0,
            line: 1,
            line_start: 0,
        }
    }

    fn locate(&mut self, target: usize) -> (usize, usize) {
        if target < self.offset {
            *self = LineLocator::new(self.text);
        }
        let bytes = self.text.as_bytes();
        while self.offset < target && self.offset < bytes.len() {
            if bytes[self.offset] == b'\n' {
                self.line += 1;
                self.line_start = self.offset + 1;
            }
            self.offset += 1;
        }
        let column = self
            .text
            .get(self.line_start..target)
            .map(|s| s.chars().count())
            .unwrap_or(0)
            + 1;
        (self.line, column)
    }
}

struct Scanner<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek()? == c).then(|| self.pos += 1)
    }

    /// Reads a string and returns its decoded value.
    fn string(&mut self) -> Option<String> {
        self.ws();
        let start = self.pos;
        if self.peek()? != b'"' {
            return None;
        }
        self.pos += 1;
        loop {
            match self.peek()? {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    break;
                }
                _ => self.pos += 1,
            }
        }
        let raw = std::str::from_utf8(self.b.get(start..self.pos)?).ok()?;
        serde_json::from_str(raw).ok()
    }

    fn value(&mut self) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'{' => {
                self.pos += 1;
                self.ws();
                if self.peek()? == b'}' {
                    self.pos += 1;
                    return Some(());
                }
                loop {
                    self.string()?;
                    self.eat(b':')?;
                    self.value()?;
                    self.ws();
                    match self.peek()? {
                        b',' => self.pos += 1,
                        b'}' => {
                            self.pos += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                self.ws();
                if self.peek()? == b']' {
                    self.pos += 1;
                    return Some(());
                }
                loop {
                    self.value()?;
                    self.ws();
                    match self.peek()? {
                        b',' => self.pos += 1,
                        b']' => {
                            self.pos += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'"' => self.string().map(|_| ()),
            _ => {
                while let Some(c) = self.peek() {
                    if matches!(c, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.pos += 1;
                }
                Some(())
            }
        }
    }

    fn statement_ranges(&mut self) -> Option<Vec<(usize, usize)>> {
        self.eat(b'{')?;
        let mut found = None;
        loop {
            self.ws();
            if self.peek()? == b'}' {
                break;
            }
            let key = self.string()?;
            self.eat(b':')?;
            self.ws();
            if key == "Statement" {
                // Last occurrence wins, as in serde_json.
                found = Some(self.element_ranges()?);
            } else {
                self.value()?;
            }
            self.ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => break,
                _ => return None,
            }
        }
        found
    }

    fn element_ranges(&mut self) -> Option<Vec<(usize, usize)>> {
        self.ws();
        let mut out = Vec::new();
        if self.peek()? == b'{' {
            let start = self.pos;
            self.value()?;
            out.push((start, self.pos));
            return Some(out);
        }
        if self.peek()? != b'[' {
            self.value()?;
            return Some(out);
        }
        self.pos += 1;
        self.ws();
        if self.peek()? == b']' {
            self.pos += 1;
            return Some(out);
        }
        loop {
            self.ws();
            let start = self.pos;
            self.value()?;
            out.push((start, self.pos));
            self.ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(out);
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::statement_spans;

    #[test]
    fn finds_each_statement() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Sid\": \"a\"},\n    {\"Sid\": \"b\", \"X\": [1, {\"y\": \"}\"}]}\n  ]\n}";
        let spans = statement_spans(text);
        assert_eq!(spans.len(), 2);
        assert_eq!((spans[0].line, spans[0].column), (4, 5));
        assert_eq!(&text[spans[0].start..spans[0].end], "{\"Sid\": \"a\"}");
        assert_eq!((spans[1].line, spans[1].column), (5, 5));
        assert!(text[spans[1].start..spans[1].end].ends_with("}]}"));
    }

    #[test]
    fn single_object_and_garbage() {
        assert_eq!(
            statement_spans("{\"Statement\": {\"Effect\": \"Allow\"}}").len(),
            1
        );
        assert!(statement_spans("[1,2").is_empty());
    }
}
