//! Static scan of an expression before evaluation: every reference (`var.x`, `local.y`,
//! `key.aws.prod.region`, `module.m.out`) and every function call, with spans.
//!
//! The scan lets the loader (1) report unknown names at their exact position with a
//! "did you mean", (2) build the dependency graph for ordering and cycle detection, and (3)
//! give each evaluation a context holding only what it references (no quadratic copying).
//! Names bound by `for` expressions and template `for` directives are not references.

use std::ops::Range;

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ForExpr, FuncCall, Traversal, TraversalOperator};
use hcl_edit::template::ForDirective;
use hcl_edit::visit::{self, Visit};

/// A reference: the leading identifier and the attribute names after it, up to the first
/// index or splat (`key.aws.prod.region` -> `["key", "aws", "prod", "region"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUse {
    pub parts: Vec<String>,
    /// Span of each part (same length as `parts`).
    pub part_spans: Vec<Range<usize>>,
    /// Span of the whole reference (root through the last part).
    pub span: Range<usize>,
}

impl RefUse {
    /// The span from the root through part `n` (inclusive).
    pub fn span_through(&self, n: usize) -> Range<usize> {
        let end = self
            .part_spans
            .get(n)
            .or(self.part_spans.last())
            .map_or(self.span.end, |s| s.end);
        self.span.start..end
    }

    pub fn text_through(&self, n: usize) -> String {
        self.parts[..(n + 1).min(self.parts.len())].join(".")
    }
}

/// A function call's name and the span of that name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuncUse {
    pub name: String,
    pub span: Range<usize>,
    pub namespaced: bool,
}

#[derive(Debug, Default)]
pub struct Scan {
    pub refs: Vec<RefUse>,
    pub funcs: Vec<FuncUse>,
}

/// Scans one expression.
pub fn scan(expr: &Expression) -> Scan {
    let mut s = Scanner::default();
    s.visit_expr(expr);
    Scan {
        refs: s.refs,
        funcs: s.funcs,
    }
}

#[derive(Default)]
struct Scanner {
    refs: Vec<RefUse>,
    funcs: Vec<FuncUse>,
    /// Names bound by enclosing `for` constructs.
    bound: Vec<String>,
}

impl Scanner {
    fn is_bound(&self, name: &str) -> bool {
        self.bound.iter().any(|b| b == name)
    }

    fn root(
        &mut self,
        name: &str,
        span: Range<usize>,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
    ) {
        if self.is_bound(name) {
            return;
        }
        let mut parts = Vec::with_capacity(1 + ops.len());
        let mut part_spans = Vec::with_capacity(1 + ops.len());
        parts.push(name.to_string());
        part_spans.push(span.clone());
        for op in ops {
            match op.value() {
                TraversalOperator::GetAttr(ident) => {
                    parts.push(ident.as_str().to_string());
                    part_spans.push(ident.span().or_else(|| op.span()).unwrap_or(span.clone()));
                }
                // `var.x[0]` -> reference `var.x`, `local.m["k"]` -> `local.m`.
                _ => break,
            }
        }
        let end = part_spans.last().map_or(span.end, |s| s.end);
        self.refs.push(RefUse {
            parts,
            part_spans,
            span: span.start..end,
        });
    }
}

impl Visit for Scanner {
    fn visit_expr(&mut self, node: &Expression) {
        if let Expression::Variable(v) = node {
            let span = v.span().unwrap_or(0..0);
            self.root(v.as_str(), span, &[]);
            return;
        }
        visit::visit_expr(self, node);
    }

    fn visit_traversal(&mut self, node: &Traversal) {
        match &node.expr {
            Expression::Variable(v) => {
                let span = v.span().unwrap_or(0..0);
                self.root(v.as_str(), span, &node.operators);
            }
            other => self.visit_expr(other),
        }
        for op in &node.operators {
            if let TraversalOperator::Index(e) = op.value() {
                self.visit_expr(e);
            }
        }
    }

    fn visit_func_call(&mut self, node: &FuncCall) {
        self.funcs.push(FuncUse {
            name: node.name.name.as_str().to_string(),
            span: node.name.name.span().unwrap_or(0..0),
            namespaced: node.name.is_namespaced(),
        });
        for arg in node.args.iter() {
            self.visit_expr(arg);
        }
    }

    fn visit_for_expr(&mut self, node: &ForExpr) {
        self.visit_expr(&node.intro.collection_expr);
        let before = self.bound.len();
        if let Some(k) = &node.intro.key_var {
            self.bound.push(k.as_str().to_string());
        }
        self.bound.push(node.intro.value_var.as_str().to_string());
        if let Some(k) = &node.key_expr {
            self.visit_expr(k);
        }
        self.visit_expr(&node.value_expr);
        if let Some(c) = &node.cond {
            self.visit_expr(&c.expr);
        }
        self.bound.truncate(before);
    }

    fn visit_for_directive(&mut self, node: &ForDirective) {
        let f = &node.for_expr;
        self.visit_expr(&f.collection_expr);
        let before = self.bound.len();
        if let Some(k) = &f.key_var {
            self.bound.push(k.as_str().to_string());
        }
        self.bound.push(f.value_var.as_str().to_string());
        self.visit_template(&f.template);
        self.bound.truncate(before);
    }
}

/// Whether `expr` is exactly the bare traversal `parts[0].parts[1]...` (no index, splat or
/// anything else around it). Like comparing [`address_text`] with `parts` joined by dots,
/// without building the text.
pub fn is_bare_traversal(expr: &Expression, parts: &[String]) -> bool {
    let Expression::Traversal(t) = expr else {
        return false;
    };
    let Expression::Variable(root) = &t.expr else {
        return false;
    };
    let Some((first, rest)) = parts.split_first() else {
        return false;
    };
    root.as_str() == first
        && t.operators.len() == rest.len()
        && t.operators.iter().zip(rest).all(|(op, part)| {
            matches!(op.value(), TraversalOperator::GetAttr(ident) if ident.as_str() == part)
        })
}

/// The text of a bare traversal (`workspace.legacy`, `module.m.key.aws.x`) when `expr` is one,
/// or of a plain string literal; used for attributes that name an address without evaluating
/// it.
pub fn address_text(expr: &Expression) -> Option<String> {
    match expr {
        Expression::String(s) => Some(s.as_str().to_string()),
        Expression::Variable(v) => Some(v.as_str().to_string()),
        Expression::Traversal(t) => {
            let Expression::Variable(root) = &t.expr else {
                return None;
            };
            let mut out = root.as_str().to_string();
            for op in &t.operators {
                match op.value() {
                    TraversalOperator::GetAttr(ident) => {
                        out.push('.');
                        out.push_str(ident.as_str());
                    }
                    _ => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Expression {
        hcl_edit::parser::parse_expr(s).unwrap()
    }

    #[test]
    fn finds_refs_and_funcs() {
        let src = r#"merge(var.tags, { a = local.x["k"] }, key.aws.prod.region)"#;
        let s = scan(&parse(src));
        let refs: Vec<String> = s.refs.iter().map(|r| r.parts.join(".")).collect();
        assert_eq!(refs, ["var.tags", "local.x", "key.aws.prod.region"]);
        assert_eq!(s.funcs[0].name, "merge");
        let r = &s.refs[2];
        assert_eq!(&src[r.span.clone()], "key.aws.prod.region");
        assert_eq!(&src[r.span_through(2)], "key.aws.prod");
    }

    #[test]
    fn for_bound_names_are_not_refs() {
        let s = scan(&parse(
            r#"[for k, v in var.m : "${k}-${v}" if v != local.skip]"#,
        ));
        let refs: Vec<String> = s.refs.iter().map(|r| r.parts.join(".")).collect();
        assert_eq!(refs, ["var.m", "local.skip"]);
        let s = scan(&parse("\"%{ for x in var.l }${x}%{ endfor }\""));
        let refs: Vec<String> = s.refs.iter().map(|r| r.parts.join(".")).collect();
        assert_eq!(refs, ["var.l"]);
    }

    #[test]
    fn bare_traversals() {
        // (expression, reference parts, is the expression exactly that traversal)
        let cases = [
            ("key.aws.prod", "key.aws.prod", true),
            ("key.aws.prod", "key.aws", false),
            ("key.aws.prod.arn", "key.aws.prod", false),
            ("key.aws[\"prod\"]", "key.aws.prod", false),
            ("\"key.aws.prod\"", "key.aws.prod", false),
            ("key", "key", false),
        ];
        for (expr, parts, want) in cases {
            let parts: Vec<String> = parts.split('.').map(String::from).collect();
            assert_eq!(
                is_bare_traversal(&parse(expr), &parts),
                want,
                "{expr} ~ {parts:?}"
            );
        }
        assert!(!is_bare_traversal(&parse("key.aws.prod"), &[]));
    }

    #[test]
    fn address_texts() {
        assert_eq!(
            address_text(&parse("workspace.legacy")).as_deref(),
            Some("workspace.legacy")
        );
        assert_eq!(
            address_text(&parse("\"key.aws.x\"")).as_deref(),
            Some("key.aws.x")
        );
        assert_eq!(address_text(&parse("a[0]")), None);
    }
}
