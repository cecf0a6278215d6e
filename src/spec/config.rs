//! The structure pass over one module's files: which blocks are there, are they allowed, are
//! their labels and attribute names known, is anything declared twice, is a required attribute
//! missing. Produces [`ModuleDecls`] (blocks grouped by kind, not yet evaluated).
//!
//! Everything here is checked against the tables in [`super::schema`], so suggestions come
//! from the same data the type checker uses. All problems are collected; nothing stops early.

use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;

use hcl_edit::Span as _;
use hcl_edit::structure::{Attribute, Block, Body, Structure};

use super::files::SpecFile;
use super::schema::{self, BlockSchema, TopBlock};
use crate::address::{Cloud, is_valid_name};
use crate::diag::suggest;
use crate::diag::{Diagnostic, Diagnostics, FileId, SourceMap, Span};

/// A top-level block and where it came from.
#[derive(Debug, Clone)]
pub struct BlockDecl {
    pub file: FileId,
    /// Directory of the file (`file()` paths are relative to it).
    pub dir: Rc<Path>,
    pub block: Block,
    pub top: &'static TopBlock,
    pub schema: &'static BlockSchema,
}

pub fn span_of(file: FileId, s: Option<std::ops::Range<usize>>) -> Span {
    Span::new(file, s.unwrap_or(0..0))
}

impl BlockDecl {
    pub fn ident_span(&self) -> Span {
        span_of(self.file, self.block.ident.span())
    }

    pub fn label(&self, i: usize) -> Option<&str> {
        self.block.labels.get(i).map(|l| l.as_str())
    }

    pub fn label_span(&self, i: usize) -> Span {
        match self.block.labels.get(i) {
            Some(l) => span_of(self.file, l.span()),
            None => self.ident_span(),
        }
    }

    /// The span of the block header (identifier through the last label).
    pub fn header_span(&self) -> Span {
        let start = self.block.ident.span().map_or(0, |s| s.start);
        let end = self
            .block
            .labels
            .last()
            .and_then(|l| l.span())
            .or_else(|| self.block.ident.span())
            .map_or(start, |s| s.end);
        Span::new(self.file, start..end)
    }

    /// `key "aws" "prod"`, for messages.
    pub fn title(&self) -> String {
        title_of(&self.block)
    }
}

fn title_of(block: &Block) -> String {
    Title::Block(block).to_string()
}

/// How messages name the block being checked: `key "aws" "prod"`, or a nested block's
/// identifier. Written out only when a message needs it.
#[derive(Clone, Copy)]
enum Title<'a> {
    Block(&'a Block),
    Nested(&'a str),
}

impl std::fmt::Display for Title<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Title::Block(block) => {
                f.write_str(block.ident.as_str())?;
                for l in &block.labels {
                    write!(f, " \"{}\"", l.as_str())?;
                }
                Ok(())
            }
            Title::Nested(ident) => f.write_str(ident),
        }
    }
}

/// One `locals` entry.
#[derive(Debug, Clone)]
pub struct LocalDecl {
    pub file: FileId,
    pub dir: Rc<Path>,
    pub attr: Attribute,
}

/// The declarations of one module (the root config is a module too).
#[derive(Debug, Default)]
pub struct ModuleDecls {
    pub anthropic: Vec<BlockDecl>,
    pub backend: Vec<BlockDecl>,
    pub providers: BTreeMap<Cloud, BlockDecl>,
    pub variables: BTreeMap<String, BlockDecl>,
    pub locals: BTreeMap<String, LocalDecl>,
    pub keys: BTreeMap<(Cloud, String), BlockDecl>,
    pub external_keys: BTreeMap<String, BlockDecl>,
    pub workspaces: BTreeMap<String, BlockDecl>,
    pub removed: Vec<BlockDecl>,
    pub imports: Vec<BlockDecl>,
    pub modules: BTreeMap<String, BlockDecl>,
    pub outputs: BTreeMap<String, BlockDecl>,
    pub lint: Vec<BlockDecl>,
    /// The first file of the module, for problems that belong to no block.
    pub first_file: Option<FileId>,
}

impl ModuleDecls {
    pub fn key_names(&self, cloud: Cloud) -> impl Iterator<Item = &str> {
        self.keys
            .keys()
            .filter(move |(c, _)| *c == cloud)
            .map(|(_, n)| n.as_str())
    }
}

/// Runs the structure pass over parsed files.
pub fn collect(
    files: Vec<(SpecFile, Body)>,
    in_module: bool,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> ModuleDecls {
    let mut decls = ModuleDecls {
        first_file: files.first().map(|(f, _)| f.id),
        ..ModuleDecls::default()
    };
    let mut c = Collector {
        sources,
        diags,
        decls: &mut decls,
        in_module,
    };
    for (file, body) in files {
        for structure in body.into_iter() {
            match structure {
                Structure::Attribute(attr) => {
                    let name = attr.key.as_str().to_string();
                    c.diags.push(
                        Diagnostic::error(
                            "spec::top-level-attribute",
                            format!("attribute `{name}` is not allowed at the top level"),
                        )
                        .at(span_of(file.id, attr.key.span()), "not inside a block")
                        .with_help("put values in a `locals { ... }` block or inside the block they belong to"),
                    );
                }
                Structure::Block(block) => c.block(&file, block),
            }
        }
    }
    decls
}

struct Collector<'a> {
    sources: &'a mut SourceMap,
    diags: &'a mut Diagnostics,
    decls: &'a mut ModuleDecls,
    in_module: bool,
}

impl Collector<'_> {
    fn block(&mut self, file: &SpecFile, block: Block) {
        let ident = block.ident.as_str().to_string();
        let ident_span = span_of(file.id, block.ident.span());
        let Some(top) = schema::top_block(&ident) else {
            self.diags.push(
                Diagnostic::error(
                    "spec::unknown-block",
                    format!("unknown block type `{ident}`"),
                )
                .at(ident_span, "unknown block type")
                .with_help_opt(
                    suggest::hint(&ident, schema::top_block_names()).or_else(|| {
                        Some(format!(
                            "block types are: {}",
                            schema::top_block_names().collect::<Vec<_>>().join(", ")
                        ))
                    }),
                ),
            );
            return;
        };
        if self.in_module && !top.in_modules {
            self.diags.push(
                Diagnostic::error(
                    "spec::not-allowed-in-module",
                    format!("a module cannot contain a `{ident}` block"),
                )
                .at(ident_span, "only allowed in the root configuration")
                .with_help(format!(
                    "move the `{ident}` block to the root configuration"
                )),
            );
            return;
        }
        // Labels: count, then values.
        let want = top.labels.len();
        let got = block.labels.len();
        if got != want {
            let shape = if want == 0 {
                format!("`{ident}` blocks take no labels")
            } else {
                format!(
                    "`{ident}` blocks take {want} label{}: {}",
                    if want == 1 { "" } else { "s" },
                    top.labels
                        .iter()
                        .map(|l| format!("<{l}>"))
                        .collect::<Vec<_>>()
                        .join(" ")
                )
            };
            let example = match ident.as_str() {
                "key" => "key \"aws\" \"prod\" { ... }",
                "provider" => "provider \"aws\" { ... }",
                "backend" => "backend \"local\" { ... }",
                "anthropic" => "anthropic { ... }",
                "locals" => "locals { ... }",
                "removed" => "removed { from = workspace.legacy }",
                "import" => "import { to = key.aws.prod, id = \"...\" }",
                "lint" => "lint { ... }",
                _ => "",
            };
            let span = block
                .labels
                .get(want)
                .and_then(|l| l.span())
                .map_or(ident_span.clone(), |s| Span::new(file.id, s));
            self.diags.push(
                Diagnostic::error("spec::wrong-label-count", format!("{shape}, found {got}"))
                    .at(
                        span,
                        if got > want {
                            "unexpected label"
                        } else {
                            "labels missing"
                        },
                    )
                    .with_help_opt(
                        (!example.is_empty()).then(|| format!("write it like `{example}`")),
                    ),
            );
            return;
        }
        let first = block.labels.first().map(|l| l.as_str().to_string());
        let Some(body_schema) = top.schema_for(first.as_deref()) else {
            let values = top.first_label_values();
            let label_span = block
                .labels
                .first()
                .and_then(|l| l.span())
                .map_or(ident_span.clone(), |s| Span::new(file.id, s));
            let got = first.unwrap_or_default();
            self.diags.push(
                Diagnostic::error(
                    "spec::unknown-label",
                    format!(
                        "unknown {} `{got}` in `{ident}` block",
                        top.labels.first().unwrap_or(&"label")
                    ),
                )
                .at(
                    label_span,
                    format!("expected one of: {}", values.join(", ")),
                )
                .with_help_opt(suggest::hint(&got, values.iter().copied())),
            );
            return;
        };
        // Names must be usable in addresses.
        if let Some((i, l)) = block
            .labels
            .iter()
            .enumerate()
            .find(|(i, l)| top.labels.get(*i) == Some(&"name") && !is_valid_name(l.as_str()))
        {
            self.diags.push(
                Diagnostic::error(
                    "spec::invalid-name",
                    format!("`{}` is not a valid {} name", l.as_str(), ident),
                )
                .at(
                    span_of(file.id, block.labels.get(i).and_then(|l| l.span())),
                    "invalid name",
                )
                .with_help(
                    "names start with a letter or `_` and contain letters, digits, `_` and `-`",
                ),
            );
            return;
        }
        if (ident == "variable" || ident == "output")
            && let Some(l) = block.labels.first()
            && schema::is_secret_name(l.as_str())
        {
            self.diags
                .push(secret_name_diag(l.as_str(), span_of(file.id, l.span())));
        }
        let header_end = block
            .labels
            .last()
            .and_then(|l| l.span())
            .map_or(ident_span.range.end, |s| s.end);
        let header = Span::new(file.id, ident_span.range.start..header_end);
        self.body(file, &block.body, body_schema, Title::Block(&block), header);
        let decl = BlockDecl {
            file: file.id,
            dir: file.dir.clone(),
            block,
            top,
            schema: body_schema,
        };
        self.store(decl);
    }

    /// Checks a block body against its schema (recursively for nested blocks).
    fn body(
        &mut self,
        file: &SpecFile,
        body: &Body,
        sch: &'static BlockSchema,
        title: Title<'_>,
        header: Span,
    ) {
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for attr in body.attributes() {
            let name = attr.key.as_str();
            let key_span = span_of(file.id, attr.key.span());
            if schema::is_secret_name(name) {
                self.diags.push(secret_name_diag(name, key_span.clone()));
                if let Some(v) = attr.value.span() {
                    self.sources.redact(file.id, v);
                }
                continue;
            }
            if let Some(first) = seen.get(name) {
                self.diags.push(
                    Diagnostic::error(
                        "spec::duplicate-attribute",
                        format!("attribute `{name}` is set twice in {title}"),
                    )
                    .at(key_span.clone(), "set again here")
                    .with_label(first.clone(), "first set here"),
                );
                continue;
            }
            seen.insert(name, key_span.clone());
            if sch.open || sch.attr(name).is_some() {
                continue;
            }
            let help = suggest::hint(name, sch.attrs.iter().map(|a| a.name)).or_else(|| {
                Some(format!(
                    "{title} accepts: {}",
                    sch.attrs
                        .iter()
                        .map(|a| a.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            });
            let help = if sch.attrs.is_empty() { None } else { help };
            let mut d = Diagnostic::error(
                "spec::unknown-attribute",
                format!("unknown attribute `{name}` in {title}"),
            )
            .at(key_span, "unknown attribute")
            .with_help_opt(help);
            if sch.nested(name).is_some() {
                d = d.with_note(format!("`{name}` is a block: write `{name} {{ ... }}`"));
            }
            self.diags.push(d);
        }
        let mut nested_counts: BTreeMap<&str, usize> = BTreeMap::new();
        for block in body.blocks() {
            let ident = block.ident.as_str();
            let span = span_of(file.id, block.ident.span());
            let Some(nb) = sch.nested(ident) else {
                let is_attr = sch.attr(ident).is_some();
                let help = if is_attr {
                    Some(format!("`{ident}` is an attribute: write `{ident} = ...`"))
                } else {
                    suggest::hint(ident, sch.blocks.iter().map(|b| b.ident))
                };
                self.diags.push(
                    Diagnostic::error(
                        "spec::unknown-block",
                        format!("unknown block `{ident}` in {title}"),
                    )
                    .at(span, "unknown block")
                    .with_help_opt(help),
                );
                continue;
            };
            let n = nested_counts.entry(nb.ident).or_default();
            *n += 1;
            if let Some(max) = nb.max
                && *n > max
            {
                self.diags.push(
                    Diagnostic::error(
                        "spec::duplicate-block",
                        format!("{title} takes at most {max} `{ident}` block"),
                    )
                    .at(span.clone(), "extra block"),
                );
            }
            if !block.labels.is_empty() {
                self.diags.push(
                    Diagnostic::error(
                        "spec::wrong-label-count",
                        format!("`{ident}` blocks take no labels"),
                    )
                    .at(span.clone(), "labels not allowed"),
                );
            }
            self.body(file, &block.body, nb.schema, Title::Nested(ident), span);
        }
        // A misspelled attribute was already reported with a suggestion; do not also report
        // the attribute it was meant to be as missing.
        let meant: Vec<String> = seen
            .keys()
            .filter(|n| !sch.open && sch.attr(n).is_none())
            .filter_map(|n| suggest::did_you_mean(n, sch.attrs.iter().map(|a| a.name)))
            .collect();
        for a in sch.attrs.iter().filter(|a| a.required) {
            if !seen.contains_key(a.name) && !meant.iter().any(|m| m == a.name) {
                self.diags.push(
                    Diagnostic::error(
                        "spec::missing-attribute",
                        format!("{title} is missing required attribute `{}`", a.name),
                    )
                    .at(header.clone(), format!("`{}` is required here", a.name))
                    .with_help(format!(
                        "add `{} = <{}>`",
                        a.name,
                        a.ty.describe()
                    )),
                );
            }
        }
    }

    fn duplicate(diags: &mut Diagnostics, what: String, new: Span, first: Span) {
        diags.push(
            Diagnostic::error("spec::duplicate-block", format!("{what} is declared twice"))
                .at(new, "declared again here")
                .with_label(first, "first declared here")
                .with_help("block names must be unique; rename or remove one of them"),
        );
    }

    fn store(&mut self, decl: BlockDecl) {
        let header = decl.header_span();
        let d = &mut *self.decls;
        let name = decl.label(0).unwrap_or_default().to_string();
        let existing = match decl.top.ident {
            "anthropic" => {
                if let Some(first) = d.anthropic.first() {
                    let first = first.header_span();
                    self.diags.push(
                        Diagnostic::error(
                            "spec::duplicate-anthropic",
                            "there must be exactly one `anthropic` block",
                        )
                        .at(header, "second `anthropic` block")
                        .with_label(first, "first declared here")
                        .with_help("merge the two blocks into one"),
                    );
                }
                d.anthropic.push(decl);
                return;
            }
            "backend" => {
                if let Some(first) = d.backend.first() {
                    let first = first.header_span();
                    self.diags.push(
                        Diagnostic::error(
                            "spec::duplicate-backend",
                            "there can be at most one `backend` block",
                        )
                        .at(header, "second backend")
                        .with_label(first, "first declared here"),
                    );
                }
                d.backend.push(decl);
                return;
            }
            "removed" => {
                d.removed.push(decl);
                return;
            }
            "import" => {
                d.imports.push(decl);
                return;
            }
            "lint" => {
                d.lint.push(decl);
                return;
            }
            "locals" => {
                for attr in decl.block.body.attributes() {
                    let local = attr.key.as_str().to_string();
                    let span = span_of(decl.file, attr.key.span());
                    if schema::is_secret_name(&local) {
                        continue; // already reported by the body check
                    }
                    if let Some(first) = d.locals.get(&local) {
                        let first = span_of(first.file, first.attr.key.span());
                        Self::duplicate(self.diags, format!("local `{local}`"), span, first);
                        continue;
                    }
                    d.locals.insert(
                        local,
                        LocalDecl {
                            file: decl.file,
                            dir: decl.dir.clone(),
                            attr: attr.clone(),
                        },
                    );
                }
                return;
            }
            "provider" => {
                let Ok(cloud) = name.parse::<Cloud>() else {
                    return;
                };
                match d.providers.get(&cloud) {
                    Some(first) => Some((first.header_span(), decl.title())),
                    None => {
                        d.providers.insert(cloud, decl);
                        None
                    }
                }
            }
            "key" => {
                let Ok(cloud) = name.parse::<Cloud>() else {
                    return;
                };
                let key_name = decl.label(1).unwrap_or_default().to_string();
                let k = (cloud, key_name);
                match d.keys.get(&k) {
                    Some(first) => Some((first.header_span(), decl.title())),
                    None => {
                        d.keys.insert(k, decl);
                        None
                    }
                }
            }
            other => {
                let map = match other {
                    "variable" => &mut d.variables,
                    "external_key" => &mut d.external_keys,
                    "workspace" => &mut d.workspaces,
                    "module" => &mut d.modules,
                    "output" => &mut d.outputs,
                    _ => return,
                };
                match map.get(&name) {
                    Some(first) => Some((first.header_span(), decl.title())),
                    None => {
                        map.insert(name, decl);
                        None
                    }
                }
            }
        };
        if let Some((first, title)) = existing {
            Self::duplicate(self.diags, title, header, first);
        }
    }
}

/// The error for an attribute (or variable, local, output) whose name says it holds an API key.
pub fn secret_name_diag(name: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        "spec::secret-attribute",
        format!("`{name}` would hold an Anthropic admin API key; a spec must never contain one"),
    )
    .at(span, "secrets do not belong in a spec")
    .with_help(
        "remove it; put the key in an environment variable and name that variable with `api_key_env` in the `anthropic` block",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str, in_module: bool) -> (ModuleDecls, Diagnostics) {
        let mut sm = SourceMap::new();
        let id = sm.add("main.hcl", src);
        let mut ds = Diagnostics::new();
        let body = super::super::parse::parse_file(id, &sm, &mut ds).unwrap();
        let f = SpecFile {
            id,
            dir: Rc::from(Path::new(".")),
        };
        let d = collect(vec![(f, body)], in_module, &mut sm, &mut ds);
        (d, ds)
    }

    fn codes(ds: &Diagnostics) -> Vec<&str> {
        ds.iter().map(|d| d.code.as_str()).collect()
    }

    #[test]
    fn groups_blocks() {
        let (d, ds) = run(
            r#"
            anthropic { organization_uuid = "x" }
            key "aws" "a" { region = "us-east-2" }
            key "gcp" "a" {
              location = "us-east5"
              key_ring = "r"
              name = "n"
            }
            locals { x = 1 }
            workspace "w" { id = "wrkspc_1" }
            "#,
            false,
        );
        assert!(ds.is_empty(), "{ds:?}");
        assert_eq!(d.keys.len(), 2);
        assert_eq!(d.locals.len(), 1);
        assert_eq!(d.workspaces.len(), 1);
    }

    #[test]
    fn reports_structure_problems() {
        let (_, ds) = run(
            r#"
            keys "aws" "a" {}
            key "aws2" "b" {}
            key "aws" "c" { regoin = "x" }
            key "aws" "c" {}
            workspace "w" {}
            x = 1
            "#,
            false,
        );
        assert_eq!(
            codes(&ds),
            [
                "spec::unknown-block",
                "spec::unknown-label",
                "spec::unknown-attribute",
                "spec::duplicate-block",
                "spec::missing-attribute",
                "spec::top-level-attribute",
            ]
        );
        let unknown = ds
            .iter()
            .find(|d| d.code == "spec::unknown-attribute")
            .unwrap();
        assert_eq!(unknown.help.as_deref(), Some("did you mean `region`?"));
    }

    #[test]
    fn module_restrictions_and_secrets() {
        let (_, ds) = run(
            "anthropic {\n organization_uuid = \"x\"\n api_key = \"abc\"\n}\n",
            true,
        );
        assert_eq!(codes(&ds), ["spec::not-allowed-in-module"]);
        let (_, ds) = run(
            "anthropic {\n organization_uuid = \"x\"\n api_key = \"abc\"\n}\n",
            false,
        );
        assert_eq!(codes(&ds), ["spec::secret-attribute"]);
    }
}
