//! A spec never holds an admin API key. Attribute names that say they hold one are caught by
//! the structure pass ([`super::config`]); this module catches the values: any text that looks
//! like an Anthropic key (`sk-ant-...`) in any input the loader read — spec files, module files,
//! `file()` targets, variable files, `--var` values and `CMEK_VAR_*` environment values.
//! The message never contains the value, and the source map redacts it when shown.

use crate::diag::redact::find_secrets;
use crate::diag::{Diagnostic, Diagnostics, SourceMap, Span};

/// Reports every secret-looking token in every file of the source map.
pub fn check_sources(sources: &SourceMap, diags: &mut Diagnostics) {
    for (id, file) in sources.files() {
        for range in find_secrets(file.text()) {
            diags.push(
                Diagnostic::error(
                    "spec::secret-literal",
                    "this looks like an Anthropic API key; a spec must never contain one",
                )
                .at(Span::new(id, range), "API key (redacted)")
                .with_help(
                    "remove it and rotate the key (it may already be in version control); set `api_key_env` in the `anthropic` block to the name of an environment variable that holds it",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_without_value() {
        let mut sm = SourceMap::new();
        sm.add("a.hcl", "x = \"sk-ant-admin01-abcdef\"\n");
        let mut ds = Diagnostics::new();
        check_sources(&sm, &mut ds);
        assert_eq!(ds.len(), 1);
        let d = ds.iter().next().unwrap();
        assert!(!format!("{d:?}").contains("abcdef"));
    }
}
