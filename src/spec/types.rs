//! Variable type constraints (`type = list(string)`) and conversion of values to them,
//! following Terraform's rules for the subset specs need: primitives convert between string,
//! number and bool where unambiguous; collections convert element-wise.

use std::fmt;

use hcl::Value;
use hcl_edit::expr::{Expression, ObjectKey};

#[derive(Debug, Clone, PartialEq)]
pub enum TypeConstraint {
    Any,
    String,
    Number,
    Bool,
    List(Box<TypeConstraint>),
    Map(Box<TypeConstraint>),
    Object(Vec<(String, TypeConstraint)>),
}

impl fmt::Display for TypeConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeConstraint::Any => f.write_str("any"),
            TypeConstraint::String => f.write_str("string"),
            TypeConstraint::Number => f.write_str("number"),
            TypeConstraint::Bool => f.write_str("bool"),
            TypeConstraint::List(t) => write!(f, "list({t})"),
            TypeConstraint::Map(t) => write!(f, "map({t})"),
            TypeConstraint::Object(fields) => {
                f.write_str("object({")?;
                for (i, (k, t)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k} = {t}")?;
                }
                f.write_str("})")
            }
        }
    }
}

/// Parses a type constraint expression; `Err` holds a message.
pub fn parse(expr: &Expression) -> Result<TypeConstraint, String> {
    match expr {
        Expression::Variable(v) => match v.as_str() {
            "any" => Ok(TypeConstraint::Any),
            "string" => Ok(TypeConstraint::String),
            "number" => Ok(TypeConstraint::Number),
            "bool" => Ok(TypeConstraint::Bool),
            other => Err(format!(
                "unknown type `{other}`; expected string, number, bool, any, list(...), set(...), map(...) or object({{...}})"
            )),
        },
        Expression::FuncCall(call) => {
            let name = call.name.name.as_str();
            let first = call.args.iter().next();
            let one =
                |f: fn(Box<TypeConstraint>) -> TypeConstraint| -> Result<TypeConstraint, String> {
                    match (first, call.args.len()) {
                        (Some(e), 1) => Ok(f(Box::new(parse(e)?))),
                        _ => Err(format!("`{name}(...)` takes exactly one element type")),
                    }
                };
            match name {
                "list" | "set" => one(TypeConstraint::List),
                "map" => one(TypeConstraint::Map),
                "object" => match (first, call.args.len()) {
                    (Some(Expression::Object(o)), 1) => {
                        let mut fields = Vec::new();
                        for (k, v) in o.iter() {
                            let key = match k {
                                ObjectKey::Ident(i) => i.as_str().to_string(),
                                ObjectKey::Expression(Expression::String(s)) => {
                                    s.as_str().to_string()
                                }
                                _ => return Err(String::from("object type keys must be names")),
                            };
                            fields.push((key, parse(v.expr())?));
                        }
                        Ok(TypeConstraint::Object(fields))
                    }
                    _ => Err(String::from(
                        "`object(...)` takes one object of attribute types",
                    )),
                },
                other => Err(format!("unknown type constructor `{other}`")),
            }
        }
        _ => Err(String::from(
            "a type constraint is a type name like `string` or `list(string)`, not a value",
        )),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

/// Converts `value` to `ty`; `Err` says what did not fit (with a path for nested values).
pub fn convert(value: Value, ty: &TypeConstraint) -> Result<Value, String> {
    convert_at(value, ty, "")
}

fn convert_at(value: Value, ty: &TypeConstraint, path: &str) -> Result<Value, String> {
    let at = |msg: String| {
        if path.is_empty() {
            msg
        } else {
            format!("{msg} at `{path}`")
        }
    };
    if value.is_null() {
        return Ok(value);
    }
    match ty {
        TypeConstraint::Any => Ok(value),
        TypeConstraint::String => match value {
            Value::String(_) => Ok(value),
            Value::Number(n) => Ok(Value::String(n.to_string())),
            Value::Bool(b) => Ok(Value::String(b.to_string())),
            other => Err(at(format!("expected a string, got a {}", kind(&other)))),
        },
        TypeConstraint::Number => match value {
            Value::Number(_) => Ok(value),
            Value::String(s) => {
                let t = s.trim();
                t.parse::<i64>()
                    .map(Value::from)
                    .ok()
                    .or_else(|| {
                        t.parse::<f64>()
                            .ok()
                            .and_then(hcl::Number::from_f64)
                            .map(Value::Number)
                    })
                    .ok_or_else(|| at(format!("expected a number, got \"{s}\"")))
            }
            other => Err(at(format!("expected a number, got a {}", kind(&other)))),
        },
        TypeConstraint::Bool => match value {
            Value::Bool(_) => Ok(value),
            Value::String(s) if s == "true" => Ok(Value::Bool(true)),
            Value::String(s) if s == "false" => Ok(Value::Bool(false)),
            other => Err(at(format!("expected a bool, got a {}", kind(&other)))),
        },
        TypeConstraint::List(elem) => match value {
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| convert_at(v, elem, &format!("{path}[{i}]")))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            other => Err(at(format!("expected a list, got a {}", kind(&other)))),
        },
        TypeConstraint::Map(elem) => match value {
            Value::Object(items) => {
                let mut out = hcl::Map::new();
                for (k, v) in items {
                    let p = format!("{path}[\"{k}\"]");
                    out.insert(k, convert_at(v, elem, &p)?);
                }
                Ok(Value::Object(out))
            }
            other => Err(at(format!("expected a map, got a {}", kind(&other)))),
        },
        TypeConstraint::Object(fields) => match value {
            Value::Object(mut items) => {
                let mut out = hcl::Map::new();
                for (k, t) in fields {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    match items.shift_remove(k) {
                        Some(v) => {
                            out.insert(k.clone(), convert_at(v, t, &p)?);
                        }
                        None => return Err(at(format!("missing attribute `{k}`"))),
                    }
                }
                Ok(Value::Object(out))
            }
            other => Err(at(format!("expected an object, got a {}", kind(&other)))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(s: &str) -> TypeConstraint {
        parse(&hcl_edit::parser::parse_expr(s).unwrap()).unwrap()
    }

    #[test]
    fn parses_and_converts() {
        assert_eq!(ty("list(string)").to_string(), "list(string)");
        assert_eq!(
            ty("object({ a = number })").to_string(),
            "object({a = number})"
        );
        let v = convert(Value::from(vec![1, 2]), &ty("list(string)")).unwrap();
        assert_eq!(v, Value::from(vec!["1", "2"]));
        assert_eq!(
            convert(Value::from("5"), &ty("number")).unwrap(),
            Value::from(5)
        );
        assert!(convert(Value::from("x"), &ty("number")).is_err());
        let err = convert(Value::from(vec![vec![1]]), &ty("list(string)")).unwrap_err();
        assert!(err.contains("[0]"), "{err}");
        assert!(parse(&hcl_edit::parser::parse_expr("strng").unwrap()).is_err());
    }
}
