//! Renderers of a [`Plan`]: Terraform-like text for terminals, markdown for pull-request
//! comments (split under GitHub's comment limit), and the versioned JSON plan file.
//!
//! All renderers read only the plan (statement-level access diffs are stored in the actions),
//! so a saved plan renders the same as a fresh one. Shared wording lives here so the three
//! formats say the same thing.

pub mod json;
pub mod markdown;
pub mod text;

use super::model::{Action, Effect, Plan, PlannedAction, PlannedProviderConfig};
use crate::anthropic::types::ProviderConfig;

/// The symbol shown before an action, Terraform-style.
pub fn symbol(effect: Effect) -> &'static str {
    match effect {
        Effect::Create => "+",
        Effect::Update => "~",
        Effect::Restore => "↺",
        Effect::Verify => "✓",
        Effect::Attach => "!",
        Effect::Forget => "-",
        Effect::Import => "<=",
    }
}

/// One line saying what an action does.
pub fn describe(action: &Action) -> String {
    match action {
        Action::CreateKey { .. } => "create key with Anthropic's access".to_string(),
        Action::UpdateKeyAccess { .. } => "update key access".to_string(),
        Action::UpdateKeyAttributes { changes } => {
            let names: Vec<&str> = changes.iter().map(|c| c.name.as_str()).collect();
            format!("update key attributes ({})", names.join(", "))
        }
        Action::CancelKeyDeletion { deletion_date } => match deletion_date {
            Some(d) => format!("restore: cancel the key's deletion scheduled for {d}"),
            None => "restore: cancel the key's deletion".to_string(),
        },
        Action::EnableKey => "restore: enable the key".to_string(),
        Action::EnableKeyVersion {
            version,
            restore_first,
        } => {
            if *restore_first {
                format!("restore: cancel destruction of primary version {version} and enable it")
            } else {
                format!("restore: enable primary version {version}")
            }
        }
        Action::RestoreAccess { .. } => "restore: re-add Anthropic's access".to_string(),
        Action::CreateRegistration { key, geo, .. } => {
            format!("register {key} at Anthropic (geo {geo})")
        }
        Action::UpdateRegistrationDisplayName { before, after } => match before {
            Some(b) => format!("rename registration \"{b}\" -> \"{after}\""),
            None => format!("set registration display name \"{after}\""),
        },
        Action::UpdateRegistrationConfig { .. } => {
            "update registration config (not in use)".to_string()
        }
        Action::VerifyKey { registration } => match registration {
            Some(_) => "verify key: round trip, access simulation, Anthropic validate".to_string(),
            None => "verify key: round trip, access simulation".to_string(),
        },
        Action::AttachWorkspace {
            workspace_id,
            external_key,
            external_key_id,
            ..
        } => {
            let id = external_key_id
                .as_deref()
                .map(|i| format!(" ({i})"))
                .unwrap_or_default();
            format!("attach {workspace_id} to {external_key}{id} — IRREVERSIBLE")
        }
        Action::Forget { remote_id } => {
            format!("forget {remote_id}: stops managing; nothing remote changes")
        }
        Action::Import { remote_id } => format!("import {remote_id} into state"),
    }
}

/// Detail lines under an action (access diffs, attribute changes, configs).
pub fn details(action: &PlannedAction) -> Vec<String> {
    let mut out = Vec::new();
    match &action.action {
        Action::CreateKey { diff, .. }
        | Action::UpdateKeyAccess { diff, .. }
        | Action::RestoreAccess { diff, .. } => {
            out.extend(diff.iter().cloned());
        }
        Action::UpdateKeyAttributes { changes } => {
            for c in changes {
                out.push(format!("{}: {} -> {}", c.name, c.before, c.after));
            }
        }
        Action::CreateRegistration {
            display_name,
            provider_config,
            ..
        } => {
            if let Some(name) = display_name {
                out.push(format!("display_name: \"{name}\""));
            }
            out.push(format!(
                "provider_config: {}",
                planned_config(provider_config)
            ));
        }
        Action::UpdateRegistrationConfig {
            geo,
            provider_config,
            before_provider_config,
        } => {
            if let Some(g) = geo {
                out.push(format!("geo: {} -> {}", g.before, g.after));
            }
            if let Some(p) = provider_config {
                let before = before_provider_config
                    .as_ref()
                    .map(config)
                    .unwrap_or_else(|| "(unknown)".to_string());
                out.push(format!(
                    "provider_config: {before} -> {}",
                    planned_config(p)
                ));
            }
        }
        _ => {}
    }
    out
}

/// For an irreversible attach, the actions it waits for (shown so reviewers see the
/// verification comes first).
pub fn after_line(action: &PlannedAction) -> Option<String> {
    (matches!(action.action, Action::AttachWorkspace { .. }) && !action.depends_on.is_empty())
        .then(|| format!("after: {}", action.depends_on.join(", ")))
}

fn planned_config(p: &PlannedProviderConfig) -> String {
    match p {
        PlannedProviderConfig::Known { config: c } => config(c),
        PlannedProviderConfig::FromCreatedKey { key } => {
            format!("aws kms_arn = (known after {key} is created)")
        }
    }
}

fn config(c: &ProviderConfig) -> String {
    match c {
        ProviderConfig::Aws { kms_arn, region } => match region {
            Some(r) => format!("aws kms_arn = {kms_arn}, region = {r}"),
            None => format!("aws kms_arn = {kms_arn}"),
        },
        ProviderConfig::Gcp { key_name } => format!("gcp key_name = {key_name}"),
        ProviderConfig::Azure {
            vault_uri,
            key_name,
            tenant_id,
            ..
        } => {
            format!("azure vault_uri = {vault_uri}, key_name = {key_name}, tenant_id = {tenant_id}")
        }
    }
}

/// Counts per effect for the summary line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub restore: usize,
    pub verify: usize,
    pub attach: usize,
    pub forget: usize,
    pub import: usize,
    pub refused: usize,
}

impl Summary {
    pub fn of(plan: &Plan) -> Self {
        let mut s = Summary {
            refused: plan.refusals.len(),
            ..Summary::default()
        };
        for a in &plan.actions {
            match a.action.effect() {
                Effect::Create => s.create += 1,
                Effect::Update => s.update += 1,
                Effect::Restore => s.restore += 1,
                Effect::Verify => s.verify += 1,
                Effect::Attach => s.attach += 1,
                Effect::Forget => s.forget += 1,
                Effect::Import => s.import += 1,
            }
        }
        s
    }

    /// `Plan: 2 to create, 1 to update, 1 to restore, 2 to attach (irreversible), 0 refused.`
    /// Verify, forget and import counts appear only when non-zero.
    pub fn line(&self) -> String {
        let mut parts = vec![
            format!("{} to create", self.create),
            format!("{} to update", self.update),
            format!("{} to restore", self.restore),
        ];
        if self.verify > 0 {
            parts.push(format!("{} to verify", self.verify));
        }
        parts.push(format!("{} to attach (irreversible)", self.attach));
        if self.forget > 0 {
            parts.push(format!("{} to forget", self.forget));
        }
        if self.import > 0 {
            parts.push(format!("{} to import", self.import));
        }
        parts.push(format!("{} refused", self.refused));
        format!("Plan: {}.", parts.join(", "))
    }
}
