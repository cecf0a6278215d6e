//! `file("path")`: replaced by the file's contents before evaluation, so that the path is read
//! relative to the directory of the spec file that calls it and a missing or unreadable file is
//! reported at the call. (`hcl-rs` functions are plain `fn` pointers and cannot know either.)

use std::path::Path;

use hcl::Value;
use hcl::eval::{Context, Evaluate};
use hcl_edit::expr::Expression;
use hcl_edit::visit_mut::{self, VisitMut};
use hcl_edit::{Decorated, Span as _};

use super::modules;
use crate::diag::{Diagnostic, Diagnostics, FileId, SourceMap, Span};

/// Replaces `file("path")` calls by the file's contents (as a plain string, never a template),
/// reading paths relative to the directory of the file the call is written in.
pub(crate) struct FileInliner<'a, 'c> {
    pub(crate) ctx: &'a Context<'c>,
    pub(crate) dir: &'a Path,
    pub(crate) file: FileId,
    pub(crate) prefix: String,
    pub(crate) sources: &'a mut SourceMap,
    pub(crate) diags: &'a mut Diagnostics,
    pub(crate) loads: Vec<FileId>,
    pub(crate) failed: bool,
}

impl VisitMut for FileInliner<'_, '_> {
    fn visit_expr_mut(&mut self, node: &mut Expression) {
        if let Expression::FuncCall(call) = node
            && call.name.name.as_str() == "file"
            && !call.name.is_namespaced()
            && call.args.len() == 1
        {
            let span = Span::new(self.file, call.span().unwrap_or(0..0));
            let Some(arg) = call.args.iter().next().cloned() else {
                return;
            };
            let arg: hcl::Expression = arg.into();
            let path = match arg.evaluate(self.ctx) {
                Ok(Value::String(p)) => p,
                Ok(_) => {
                    self.diags.push(
                        Diagnostic::error("spec::wrong-type", "file() needs a string path")
                            .at(span, "not a string"),
                    );
                    self.failed = true;
                    return;
                }
                // Names bound by `for` are not known yet: leave the call, which then fails
                // with a clear message.
                Err(_) => return,
            };
            let full = self.dir.join(&path);
            let display = modules::display_prefix(&self.prefix, &path);
            let display = display.trim_end_matches('/').to_string();
            if !full.is_file() {
                self.diags.push(
                    Diagnostic::error("spec::file-not-found", format!("file() cannot find `{path}`"))
                        .at(span, "no such file")
                        .with_help(format!(
                            "paths are relative to the directory of the file that calls file() (looked for `{display}`)"
                        )),
                );
                self.failed = true;
                return;
            }
            match super::files::read_text(&full, &display, self.sources, self.diags, Some(span)) {
                Some(id) => {
                    let text = self
                        .sources
                        .get(id)
                        .map(|f| f.text().to_string())
                        .unwrap_or_default();
                    self.loads.push(id);
                    *node = Expression::String(Decorated::new(text));
                }
                None => self.failed = true,
            }
            return;
        }
        visit_mut::visit_expr_mut(self, node);
    }
}
