//! Values of expressions that are plain literals (`"us-east-2"`, `3072`, `true`, `["a", "b"]`,
//! `{ team = "t0" }`), read straight from the syntax tree.
//!
//! Most attributes of a real spec are literals. Evaluating them through `hcl-rs` means cloning
//! the expression, converting it and building an evaluation context, which dominated the time
//! of loading a large spec; a literal's value needs none of that. Anything that is not a
//! literal (templates, references, function calls, operators, `for` expressions, heredocs)
//! returns `None` and goes through the evaluator, so the result is always exactly what `hcl-rs`
//! would compute.

use hcl::Value;
use hcl_edit::expr::{Expression, ObjectKey};

/// The value of `expr` when it is a literal, `None` otherwise.
pub fn value(expr: &Expression) -> Option<Value> {
    Some(match expr {
        Expression::Null(_) => Value::Null,
        Expression::Bool(b) => Value::Bool(*b.value()),
        Expression::Number(n) => Value::Number(*n.value()),
        Expression::String(s) => Value::String(s.value().clone()),
        Expression::Array(items) => Value::Array(items.iter().map(value).collect::<Option<_>>()?),
        Expression::Object(obj) => {
            let mut map = hcl::Map::with_capacity(obj.len());
            for (k, v) in obj.iter() {
                let key = match k {
                    ObjectKey::Ident(id) => id.as_str().to_string(),
                    ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                    ObjectKey::Expression(_) => return None,
                };
                map.insert(key, value(v.expr())?);
            }
            Value::Object(map)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use hcl::eval::{Context, Evaluate};

    use super::*;

    fn by_hcl_rs(src: &str) -> Value {
        let e: hcl::Expression = hcl_edit::parser::parse_expr(src).unwrap().into();
        e.evaluate(&Context::new()).unwrap()
    }

    #[test]
    fn literals_match_hcl_rs() {
        for src in [
            "null",
            "true",
            "false",
            "3072",
            "-1",
            "1.5e3",
            r#""us-east-2""#,
            r#""esc\"aped\n\u00e9""#,
            r#""$${not_interpolated}""#,
            r#"["a", "b", 1, [true, null]]"#,
            r#"{ team = "t0", "quoted key" = 1, nested = { x = ["y"] } }"#,
            "[]",
            "{}",
        ] {
            let e = hcl_edit::parser::parse_expr(src).unwrap_or_else(|e| panic!("{src}: {e}"));
            assert_eq!(value(&e), Some(by_hcl_rs(src)), "{src}");
        }
    }

    #[test]
    fn non_literals_are_left_to_the_evaluator() {
        for src in [
            r#""${var.x}""#,
            r#""a-%{ if true }b%{ endif }""#,
            "var.x",
            "file(\"p.json\")",
            "1 + 2",
            "[for x in [1] : x]",
            r#"{ (var.k) = 1 }"#,
            r#"["a", var.b]"#,
            "<<EOT\nx\nEOT",
            "true ? 1 : 2",
            "-var.n",
        ] {
            let e = hcl_edit::parser::parse_expr(src).unwrap_or_else(|e| panic!("{src}: {e}"));
            assert_eq!(value(&e), None, "{src}");
        }
    }
}
