//! End to end on Claude Platform on AWS (`platform = "claude_platform_aws"`), with the real
//! binary against the sandbox (a temp copy of `examples/claude-platform-aws`).
//!
//! What `domain/anthropic-cmek.md` §4 says and these tests hold the sandbox and cmek to:
//! "principal is the service principal" `aws-external-anthropic.amazonaws.com`; "no separate
//! validate call (the key is validated at attach, using the workspace's compartment id)"; "keys
//! are identified by KMS key ARN, not `ekey_`"; "the key must be in the same AWS account and
//! region as the workspace"; "alias ARNs are rejected".

mod sandbox_cli;

use sandbox_cli::*;

const WORKSPACE: &str = "wrkspc_01Jwc9QeWJKY40uvSwMFLZDe1f";

#[test]
fn apply_attaches_by_key_arn_and_converges() {
    let tmp = example("claude-platform-aws");
    let dir = tmp.path();

    let (code, out, err) = cmek(dir, &["plan", "."]);
    assert_eq!(code, 0, "{err}");
    snapshot("platform_aws_first_plan", &out);
    assert!(
        !out.contains("register"),
        "no registration on this platform:\n{out}"
    );

    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("Apply complete"), "{out}");

    // The workspace is attached by the key's ARN: no ekey_, no registration in state.
    let state = state(dir);
    let arn = state["keys"]["key.aws.main"]["remote_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        arn.starts_with("arn:aws:kms:us-east-2:111122223333:key/"),
        "{arn}"
    );
    assert_eq!(
        state["workspaces"]["workspace.main"]["attached_external_key_id"],
        serde_json::json!(arn)
    );
    assert!(
        state["external_keys"]
            .as_object()
            .is_none_or(|m| m.is_empty()),
        "{state:#}"
    );
    let org = organization(dir);
    assert_eq!(org["platform"], "claude_platform_aws");
    assert!(org["external_keys"].as_array().unwrap().is_empty());
    let ws = org["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == WORKSPACE)
        .unwrap();
    assert_eq!(ws["external_key_id"], serde_json::json!(arn));

    // No registration and no separate validate call; the attach made the service principal's
    // round trip (logged by the KMS emulator as that caller).
    let log = requests(dir);
    assert!(
        !log.iter()
            .any(|e| e.operation == "CreateExternalKey" || e.operation == "ValidateExternalKey"),
        "{log:#?}"
    );
    let service_calls: Vec<&str> = log
        .iter()
        .filter(|e| e.service == "aws-kms" && e.caller.contains("aws-external-anthropic"))
        .map(|e| e.operation.as_str())
        .collect();
    for op in ["DescribeKey", "Encrypt", "Decrypt"] {
        assert!(
            service_calls.contains(&op),
            "{op} missing: {service_calls:?}"
        );
    }

    let (code, out, err) = cmek(dir, &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(code, 0, "not converged:\n{out}\n{err}");
    snapshot("platform_aws_converged", &out);
}

/// A key policy that does not grant the service principal fails cmek's verification (the
/// simulation), so apply stops with exit 4 before the attach.
#[test]
fn broken_policy_fails_verification_and_attaches_nothing() {
    let tmp = example("claude-platform-aws");
    let dir = tmp.path();
    let spec = read_spec(dir);
    let broken = spec.replace(
        "  description = \"Anthropic CMEK (Claude Platform on AWS)\"\n",
        "  description = \"Anthropic CMEK (Claude Platform on AWS)\"\n  policy = jsonencode({\n    Version = \"2012-10-17\"\n    Statement = [{\n      Sid       = \"AccountRootAdmin\"\n      Effect    = \"Allow\"\n      Principal = { AWS = \"arn:aws:iam::111122223333:root\" }\n      Action    = \"kms:*\"\n      Resource  = \"*\"\n    }]\n  })\n",
    );
    write_spec(dir, &spec, &broken);
    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 4, "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("verification of key.aws.main failed"), "{err}");
    for ws in organization(dir)["workspaces"].as_array().unwrap() {
        assert!(ws["external_key_id"].is_null(), "attached: {ws}");
    }
    assert!(
        !requests(dir)
            .iter()
            .any(|e| e.operation == "UpdateWorkspace")
    );
}

/// The emulator's own attach check, without cmek's verification in front of it: an attach
/// whose key does not let the service principal in is refused by the attach itself, and so are
/// alias ARNs, multi-region keys and keys of another region or account.
#[test]
fn the_attach_validates_the_key_as_the_service_principal() {
    use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
    use cmek::sandbox::kms::identity::{SANDBOX_ADMIN_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY};
    use cmek::sandbox::world::{SandboxOrganization, SandboxWorld};
    use cmek::spec::model::Platform;

    let tmp = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let org = SandboxOrganization {
            organization_uuid: ORG.to_string(),
            platform: Platform::ClaudePlatformAws,
            aws_region: Some("us-east-2".to_string()),
        };
        let world = SandboxWorld::start_for(tmp.path(), &org, &[WORKSPACE.to_string()])
            .await
            .unwrap();
        let kms = aws_sdk_kms::Client::from_conf(
            aws_sdk_kms::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("us-east-2"))
                .endpoint_url(world.endpoints().kms_url.clone())
                .credentials_provider(Credentials::new(
                    SANDBOX_ADMIN_ACCESS_KEY_ID,
                    SANDBOX_SECRET_ACCESS_KEY,
                    None,
                    None,
                    "test",
                ))
                .build(),
        );
        // A key whose policy only lets the customer's account in (the KMS default).
        let root_only = kms.create_key().send().await.unwrap();
        let root_only_arn = root_only.key_metadata().unwrap().arn().unwrap().to_string();

        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let attach = |key: String| {
            let http = http.clone();
            let url = format!(
                "{}/v1/organizations/workspaces/{WORKSPACE}",
                world.endpoints().admin_api_url
            );
            let api_key = world.endpoints().admin_api_key.clone();
            async move {
                let r = http
                    .post(url)
                    .header("x-api-key", api_key)
                    .header("anthropic-version", "2023-06-01")
                    .json(&serde_json::json!({ "external_key_id": key }))
                    .send()
                    .await
                    .unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }
        };
        let (status, body) = attach(root_only_arn.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("key validation failed"), "{body}");

        let refused = [
            (
                "arn:aws:kms:us-east-2:111122223333:alias/anthropic-cmek".to_string(),
                "alias ARN",
            ),
            (
                "arn:aws:kms:us-east-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab"
                    .to_string(),
                "multi-region",
            ),
            (
                root_only_arn.replace("us-east-2", "us-west-2"),
                "same AWS account and region",
            ),
            (
                root_only_arn.replace("111122223333", "444455556666"),
                "same AWS account and region",
            ),
            ("ekey_01abc".to_string(), "not a KMS key ARN"),
        ];
        for (key, why) in refused {
            let (status, body) = attach(key.clone()).await;
            assert_eq!(status, 400, "{key}: {body}");
            assert!(body.contains(why), "{key}: {body}");
        }
        // Nothing was attached, and there is no registration or validate on this platform.
        let snapshot = world.admin().snapshot().await;
        assert!(
            snapshot
                .workspaces
                .iter()
                .all(|w| w.external_key_id.is_none())
        );
        let create = http
            .post(format!(
                "{}/v1/organizations/external_keys",
                world.endpoints().admin_api_url
            ))
            .header("x-api-key", world.endpoints().admin_api_key.clone())
            .header("anthropic-version", "2023-06-01")
            .json(&serde_json::json!({
                "provider_config": { "type": "aws", "kms_arn": root_only_arn }
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(create.status().as_u16(), 400);
        world.shutdown().await.unwrap();
    });
}

/// Every safety rule a spec edit can trigger holds on this platform too: the plan and the
/// apply exit 3 naming the rule, and nothing but reads reaches the emulators.
#[test]
fn unsafe_edits_are_refused_end_to_end() {
    let tmp = example("claude-platform-aws");
    let dir = tmp.path();
    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let original = read_spec(dir);
    let workspace_block = "workspace \"main\" {\n  id           = \"wrkspc_01Jwc9QeWJKY40uvSwMFLZDe1f\"\n  external_key = external_key.main\n}\n";
    assert!(original.contains(workspace_block));
    let key_header = "key \"aws\" \"main\" {\n";
    let cases: [(&str, &str, String); 5] = [
        (
            "SAFE001",
            "attach the workspace to another key",
            original.replace(
                workspace_block,
                "workspace \"main\" {\n  id           = \"wrkspc_01Jwc9QeWJKY40uvSwMFLZDe1f\"\n  external_key = external_key.other\n}\n\nexternal_key \"other\" {\n  key = key.aws.other\n}\n\nkey \"aws\" \"other\" {\n  region = \"us-east-2\"\n}\n",
            ),
        ),
        (
            "SAFE002",
            "detach the workspace",
            original.replace(
                "  external_key = external_key.main\n}\n",
                "  external_key = null\n}\n",
            ),
        ),
        (
            "SAFE003",
            "drop the workspace block",
            original.replace(workspace_block, ""),
        ),
        (
            "SAFE004",
            "move the key (and the provider) to another region",
            // The offline rule keeps the key in the provider's region, so move both: the key
            // that protects data would be replaced.
            original
                .replace("region = \"us-east-2\"\n}\n\n# The key", "region = \"us-west-2\"\n}\n\n# The key")
                .replace(
                    "  region      = \"us-east-2\"\n  alias       = \"alias/anthropic-cmek-platform-aws\"",
                    "  region      = \"us-west-2\"\n  alias       = \"alias/anthropic-cmek-platform-aws\"",
                ),
        ),
        (
            "SAFE005",
            "a policy without the service principal",
            original.replace(
                key_header,
                "key \"aws\" \"main\" {\n  policy = jsonencode({ Version = \"2012-10-17\", Statement = [{ Sid = \"AccountRootAdmin\", Effect = \"Allow\", Principal = { AWS = \"arn:aws:iam::111122223333:root\" }, Action = \"kms:*\", Resource = \"*\" }] })\n",
            ),
        ),
    ];
    for (rule, what, spec) in &cases {
        write_spec(dir, &original, spec);
        let before = requests(dir).len();
        let (code, out, err) = cmek(dir, &["plan", "."]);
        assert_eq!(code, 3, "{rule} ({what}) not refused:\n{out}\n{err}");
        assert!(out.contains(rule), "{rule} ({what}) missing:\n{out}");
        let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
        assert_eq!(code, 3, "{rule} ({what}) applied:\n{out}\n{err}");
        assert_read_only(rule, &requests(dir)[before..]);
    }
    std::fs::write(spec_path(dir), &original).unwrap();
    let (code, out, _) = cmek(dir, &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(code, 0, "the original spec is still converged:\n{out}");
}

/// The platform's offline rules: located errors from `cmek validate`, no network.
#[test]
fn validate_rejects_keys_outside_the_platform_region_and_alias_imports() {
    let tmp = example("claude-platform-aws");
    let dir = tmp.path();
    let original = read_spec(dir);
    let other_region = original.replace(
        "  region      = \"us-east-2\"\n  alias       = \"alias/anthropic-cmek-platform-aws\"",
        "  region      = \"us-west-2\"\n  alias       = \"alias/anthropic-cmek-platform-aws\"",
    );
    write_spec(dir, &original, &other_region);
    let (code, _, err) = cmek(dir, &["validate", "."]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("spec::platform-aws-region"), "{err}");
    assert!(err.contains("main.cmek.hcl:"), "located: {err}");

    let alias_import = format!(
        "{original}\nimport {{\n  to = key.aws.main\n  id = \"arn:aws:kms:us-east-2:111122223333:alias/anthropic-cmek-platform-aws\"\n}}\n"
    );
    write_spec(dir, &original, &alias_import);
    let (code, _, err) = cmek(dir, &["validate", "."]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("spec::platform-aws-alias-arn"), "{err}");

    let multi_region = original.replace(
        "  alias       = \"alias/anthropic-cmek-platform-aws\"\n",
        "  alias       = \"alias/anthropic-cmek-platform-aws\"\n  multi_region = true\n",
    );
    write_spec(dir, &original, &multi_region);
    let (code, _, err) = cmek(dir, &["validate", "."]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("spec::multi-region"), "{err}");
}
