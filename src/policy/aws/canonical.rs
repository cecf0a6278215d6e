//! Canonical form: one spelling for every policy that means the same thing, so a policy read
//! back from KMS in another order, with a bare account id or a single-element list, compares
//! equal to the one cmek rendered.
//!
//! What canonicalization does (and why each step keeps the meaning):
//! - statements sorted by content, then Sid, then exact spelling (statement order never matters
//!   in IAM);
//! - `Principal`: `{"AWS": "*"}` anywhere becomes `"*"` (the evaluator treats both as everyone),
//!   bare account ids become root ARNs, service names are lowercased (matched
//!   case-insensitively), values sorted and deduplicated, types in a fixed order;
//! - actions deduplicated case-insensitively (keeping the smallest spelling) and sorted by
//!   lowercase; resources sorted and deduplicated;
//! - condition operators sorted, keys spelled in one canonical case (keys are case-insensitive),
//!   values rendered as strings (IAM compares `true` and `"true"` alike), sorted, deduplicated;
//! - single values are `One`, several are `Many`; `Statement` is always a list.
//!
//! Invariants (property-tested): `canonicalize` is idempotent, invariant under reordering, and
//! evaluation of a policy equals evaluation of its canonical form.

use std::collections::BTreeSet;

use super::document::{
    ConditionBlock, ConditionClause, ConditionEntry, ConditionValue, OneOrMany, PolicyDocument,
    PrincipalBlock, PrincipalType, Statement, StatementForm, statement_to_json,
};
use super::eval::StatementRef;
use super::principal::{is_unique_id, normalize_aws};

/// The canonical form of `doc`.
pub fn canonicalize(doc: &PolicyDocument) -> PolicyDocument {
    let mut statements: Vec<Statement> = doc.statements.iter().map(canonical_statement).collect();
    // The exact JSON breaks the remaining ties: statements that differ only in action case
    // (`KMS:Decrypt` / `kms:decrypt`) share a content key, and a stable sort alone would keep
    // their input order.
    statements.sort_by_cached_key(|s| {
        (
            content_key(s),
            s.sid.clone(),
            statement_to_json(s).to_string(),
        )
    });
    PolicyDocument {
        version: doc.version.clone(),
        id: doc.id.clone(),
        statements,
        statement_form: StatementForm::List,
        extra: doc.extra.clone(),
    }
}

/// True when two policies grant and deny exactly the same (statement sets equal after
/// canonicalization, ignoring Sids, action case and duplicate statements).
pub fn semantically_equal(a: &PolicyDocument, b: &PolicyDocument) -> bool {
    let keys = |d: &PolicyDocument| -> BTreeSet<String> {
        d.statements
            .iter()
            .map(|s| content_key(&canonical_statement(s)))
            .collect()
    };
    keys(a) == keys(b)
}

/// A statement's meaning as text: canonical JSON without the Sid, actions lowercased.
/// Two canonical statements with the same key are interchangeable.
pub fn content_key(s: &Statement) -> String {
    let mut s = s.clone();
    s.sid = None;
    for list in [&mut s.action, &mut s.not_action].into_iter().flatten() {
        *list = OneOrMany::from_vec(list.iter().map(|a| a.to_ascii_lowercase()).collect());
    }
    statement_to_json(&s).to_string()
}

/// The canonical form of one statement.
pub fn canonical_statement(s: &Statement) -> Statement {
    Statement {
        sid: s.sid.clone(),
        effect: s.effect,
        principal: s.principal.as_ref().map(canonical_principal),
        not_principal: s.not_principal.as_ref().map(canonical_principal),
        action: s.action.as_ref().map(canonical_actions),
        not_action: s.not_action.as_ref().map(canonical_actions),
        resource: s.resource.as_ref().map(sorted_unique),
        not_resource: s.not_resource.as_ref().map(sorted_unique),
        condition: s.condition.as_ref().and_then(canonical_condition),
        extra: {
            let mut e = s.extra.clone();
            e.sort_by(|a, b| a.0.cmp(&b.0));
            e
        },
    }
}

fn canonical_principal(p: &PrincipalBlock) -> PrincipalBlock {
    let PrincipalBlock::Map(entries) = p else {
        return PrincipalBlock::Wildcard;
    };
    let mut by_type: Vec<(PrincipalType, BTreeSet<String>)> = Vec::new();
    for (t, vs) in entries {
        for v in vs {
            let v = match t {
                PrincipalType::Aws if v == "*" => return PrincipalBlock::Wildcard,
                PrincipalType::Aws => normalize_aws(v),
                PrincipalType::Service => v.to_ascii_lowercase(),
                _ => v.clone(),
            };
            match by_type.iter_mut().find(|(bt, _)| bt == t) {
                Some((_, set)) => {
                    set.insert(v);
                }
                None => by_type.push((t.clone(), BTreeSet::from([v]))),
            }
        }
        if vs.is_empty() && !by_type.iter().any(|(bt, _)| bt == t) {
            by_type.push((t.clone(), BTreeSet::new()));
        }
    }
    by_type.sort_by(|a, b| a.0.cmp(&b.0));
    PrincipalBlock::Map(
        by_type
            .into_iter()
            .map(|(t, set)| (t, OneOrMany::from_vec(set.into_iter().collect())))
            .collect(),
    )
}

fn canonical_actions(v: &OneOrMany<String>) -> OneOrMany<String> {
    let mut all: Vec<&String> = v.iter().collect();
    all.sort_by(|a, b| {
        a.to_ascii_lowercase()
            .cmp(&b.to_ascii_lowercase())
            .then_with(|| a.cmp(b))
    });
    let mut out: Vec<String> = Vec::with_capacity(all.len());
    for a in all {
        if out.last().is_some_and(|l| l.eq_ignore_ascii_case(a)) {
            continue;
        }
        out.push(a.clone());
    }
    OneOrMany::from_vec(out)
}

fn sorted_unique(v: &OneOrMany<String>) -> OneOrMany<String> {
    let set: BTreeSet<String> = v.iter().cloned().collect();
    OneOrMany::from_vec(set.into_iter().collect())
}

fn canonical_condition(c: &ConditionBlock) -> Option<ConditionBlock> {
    let mut clauses: Vec<ConditionClause> = c
        .clauses
        .iter()
        .map(|clause| {
            let mut entries: Vec<ConditionEntry> = Vec::with_capacity(clause.entries.len());
            let collides =
                |key_lc: &str| clause.entries.iter().filter(|x| x.key_lc == key_lc).count() > 1;
            for e in &clause.entries {
                let values: BTreeSet<String> =
                    e.values.iter().map(|v| v.as_text().into_owned()).collect();
                let values =
                    OneOrMany::from_vec(values.into_iter().map(ConditionValue::String).collect());
                // Two spellings of one key are AND'd; keep them apart, as written.
                let key = if collides(&e.key_lc) {
                    e.key.clone()
                } else {
                    canonical_key(&e.key_lc)
                };
                entries.push(ConditionEntry::new(key, values));
            }
            entries.sort_by(|a, b| a.key_lc.cmp(&b.key_lc).then_with(|| a.key.cmp(&b.key)));
            ConditionClause {
                operator: clause.operator.clone(),
                entries,
            }
        })
        .filter(|c| !c.entries.is_empty())
        .collect();
    if clauses.is_empty() {
        return None;
    }
    clauses.sort_by(|a, b| a.operator.raw().cmp(b.operator.raw()));
    Some(ConditionBlock { clauses })
}

/// Spellings of well-known condition keys, by lowercase name.
const KNOWN_KEYS: [&str; 18] = [
    "kms:CallerAccount",
    "kms:ViaService",
    "kms:EncryptionContextKeys",
    "kms:GrantIsForAWSResource",
    "kms:EncryptionAlgorithm",
    "kms:RequestAlias",
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalType",
    "aws:PrincipalServiceName",
    "aws:SourceIp",
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceVpce",
    "aws:SecureTransport",
    "aws:CurrentTime",
];

/// The canonical spelling of a (lowercased) condition key: known keys in AWS's documented case,
/// encryption-context keys as `kms:EncryptionContext:<lowercase context key>`, anything else
/// lowercase.
pub fn canonical_key(key_lc: &str) -> String {
    if let Some(k) = KNOWN_KEYS.iter().find(|k| k.eq_ignore_ascii_case(key_lc)) {
        return (*k).to_string();
    }
    if let Some(rest) = key_lc.strip_prefix("kms:encryptioncontext:") {
        return format!("kms:EncryptionContext:{rest}");
    }
    key_lc.to_string()
}

/// An `AROA...`/`AIDA...` principal: KMS shows these after the named role or user was deleted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrphanedPrincipal {
    pub statement: StatementRef,
    pub unique_id: String,
}

/// Every orphaned unique-id principal in `Principal` or `NotPrincipal`.
pub fn orphaned_principals(doc: &PolicyDocument) -> Vec<OrphanedPrincipal> {
    let mut out = Vec::new();
    for (index, s) in doc.statements.iter().enumerate() {
        for block in [&s.principal, &s.not_principal].into_iter().flatten() {
            for (t, v) in block.entries() {
                if *t == PrincipalType::Aws && is_unique_id(v) {
                    out.push(OrphanedPrincipal {
                        statement: StatementRef {
                            index,
                            sid: s.sid.clone(),
                        },
                        unique_id: v.to_string(),
                    });
                }
            }
        }
    }
    out
}
