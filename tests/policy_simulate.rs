//! Simulation on all three clouds, `narrowed` for plan safety (SAFE005/SAFE007), the
//! "who else can use this key" report, and access descriptions.

mod policy_support;

use cmek::policy::aws::CompiledPolicy;
use cmek::policy::azure::{AzureKeyAccess, AzureKeyState, RoleAssignment};
use cmek::policy::describe::{describe_access, describe_azure_access, describe_gcp_access};
use cmek::policy::gcp::{Binding, BindingCondition, GcpKeyAccess, IamPolicy};
use cmek::policy::render::aws::render_aws_policy;
use cmek::policy::render::azure::{AzureAccessInput, render_azure_access};
use cmek::policy::render::gcp::{GcpAccessInput, render_gcp_access};
use cmek::policy::simulate::{
    aws_external_access, aws_requests, azure_requests, gcp_requests, narrowed, simulate,
};
use cmek::spec::model::Platform;
use policy_support::*;

macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({ snapshot_path => "../snapshots/policy", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

const SA: &str =
    "serviceAccount:anthropic-cmek-client-us@gcp-anthropic-cmek-clients.iam.gserviceaccount.com";
const SP: &str = "5f2c9a1e-0000-4000-8000-00000000abcd";
const VAULT: &str =
    "/subscriptions/sub/resourceGroups/cmek/providers/Microsoft.KeyVault/vaults/acme-cmek";

fn gcp_rendered(orgs: &[&str]) -> GcpKeyAccess {
    let req = render_gcp_access(&GcpAccessInput {
        key_name: "projects/p/locations/us-east5/keyRings/r/cryptoKeys/k".into(),
        org_uuids: orgs.iter().map(|o| o.to_string()).collect(),
    })
    .unwrap();
    GcpKeyAccess {
        key: IamPolicy {
            version: Some(1),
            etag: None,
            bindings: req.bindings,
        },
        key_ring: None,
        project: None,
        primary_enabled: true,
        labels: req.labels,
    }
}

#[test]
fn gcp_rendered_access_allows_anthropic() {
    let access = gcp_rendered(&[ORG]);
    let report = simulate(&access, &gcp_requests(&[ORG.into()]).unwrap());
    assert!(report.all_ok(), "{}", report.render_text());
    snap!("gcp_simulation", report.render_text());
}

#[test]
fn gcp_missing_viewer_label_disabled_version_and_levels() {
    let requests = gcp_requests(&[ORG.into()]).unwrap();
    let mut access = gcp_rendered(&[ORG]);
    access
        .key
        .bindings
        .retain(|b| b.role != "roles/cloudkms.viewer");
    let r = simulate(&access, &requests);
    let failing: Vec<&str> = r.failures().map(|o| o.id.as_str()).collect();
    assert_eq!(failing, ["validation/cloudkms.cryptoKeys.get"]);

    let mut access = gcp_rendered(&[ORG]);
    access.labels.clear();
    let r = simulate(&access, &requests);
    assert_eq!(r.failures().count(), 3);
    assert!(
        r.failures()
            .all(|o| o.check.explanation.contains("no label anthropic-org-"))
    );

    let mut access = gcp_rendered(&[ORG]);
    access.primary_enabled = false;
    let r = simulate(&access, &requests);
    assert_eq!(r.failures().count(), 4, "{}", r.render_text());

    // Granted on the project instead of the key: allowed, and says where.
    let mut access = gcp_rendered(&[ORG]);
    access.project = Some(IamPolicy {
        bindings: std::mem::take(&mut access.key.bindings),
        ..Default::default()
    });
    let r = simulate(&access, &requests);
    assert!(r.all_ok());
    assert!(r.outcomes[1].check.deciding[0].ends_with("on the project"));

    // Only through a conditional binding or a group: unknown, not allowed.
    let mut access = gcp_rendered(&[ORG]);
    for b in &mut access.key.bindings {
        b.condition = Some(BindingCondition {
            title: "t".into(),
            description: None,
            expression: "request.time < timestamp('2030-01-01T00:00:00Z')".into(),
        });
    }
    assert!(!simulate(&access, &requests).all_ok());
    let mut access = gcp_rendered(&[ORG]);
    access.key.bindings = vec![Binding::new(
        "roles/cloudkms.cryptoKeyEncrypterDecrypter",
        vec!["group:cmek@acme.com".into()],
    )];
    let e = access.evaluate(&cmek::policy::gcp::GcpRequest {
        member: SA.into(),
        permission: "cloudkms.cryptoKeyVersions.useToEncrypt".into(),
    });
    assert!(matches!(
        e.decision,
        cmek::policy::gcp::GcpDecision::Unknown { .. }
    ));
}

#[test]
fn gcp_roles_and_public_members() {
    for (role, member, get, enc, dec) in [
        ("roles/owner", SA, true, true, true),
        ("roles/editor", SA, true, true, true),
        ("roles/cloudkms.admin", SA, true, false, false),
        (
            "roles/cloudkms.cryptoKeyEncrypterDecrypter",
            SA,
            false,
            true,
            true,
        ),
        ("roles/cloudkms.cryptoKeyEncrypter", SA, false, true, false),
        ("roles/cloudkms.cryptoKeyDecrypter", SA, false, false, true),
        ("roles/cloudkms.viewer", SA, true, false, false),
        (
            "roles/cloudkms.cryptoKeyEncrypterDecrypter",
            "allUsers",
            false,
            true,
            true,
        ),
        (
            "roles/cloudkms.cryptoKeyEncrypterDecrypter",
            "allAuthenticatedUsers",
            false,
            true,
            true,
        ),
        (
            "roles/cloudkms.cryptoKeyEncrypterDecrypter",
            "user:someone@acme.com",
            false,
            false,
            false,
        ),
        ("roles/storage.admin", SA, false, false, false),
    ] {
        let access = GcpKeyAccess {
            key: IamPolicy {
                bindings: vec![Binding::new(role, vec![member.into()])],
                ..Default::default()
            },
            primary_enabled: true,
            ..Default::default()
        };
        for (perm, want) in [
            ("cloudkms.cryptoKeys.get", get),
            ("cloudkms.cryptoKeyVersions.useToEncrypt", enc),
            ("cloudkms.cryptoKeyVersions.useToDecrypt", dec),
        ] {
            let e = access.evaluate(&cmek::policy::gcp::GcpRequest {
                member: SA.into(),
                permission: perm.into(),
            });
            assert_eq!(e.decision.is_allowed(), want, "{role} {member} {perm}");
        }
    }
    let parsed = IamPolicy::from_json(r#"{"version": 3, "etag": "BwX=", "bindings": [{"role": "roles/cloudkms.viewer", "members": ["allUsers"]}]}"#).unwrap();
    assert_eq!(parsed.bindings[0].members, ["allUsers"]);
    assert!(IamPolicy::from_json("{\"bindings\": 3}").is_err());
}

fn azure_rendered() -> AzureKeyAccess {
    let input = AzureAccessInput {
        vault_resource_id: VAULT.into(),
        key_name: "claude".into(),
        principal_object_id: SP.into(),
        org_uuids: vec![ORG.into()],
    };
    let req = render_azure_access(&input).unwrap();
    AzureKeyAccess {
        key_resource_id: input.key_resource_id(),
        assignments: vec![req.role_assignment],
        key: AzureKeyState {
            enabled: true,
            key_ops: req.key_ops,
            tags: req.tags,
        },
    }
}

#[test]
fn azure_rendered_access_allows_anthropic() {
    let report = simulate(
        &azure_rendered(),
        &azure_requests(SP, &[ORG.into()]).unwrap(),
    );
    assert!(report.all_ok(), "{}", report.render_text());
    snap!("azure_simulation", report.render_text());
}

#[test]
fn azure_scopes_roles_key_ops_and_state() {
    let requests = azure_requests(SP, &[ORG.into()]).unwrap();
    let base = azure_rendered();
    for scope in [
        "/subscriptions/sub",
        "/subscriptions/sub/resourceGroups/cmek",
        VAULT,
    ] {
        let mut a = base.clone();
        a.assignments[0].scope = scope.into();
        assert!(simulate(&a, &requests).all_ok(), "{scope}");
    }
    let mut a = base.clone();
    a.assignments[0].scope = format!("{VAULT}/keys/other");
    assert_eq!(simulate(&a, &requests).failures().count(), 5);
    for (role, ok) in [
        ("Key Vault Crypto Service Encryption User", true),
        ("Key Vault Administrator", true),
        ("Key Vault Crypto Officer", true),
        ("Owner", false),
        ("Contributor", false),
        ("Key Vault Reader", false),
    ] {
        let mut a = base.clone();
        a.assignments = vec![RoleAssignment {
            scope: VAULT.into(),
            role_definition_id: "00000000-0000-0000-0000-000000000000".into(),
            role_name: Some(role.into()),
            principal_id: SP.into(),
            principal_type: None,
        }];
        assert_eq!(simulate(&a, &requests).all_ok(), ok, "{role}");
    }
    let mut a = base.clone();
    a.key.key_ops = vec!["wrapKey".into()];
    let r = simulate(&a, &requests);
    let failing: Vec<&str> = r.failures().map(|o| o.id.as_str()).collect();
    assert_eq!(failing, ["validation/unwrapKey", "traffic/unwrapKey"]);
    let mut a = base.clone();
    a.key.enabled = false;
    assert_eq!(simulate(&a, &requests).failures().count(), 4);
    let mut a = base;
    a.key.tags.clear();
    assert_eq!(simulate(&a, &requests).failures().count(), 3);
}

#[test]
fn narrowed_detects_dropped_org_bindings_on_every_cloud() {
    // AWS: dropping ORG2 from the org condition (SAFE007).
    let mut both = platform_input();
    both.org_uuids = vec![ORG.into(), ORG2.into()];
    let one = platform_input();
    let requests = aws_requests(&both, KEY_ARN).unwrap();
    let old = CompiledPolicy::new(&render_aws_policy(&both).unwrap());
    let new = CompiledPolicy::new(&render_aws_policy(&one).unwrap());
    let flips = narrowed(&old, &new, &requests);
    assert!(!flips.is_empty());
    assert!(
        flips.iter().all(|f| f.id.contains(ORG2)),
        "{:?}",
        flips.iter().map(|f| &f.id).collect::<Vec<_>>()
    );
    assert!(
        narrowed(&new, &old, &aws_requests(&one, KEY_ARN).unwrap()).is_empty(),
        "widening is not narrowing"
    );

    // GCP: dropping a label.
    let old = gcp_rendered(&[ORG, ORG2]);
    let new = gcp_rendered(&[ORG]);
    let flips = narrowed(
        &old,
        &new,
        &gcp_requests(&[ORG.into(), ORG2.into()]).unwrap(),
    );
    assert_eq!(flips.len(), 3);
    assert!(flips.iter().all(|f| f.id.contains(ORG2)));

    // Azure: dropping the tag, or wrapKey from the key operations.
    let old = azure_rendered();
    let mut new = old.clone();
    new.key.key_ops = vec!["unwrapKey".into()];
    let flips = narrowed(&old, &new, &azure_requests(SP, &[ORG.into()]).unwrap());
    let ids: Vec<&str> = flips.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["validation/wrapKey", "traffic/wrapKey"]);
}

#[test]
fn who_else_can_use_the_key() {
    let grants = aws_external_access(
        &fixture("kitchen_sink.json"),
        ACCOUNT,
        Platform::ClaudePlatform,
    )
    .unwrap();
    snap!(
        "aws_external_access_kitchen_sink",
        serde_json::to_string_pretty(&grants).unwrap()
    );
    let everyone = cmek::policy::aws::parse_policy_value(&serde_json::json!({"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringEquals": {"kms:CallerAccount": ACCOUNT}}},
        {"Effect": "Allow", "NotPrincipal": {"AWS": ROLE}, "Action": "*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": [ROLE, "arn:aws:iam::915198916910:role/other"]}, "Action": "kms:Encrypt", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/App"}, "Action": "kms:Encrypt", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "s3:GetObject", "Resource": "*"}
    ]})).unwrap();
    let grants = aws_external_access(&everyone, ACCOUNT, Platform::ClaudePlatform).unwrap();
    let kinds: Vec<String> = grants
        .iter()
        .map(|g| {
            serde_json::to_value(&g.principal).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(kinds, ["everyone", "everyone_except", "identity"]);
    assert!(grants[0].conditional);
    assert_eq!(
        grants[2].principal,
        cmek::policy::simulate::ExternalPrincipal::Identity {
            arn: "arn:aws:iam::915198916910:role/other".into(),
            account: "915198916910".into(),
            anthropic: true
        }
    );
    // Claude Platform on AWS: the service principal is the published identity.
    let cpoa = render_aws_policy(&cpoa_input()).unwrap();
    assert!(
        aws_external_access(&cpoa, ACCOUNT, Platform::ClaudePlatformAws)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        aws_external_access(&cpoa, ACCOUNT, Platform::ClaudePlatform)
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn access_in_words() {
    let mut input = platform_input();
    input.admins = Some(vec!["arn:aws:iam::111122223333:role/KeyAdmin".into()]);
    input.protects_pre_current_data = true;
    let lines = describe_access(&render_aws_policy(&input).unwrap());
    let text: Vec<String> = lines.iter().map(|l| l.text.clone()).collect();
    snap!("describe_rendered_policy", text.join("\n"));
    let lines = describe_access(&fixture("kitchen_sink.json"));
    let text: Vec<String> = lines.iter().map(|l| l.text.clone()).collect();
    snap!("describe_kitchen_sink", text.join("\n"));
    let gcp: Vec<String> = describe_gcp_access(&gcp_rendered(&[ORG]))
        .into_iter()
        .map(|l| l.text)
        .collect();
    let azure: Vec<String> = describe_azure_access(&azure_rendered())
        .into_iter()
        .map(|l| l.text)
        .collect();
    snap!(
        "describe_gcp_azure",
        format!("{}\n{}", gcp.join("\n"), azure.join("\n"))
    );
    // Deterministic: same words for a reordered policy (indexes point into each document).
    let mut reordered = fixture("kitchen_sink.json");
    reordered.statements.reverse();
    let words = |d: &cmek::policy::aws::PolicyDocument| -> Vec<_> {
        describe_access(d)
            .into_iter()
            .map(|l| (l.effect, l.who, l.what, l.conditions))
            .collect()
    };
    assert_eq!(words(&reordered), words(&fixture("kitchen_sink.json")));
    let lines = describe_access(&reordered);
    assert_eq!(lines[0].statement.as_ref().unwrap().index, 2);
    assert_eq!(
        lines[0].statement.as_ref().unwrap().sid.as_deref(),
        Some("BareAccount")
    );
}

#[test]
fn who_else_on_gcp_and_azure() {
    let mut access = gcp_rendered(&[ORG]);
    access.key.bindings.push(Binding::new(
        "roles/cloudkms.cryptoKeyDecrypter",
        vec!["allUsers".into()],
    ));
    access.project = Some(IamPolicy {
        bindings: vec![
            Binding::new("roles/editor", vec!["user:ops@acme.com".into()]),
            Binding::new(
                "roles/cloudkms.viewer",
                vec!["user:auditor@acme.com".into()],
            ),
        ],
        ..Default::default()
    });
    let users = cmek::policy::simulate::gcp_key_users(&access).unwrap();
    let members: Vec<(&str, bool)> = users
        .iter()
        .map(|u| (u.member.as_str(), u.public))
        .collect();
    assert_eq!(members, [("allUsers", true), ("user:ops@acme.com", false)]);

    let mut access = azure_rendered();
    access.assignments.push(RoleAssignment {
        scope: "/subscriptions/sub".into(),
        role_definition_id: "/providers/Microsoft.Authorization/roleDefinitions/00482a5a-887f-4fb3-b363-3b7fe8e74483".into(),
        role_name: None,
        principal_id: "admin-object-id".into(),
        principal_type: Some("User".into()),
    });
    access.assignments.push(RoleAssignment {
        scope: "/subscriptions/sub".into(),
        role_definition_id: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635".into(),
        role_name: None,
        principal_id: "owner-object-id".into(),
        principal_type: None,
    });
    let users = cmek::policy::simulate::azure_key_users(&access, SP);
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].role_display(), "Key Vault Administrator");
}
