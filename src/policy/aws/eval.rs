//! The key-policy evaluator for the IAM subset KMS key policies use.
//!
//! Order of decision (IAM's): an applicable `Deny` wins; otherwise an applicable `Allow` that
//! names the principal directly allows; otherwise an `Allow` that names the principal's account
//! root *delegates* the decision to that account's IAM policies (a distinct outcome: the key
//! policy alone does not grant it, and an identity in another account, such as Anthropic's role,
//! is never helped by the customer account's root statement); otherwise implicit deny.
//!
//! A [`CompiledPolicy`] is built once per document: actions, principals, resources and
//! condition values are parsed and lowercased there, so evaluating a request does no parsing
//! and allocates only for the list of deciding statements.
//!
//! Pessimism, on purpose: a condition with an unknown operator never holds in an `Allow` and
//! always holds in a `Deny`, so a simulation never claims access a real evaluation might refuse.

use std::fmt::Write as _;

use super::condition::{BaseOperator, Comparison, CompiledValues, OperatorKind, entry_holds};
use super::document::{Effect, OneOrMany, PolicyDocument, PrincipalBlock, PrincipalType};
use super::principal::{RequestPrincipal, is_account_id, normalize_aws, parse_arn};
use super::request::{EC_PREFIX_LC, Request};
use crate::policy::wildcard;

/// The outcome of evaluating one request against a key policy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Allow,
    ExplicitDeny,
    /// Only an `Allow` naming `account`'s root matched: allowed only if the principal's own IAM
    /// policies in that account allow it too.
    DelegatedToAccount {
        account: String,
    },
    ImplicitDeny,
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        *self == Decision::Allow
    }

    pub fn word(&self) -> &'static str {
        match self {
            Decision::Allow => "allowed",
            Decision::ExplicitDeny => "denied (explicit deny)",
            Decision::DelegatedToAccount { .. } => "delegated to account IAM policies",
            Decision::ImplicitDeny => "denied (no statement allows it)",
        }
    }
}

/// A statement by position and Sid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct StatementRef {
    pub index: usize,
    pub sid: Option<String>,
}

impl StatementRef {
    pub fn label(&self) -> String {
        match &self.sid {
            Some(s) if !s.is_empty() => s.clone(),
            _ => format!("#{}", self.index),
        }
    }
}

/// Decision, the statements that decided it, and why in words.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    pub deciding: Vec<StatementRef>,
    pub explanation: String,
}

/// The fast result: decision and deciding statement indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub decision: Decision,
    pub deciding: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PrincipalMatch {
    No,
    Direct,
    ViaAccount,
}

#[derive(Debug, Clone, Default)]
struct CompiledPrincipals {
    everyone: bool,
    /// Normalized ARNs of named identities (root ARNs excluded).
    arns: Vec<String>,
    /// Accounts whose root is named.
    roots: Vec<String>,
    /// Lowercased service principal names.
    services: Vec<String>,
}

impl CompiledPrincipals {
    fn compile(block: &PrincipalBlock) -> Self {
        let mut p = CompiledPrincipals::default();
        match block {
            PrincipalBlock::Wildcard => p.everyone = true,
            PrincipalBlock::Map(entries) => {
                for (t, vs) in entries {
                    for v in vs {
                        match t {
                            PrincipalType::Aws if v == "*" => p.everyone = true,
                            PrincipalType::Aws => {
                                let n = normalize_aws(v);
                                match root_account(&n) {
                                    Some(acct) => p.roots.push(acct.to_string()),
                                    None => p.arns.push(n),
                                }
                            }
                            PrincipalType::Service => p.services.push(v.to_ascii_lowercase()),
                            _ => {}
                        }
                    }
                }
            }
        }
        p
    }

    fn matches(&self, who: &RequestPrincipal) -> PrincipalMatch {
        if self.everyone {
            return PrincipalMatch::Direct;
        }
        match who {
            RequestPrincipal::Aws { arn, account } => {
                if self.arns.iter().any(|a| a == arn) {
                    return PrincipalMatch::Direct;
                }
                if self.roots.iter().any(|r| r == account) {
                    if root_account(arn) == Some(account.as_str()) {
                        return PrincipalMatch::Direct;
                    }
                    return PrincipalMatch::ViaAccount;
                }
                PrincipalMatch::No
            }
            RequestPrincipal::Service(name) => {
                if self.services.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                    PrincipalMatch::Direct
                } else {
                    PrincipalMatch::No
                }
            }
        }
    }
}

/// The account of `arn:aws:iam::<account>:root`.
fn root_account(arn: &str) -> Option<&str> {
    let a = parse_arn(arn)?;
    (a.service == "iam" && a.resource == "root" && is_account_id(a.account)).then_some(a.account)
}

#[derive(Debug, Clone)]
struct ActionPattern {
    lc: String,
    literal: bool,
}

impl ActionPattern {
    fn matches(&self, action_lc: &str) -> bool {
        if self.literal {
            self.lc == action_lc
        } else {
            wildcard::matches(&self.lc, action_lc, false)
        }
    }
}

fn compile_actions(v: &OneOrMany<String>) -> Vec<ActionPattern> {
    v.iter()
        .map(|a| ActionPattern {
            lc: a.to_ascii_lowercase(),
            literal: wildcard::is_literal(a),
        })
        .collect()
}

#[derive(Debug, Clone)]
struct CompiledCondition {
    operator: String,
    kind: OperatorKind,
    key: String,
    key_lc: String,
    values: CompiledValues,
    texts: Vec<String>,
}

#[derive(Debug, Clone)]
struct CompiledStatement {
    sid: Option<String>,
    effect: Effect,
    principal: Option<CompiledPrincipals>,
    not_principal: Option<CompiledPrincipals>,
    actions: Option<Vec<ActionPattern>>,
    not_actions: Option<Vec<ActionPattern>>,
    resources: Option<Vec<String>>,
    not_resources: Option<Vec<String>>,
    conditions: Vec<CompiledCondition>,
}

/// A key policy prepared for fast repeated evaluation.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    statements: Vec<CompiledStatement>,
}

/// Why a statement did not apply to a request (for explanations).
enum Miss {
    Principal,
    Action,
    Resource,
    Condition(usize),
}

impl CompiledPolicy {
    pub fn new(doc: &PolicyDocument) -> Self {
        let statements = doc
            .statements
            .iter()
            .map(|s| CompiledStatement {
                sid: s.sid.clone(),
                effect: s.effect,
                principal: s.principal.as_ref().map(CompiledPrincipals::compile),
                not_principal: s.not_principal.as_ref().map(CompiledPrincipals::compile),
                actions: s.action.as_ref().map(compile_actions),
                not_actions: s.not_action.as_ref().map(compile_actions),
                resources: s.resource.as_ref().map(OneOrMany::to_vec),
                not_resources: s.not_resource.as_ref().map(OneOrMany::to_vec),
                conditions: s
                    .condition
                    .iter()
                    .flat_map(|c| c.clauses.iter())
                    .flat_map(|clause| {
                        let kind = clause.operator.kind();
                        let cmp = match kind {
                            OperatorKind::Known { base, .. } => Some(base.comparison()),
                            OperatorKind::Unknown => None,
                        };
                        clause.entries.iter().map(move |e| {
                            let texts: Vec<String> =
                                e.values.iter().map(|v| v.as_text().into_owned()).collect();
                            CompiledCondition {
                                operator: clause.operator.raw().to_string(),
                                kind,
                                key: e.key.clone(),
                                key_lc: e.key_lc.clone(),
                                values: match cmp {
                                    Some(c) => CompiledValues::compile(c, &texts),
                                    None => CompiledValues::empty(),
                                },
                                texts,
                            }
                        })
                    })
                    .collect(),
            })
            .collect();
        CompiledPolicy { statements }
    }

    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }

    fn statement_ref(&self, index: usize) -> StatementRef {
        StatementRef {
            index,
            sid: self.statements.get(index).and_then(|s| s.sid.clone()),
        }
    }

    /// The decision and the deciding statements, without an explanation (the hot path).
    pub fn decide(&self, req: &Request) -> Outcome {
        let mut allow_direct: Vec<usize> = Vec::new();
        let mut allow_via: Option<usize> = None;
        let mut deny: Vec<usize> = Vec::new();
        for (i, s) in self.statements.iter().enumerate() {
            let pm = match s.applies(req) {
                Ok(pm) => pm,
                Err(_) => continue,
            };
            match (s.effect, pm) {
                (Effect::Deny, _) => deny.push(i),
                (Effect::Allow, PrincipalMatch::Direct) => allow_direct.push(i),
                (Effect::Allow, _) => {
                    allow_via.get_or_insert(i);
                }
            }
        }
        if !deny.is_empty() {
            return Outcome {
                decision: Decision::ExplicitDeny,
                deciding: deny,
            };
        }
        if !allow_direct.is_empty() {
            return Outcome {
                decision: Decision::Allow,
                deciding: allow_direct,
            };
        }
        if let Some(i) = allow_via {
            let account = match &req.principal {
                RequestPrincipal::Aws { account, .. } => account.clone(),
                RequestPrincipal::Service(_) => String::new(),
            };
            return Outcome {
                decision: Decision::DelegatedToAccount { account },
                deciding: vec![i],
            };
        }
        Outcome {
            decision: Decision::ImplicitDeny,
            deciding: Vec::new(),
        }
    }

    /// The decision, the deciding statements, and an explanation in words.
    pub fn evaluate(&self, req: &Request) -> Evaluation {
        let outcome = self.decide(req);
        let explanation = self.explain(req, &outcome);
        Evaluation {
            deciding: outcome
                .deciding
                .iter()
                .map(|&i| self.statement_ref(i))
                .collect(),
            decision: outcome.decision,
            explanation,
        }
    }

    fn explain(&self, req: &Request, outcome: &Outcome) -> String {
        let labels: Vec<String> = outcome
            .deciding
            .iter()
            .map(|&i| self.statement_ref(i).label())
            .collect();
        let what = req.summary();
        match &outcome.decision {
            Decision::Allow => format!(
                "allowed: {what} is allowed by statement {}",
                labels.join(", ")
            ),
            Decision::ExplicitDeny => format!(
                "denied: statement {} explicitly denies {what} (an explicit deny overrides every allow)",
                labels.join(", ")
            ),
            Decision::DelegatedToAccount { account } => format!(
                "delegated: statement {} grants account {account}'s root, so {what} is allowed only if an IAM policy in account {account} allows it; the key policy itself does not name {}{}",
                labels.join(", "),
                req.principal.display(),
                if is_anthropic_like_cross_account(req) {
                    " (an identity in another account needs a direct grant in the key policy)"
                } else {
                    ""
                }
            ),
            Decision::ImplicitDeny => {
                let mut reasons: Vec<String> = Vec::new();
                let mut named = false;
                for (i, s) in self.statements.iter().enumerate() {
                    if s.effect != Effect::Allow {
                        continue;
                    }
                    let label = self.statement_ref(i).label();
                    match s.applies(req) {
                        Ok(_) => {}
                        Err(Miss::Principal) => {}
                        Err(Miss::Action) => {
                            named = true;
                            reasons.push(format!(
                                "statement {label} names the principal but not {}",
                                req.action
                            ));
                        }
                        Err(Miss::Resource) => {
                            named = true;
                            reasons.push(format!(
                                "statement {label} does not cover resource {}",
                                req.resource
                            ));
                        }
                        Err(Miss::Condition(c)) => {
                            named = true;
                            if let Some(cond) = s.conditions.get(c) {
                                reasons.push(format!(
                                    "statement {label} requires {}",
                                    describe_failure(cond, req)
                                ));
                            }
                        }
                    }
                }
                if !named {
                    reasons.push(format!(
                        "no Allow statement names {}",
                        req.principal.display()
                    ));
                }
                let mut out = format!("denied: {what}: ");
                let _ = write!(out, "{}", reasons.join("; "));
                out
            }
        }
    }
}

fn is_anthropic_like_cross_account(req: &Request) -> bool {
    match (&req.principal, parse_arn(&req.resource)) {
        (RequestPrincipal::Aws { account, .. }, Some(key)) => key.account != account,
        _ => false,
    }
}

impl CompiledStatement {
    /// Ok(principal match) when the statement applies to the request, else the first miss.
    fn applies(&self, req: &Request) -> Result<PrincipalMatch, Miss> {
        let pm = match (&self.principal, &self.not_principal) {
            (Some(p), _) => p.matches(&req.principal),
            // NotPrincipal: every principal except those listed. A listed account root
            // excludes every identity of that account (what AWS's guidance for
            // `Deny` + `NotPrincipal` relies on when it says to list the account too).
            (None, Some(np)) => match np.matches(&req.principal) {
                PrincipalMatch::No => PrincipalMatch::Direct,
                _ => PrincipalMatch::No,
            },
            (None, None) => PrincipalMatch::No,
        };
        if pm == PrincipalMatch::No {
            return Err(Miss::Principal);
        }
        let action_ok = match (&self.actions, &self.not_actions) {
            (Some(a), _) => a.iter().any(|p| p.matches(&req.action_lc)),
            (None, Some(na)) => !na.iter().any(|p| p.matches(&req.action_lc)),
            (None, None) => false,
        };
        if !action_ok {
            return Err(Miss::Action);
        }
        let resource_ok = match (&self.resources, &self.not_resources) {
            (Some(r), _) => r.iter().any(|p| resource_matches(p, &req.resource)),
            (None, Some(nr)) => !nr.iter().any(|p| resource_matches(p, &req.resource)),
            (None, None) => false,
        };
        if !resource_ok {
            return Err(Miss::Resource);
        }
        for (i, c) in self.conditions.iter().enumerate() {
            let holds = match c.kind {
                OperatorKind::Unknown => self.effect == Effect::Deny,
                kind => entry_holds(kind, &c.values, req.get(&c.key_lc)),
            };
            if !holds {
                return Err(Miss::Condition(i));
            }
        }
        Ok(pm)
    }
}

/// `*` in a key policy means "this key"; otherwise the pattern must match the key ARN.
fn resource_matches(pattern: &str, key_arn: &str) -> bool {
    pattern == "*" || wildcard::matches(pattern, key_arn, false)
}

fn describe_failure(c: &CompiledCondition, req: &Request) -> String {
    let listed = format!("[{}]", c.texts.join(", "));
    if c.kind == OperatorKind::Unknown {
        return format!(
            "unknown condition operator {} on {}, which this evaluator never treats as satisfied in an Allow (AWS would reject the policy)",
            c.operator, c.key
        );
    }
    let sent = req.get(&c.key_lc);
    if sent.is_empty() {
        let mut s = format!(
            "{} {} {listed} but the request has no {}",
            c.key, c.operator, c.key
        );
        if c.key_lc.starts_with(EC_PREFIX_LC) && req.encryption_context.is_empty() {
            let _ = write!(s, " ({} carries no encryption context)", req.action);
        }
        return s;
    }
    let mut s = format!(
        "{} {} {listed} but the request sends {}",
        c.key,
        c.operator,
        sent.join(", ")
    );
    if let OperatorKind::Known { base, .. } = c.kind {
        let case_sensitive = matches!(
            base,
            BaseOperator::StringEquals
                | BaseOperator::StringLike
                | BaseOperator::ArnEquals
                | BaseOperator::ArnLike
        );
        let folded_match = sent.iter().any(|r| {
            c.texts.iter().any(|t| {
                if base.comparison() == Comparison::Str {
                    t.to_lowercase() == r.to_lowercase()
                } else {
                    wildcard::matches(&t.to_lowercase(), &r.to_lowercase(), false)
                }
            })
        });
        if case_sensitive && folded_match {
            let _ = write!(s, ": {} is case-sensitive", base.name());
        }
    }
    s
}

/// Compile and evaluate in one step (convenience; compile once for many requests).
pub fn evaluate(doc: &PolicyDocument, req: &Request) -> Evaluation {
    CompiledPolicy::new(doc).evaluate(req)
}
