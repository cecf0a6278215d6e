//! Shared fixtures and builders for the policy tests.
#![allow(dead_code)]

use cmek::policy::aws::{PolicyDocument, parse_policy_text};
use cmek::policy::render::aws::{AwsAccessInput, CompartmentStatus, CompartmentUse};
use cmek::spec::model::Platform;

pub const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
pub const ORG2: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
pub const ACCOUNT: &str = "111122223333";
pub const KEY_ARN: &str =
    "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
pub const ROLE: &str = "arn:aws:iam::915198916910:role/anthropic-cmek-client-us";
pub const SERVICE: &str = "aws-external-anthropic.amazonaws.com";
pub const COMP1: &str = "7d3e9a10-4b2c-4f8e-9a1d-5c6b7e8f9a0b";
pub const COMP2: &str = "2b4c6d8e-0f1a-4b3c-9d5e-7f8091a2b3c4";
pub const COMP3: &str = "c0ffee00-1234-4abc-8def-0123456789ab";
pub const WS1: &str = "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ";
pub const WS2: &str = "wrkspc_01K0000000000000000000002";
pub const WS3: &str = "wrkspc_01K0000000000000000000003";
pub const ZEROS: &str = "00000000-0000-0000-0000-000000000000";

pub fn fixture_text(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/policy/aws/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn fixture(name: &str) -> PolicyDocument {
    parse_policy_text(&fixture_text(name)).unwrap().document
}

pub fn compartment(uuid: &str, ws: &str, status: CompartmentStatus) -> CompartmentUse {
    CompartmentUse {
        uuid: uuid.into(),
        workspace_id: ws.into(),
        status,
    }
}

/// A Claude Platform key attached to WS1 (COMP1).
pub fn platform_input() -> AwsAccessInput {
    AwsAccessInput {
        platform: Platform::ClaudePlatform,
        account_id: ACCOUNT.into(),
        region: "us-east-2".into(),
        admins: None,
        org_uuids: vec![ORG.into()],
        compartment_scoping: true,
        compartments: vec![compartment(COMP1, WS1, CompartmentStatus::Attached)],
        protects_pre_current_data: false,
        workspace_arns: vec![],
    }
}

pub fn cpoa_input() -> AwsAccessInput {
    AwsAccessInput {
        platform: Platform::ClaudePlatformAws,
        workspace_arns: vec![format!(
            "arn:aws:aws-external-anthropic:us-east-2:{ACCOUNT}:workspace/{WS1}"
        )],
        ..platform_input()
    }
}
