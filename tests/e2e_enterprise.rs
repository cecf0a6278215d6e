//! End to end on Claude Enterprise (`platform = "claude_enterprise"`), with the real binary
//! against the sandbox (a temp copy of `examples/claude-enterprise`).
//!
//! `domain/anthropic-cmek.md` §1: keys are attached "per organization on Claude Enterprise (one
//! key per organization, no workspace step)". The registration and its verification (round
//! trip, simulation, Anthropic's validate) still run; the validated registration becomes the
//! organization's key, and from then on it is protected like an attached key.

mod sandbox_cli;

use sandbox_cli::*;

#[test]
fn apply_registers_verifies_and_converges() {
    let tmp = example("claude-enterprise");
    let dir = tmp.path();

    let (code, out, err) = cmek(dir, &["plan", "."]);
    assert_eq!(code, 0, "{err}");
    snapshot("enterprise_first_plan", &out);
    assert!(out.contains("verify key"), "{out}");

    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("Anthropic validate ok"), "{out}");

    let state = state(dir);
    let ekey = state["external_keys"]["external_key.org"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(ekey.starts_with("ekey_"));
    assert_eq!(state["external_keys"]["external_key.org"]["in_use"], true);
    assert_eq!(
        state["keys"]["key.aws.org"]["protection"]["protects_data"], true,
        "{state:#}"
    );
    let org = organization(dir);
    assert_eq!(org["platform"], "claude_enterprise");
    assert_eq!(org["organization_key_id"], serde_json::json!(ekey));
    assert!(org["workspaces"].as_array().unwrap().is_empty());
    let log = requests(dir);
    assert!(log.iter().any(|e| e.operation == "ValidateExternalKey"));
    assert!(!log.iter().any(|e| e.operation == "UpdateWorkspace"));

    let (code, out, err) = cmek(dir, &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(code, 0, "not converged:\n{out}\n{err}");
    snapshot("enterprise_converged", &out);
}

/// A key policy without Anthropic's access fails verification: exit 4, the registration is
/// not the organization's key and state does not count it as in use.
#[test]
fn broken_policy_fails_verification_and_the_key_does_not_take_effect() {
    let tmp = example("claude-enterprise");
    let dir = tmp.path();
    let spec = read_spec(dir);
    let broken = spec.replace(
        "  description = \"Anthropic CMEK (Claude Enterprise)\"\n",
        "  description = \"Anthropic CMEK (Claude Enterprise)\"\n  policy = jsonencode({\n    Version = \"2012-10-17\"\n    Statement = [{\n      Sid       = \"AccountRootAdmin\"\n      Effect    = \"Allow\"\n      Principal = { AWS = \"arn:aws:iam::111122223333:root\" }\n      Action    = \"kms:*\"\n      Resource  = \"*\"\n    }]\n  })\n",
    );
    write_spec(dir, &spec, &broken);
    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 4, "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("verification of key.aws.org failed"), "{err}");
    assert!(organization(dir)["organization_key_id"].is_null());
    let state = state(dir);
    assert_ne!(state["external_keys"]["external_key.org"]["in_use"], true);

    // Fixing the policy lets the next apply verify and converge.
    std::fs::write(spec_path(dir), &spec).unwrap();
    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(organization(dir)["organization_key_id"].is_string());
    let (code, out, _) = cmek(dir, &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}");
}

/// Once the organization's key is in use, every edit that would lose it is refused.
#[test]
fn the_organization_key_is_protected_once_in_use() {
    let tmp = example("claude-enterprise");
    let dir = tmp.path();
    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let original = read_spec(dir);
    let registration = "external_key \"org\" {\n  key          = key.aws.org\n  display_name = \"Organization CMEK\"\n  geo          = \"us\"\n}\n";
    assert!(original.contains(registration));
    let key_header = "key \"aws\" \"org\" {\n";
    let cases: [(&str, &str, String); 5] = [
        (
            "SAFE003",
            "drop the registration in use",
            original.replace(registration, ""),
        ),
        (
            "SAFE003",
            "drop the key and its registration",
            original
                .replace(registration, "")
                .replace(
                    "key \"aws\" \"org\" {\n  region      = \"us-east-2\"\n  alias       = \"alias/anthropic-cmek-enterprise\"\n  description = \"Anthropic CMEK (Claude Enterprise)\"\n}\n",
                    "",
                ),
        ),
        (
            "SAFE004",
            "move the key to another region",
            original.replace(
                "  region      = \"us-east-2\"\n  alias       = \"alias/anthropic-cmek-enterprise\"",
                "  region      = \"us-west-2\"\n  alias       = \"alias/anthropic-cmek-enterprise\"",
            ),
        ),
        (
            "SAFE005",
            "a policy without Anthropic's statements",
            original.replace(
                key_header,
                "key \"aws\" \"org\" {\n  policy = jsonencode({ Version = \"2012-10-17\", Statement = [{ Sid = \"AccountRootAdmin\", Effect = \"Allow\", Principal = { AWS = \"arn:aws:iam::111122223333:root\" }, Action = \"kms:*\", Resource = \"*\" }] })\n",
            ),
        ),
        (
            "SAFE006",
            "point the organization's registration at another key",
            original.replace("  key          = key.aws.org\n", "  key          = key.aws.other\n")
                + "\nkey \"aws\" \"other\" {\n  region = \"us-east-2\"\n}\n",
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

    // The spec rules: a workspace block or a second registration is an error before any call.
    let with_workspace = format!(
        "{original}\nworkspace \"w\" {{\n  id           = \"wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ\"\n  external_key = external_key.org\n}}\n"
    );
    let second_key = format!("{original}\nexternal_key \"second\" {{\n  key = key.aws.org\n}}\n");
    for (code_name, spec) in [
        ("spec::enterprise-workspace", with_workspace),
        ("spec::enterprise-external-keys", second_key),
    ] {
        write_spec(dir, &original, &spec);
        let before = requests(dir).len();
        let (code, out, err) = cmek(dir, &["plan", "."]);
        assert_eq!(code, 1, "{code_name}:\n{out}\n{err}");
        assert!(err.contains(code_name), "{err}");
        assert_eq!(requests(dir).len(), before, "no call for an invalid spec");
    }

    std::fs::write(spec_path(dir), &original).unwrap();
    let (code, out, _) = cmek(dir, &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(code, 0, "the original spec is still converged:\n{out}");
}

/// The emulator's organization rules, server side: one registration per organization, no
/// workspace attach, and the organization's key cannot be deleted or re-pointed.
#[test]
fn the_emulated_enterprise_organization_keeps_one_key() {
    use cmek::anthropic::types::{CreateExternalKey, ProviderConfig, UpdateExternalKey};
    use cmek::sandbox::admin_api::AdminState;
    use cmek::sandbox::admin_api::state::{SeedWorkspace, WorkspaceUpdate};
    use cmek::spec::model::Platform;

    let mut org = AdminState::for_platform(ORG.to_string(), Platform::ClaudeEnterprise, None);
    let config = |n: u8| ProviderConfig::Aws {
        kms_arn: format!(
            "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890a{n}"
        ),
        region: None,
    };
    let create = |c| CreateExternalKey {
        provider_config: c,
        display_name: None,
        geo: None,
    };
    let first = org.create_external_key(create(config(1))).unwrap();
    let second = org.create_external_key(create(config(2))).unwrap_err();
    assert!(
        second.message.contains("one key per organization"),
        "{second:?}"
    );
    assert!(org.seed_workspace(SeedWorkspace::default()).is_err());
    let attach = org
        .update_workspace(
            "wrkspc_01abc",
            WorkspaceUpdate {
                name: None,
                external_key_id: Some(first.id.clone()),
            },
        )
        .unwrap_err();
    assert_eq!(attach.status, 404);

    // Before validation the registration can still change; after, it is the organization's.
    assert_eq!(
        org.get_external_key(&first.id).unwrap().attachment,
        cmek::anthropic::types::Attachment::Unattached
    );
    org.record_successful_validation(&first.id).unwrap();
    assert_eq!(org.organization_key_id.as_deref(), Some(first.id.as_str()));
    assert_eq!(
        org.get_external_key(&first.id).unwrap().attachment,
        cmek::anthropic::types::Attachment::Attached
    );
    let repoint = org
        .update_external_key(
            &first.id,
            UpdateExternalKey {
                provider_config: Some(config(3)),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(repoint.message.contains("cannot be changed"), "{repoint:?}");
    let delete = org.delete_external_key(&first.id).unwrap_err();
    assert!(delete.message.contains("organization's key"), "{delete:?}");
}
