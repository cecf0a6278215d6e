//! Statement-level semantic diff between two key policies, for humans and for plan output.
//!
//! Both sides are canonicalized first, so reordering, bare account ids and list-vs-string
//! shapes never show as changes. Statements are then matched: identical content (a Sid rename
//! is reported but changes nothing), then equal Sid, then the most similar remaining statement
//! with the same effect (sharing a principal or an action). What is left is added or removed.
//! Output order is deterministic (new-document order, then removals in old-document order).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use similar::{ChangeTag, TextDiff};

use super::canonical::{canonicalize, content_key};
use super::document::{
    ConditionBlock, OneOrMany, PolicyDocument, PrincipalBlock, Statement, statement_to_json,
};

/// One difference inside a matched statement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "field", rename_all = "snake_case")]
pub enum FieldChange {
    Effect {
        old: String,
        new: String,
    },
    /// `Principal` / `NotPrincipal` entries, written `AWS:<arn>`, `Service:<name>` or `*`.
    Principals {
        name: &'static str,
        added: Vec<String>,
        removed: Vec<String>,
    },
    /// `Action` / `NotAction`.
    Actions {
        name: &'static str,
        added: Vec<String>,
        removed: Vec<String>,
    },
    /// `Resource` / `NotResource`.
    Resources {
        name: &'static str,
        added: Vec<String>,
        removed: Vec<String>,
    },
    /// One `(operator, key)` pair whose values changed, appeared or disappeared.
    Condition {
        operator: String,
        key: String,
        added: Vec<String>,
        removed: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum StatementChange {
    Added {
        statement: Box<Statement>,
    },
    Removed {
        statement: Box<Statement>,
    },
    Changed {
        old: Box<Statement>,
        new: Box<Statement>,
        fields: Vec<FieldChange>,
    },
    /// Same content, different Sid: no change in access.
    Renamed {
        old_sid: Option<String>,
        new_sid: Option<String>,
    },
}

/// The differences between two policies.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PolicyDiff {
    pub changes: Vec<StatementChange>,
    /// Statements present on both sides with the same content.
    pub unchanged: usize,
}

impl PolicyDiff {
    /// No change in access (Sid renames do not count).
    pub fn is_empty(&self) -> bool {
        self.changes
            .iter()
            .all(|c| matches!(c, StatementChange::Renamed { .. }))
    }

    /// Text for humans: `+`/`-`/`~` per statement with the changed fields spelled out and a
    /// line diff of the statement JSON.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        if self.is_empty() {
            out.push_str("no change in access\n");
        }
        for c in &self.changes {
            match c {
                StatementChange::Added { statement } => {
                    let _ = writeln!(out, "+ statement {} added", label(statement));
                    for line in pretty(statement).lines() {
                        let _ = writeln!(out, "    + {line}");
                    }
                }
                StatementChange::Removed { statement } => {
                    let _ = writeln!(out, "- statement {} removed", label(statement));
                    for line in pretty(statement).lines() {
                        let _ = writeln!(out, "    - {line}");
                    }
                }
                StatementChange::Renamed { old_sid, new_sid } => {
                    let _ = writeln!(
                        out,
                        "= statement {} renamed to {} (same access)",
                        old_sid.as_deref().unwrap_or("(no Sid)"),
                        new_sid.as_deref().unwrap_or("(no Sid)")
                    );
                }
                StatementChange::Changed { old, new, fields } => {
                    let name = if old.sid == new.sid {
                        label(new)
                    } else {
                        format!("{} (now {})", label(old), label(new))
                    };
                    let _ = writeln!(out, "~ statement {name} changed");
                    for f in fields {
                        let _ = writeln!(out, "    {}", describe_field(f));
                    }
                    let (a, b) = (pretty(old), pretty(new));
                    let diff = TextDiff::from_lines(&a, &b);
                    for change in diff.iter_all_changes() {
                        let sign = match change.tag() {
                            ChangeTag::Delete => "-",
                            ChangeTag::Insert => "+",
                            ChangeTag::Equal => " ",
                        };
                        let _ =
                            writeln!(out, "    {sign} {}", change.value().trim_end_matches('\n'));
                    }
                }
            }
        }
        out
    }
}

fn describe_field(f: &FieldChange) -> String {
    let list = |v: &[String]| v.join(", ");
    let both = |name: &str, added: &[String], removed: &[String]| {
        let mut parts = Vec::new();
        if !added.is_empty() {
            parts.push(format!("adds {}", list(added)));
        }
        if !removed.is_empty() {
            parts.push(format!("removes {}", list(removed)));
        }
        format!("{name}: {}", parts.join("; "))
    };
    match f {
        FieldChange::Effect { old, new } => format!("Effect: {old} -> {new}"),
        FieldChange::Principals {
            name,
            added,
            removed,
        }
        | FieldChange::Actions {
            name,
            added,
            removed,
        }
        | FieldChange::Resources {
            name,
            added,
            removed,
        } => both(name, added, removed),
        FieldChange::Condition {
            operator,
            key,
            added,
            removed,
        } => both(&format!("Condition {operator} {key}"), added, removed),
    }
}

fn label(s: &Statement) -> String {
    s.sid.clone().unwrap_or_else(|| "(no Sid)".to_string())
}

fn pretty(s: &Statement) -> String {
    serde_json::to_string_pretty(&statement_to_json(s)).unwrap_or_default()
}

/// Diff two policies (see the module docs for the matching order).
pub fn diff_policies(old: &PolicyDocument, new: &PolicyDocument) -> PolicyDiff {
    let old = canonicalize(old).statements;
    let new = canonicalize(new).statements;
    let old_keys: Vec<String> = old.iter().map(content_key).collect();
    let new_keys: Vec<String> = new.iter().map(content_key).collect();
    let mut old_used = vec![false; old.len()];
    let mut pair: Vec<Option<usize>> = vec![None; new.len()];

    // 1. identical content, same Sid first, then any Sid.
    for same_sid in [true, false] {
        for (j, nk) in new_keys.iter().enumerate() {
            if pair[j].is_some() {
                continue;
            }
            if let Some(i) = (0..old.len()).find(|&i| {
                !old_used[i] && old_keys[i] == *nk && (!same_sid || old[i].sid == new[j].sid)
            }) {
                old_used[i] = true;
                pair[j] = Some(i);
            }
        }
    }
    let content_equal: Vec<bool> = pair.iter().map(Option::is_some).collect();
    // 2. same Sid.
    for j in 0..new.len() {
        if pair[j].is_some() || new[j].sid.is_none() {
            continue;
        }
        if let Some(i) = (0..old.len()).find(|&i| !old_used[i] && old[i].sid == new[j].sid) {
            old_used[i] = true;
            pair[j] = Some(i);
        }
    }
    // 3. most similar, same effect: best-scoring pairs first (ties: document order).
    let mut candidates: Vec<(usize, usize, usize)> = Vec::new();
    for j in (0..new.len()).filter(|&j| pair[j].is_none()) {
        for i in (0..old.len()).filter(|&i| !old_used[i] && old[i].effect == new[j].effect) {
            let score = similarity(&old[i], &new[j]);
            if score > 0 {
                candidates.push((score, i, j));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(&b.2)).then(a.1.cmp(&b.1)));
    for (_, i, j) in candidates {
        if pair[j].is_none() && !old_used[i] {
            old_used[i] = true;
            pair[j] = Some(i);
        }
    }

    let mut changes = Vec::new();
    let mut unchanged = 0;
    for (j, p) in pair.iter().enumerate() {
        match p {
            None => changes.push(StatementChange::Added {
                statement: Box::new(new[j].clone()),
            }),
            Some(i) if content_equal[j] => {
                unchanged += 1;
                if old[*i].sid != new[j].sid {
                    changes.push(StatementChange::Renamed {
                        old_sid: old[*i].sid.clone(),
                        new_sid: new[j].sid.clone(),
                    });
                }
            }
            Some(i) => changes.push(StatementChange::Changed {
                fields: field_changes(&old[*i], &new[j]),
                old: Box::new(old[*i].clone()),
                new: Box::new(new[j].clone()),
            }),
        }
    }
    for (i, used) in old_used.iter().enumerate() {
        if !used {
            changes.push(StatementChange::Removed {
                statement: Box::new(old[i].clone()),
            });
        }
    }
    PolicyDiff { changes, unchanged }
}

fn principal_set(p: &Option<PrincipalBlock>) -> BTreeSet<String> {
    match p {
        None => BTreeSet::new(),
        Some(PrincipalBlock::Wildcard) => BTreeSet::from(["*".to_string()]),
        Some(b) => b
            .entries()
            .map(|(t, v)| format!("{}:{v}", t.as_str()))
            .collect(),
    }
}

fn string_set(v: &Option<OneOrMany<String>>, fold: bool) -> BTreeSet<String> {
    v.iter()
        .flat_map(|l| l.iter())
        .map(|s| {
            if fold {
                s.to_ascii_lowercase()
            } else {
                s.clone()
            }
        })
        .collect()
}

fn similarity(a: &Statement, b: &Statement) -> usize {
    let shared = |x: BTreeSet<String>, y: BTreeSet<String>| x.intersection(&y).count();
    let principals = shared(principal_set(&a.principal), principal_set(&b.principal))
        + shared(
            principal_set(&a.not_principal),
            principal_set(&b.not_principal),
        );
    let actions = shared(string_set(&a.action, true), string_set(&b.action, true))
        + shared(
            string_set(&a.not_action, true),
            string_set(&b.not_action, true),
        );
    if principals == 0 && actions == 0 {
        0
    } else {
        principals * 2 + actions
    }
}

fn set_change(old: BTreeSet<String>, new: BTreeSet<String>) -> Option<(Vec<String>, Vec<String>)> {
    let added: Vec<String> = new.difference(&old).cloned().collect();
    let removed: Vec<String> = old.difference(&new).cloned().collect();
    (!added.is_empty() || !removed.is_empty()).then_some((added, removed))
}

fn condition_pairs(c: &Option<ConditionBlock>) -> Vec<(String, String, BTreeSet<String>)> {
    c.iter()
        .flat_map(|b| b.clauses.iter())
        .flat_map(|clause| {
            clause.entries.iter().map(move |e| {
                (
                    clause.operator.raw().to_string(),
                    e.key.clone(),
                    e.values.iter().map(|v| v.as_text().into_owned()).collect(),
                )
            })
        })
        .collect()
}

fn field_changes(old: &Statement, new: &Statement) -> Vec<FieldChange> {
    let mut out = Vec::new();
    if old.effect != new.effect {
        out.push(FieldChange::Effect {
            old: old.effect.as_str().into(),
            new: new.effect.as_str().into(),
        });
    }
    for (name, o, n) in [
        ("Principal", &old.principal, &new.principal),
        ("NotPrincipal", &old.not_principal, &new.not_principal),
    ] {
        if let Some((added, removed)) = set_change(principal_set(o), principal_set(n)) {
            out.push(FieldChange::Principals {
                name,
                added,
                removed,
            });
        }
    }
    for (name, o, n) in [
        ("Action", &old.action, &new.action),
        ("NotAction", &old.not_action, &new.not_action),
    ] {
        if let Some((added, removed)) = set_change(string_set(o, true), string_set(n, true)) {
            let spelled = |lc: Vec<String>, side: &Option<OneOrMany<String>>| -> Vec<String> {
                lc.into_iter()
                    .map(|a| {
                        side.iter()
                            .flat_map(|l| l.iter())
                            .find(|x| x.eq_ignore_ascii_case(&a))
                            .cloned()
                            .unwrap_or(a)
                    })
                    .collect()
            };
            out.push(FieldChange::Actions {
                name,
                added: spelled(added, n),
                removed: spelled(removed, o),
            });
        }
    }
    for (name, o, n) in [
        ("Resource", &old.resource, &new.resource),
        ("NotResource", &old.not_resource, &new.not_resource),
    ] {
        if let Some((added, removed)) = set_change(string_set(o, false), string_set(n, false)) {
            out.push(FieldChange::Resources {
                name,
                added,
                removed,
            });
        }
    }
    let old_c = condition_pairs(&old.condition);
    let new_c = condition_pairs(&new.condition);
    let mut keys: BTreeSet<(String, String)> = BTreeSet::new();
    for (op, key, _) in old_c.iter().chain(new_c.iter()) {
        keys.insert((op.clone(), key.clone()));
    }
    for (op, key) in keys {
        let find = |list: &[(String, String, BTreeSet<String>)]| {
            list.iter()
                .find(|(o, k, _)| *o == op && *k == key)
                .map(|(_, _, v)| v.clone())
                .unwrap_or_default()
        };
        if let Some((added, removed)) = set_change(find(&old_c), find(&new_c)) {
            out.push(FieldChange::Condition {
                operator: op,
                key,
                added,
                removed,
            });
        }
    }
    out
}
