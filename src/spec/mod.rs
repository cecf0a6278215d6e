//! `spec/`: HCL files -> the typed [`model::Desired`] model, with located diagnostics.
//!
//! Entry point: [`load`]. The pipeline, one module per step:
//! [`files`] (discover and read) -> [`parse`] (hcl-edit, spans) -> [`config`] (structure pass
//! against [`schema`]) -> [`variables`] (+ [`types`]) -> [`eval`] (locals, [`references`] found
//! by [`scan`], [`functions`], [`inline_files`], [`modules`], ordered by [`graph`]) ->
//! [`typecheck`] (+ [`rules`], [`secrets`]) -> `Desired`.
//! Every step collects all the problems it finds; nothing panics on any input.

pub mod config;
pub mod eval;
pub mod files;
pub mod functions;
pub mod graph;
pub mod imports;
pub mod inline_files;
pub mod literal;
pub mod model;
pub mod modules;
pub mod parse;
pub mod platform_rules;
pub mod references;
pub mod rules;
pub mod rules_aws_provider;
pub mod scan;
pub mod schema;
pub mod secrets;
pub mod typecheck;
pub mod types;
pub mod variables;

use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Diagnostics, SourceMap, Span};
pub use parse::parse_file;

/// Inputs besides the config directory.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `NAME=VALUE` strings as given to `--var`, in order (later wins).
    pub vars: Vec<String>,
    /// `--var-file` paths, in order (later wins; `--var` beats them all).
    pub var_files: Vec<PathBuf>,
    /// Environment variables to read `CMEK_VAR_*` from; `None` reads the process environment.
    pub env: Option<Vec<(String, String)>>,
}

/// The outcome of [`load`].
#[derive(Debug)]
pub struct LoadResult {
    /// `None` when any error was found.
    pub desired: Option<model::Desired>,
    /// Errors and warnings, sorted by location.
    pub diagnostics: Diagnostics,
    /// Every file read, for rendering the diagnostics.
    pub sources: SourceMap,
}

impl LoadResult {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.has_errors()
    }
}

/// Loads the config directory `dir`: every `*.hcl` file in it (sorted by name) plus the modules
/// they call, evaluated and type-checked into a [`model::Desired`].
pub fn load(dir: &Path, opts: &LoadOptions) -> LoadResult {
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    // A variable file kept in the config directory (`--var-file prod.vars.hcl`) is not config.
    let var_files: Vec<PathBuf> = opts
        .var_files
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    let files = files::discover(dir, "", &var_files, &mut sources, &mut diags);
    if files.is_empty() && diags.is_empty() {
        let id = files::placeholder(&mut sources, &dir.display().to_string());
        diags.push(
            Diagnostic::error(
                "spec::no-files",
                format!("no .hcl files in `{}`", dir.display()),
            )
            .at(Span::file_start(id), "empty configuration directory")
            .with_help(
                "run `cmek init` to write a starter configuration, or pass the config directory",
            ),
        );
    }
    let mut parsed = Vec::new();
    for f in files {
        if let Some(body) = parse::parse_file(f.id, &sources, &mut diags) {
            parsed.push((f, body));
        }
    }
    // Like Terraform: stop after syntax and file errors, since anything declared in a file
    // that could not be read would only produce follow-up errors.
    if diags.has_errors() {
        secrets::check_sources(&sources, &mut diags);
        return finish(None, diags, sources);
    }
    let decls = config::collect(parsed, false, &mut sources, &mut diags);
    let first_file = decls.first_file;
    let base = functions::base_context();
    let var_sources = variables::VarSources {
        vars: opts.vars.clone(),
        var_files: opts.var_files.clone(),
        env: opts.env.clone(),
    };
    let vars = variables::resolve_root(&decls, &var_sources, &base, &mut sources, &mut diags);
    let mut evaluator = eval::Evaluator {
        sources: &mut sources,
        diags: &mut diags,
        base,
        blocks: Vec::new(),
        root_providers: Default::default(),
    };
    evaluator.run(eval::Instance {
        path: Vec::new(),
        prefix: String::new(),
        ancestors: vec![modules::identity(dir)],
        decls,
        vars,
    });
    let blocks = std::mem::take(&mut evaluator.blocks);
    secrets::check_sources(&sources, &mut diags);
    let desired = typecheck::build(blocks, first_file, &sources, &mut diags);
    finish(desired, diags, sources)
}

fn finish(
    desired: Option<model::Desired>,
    mut diags: Diagnostics,
    sources: SourceMap,
) -> LoadResult {
    diags.sort_by_location();
    let desired = if diags.has_errors() { None } else { desired };
    LoadResult {
        desired,
        diagnostics: diags,
        sources,
    }
}

/// Helpers for the unit tests of the loader modules.
#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    pub const ANTHROPIC: &str =
        "anthropic {\n  organization_uuid = \"4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f\"\n}\n";

    /// Writes `files` (relative path, text) into a temp dir and loads it with no environment.
    pub fn load_files(files: &[(&str, &str)]) -> LoadResult {
        load_files_with(files, LoadOptions::default())
    }

    pub fn load_files_with(files: &[(&str, &str)], mut opts: LoadOptions) -> LoadResult {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        if opts.env.is_none() {
            opts.env = Some(Vec::new());
        }
        opts.var_files = opts.var_files.iter().map(|f| dir.path().join(f)).collect();
        load(dir.path(), &opts)
    }

    pub fn codes(r: &LoadResult) -> Vec<&str> {
        r.diagnostics.iter().map(|d| d.code.as_str()).collect()
    }
}
