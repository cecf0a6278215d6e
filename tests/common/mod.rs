//! Builders shared by the plan tests and the plan bench: specs, and the state + observed world
//! "from scratch" (nothing created yet) or "converged" (as a successful apply leaves it).

#![allow(dead_code)]

pub mod oracle;
pub mod recording;
pub mod safety_cases;

use std::collections::{BTreeMap, BTreeSet};

use cmek::address::{Address, Cloud};
use cmek::anthropic::types::{Attachment, ExternalKey, Workspace};
use cmek::plan::attrs::{desired_immutable, desired_mutable};
use cmek::plan::facts::desired_provider_config;
use cmek::plan::input::{
    CompartmentStatus, CompartmentUse, DesiredAccessInput, KeyState, Observed, ObservedKey,
    PolicyOracle, PrimaryVersion, Prior, PriorKey, PriorRegistration, PriorWorkspace,
    ServedWorkspace, VersionState,
};
use cmek::spec::model::{
    AnthropicConfig, AwsKeySpec, AzureKeySpec, AzureKeyType, BackendConfig, Desired,
    ExternalKeySpec, GcpKeySpec, GcpProtectionLevel, KeyKind, KeySpec, LintConfig, Origin,
    Platform, Providers, RemovedSpec, WorkspaceSpec,
};

use oracle::TestOracle;

pub const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
pub const OTHER_ORG: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
pub const ACCOUNT: &str = "111122223333";
pub const LINEAGE: &str = "6c1f9a52-3c1e-4c55-9d7e-2f1a7b0e4d11";

pub fn origin() -> Origin {
    Origin {
        file: "main.cmek.hcl".to_string(),
        line: 1,
        column: 1,
    }
}

pub fn empty_desired(platform: Platform) -> Desired {
    Desired {
        anthropic: AnthropicConfig {
            organization_uuid: ORG.to_string(),
            platform,
            api_key_env: "ANTHROPIC_ADMIN_API_KEY".to_string(),
            base_url: "https://api.anthropic.com".to_string(),
            origin: origin(),
        },
        backend: BackendConfig::default(),
        providers: Providers::default(),
        keys: BTreeMap::new(),
        external_keys: BTreeMap::new(),
        workspaces: BTreeMap::new(),
        removed: Vec::new(),
        imports: Vec::new(),
        lint: LintConfig::default(),
    }
}

pub fn aws_key(name: &str) -> KeySpec {
    KeySpec {
        address: Address::key(Cloud::Aws, name),
        kind: KeyKind::Aws(AwsKeySpec {
            region: "us-east-2".to_string(),
            alias: Some(format!("alias/anthropic-cmek-{name}")),
            description: "Anthropic CMEK".to_string(),
            rotation: true,
            rotation_period_days: None,
            admins: None,
            multi_region: false,
            compartment_scoping: true,
            tags: BTreeMap::from([("team".to_string(), "security".to_string())]),
            policy: None,
        }),
        origin: origin(),
    }
}

pub fn gcp_key(name: &str) -> KeySpec {
    KeySpec {
        address: Address::key(Cloud::Gcp, name),
        kind: KeyKind::Gcp(GcpKeySpec {
            project: "acme-prod".to_string(),
            location: "us-east5".to_string(),
            key_ring: "anthropic-cmek".to_string(),
            name: name.to_string(),
            protection_level: GcpProtectionLevel::Hsm,
            rotation_period_seconds: Some(7_776_000),
            labels: BTreeMap::new(),
        }),
        origin: origin(),
    }
}

pub fn azure_key(name: &str) -> KeySpec {
    KeySpec {
        address: Address::key(Cloud::Azure, name),
        kind: KeyKind::Azure(AzureKeySpec {
            vault_uri: "https://acme-cmek.vault.azure.net/".to_string(),
            tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".to_string(),
            name: name.to_string(),
            key_type: AzureKeyType::RsaHsm,
            key_size: 3072,
            tags: BTreeMap::new(),
        }),
        origin: origin(),
    }
}

pub fn registration(name: &str, key: &Address) -> ExternalKeySpec {
    ExternalKeySpec {
        address: Address::external_key(name),
        key: key.clone(),
        display_name: Some(format!("{name} CMEK")),
        geo: "us".to_string(),
        origin: origin(),
    }
}

pub fn workspace(name: &str, registration: Option<&Address>) -> WorkspaceSpec {
    WorkspaceSpec {
        address: Address::workspace(name),
        id: workspace_id(name),
        external_key: registration.cloned(),
        origin: origin(),
    }
}

pub fn workspace_id(name: &str) -> String {
    format!("wrkspc_{name}")
}

/// A deterministic compartment UUID per workspace name.
pub fn compartment(name: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!(
        "c0{:06x}-0000-4000-8000-{:012x}",
        h >> 40,
        h & 0xffff_ffff_ffff
    )
}

pub fn key_remote_id(spec: &KeySpec) -> String {
    match &spec.kind {
        KeyKind::Aws(a) => format!(
            "arn:aws:kms:{}:{ACCOUNT}:key/{}-0000-4000-8000-000000000000",
            a.region, spec.address.name
        ),
        KeyKind::Gcp(g) => format!(
            "projects/{}/locations/{}/keyRings/{}/cryptoKeys/{}",
            g.project, g.location, g.key_ring, g.name
        ),
        KeyKind::Azure(z) => format!("{}keys/{}", z.vault_uri, z.name),
    }
}

pub fn registration_remote_id(address: &Address) -> String {
    format!("ekey_{}", address.name)
}

pub fn add_key(d: &mut Desired, k: KeySpec) {
    d.keys.insert(k.address.clone(), k);
}
pub fn add_registration(d: &mut Desired, r: ExternalKeySpec) {
    d.external_keys.insert(r.address.clone(), r);
}
pub fn add_workspace(d: &mut Desired, w: WorkspaceSpec) {
    d.workspaces.insert(w.address.clone(), w);
}
pub fn add_removed(d: &mut Desired, from: Address) {
    d.removed.push(RemovedSpec {
        from,
        origin: origin(),
    });
}

/// The quickstart: one AWS key, one registration, two workspaces.
pub fn quickstart() -> Desired {
    let mut d = empty_desired(Platform::ClaudePlatform);
    let key = aws_key("prod");
    let reg = registration("prod", &key.address);
    add_workspace(&mut d, workspace("a", Some(&reg.address)));
    add_workspace(&mut d, workspace("b", Some(&reg.address)));
    add_registration(&mut d, reg);
    add_key(&mut d, key);
    d
}

/// Nothing created yet: state is empty, workspaces exist at Anthropic unattached.
pub fn from_scratch(d: &Desired) -> (Prior, Observed) {
    let prior = Prior {
        lineage: LINEAGE.to_string(),
        serial: 0,
        ..Prior::default()
    };
    let mut observed = Observed {
        aws_caller_account: Some(ACCOUNT.to_string()),
        ..Observed::default()
    };
    for w in d.workspaces.values() {
        observed
            .workspaces
            .insert(w.address.clone(), observed_workspace(&w.address.name, None));
    }
    (prior, observed)
}

pub fn observed_workspace(name: &str, attached: Option<&str>) -> Workspace {
    Workspace {
        object_type: "workspace".to_string(),
        id: workspace_id(name),
        name: Some(name.to_string()),
        compartment_id: compartment(name),
        external_key_id: attached.map(String::from),
        archived_at: None,
    }
}

/// The workspaces of the spec attached (through any registration) to each key.
fn workspaces_by_key(d: &Desired) -> BTreeMap<Address, Vec<CompartmentUse>> {
    let mut out: BTreeMap<Address, Vec<CompartmentUse>> = BTreeMap::new();
    for w in d.workspaces.values() {
        let Some(key) = w
            .external_key
            .as_ref()
            .and_then(|e| d.external_keys.get(e))
            .map(|r| r.key.clone())
        else {
            continue;
        };
        out.entry(key).or_default().push(CompartmentUse {
            workspace_id: w.id.clone(),
            compartment_uuid: compartment(&w.address.name),
            status: CompartmentStatus::Attached,
        });
    }
    for uses in out.values_mut() {
        uses.sort();
    }
    out
}

/// The world as a successful apply of `d` leaves it (access rendered by the test double).
pub fn converged(d: &Desired) -> (Prior, Observed) {
    converged_with(d, &TestOracle)
}

/// The world as a successful apply of `d` leaves it, with every key's access as `oracle`
/// renders it (the engine tests pass the real policy library).
pub fn converged_with(d: &Desired, oracle: &dyn PolicyOracle) -> (Prior, Observed) {
    let mut prior = Prior {
        lineage: LINEAGE.to_string(),
        serial: 7,
        ..Prior::default()
    };
    let mut observed = Observed {
        aws_caller_account: Some(ACCOUNT.to_string()),
        ..Observed::default()
    };
    let orgs = vec![ORG.to_string()];
    let by_key = workspaces_by_key(d);
    for spec in d.keys.values() {
        let uses = by_key.get(&spec.address).cloned().unwrap_or_default();
        let access = oracle.render_desired_access(&DesiredAccessInput {
            key: spec,
            platform: d.anthropic.platform,
            aws_account: Some(ACCOUNT),
            compartments: &uses,
            org_uuids: &orgs,
            protects_pre_current_data: false,
        });
        let remote_id = key_remote_id(spec);
        let mut immutable = desired_immutable(spec, Some(ACCOUNT));
        if !matches!(spec.kind, KeyKind::Aws(_)) {
            immutable.remove("account");
        }
        let primary_version = matches!(spec.kind, KeyKind::Gcp(_)).then(|| PrimaryVersion {
            name: "1".to_string(),
            state: VersionState::Enabled,
        });
        observed.keys.insert(
            spec.address.clone(),
            ObservedKey {
                remote_id: remote_id.clone(),
                state: KeyState::Enabled,
                immutable,
                mutable: desired_mutable(spec),
                access: access.clone(),
                org_uuids_bound: orgs.iter().cloned().collect(),
                primary_version,
                fingerprint: format!("fp-{}", spec.address),
            },
        );
        prior.keys.insert(
            spec.address.clone(),
            PriorKey {
                remote_id,
                attributes: BTreeMap::new(),
                applied_access: Some(access),
                ever_attached: !uses.is_empty(),
                served: uses
                    .iter()
                    .map(|u| ServedWorkspace {
                        workspace_id: u.workspace_id.clone(),
                        compartment_uuid: u.compartment_uuid.clone(),
                        via_external_key_id: String::new(),
                    })
                    .collect(),
                org_uuids_bound: BTreeSet::from([ORG.to_string()]),
                protects_data: !uses.is_empty(),
                data_under_older_policy: false,
            },
        );
    }
    let used: BTreeSet<&Address> = d
        .workspaces
        .values()
        .filter_map(|w| w.external_key.as_ref())
        .collect();
    for reg in d.external_keys.values() {
        let in_use = used.contains(&reg.address);
        let Some(key) = d.keys.get(&reg.key) else {
            continue;
        };
        let arn = key_remote_id(key);
        let Some(config) = desired_provider_config(key, Some(&arn)) else {
            continue;
        };
        let id = registration_remote_id(&reg.address);
        observed.registrations.insert(
            reg.address.clone(),
            ExternalKey {
                object_type: "external_key".to_string(),
                id: id.clone(),
                attachment: if in_use {
                    Attachment::Attached
                } else {
                    Attachment::Unattached
                },
                display_name: reg.display_name.clone(),
                geo: Some("us".to_string()),
                provider_config: config,
                created_at: "2026-11-01T00:00:00Z".to_string(),
                updated_at: "2026-11-01T00:00:00Z".to_string(),
            },
        );
        prior.registrations.insert(
            reg.address.clone(),
            PriorRegistration {
                remote_id: id,
                key: Some(reg.key.clone()),
                in_use,
            },
        );
    }
    for w in d.workspaces.values() {
        let attached = w.external_key.as_ref().map(registration_remote_id);
        observed.workspaces.insert(
            w.address.clone(),
            observed_workspace(&w.address.name, attached.as_deref()),
        );
        prior.workspaces.insert(
            w.address.clone(),
            PriorWorkspace {
                remote_id: w.id.clone(),
                compartment_uuid: Some(compartment(&w.address.name)),
                attached_external_key_id: attached,
            },
        );
    }
    // Served entries record the registration they went through.
    let via: BTreeMap<&str, String> = d
        .workspaces
        .values()
        .filter_map(|w| {
            w.external_key
                .as_ref()
                .map(|e| (w.id.as_str(), registration_remote_id(e)))
        })
        .collect();
    for key in prior.keys.values_mut() {
        for s in &mut key.served {
            if let Some(id) = via.get(s.workspace_id.as_str()) {
                s.via_external_key_id = id.clone();
            }
        }
    }
    (prior, observed)
}

/// `n` AWS keys, each with one registration and two workspaces (bench and scale tests).
pub fn many(n: usize) -> Desired {
    let mut d = empty_desired(Platform::ClaudePlatform);
    for i in 0..n {
        let key = aws_key(&format!("k{i:05}"));
        let reg = registration(&format!("r{i:05}"), &key.address);
        add_workspace(&mut d, workspace(&format!("w{i:05}a"), Some(&reg.address)));
        add_workspace(&mut d, workspace(&format!("w{i:05}b"), Some(&reg.address)));
        add_registration(&mut d, reg);
        add_key(&mut d, key);
    }
    d
}

pub fn plan(d: &Desired, prior: &Prior, observed: &Observed) -> cmek::plan::Plan {
    plan_with(d, prior, observed, &TestOracle)
}

pub fn plan_with(
    d: &Desired,
    prior: &Prior,
    observed: &Observed,
    oracle: &dyn PolicyOracle,
) -> cmek::plan::Plan {
    cmek::plan::make_plan(d, prior, observed, oracle).expect("plan")
}
