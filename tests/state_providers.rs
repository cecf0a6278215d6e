//! The provider traits are implementable and object-safe, and their shared helpers compose:
//! bulk refresh with bounded concurrency and retries, default methods for unsupported calls, and
//! the paging default of `AnthropicApi`. The fakes here are test-only; real emulators live in
//! `src/sandbox/`.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use cmek::address::Cloud;
use cmek::anthropic::types::{
    Attachment, CreateExternalKey, ExternalKey, ExternalKeyPage, ProviderConfig, ValidationResult,
    ValidationStatus, Workspace,
};
use cmek::observed::{GcpKey, ObservedKey};
use cmek::providers::*;

fn gcp_key(name: &str) -> GcpKey {
    GcpKey {
        name: name.into(),
        purpose: "ENCRYPT_DECRYPT".into(),
        protection_level: "HSM".into(),
        rotation_period_seconds: None,
        next_rotation_time: None,
        labels: BTreeMap::new(),
        primary: None,
        versions: vec![],
        iam_bindings: vec![],
    }
}

/// Keys by name; the first read of each key is throttled once.
struct FakeGcp {
    keys: BTreeMap<String, GcpKey>,
    throttled_once: Mutex<BTreeMap<String, bool>>,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    calls: AtomicUsize,
}

impl FakeGcp {
    async fn get(&self, name: &str) -> Result<Option<ObservedKey>, ProviderError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let first = self
            .throttled_once
            .lock()
            .unwrap()
            .insert(name.to_string(), true)
            .is_none();
        if first {
            return Err(ProviderError::Throttled {
                operation: "cryptoKeys.get".into(),
                message: "quota".into(),
                retry_after: None,
            });
        }
        Ok(self.keys.get(name).cloned().map(ObservedKey::Gcp))
    }
}

#[async_trait]
impl KeyProvider for FakeGcp {
    fn cloud(&self) -> Cloud {
        Cloud::Gcp
    }

    async fn refresh(
        &self,
        refs: &[KeyRef],
        progress: Progress<'_>,
    ) -> Vec<Result<Option<ObservedKey>, ProviderError>> {
        let policy = RetryPolicy::instant(3);
        let futures = refs.iter().map(|r| {
            let policy = policy.clone();
            async move {
                let KeyRef::Gcp { name } = r else {
                    return Err(ProviderError::invalid_request("refresh", "not a GCP key"));
                };
                retry(&policy, |_| self.get(name), |_, _, _| {}).await
            }
        });
        run_bounded(futures, 4, progress).await
    }

    async fn find_by_client_token(
        &self,
        _location: &KeyLocation,
        token: &ClientToken,
    ) -> Result<Option<ObservedKey>, ProviderError> {
        Ok(self
            .keys
            .values()
            .find(|k| k.labels.get(CLIENT_TOKEN_TAG).map(String::as_str) == Some(token.as_str()))
            .cloned()
            .map(ObservedKey::Gcp))
    }

    async fn create_key(&self, request: &CreateKeyRequest) -> Result<ObservedKey, ProviderError> {
        if let Some(k) = self
            .find_by_client_token(&request.location, &request.client_token)
            .await?
        {
            return Ok(k);
        }
        Err(ProviderError::invalid_request("create", "read-only fake"))
    }

    async fn put_access(&self, key: &KeyRef, change: &AccessChange) -> Result<(), ProviderError> {
        match change {
            AccessChange::Add(_) => Ok(()),
            AccessChange::Replace(checked) => checked.check_target(key),
        }
    }

    async fn set_rotation(&self, _: &KeyRef, _: &RotationSetting) -> Result<(), ProviderError> {
        Ok(())
    }

    async fn set_tags_or_labels(&self, _: &KeyRef, _: &TagChange) -> Result<(), ProviderError> {
        Ok(())
    }

    async fn enable_key(&self, key: &KeyRef) -> Result<(), ProviderError> {
        Err(ProviderError::unsupported(
            format!("enable {}", key.id()),
            Cloud::Gcp,
        ))
    }

    async fn wrap(
        &self,
        _: &KeyRef,
        plaintext: &SecretBytes,
        _: &EncryptionContext,
    ) -> Result<Ciphertext, ProviderError> {
        Ok(Ciphertext {
            bytes: plaintext.expose().iter().rev().copied().collect(),
            key_version: None,
        })
    }

    async fn unwrap(
        &self,
        _: &KeyRef,
        ciphertext: &Ciphertext,
        _: &EncryptionContext,
    ) -> Result<SecretBytes, ProviderError> {
        Ok(SecretBytes::new(
            ciphertext.bytes.iter().rev().copied().collect(),
        ))
    }
}

fn fake(n: usize) -> FakeGcp {
    let mut keys = BTreeMap::new();
    for i in 0..n {
        let name = format!("projects/p/locations/us-east5/keyRings/r/cryptoKeys/k{i}");
        let mut k = gcp_key(&name);
        k.labels
            .insert(CLIENT_TOKEN_TAG.into(), format!("cmek-{:032x}", i));
        keys.insert(name, k);
    }
    FakeGcp {
        keys,
        throttled_once: Mutex::new(BTreeMap::new()),
        in_flight: AtomicUsize::new(0),
        peak: AtomicUsize::new(0),
        calls: AtomicUsize::new(0),
    }
}

#[tokio::test]
async fn bulk_refresh_is_bounded_retried_and_in_order() {
    let provider: Box<dyn KeyProvider> = Box::new(fake(20));
    let mut refs: Vec<KeyRef> = (0..20)
        .map(|i| KeyRef::Gcp {
            name: format!("projects/p/locations/us-east5/keyRings/r/cryptoKeys/k{i}"),
        })
        .collect();
    refs.push(KeyRef::Gcp {
        name: "projects/p/locations/us-east5/keyRings/r/cryptoKeys/missing".into(),
    });
    let done = AtomicUsize::new(0);
    let progress = |d: usize, total: usize| {
        assert_eq!(total, 21);
        done.store(d, Ordering::SeqCst);
    };
    let results = provider.refresh(&refs, &progress).await;
    assert_eq!(done.load(Ordering::SeqCst), 21);
    assert_eq!(results.len(), 21);
    for (r, result) in refs.iter().zip(&results) {
        match result {
            Ok(Some(k)) => assert_eq!(KeyRef::of(k), *r),
            Ok(None) => assert!(r.id().ends_with("missing")),
            Err(e) => panic!("{e}"),
        }
    }
}

#[tokio::test]
async fn helpers_respect_limits_and_counts() {
    let f = fake(10);
    let refs: Vec<KeyRef> = f
        .keys
        .keys()
        .map(|n| KeyRef::Gcp { name: n.clone() })
        .collect();
    f.refresh(&refs, &no_progress).await;
    assert!(f.peak.load(Ordering::SeqCst) <= 4);
    // Each key: one throttled attempt, one successful retry.
    assert_eq!(f.calls.load(Ordering::SeqCst), 20);
}

#[tokio::test]
async fn unsupported_defaults_and_token_lookup() {
    let f = fake(2);
    let r = KeyRef::Gcp {
        name: "projects/p/locations/us-east5/keyRings/r/cryptoKeys/k1".into(),
    };
    let err = f.set_alias(&r, "alias/x").await.unwrap_err();
    assert_eq!(err.to_string(), "set alias is not supported for gcp keys");
    assert!(f.cancel_deletion(&r).await.is_err());
    let token: ClientToken =
        serde_json::from_value(serde_json::json!(format!("cmek-{:032x}", 1))).unwrap();
    let loc = KeyLocation::Gcp {
        project: "p".into(),
        location: "us-east5".into(),
        key_ring: "r".into(),
        name: "k1".into(),
    };
    let found = f.find_by_client_token(&loc, &token).await.unwrap().unwrap();
    assert_eq!(KeyRef::of(&found), r);

    // A replacement checked for another key is refused by the provider.
    let other = KeyRef::Gcp {
        name: "projects/p/locations/us-east5/keyRings/r/cryptoKeys/k0".into(),
    };
    let checked = SafetyCheckedUpdate::after_simulation(
        &other,
        AccessDocument::AzureKeyOperations {
            key_ops: vec!["wrapKey".into(), "unwrapKey".into()],
        },
        SimulationEvidence {
            simulated_requests: 2,
            base_fingerprint: None,
            summary: "test".into(),
        },
    )
    .unwrap();
    assert!(
        f.put_access(&r, &AccessChange::Replace(checked.clone()))
            .await
            .is_err()
    );
    assert!(
        f.put_access(&other, &AccessChange::Replace(checked))
            .await
            .is_ok()
    );

    // Round trip through the verification primitives; plaintext never printed.
    let pt = SecretBytes::new(vec![1, 2, 3, 4]);
    let ct = f.wrap(&r, &pt, &EncryptionContext::new()).await.unwrap();
    let back = f.unwrap(&r, &ct, &EncryptionContext::new()).await.unwrap();
    assert!(back.ct_eq(&pt));
    assert_eq!(format!("{back:?}"), "SecretBytes(<redacted, 4 bytes>)");
}

/// Pages of registrations, `next_page` chaining them; optionally a server that loops.
struct FakeAdmin {
    pages: Vec<ExternalKeyPage>,
    looping: bool,
}

fn ekey(i: usize) -> ExternalKey {
    ExternalKey {
        object_type: "external_key".into(),
        id: format!("ekey_{i:02}"),
        attachment: Attachment::Unattached,
        display_name: None,
        geo: Some("us".into()),
        provider_config: ProviderConfig::Gcp {
            key_name: format!("projects/p/locations/us-east5/keyRings/r/cryptoKeys/k{i}"),
        },
        created_at: "2026-11-01T00:00:00Z".into(),
        updated_at: "2026-11-01T00:00:00Z".into(),
    }
}

#[async_trait]
impl AnthropicApi for FakeAdmin {
    async fn list_external_keys(
        &self,
        page: Option<&str>,
        _limit: Option<u32>,
    ) -> Result<ExternalKeyPage, ProviderError> {
        if self.looping {
            return Ok(ExternalKeyPage {
                data: vec![ekey(0)],
                next_page: Some("again".into()),
            });
        }
        let index: usize = page.map(|p| p.parse().unwrap()).unwrap_or(0);
        Ok(self.pages[index].clone())
    }

    async fn get_external_key(&self, _: &str) -> Result<Option<ExternalKey>, ProviderError> {
        Ok(None)
    }

    async fn create_external_key(
        &self,
        _: &CreateExternalKey,
    ) -> Result<ExternalKey, ProviderError> {
        Ok(ekey(99))
    }

    async fn update_display_name(
        &self,
        _: &str,
        display_name: &str,
    ) -> Result<ExternalKey, ProviderError> {
        let mut e = ekey(1);
        e.display_name = Some(display_name.into());
        Ok(e)
    }

    async fn validate_external_key(&self, _: &str) -> Result<ValidationResult, ProviderError> {
        Ok(ValidationResult {
            object_type: "external_key_validation".into(),
            status: ValidationStatus::Success,
            error: None,
        })
    }

    async fn get_workspace(&self, _: &str) -> Result<Option<Workspace>, ProviderError> {
        Ok(None)
    }

    async fn attach_workspace_key(
        &self,
        workspace_id: &str,
        external_key_id: &str,
    ) -> Result<Workspace, ProviderError> {
        Ok(Workspace {
            object_type: "workspace".into(),
            id: workspace_id.into(),
            name: None,
            compartment_id: "c".into(),
            external_key_id: Some(external_key_id.into()),
            archived_at: None,
        })
    }
}

#[tokio::test]
async fn list_all_follows_pages_and_stops_a_looping_server() {
    let api: Box<dyn AnthropicApi> = Box::new(FakeAdmin {
        pages: vec![
            ExternalKeyPage {
                data: vec![ekey(0), ekey(1)],
                next_page: Some("1".into()),
            },
            ExternalKeyPage {
                data: vec![ekey(2)],
                next_page: Some("2".into()),
            },
            ExternalKeyPage {
                data: vec![ekey(3)],
                next_page: None,
            },
        ],
        looping: false,
    });
    let all = api.list_all_external_keys().await.unwrap();
    let ids: Vec<&str> = all.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["ekey_00", "ekey_01", "ekey_02", "ekey_03"]);

    let looping = FakeAdmin {
        pages: vec![],
        looping: true,
    };
    let err = looping.list_all_external_keys().await.unwrap_err();
    assert!(err.to_string().contains("same next_page twice"), "{err}");
}
