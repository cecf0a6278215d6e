//! Offline rules for the `provider "aws"` block's credential settings: `profile`, `endpoint`
//! and `assume_role { role_arn, external_id, session_name }`. Each returns a
//! [`Violation`](super::rules::Violation) with a stable code; the type checker locates it.
//!
//! The limits are STS AssumeRole's (role ARN shape, external id 2–1224 and session name 2–64
//! characters of `[\w+=,.@:/-]` / `[\w+=,.@-]`), so a bad value fails at `cmek validate`
//! instead of as an opaque STS error mid-run.

use super::rules::Violation;

fn v(code: &'static str, message: String, hint: &str) -> Violation {
    Violation {
        code,
        message,
        hint: Some(hint.to_string()),
    }
}

/// `arn:<partition>:iam::<12 digits>:role/<path/>name`.
pub fn role_arn(s: &str) -> Result<(), Violation> {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5]
            .strip_prefix("role/")
            .is_some_and(|name| !name.is_empty() && !name.ends_with('/'));
    if ok {
        Ok(())
    } else {
        Err(v(
            "spec::aws-role-arn",
            format!("`role_arn` `{s}` is not an IAM role ARN"),
            "use the role's ARN, like `arn:aws:iam::111122223333:role/cmek-deploy`",
        ))
    }
}

fn sts_chars(s: &str, extra: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) || extra.contains(c))
}

/// STS `ExternalId`: 2–1224 characters of `[\w+=,.@:/-]`.
pub fn external_id(s: &str) -> Result<(), Violation> {
    if (2..=1224).contains(&s.len()) && sts_chars(s, ":/") {
        Ok(())
    } else {
        Err(v(
            "spec::aws-external-id",
            format!(
                "`external_id` must be 2 to 1224 characters of letters, digits and `_+=,.@:/-` (got {} characters)",
                s.chars().count()
            ),
            "use the external id the role's trust policy requires",
        ))
    }
}

/// STS `RoleSessionName`: 2–64 characters of `[\w+=,.@-]`.
pub fn session_name(s: &str) -> Result<(), Violation> {
    if (2..=64).contains(&s.len()) && sts_chars(s, "") {
        Ok(())
    } else {
        Err(v(
            "spec::aws-session-name",
            format!(
                "`session_name` `{s}` must be 2 to 64 characters of letters, digits and `_+=,.@-`"
            ),
            "for example `cmek-ci`",
        ))
    }
}

/// A profile name: non-empty, no whitespace (it names a section of the shared config files).
pub fn profile(s: &str) -> Result<(), Violation> {
    if !s.is_empty() && !s.chars().any(char::is_whitespace) {
        Ok(())
    } else {
        Err(v(
            "spec::aws-profile",
            format!("`profile` `{s}` is not a profile name"),
            "use a profile from ~/.aws/config, like `prod-admin`, or remove `profile` to use the default credential chain",
        ))
    }
}

/// An endpoint override: `https://...`, or `http://` on the loopback (a local emulator).
pub fn endpoint(s: &str) -> Result<(), Violation> {
    let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| {
            s.strip_prefix(p)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/']))
        });
    let https = s
        .strip_prefix("https://")
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    if https || local {
        Ok(())
    } else {
        Err(v(
            "spec::aws-endpoint",
            format!(
                "`endpoint` `{s}` must be an https URL (or http on 127.0.0.1/localhost for an emulator)"
            ),
            "remove `endpoint` to use AWS's own endpoints",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        assert!(role_arn("arn:aws:iam::111122223333:role/cmek").is_ok());
        assert!(role_arn("arn:aws:iam::111122223333:role/path/to/cmek").is_ok());
        assert!(role_arn("arn:aws-us-gov:iam::111122223333:role/cmek").is_ok());
        for bad in [
            "arn:aws:iam::111122223333:user/alice",
            "arn:aws:iam::11112222333:role/cmek",
            "arn:aws:sts::111122223333:assumed-role/cmek/s",
            "arn:aws:iam::111122223333:role/",
            "cmek",
        ] {
            assert_eq!(
                role_arn(bad).unwrap_err().code,
                "spec::aws-role-arn",
                "{bad}"
            );
        }
    }

    #[test]
    fn sts_strings() {
        assert!(external_id("Ab-12:/x").is_ok());
        assert!(external_id("x").is_err());
        assert!(external_id(&"x".repeat(1225)).is_err());
        assert!(external_id("has space").is_err());
        assert!(session_name("cmek-ci").is_ok());
        assert!(session_name("a/b").is_err());
        assert!(session_name(&"s".repeat(65)).is_err());
    }

    #[test]
    fn profiles_and_endpoints() {
        assert!(profile("prod-admin").is_ok());
        assert!(profile("").is_err());
        assert!(profile("two words").is_err());
        assert!(endpoint("https://kms.us-east-2.amazonaws.com").is_ok());
        assert!(endpoint("http://127.0.0.1:4566").is_ok());
        assert!(endpoint("http://localhost").is_ok());
        assert!(endpoint("http://kms.example.com").is_err());
        assert!(endpoint("http://127.0.0.1.evil.com").is_err());
        assert!(endpoint("https://").is_err());
    }
}
