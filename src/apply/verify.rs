//! Verification of one key before any attach (DESIGN.md §6):
//! (a) a real round trip through the provider: a fresh 256-bit data key, generated locally and
//!     zeroized on drop, is wrapped and unwrapped under the key with the encryption context
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
use crate::policy::simulate::simulate_aws_policy;
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

/// (a) The round trip.
pub async fn round_trip(
    provider: &dyn KeyProvider,
    key: &KeyRef,
    org_uuid: &str,
) -> Result<(), String> {
    let context = EncryptionContext::new()
        .with("anthropic:org_uuid", org_uuid)
        .with("anthropic:compartment_uuid", VALIDATION_COMPARTMENT);
    let mut data_key = vec![0u8; 32];
    rand::fill(&mut data_key[..]);
    let data_key = SecretBytes::new(data_key);
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
    rand::fill(&mut canary[..]);
    let mut nonce_bytes = [0u8; 12];
    rand::fill(&mut nonce_bytes[..]);
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

/// (b) Simulation of Anthropic's requests against the key's current access.
pub fn simulate(input: &VerifyInput<'_>) -> Result<usize, String> {
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
    let report = simulate_aws_policy(&doc, &access, &key.arn)
        .map_err(|e| format!("access simulation: {e}"))?;
    let failures: Vec<String> = report
        .failures()
        .map(|o| format!("{} ({})", o.id, o.check.explanation))
        .collect();
    if failures.is_empty() {
        Ok(report.outcomes.len())
    } else {
        Err(format!(
            "access simulation: the key policy would refuse Anthropic: {}",
            failures.join("; ")
        ))
    }
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
