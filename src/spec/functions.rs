//! The function library available in spec expressions.
//!
//! Pure functions are `hcl-rs` [`FuncDef`]s in one base [`Context`] that every evaluation
//! clones. `file(path)` needs the directory of the file it is written in and a located error,
//! so the evaluator replaces `file(...)` calls before evaluation (see `eval::inline_files`);
//! the `file` entry here only exists so the name is known.

use hcl::Value;
use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};

/// Every function name a spec may call, sorted (for "did you mean").
pub const NAMES: &[&str] = &[
    "coalesce",
    "concat",
    "contains",
    "distinct",
    "file",
    "flatten",
    "format",
    "join",
    "jsondecode",
    "jsonencode",
    "keys",
    "length",
    "lookup",
    "lower",
    "merge",
    "replace",
    "split",
    "tolist",
    "tomap",
    "tonumber",
    "toset",
    "tostring",
    "trimspace",
    "upper",
    "values",
];

pub fn is_known(name: &str) -> bool {
    NAMES.binary_search(&name).is_ok()
}

/// A context holding every function and no variables.
pub fn base_context() -> Context<'static> {
    let mut ctx = Context::new();
    for name in NAMES {
        declare(&mut ctx, name);
    }
    ctx
}

/// Declares one function (by name) in `ctx`; unknown names are ignored.
pub fn declare(ctx: &mut Context, name: &str) {
    let s = || ParamType::String;
    let any = || ParamType::Any;
    let list = || ParamType::array_of(ParamType::Any);
    let obj = || ParamType::object_of(ParamType::Any);
    let mk = |params: Vec<ParamType>, f: hcl::eval::Func| FuncDef::new(f, params);
    let def = match name {
        "coalesce" => FuncDef::builder().variadic_param(any()).build(coalesce),
        "concat" => FuncDef::builder().variadic_param(list()).build(concat),
        "contains" => mk(vec![list(), any()], contains),
        "distinct" => mk(vec![list()], distinct),
        "file" => mk(vec![s()], file_placeholder),
        "flatten" => mk(vec![list()], flatten),
        "format" => FuncDef::builder()
            .param(s())
            .variadic_param(any())
            .build(format),
        "join" => mk(vec![s(), list()], join),
        "jsondecode" => mk(vec![s()], jsondecode),
        "jsonencode" => mk(vec![any()], jsonencode),
        "keys" => mk(vec![obj()], keys),
        "length" => mk(vec![any()], length),
        "lookup" => FuncDef::builder()
            .param(obj())
            .param(s())
            .variadic_param(any())
            .build(lookup),
        "lower" => mk(vec![s()], lower),
        "merge" => FuncDef::builder()
            .variadic_param(ParamType::nullable(obj()))
            .build(merge),
        "replace" => mk(vec![s(), s(), s()], replace),
        "split" => mk(vec![s(), s()], split),
        "tolist" => mk(vec![list()], tolist),
        "tomap" => mk(vec![obj()], tomap),
        "tonumber" => mk(vec![any()], tonumber),
        "toset" => mk(vec![list()], toset),
        "tostring" => mk(vec![any()], tostring),
        "trimspace" => mk(vec![s()], trimspace),
        "upper" => mk(vec![s()], upper),
        "values" => mk(vec![obj()], values),
        _ => return,
    };
    ctx.declare_func(name, def);
}

fn arg(args: &FuncArgs, i: usize) -> Result<&Value, String> {
    args.get(i)
        .ok_or_else(|| format!("missing argument {}", i + 1))
}

fn str_arg(args: &FuncArgs, i: usize) -> Result<&str, String> {
    arg(args, i)?
        .as_str()
        .ok_or_else(|| format!("argument {} must be a string", i + 1))
}

fn array_arg(args: &FuncArgs, i: usize) -> Result<&Vec<Value>, String> {
    arg(args, i)?
        .as_array()
        .ok_or_else(|| format!("argument {} must be a list", i + 1))
}

fn object_arg(args: &FuncArgs, i: usize) -> Result<&hcl::Map<String, Value>, String> {
    arg(args, i)?
        .as_object()
        .ok_or_else(|| format!("argument {} must be an object", i + 1))
}

/// A primitive rendered as a string the way templates do (`1`, `true`, `text`).
pub fn primitive_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn file_placeholder(_: FuncArgs) -> Result<Value, String> {
    Err(String::from(
        "the path given to file() must be known without `for` variables",
    ))
}

fn coalesce(args: FuncArgs) -> Result<Value, String> {
    args.iter()
        .find(|v| !v.is_null() && v.as_str() != Some(""))
        .cloned()
        .ok_or_else(|| String::from("no non-null, non-empty argument"))
}

fn concat(args: FuncArgs) -> Result<Value, String> {
    let mut out = Vec::new();
    for v in args.iter() {
        if let Some(a) = v.as_array() {
            out.extend(a.iter().cloned());
        }
    }
    Ok(Value::Array(out))
}

fn contains(args: FuncArgs) -> Result<Value, String> {
    let list = array_arg(&args, 0)?;
    let needle = arg(&args, 1)?;
    Ok(Value::Bool(list.contains(needle)))
}

fn dedup(list: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for v in list {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    out
}

fn distinct(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::Array(dedup(array_arg(&args, 0)?)))
}

fn flatten_into(list: &[Value], out: &mut Vec<Value>) {
    for v in list {
        match v {
            Value::Array(inner) => flatten_into(inner, out),
            other => out.push(other.clone()),
        }
    }
}

fn flatten(args: FuncArgs) -> Result<Value, String> {
    let mut out = Vec::new();
    flatten_into(array_arg(&args, 0)?, &mut out);
    Ok(Value::Array(out))
}

fn format(args: FuncArgs) -> Result<Value, String> {
    let spec = str_arg(&args, 0)?;
    let mut rest = args.iter().skip(1);
    let mut out = String::new();
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let verb = chars
            .next()
            .ok_or_else(|| String::from("format string ends with `%`"))?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let v = rest
            .next()
            .ok_or_else(|| format!("not enough arguments for `%{verb}`"))?;
        match verb {
            's' | 'v' => out.push_str(
                &primitive_string(v)
                    .unwrap_or_else(|| serde_json::to_string(v).unwrap_or_default()),
            ),
            'd' => match v {
                Value::Number(n) if n.is_i64() || n.is_u64() => out.push_str(&n.to_string()),
                other => return Err(format!("`%d` needs a whole number, got {other}")),
            },
            'f' => match v {
                Value::Number(n) => out.push_str(&n.as_f64().unwrap_or(0.0).to_string()),
                other => return Err(format!("`%f` needs a number, got {other}")),
            },
            'q' => out.push_str(
                &serde_json::to_string(&primitive_string(v).unwrap_or_default())
                    .unwrap_or_default(),
            ),
            'j' => out.push_str(&serde_json::to_string(v).unwrap_or_default()),
            other => return Err(format!("unsupported format verb `%{other}`")),
        }
    }
    if rest.next().is_some() {
        return Err(String::from("too many arguments for the format string"));
    }
    Ok(Value::String(out))
}

fn join(args: FuncArgs) -> Result<Value, String> {
    let sep = str_arg(&args, 0)?;
    let parts: Result<Vec<String>, String> = array_arg(&args, 1)?
        .iter()
        .map(|v| primitive_string(v).ok_or_else(|| format!("cannot join {v}")))
        .collect();
    Ok(Value::String(parts?.join(sep)))
}

fn jsondecode(args: FuncArgs) -> Result<Value, String> {
    serde_json::from_str::<Value>(str_arg(&args, 0)?).map_err(|e| format!("invalid JSON: {e}"))
}

fn jsonencode(args: FuncArgs) -> Result<Value, String> {
    serde_json::to_string(arg(&args, 0)?)
        .map(Value::String)
        .map_err(|e| e.to_string())
}

fn sorted_keys(m: &hcl::Map<String, Value>) -> Vec<&String> {
    let mut k: Vec<&String> = m.keys().collect();
    k.sort();
    k
}

fn keys(args: FuncArgs) -> Result<Value, String> {
    let m = object_arg(&args, 0)?;
    Ok(Value::Array(
        sorted_keys(m)
            .into_iter()
            .map(|k| Value::String(k.clone()))
            .collect(),
    ))
}

fn values(args: FuncArgs) -> Result<Value, String> {
    let m = object_arg(&args, 0)?;
    Ok(Value::Array(
        sorted_keys(m)
            .into_iter()
            .filter_map(|k| m.get(k).cloned())
            .collect(),
    ))
}

fn length(args: FuncArgs) -> Result<Value, String> {
    let n = match arg(&args, 0)? {
        Value::String(s) => s.chars().count(),
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        other => return Err(format!("length() needs a string, list or map, got {other}")),
    };
    Ok(Value::from(n as u64))
}

fn lookup(args: FuncArgs) -> Result<Value, String> {
    let m = object_arg(&args, 0)?;
    let k = str_arg(&args, 1)?;
    match m.get(k) {
        Some(v) => Ok(v.clone()),
        None => args
            .get(2)
            .cloned()
            .ok_or_else(|| format!("key `{k}` not found and no default given")),
    }
}

fn lower(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(str_arg(&args, 0)?.to_lowercase()))
}

fn upper(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(str_arg(&args, 0)?.to_uppercase()))
}

fn merge(args: FuncArgs) -> Result<Value, String> {
    let mut out = hcl::Map::new();
    for v in args.iter() {
        if let Some(o) = v.as_object() {
            for (k, v) in o {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(Value::Object(out))
}

fn replace(args: FuncArgs) -> Result<Value, String> {
    let s = str_arg(&args, 0)?;
    let from = str_arg(&args, 1)?;
    let to = str_arg(&args, 2)?;
    if from.is_empty() {
        return Ok(Value::String(s.to_string()));
    }
    Ok(Value::String(s.replace(from, to)))
}

fn split(args: FuncArgs) -> Result<Value, String> {
    let sep = str_arg(&args, 0)?;
    let s = str_arg(&args, 1)?;
    if s.is_empty() {
        return Ok(Value::Array(Vec::new()));
    }
    if sep.is_empty() {
        return Err(String::from("split() needs a non-empty separator"));
    }
    Ok(Value::Array(
        s.split(sep).map(|p| Value::String(p.to_string())).collect(),
    ))
}

fn tolist(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::Array(array_arg(&args, 0)?.clone()))
}

fn tomap(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::Object(object_arg(&args, 0)?.clone()))
}

fn toset(args: FuncArgs) -> Result<Value, String> {
    let mut out = dedup(array_arg(&args, 0)?);
    // Sets of strings iterate in lexical order, as in Terraform.
    if out.iter().all(Value::is_string) {
        out.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    Ok(Value::Array(out))
}

fn tostring(args: FuncArgs) -> Result<Value, String> {
    match arg(&args, 0)? {
        Value::Null => Ok(Value::Null),
        v => primitive_string(v)
            .map(Value::String)
            .ok_or_else(|| format!("cannot convert {v} to a string")),
    }
}

fn tonumber(args: FuncArgs) -> Result<Value, String> {
    match arg(&args, 0)? {
        Value::Null => Ok(Value::Null),
        Value::Number(n) => Ok(Value::Number(*n)),
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| {
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(hcl::Number::from_f64)
                    .map(Value::Number)
                    .ok_or(())
            })
            .map_err(|_| format!("cannot convert \"{s}\" to a number")),
        v => Err(format!("cannot convert {v} to a number")),
    }
}

fn trimspace(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(str_arg(&args, 0)?.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl::eval::Evaluate;

    fn eval(src: &str) -> Result<Value, String> {
        let e: hcl::Expression = src.parse().map_err(|e: hcl::Error| e.to_string())?;
        e.evaluate(&base_context()).map_err(|e| e.to_string())
    }

    #[test]
    fn names_are_sorted_and_declared() {
        let mut sorted = NAMES.to_vec();
        sorted.sort();
        assert_eq!(sorted, NAMES);
    }

    #[test]
    fn evaluates_each_function() {
        let cases = [
            (r#"coalesce(null, "", "a")"#, r#""a""#),
            ("concat([1], [2, 3])", "[1, 2, 3]"),
            ("contains([1, 2], 2)", "true"),
            ("distinct([1, 1, 2])", "[1, 2]"),
            ("flatten([[1, [2]], 3])", "[1, 2, 3]"),
            (r#"format("%s-%d %q %%", "a", 5, "b")"#, r#""a-5 \"b\" %""#),
            (r#"join(",", ["a", "b"])"#, r#""a,b""#),
            (r#"jsondecode("{\"a\": [1]}")"#, "{ a = [1] }"),
            (r#"jsonencode({ a = [1, "x"] })"#, r#""{\"a\":[1,\"x\"]}""#),
            ("keys({ b = 1, a = 2 })", r#"["a", "b"]"#),
            ("values({ b = 1, a = 2 })", "[2, 1]"),
            (r#"length("héllo")"#, "5"),
            (r#"lookup({ a = 1 }, "b", 7)"#, "7"),
            (r#"lower("AbC")"#, r#""abc""#),
            (r#"upper("AbC")"#, r#""ABC""#),
            ("merge({ a = 1 }, { a = 2, b = 3 })", "{ a = 2, b = 3 }"),
            (r#"replace("a-b-c", "-", "_")"#, r#""a_b_c""#),
            (r#"split(",", "a,b")"#, r#"["a", "b"]"#),
            (r#"toset(["b", "a", "b"])"#, r#"["a", "b"]"#),
            ("tolist([1])", "[1]"),
            (r#"tonumber("42")"#, "42"),
            ("tostring(5)", r#""5""#),
            (r#"trimspace("  x \n")"#, r#""x""#),
        ];
        for (src, want) in cases {
            let got = eval(src).unwrap_or_else(|e| panic!("{src}: {e}"));
            let want = eval(want).unwrap();
            assert_eq!(got, want, "{src}");
        }
    }

    #[test]
    fn errors_are_messages_not_panics() {
        for src in [
            r#"jsondecode("{")"#,
            r#"format("%d", "x")"#,
            r#"format("%s")"#,
            r#"lookup({}, "k")"#,
            "length(1)",
            "coalesce(null)",
            r#"split("", "abc")"#,
            r#"file("x")"#,
        ] {
            assert!(eval(src).is_err(), "{src}");
        }
    }
}
