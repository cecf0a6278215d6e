//! Evaluation of one module instance (and, recursively, the modules it calls).
//!
//! Steps, per instance:
//! 1. *prepare*: every evaluated attribute is scanned ([`super::scan`]); unknown functions and
//!    references ([`super::references`]) are reported at their exact span with a "did you mean";
//! 2. *order*: locals, keys, registrations, workspaces, module calls, outputs and providers form
//!    a dependency graph ([`super::graph`]); cycles are reported naming the cycle
//!    (`local.a -> local.b -> local.a`);
//! 3. *evaluate* in dependency order with `hcl-rs` (after [`super::inline_files`] replaced
//!    `file()` calls); each attribute gets a context holding only the values and functions it
//!    uses, so the cost is linear in the size of the spec; module calls load and evaluate the
//!    module ([`super::modules`]) as a nested instance;
//! 4. the singleton blocks (`anthropic`, `backend`, `removed`, `import`, `lint`).
//!
//! A failed attribute is reported once; whatever depends on it is skipped silently, so one
//! mistake does not produce a cascade. The results are [`EvalBlock`]s for the type checker.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use hcl::Value;
use hcl::eval::{Context, Evaluate};
use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Attribute, Block, Body, Structure};
use hcl_edit::visit_mut::VisitMut;

use super::config::{BlockDecl, ModuleDecls, span_of};
use super::functions;
use super::inline_files::FileInliner;
use super::literal;
use super::modules;
use super::references::{self, Dep, Node};
use super::scan::{self, RefUse};
use super::schema::{self, BlockSchema, Ty};
use super::variables::{self, InputValue, VarValues};
use crate::address::{Address, Cloud};
use crate::diag::suggest;
use crate::diag::{Diagnostic, Diagnostics, FileId, SourceMap, Span};

/// The object field that carries the address of a referenced block (`key.aws.prod` evaluates
/// to the key's attributes plus this field), so references survive variables, locals, module
/// inputs and outputs.
pub const REF_MARKER: &str = "__cmek_ref";

/// The reference roots a spec may use.
pub const ROOTS: &[&str] = &["var", "local", "key", "external_key", "workspace", "module"];

/// An evaluated attribute.
#[derive(Debug, Clone)]
pub struct EvalAttr {
    /// The schema's name for the attribute (borrowed), or the name as written for the
    /// attributes of open blocks and locals.
    pub name: Cow<'static, str>,
    /// `None` when not evaluated (address / type attributes) or when evaluation failed.
    pub value: Option<Value>,
    /// Evaluation failed (already reported).
    pub failed: bool,
    pub key_span: Span,
    pub value_span: Span,
    /// The expression as written, kept only for attributes that are not evaluated (address
    /// attributes are read from it).
    pub expr: Option<Box<Expression>>,
    /// Files read by `file()` in this attribute.
    pub file_loads: Vec<FileId>,
}

/// An evaluated block, in the module instance `module_path`.
#[derive(Debug, Clone)]
pub struct EvalBlock {
    pub module_path: Vec<String>,
    pub file: FileId,
    pub ident: String,
    pub labels: Vec<String>,
    pub label_spans: Vec<Span>,
    pub header: Span,
    pub schema: &'static BlockSchema,
    pub attrs: Vec<EvalAttr>,
    pub blocks: Vec<EvalBlock>,
    /// Attribute names in the block that the schema does not know (already reported).
    pub unknown_attrs: Vec<String>,
}

impl EvalBlock {
    pub fn attr(&self, name: &str) -> Option<&EvalAttr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    pub fn title(&self) -> String {
        let mut s = self.ident.clone();
        for l in &self.labels {
            s.push_str(&format!(" \"{l}\""));
        }
        s
    }

    pub fn any_failed(&self) -> bool {
        self.attrs.iter().any(|a| a.failed) || self.blocks.iter().any(EvalBlock::any_failed)
    }
}

/// An attribute ready to evaluate. It owns its expression, taken out of the declaration, so
/// the syntax tree of a block is freed as soon as the block is evaluated rather than at the
/// end: that halves the peak memory of loading a large spec.
#[derive(Debug, Clone)]
struct PAttr<'d> {
    name: Cow<'static, str>,
    file: FileId,
    dir: &'d Path,
    key_span: Span,
    value_span: Span,
    expr: PExpr,
    ty: Ty,
    refs: Vec<(Dep, RefUse)>,
    /// Functions the expression calls (only these are declared in its context).
    funcs: Vec<String>,
    bad: bool,
    /// The expression is a bare block reference ([`PAttr::bare_block_reference`]); decided
    /// once, when the attribute is prepared, as the graph and the evaluation both ask.
    bare: bool,
}

/// What a prepared attribute evaluates.
#[derive(Debug, Clone)]
enum PExpr {
    /// The value of a literal (most attributes of a real spec), read when the block is
    /// prepared ([`literal::value`]) so that its syntax tree is freed at once.
    Literal(Value),
    Expr(Box<Expression>),
}

impl PAttr<'_> {
    /// The block a reference attribute names by its bare address (`key = key.aws.prod`,
    /// `external_key = external_key.prod`), the usual way to write one. The type checker reads
    /// only the address ([`REF_MARKER`]) of such a value, so it is built without evaluating
    /// the expression and without copying the block's attributes.
    fn bare_block_reference(&self) -> Option<&Node> {
        match self.refs.as_slice() {
            [(Dep::Node(node), _)] if self.bare => Some(node),
            _ => None,
        }
    }

    /// Whether the expression is a bare block reference, from the expression itself.
    fn is_bare_block_reference(&self) -> bool {
        if !matches!(self.ty, Ty::KeyRef | Ty::ExternalKeyRef) {
            return false;
        }
        let [(Dep::Node(node), r)] = self.refs.as_slice() else {
            return false;
        };
        let parts = match node {
            Node::Key(..) => 3,
            Node::ExternalKey(_) | Node::Workspace(_) => 2,
            _ => return false,
        };
        let PExpr::Expr(expr) = &self.expr else {
            return false;
        };
        r.parts.len() == parts && scan::is_bare_traversal(expr, &r.parts)
    }
}

#[derive(Debug, Clone)]
struct PBlock<'d> {
    file: FileId,
    ident: String,
    labels: Vec<String>,
    label_spans: Vec<Span>,
    header: Span,
    schema: &'static BlockSchema,
    attrs: Vec<PAttr<'d>>,
    blocks: Vec<PBlock<'d>>,
    unknown_attrs: Vec<String>,
}

impl PBlock<'_> {
    /// Adds the blocks whose full value an attribute of this block reads (everything it
    /// refers to, except what [`PAttr::bare_block_reference`] needs only the address of).
    fn collect_value_needs(&self, out: &mut impl FnMut(&Node)) {
        for a in &self.attrs {
            if a.bare_block_reference().is_some() {
                continue;
            }
            for (dep, _) in &a.refs {
                if let Dep::Node(n) = dep {
                    out(n);
                }
            }
        }
        for b in &self.blocks {
            b.collect_value_needs(out);
        }
    }

    /// Calls `f` with every reference of the block and its nested blocks, in order.
    fn for_each_ref(&self, f: &mut impl FnMut(&Dep, &RefUse)) {
        for (dep, r) in self.attrs.iter().flat_map(|a| a.refs.iter()) {
            f(dep, r);
        }
        for b in &self.blocks {
            b.for_each_ref(f);
        }
    }
}

/// One module instance to evaluate.
pub struct Instance {
    pub path: Vec<String>,
    /// Display prefix of the instance's files (`""` for the root).
    pub prefix: String,
    /// Identities of the directories of this instance and its callers.
    pub ancestors: Vec<PathBuf>,
    pub decls: ModuleDecls,
    pub vars: VarValues,
}

/// Values computed so far in one instance, by graph node number.
struct State {
    index: HashMap<Node, usize>,
    values: Vec<Option<Value>>,
    poisoned: Vec<bool>,
    module_outputs: BTreeMap<String, BTreeMap<String, Option<Value>>>,
}

impl State {
    fn value(&self, node: &Node) -> Option<&Value> {
        self.index.get(node).and_then(|&i| self.values[i].as_ref())
    }
}

/// Evaluates instances and collects their blocks.
pub struct Evaluator<'a> {
    pub sources: &'a mut SourceMap,
    pub diags: &'a mut Diagnostics,
    pub base: Context<'static>,
    pub blocks: Vec<EvalBlock>,
    /// Evaluated root `provider` blocks, for the keys' fall-backs (in every module).
    pub root_providers: BTreeMap<Cloud, Value>,
}

/// The key attribute that falls back to the provider block, per cloud.
pub fn provider_fallback(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Aws => "region",
        Cloud::Gcp => "project",
        Cloud::Azure => "tenant_id",
    }
}

impl Evaluator<'_> {
    /// Evaluates an instance; returns its outputs (`None` for outputs that failed).
    pub fn run(&mut self, mut inst: Instance) -> BTreeMap<String, Option<Value>> {
        // 0. take the bodies of the graph nodes' blocks out of the declarations (the prepared
        //    blocks own them), and the singleton blocks, which nothing refers to, out whole
        let bodies = take_bodies(&mut inst.decls);
        let singles = take_singletons(&mut inst.decls);
        let d = &inst.decls;
        // 1. number the graph nodes: locals, then the blocks in `decl_nodes` order, which is
        //    the order of `Node` (the evaluation order does not depend on hashing)
        let decl_nodes = decl_nodes(d);
        let mut nodes: Vec<Node> = Vec::with_capacity(d.locals.len() + decl_nodes.len());
        nodes.extend(d.locals.keys().map(|n| Node::Local(n.clone())));
        let first_decl = nodes.len();
        nodes.extend(decl_nodes.iter().map(|(n, _)| n.clone()));
        debug_assert!(nodes.is_sorted());
        let mut st = State {
            index: nodes.iter().cloned().zip(0..).collect(),
            values: vec![None; nodes.len()],
            poisoned: vec![false; nodes.len()],
            module_outputs: BTreeMap::new(),
        };
        // 2. prepare every node
        let mut prepared: Vec<Option<PBlock<'_>>> = Vec::with_capacity(nodes.len());
        for l in d.locals.values() {
            let name = Cow::Owned(l.attr.key.as_str().to_string());
            let attr = self.prepare_attr(&inst, l.file, &l.dir, name, l.attr.clone(), Ty::Any);
            let header = span_of(l.file, l.attr.key.span());
            prepared.push(Some(PBlock {
                file: l.file,
                ident: String::from("locals"),
                labels: Vec::new(),
                label_spans: Vec::new(),
                header,
                schema: &schema::LOCALS,
                attrs: vec![attr],
                blocks: Vec::new(),
                unknown_attrs: Vec::new(),
            }));
        }
        for ((_, decl), body) in decl_nodes.iter().zip(bodies) {
            prepared.push(Some(self.prepare_decl(&inst, decl, body)));
        }

        // 3. order
        let mut edges: Vec<Vec<(usize, Span)>> = Vec::with_capacity(nodes.len());
        // Only objects something refers to need their value built, and an object referred to
        // only by bare reference attributes (`key = key.aws.prod`) needs just its address.
        let mut needs_value = vec![false; nodes.len()];
        let mut referenced = vec![false; nodes.len()];
        for (node, pb) in nodes.iter().zip(&prepared) {
            let Some(pb) = pb else {
                edges.push(Vec::new());
                continue;
            };
            let mut deps: Vec<(usize, Span)> = Vec::new();
            pb.for_each_ref(&mut |dep, r| {
                if let Dep::Node(n) = dep
                    && let Some(&i) = st.index.get(n)
                    && !deps.iter().any(|(j, _)| *j == i)
                {
                    deps.push((i, Span::new(pb.file, r.span.clone())));
                }
            });
            // Implicit: keys read their provider's settings, modules read all of them.
            for c in d.providers.keys() {
                let implicit = match node {
                    Node::Key(kc, _) => kc == c,
                    Node::Module(_) => true,
                    _ => false,
                };
                if implicit && let Some(&i) = st.index.get(&Node::Provider(*c)) {
                    deps.push((i, pb.header.clone()));
                }
            }
            for (i, _) in &deps {
                referenced[*i] = true;
            }
            pb.collect_value_needs(&mut |n| {
                if let Some(&i) = st.index.get(n) {
                    needs_value[i] = true;
                }
            });
            edges.push(deps);
        }
        let ordered = super::graph::Graph { edges }.order();
        for cycle in &ordered.cycles {
            let mut names: Vec<String> = cycle
                .iter()
                .map(|(f, _, _)| nodes[*f].to_string())
                .collect();
            if let Some((first, _, _)) = cycle.first() {
                names.push(nodes[*first].to_string());
            }
            let Some((from, to, span)) = cycle.first() else {
                continue;
            };
            let mut diag = Diagnostic::error(
                "spec::cycle",
                format!("reference cycle: {}", names.join(" -> ")),
            )
            .at(
                span.clone(),
                format!("`{}` refers to `{}` here", nodes[*from], nodes[*to]),
            )
            .with_help("break the cycle: one of these values must not depend on the others");
            for (f, t, s) in cycle.iter().skip(1) {
                diag = diag.with_label(
                    s.clone(),
                    format!("`{}` refers to `{}` here", nodes[*f], nodes[*t]),
                );
            }
            self.diags.push(diag);
            for (f, _, _) in cycle {
                st.poisoned[*f] = true;
            }
        }

        // 4. evaluate
        for i in ordered.order {
            if st.poisoned[i] {
                continue;
            }
            let Some(pb) = prepared[i].take() else {
                continue;
            };
            let node = &nodes[i];
            match node {
                Node::Local(_) | Node::Output(_) => {
                    let attr_name = if matches!(node, Node::Local(_)) {
                        None
                    } else {
                        Some("value")
                    };
                    let (eb, failed) = self.eval_block(&inst, pb, &st);
                    let v = eb
                        .attrs
                        .iter()
                        .find(|a| attr_name.is_none_or(|n| a.name == n))
                        .and_then(|a| a.value.clone());
                    match (failed, v) {
                        (false, Some(v)) => st.values[i] = Some(v),
                        _ => st.poisoned[i] = true,
                    }
                }
                Node::Key(..) | Node::ExternalKey(_) | Node::Workspace(_) | Node::Provider(_) => {
                    let (eb, failed) = self.eval_block(&inst, pb, &st);
                    if failed {
                        st.poisoned[i] = true;
                    } else if needs_value[i] || matches!(node, Node::Provider(_)) {
                        let v = self.object_value(&inst, node, &eb);
                        if let Node::Provider(c) = node
                            && inst.path.is_empty()
                        {
                            self.root_providers.insert(*c, v.clone());
                        }
                        st.values[i] = Some(v);
                    } else if referenced[i] {
                        st.values[i] = address_value(&inst, node);
                    }
                    self.blocks.push(eb);
                }
                Node::Module(name) => {
                    let Some((_, decl)) = i.checked_sub(first_decl).and_then(|j| decl_nodes.get(j))
                    else {
                        continue;
                    };
                    match self.eval_module(&inst, name, decl, pb, &st) {
                        Some(outputs) => {
                            let obj: hcl::Map<String, Value> = outputs
                                .iter()
                                .filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v)))
                                .collect();
                            st.values[i] = Some(Value::Object(obj));
                            st.module_outputs.insert(name.clone(), outputs);
                        }
                        None => st.poisoned[i] = true,
                    }
                }
            }
        }

        // 5. singleton blocks
        for mut decl in singles {
            let body = std::mem::take(&mut decl.block.body);
            let pb = self.prepare_decl(&inst, &decl, body);
            let (eb, _) = self.eval_block(&inst, pb, &st);
            self.blocks.push(eb);
        }

        d.outputs
            .keys()
            .map(|n| (n.clone(), st.value(&Node::Output(n.clone())).cloned()))
            .collect()
    }

    /// The value a reference to a block evaluates to: its attributes, the schema defaults of
    /// the ones left out, and [`REF_MARKER`].
    fn object_value(&self, inst: &Instance, node: &Node, eb: &EvalBlock) -> Value {
        let mut obj = hcl::Map::new();
        for a in eb.schema.attrs {
            if let Some(v) = a.default.to_value() {
                obj.insert(a.name.to_string(), v);
            }
        }
        if let Node::Key(c, _) = node {
            let name = provider_fallback(*c);
            if let Some(v) = self
                .root_providers
                .get(c)
                .and_then(|p| p.as_object())
                .and_then(|p| p.get(name))
            {
                obj.insert(name.to_string(), v.clone());
            }
        }
        // `null` means "not set": the default or fall-back stays visible, as in the model.
        for a in &eb.attrs {
            match &a.value {
                Some(Value::Null) | None => {}
                Some(v) => {
                    obj.insert(a.name.to_string(), v.clone());
                }
            }
        }
        if let Some(addr) = block_address(inst, node) {
            obj.insert(REF_MARKER.to_string(), Value::String(addr.to_string()));
        }
        Value::Object(obj)
    }

    /// Prepares a top-level block whose body was taken out of `decl` ([`take_bodies`]).
    fn prepare_decl<'d>(&mut self, inst: &Instance, decl: &'d BlockDecl, body: Body) -> PBlock<'d> {
        self.prepare_block(
            inst,
            decl.file,
            &decl.dir,
            &decl.block,
            body,
            decl.schema,
            decl.header_span(),
        )
    }

    /// Prepares `block` (its identifier and labels) with `body`, which it takes over.
    #[allow(clippy::too_many_arguments)]
    fn prepare_block<'d>(
        &mut self,
        inst: &Instance,
        file: FileId,
        dir: &'d Path,
        block: &Block,
        body: Body,
        sch: &'static BlockSchema,
        header: Span,
    ) -> PBlock<'d> {
        let mut attrs = Vec::new();
        let mut unknown_attrs = Vec::new();
        let mut seen: Vec<Cow<'static, str>> = Vec::new();
        let mut nested = Vec::new();
        for structure in body {
            let attr = match structure {
                Structure::Attribute(attr) => attr,
                Structure::Block(b) => {
                    nested.push(b);
                    continue;
                }
            };
            let written = attr.key.as_str();
            if schema::is_secret_name(written) {
                continue;
            }
            // The schema's own name when it knows the attribute: no copy per attribute.
            let known = sch.attr(written);
            let name: Cow<'static, str> = match known {
                Some(a) => Cow::Borrowed(a.name),
                None => Cow::Owned(written.to_string()),
            };
            if seen.contains(&name) {
                continue;
            }
            seen.push(name.clone());
            let ty = match known {
                Some(a) => a.ty,
                None if sch.open => Ty::Any,
                None => {
                    unknown_attrs.push(name.into_owned());
                    continue;
                }
            };
            attrs.push(self.prepare_attr(inst, file, dir, name, attr, ty));
        }
        let mut blocks = Vec::new();
        for mut b in nested {
            if let Some(nb) = sch.nested(b.ident.as_str()) {
                let h = span_of(file, b.ident.span());
                let body = std::mem::take(&mut b.body);
                blocks.push(self.prepare_block(inst, file, dir, &b, body, nb.schema, h));
            }
        }
        PBlock {
            file,
            ident: block.ident.as_str().to_string(),
            labels: block
                .labels
                .iter()
                .map(|l| l.as_str().to_string())
                .collect(),
            label_spans: block
                .labels
                .iter()
                .map(|l| span_of(file, l.span()))
                .collect(),
            header,
            schema: sch,
            attrs,
            blocks,
            unknown_attrs,
        }
    }

    fn prepare_attr<'d>(
        &mut self,
        inst: &Instance,
        file: FileId,
        dir: &'d Path,
        name: Cow<'static, str>,
        attr: Attribute,
        ty: Ty,
    ) -> PAttr<'d> {
        let literal = ty
            .is_evaluated()
            .then(|| literal::value(&attr.value))
            .flatten();
        // A literal has no references or functions; an attribute that is not evaluated is
        // never scanned.
        let found = (ty.is_evaluated() && literal.is_none()).then(|| scan::scan(&attr.value));
        let mut p = PAttr {
            name,
            file,
            dir,
            key_span: span_of(file, attr.key.span()),
            value_span: span_of(file, attr.value.span()),
            expr: match literal {
                Some(v) => PExpr::Literal(v),
                None => PExpr::Expr(Box::new(attr.value)),
            },
            ty,
            refs: Vec::new(),
            funcs: Vec::new(),
            bad: false,
            bare: false,
        };
        let Some(found) = found else {
            return p;
        };
        for f in &found.funcs {
            if !p.funcs.contains(&f.name) {
                p.funcs.push(f.name.clone());
            }
            if f.namespaced || !functions::is_known(&f.name) {
                self.diags.push(
                    Diagnostic::error(
                        "spec::unknown-function",
                        format!("unknown function `{}`", f.name),
                    )
                    .at(Span::new(file, f.span.clone()), "not a function cmek knows")
                    .with_help_opt(
                        suggest::hint(&f.name, functions::NAMES.iter().copied()).or_else(|| {
                            Some(format!(
                                "available functions: {}",
                                functions::NAMES.join(", ")
                            ))
                        }),
                    ),
                );
                p.bad = true;
            }
        }
        for r in found.refs {
            match references::resolve(&inst.decls, self.diags, file, &r) {
                Ok(Some(dep)) => p.refs.push((dep, r)),
                Ok(None) => {}
                Err(()) => p.bad = true,
            }
        }
        p.bare = p.is_bare_block_reference();
        p
    }

    /// Evaluates every attribute of a prepared block; returns the block and whether any
    /// attribute failed.
    fn eval_block(&mut self, inst: &Instance, pb: PBlock, st: &State) -> (EvalBlock, bool) {
        let mut failed = false;
        let mut attrs = Vec::with_capacity(pb.attrs.len());
        for mut a in pb.attrs {
            let (value, f, loads) = self.eval_attr(inst, &mut a, st);
            failed |= f;
            let expr = match a.expr {
                PExpr::Expr(e) if !a.ty.is_evaluated() => Some(e),
                _ => None,
            };
            attrs.push(EvalAttr {
                name: a.name,
                value,
                failed: f,
                key_span: a.key_span,
                value_span: a.value_span,
                expr,
                file_loads: loads,
            });
        }
        let mut blocks = Vec::new();
        for b in pb.blocks {
            let (eb, f) = self.eval_block(inst, b, st);
            failed |= f;
            blocks.push(eb);
        }
        (
            EvalBlock {
                module_path: inst.path.clone(),
                file: pb.file,
                ident: pb.ident,
                labels: pb.labels,
                label_spans: pb.label_spans,
                header: pb.header,
                schema: pb.schema,
                attrs,
                blocks,
                unknown_attrs: pb.unknown_attrs,
            },
            failed,
        )
    }

    /// Evaluates one attribute: `(value, failed, files read)`.
    fn eval_attr(
        &mut self,
        inst: &Instance,
        a: &mut PAttr,
        st: &State,
    ) -> (Option<Value>, bool, Vec<FileId>) {
        if !a.ty.is_evaluated() {
            return (None, false, Vec::new());
        }
        if a.bad {
            return (None, true, Vec::new());
        }
        if let PExpr::Literal(v) = &mut a.expr {
            // Each attribute is evaluated once, so the value can be moved out.
            return (Some(std::mem::take(v)), false, Vec::new());
        }
        let a = &*a;
        let PExpr::Expr(written) = &a.expr else {
            return (None, true, Vec::new());
        };
        if let Some(node) = a.bare_block_reference() {
            // The block was evaluated first (graph order); without a value it failed.
            let marker = st
                .value(node)
                .and_then(Value::as_object)
                .and_then(|o| o.get(REF_MARKER));
            return match marker {
                Some(m) => {
                    let obj = hcl::Map::from_iter([(REF_MARKER.to_string(), m.clone())]);
                    (Some(Value::Object(obj)), false, Vec::new())
                }
                None => (None, true, Vec::new()),
            };
        }
        // Context with exactly the referenced values.
        let mut roots: BTreeMap<&str, hcl::Map<String, Value>> =
            ROOTS.iter().map(|r| (*r, hcl::Map::new())).collect();
        for (dep, r) in &a.refs {
            match dep {
                Dep::Var(n) => {
                    let Some(v) = inst.vars.values.get(n) else {
                        return (None, true, Vec::new());
                    };
                    if let Some(m) = roots.get_mut("var") {
                        m.insert(n.clone(), v.clone());
                    }
                }
                Dep::Node(node) => {
                    let Some(v) = st.value(node) else {
                        return (None, true, Vec::new());
                    };
                    if let Node::Module(m) = node
                        && let Some(out) = r.parts.get(2)
                    {
                        match st.module_outputs.get(m).map(|o| o.get(out)) {
                            Some(Some(Some(_))) => {}
                            Some(None) => {
                                let names: Vec<&str> = st
                                    .module_outputs
                                    .get(m)
                                    .map(|o| o.keys().map(String::as_str).collect())
                                    .unwrap_or_default();
                                self.diags.push(
                                    Diagnostic::error(
                                        "spec::unknown-reference",
                                        format!("module `{m}` has no output `{out}`"),
                                    )
                                    .at(Span::new(a.file, r.span_through(2)), "no such output")
                                    .with_help_opt(suggest::hint(out, names.iter().copied()).or_else(|| {
                                        Some(format!("declare it in the module: `output \"{out}\" {{ value = ... }}`"))
                                    })),
                                );
                                return (None, true, Vec::new());
                            }
                            _ => return (None, true, Vec::new()),
                        }
                    }
                    insert_node(&mut roots, node, v.clone());
                }
            }
        }
        // Only what the expression uses: most attributes need no function and one or two
        // values, so building the context is cheap.
        let mut ctx = Context::new();
        for f in &a.funcs {
            functions::declare(&mut ctx, f);
        }
        for (root, obj) in roots {
            if !obj.is_empty() {
                ctx.declare_var(root, Value::Object(obj));
            }
        }
        let mut expr = (**written).clone();
        let mut loads = Vec::new();
        if a.funcs.iter().any(|f| f == "file") {
            // Inline file() calls, located.
            let mut inliner = FileInliner {
                ctx: &ctx,
                dir: a.dir,
                file: a.file,
                prefix: inst.prefix.clone(),
                sources: &mut *self.sources,
                diags: &mut *self.diags,
                loads: Vec::new(),
                failed: false,
            };
            inliner.visit_expr_mut(&mut expr);
            let failed = inliner.failed;
            loads = inliner.loads;
            if failed {
                return (None, true, loads);
            }
        }
        let e: hcl::Expression = expr.into();
        match e.evaluate(&ctx) {
            Ok(v) => (Some(v), false, loads),
            Err(err) => {
                let (span, label) = match err.expr().and_then(|e| locate_subexpr(written, e)) {
                    Some(r) => (Span::new(a.file, r), "here"),
                    None => (a.value_span.clone(), "while evaluating this expression"),
                };
                self.diags.push(
                    Diagnostic::error(
                        "spec::eval-error",
                        format!("cannot evaluate `{}`: {}", a.name, err.kind()),
                    )
                    .at(span, label),
                );
                (None, true, loads)
            }
        }
    }

    fn eval_module(
        &mut self,
        inst: &Instance,
        name: &str,
        decl: &BlockDecl,
        pb: PBlock,
        st: &State,
    ) -> Option<BTreeMap<String, Option<Value>>> {
        let (eb, _) = self.eval_block(inst, pb, st);
        let mut source: Option<(String, Span)> = None;
        let mut source_failed = false;
        let mut inputs = BTreeMap::new();
        for a in eb.attrs {
            if a.name == "source" {
                match a.value {
                    Some(Value::String(s)) => source = Some((s, a.value_span.clone())),
                    Some(_) => {
                        self.diags.push(
                            Diagnostic::error(
                                "spec::wrong-type",
                                "module `source` must be a string path",
                            )
                            .at(a.value_span.clone(), "not a string")
                            .with_help("write it like `source = \"./modules/aws-key\"`"),
                        );
                        source_failed = true;
                    }
                    None => source_failed = true,
                }
                continue;
            }
            let v = match a.value {
                Some(v) => InputValue::Value(v, a.value_span.clone()),
                None => InputValue::Failed,
            };
            inputs.insert(a.name.into_owned(), (v, a.key_span));
        }
        let (source, source_span) = match (source, source_failed) {
            (Some(s), false) => s,
            _ => return None,
        };
        if inst.path.len() >= modules::MAX_DEPTH {
            self.diags.push(
                Diagnostic::error(
                    "spec::module-depth",
                    format!("modules are nested more than {} deep", modules::MAX_DEPTH),
                )
                .at(source_span, "too deep"),
            );
            return None;
        }
        let dir = match modules::resolve(&decl.dir, &source) {
            Ok(dir) => dir,
            Err(modules::SourceError::NotLocal) => {
                self.diags.push(
                    Diagnostic::error(
                        "spec::module-source",
                        format!("module source `{source}` is not a local directory"),
                    )
                    .at(source_span, "only local paths are supported")
                    .with_help(
                        "start the path with `./` or `../`, relative to this file's directory",
                    ),
                );
                return None;
            }
            Err(modules::SourceError::NotADirectory(s)) => {
                self.diags.push(
                    Diagnostic::error(
                        "spec::module-not-found",
                        format!("module `{name}`: source directory `{s}` does not exist"),
                    )
                    .at(source_span, "no such directory")
                    .with_help(format!(
                        "the path is relative to the directory of this file ({})",
                        if inst.prefix.is_empty() {
                            "the config directory"
                        } else {
                            inst.prefix.trim_end_matches('/')
                        }
                    )),
                );
                return None;
            }
        };
        let identity = modules::identity(&dir);
        if inst.ancestors.contains(&identity) {
            self.diags.push(
                Diagnostic::error(
                    "spec::module-cycle",
                    format!("module `{name}` includes itself (directory `{source}` is already being loaded)"),
                )
                .at(source_span, "module cycle"),
            );
            return None;
        }
        let prefix = modules::display_prefix(&inst.prefix, &source);
        let before = self.diags.len();
        let files = super::files::discover(&dir, &prefix, &[], self.sources, self.diags);
        if files.is_empty() {
            if self.diags.len() == before {
                self.diags.push(
                    Diagnostic::error(
                        "spec::module-empty",
                        format!("module `{name}`: directory `{source}` has no .hcl files"),
                    )
                    .at(source_span, "empty module"),
                );
            }
            return None;
        }
        let mut parsed = Vec::new();
        for f in files {
            if let Some(body) = super::parse::parse_file(f.id, self.sources, self.diags) {
                parsed.push((f, body));
            }
        }
        let decls = super::config::collect(parsed, true, self.sources, self.diags);
        let vars = variables::resolve_module(
            &decls,
            name,
            &decl.header_span(),
            inputs,
            &self.base,
            self.diags,
        );
        let mut path = inst.path.clone();
        path.push(name.to_string());
        let mut ancestors = inst.ancestors.clone();
        ancestors.push(identity);
        Some(self.run(Instance {
            path,
            prefix,
            ancestors,
            decls,
            vars,
        }))
    }
}

/// The span of the smallest sub-expression of `expr` that is `target` (the expression an
/// `hcl-rs` evaluation error names), so the caret points at the failing part.
fn locate_subexpr(expr: &Expression, target: &hcl::Expression) -> Option<std::ops::Range<usize>> {
    struct Finder<'t> {
        target: &'t hcl::Expression,
        best: Option<std::ops::Range<usize>>,
    }
    impl hcl_edit::visit::Visit for Finder<'_> {
        fn visit_expr(&mut self, node: &Expression) {
            if let Some(span) = node.span()
                && self.best.as_ref().is_none_or(|b| span.len() < b.len())
                && hcl::Expression::from(node.clone()) == *self.target
            {
                self.best = Some(span);
            }
            hcl_edit::visit::visit_expr(self, node);
        }
    }
    let mut f = Finder { target, best: None };
    hcl_edit::visit::Visit::visit_expr(&mut f, expr);
    f.best
}

/// The graph nodes declared by blocks, in the order of [`Node`]. Walks the declarations in
/// the same order as [`take_bodies`], so the two line up.
fn decl_nodes(d: &ModuleDecls) -> Vec<(Node, &BlockDecl)> {
    let mut out = Vec::with_capacity(
        d.keys.len()
            + d.external_keys.len()
            + d.workspaces.len()
            + d.modules.len()
            + d.outputs.len()
            + d.providers.len(),
    );
    out.extend(
        d.keys
            .iter()
            .map(|((c, n), b)| (Node::Key(*c, n.clone()), b)),
    );
    out.extend(
        d.external_keys
            .iter()
            .map(|(n, b)| (Node::ExternalKey(n.clone()), b)),
    );
    out.extend(
        d.workspaces
            .iter()
            .map(|(n, b)| (Node::Workspace(n.clone()), b)),
    );
    out.extend(d.modules.iter().map(|(n, b)| (Node::Module(n.clone()), b)));
    out.extend(d.outputs.iter().map(|(n, b)| (Node::Output(n.clone()), b)));
    out.extend(d.providers.iter().map(|(c, b)| (Node::Provider(*c), b)));
    out
}

/// Takes the body of every block of [`decl_nodes`], in its order.
fn take_bodies(d: &mut ModuleDecls) -> Vec<Body> {
    (d.keys.values_mut())
        .chain(d.external_keys.values_mut())
        .chain(d.workspaces.values_mut())
        .chain(d.modules.values_mut())
        .chain(d.outputs.values_mut())
        .chain(d.providers.values_mut())
        .map(|b| std::mem::take(&mut b.block.body))
        .collect()
}

/// Moves the singleton blocks (`anthropic`, `backend`, `removed`, `import`, `lint`) out of the
/// declarations, in the order `run` evaluates them.
fn take_singletons(d: &mut ModuleDecls) -> Vec<BlockDecl> {
    [
        &mut d.anthropic,
        &mut d.backend,
        &mut d.removed,
        &mut d.imports,
        &mut d.lint,
    ]
    .into_iter()
    .flat_map(std::mem::take)
    .collect()
}

fn block_address(inst: &Instance, node: &Node) -> Option<Address> {
    let mut addr = match node {
        Node::Key(c, n) => Address::key(*c, n.clone()),
        Node::ExternalKey(n) => Address::external_key(n.clone()),
        Node::Workspace(n) => Address::workspace(n.clone()),
        _ => return None,
    };
    addr.module_path = inst.path.clone();
    Some(addr)
}

/// The value of a block that is referred to only by bare reference attributes: its address.
fn address_value(inst: &Instance, node: &Node) -> Option<Value> {
    let addr = block_address(inst, node)?;
    let obj = hcl::Map::from_iter([(REF_MARKER.to_string(), Value::String(addr.to_string()))]);
    Some(Value::Object(obj))
}

fn insert_node(roots: &mut BTreeMap<&str, hcl::Map<String, Value>>, node: &Node, v: Value) {
    let (root, path): (&str, Vec<String>) = match node {
        Node::Local(n) => ("local", vec![n.clone()]),
        Node::Key(c, n) => ("key", vec![c.to_string(), n.clone()]),
        Node::ExternalKey(n) => ("external_key", vec![n.clone()]),
        Node::Workspace(n) => ("workspace", vec![n.clone()]),
        Node::Module(n) => ("module", vec![n.clone()]),
        Node::Output(_) | Node::Provider(_) => return,
    };
    let Some(mut map) = roots.get_mut(root) else {
        return;
    };
    let last = path.len() - 1;
    for (i, p) in path.iter().enumerate() {
        if i == last {
            map.insert(p.clone(), v);
            return;
        }
        let entry = map
            .entry(p.clone())
            .or_insert_with(|| Value::Object(hcl::Map::new()));
        match entry {
            Value::Object(m) => map = m,
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::spec::model::KeyKind;
    use crate::spec::test_support::{ANTHROPIC, codes, load_files};

    #[test]
    fn locals_reference_each_other_in_any_order() {
        let src = format!(
            "{ANTHROPIC}locals {{\n  c = \"${{local.b}}-c\"\n  a = \"a\"\n  b = \"${{local.a}}-b\"\n}}\nkey \"aws\" \"k\" {{\n  region = \"us-east-2\"\n  description = local.c\n}}\n"
        );
        let r = load_files(&[("main.hcl", &src)]);
        assert!(!r.has_errors(), "{:?}", codes(&r));
        let d = r.desired.unwrap();
        let KeyKind::Aws(a) = &d.keys.values().next().unwrap().kind else {
            panic!()
        };
        assert_eq!(a.description, "a-b-c");
    }

    #[test]
    fn cycle_is_reported_once_and_dependents_stay_quiet() {
        let src = format!(
            "{ANTHROPIC}locals {{\n  a = local.b\n  b = local.a\n  c = local.a\n}}\nkey \"aws\" \"k\" {{\n  region = local.c\n}}\n"
        );
        let r = load_files(&[("main.hcl", &src)]);
        assert_eq!(codes(&r), ["spec::cycle"]);
        assert!(
            r.diagnostics
                .iter()
                .next()
                .unwrap()
                .message
                .contains("local.a -> local.b -> local.a")
        );
    }

    #[test]
    fn one_failure_does_not_cascade() {
        let src = format!(
            "{ANTHROPIC}locals {{\n  x = 1 + \"a\"\n  y = local.x\n}}\nkey \"aws\" \"k\" {{\n  region = local.y\n}}\nexternal_key \"e\" {{\n  key = key.aws.k\n}}\n"
        );
        let r = load_files(&[("main.hcl", &src)]);
        assert_eq!(codes(&r), ["spec::eval-error"]);
    }

    #[test]
    fn file_is_relative_to_the_calling_file() {
        let r = load_files(&[
            ("main.hcl", ANTHROPIC),
            (
                "modules/m/main.hcl",
                "key \"aws\" \"k\" {\n  region = \"us-east-2\"\n  description = trimspace(file(\"desc.txt\"))\n}\n",
            ),
            (
                "modules/m/desc.txt",
                "from the module dir ${not a template}\n",
            ),
            ("mod.hcl", "module \"m\" {\n  source = \"./modules/m\"\n}\n"),
        ]);
        assert!(!r.has_errors(), "{:?}", codes(&r));
        let d = r.desired.unwrap();
        let KeyKind::Aws(a) = &d.keys.values().next().unwrap().kind else {
            panic!()
        };
        assert_eq!(a.description, "from the module dir ${not a template}");
    }

    #[test]
    fn for_expressions_and_conditionals() {
        let src = format!(
            "{ANTHROPIC}variable \"envs\" {{\n  default = [\"prod\", \"dev\"]\n}}\nkey \"aws\" \"k\" {{\n  region = length(var.envs) > 1 ? \"us-east-2\" : \"us-west-2\"\n  tags = {{ for e in var.envs : e => upper(e) }}\n}}\n"
        );
        let r = load_files(&[("main.hcl", &src)]);
        assert!(!r.has_errors(), "{:?}", codes(&r));
        let d = r.desired.unwrap();
        let KeyKind::Aws(a) = &d.keys.values().next().unwrap().kind else {
            panic!()
        };
        assert_eq!(a.tags.get("dev").map(String::as_str), Some("DEV"));
    }

    #[test]
    fn module_self_inclusion_is_an_error() {
        let r = load_files(&[
            (
                "main.hcl",
                &format!("{ANTHROPIC}module \"m\" {{\n  source = \"./m\"\n}}\n"),
            ),
            ("m/main.hcl", "module \"again\" {\n  source = \"../m\"\n}\n"),
        ]);
        assert!(codes(&r).contains(&"spec::module-cycle"), "{:?}", codes(&r));
    }

    #[test]
    fn references_pass_through_variables_and_outputs() {
        let r = load_files(&[
            (
                "main.hcl",
                &format!(
                    "{ANTHROPIC}key \"aws\" \"k\" {{\n  region = \"us-east-2\"\n}}\nmodule \"reg\" {{\n  source = \"./reg\"\n  key = key.aws.k\n}}\nworkspace \"w\" {{\n  id = \"wrkspc_1\"\n  external_key = module.reg.ek\n}}\n"
                ),
            ),
            (
                "reg/main.hcl",
                "variable \"key\" {}\nexternal_key \"e\" {\n  key = var.key\n}\noutput \"ek\" {\n  value = external_key.e\n}\n",
            ),
        ]);
        assert!(!r.has_errors(), "{:?}", codes(&r));
        let d = r.desired.unwrap();
        let ek = d.external_keys.values().next().unwrap();
        assert_eq!(ek.key.to_string(), "key.aws.k");
        assert_eq!(ek.address.to_string(), "module.reg.external_key.e");
        let w = d.workspaces.values().next().unwrap();
        assert_eq!(
            w.external_key.as_ref().unwrap().to_string(),
            "module.reg.external_key.e"
        );
    }
}
