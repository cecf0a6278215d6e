//! Input variables: declarations (`variable "x" { default, type, description, sensitive }`)
//! and their values.
//!
//! Root values come from, lowest precedence first: the default, the environment
//! (`CMEK_VAR_<name>`), `--var-file` files in the order given (HCL `name = value` or a JSON
//! object), and `--var name=value` in the order given — Terraform's order. Module values come
//! from the `module` block's inputs. A variable with no value at all is an error at its
//! declaration. Command-line and environment values live in pseudo-files (`<command line>`,
//! `<environment>`) of the source map, so their diagnostics have a line and column too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use hcl::Value;
use hcl::eval::{Context, Evaluate};
use hcl_edit::Span as _;

use super::config::{ModuleDecls, span_of};
use super::types::{self, TypeConstraint};
use crate::diag::suggest;
use crate::diag::{Diagnostic, Diagnostics, FileId, SourceMap, Span};

/// Prefix of environment variables that set spec variables.
pub const ENV_PREFIX: &str = "CMEK_VAR_";

/// Resolved variable values of one module instance.
#[derive(Debug, Default, Clone)]
pub struct VarValues {
    pub values: BTreeMap<String, Value>,
    /// Variables whose value could not be determined (already reported); references to them
    /// fail silently instead of cascading.
    pub failed: BTreeSet<String>,
}

/// Where root variable values come from (see the module docs for precedence).
#[derive(Debug, Clone, Default)]
pub struct VarSources {
    /// `name=value` strings as given to `--var`.
    pub vars: Vec<String>,
    pub var_files: Vec<PathBuf>,
    /// The environment; `None` reads the process environment.
    pub env: Option<Vec<(String, String)>>,
}

/// A value for a module input, as evaluated in the calling module.
#[derive(Debug, Clone)]
pub enum InputValue {
    Value(Value, Span),
    Failed,
}

/// A declared variable after its `type` and `default` were read.
struct VarDef {
    ty: Option<TypeConstraint>,
    default: Option<Value>,
    header: Span,
    failed: bool,
}

/// A raw value with where it was written.
enum Raw {
    /// Text from the command line or environment: a string unless the type says otherwise.
    Text(String),
    Value(Value),
}

/// Evaluates an expression that may use functions but no references.
pub fn eval_literal(expr: &hcl_edit::expr::Expression, ctx: &Context) -> Result<Value, String> {
    let scan = super::scan::scan(expr);
    if let Some(r) = scan.refs.first() {
        return Err(format!(
            "`{}` cannot be used here: only literal values and functions are allowed",
            r.parts.join(".")
        ));
    }
    let e: hcl::Expression = expr.clone().into();
    e.evaluate(ctx).map_err(|e| e.kind().to_string())
}

fn definitions(
    decls: &ModuleDecls,
    ctx: &Context,
    diags: &mut Diagnostics,
) -> BTreeMap<String, VarDef> {
    let mut out = BTreeMap::new();
    for (name, decl) in &decls.variables {
        let mut failed = false;
        let body = &decl.block.body;
        let ty = match body.get_attribute("type") {
            Some(a) => match types::parse(&a.value) {
                Ok(t) => Some(t),
                Err(msg) => {
                    diags.push(
                        Diagnostic::error(
                            "spec::invalid-type",
                            format!("invalid type for variable `{name}`: {msg}"),
                        )
                        .at(span_of(decl.file, a.value.span()), "not a type"),
                    );
                    failed = true;
                    None
                }
            },
            None => None,
        };
        let default = match body.get_attribute("default") {
            Some(a) => match eval_literal(&a.value, ctx) {
                Ok(v) => match &ty {
                    Some(t) => match types::convert(v, t) {
                        Ok(v) => Some(v),
                        Err(msg) => {
                            diags.push(
                                Diagnostic::error(
                                    "spec::wrong-type",
                                    format!("default of variable `{name}` does not match its type `{t}`: {msg}"),
                                )
                                .at(span_of(decl.file, a.value.span()), format!("not a {t}")),
                            );
                            failed = true;
                            None
                        }
                    },
                    None => Some(v),
                },
                Err(msg) => {
                    diags.push(
                        Diagnostic::error(
                            "spec::invalid-default",
                            format!("cannot evaluate the default of variable `{name}`: {msg}"),
                        )
                        .at(span_of(decl.file, a.value.span()), "here"),
                    );
                    failed = true;
                    None
                }
            },
            None => None,
        };
        out.insert(
            name.clone(),
            VarDef {
                ty,
                default,
                header: decl.header_span(),
                failed,
            },
        );
    }
    out
}

/// Converts a raw value to the variable's type; pushes a diagnostic at `span` on failure.
fn finish(
    name: &str,
    def: &VarDef,
    raw: Raw,
    span: &Span,
    ctx: &Context,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let value = match raw {
        Raw::Value(v) => v,
        Raw::Text(t) => {
            match &def.ty {
                None | Some(TypeConstraint::String) | Some(TypeConstraint::Any) => Value::String(t),
                Some(ty) => {
                    match hcl_edit::parser::parse_expr(&t)
                        .map_err(|e| e.message().to_string())
                        .and_then(|e| eval_literal(&e, ctx))
                    {
                        Ok(v) => v,
                        Err(msg) => {
                            diags.push(
                            Diagnostic::error(
                                "spec::wrong-type",
                                format!("cannot read the value of variable `{name}` as `{ty}`: {msg}"),
                            )
                            .at(span.clone(), format!("expected {ty}"))
                            .with_label(def.header.clone(), "variable declared here"),
                        );
                            return None;
                        }
                    }
                }
            }
        }
    };
    match &def.ty {
        Some(ty) => match types::convert(value, ty) {
            Ok(v) => Some(v),
            Err(msg) => {
                diags.push(
                    Diagnostic::error(
                        "spec::wrong-type",
                        format!("value of variable `{name}` does not match its type `{ty}`: {msg}"),
                    )
                    .at(span.clone(), format!("expected {ty}"))
                    .with_label(def.header.clone(), "variable declared here"),
                );
                None
            }
        },
        None => Some(value),
    }
}

fn missing(name: &str, def: &VarDef, diags: &mut Diagnostics) {
    diags.push(
        Diagnostic::error("spec::missing-variable", format!("variable `{name}` has no value"))
            .at(def.header.clone(), "declared here without a default")
            .with_help(format!(
                "pass `--var {name}=VALUE`, set `{ENV_PREFIX}{name}`, put `{name} = ...` in a `--var-file`, or give it a `default`"
            )),
    );
}

/// Resolves the root module's variables from defaults and the given sources.
pub fn resolve_root(
    decls: &ModuleDecls,
    src: &VarSources,
    ctx: &Context,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> VarValues {
    let defs = definitions(decls, ctx, diags);
    let names: Vec<&str> = defs.keys().map(String::as_str).collect();
    let mut chosen: BTreeMap<String, (Raw, Span)> = BTreeMap::new();

    // Environment.
    let env: Vec<(String, String)> = match &src.env {
        Some(e) => e.clone(),
        None => std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect(),
    };
    let mut env: Vec<(String, String)> = env
        .into_iter()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix(ENV_PREFIX)?.to_string();
            defs.contains_key(&name).then_some((name, v))
        })
        .collect();
    env.sort();
    if !env.is_empty() {
        let mut text = String::new();
        let mut spans = Vec::new();
        for (name, value) in &env {
            let start = text.len() + ENV_PREFIX.len() + name.len() + 1;
            text.push_str(&format!("{ENV_PREFIX}{name}={value}\n"));
            spans.push((name.clone(), value.clone(), start..start + value.len()));
        }
        let id = sources.add("<environment>", text);
        for (name, value, range) in spans {
            chosen.insert(name, (Raw::Text(value), Span::new(id, range)));
        }
    }

    // Var files.
    for path in &src.var_files {
        let display = path.display().to_string();
        let Some(id) = super::files::read_text(path, &display, sources, diags, None) else {
            continue;
        };
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let entries = if is_json {
            var_file_json(id, sources, diags)
        } else {
            var_file_hcl(id, ctx, sources, diags)
        };
        for (name, value, span, name_span) in entries {
            if defs.contains_key(&name) {
                chosen.insert(name, (Raw::Value(value), span));
            } else {
                diags.push(
                    Diagnostic::warning(
                        "spec::unknown-variable",
                        format!("`{display}` sets `{name}`, but no variable `{name}` is declared"),
                    )
                    .at(name_span, "not declared")
                    .with_help_opt(suggest::hint(&name, names.iter().copied())),
                );
            }
        }
    }

    // --var.
    if !src.vars.is_empty() {
        let mut text = String::new();
        let mut parsed = Vec::new();
        for raw in &src.vars {
            let line_start = text.len() + "--var ".len();
            text.push_str(&format!("--var {}\n", raw.replace('\n', " ")));
            parsed.push((line_start, raw.replace('\n', " ")));
        }
        let id = sources.add("<command line>", text);
        for (start, raw) in parsed {
            let Some((name, value)) = raw.split_once('=') else {
                diags.push(
                    Diagnostic::error("spec::invalid-var", "`--var` needs the form NAME=VALUE")
                        .at(Span::new(id, start..start + raw.len()), "no `=` here"),
                );
                continue;
            };
            let name_span = Span::new(id, start..start + name.len());
            let vstart = start + name.len() + 1;
            let value_span = Span::new(id, vstart..vstart + value.len());
            let name = name.trim();
            if !defs.contains_key(name) {
                diags.push(
                    Diagnostic::error(
                        "spec::unknown-variable",
                        format!("`--var` sets `{name}`, but no variable `{name}` is declared"),
                    )
                    .at(name_span, "not declared")
                    .with_help_opt(suggest::hint(name, names.iter().copied())),
                );
                continue;
            }
            chosen.insert(name.to_string(), (Raw::Text(value.to_string()), value_span));
        }
    }

    let mut out = VarValues::default();
    for (name, def) in &defs {
        if def.failed {
            out.failed.insert(name.clone());
            continue;
        }
        let value = match chosen.remove(name) {
            Some((raw, span)) => finish(name, def, raw, &span, ctx, diags),
            None => match &def.default {
                Some(v) => Some(v.clone()),
                None => {
                    missing(name, def, diags);
                    None
                }
            },
        };
        match value {
            Some(v) => {
                out.values.insert(name.clone(), v);
            }
            None => {
                out.failed.insert(name.clone());
            }
        }
    }
    out
}

/// `(name, value, value span, name span)` per entry.
type VarEntry = (String, Value, Span, Span);

fn var_file_hcl(
    id: FileId,
    ctx: &Context,
    sources: &SourceMap,
    diags: &mut Diagnostics,
) -> Vec<VarEntry> {
    let Some(body) = super::parse::parse_file(id, sources, diags) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for s in body.iter() {
        match s {
            hcl_edit::structure::Structure::Attribute(a) => {
                let span = span_of(id, a.value.span());
                match eval_literal(&a.value, ctx) {
                    Ok(v) => out.push((
                        a.key.as_str().to_string(),
                        v,
                        span,
                        span_of(id, a.key.span()),
                    )),
                    Err(msg) => diags.push(
                        Diagnostic::error(
                            "spec::invalid-var-file",
                            format!("cannot evaluate `{}`: {msg}", a.key.as_str()),
                        )
                        .at(span, "here"),
                    ),
                }
            }
            hcl_edit::structure::Structure::Block(b) => diags.push(
                Diagnostic::error(
                    "spec::invalid-var-file",
                    "variable files hold only `name = value` lines",
                )
                .at(span_of(id, b.ident.span()), "blocks are not allowed here"),
            ),
        }
    }
    out
}

fn var_file_json(id: FileId, sources: &SourceMap, diags: &mut Diagnostics) -> Vec<VarEntry> {
    let Some(f) = sources.get(id) else {
        return Vec::new();
    };
    let text = f.text();
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text) {
        Ok(map) => {
            let mut out = Vec::new();
            for (k, v) in map {
                let needle = format!("\"{k}\"");
                let start = text.find(&needle).unwrap_or(0);
                let span = Span::new(id, start..start + needle.len());
                match serde_json::from_value::<Value>(v) {
                    Ok(v) => out.push((k, v, span.clone(), span)),
                    Err(e) => diags.push(
                        Diagnostic::error(
                            "spec::invalid-var-file",
                            format!("cannot read `{k}`: {e}"),
                        )
                        .at(span, "here"),
                    ),
                }
            }
            out
        }
        Err(e) => {
            let offset = offset_of(f, e.line(), e.column());
            diags.push(
                Diagnostic::error(
                    "spec::invalid-var-file",
                    format!("invalid JSON variable file: {e}"),
                )
                .at(Span::new(id, offset..offset), "here")
                .with_help("a JSON variable file is one object: {\"name\": value, ...}"),
            );
            Vec::new()
        }
    }
}

/// Byte offset of a 1-based line and column (as serde_json reports them).
pub fn offset_of(f: &crate::diag::SourceFile, line: usize, column: usize) -> usize {
    let r = f.line_range(line.saturating_sub(1));
    let text = &f.text()[r.clone()];
    let col = text
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i);
    r.start + col
}

/// Resolves a module instance's variables from the calling `module` block's inputs.
pub fn resolve_module(
    decls: &ModuleDecls,
    module_name: &str,
    module_header: &Span,
    inputs: BTreeMap<String, (InputValue, Span)>,
    ctx: &Context,
    diags: &mut Diagnostics,
) -> VarValues {
    let defs = definitions(decls, ctx, diags);
    let names: Vec<&str> = defs.keys().map(String::as_str).collect();
    let mut out = VarValues::default();
    let mut given: BTreeMap<String, InputValue> = BTreeMap::new();
    let mut meant: BTreeSet<String> = BTreeSet::new();
    for (name, (value, key_span)) in inputs {
        if !defs.contains_key(&name) {
            if let Some(m) = suggest::did_you_mean(&name, names.iter().copied()) {
                meant.insert(m);
            }
            diags.push(
                Diagnostic::error(
                    "spec::unknown-module-input",
                    format!("module `{module_name}` has no variable `{name}`"),
                )
                .at(key_span, "not an input of this module")
                .with_help_opt(
                    suggest::hint(&name, names.iter().copied()).or_else(|| {
                        (!names.is_empty()).then(|| format!("its inputs are: {}", names.join(", ")))
                    }),
                ),
            );
            continue;
        }
        given.insert(name, value);
    }
    for (name, def) in &defs {
        if def.failed {
            out.failed.insert(name.clone());
            continue;
        }
        let value = match given.remove(name) {
            Some(InputValue::Failed) => None,
            Some(InputValue::Value(v, span)) => finish(name, def, Raw::Value(v), &span, ctx, diags),
            None => match &def.default {
                Some(v) => Some(v.clone()),
                // Misspelled as an unknown input: reported there, with the suggestion.
                None if meant.contains(name) => None,
                None => {
                    diags.push(
                        Diagnostic::error(
                            "spec::missing-module-input",
                            format!("module `{module_name}` needs a value for `{name}`"),
                        )
                        .at(module_header.clone(), format!("`{name}` is missing"))
                        .with_label(def.header.clone(), "declared here without a default")
                        .with_help(format!("add `{name} = ...` to the module block")),
                    );
                    None
                }
            },
        };
        match value {
            Some(v) => {
                out.values.insert(name.clone(), v);
            }
            None => {
                out.failed.insert(name.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::spec::LoadOptions;
    use crate::spec::model::KeyKind;
    use crate::spec::test_support::{ANTHROPIC, codes, load_files, load_files_with};

    fn spec() -> String {
        format!(
            "{ANTHROPIC}variable \"region\" {{\n  default = \"us-west-1\"\n}}\nkey \"aws\" \"k\" {{\n  region = var.region\n}}\n"
        )
    }

    fn region(r: crate::spec::LoadResult) -> String {
        assert!(!r.has_errors(), "{:?}", codes(&r));
        let d = r.desired.unwrap();
        let KeyKind::Aws(a) = &d.keys.values().next().unwrap().kind else {
            panic!()
        };
        a.region.clone()
    }

    #[test]
    fn precedence_default_env_file_var() {
        let s = spec();
        let files = [
            ("main.hcl", s.as_str()),
            ("a.tfvars", "region = \"us-east-1\"\n"),
            ("b.json", "{\"region\": \"us-east-2\"}"),
        ];
        assert_eq!(region(load_files(&files)), "us-west-1");
        let env = Some(vec![(
            String::from("CMEK_VAR_region"),
            String::from("us-west-2"),
        )]);
        let with_env = LoadOptions {
            env: env.clone(),
            ..LoadOptions::default()
        };
        assert_eq!(region(load_files_with(&files, with_env)), "us-west-2");
        let with_file = LoadOptions {
            env: env.clone(),
            var_files: vec![PathBuf::from("a.tfvars")],
            ..LoadOptions::default()
        };
        assert_eq!(region(load_files_with(&files, with_file)), "us-east-1");
        let later_file = LoadOptions {
            env: env.clone(),
            var_files: vec![PathBuf::from("a.tfvars"), PathBuf::from("b.json")],
            ..LoadOptions::default()
        };
        assert_eq!(region(load_files_with(&files, later_file)), "us-east-2");
        let with_var = LoadOptions {
            env,
            var_files: vec![PathBuf::from("b.json")],
            vars: vec![
                String::from("region=us-west-2"),
                String::from("region=us-east-1"),
            ],
        };
        assert_eq!(region(load_files_with(&files, with_var)), "us-east-1");
    }

    #[test]
    fn bad_sources_are_located() {
        let s = spec();
        let files = [
            ("main.hcl", s.as_str()),
            ("bad.json", "{\"region\": }"),
            ("x.tfvars", "regoin = \"x\"\n"),
        ];
        let opts = LoadOptions {
            var_files: vec![PathBuf::from("bad.json"), PathBuf::from("x.tfvars")],
            vars: vec![String::from("nope"), String::from("regon=us-east-2")],
            ..LoadOptions::default()
        };
        let r = load_files_with(&files, opts);
        let c = codes(&r);
        assert!(c.contains(&"spec::invalid-var-file"), "{c:?}");
        assert!(c.contains(&"spec::invalid-var"), "{c:?}");
        assert!(c.contains(&"spec::unknown-variable"), "{c:?}");
        // The var-file typo is a warning, the --var typo an error.
        let warn = r
            .diagnostics
            .iter()
            .filter(|d| d.severity == crate::diag::Severity::Warning)
            .count();
        assert_eq!(warn, 1);
    }

    #[test]
    fn typed_values_from_text() {
        let s = format!(
            "{ANTHROPIC}variable \"days\" {{\n  type = number\n}}\nkey \"aws\" \"k\" {{\n  region = \"us-east-2\"\n  rotation_period_days = var.days\n}}\n"
        );
        let ok = LoadOptions {
            vars: vec![String::from("days=120")],
            ..LoadOptions::default()
        };
        assert!(!load_files_with(&[("main.hcl", &s)], ok).has_errors());
        let bad = LoadOptions {
            vars: vec![String::from("days=many")],
            ..LoadOptions::default()
        };
        let r = load_files_with(&[("main.hcl", &s)], bad);
        assert_eq!(codes(&r), ["spec::wrong-type"]);
    }
}
