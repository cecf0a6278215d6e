//! Credentials and identity against moto: the caller's account (STS GetCallerIdentity; moto's
//! is 123456789012) drives the default root-admin statement, and a key policy that would lock
//! the caller out is refused before any mutating call (moto is left untouched: no key, no
//! alias, no state).
//!
//! Needs `CMEK_TEST_MOTO_ENDPOINT` (see tests/README.md); skips without it unless
//! `CMEK_REQUIRE_MOTO=1`.

#[path = "common/moto.rs"]
mod moto;

use moto::{MOTO_ACCOUNT, MotoWorld, ORG, kms_client, unique};

const ANTHROPIC_ROLE: &str = "arn:aws:iam::915198916910:role/anthropic-cmek-client-us";

fn key_block(alias: &str, policy: Option<&serde_json::Value>) -> String {
    let policy = policy
        .map(|p| {
            format!(
                "  policy = <<EOT\n{}\nEOT\n",
                serde_json::to_string_pretty(p).unwrap()
            )
        })
        .unwrap_or_default();
    format!(
        "key \"aws\" \"main\" {{\n  region = \"us-east-2\"\n  alias = \"{alias}\"\n  \
         description = \"cmek moto identity test\"\n{policy}}}\n"
    )
}

fn aliases(world: &MotoWorld) -> Vec<String> {
    let kms = kms_client(&world.endpoint);
    world.block_on(async {
        let mut names = Vec::new();
        let mut marker = None;
        loop {
            let page = kms
                .list_aliases()
                .set_marker(marker.take())
                .send()
                .await
                .unwrap();
            names.extend(
                page.aliases
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|a| a.alias_name),
            );
            match page.next_marker {
                Some(m) if page.truncated => marker = Some(m),
                _ => return names,
            }
        }
    })
}

#[test]
fn the_plan_renders_the_callers_account_root_as_admin() {
    let endpoint = require_moto!();
    let world = MotoWorld::start(&endpoint, &[]);
    let alias = format!("alias/{}", unique("cmek-moto-identity"));
    world.write_spec(&format!("{}{}", world.header(), key_block(&alias, None)));
    let out = world
        .cmek(&["plan", "--format", "json", "--detailed-exitcode", "."])
        .expect_code(2, "plan of a new key");
    let plan: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let create = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"]["type"] == "create_key")
        .expect("a create_key action");
    let text = create["action"]["access"].to_string();
    assert!(
        text.contains(&format!("arn:aws:iam::{MOTO_ACCOUNT}:root")),
        "the root admin is the caller's account (STS on moto): {text}"
    );
    assert!(!aliases(&world).contains(&alias), "plan created nothing");
}

#[test]
fn a_policy_that_locks_the_caller_out_is_refused_before_any_change() {
    let endpoint = require_moto!();
    let world = MotoWorld::start(&endpoint, &[]);
    let alias = format!("alias/{}", unique("cmek-moto-lockout"));
    // Administration goes to another role only: moto's caller (user/moto) could not change
    // this policy after it is set. Anthropic's statements are as the domain requires.
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AdminsOnly",
                "Effect": "Allow",
                "Principal": { "AWS": format!("arn:aws:iam::{MOTO_ACCOUNT}:role/SomeoneElse") },
                "Action": "kms:*",
                "Resource": "*"
            },
            {
                "Sid": "AllowAnthropicCMEKCrypto",
                "Effect": "Allow",
                "Principal": { "AWS": ANTHROPIC_ROLE },
                "Action": ["kms:Encrypt", "kms:Decrypt"],
                "Resource": "*",
                "Condition": { "StringEquals": { "kms:EncryptionContext:anthropic:org_uuid": ORG } }
            },
            {
                "Sid": "AllowAnthropicCMEKDescribe",
                "Effect": "Allow",
                "Principal": { "AWS": ANTHROPIC_ROLE },
                "Action": "kms:DescribeKey",
                "Resource": "*"
            }
        ]
    });
    world.write_spec(&format!(
        "{}{}",
        world.header(),
        key_block(&alias, Some(&policy))
    ));
    let before = aliases(&world).len();
    let out = world.cmek(&["apply", "--auto-approve", "."]);
    assert_eq!(out.code, 1, "refused:\n{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("would lock out the identity running cmek")
            && out
                .stderr
                .contains(&format!("arn:aws:sts::{MOTO_ACCOUNT}:user/moto"))
            && out.stderr.contains("key.aws.main"),
        "a clear lockout error:\n{}",
        out.stderr
    );
    let after = aliases(&world);
    assert!(!after.contains(&alias), "no key was created");
    assert!(after.len() >= before);
    let state = world.path().join("cmek.state.json");
    let recorded = std::fs::read_to_string(&state).unwrap_or_default();
    assert!(
        !recorded.contains("arn:aws:kms"),
        "state records no key: {recorded}"
    );
    // `plan` refuses the same way (exit 1), so a CI plan step catches it too.
    let plan = world.cmek(&["plan", "."]);
    assert_eq!(plan.code, 1, "{}", plan.stderr);
    assert!(plan.stderr.contains("lock out"), "{}", plan.stderr);
}

#[test]
fn admins_missing_in_iam_are_warned_about() {
    let endpoint = require_moto!();
    let world = MotoWorld::start(&endpoint, &[]);
    let existing = unique("cmek-admin-exists");
    let missing = unique("cmek-admin-missing");
    let iam = aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .endpoint_url(&endpoint)
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                moto::ACCESS_KEY_ID,
                moto::SECRET_ACCESS_KEY,
                None,
                None,
                "cmek-moto-test",
            ))
            .build(),
    );
    world.block_on(async {
        iam.create_role()
            .role_name(&existing)
            .assume_role_policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#,
            )
            .send()
            .await
            .unwrap();
    });
    let alias = format!("alias/{}", unique("cmek-moto-admins"));
    let key = key_block(&alias, None).replace(
        "  description",
        &format!(
            "  admins = [\"arn:aws:iam::{MOTO_ACCOUNT}:role/{existing}\", \"arn:aws:iam::{MOTO_ACCOUNT}:role/{missing}\"]\n  description"
        ),
    );
    world.write_spec(&format!("{}{key}", world.header()));
    let out = world
        .cmek(&["plan", "--detailed-exitcode", "."])
        .expect_code(2, "plan with admins");
    assert!(
        out.stderr.contains(&format!(
            "warning: admin principal arn:aws:iam::{MOTO_ACCOUNT}:role/{missing} (key.aws.main) does not exist in IAM"
        )),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(&existing), "{}", out.stderr);
}
