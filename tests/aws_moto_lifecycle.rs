//! The real `cmek` binary against a moto server (AWS KMS + STS) and an in-process Anthropic
//! Admin API emulator: apply, a converged re-plan, drift made out of band with the AWS SDK
//! (policy edited, rotation disabled, key scheduled for deletion, key disabled) detected and
//! restored, and a reformatted-but-equivalent policy seen as no change.
//!
//! Needs `CMEK_TEST_MOTO_ENDPOINT` (see tests/README.md); skips without it unless
//! `CMEK_REQUIRE_MOTO=1`. moto enforces neither key states nor policies: nothing here relies on
//! the server refusing a request.

#[path = "common/moto.rs"]
mod moto;

use moto::{MOTO_ACCOUNT, MotoWorld, kms_client, unique};

const WORKSPACE: &str = "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ";

/// A spec with one key (unique alias), its registration and one workspace.
fn spec(world: &MotoWorld, alias: &str) -> String {
    format!(
        "{}key \"aws\" \"main\" {{\n  region = \"us-east-2\"\n  alias = \"{alias}\"\n  \
         description = \"cmek moto test\"\n}}\n\nexternal_key \"main\" {{\n  key = key.aws.main\n  \
         display_name = \"moto test key\"\n  geo = \"us\"\n}}\n\nworkspace \"main\" {{\n  \
         id = \"{WORKSPACE}\"\n  external_key = external_key.main\n}}\n",
        world.header()
    )
}

/// A world with the spec applied and converged; returns it with the key's ARN.
fn applied(endpoint: &str, name: &str) -> (MotoWorld, String) {
    let world = MotoWorld::start(endpoint, &[WORKSPACE]);
    let alias = format!("alias/{}", unique(&format!("cmek-moto-{name}")));
    world.write_spec(&spec(&world, &alias));
    world
        .cmek(&["apply", "--auto-approve", "."])
        .expect_code(0, "first apply");
    world
        .cmek(&["plan", "--detailed-exitcode", "."])
        .expect_code(0, "converged plan after apply");
    let arn = world
        .state_key_arn("key.aws.main")
        .expect("the state records the key's ARN");
    assert!(
        arn.starts_with(&format!("arn:aws:kms:us-east-2:{MOTO_ACCOUNT}:key/")),
        "{arn}"
    );
    (world, arn)
}

fn key_id(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap()
}

/// Plans (expecting changes), applies, and re-plans (expecting none). Returns the plan text.
fn restore(world: &MotoWorld, what: &str) -> String {
    let plan = world
        .cmek(&["plan", "--detailed-exitcode", "."])
        .expect_code(2, &format!("plan after {what}"));
    world
        .cmek(&["apply", "--auto-approve", "."])
        .expect_code(0, &format!("apply after {what}"));
    world
        .cmek(&["plan", "--detailed-exitcode", "."])
        .expect_code(0, &format!("converged plan after restoring {what}"));
    plan.stdout
}

#[test]
fn apply_creates_the_key_registers_attaches_and_converges() {
    let endpoint = require_moto!();
    let (world, arn) = applied(&endpoint, "apply");
    let kms = kms_client(&endpoint);
    let (policy, rotation, described) = world.block_on(async {
        let policy = kms
            .get_key_policy()
            .key_id(&arn)
            .policy_name("default")
            .send()
            .await
            .unwrap()
            .policy
            .unwrap();
        let rotation = kms
            .get_key_rotation_status()
            .key_id(&arn)
            .send()
            .await
            .unwrap()
            .key_rotation_enabled;
        let described = kms.describe_key().key_id(&arn).send().await.unwrap();
        (policy, rotation, described)
    });
    // The default admin statement is the caller's account root (STS GetCallerIdentity on moto).
    let doc: serde_json::Value = serde_json::from_str(&policy).unwrap();
    let root = doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "AccountRootAdmin")
        .expect("AccountRootAdmin statement");
    assert_eq!(
        root["Principal"]["AWS"],
        format!("arn:aws:iam::{MOTO_ACCOUNT}:root")
    );
    assert!(policy.contains("AllowAnthropicCMEKCrypto"), "{policy}");
    assert!(rotation, "rotation is on by default");
    let meta = described.key_metadata.unwrap();
    assert_eq!(meta.description.as_deref(), Some("cmek moto test"));
    // The workspace is attached at the emulated Anthropic, to a registration of this key.
    let admin = world.block_on(world.admin.snapshot());
    let ws = admin.workspaces.iter().find(|w| w.id == WORKSPACE).unwrap();
    let attached = serde_json::to_string(ws).unwrap();
    assert!(attached.contains("ekey_"), "workspace attached: {attached}");
    let registrations = serde_json::to_string(&admin).unwrap();
    assert!(registrations.contains(&arn), "registration names the key");
}

#[test]
fn policy_edited_out_of_band_is_detected_and_restored() {
    let endpoint = require_moto!();
    let (world, arn) = applied(&endpoint, "policy");
    let kms = kms_client(&endpoint);
    // Someone keeps only the root statement: Anthropic's access is gone.
    let root_only = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AccountRootAdmin",
            "Effect": "Allow",
            "Principal": { "AWS": format!("arn:aws:iam::{MOTO_ACCOUNT}:root") },
            "Action": "kms:*",
            "Resource": "*"
        }]
    });
    world.block_on(async {
        kms.put_key_policy()
            .key_id(&arn)
            .policy_name("default")
            .policy(root_only.to_string())
            .send()
            .await
            .unwrap();
    });
    let plan = restore(&world, "the policy edit");
    assert!(
        plan.contains("AllowAnthropicCMEKCrypto"),
        "the plan names the statement it restores:\n{plan}"
    );
    let policy = world.block_on(async {
        kms.get_key_policy()
            .key_id(&arn)
            .policy_name("default")
            .send()
            .await
            .unwrap()
            .policy
            .unwrap()
    });
    assert!(policy.contains("AllowAnthropicCMEKCrypto"), "{policy}");
}

#[test]
fn rotation_disabled_out_of_band_is_turned_back_on() {
    let endpoint = require_moto!();
    let (world, arn) = applied(&endpoint, "rotation");
    let kms = kms_client(&endpoint);
    world.block_on(async {
        kms.disable_key_rotation()
            .key_id(&arn)
            .send()
            .await
            .unwrap();
    });
    let plan = restore(&world, "rotation disabled");
    assert!(plan.contains("rotation"), "{plan}");
    let enabled = world.block_on(async {
        kms.get_key_rotation_status()
            .key_id(&arn)
            .send()
            .await
            .unwrap()
            .key_rotation_enabled
    });
    assert!(enabled);
}

fn key_state(world: &MotoWorld, endpoint: &str, arn: &str) -> String {
    let kms = kms_client(endpoint);
    world.block_on(async {
        kms.describe_key()
            .key_id(arn)
            .send()
            .await
            .unwrap()
            .key_metadata
            .unwrap()
            .key_state
            .unwrap()
            .as_str()
            .to_string()
    })
}

#[test]
fn scheduled_deletion_is_cancelled_and_the_key_re_enabled() {
    let endpoint = require_moto!();
    let (world, arn) = applied(&endpoint, "deletion");
    let kms = kms_client(&endpoint);
    world.block_on(async {
        // moto's ScheduleKeyDeletion and DisableKey take the bare key id only.
        kms.schedule_key_deletion()
            .key_id(key_id(&arn))
            .pending_window_in_days(7)
            .send()
            .await
            .unwrap();
    });
    assert_eq!(key_state(&world, &endpoint, &arn), "PendingDeletion");
    let plan = restore(&world, "the scheduled deletion");
    assert!(plan.to_lowercase().contains("deletion"), "{plan}");
    assert_eq!(key_state(&world, &endpoint, &arn), "Enabled");
}

#[test]
fn disabled_key_is_re_enabled() {
    let endpoint = require_moto!();
    let (world, arn) = applied(&endpoint, "disabled");
    let kms = kms_client(&endpoint);
    world.block_on(async {
        kms.disable_key().key_id(key_id(&arn)).send().await.unwrap();
    });
    assert_eq!(key_state(&world, &endpoint, &arn), "Disabled");
    let plan = restore(&world, "the disabled key");
    assert!(plan.to_lowercase().contains("enable"), "{plan}");
    assert_eq!(key_state(&world, &endpoint, &arn), "Enabled");
}

/// Reverses the statement order and every object's key order, and pretty-prints: the same
/// policy, written differently (as providers do when they return a stored policy).
fn reformat(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, x) in map.iter().rev() {
                out.insert(k.clone(), reformat(x));
            }
            serde_json::Value::Object(out)
        }
        serde_json::Value::Array(items) => items.iter().rev().map(reformat).collect(),
        other => other.clone(),
    }
}

#[test]
fn an_equivalent_reformatted_policy_is_no_change() {
    let endpoint = require_moto!();
    let (world, arn) = applied(&endpoint, "reformat");
    let kms = kms_client(&endpoint);
    let reformatted = world.block_on(async {
        let policy = kms
            .get_key_policy()
            .key_id(&arn)
            .policy_name("default")
            .send()
            .await
            .unwrap()
            .policy
            .unwrap();
        let doc: serde_json::Value = serde_json::from_str(&policy).unwrap();
        let text = serde_json::to_string_pretty(&reformat(&doc)).unwrap();
        assert_ne!(text, policy);
        kms.put_key_policy()
            .key_id(&arn)
            .policy_name("default")
            .policy(&text)
            .send()
            .await
            .unwrap();
        kms.get_key_policy()
            .key_id(&arn)
            .policy_name("default")
            .send()
            .await
            .unwrap()
            .policy
            .unwrap()
    });
    // moto hands back the policy as it was put: reordered and pretty-printed.
    assert!(reformatted.contains("\n  "), "{reformatted}");
    let first = &serde_json::from_str::<serde_json::Value>(&reformatted).unwrap()["Statement"][0];
    assert_ne!(first["Sid"], "AccountRootAdmin", "statements are reordered");
    world
        .cmek(&["plan", "--detailed-exitcode", "."])
        .expect_code(0, "plan after an equivalent, reformatted policy");
}

#[test]
fn aws_endpoint_url_from_the_environment_reaches_moto() {
    let endpoint = require_moto!();
    let mut world = MotoWorld::start(&endpoint, &[WORKSPACE]);
    world
        .env
        .push(("AWS_ENDPOINT_URL".to_string(), endpoint.clone()));
    let alias = format!("alias/{}", unique("cmek-moto-envurl"));
    // No `endpoint` in the provider block: the standard AWS_ENDPOINT_URL variable routes it.
    let text = spec(&world, &alias).replace(&format!("  endpoint = \"{endpoint}\"\n"), "");
    assert!(!text.contains("endpoint ="));
    world.write_spec(&text);
    world
        .cmek(&["apply", "--auto-approve", "."])
        .expect_code(0, "apply through AWS_ENDPOINT_URL");
    world
        .cmek(&["plan", "--detailed-exitcode", "."])
        .expect_code(0, "converged");
}
