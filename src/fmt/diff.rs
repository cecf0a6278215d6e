//! Unified diffs between a file and its formatted form, for `cmek fmt --check` / `--diff`.

use similar::TextDiff;

/// A unified diff with `--- a/<path>` / `+++ b/<path>` headers and 3 lines of context; empty
/// when the texts are equal. A leading `./` or `/` of `path` is dropped from the headers.
pub fn unified_diff(path: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    let path = path.trim_start_matches("./").trim_start_matches('/');
    TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}
