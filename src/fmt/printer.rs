//! Printer: walks the hcl-edit syntax tree and emits a token stream with canonical spacing.
//!
//! The printer decides every space inside a line (one space around `=` and binary operators,
//! `{ a = 1 }`, `[1, 2]`, `f(a, b)`, `for x in xs : x`) and keeps every line break and comment
//! found in the decor of the nodes. Leaf values (strings, numbers, templates, heredocs) are
//! copied from the source byte for byte, so escapes and heredoc bodies are never rewritten.
//! Indentation and alignment are decided later, line by line, in [`super::layout`].

use hcl_edit::expr::{
    Array, Expression, ForExpr, FuncCall, Object, ObjectKey, ObjectValueAssignment,
    ObjectValueTerminator, TraversalOperator,
};
use hcl_edit::structure::{Attribute, Block, BlockLabel, Body, Structure};
use hcl_edit::{Decor, Decorate, Span};

use super::FormatError;
use super::trivia::{self, Trivia};

/// What a token means to the layout pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Plain,
    /// `{`, `[`, `(`: opens a nesting level.
    Open,
    /// `}`, `]`, `)`: closes one.
    Close,
    /// The `=` of an attribute or object item: the column aligned across a run of lines.
    Assign,
    /// `# ...` / `// ...` / a one-line `/* ... */`: may be a trailing comment cell.
    Comment,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// Text without line breaks. `space` is whether one space separates it from the previous
    /// token on the same line.
    Text {
        text: String,
        kind: Kind,
        space: bool,
    },
    /// Text with line breaks (heredocs, multi-line block comments, rare multi-line templates):
    /// its first line joins the current line, the other lines are copied verbatim.
    Verbatim {
        text: String,
        space: bool,
    },
    Newline,
}

/// Prints `body` (parsed from `src`) into tokens.
pub(crate) fn print(src: &str, body: &Body) -> Result<Vec<Tok>, FormatError> {
    let mut p = Printer {
        src,
        out: Vec::new(),
        pending_space: false,
        at_line_start: true,
        need_break: false,
    };
    p.structures(body)?;
    p.decor_suffix(body.decor())?;
    Ok(p.out)
}

struct Printer<'a> {
    src: &'a str,
    out: Vec<Tok>,
    /// A space was requested before the next token (dropped at the start of a line).
    pending_space: bool,
    at_line_start: bool,
    /// A line comment was just written: the next token must start a new line.
    need_break: bool,
}

impl Printer<'_> {
    // ---- low level -------------------------------------------------------------------------

    fn space(&mut self) {
        self.pending_space = true;
    }

    fn newline(&mut self) {
        self.out.push(Tok::Newline);
        self.at_line_start = true;
        self.pending_space = false;
        self.need_break = false;
    }

    fn break_if_needed(&mut self) {
        if self.need_break {
            self.newline();
        }
    }

    /// Emits a token, separated by a space if one was requested.
    fn tok(&mut self, text: &str, kind: Kind) {
        self.break_if_needed();
        let space = self.pending_space && !self.at_line_start;
        self.push(text, kind, space);
    }

    /// Emits a token that never has a space before it (`,`, `)`, `.`, ...).
    fn tight(&mut self, text: &str, kind: Kind) {
        self.break_if_needed();
        self.push(text, kind, false);
    }

    fn push(&mut self, text: &str, kind: Kind, space: bool) {
        if text.contains('\n') {
            self.out.push(Tok::Verbatim {
                text: text.to_string(),
                space,
            });
        } else {
            self.out.push(Tok::Text {
                text: text.to_string(),
                kind,
                space,
            });
        }
        self.at_line_start = false;
        self.pending_space = false;
    }

    /// Emits the comments and line breaks of a decor string.
    fn trivia(&mut self, raw: Option<&hcl_edit::RawString>) -> Result<(), FormatError> {
        let Some(raw) = raw else { return Ok(()) };
        for t in trivia::parse(raw)? {
            self.emit_trivia(t);
        }
        Ok(())
    }

    fn emit_trivia(&mut self, t: Trivia) {
        match t {
            Trivia::Newline => self.newline(),
            Trivia::LineComment(text) => {
                self.space();
                self.tok(&text, Kind::Comment);
                self.need_break = true;
            }
            Trivia::BlockComment(text) => {
                self.space();
                self.tok(&text, Kind::Comment);
                self.space();
            }
        }
    }

    /// Emits the trivia found in the source between two tokens.
    fn gap(&mut self, from: usize, to: usize) -> Result<(), FormatError> {
        let text = self
            .src
            .get(from..to)
            .ok_or_else(|| FormatError::Internal(format!("bad source gap {from}..{to}")))?;
        for t in trivia::parse(text)? {
            self.emit_trivia(t);
        }
        Ok(())
    }

    fn decor_prefix(&mut self, d: &Decor) -> Result<(), FormatError> {
        self.trivia(d.prefix())
    }

    fn decor_suffix(&mut self, d: &Decor) -> Result<(), FormatError> {
        self.trivia(d.suffix())
    }

    /// The source text of a node, which must carry a span (every parsed node does).
    fn source(&self, node: &dyn Span, what: &str) -> Result<&str, FormatError> {
        node.span()
            .and_then(|s| self.src.get(s))
            .ok_or_else(|| FormatError::Internal(format!("{what} has no source span")))
    }

    // ---- structure -------------------------------------------------------------------------

    fn structures(&mut self, body: &Body) -> Result<(), FormatError> {
        for s in body.iter() {
            self.decor_prefix(s.decor())?;
            match s {
                Structure::Attribute(a) => self.attribute(a)?,
                Structure::Block(b) => self.block(b)?,
            }
            self.decor_suffix(s.decor())?;
            self.newline();
        }
        Ok(())
    }

    fn attribute(&mut self, a: &Attribute) -> Result<(), FormatError> {
        self.decor_prefix(a.key.decor())?;
        self.tok(a.key.as_str(), Kind::Plain);
        self.decor_suffix(a.key.decor())?;
        self.space();
        self.tok("=", Kind::Assign);
        self.space();
        self.expr(&a.value)
    }

    fn block(&mut self, b: &Block) -> Result<(), FormatError> {
        self.decor_prefix(b.ident.decor())?;
        self.tok(b.ident.as_str(), Kind::Plain);
        self.decor_suffix(b.ident.decor())?;
        for label in &b.labels {
            self.space();
            self.decor_prefix(label.decor())?;
            let text = match label {
                BlockLabel::Ident(i) => i.as_str().to_string(),
                BlockLabel::String(s) => self.source(s, "block label")?.to_string(),
            };
            self.tok(&text, Kind::Plain);
            self.decor_suffix(label.decor())?;
        }
        self.space();
        self.tok("{", Kind::Open);
        let body = &b.body;
        if body.prefer_oneline() {
            // `name { attr = value }` or `name {}` stays on one line.
            if let Some(attr) = body.iter().find_map(Structure::as_attribute) {
                self.space();
                self.decor_prefix(attr.decor())?;
                self.attribute(attr)?;
                self.decor_suffix(attr.decor())?;
                self.decor_suffix(body.decor())?;
                self.space();
                self.tok("}", Kind::Close);
            } else {
                self.decor_suffix(body.decor())?;
                self.tight("}", Kind::Close);
            }
        } else {
            self.decor_prefix(body.decor())?;
            self.newline();
            self.structures(body)?;
            self.decor_suffix(body.decor())?;
            self.tok("}", Kind::Close);
        }
        Ok(())
    }

    // ---- expressions -----------------------------------------------------------------------

    fn expr(&mut self, e: &Expression) -> Result<(), FormatError> {
        self.decor_prefix(e.decor())?;
        self.expr_inner(e)?;
        self.decor_suffix(e.decor())
    }

    fn expr_inner(&mut self, e: &Expression) -> Result<(), FormatError> {
        match e {
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::String(_)
            | Expression::Variable(_)
            | Expression::StringTemplate(_)
            | Expression::HeredocTemplate(_) => {
                let text = self.source(e, "value")?.to_string();
                self.tok(&text, Kind::Plain);
            }
            Expression::Number(_) => {
                let text = self.source(e, "number")?;
                // `- 1` is the number -1; drop the space unless a comment sits in it.
                let text = if text.contains("/*") {
                    text.to_string()
                } else {
                    text.chars().filter(|c| !c.is_whitespace()).collect()
                };
                self.tok(&text, Kind::Plain);
            }
            Expression::Array(a) => self.array(a)?,
            Expression::Object(o) => self.object(o)?,
            Expression::Parenthesis(p) => {
                self.tok("(", Kind::Open);
                self.expr(p.inner())?;
                self.tight(")", Kind::Close);
            }
            Expression::Conditional(c) => {
                self.expr(&c.cond_expr)?;
                self.space();
                self.tok("?", Kind::Plain);
                self.space();
                self.expr(&c.true_expr)?;
                self.space();
                self.tok(":", Kind::Plain);
                self.space();
                self.expr(&c.false_expr)?;
            }
            Expression::FuncCall(f) => self.func_call(f)?,
            Expression::Traversal(t) => {
                // hcl-edit 0.10 leaves the decor before each operator unresolved, so the
                // trivia between the parts is read from the source gaps instead.
                self.decor_prefix(t.expr.decor())?;
                self.expr_inner(&t.expr)?;
                let mut end = span_of(&t.expr, "traversal base")?.end;
                for op in &t.operators {
                    let span = span_of(op, "traversal operator")?;
                    self.gap(end, span.start)?;
                    self.traversal_operator(op)?;
                    end = span.end;
                }
            }
            Expression::UnaryOp(u) => {
                self.tok(u.operator.as_str(), Kind::Plain);
                self.expr(&u.expr)?;
            }
            Expression::BinaryOp(b) => {
                // As for traversals, the operator's decor is read from the source gaps.
                let op = span_of(&b.operator, "operator")?;
                self.decor_prefix(b.lhs_expr.decor())?;
                self.expr_inner(&b.lhs_expr)?;
                self.gap(span_of(&b.lhs_expr, "operand")?.end, op.start)?;
                self.space();
                self.tok(b.operator.as_str(), Kind::Plain);
                self.space();
                self.gap(op.end, span_of(&b.rhs_expr, "operand")?.start)?;
                self.expr_inner(&b.rhs_expr)?;
                self.decor_suffix(b.rhs_expr.decor())?;
            }
            Expression::ForExpr(f) => self.for_expr(f)?,
        }
        Ok(())
    }

    fn array(&mut self, a: &Array) -> Result<(), FormatError> {
        self.tok("[", Kind::Open);
        for (i, v) in a.iter().enumerate() {
            if i > 0 {
                self.tight(",", Kind::Plain);
                self.space();
            }
            self.expr(v)?;
        }
        if a.trailing_comma() && !a.is_empty() {
            self.tight(",", Kind::Plain);
        }
        self.trivia(Some(a.trailing()))?;
        self.tight("]", Kind::Close);
        Ok(())
    }

    fn object(&mut self, o: &Object) -> Result<(), FormatError> {
        self.tok("{", Kind::Open);
        if o.is_empty() && trivia::parse(o.trailing())?.is_empty() {
            self.tight("}", Kind::Close);
            return Ok(());
        }
        self.space();
        for (key, value) in o.iter() {
            self.decor_prefix(key.decor())?;
            match key {
                ObjectKey::Ident(i) => self.tok(i.as_str(), Kind::Plain),
                ObjectKey::Expression(e) => self.expr_inner(e)?,
            }
            self.decor_suffix(key.decor())?;
            match value.assignment() {
                ObjectValueAssignment::Equals => {
                    self.space();
                    self.tok("=", Kind::Assign);
                }
                ObjectValueAssignment::Colon => self.tight(":", Kind::Plain),
            }
            self.space();
            self.expr(value.expr())?;
            match value.terminator() {
                ObjectValueTerminator::Comma => {
                    self.tight(",", Kind::Plain);
                    self.space();
                }
                ObjectValueTerminator::Newline => self.newline(),
                ObjectValueTerminator::None => {}
            }
        }
        self.trivia(Some(o.trailing()))?;
        self.space();
        self.tok("}", Kind::Close);
        Ok(())
    }

    fn func_call(&mut self, f: &FuncCall) -> Result<(), FormatError> {
        for (i, part) in f.name.namespace.iter().enumerate() {
            self.decor_prefix(part.decor())?;
            if i == 0 {
                self.tok(part.as_str(), Kind::Plain);
            } else {
                self.tight(part.as_str(), Kind::Plain);
            }
            self.decor_suffix(part.decor())?;
            self.tight("::", Kind::Plain);
        }
        self.decor_prefix(f.name.name.decor())?;
        if f.name.namespace.is_empty() {
            self.tok(f.name.name.as_str(), Kind::Plain);
        } else {
            self.tight(f.name.name.as_str(), Kind::Plain);
        }
        self.decor_suffix(f.name.name.decor())?;
        let args = &f.args;
        self.decor_prefix(args.decor())?;
        self.tight("(", Kind::Open);
        for (i, arg) in args.iter().enumerate() {
            if i > 0 {
                self.tight(",", Kind::Plain);
                self.space();
            }
            self.expr(arg)?;
        }
        if !args.is_empty() {
            if args.expand_final() {
                self.tight("...", Kind::Plain);
            } else if args.trailing_comma() {
                self.tight(",", Kind::Plain);
            }
        }
        self.trivia(Some(args.trailing()))?;
        self.tight(")", Kind::Close);
        self.decor_suffix(args.decor())
    }

    fn traversal_operator(&mut self, op: &TraversalOperator) -> Result<(), FormatError> {
        match op {
            TraversalOperator::AttrSplat(s) => {
                self.tight(".", Kind::Plain);
                self.decor_prefix(s.decor())?;
                self.tight("*", Kind::Plain);
                self.decor_suffix(s.decor())?;
            }
            TraversalOperator::FullSplat(s) => {
                self.tight("[", Kind::Open);
                self.decor_prefix(s.decor())?;
                self.tight("*", Kind::Plain);
                self.decor_suffix(s.decor())?;
                self.tight("]", Kind::Close);
            }
            TraversalOperator::GetAttr(i) => {
                self.tight(".", Kind::Plain);
                self.decor_prefix(i.decor())?;
                self.tight(i.as_str(), Kind::Plain);
                self.decor_suffix(i.decor())?;
            }
            TraversalOperator::Index(e) => {
                self.tight("[", Kind::Open);
                self.expr(e)?;
                self.tight("]", Kind::Close);
            }
            TraversalOperator::LegacyIndex(n) => {
                self.tight(".", Kind::Plain);
                self.decor_prefix(n.decor())?;
                self.tight(&n.value().to_string(), Kind::Plain);
                self.decor_suffix(n.decor())?;
            }
        }
        Ok(())
    }

    fn for_expr(&mut self, f: &ForExpr) -> Result<(), FormatError> {
        let is_object = f.key_expr.is_some();
        if is_object {
            self.tok("{", Kind::Open);
            self.space();
        } else {
            self.tok("[", Kind::Open);
        }
        let intro = &f.intro;
        self.decor_prefix(intro.decor())?;
        self.tok("for", Kind::Plain);
        self.space();
        if let Some(k) = &intro.key_var {
            self.decor_prefix(k.decor())?;
            self.tok(k.as_str(), Kind::Plain);
            self.decor_suffix(k.decor())?;
            self.tight(",", Kind::Plain);
            self.space();
        }
        self.decor_prefix(intro.value_var.decor())?;
        self.tok(intro.value_var.as_str(), Kind::Plain);
        self.decor_suffix(intro.value_var.decor())?;
        self.space();
        self.tok("in", Kind::Plain);
        self.space();
        self.expr(&intro.collection_expr)?;
        self.space();
        self.tok(":", Kind::Plain);
        self.decor_suffix(intro.decor())?;
        self.space();
        if let Some(k) = &f.key_expr {
            self.expr(k)?;
            self.space();
            self.tok("=>", Kind::Plain);
            self.space();
        }
        self.expr(&f.value_expr)?;
        if f.grouping {
            self.tight("...", Kind::Plain);
        }
        if let Some(c) = &f.cond {
            self.decor_prefix(c.decor())?;
            self.space();
            self.tok("if", Kind::Plain);
            self.space();
            self.expr(&c.expr)?;
            self.decor_suffix(c.decor())?;
        }
        if is_object {
            self.space();
            self.tok("}", Kind::Close);
        } else {
            self.tight("]", Kind::Close);
        }
        Ok(())
    }
}

/// The source range of a parsed node (excluding its decor).
fn span_of(node: &dyn Span, what: &str) -> Result<std::ops::Range<usize>, FormatError> {
    node.span()
        .ok_or_else(|| FormatError::Internal(format!("{what} has no source span")))
}
