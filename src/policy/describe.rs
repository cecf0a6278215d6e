//! Access in words, for reviews: one line per statement (AWS), binding (GCP) or role
//! assignment (Azure) saying who may do what under which conditions. Deterministic: the AWS
//! lines follow the canonical statement order.

use crate::policy::aws::canonical::{canonical_statement, content_key};
use crate::policy::aws::condition::{BaseOperator, OperatorKind, SetQualifier};
use crate::policy::aws::document::{
    ConditionClause, Effect, PolicyDocument, PrincipalBlock, Statement,
};
use crate::policy::aws::eval::StatementRef;
use crate::policy::aws::principal::{PrincipalClass, classify};
use crate::policy::azure::eval::AzureKeyAccess;
use crate::policy::azure::rbac::role_data_actions;
use crate::policy::gcp::eval::GcpKeyAccess;
use crate::policy::gcp::iam::role_permissions;
use crate::policy::identities::identities;

/// One grant or denial in words.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccessLine {
    /// The statement (AWS); `None` for GCP bindings and Azure role assignments.
    pub statement: Option<StatementRef>,
    /// `Allow` or `Deny`.
    pub effect: String,
    pub who: Vec<String>,
    pub what: String,
    pub conditions: Vec<String>,
    /// The whole sentence.
    pub text: String,
}

fn who_words(class: &PrincipalClass) -> String {
    let ids = identities().ok();
    let role = ids.map(|i| i.aws.role_arn.as_str()).unwrap_or("");
    let anthropic_account = ids.map(|i| i.aws.account_id.as_str()).unwrap_or("");
    let service = ids.map(|i| i.aws.service_principal.as_str()).unwrap_or("");
    match class {
        PrincipalClass::Everyone => "everyone (any AWS principal)".into(),
        PrincipalClass::AccountRoot { account } if account == anthropic_account => {
            format!("the whole Anthropic account {account} (not the published role)")
        }
        PrincipalClass::AccountRoot { account } => {
            format!("account {account} (its IAM identities, as their IAM policies allow)")
        }
        PrincipalClass::Identity { arn, .. } if arn == role => {
            format!("Anthropic's published role {arn}")
        }
        PrincipalClass::Identity { arn, .. } => arn.clone(),
        PrincipalClass::OrphanedUniqueId { id } => {
            format!("orphaned principal {id} (a deleted role or user; nobody)")
        }
        PrincipalClass::Service { name } if name.eq_ignore_ascii_case(service) => {
            format!("Anthropic's service principal {name} (Claude Platform on AWS)")
        }
        PrincipalClass::Service { name } => format!("AWS service {name}"),
        PrincipalClass::Federated { provider } => format!("federated users of {provider}"),
        PrincipalClass::CanonicalUser { id } => format!("canonical user {id}"),
        PrincipalClass::Invalid { value } => format!("invalid principal {value}"),
    }
}

fn principal_words(block: &PrincipalBlock) -> Vec<String> {
    match block {
        PrincipalBlock::Wildcard => vec!["everyone (any AWS principal)".into()],
        PrincipalBlock::Map(_) => block
            .entries()
            .map(|(t, v)| who_words(&classify(t, v)))
            .collect(),
    }
}

fn operator_words(base: BaseOperator) -> &'static str {
    use BaseOperator::*;
    match base {
        StringEquals => "is one of",
        StringNotEquals => "is none of",
        StringEqualsIgnoreCase => "is one of (ignoring case)",
        StringNotEqualsIgnoreCase => "is none of (ignoring case)",
        StringLike => "matches one of",
        StringNotLike => "matches none of",
        NumericEquals => "equals one of",
        NumericNotEquals => "equals none of",
        NumericLessThan => "is less than",
        NumericLessThanEquals => "is at most",
        NumericGreaterThan => "is greater than",
        NumericGreaterThanEquals => "is at least",
        DateEquals => "is the date",
        DateNotEquals => "is not the date",
        DateLessThan => "is before",
        DateLessThanEquals => "is at or before",
        DateGreaterThan => "is after",
        DateGreaterThanEquals => "is at or after",
        Bool => "is",
        BinaryEquals => "equals (binary)",
        IpAddress => "is in",
        NotIpAddress => "is not in",
        ArnEquals | ArnLike => "is the ARN matching one of",
        ArnNotEquals | ArnNotLike => "is no ARN matching",
        Null => "is absent:",
    }
}

fn clause_words(clause: &ConditionClause) -> Vec<String> {
    clause
        .entries
        .iter()
        .map(|e| {
            let values: Vec<String> = e.values.iter().map(|v| v.as_text().into_owned()).collect();
            match clause.operator.kind() {
                OperatorKind::Unknown => format!(
                    "{} {} [{}] (unknown operator; AWS would reject it)",
                    e.key,
                    clause.operator.raw(),
                    values.join(", ")
                ),
                OperatorKind::Known {
                    base: BaseOperator::Null,
                    ..
                } => {
                    let absent = values.iter().any(|v| v.eq_ignore_ascii_case("true"));
                    format!("{} is {}", e.key, if absent { "absent" } else { "present" })
                }
                OperatorKind::Known {
                    qualifier,
                    base,
                    if_exists,
                } => {
                    let subject = match qualifier {
                        Some(SetQualifier::ForAnyValue) => {
                            format!("at least one value of {}", e.key)
                        }
                        Some(SetQualifier::ForAllValues) => format!("every value of {}", e.key),
                        None => e.key.clone(),
                    };
                    let prefix = if if_exists { "if present, " } else { "" };
                    format!(
                        "{prefix}{subject} {} [{}]",
                        operator_words(base),
                        values.join(", ")
                    )
                }
            }
        })
        .collect()
}

/// Every statement of an AWS key policy in words, in canonical order (so a reordered policy
/// reads the same); `statement.index` is the statement's position in `doc`.
pub fn describe_access(doc: &PolicyDocument) -> Vec<AccessLine> {
    let mut statements: Vec<(usize, Statement)> = doc
        .statements
        .iter()
        .enumerate()
        .map(|(i, s)| (i, canonical_statement(s)))
        .collect();
    statements.sort_by_cached_key(|(i, s)| (content_key(s), s.sid.clone(), *i));
    statements
        .iter()
        .map(|(index, s)| {
            let index = *index;
            let who = match (&s.principal, &s.not_principal) {
                (Some(p), _) => principal_words(p),
                (None, Some(np)) => vec![format!(
                    "everyone except {}",
                    principal_words(np).join(", ")
                )],
                (None, None) => vec!["nobody (no principal)".into()],
            };
            let mut what = match (&s.action, &s.not_action) {
                (Some(a), _) => a.to_vec().join(", "),
                (None, Some(na)) => format!("every action except {}", na.to_vec().join(", ")),
                (None, None) => "nothing (no action)".into(),
            };
            match (&s.resource, &s.not_resource) {
                (Some(r), _) if r.iter().all(|r| r == "*") => what.push_str(" on this key"),
                (Some(r), _) => what.push_str(&format!(" on {}", r.to_vec().join(", "))),
                (None, Some(nr)) => {
                    what.push_str(&format!(" on anything except {}", nr.to_vec().join(", ")))
                }
                (None, None) => what.push_str(" on nothing (no resource)"),
            }
            let conditions: Vec<String> = s
                .condition
                .iter()
                .flat_map(|c| c.clauses.iter())
                .flat_map(clause_words)
                .collect();
            let verb = match s.effect {
                Effect::Allow => "allows",
                Effect::Deny => "denies",
            };
            let mut text = format!(
                "{}: {verb} {} to use {what}",
                s.label(index),
                who.join(" and ")
            );
            if conditions.is_empty() {
                text.push_str(", unconditionally");
            } else {
                text.push_str(&format!(", only when {}", conditions.join(" and ")));
            }
            AccessLine {
                statement: Some(StatementRef {
                    index,
                    sid: s.sid.clone(),
                }),
                effect: s.effect.as_str().into(),
                who,
                what,
                conditions,
                text,
            }
        })
        .collect()
}

/// Every binding that touches a GCP key (key, key ring, project), in words.
pub fn describe_gcp_access(access: &GcpKeyAccess) -> Vec<AccessLine> {
    let levels = [
        ("key", Some(&access.key)),
        ("key ring", access.key_ring.as_ref()),
        ("project", access.project.as_ref()),
    ];
    let mut out = Vec::new();
    for (level, policy) in levels {
        let Some(policy) = policy else { continue };
        let mut bindings = policy.bindings.clone();
        bindings.sort_by(|a, b| a.role.cmp(&b.role));
        for b in bindings {
            let what = match role_permissions(&b.role) {
                Some([]) => "nothing on keys".to_string(),
                Some(perms) => perms.join(", "),
                None => format!("whatever {} permits (role not modelled)", b.role),
            };
            let mut members = b.members.clone();
            members.sort();
            let conditions: Vec<String> = b
                .condition
                .iter()
                .map(|c| format!("IAM condition `{}`", c.expression))
                .collect();
            let mut text = format!(
                "{} on the {level} grants {} to {what}",
                b.role,
                members.join(", ")
            );
            if !conditions.is_empty() {
                text.push_str(&format!(", only when {}", conditions.join(" and ")));
            }
            out.push(AccessLine {
                statement: None,
                effect: "Allow".into(),
                who: members,
                what,
                conditions,
                text,
            });
        }
    }
    out
}

/// Every role assignment that covers an Azure key, in words.
pub fn describe_azure_access(access: &AzureKeyAccess) -> Vec<AccessLine> {
    let mut assignments: Vec<_> = access
        .assignments
        .iter()
        .filter(|a| crate::policy::azure::eval::scope_contains(&a.scope, &access.key_resource_id))
        .collect();
    assignments.sort_by(|a, b| (&a.scope, &a.principal_id).cmp(&(&b.scope, &b.principal_id)));
    assignments
        .into_iter()
        .map(|a| {
            let what = match role_data_actions(a) {
                Some([]) => "no data actions (control plane only)".to_string(),
                Some(actions) => actions.join(", "),
                None => "data actions of an unknown role".to_string(),
            };
            let text = format!(
                "{} assigned at {} lets principal {} use {what} (key operations allowed: [{}]{})",
                a.role_display(),
                a.scope,
                a.principal_id,
                access.key.key_ops.join(", "),
                if access.key.enabled {
                    ""
                } else {
                    "; key disabled"
                }
            );
            AccessLine {
                statement: None,
                effect: "Allow".into(),
                who: vec![a.principal_id.clone()],
                what,
                conditions: Vec::new(),
                text,
            }
        })
        .collect()
}
