//! Required-access rendering: snapshots of every documented shape, and the inputs that must be
//! refused.

mod policy_support;

use cmek::policy::aws::canonical::semantically_equal;
use cmek::policy::render::RenderError;
use cmek::policy::render::aws::{AwsAccessInput, CompartmentStatus, render_aws_policy};
use cmek::policy::render::azure::{AzureAccessInput, render_azure_access};
use cmek::policy::render::gcp::{GcpAccessInput, render_gcp_access};
use cmek::spec::model::{
    AwsKeySpec, AzureKeySpec, AzureKeyType, GcpKeySpec, GcpProtectionLevel, Platform,
};
use policy_support::*;

macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({ snapshot_path => "../snapshots/policy", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

fn aws_spec() -> AwsKeySpec {
    AwsKeySpec {
        region: "us-east-2".into(),
        alias: Some("alias/anthropic-cmek-prod".into()),
        description: "Anthropic CMEK".into(),
        rotation: true,
        rotation_period_days: None,
        admins: Some(vec!["arn:aws:iam::111122223333:role/KeyAdmin".into()]),
        multi_region: false,
        compartment_scoping: true,
        tags: Default::default(),
        policy: None,
    }
}

#[test]
fn aws_claude_platform_with_scoping() {
    let mut input = platform_input();
    input
        .compartments
        .push(compartment(COMP2, WS2, CompartmentStatus::Attaching));
    input
        .compartments
        .push(compartment(COMP3, WS3, CompartmentStatus::FormerlyAttached));
    let doc = render_aws_policy(&input).unwrap();
    snap!("aws_claude_platform_scoped", doc.to_pretty_string());
}

#[test]
fn aws_claude_platform_matches_documented_current_shape() {
    let doc = render_aws_policy(&platform_input()).unwrap();
    assert!(semantically_equal(&doc, &fixture("era_current.json")));
}

#[test]
fn aws_claude_platform_unscoped_with_admins_and_existing_data() {
    let mut input = AwsAccessInput::from_spec(
        &AwsKeySpec {
            compartment_scoping: false,
            ..aws_spec()
        },
        Platform::ClaudePlatform,
        ACCOUNT,
        vec![ORG2.into(), ORG.into(), ORG.into()],
        vec![compartment(COMP1, WS1, CompartmentStatus::Attached)],
        true,
        vec![],
    );
    input
        .compartments
        .push(compartment(COMP3, WS3, CompartmentStatus::FormerlyAttached));
    let doc = render_aws_policy(&input).unwrap();
    snap!(
        "aws_claude_platform_admins_existing_data",
        doc.to_pretty_string()
    );
}

#[test]
fn aws_claude_platform_scoped_before_first_attach_lists_only_all_zeros() {
    let mut input = platform_input();
    input.compartments.clear();
    let doc = render_aws_policy(&input).unwrap();
    let crypto = doc.statement("AllowAnthropicCMEKCrypto").unwrap();
    let json = cmek::policy::aws::document::statement_to_json(crypto);
    assert_eq!(
        json["Condition"]["StringEqualsIfExists"]["kms:EncryptionContext:anthropic:compartment_uuid"],
        serde_json::json!(ZEROS)
    );
}

#[test]
fn aws_claude_enterprise() {
    let input = AwsAccessInput {
        platform: Platform::ClaudeEnterprise,
        compartments: vec![],
        ..platform_input()
    };
    snap!(
        "aws_claude_enterprise",
        render_aws_policy(&input).unwrap().to_pretty_string()
    );
}

#[test]
fn aws_claude_platform_on_aws() {
    let mut input = cpoa_input();
    input
        .compartments
        .push(compartment(COMP2, WS2, CompartmentStatus::Attaching));
    snap!(
        "aws_claude_platform_on_aws",
        render_aws_policy(&input).unwrap().to_pretty_string()
    );
    let bare = AwsAccessInput {
        compartment_scoping: false,
        workspace_arns: vec![],
        ..cpoa_input()
    };
    snap!(
        "aws_claude_platform_on_aws_unscoped",
        render_aws_policy(&bare).unwrap().to_pretty_string()
    );
}

#[test]
fn aws_rendering_is_deterministic() {
    let mut a = platform_input();
    a.compartments
        .push(compartment(COMP2, WS2, CompartmentStatus::Attached));
    a.org_uuids = vec![ORG2.into(), ORG.into()];
    let mut b = a.clone();
    b.compartments.reverse();
    b.org_uuids.reverse();
    assert_eq!(
        render_aws_policy(&a).unwrap(),
        render_aws_policy(&b).unwrap()
    );
}

#[test]
fn aws_refuses_bad_inputs() {
    let mut input = platform_input();
    input.org_uuids = vec![format!("org_{ORG}")];
    assert!(matches!(
        render_aws_policy(&input),
        Err(RenderError::BadOrgUuid(_))
    ));
    input.org_uuids = vec![ORG.to_uppercase()];
    assert!(matches!(
        render_aws_policy(&input),
        Err(RenderError::BadOrgUuid(_))
    ));
    input.org_uuids = vec![];
    assert_eq!(render_aws_policy(&input), Err(RenderError::NoOrgUuid));
    let mut input = platform_input();
    input.compartments = vec![compartment(WS1, WS1, CompartmentStatus::Attaching)];
    let e = render_aws_policy(&input).unwrap_err();
    assert!(e.to_string().contains("not its `wrkspc_` id"), "{e}");
    let mut input = platform_input();
    input.account_id = "1111".into();
    assert!(matches!(
        render_aws_policy(&input),
        Err(RenderError::BadAccount(_))
    ));
    let mut input = platform_input();
    input.compartments.clear();
    input.protects_pre_current_data = true;
    assert!(matches!(
        render_aws_policy(&input),
        Err(RenderError::Other(_))
    ));
}

#[test]
fn gcp_bindings_and_labels() {
    let spec = GcpKeySpec {
        project: "acme-prod".into(),
        location: "us-east5".into(),
        key_ring: "anthropic-cmek".into(),
        name: "claude".into(),
        protection_level: GcpProtectionLevel::Hsm,
        rotation_period_seconds: Some(7_776_000),
        labels: Default::default(),
    };
    let access = render_gcp_access(&GcpAccessInput::from_spec(
        &spec,
        vec![ORG.into(), ORG2.into()],
    ))
    .unwrap();
    snap!(
        "gcp_required_access",
        serde_json::to_string_pretty(&access).unwrap()
    );
    assert!(render_gcp_access(&GcpAccessInput::from_spec(&spec, vec![])).is_err());
}

#[test]
fn azure_role_assignment_key_ops_and_tag() {
    let spec = AzureKeySpec {
        vault_uri: "https://acme-cmek.vault.azure.net/".into(),
        tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
        name: "claude".into(),
        key_type: AzureKeyType::RsaHsm,
        key_size: 3072,
        tags: Default::default(),
    };
    let vault = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/cmek/providers/Microsoft.KeyVault/vaults/acme-cmek/";
    let input = AzureAccessInput::from_spec(
        &spec,
        vault,
        "5f2c9a1e-0000-4000-8000-00000000abcd",
        vec![ORG.into()],
    );
    let access = render_azure_access(&input).unwrap();
    assert!(
        access
            .role_assignment
            .scope
            .ends_with("/vaults/acme-cmek/keys/claude")
    );
    assert_eq!(access.key_ops, ["wrapKey", "unwrapKey"]);
    snap!(
        "azure_required_access",
        serde_json::to_string_pretty(&access).unwrap()
    );
    let no_sp = AzureAccessInput::from_spec(&spec, vault, "", vec![ORG.into()]);
    assert!(render_azure_access(&no_sp).is_err());
}
