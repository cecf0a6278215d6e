//! An independent census of the comments in HCL source text, used to prove that formatting
//! kept every comment (same texts, same order) before anything is written.
//!
//! It is a small scanner that skips quoted strings (with escapes and nested `${ }` / `%{ }`
//! sequences) and heredoc bodies, and collects `#`, `//` and `/* */` comments with surrounding
//! whitespace trimmed. It runs on input that hcl-edit has already parsed successfully.

/// The comments of `src`, in order, each trimmed (inner lines of block comments too).
pub(crate) fn census(src: &str) -> Vec<String> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => i = skip_string(b, i + 1),
            b'<' if b.get(i + 1) == Some(&b'<') => i = skip_heredoc(src, i),
            b'#' => i = line_comment(src, i, &mut out),
            b'/' if b.get(i + 1) == Some(&b'/') => i = line_comment(src, i, &mut out),
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = src[i + 2..].find("*/").map_or(src.len(), |p| i + 2 + p + 2);
                out.push(normalize(&src[i..end]));
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

fn normalize(comment: &str) -> String {
    comment
        .split('\n')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
}

fn line_comment(src: &str, i: usize, out: &mut Vec<String>) -> usize {
    let end = src[i..].find('\n').map_or(src.len(), |p| i + p);
    out.push(src[i..end].trim().to_string());
    end
}

/// Skips a quoted string starting after its opening quote; returns the index after the
/// closing quote. Template sequences may nest further strings.
fn skip_string(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'$' | b'%' if b.get(i + 1) == Some(&b'{') => i = skip_template_seq(b, i + 2),
            _ => i += 1,
        }
    }
    i
}

/// Skips the inside of `${ ... }` / `%{ ... }`; returns the index after the closing brace.
fn skip_template_seq(b: &[u8], mut i: usize) -> usize {
    let mut depth = 1;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i = skip_string(b, i + 1);
                continue;
            }
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// Skips a heredoc starting at `<<`; returns the index after its closing delimiter. Anything
/// that is not a heredoc opener (`a << b` cannot occur in HCL) is skipped by two bytes.
fn skip_heredoc(src: &str, i: usize) -> usize {
    let rest = &src[i + 2..];
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let ident_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    let ident = &rest[..ident_len];
    if ident.is_empty() {
        return i + 2;
    }
    let Some(body_start) = src[i..].find('\n').map(|p| i + p + 1) else {
        return src.len();
    };
    let mut pos = body_start;
    for line in src[body_start..].split_inclusive('\n') {
        let trimmed = line.trim();
        pos += line.len();
        if trimmed == ident {
            return pos - (line.len() - line.trim_end().len());
        }
    }
    src.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_comments_outside_strings_and_heredocs() {
        let src =
            "# a\nx = \"# not\" // b\ny = <<EOT\n# not\nEOT\nz = \"${ \"}\" }\" /* c\n   d */\n";
        assert_eq!(census(src), vec!["# a", "// b", "/* c\nd */"]);
    }
}
