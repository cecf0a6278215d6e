//! The review of an AWS KMS key: the key policy cmek renders (or the escape-hatch `policy`),
//! in canonical form, described in words, simulated against Anthropic's requests, and searched
//! for principals outside the customer's account.

use crate::observed::AwsKey;
use crate::policy::aws::canonical::canonicalize;
use crate::policy::aws::parse_policy_value;
use crate::policy::describe::describe_access;
use crate::policy::render::aws::{AwsAccessInput, render_aws_policy};
use crate::policy::simulate::{
    ExternalGrant, ExternalPrincipal, aws_external_access, simulate_aws_policy,
};
use crate::spec::model::{AwsKeySpec, Desired, KeySpec, Platform};

use super::ReviewError;
use super::facts::{KeyFacts, PLACEHOLDER_ACCOUNT, UNKNOWN_COMPARTMENT};
use super::markdown::ReviewDoc;

/// The account field of an ARN (`arn:partition:service:region:account:...`), when it is one.
fn arn_account(arn: &str) -> Option<String> {
    let account = arn.split(':').nth(4)?;
    crate::policy::aws::principal::is_account_id(account).then(|| account.to_string())
}

/// The customer account and where it was learned: the key's ARN in state, else the account of
/// the provider's `assume_role`, else unknown.
fn account_of(desired: &Desired, facts: &KeyFacts) -> (String, Option<&'static str>) {
    if let Some(a) = facts.remote_id.as_deref().and_then(arn_account) {
        return (a, Some("key ARN in state"));
    }
    if let Some(a) = desired
        .providers
        .aws
        .as_ref()
        .and_then(|p| p.assume_role.as_ref())
        .and_then(|r| arn_account(&r.role_arn))
    {
        return (a, Some("provider `assume_role`"));
    }
    (PLACEHOLDER_ACCOUNT.to_string(), None)
}

fn platform_words(p: Platform) -> &'static str {
    match p {
        Platform::ClaudePlatform => "Claude Platform",
        Platform::ClaudePlatformAws => "Claude Platform on AWS",
        Platform::ClaudeEnterprise => "Claude Enterprise",
    }
}

pub(super) fn platform_cell(p: Platform) -> String {
    format!("{} (`{}`)", platform_words(p), p.as_str())
}

fn external_words(g: &ExternalGrant) -> String {
    let who = match &g.principal {
        ExternalPrincipal::Everyone => "**everyone** (`*`)".to_string(),
        ExternalPrincipal::EveryoneExcept { except } => {
            let mut except = except.clone();
            except.sort();
            format!("**everyone except** {}", except.join(", "))
        }
        ExternalPrincipal::WholeAccount { account, anthropic } => {
            if *anthropic {
                format!("the whole Anthropic account `{account}` (not the published role)")
            } else {
                format!("the whole account `{account}`")
            }
        }
        ExternalPrincipal::Identity { arn, anthropic, .. } => {
            if *anthropic {
                format!("`{arn}` (in Anthropic's account, not the published role)")
            } else {
                format!("`{arn}`")
            }
        }
        ExternalPrincipal::Service { name } => format!("AWS service `{name}`"),
        ExternalPrincipal::Federated { provider } => format!("federated users of `{provider}`"),
        ExternalPrincipal::CanonicalUser { id } => format!("canonical user `{id}`"),
        ExternalPrincipal::OrphanedUniqueId { id } => {
            format!("orphaned principal `{id}` (a deleted role or user)")
        }
        ExternalPrincipal::Invalid { value } => format!("invalid principal `{value}`"),
    };
    let mut actions = g.actions.clone();
    actions.sort();
    format!(
        "{who}: {} via {}{}",
        actions.join(", "),
        g.statement.label(),
        if g.conditional {
            " (narrowed by conditions)"
        } else {
            " (unconditionally)"
        }
    )
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The review of one AWS key: of the policy cmek renders (or the escape hatch), or with
/// `live`, of the key policy as just read from AWS KMS.
pub fn review(
    desired: &Desired,
    key: &KeySpec,
    spec: &AwsKeySpec,
    facts: &KeyFacts,
    live: Option<&AwsKey>,
) -> Result<ReviewDoc, ReviewError> {
    let platform = desired.anthropic.platform;
    let (account, account_source) = match live {
        Some(k) => (k.account.clone(), Some("the live key")),
        None => account_of(desired, facts),
    };
    let input = AwsAccessInput::from_spec(
        spec,
        platform,
        &account,
        facts.org_uuids(),
        facts.compartment_uses(),
        false,
        Vec::new(),
    );
    let escape_hatch = spec.policy.is_some();
    let document = match (live, &spec.policy) {
        (Some(k), _) => parse_policy_value(&k.policy.document)
            .map_err(|e| ReviewError::key(&key.address, format!("live key policy: {e}")))?,
        (None, Some(value)) => parse_policy_value(value)
            .map_err(|e| ReviewError::key(&key.address, format!("escape-hatch policy: {e}")))?,
        (None, None) => {
            render_aws_policy(&input).map_err(|e| ReviewError::key(&key.address, e.to_string()))?
        }
    };
    // Everything below reads the canonical form, so statement order and spelling in an
    // escape-hatch policy never change the review.
    let canonical = canonicalize(&document);
    let remote_id = live
        .map(|k| k.arn.clone())
        .or_else(|| facts.remote_id.clone());
    let key_arn = remote_id.clone().unwrap_or_else(|| {
        format!(
            "arn:aws:kms:{}:{account}:key/00000000-0000-0000-0000-000000000000",
            spec.region
        )
    });

    let mut notes = Vec::new();
    if account_source.is_none() {
        notes.push(format!(
            "the AWS account that owns the key: shown as `{PLACEHOLDER_ACCOUNT}` (the account of the credentials `cmek apply` runs with)"
        ));
    }
    if remote_id.is_none() {
        notes.push("the key id: the key ARN ends in `key/00000000-0000-0000-0000-000000000000` until the key is created".into());
    }
    let unknown = facts.unknown_compartments();
    if !unknown.is_empty() {
        let policy_words = match (
            escape_hatch || live.is_some(),
            platform,
            spec.compartment_scoping,
        ) {
            (true, _, _) if live.is_some() => "the live policy below is shown as read",
            (true, _, _) => "the escape-hatch policy below is shown as written",
            (false, Platform::ClaudePlatform, true) => {
                "the policy below lists the all-zeros validation compartment and the compartments known from state; `cmek apply` adds each new compartment before attaching"
            }
            (false, Platform::ClaudePlatformAws, true) => {
                "the policy below lists only the compartments known from state (no compartment condition while none is known); `cmek apply` adds each new compartment before attaching"
            }
            (false, _, _) => "the policy below does not depend on compartments",
        };
        notes.push(format!(
            "the compartment UUIDs of {} workspace(s) not attached yet: shown as {UNKNOWN_COMPARTMENT}; {policy_words}",
            unknown.len()
        ));
    }

    let mut header = vec![
        ("Address".to_string(), format!("`{}`", key.address)),
        ("Cloud".into(), "AWS KMS".into()),
        ("Region".into(), format!("`{}`", spec.region)),
        ("Platform".into(), platform_cell(platform)),
        (
            "Account".into(),
            match account_source {
                Some(src) => format!("`{account}` ({src})"),
                None => format!("`{account}` (unknown offline)"),
            },
        ),
        (
            "Key ARN".into(),
            match &remote_id {
                Some(id) => format!("`{id}`"),
                None => "(created at apply)".into(),
            },
        ),
        (
            "Alias".into(),
            spec.alias
                .as_ref()
                .map(|a| format!("`{a}`"))
                .unwrap_or_else(|| "none".into()),
        ),
        ("Description".into(), spec.description.clone()),
        ("Multi-region".into(), yes_no(spec.multi_region).into()),
        (
            "Rotation".into(),
            match (spec.rotation, spec.rotation_period_days) {
                (false, _) => "off".into(),
                (true, Some(d)) => format!("every {d} days"),
                (true, None) => "on (KMS default period)".into(),
            },
        ),
        (
            "Administrators".into(),
            match &spec.admins {
                Some(a) if !a.is_empty() => {
                    let mut a = a.clone();
                    a.sort();
                    a.iter()
                        .map(|x| format!("`{x}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
                _ => "the account root only".into(),
            },
        ),
        (
            "Compartment scoping".into(),
            yes_no(spec.compartment_scoping).into(),
        ),
        (
            "Policy source".into(),
            match (live, escape_hatch) {
                (Some(_), _) => {
                    "the live key policy, read from AWS KMS, shown in canonical form".into()
                }
                (None, true) => "escape hatch (`policy` attribute), shown in canonical form".into(),
                (None, false) => "rendered by cmek".into(),
            },
        ),
    ];
    if let Some(k) = live {
        header.push(("Key state".into(), format!("`{}`", k.key_state.as_str())));
    }
    if !spec.tags.is_empty() {
        let tags: Vec<String> = spec
            .tags
            .iter()
            .map(|(k, v)| format!("`{k}={v}`"))
            .collect();
        header.push(("Tags".into(), tags.join(", ")));
    }

    let access = describe_access(&canonical)
        .into_iter()
        .map(|l| l.text)
        .collect();
    let report = simulate_aws_policy(&canonical, &input, &key_arn)?;
    let not_simulated = unknown
        .iter()
        .map(|w| {
            format!(
                "not simulated: traffic of `{}`, whose compartment is {UNKNOWN_COMPARTMENT}",
                w.workspace_id
            )
        })
        .collect();
    let mut external = aws_external_access(&canonical, &account, platform)?;
    external.sort_by_key(external_words);
    let anyone_else = external.iter().map(external_words).collect();
    let anyone_else_note = account_source.is_none().then(|| {
        "The customer account is unknown offline: principals of any named account other than the placeholder are listed above.".to_string()
    });

    let doc = ReviewDoc {
        address: key.address.to_string(),
        header,
        notes,
        access,
        requests: Some(report),
        not_simulated,
        anyone_else,
        anyone_else_note,
        policy_title: if live.is_some() {
            "Live key policy (canonical form)".into()
        } else {
            "Key policy (canonical form)".into()
        },
        policy_json: canonical.to_pretty_string(),
        ..ReviewDoc::default()
    };
    Ok(doc)
}
