//! Human-readable output of `cmek state list` and `cmek state show`. Deterministic: entries in
//! address order, maps sorted, no colours (the CLI adds none for these).

use std::fmt::Write as _;

use serde_json::Value;

use crate::address::Address;

use super::model::{KeyEntry, State, Tombstone};

/// One address per line, in address order (`Address`'s `Ord`, the order of every renderer).
pub fn list(state: &State) -> String {
    state
        .addresses()
        .into_iter()
        .map(|a| format!("{a}\n"))
        .collect()
}

/// The entry of `address` with its protection history; `None` if the state never had it.
/// A forgotten address shows its tombstones.
pub fn show(state: &State, address: &Address) -> Option<String> {
    let mut out = String::new();
    if let Some(k) = state.key(address) {
        show_key(&mut out, address, k);
    } else if let Some(e) = state.external_key(address) {
        let _ = writeln!(out, "{address}");
        field(&mut out, "id", e.id());
        field(
            &mut out,
            "key",
            &e.key
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_else(|| "(not managed)".into()),
        );
        field(&mut out, "in use", yes_no(e.in_use()));
        field(&mut out, "updated", &e.updated_at);
        attributes(&mut out, &e.attributes);
    } else if let Some(w) = state.workspace(address) {
        let _ = writeln!(out, "{address}");
        field(&mut out, "id", w.id());
        field(
            &mut out,
            "compartment",
            w.compartment_id.as_deref().unwrap_or("(unknown)"),
        );
        field(
            &mut out,
            "attached key",
            w.attached_external_key_id().unwrap_or("(none)"),
        );
        if let Some(at) = w.attached_at() {
            field(&mut out, "attached at", at);
        }
        field(&mut out, "updated", &w.updated_at);
        attributes(&mut out, &w.attributes);
    }
    if let Some(p) = state.pending_creates().get(address) {
        if out.is_empty() {
            let _ = writeln!(out, "{address} (not managed yet: a create was started)");
        }
        let _ = writeln!(
            out,
            "  pending create: started {} with client token {}",
            p.started_at,
            p.client_token.as_str()
        );
    }
    let tombstones: Vec<&Tombstone> = state.tombstones_of(address).collect();
    if !tombstones.is_empty() {
        if out.is_empty() {
            let _ = writeln!(out, "{address} (not managed: forgotten)");
        }
        for t in tombstones {
            let _ = writeln!(
                out,
                "  forgotten {}: {} (ids: {})",
                t.forgotten_at,
                t.reason,
                t.ids.join(", ")
            );
        }
    }
    (!out.is_empty()).then_some(out)
}

fn show_key(out: &mut String, address: &Address, k: &KeyEntry) {
    let _ = writeln!(out, "{address}");
    field(out, "remote id", k.remote_id());
    field(
        out,
        "origin",
        match k.origin {
            super::model::EntryOrigin::Created => "created by cmek",
            super::model::EntryOrigin::Imported => "imported",
        },
    );
    field(out, "updated", &k.updated_at);
    let p = k.protection();
    let _ = writeln!(out, "  protection:");
    let _ = writeln!(out, "    protects data:  {}", yes_no(p.protects_data()));
    let _ = writeln!(out, "    ever attached:  {}", yes_no(p.ever_attached()));
    let orgs: Vec<&str> = p.org_uuids_bound().iter().map(String::as_str).collect();
    let _ = writeln!(
        out,
        "    organizations:  {}",
        if orgs.is_empty() {
            "(none)".to_string()
        } else {
            orgs.join(", ")
        }
    );
    if p.workspaces_served().is_empty() {
        let _ = writeln!(out, "    workspaces served: (none)");
    } else {
        let _ = writeln!(out, "    workspaces served:");
        for w in p.workspaces_served() {
            let _ = writeln!(
                out,
                "      - {} compartment {} attached {} via {}",
                w.workspace_id, w.compartment_id, w.attached_at, w.via_external_key_id
            );
        }
    }
    attributes(out, &k.attributes);
}

fn field(out: &mut String, name: &str, value: &str) {
    let _ = writeln!(out, "  {:<14}{value}", format!("{name}:"));
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn attributes(out: &mut String, attributes: &Value) {
    if attributes.is_null() {
        let _ = writeln!(out, "  last applied: (nothing yet)");
        return;
    }
    let _ = writeln!(out, "  last applied:");
    let text = serde_json::to_string_pretty(&sorted(attributes)).unwrap_or_default();
    for line in text.lines() {
        let _ = writeln!(out, "    {line}");
    }
}

/// A copy with object keys sorted, for stable output.
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}
