//! Verification of one key before any attach (DESIGN.md §6):
//! (a) a real round trip through the provider: a fresh 256-bit data key, from the OS random
//!     number generator and zeroized on drop, is wrapped and unwrapped under the key with the encryption context
//!     Anthropic sends, then used to AES-256-GCM seal and open a random canary;
//! (b) a simulation of Anthropic's requests (validation and each workspace's traffic) against
//!     the key's current policy with the policy library;
//! (c) Anthropic's own validate call, judged by `status`.
//!
//! Every failure is a sentence saying which step failed and why; key material never appears.

use aes_gcm::aead::{Aead, Nonce, Payload};
use aes_gcm::{Aes256Gcm, KeyInit};
use zeroize::Zeroizing;

use crate::anthropic::types::ValidationStatus;
use crate::observed::ObservedKey;
use crate::policy::aws::parse_policy_value;
use crate::policy::render::aws::{AwsAccessInput, CompartmentUse};
use crate::policy::simulate::{Expected, SimReport, simulate_aws_policy};
use crate::providers::{AnthropicApi, EncryptionContext, KeyProvider, KeyRef, SecretBytes};
use crate::spec::model::{KeyKind, KeySpec, Platform};

/// The all-zeros compartment Anthropic's validation sends.
pub const VALIDATION_COMPARTMENT: &str = "00000000-0000-0000-0000-000000000000";

/// What verification needs to know about the key.
pub struct VerifyInput<'a> {
    pub key_ref: &'a KeyRef,
    pub spec: &'a KeySpec,
    /// The key as just re-read from the provider.
    pub observed: &'a ObservedKey,
    pub platform: Platform,
    pub org_uuid: &'a str,
    /// Workspaces the key serves or is about to serve.
    pub compartments: Vec<CompartmentUse>,
    /// The registration to validate at Anthropic, when there is one.
    pub registration_id: Option<&'a str>,
}

/// Fills `buf` from the operating system's random number generator (data keys, canaries and
/// nonces never come from a user-space generator).
fn os_random(buf: &mut [u8]) -> Result<(), String> {
    use rand::TryRng;
    rand::rngs::SysRng.try_fill_bytes(buf).map_err(|e| {
        format!("round trip: the operating system's random number generator failed: {e}")
    })
}

/// (a) The round trip.
pub async fn round_trip(
    provider: &dyn KeyProvider,
    key: &KeyRef,
    org_uuid: &str,
) -> Result<(), String> {
    let context = EncryptionContext::new()
        .with("anthropic:org_uuid", org_uuid)
        .with("anthropic:compartment_uuid", VALIDATION_COMPARTMENT);
    let mut data_key = Zeroizing::new(vec![0u8; 32]);
    os_random(&mut data_key)?;
    let data_key = SecretBytes::new(std::mem::take(&mut *data_key));
    let wrapped = provider
        .wrap(key, &data_key, &context)
        .await
        .map_err(|e| format!("round trip: wrapping a data key failed: {e}"))?;
    let unwrapped = provider
        .unwrap(key, &wrapped, &context)
        .await
        .map_err(|e| format!("round trip: unwrapping the data key failed: {e}"))?;
    if !unwrapped.ct_eq(&data_key) {
        return Err("round trip: the unwrapped data key differs from the one wrapped".into());
    }
    let cipher = Aes256Gcm::new_from_slice(unwrapped.expose())
        .map_err(|_| "round trip: the unwrapped data key is not 256 bits".to_string())?;
    let mut canary = Zeroizing::new(vec![0u8; 32]);
    os_random(&mut canary)?;
    let mut nonce_bytes = [0u8; 12];
    os_random(&mut nonce_bytes)?;
    let nonce = Nonce::<Aes256Gcm>::try_from(&nonce_bytes[..])
        .map_err(|_| "round trip: bad nonce length".to_string())?;
    let aad = context.to_aad();
    let sealed = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: &canary,
                aad: &aad,
            },
        )
        .map_err(|_| "round trip: sealing the canary failed".to_string())?;
    let opened = Zeroizing::new(
        cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: &sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| "round trip: opening the canary failed".to_string())?,
    );
    if opened.as_slice() != canary.as_slice() {
        return Err("round trip: the canary did not survive seal/open".into());
    }
    Ok(())
}

/// (b) Simulation of Anthropic's requests against the key's current access: the full report
/// (every request, its answer and why), or why no simulation could run.
pub fn simulation_report(input: &VerifyInput<'_>) -> Result<SimReport, String> {
    let (ObservedKey::Aws(key), KeyKind::Aws(spec)) = (input.observed, &input.spec.kind) else {
        return Err("access simulation: only AWS keys are supported by this build".into());
    };
    let doc = parse_policy_value(&key.policy.document)
        .map_err(|e| format!("access simulation: the key policy cannot be read: {e}"))?;
    let access = AwsAccessInput::from_spec(
        spec,
        input.platform,
        &key.account,
        vec![input.org_uuid.to_string()],
        input.compartments.clone(),
        false,
        Vec::new(),
    );
    simulate_aws_policy(&doc, &access, &key.arn).map_err(|e| format!("access simulation: {e}"))
}

/// (b) as a pass/fail: the number of simulated requests, or one sentence per distinct reason
/// some of Anthropic's requests get the wrong answer (see [`explain_sim_failures`]).
pub fn simulate(input: &VerifyInput<'_>) -> Result<usize, String> {
    let report = simulation_report(input)?;
    let failures = explain_sim_failures(&report);
    if failures.is_empty() {
        Ok(report.outcomes.len())
    } else {
        Err(format!(
            "access simulation: the key policy gives Anthropic the wrong answer: {}",
            failures.join("; and ")
        ))
    }
}

/// The reason part of an evaluator explanation: `denied: <request summary>: <reasons>` loses
/// its request summary (the ids already say which request), and a clause saying a statement
/// "names the principal but not" the action is dropped when a more telling clause exists.
fn reason_of(explanation: &str) -> String {
    let Some(rest) = explanation.strip_prefix("denied: ") else {
        return explanation.to_string();
    };
    let Some((_, reasons)) = rest.split_once(": ") else {
        return explanation.to_string();
    };
    let clauses: Vec<&str> = reasons.split("; ").collect();
    let telling: Vec<&str> = clauses
        .iter()
        .copied()
        .filter(|c| !c.contains("names the principal but not"))
        .collect();
    if telling.is_empty() {
        clauses.join("; ")
    } else {
        telling.join("; ")
    }
}

/// One sentence per distinct reason Anthropic's simulated requests get the wrong answer, naming
/// the requests, in the report's order. Empty when every request gets the answer it needs.
///
/// e.g. `Anthropic's requests validation/kms:Encrypt, traffic/wrkspc_.../kms:Encrypt would be
/// denied: statement AllowAnthropicCMEKCrypto requires kms:EncryptionContext:anthropic:org_uuid
/// StringEquals [4F1C...] but the request sends 4f1c...: StringEquals is case-sensitive`.
pub fn explain_sim_failures(report: &SimReport) -> Vec<String> {
    // (must be allowed?, reason) -> request ids, in first-seen order.
    let mut groups: Vec<((bool, String), Vec<&str>)> = Vec::new();
    for o in report.failures() {
        let must_allow = o.expected == Expected::Allowed;
        let reason = if must_allow {
            reason_of(&o.check.explanation)
        } else {
            o.check.explanation.clone()
        };
        let key = (must_allow, reason);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, ids)) => ids.push(&o.id),
            None => groups.push((key, vec![&o.id])),
        }
    }
    groups
        .into_iter()
        .map(|((must_allow, reason), ids)| {
            let (noun, verb) = if ids.len() == 1 {
                ("request", "is")
            } else {
                ("requests", "are")
            };
            if must_allow {
                format!(
                    "Anthropic's {noun} {} would be denied: {reason}",
                    ids.join(", ")
                )
            } else {
                format!(
                    "the {noun} {} must be denied (Anthropic's validation checks that the key refuses \
                     other organizations and requests without one) but {verb} not: {reason}",
                    ids.join(", ")
                )
            }
        })
        .collect()
}

/// (c) Anthropic's validate call.
pub async fn validate(api: &dyn AnthropicApi, registration_id: &str) -> Result<(), String> {
    let result = api
        .validate_external_key(registration_id)
        .await
        .map_err(|e| format!("Anthropic validate: {e}"))?;
    match result.status {
        ValidationStatus::Success => Ok(()),
        ValidationStatus::Failure => Err(format!(
            "Anthropic validate of {registration_id} failed: {}",
            result.error.unwrap_or_else(|| "no reason given".into())
        )),
    }
}

/// All three steps, in order; the first failure is returned.
pub async fn verify_key(
    provider: &dyn KeyProvider,
    api: &dyn AnthropicApi,
    input: &VerifyInput<'_>,
) -> Result<String, String> {
    round_trip(provider, input.key_ref, input.org_uuid).await?;
    let simulated = simulate(input)?;
    match input.registration_id {
        Some(id) => {
            validate(api, id).await?;
            Ok(format!(
                "round trip ok, {simulated} simulated requests allowed, Anthropic validate ok"
            ))
        }
        None => Ok(format!(
            "round trip ok, {simulated} simulated requests allowed"
        )),
    }
}
