//! Parsing one file with `hcl-edit`, which keeps byte spans for every block, attribute and
//! expression (the evaluator later converts expressions to `hcl-rs` for evaluation).

use hcl_edit::structure::Body;

use crate::diag::{Diagnostic, Diagnostics, FileId, SourceMap, Span};

/// Parses the text of `file`; a syntax error becomes a located diagnostic and `None`.
pub fn parse_file(file: FileId, sources: &SourceMap, diags: &mut Diagnostics) -> Option<Body> {
    let text = sources.get(file)?.text();
    match hcl_edit::parser::parse_body(text) {
        Ok(body) => Some(body),
        Err(e) => {
            let offset = crate::diag::source::floor_char_boundary(text, e.location().offset());
            let at_end = text[offset..].trim().is_empty() || offset + 1 >= text.len();
            let end = (offset + 1).min(text.len());
            let mut d =
                Diagnostic::error("spec::syntax", format!("HCL syntax error: {}", e.message()))
                    .at(Span::new(file, offset..end), "here");
            if at_end {
                d = d.with_help(
                    "the file ended early: check for an unclosed `{`, `[`, `(` or string",
                );
            }
            diags.push(d);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_error_is_located() {
        let mut sm = SourceMap::new();
        let f = sm.add("a.hcl", "key \"aws\" \"x\" {\n  region = \n}\n");
        let mut ds = Diagnostics::new();
        assert!(parse_file(f, &sm, &mut ds).is_none());
        let d = ds.iter().next().unwrap();
        assert_eq!(d.code, "spec::syntax");
        assert!(d.primary.is_some());
    }

    #[test]
    fn error_after_multibyte_text_does_not_panic() {
        for src in ["x = \"é", "é", "key \"é\" {", "a = ${é"] {
            let mut sm = SourceMap::new();
            let f = sm.add("a.hcl", src);
            let mut ds = Diagnostics::new();
            let _ = parse_file(f, &sm, &mut ds);
        }
    }

    #[test]
    fn unclosed_brace_gets_hint() {
        let mut sm = SourceMap::new();
        let f = sm.add("a.hcl", "anthropic {\n  platform = \"x\"\n");
        let mut ds = Diagnostics::new();
        assert!(parse_file(f, &sm, &mut ds).is_none());
        assert!(ds.iter().next().unwrap().help.is_some());
    }
}
