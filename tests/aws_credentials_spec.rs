//! The `provider "aws"` credential settings in the spec: `profile`, `endpoint` and
//! `assume_role { role_arn, external_id, session_name }` load into the model, and bad values are
//! located diagnostics at `cmek validate` (no network).

use std::path::Path;

use assert_cmd::Command;

const HEAD: &str =
    "anthropic {\n  organization_uuid = \"4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f\"\n}\n\n";

fn validate(dir: &Path, provider: &str) -> (i32, String) {
    std::fs::write(dir.join("main.cmek.hcl"), format!("{HEAD}{provider}")).unwrap();
    let out = Command::cargo_bin("cmek")
        .unwrap()
        .env("NO_COLOR", "1")
        .args(["validate"])
        .arg(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn good_credential_settings_load_into_the_model() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("main.cmek.hcl"),
        format!(
            "{HEAD}provider \"aws\" {{\n  region = \"us-east-2\"\n  profile = \"security-admin\"\n  \
             endpoint = \"http://127.0.0.1:4566\"\n  assume_role {{\n    \
             role_arn = \"arn:aws:iam::111122223333:role/cmek-deploy\"\n    \
             external_id = \"cmek-prod\"\n    session_name = \"cmek-ci\"\n  }}\n}}\n"
        ),
    )
    .unwrap();
    let result = cmek::spec::load(tmp.path(), &cmek::spec::LoadOptions::default());
    assert!(!result.diagnostics.has_errors());
    let aws = result.desired.unwrap().providers.aws.unwrap();
    assert_eq!(aws.profile.as_deref(), Some("security-admin"));
    assert_eq!(aws.endpoint.as_deref(), Some("http://127.0.0.1:4566"));
    let role = aws.assume_role.unwrap();
    assert_eq!(role.role_arn, "arn:aws:iam::111122223333:role/cmek-deploy");
    assert_eq!(role.external_id.as_deref(), Some("cmek-prod"));
    assert_eq!(role.session_name.as_deref(), Some("cmek-ci"));
}

#[test]
fn bad_credential_settings_are_located_diagnostics() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "provider \"aws\" {\n  region = \"us-east-2\"\n  assume_role {\n    role_arn = \"arn:aws:iam::111122223333:user/alice\"\n  }\n}\n",
            "spec::aws-role-arn",
            "main.cmek.hcl:8:16",
        ),
        (
            "provider \"aws\" {\n  region = \"us-east-2\"\n  assume_role {\n    role_arn = \"arn:aws:iam::111122223333:role/r\"\n    external_id = \"x\"\n  }\n}\n",
            "spec::aws-external-id",
            "main.cmek.hcl:9:19",
        ),
        (
            "provider \"aws\" {\n  region = \"us-east-2\"\n  assume_role {\n    role_arn = \"arn:aws:iam::111122223333:role/r\"\n    session_name = \"has space\"\n  }\n}\n",
            "spec::aws-session-name",
            "main.cmek.hcl:9:20",
        ),
        (
            "provider \"aws\" {\n  region = \"us-east-2\"\n  profile = \"two words\"\n}\n",
            "spec::aws-profile",
            "main.cmek.hcl:7:13",
        ),
        (
            "provider \"aws\" {\n  region = \"us-east-2\"\n  endpoint = \"http://kms.example.com\"\n}\n",
            "spec::aws-endpoint",
            "main.cmek.hcl:7:14",
        ),
    ];
    for (provider, code, location) in cases {
        let (exit, out) = validate(tmp.path(), provider);
        assert_eq!(exit, 1, "{code}: {out}");
        assert!(out.contains(&format!("error[{code}]")), "{code}: {out}");
        assert!(out.contains(location), "{code} at {location}: {out}");
    }
}
