//! References between spec objects: the graph [`Node`]s (locals, keys, registrations,
//! workspaces, module calls, outputs, providers), what a reference depends on ([`Dep`]), and
//! resolving a scanned reference against a module's declarations — reporting unknown names at
//! their exact span with a "did you mean".

use std::fmt;

use super::config::ModuleDecls;
use super::eval::{REF_MARKER, ROOTS};
use super::scan::RefUse;
use super::schema::{self, BlockSchema};
use crate::address::Cloud;
use crate::diag::suggest;
use crate::diag::{Diagnostic, Diagnostics, FileId, Span};

/// A node of the dependency graph.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Node {
    Local(String),
    Key(Cloud, String),
    ExternalKey(String),
    Workspace(String),
    Module(String),
    Output(String),
    /// `provider "<cloud>"` (root only): keys fall back to its region / project / tenant.
    Provider(Cloud),
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Local(n) => write!(f, "local.{n}"),
            Node::Key(c, n) => write!(f, "key.{c}.{n}"),
            Node::ExternalKey(n) => write!(f, "external_key.{n}"),
            Node::Workspace(n) => write!(f, "workspace.{n}"),
            Node::Module(n) => write!(f, "module.{n}"),
            Node::Output(n) => write!(f, "output.{n}"),
            Node::Provider(c) => write!(f, "provider.{c}"),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Dep {
    Var(String),
    Node(Node),
}

/// Resolves a reference to what it depends on; reports unknown names.
pub(crate) fn resolve(
    d: &ModuleDecls,
    diags: &mut Diagnostics,
    file: FileId,
    r: &RefUse,
) -> Result<Option<Dep>, ()> {
    let root = r.parts[0].as_str();
    let sp = |n: usize| Span::new(file, r.span_through(n));
    let err =
        |diags: &mut Diagnostics, n: usize, msg: String, label: &str, help: Option<String>| {
            diags.push(
                Diagnostic::error("spec::unknown-reference", msg)
                    .at(sp(n), label)
                    .with_help_opt(help),
            );
            Err(())
        };
    let need = |diags: &mut Diagnostics, n: usize, example: &str| -> Result<(), ()> {
        if r.parts.len() > n {
            return Ok(());
        }
        diags.push(
            Diagnostic::error(
                "spec::incomplete-reference",
                format!("`{}` is not a complete reference", r.parts.join(".")),
            )
            .at(Span::new(file, r.span.clone()), "incomplete")
            .with_help(format!("write it like `{example}`")),
        );
        Err(())
    };
    match root {
        "var" => {
            need(diags, 1, "var.name")?;
            let name = &r.parts[1];
            if d.variables.contains_key(name) {
                return Ok(Some(Dep::Var(name.clone())));
            }
            let help = suggest::did_you_mean(name, d.variables.keys().map(String::as_str))
                .map(|s| format!("did you mean `var.{s}`?"))
                .or_else(|| Some(format!("declare it: `variable \"{name}\" {{}}`")));
            err(
                diags,
                1,
                format!("unknown variable `var.{name}`"),
                "not declared",
                help,
            )
        }
        "local" => {
            need(diags, 1, "local.name")?;
            let name = &r.parts[1];
            if d.locals.contains_key(name) {
                return Ok(Some(Dep::Node(Node::Local(name.clone()))));
            }
            let help = suggest::did_you_mean(name, d.locals.keys().map(String::as_str))
                .map(|s| format!("did you mean `local.{s}`?"));
            err(
                diags,
                1,
                format!("unknown local value `local.{name}`"),
                "not defined in any `locals` block",
                help,
            )
        }
        "key" => {
            need(diags, 2, "key.aws.prod")?;
            let cloud_s = &r.parts[1];
            let Ok(cloud) = cloud_s.parse::<Cloud>() else {
                let help = suggest::hint(cloud_s, Cloud::ALL.iter().map(|c| c.as_str()));
                return err(
                    diags,
                    1,
                    format!("unknown cloud `{cloud_s}` in `{}`", r.text_through(2)),
                    "expected aws, gcp or azure",
                    help,
                );
            };
            let name = &r.parts[2];
            if !d.keys.contains_key(&(cloud, name.clone())) {
                let help = suggest::hint(name, d.key_names(cloud))
                    .map(|s| {
                        format!(
                            "did you mean `key.{cloud}.{}`?",
                            s.trim_start_matches("did you mean `")
                                .trim_end_matches("`?")
                        )
                    })
                    .or_else(|| {
                        Cloud::ALL
                            .iter()
                            .find(|c| d.keys.contains_key(&(**c, name.clone())))
                            .map(|c| format!("did you mean `key.{c}.{name}`?"))
                    });
                return err(
                    diags,
                    2,
                    format!(
                        "unknown reference `key.{cloud}.{name}`: there is no `key \"{cloud}\" \"{name}\"` block"
                    ),
                    "no such key",
                    help,
                );
            }
            let sch = match cloud {
                Cloud::Aws => &schema::KEY_AWS,
                Cloud::Gcp => &schema::KEY_GCP,
                Cloud::Azure => &schema::KEY_AZURE,
            };
            check_attr_ref(diags, file, r, 3, sch)?;
            Ok(Some(Dep::Node(Node::Key(cloud, name.clone()))))
        }
        "external_key" | "workspace" => {
            need(diags, 1, &format!("{root}.prod"))?;
            let name = &r.parts[1];
            let (map, node, sch) = if root == "external_key" {
                (
                    &d.external_keys,
                    Node::ExternalKey(name.clone()),
                    &schema::EXTERNAL_KEY,
                )
            } else {
                (
                    &d.workspaces,
                    Node::Workspace(name.clone()),
                    &schema::WORKSPACE,
                )
            };
            if !map.contains_key(name) {
                let help = suggest::did_you_mean(name, map.keys().map(String::as_str))
                    .map(|s| format!("did you mean `{root}.{s}`?"));
                return err(
                    diags,
                    1,
                    format!(
                        "unknown reference `{root}.{name}`: there is no `{root} \"{name}\"` block"
                    ),
                    &format!("no such {root}"),
                    help,
                );
            }
            check_attr_ref(diags, file, r, 2, sch)?;
            Ok(Some(Dep::Node(node)))
        }
        "module" => {
            need(diags, 1, "module.name.output")?;
            let name = &r.parts[1];
            if d.modules.contains_key(name) {
                return Ok(Some(Dep::Node(Node::Module(name.clone()))));
            }
            let help = suggest::did_you_mean(name, d.modules.keys().map(String::as_str))
                .map(|s| format!("did you mean `module.{s}`?"));
            err(
                diags,
                1,
                format!("unknown module `module.{name}`"),
                "no such module block",
                help,
            )
        }
        other => {
            let help = suggest::hint(other, ROOTS.iter().copied())
                .or_else(|| {
                    d.locals
                        .contains_key(other)
                        .then(|| format!("did you mean `local.{other}`?"))
                })
                .or_else(|| {
                    d.variables
                        .contains_key(other)
                        .then(|| format!("did you mean `var.{other}`?"))
                })
                .or_else(|| {
                    Some(format!(
                        "references start with one of: {}",
                        ROOTS.join(", ")
                    ))
                });
            err(
                diags,
                0,
                format!("unknown reference `{}`", r.parts.join(".")),
                "unknown name",
                help,
            )
        }
    }
}

/// `key.aws.prod.regoin`: the attribute after a block reference must exist.
fn check_attr_ref(
    diags: &mut Diagnostics,
    file: FileId,
    r: &RefUse,
    idx: usize,
    sch: &BlockSchema,
) -> Result<(), ()> {
    let Some(attr) = r.parts.get(idx) else {
        return Ok(());
    };
    if sch.attr(attr).is_some() || attr == REF_MARKER {
        return Ok(());
    }
    diags.push(
        Diagnostic::error(
            "spec::unknown-reference",
            format!("`{}` has no attribute `{attr}`", r.text_through(idx - 1)),
        )
        .at(Span::new(file, r.span_through(idx)), "unknown attribute")
        .with_help_opt(suggest::hint(attr, sch.attrs.iter().map(|a| a.name))),
    );
    Err(())
}
