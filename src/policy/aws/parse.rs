//! Parsing key-policy JSON into [`PolicyDocument`] with located errors.
//!
//! Errors name the path inside the document (`Statement[2].Condition.StringEquals`) and, when
//! parsed from text, the line:column of the statement (or of the JSON syntax error). Nothing
//! here panics on input; hostile nesting is bounded by serde_json's recursion limit.

use std::fmt;

use serde_json::Value;

use super::condition::Operator;
use super::document::{
    ConditionBlock, ConditionClause, ConditionEntry, ConditionValue, Effect, OneOrMany,
    PolicyDocument, PrincipalBlock, PrincipalType, Statement, StatementForm,
};
use super::span::{Span, statement_spans};

/// Why a policy could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyParseError {
    /// Path in the document, e.g. `Statement[2].Condition.StringEquals`; empty for the root.
    pub path: String,
    pub message: String,
    /// 1-based position in the source text, when parsed from text.
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl fmt::Display for PolicyParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "key policy: {}", self.message)?;
        } else {
            write!(f, "key policy {}: {}", self.path, self.message)?;
        }
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, " (line {l}, column {c})")?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyParseError {}

/// A document parsed from text, with the source position of each statement (same order as
/// `document.statements`; empty when positions could not be recovered).
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedPolicy {
    pub document: PolicyDocument,
    pub statement_spans: Vec<Span>,
}

impl ParsedPolicy {
    pub fn span_of(&self, statement_index: usize) -> Option<Span> {
        self.statement_spans.get(statement_index).copied()
    }
}

/// Parse policy JSON text, keeping statement positions.
pub fn parse_policy_text(text: &str) -> Result<ParsedPolicy, PolicyParseError> {
    let value: Value = serde_json::from_str(text).map_err(|e| PolicyParseError {
        path: String::new(),
        message: format!("invalid JSON: {e}"),
        line: Some(e.line()),
        column: Some(e.column()),
    })?;
    let spans = statement_spans(text);
    match parse_policy_value(&value) {
        Ok(document) => {
            let statement_spans = if spans.len() == document.statements.len() {
                spans
            } else {
                Vec::new()
            };
            Ok(ParsedPolicy {
                document,
                statement_spans,
            })
        }
        Err(mut e) => {
            if let Some(span) = statement_index_of(&e.path).and_then(|i| spans.get(i)) {
                e.line = Some(span.line);
                e.column = Some(span.column);
            }
            Err(e)
        }
    }
}

fn statement_index_of(path: &str) -> Option<usize> {
    let rest = path.strip_prefix("Statement[")?;
    rest.split(']').next()?.parse().ok()
}

/// Parse an already-decoded JSON value (e.g. from a spec's `policy = file(...)`).
pub fn parse_policy_value(value: &Value) -> Result<PolicyDocument, PolicyParseError> {
    let obj = value.as_object().ok_or_else(|| {
        err(
            &Path::Root,
            format!("expected a JSON object, found {}", kind(value)),
        )
    })?;
    let mut doc = PolicyDocument {
        version: None,
        id: None,
        statements: Vec::new(),
        statement_form: StatementForm::List,
        extra: Vec::new(),
    };
    let mut saw_statement = false;
    for (k, v) in obj {
        match k.as_str() {
            "Version" => doc.version = Some(string(v, &Path::Field(&Path::Root, "Version"))?),
            "Id" => doc.id = Some(string(v, &Path::Field(&Path::Root, "Id"))?),
            "Statement" => {
                saw_statement = true;
                match v {
                    Value::Object(_) => {
                        doc.statement_form = StatementForm::Object;
                        doc.statements =
                            vec![parse_statement(v, &Path::Field(&Path::Root, "Statement"))?];
                    }
                    Value::Array(items) => {
                        doc.statement_form = StatementForm::List;
                        doc.statements = items
                            .iter()
                            .enumerate()
                            .map(|(i, s)| {
                                parse_statement(s, &Path::Field(&Path::Root, "Statement").at(i))
                            })
                            .collect::<Result<_, _>>()?;
                    }
                    other => {
                        return Err(err(
                            &Path::Field(&Path::Root, "Statement"),
                            format!(
                                "expected an object or a list of objects, found {}",
                                kind(other)
                            ),
                        ));
                    }
                }
            }
            _ => doc.extra.push((k.clone(), v.clone())),
        }
    }
    if !saw_statement {
        return Err(err(&Path::Root, "missing required field `Statement`"));
    }
    Ok(doc)
}

fn parse_statement(v: &Value, path: &Path) -> Result<Statement, PolicyParseError> {
    let obj = v
        .as_object()
        .ok_or_else(|| err(path, format!("expected an object, found {}", kind(v))))?;
    let mut effect = None;
    let mut s = Statement::new(Effect::Allow);
    for (k, v) in obj {
        let field = path.field(k);
        match k.as_str() {
            "Sid" => s.sid = Some(string(v, &field)?),
            "Effect" => {
                effect = Some(match v.as_str() {
                    Some("Allow") => Effect::Allow,
                    Some("Deny") => Effect::Deny,
                    _ => {
                        return Err(err(
                            &field,
                            format!("expected \"Allow\" or \"Deny\", found {}", short(v)),
                        ));
                    }
                })
            }
            "Principal" => s.principal = Some(parse_principal(v, &field)?),
            "NotPrincipal" => s.not_principal = Some(parse_principal(v, &field)?),
            "Action" => s.action = Some(strings(v, &field)?),
            "NotAction" => s.not_action = Some(strings(v, &field)?),
            "Resource" => s.resource = Some(strings(v, &field)?),
            "NotResource" => s.not_resource = Some(strings(v, &field)?),
            "Condition" => s.condition = Some(parse_condition(v, &field)?),
            _ => s.extra.push((k.clone(), v.clone())),
        }
    }
    s.effect = effect.ok_or_else(|| err(path, "missing required field `Effect`"))?;
    Ok(s)
}

fn parse_principal(v: &Value, path: &Path) -> Result<PrincipalBlock, PolicyParseError> {
    match v {
        Value::String(s) if s == "*" => Ok(PrincipalBlock::Wildcard),
        Value::Object(m) => {
            let mut entries = Vec::with_capacity(m.len());
            for (k, v) in m {
                entries.push((PrincipalType::from_key(k), strings(v, &path.field(k))?));
            }
            Ok(PrincipalBlock::Map(entries))
        }
        other => Err(err(
            path,
            format!(
                "expected \"*\" or an object such as {{\"AWS\": ...}}, found {}",
                short(other)
            ),
        )),
    }
}

fn parse_condition(v: &Value, path: &Path) -> Result<ConditionBlock, PolicyParseError> {
    let ops = v.as_object().ok_or_else(|| {
        err(
            path,
            format!("expected an object of operators, found {}", kind(v)),
        )
    })?;
    let mut clauses = Vec::with_capacity(ops.len());
    for (op, keys) in ops {
        let op_path = path.field(op);
        let keys = keys.as_object().ok_or_else(|| {
            err(
                &op_path,
                format!("expected an object of condition keys, found {}", kind(keys)),
            )
        })?;
        let mut entries = Vec::with_capacity(keys.len());
        for (key, values) in keys {
            let key_path = op_path.field(key);
            let values = match values {
                Value::Array(items) => OneOrMany::Many(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| condition_value(item, &key_path.at(i)))
                        .collect::<Result<_, _>>()?,
                ),
                single => OneOrMany::One(condition_value(single, &key_path)?),
            };
            entries.push(ConditionEntry::new(key.clone(), values));
        }
        clauses.push(ConditionClause {
            operator: Operator::parse(op),
            entries,
        });
    }
    Ok(ConditionBlock { clauses })
}

fn condition_value(v: &Value, path: &Path) -> Result<ConditionValue, PolicyParseError> {
    match v {
        Value::String(s) => Ok(ConditionValue::String(s.clone())),
        Value::Bool(b) => Ok(ConditionValue::Bool(*b)),
        Value::Number(n) => Ok(ConditionValue::Number(n.clone())),
        other => Err(err(
            path,
            format!(
                "expected a string, boolean or number, found {}",
                kind(other)
            ),
        )),
    }
}

fn string(v: &Value, path: &Path) -> Result<String, PolicyParseError> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| err(path, format!("expected a string, found {}", kind(v))))
}

fn strings(v: &Value, path: &Path) -> Result<OneOrMany<String>, PolicyParseError> {
    match v {
        Value::String(s) => Ok(OneOrMany::One(s.clone())),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| string(item, &path.at(i)))
            .collect::<Result<Vec<_>, _>>()
            .map(OneOrMany::Many),
        other => Err(err(
            path,
            format!(
                "expected a string or a list of strings, found {}",
                kind(other)
            ),
        )),
    }
}

/// Where a value sits in the document (`Statement[2].Condition.StringEquals`), kept as a chain
/// of borrowed segments and rendered only when an error needs it: formatting the path of every
/// field of every statement was most of the cost of parsing a policy.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Field(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    fn field(&'a self, name: &'a str) -> Path<'a> {
        Path::Field(self, name)
    }

    fn at(&'a self, index: usize) -> Path<'a> {
        Path::Index(self, index)
    }
}

impl fmt::Display for Path<'_> {
    /// `Statement[2].Condition.StringEquals`; the root is the empty string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Field(Path::Root, name) => f.write_str(name),
            Path::Field(parent, name) => write!(f, "{parent}.{name}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

fn err(path: &Path, message: impl Into<String>) -> PolicyParseError {
    PolicyParseError {
        path: path.to_string(),
        message: message.into(),
        line: None,
        column: None,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A short rendering of a value for messages (never the whole document).
fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(40).collect();
        format!("{cut}...")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_in_errors() {
        let text = r#"{"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "kms:*"},
            {"Effect": "Allow", "Principal": "*", "Action": "kms:*"},
            {"Effect": "Allow", "Condition": {"StringEquals": 3}}
        ]}"#;
        let e = parse_policy_text(text).unwrap_err();
        assert_eq!(e.path, "Statement[2].Condition.StringEquals");
        assert_eq!(e.line, Some(4));
        assert!(
            e.to_string()
                .contains("expected an object of condition keys")
        );
    }

    #[test]
    fn error_paths_name_every_kind_of_segment() {
        let path_of = |text: &str| parse_policy_text(text).unwrap_err().path;
        assert_eq!(path_of("[]"), "");
        assert_eq!(path_of(r#"{"Version": 1, "Statement": []}"#), "Version");
        assert_eq!(path_of(r#"{"Id": [], "Statement": []}"#), "Id");
        assert_eq!(path_of(r#"{"Statement": 3}"#), "Statement");
        assert_eq!(
            path_of(r#"{"Statement": {"Effect": "Maybe"}}"#),
            "Statement.Effect"
        );
        assert_eq!(
            path_of(
                r#"{"Statement": [{"Effect": "Allow"}, {"Effect": "Allow", "Action": ["a", 2]}]}"#
            ),
            "Statement[1].Action[1]"
        );
        assert_eq!(
            path_of(r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWS": {}}}]}"#),
            "Statement[0].Principal.AWS"
        );
        assert_eq!(
            path_of(
                r#"{"Statement": [{"Effect": "Allow", "Condition": {"StringEquals": {"k": ["a", null]}}}]}"#
            ),
            "Statement[0].Condition.StringEquals.k[1]"
        );
        assert_eq!(
            path_of(r#"{"Statement": [{"Effect": "Allow", "Condition": {"Bool": {"k": {}}}}]}"#),
            "Statement[0].Condition.Bool.k"
        );
        assert_eq!(path_of(r#"{"Statement": [7]}"#), "Statement[0]");
    }

    #[test]
    fn syntax_errors_are_located() {
        let e = parse_policy_text("{\n \"Statement\": [,]}").unwrap_err();
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_policy_text(&text).is_err());
    }
}
