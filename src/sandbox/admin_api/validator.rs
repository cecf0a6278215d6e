//! How the emulated validate call checks a key: the emulator does no cryptography itself; it
//! delegates to a [`KeyValidator`] (the KMS emulators implement it with a real round trip made as
//! Anthropic's principal). [`FnValidator`] adapts a closure, for tests and simple wiring.

use std::future::Future;
use std::pin::Pin;

use crate::anthropic::types::ProviderConfig;

/// The future a validator returns: `Ok(())` when Anthropic's round trip would succeed, else the
/// reason (the validate response's `error` string).
pub type ValidationFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Checks that Anthropic could use the key behind `provider_config` for `organization_uuid`.
pub trait KeyValidator: Send + Sync {
    fn validate<'a>(
        &'a self,
        provider_config: &'a ProviderConfig,
        organization_uuid: &'a str,
    ) -> ValidationFuture<'a>;

    /// Claude Platform on AWS: the validation made at attach (`domain/anthropic-cmek.md` §4: "no
    /// separate validate call (the key is validated at attach, using the workspace's
    /// compartment id)"), as the platform's service principal. A validator that cannot make it
    /// refuses, so an attach is never accepted unchecked.
    fn validate_at_attach<'a>(
        &'a self,
        kms_arn: &'a str,
        compartment_id: &'a str,
    ) -> ValidationFuture<'a> {
        let _ = (kms_arn, compartment_id);
        Box::pin(async {
            Err(
                "this validator cannot validate a key at attach (Claude Platform on AWS)"
                    .to_string(),
            )
        })
    }
}

/// A [`KeyValidator`] backed by a closure `(provider_config, organization_uuid) -> future`.
pub struct FnValidator<F>(pub F);

impl<F> FnValidator<F> {
    pub fn new(f: F) -> Self {
        Self(f)
    }
}

impl<F, Fut> KeyValidator for FnValidator<F>
where
    F: Fn(ProviderConfig, String) -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    fn validate<'a>(
        &'a self,
        provider_config: &'a ProviderConfig,
        organization_uuid: &'a str,
    ) -> ValidationFuture<'a> {
        Box::pin((self.0)(
            provider_config.clone(),
            organization_uuid.to_string(),
        ))
    }
}
