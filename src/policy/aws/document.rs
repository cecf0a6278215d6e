//! The AWS key-policy document model: exactly what a policy says, nothing normalized.
//!
//! Invariants:
//! - lossless: every field keeps its JSON shape (a string stays a string, a list stays a list,
//!   `true` stays a boolean, a number stays a number), unknown statement fields and unknown
//!   condition operators are kept, and `Statement` remembers whether it was one object or a list,
//!   so `parse(serialize(d)) == d` for every parsed `d`;
//! - condition keys are lowercased once at parse time (`ConditionEntry::key_lc`) because IAM
//!   condition keys are case-insensitive; the evaluator never lowercases on the hot path;
//! - the model carries no source positions (see [`super::parse::ParsedPolicy`]), so two
//!   documents compare equal regardless of how they were formatted.

use serde_json::{Map, Value};

use super::condition::Operator;

/// A JSON field IAM accepts as either one value or a list of values. Remembers which.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        match self {
            OneOrMany::One(v) => std::slice::from_ref(v).iter(),
            OneOrMany::Many(vs) => vs.iter(),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            OneOrMany::One(_) => 1,
            OneOrMany::Many(vs) => vs.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One value stays `One`, anything else becomes `Many` (the shape renderers use).
    pub fn from_vec(mut values: Vec<T>) -> Self {
        if values.len() == 1
            && let Some(v) = values.pop()
        {
            return OneOrMany::One(v);
        }
        OneOrMany::Many(values)
    }

    pub fn to_vec(&self) -> Vec<T>
    where
        T: Clone,
    {
        self.iter().cloned().collect()
    }
}

impl<'a, T> IntoIterator for &'a OneOrMany<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// The key of one entry in a `Principal` map.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalType {
    Aws,
    Service,
    Federated,
    CanonicalUser,
    /// Any other key, kept verbatim (AWS would reject it; lint reports it).
    Other(String),
}

impl PrincipalType {
    pub fn from_key(key: &str) -> Self {
        match key {
            "AWS" => PrincipalType::Aws,
            "Service" => PrincipalType::Service,
            "Federated" => PrincipalType::Federated,
            "CanonicalUser" => PrincipalType::CanonicalUser,
            other => PrincipalType::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            PrincipalType::Aws => "AWS",
            PrincipalType::Service => "Service",
            PrincipalType::Federated => "Federated",
            PrincipalType::CanonicalUser => "CanonicalUser",
            PrincipalType::Other(s) => s,
        }
    }
}

/// `Principal` / `NotPrincipal`: either the bare string `"*"` or a map of typed values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrincipalBlock {
    /// `"Principal": "*"`.
    Wildcard,
    /// `{"AWS": ..., "Service": ...}` in document order.
    Map(Vec<(PrincipalType, OneOrMany<String>)>),
}

impl PrincipalBlock {
    /// Every `(type, value)` pair; `Wildcard` yields nothing (check it separately).
    pub fn entries(&self) -> impl Iterator<Item = (&PrincipalType, &str)> {
        let map: &[(PrincipalType, OneOrMany<String>)] = match self {
            PrincipalBlock::Wildcard => &[],
            PrincipalBlock::Map(m) => m,
        };
        map.iter()
            .flat_map(|(t, vs)| vs.iter().map(move |v| (t, v.as_str())))
    }
}

/// One value in a condition. JSON strings, booleans and numbers are all legal and kept as
/// written; IAM compares them as strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConditionValue {
    String(String),
    Bool(bool),
    Number(serde_json::Number),
}

impl ConditionValue {
    /// The string IAM compares (`true`, `12`, or the string itself).
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            ConditionValue::String(s) => std::borrow::Cow::Borrowed(s),
            ConditionValue::Bool(b) => {
                std::borrow::Cow::Borrowed(if *b { "true" } else { "false" })
            }
            ConditionValue::Number(n) => std::borrow::Cow::Owned(n.to_string()),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            ConditionValue::String(s) => Value::String(s.clone()),
            ConditionValue::Bool(b) => Value::Bool(*b),
            ConditionValue::Number(n) => Value::Number(n.clone()),
        }
    }
}

/// `"<condition key>": <values>` inside one operator.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConditionEntry {
    /// As written in the document.
    pub key: String,
    /// Lowercased once at parse time (condition keys are case-insensitive).
    pub key_lc: String,
    pub values: OneOrMany<ConditionValue>,
}

impl ConditionEntry {
    pub fn new(key: impl Into<String>, values: OneOrMany<ConditionValue>) -> Self {
        let key = key.into();
        let key_lc = key.to_ascii_lowercase();
        ConditionEntry {
            key,
            key_lc,
            values,
        }
    }

    /// Convenience for renderers: string values, `One` for a single value.
    pub fn strings<S: Into<String>>(key: impl Into<String>, values: Vec<S>) -> Self {
        let values = values
            .into_iter()
            .map(|v| ConditionValue::String(v.into()))
            .collect();
        ConditionEntry::new(key, OneOrMany::from_vec(values))
    }
}

/// `"<Operator>": { entries }`. `operator.raw` keeps the spelling, unknown operators included.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConditionClause {
    pub operator: Operator,
    pub entries: Vec<ConditionEntry>,
}

/// A statement's `Condition` block, clauses in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ConditionBlock {
    pub clauses: Vec<ConditionClause>,
}

/// One statement. Exactly one of `principal`/`not_principal` is normally set (key policies
/// require a principal), likewise for actions and resources; the parser accepts and keeps
/// whatever is there and lint reports what AWS would reject.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<PrincipalBlock>,
    pub not_principal: Option<PrincipalBlock>,
    pub action: Option<OneOrMany<String>>,
    pub not_action: Option<OneOrMany<String>>,
    pub resource: Option<OneOrMany<String>>,
    pub not_resource: Option<OneOrMany<String>>,
    pub condition: Option<ConditionBlock>,
    /// Fields AWS does not define, kept verbatim in document order.
    pub extra: Vec<(String, Value)>,
}

impl Statement {
    /// A bare statement with an effect and nothing else, for builders.
    pub fn new(effect: Effect) -> Self {
        Statement {
            sid: None,
            effect,
            principal: None,
            not_principal: None,
            action: None,
            not_action: None,
            resource: None,
            not_resource: None,
            condition: None,
            extra: Vec::new(),
        }
    }

    /// `Sid` or `#<index>` for messages.
    pub fn label(&self, index: usize) -> String {
        match &self.sid {
            Some(s) if !s.is_empty() => s.clone(),
            _ => format!("#{index}"),
        }
    }
}

/// Whether `Statement` was one object or a list (kept for lossless round trips).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StatementForm {
    Object,
    #[default]
    List,
}

/// A whole key policy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
    pub statement_form: StatementForm,
    /// Top-level fields AWS does not define, kept verbatim in document order.
    pub extra: Vec<(String, Value)>,
}

/// The policy language version every renderer writes.
pub const POLICY_VERSION: &str = "2012-10-17";

impl PolicyDocument {
    pub fn new(statements: Vec<Statement>) -> Self {
        PolicyDocument {
            version: Some(POLICY_VERSION.to_string()),
            id: None,
            statements,
            statement_form: StatementForm::List,
            extra: Vec::new(),
        }
    }

    /// The statement with this Sid, if any (first one when Sids repeat).
    pub fn statement(&self, sid: &str) -> Option<&Statement> {
        self.statements
            .iter()
            .find(|s| s.sid.as_deref() == Some(sid))
    }

    /// Serialize to a JSON value with AWS's customary field order.
    pub fn to_json(&self) -> Value {
        let mut top = Map::new();
        if let Some(v) = &self.version {
            top.insert("Version".into(), Value::String(v.clone()));
        }
        if let Some(id) = &self.id {
            top.insert("Id".into(), Value::String(id.clone()));
        }
        let statements = match (self.statement_form, self.statements.as_slice()) {
            (StatementForm::Object, [only]) => statement_to_json(only),
            _ => Value::Array(self.statements.iter().map(statement_to_json).collect()),
        };
        top.insert("Statement".into(), statements);
        for (k, v) in &self.extra {
            top.insert(k.clone(), v.clone());
        }
        Value::Object(top)
    }

    /// Pretty JSON (two-space indent), the form renderers and snapshots use.
    pub fn to_pretty_string(&self) -> String {
        // Serializing a `Value` cannot fail.
        serde_json::to_string_pretty(&self.to_json()).unwrap_or_default()
    }
}

fn strings_to_json(v: &OneOrMany<String>) -> Value {
    match v {
        OneOrMany::One(s) => Value::String(s.clone()),
        OneOrMany::Many(vs) => Value::Array(vs.iter().cloned().map(Value::String).collect()),
    }
}

fn principal_to_json(p: &PrincipalBlock) -> Value {
    match p {
        PrincipalBlock::Wildcard => Value::String("*".into()),
        PrincipalBlock::Map(entries) => {
            let mut m = Map::new();
            for (t, vs) in entries {
                m.insert(t.as_str().to_string(), strings_to_json(vs));
            }
            Value::Object(m)
        }
    }
}

fn condition_to_json(c: &ConditionBlock) -> Value {
    let mut ops = Map::new();
    for clause in &c.clauses {
        let mut entries = Map::new();
        for e in &clause.entries {
            let v = match &e.values {
                OneOrMany::One(v) => v.to_json(),
                OneOrMany::Many(vs) => {
                    Value::Array(vs.iter().map(ConditionValue::to_json).collect())
                }
            };
            entries.insert(e.key.clone(), v);
        }
        ops.insert(clause.operator.raw().to_string(), Value::Object(entries));
    }
    Value::Object(ops)
}

/// Statements serialize as their policy JSON (reports and plan files embed them).
impl serde::Serialize for Statement {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&statement_to_json(self), serializer)
    }
}

/// One statement as JSON, fields in AWS's customary order, unknown fields last.
pub fn statement_to_json(s: &Statement) -> Value {
    let mut m = Map::new();
    if let Some(sid) = &s.sid {
        m.insert("Sid".into(), Value::String(sid.clone()));
    }
    m.insert("Effect".into(), Value::String(s.effect.as_str().into()));
    if let Some(p) = &s.principal {
        m.insert("Principal".into(), principal_to_json(p));
    }
    if let Some(p) = &s.not_principal {
        m.insert("NotPrincipal".into(), principal_to_json(p));
    }
    if let Some(a) = &s.action {
        m.insert("Action".into(), strings_to_json(a));
    }
    if let Some(a) = &s.not_action {
        m.insert("NotAction".into(), strings_to_json(a));
    }
    if let Some(r) = &s.resource {
        m.insert("Resource".into(), strings_to_json(r));
    }
    if let Some(r) = &s.not_resource {
        m.insert("NotResource".into(), strings_to_json(r));
    }
    if let Some(c) = &s.condition {
        m.insert("Condition".into(), condition_to_json(c));
    }
    for (k, v) in &s.extra {
        m.insert(k.clone(), v.clone());
    }
    Value::Object(m)
}

/// A condition operator IAM does not define, kept in the document and reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownOperator {
    pub statement_index: usize,
    pub sid: Option<String>,
    pub operator: String,
}

impl PolicyDocument {
    /// Every unknown condition operator, in document order (lint reports them; the evaluator
    /// treats them pessimistically).
    pub fn unknown_operators(&self) -> Vec<UnknownOperator> {
        self.statements
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                s.condition
                    .iter()
                    .flat_map(|c| c.clauses.iter())
                    .filter(|c| c.operator.is_unknown())
                    .map(move |c| UnknownOperator {
                        statement_index: i,
                        sid: s.sid.clone(),
                        operator: c.operator.raw().to_string(),
                    })
            })
            .collect()
    }
}
