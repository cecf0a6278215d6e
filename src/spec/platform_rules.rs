//! The offline rules of the non-default platforms (`domain/anthropic-cmek.md` §1, §4), as pure
//! checks on values; `typecheck` locates and reports them.
//!
//! Claude Platform on AWS (§4): "the key must be in the **same AWS account and region** as the
//! workspace"; "keys are identified by KMS key ARN, not `ekey_`"; "alias ARNs are rejected";
//! and (§4 key requirements) "ids starting `mrk-` are multi-region and rejected". Offline, the
//! workspace's region is the `provider "aws"` block's region (the region the organization's
//! Claude Platform on AWS runs in); its account is only known at plan time (the caller's
//! account), where `plan::platform` checks it.
//!
//! Claude Enterprise (§1): "one key per organization, no workspace step"; those two rules need
//! the whole spec and live in `typecheck` itself.

use super::rules::Violation;

/// A KMS ARN split into the parts the rules read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsArn<'a> {
    pub region: &'a str,
    pub account: &'a str,
    /// `key/<id>` or `alias/<name>`.
    pub resource: &'a str,
}

/// Splits `arn:<partition>:kms:<region>:<account>:<resource>`; `None` for anything else.
pub fn parse_kms_arn(arn: &str) -> Option<KmsArn<'_>> {
    let mut parts = arn.splitn(6, ':');
    let (scheme, partition, service) = (parts.next()?, parts.next()?, parts.next()?);
    let (region, account, resource) = (parts.next()?, parts.next()?, parts.next()?);
    (scheme == "arn" && partition.starts_with("aws") && service == "kms").then_some(KmsArn {
        region,
        account,
        resource,
    })
}

/// A key's region against the region Claude Platform on AWS runs in.
pub fn platform_aws_key_region(key_region: &str, home_region: &str) -> Result<(), Violation> {
    if key_region == home_region {
        return Ok(());
    }
    Err(Violation {
        code: "spec::platform-aws-region",
        message: format!(
            "Claude Platform on AWS needs the key in the same AWS region as the workspaces; the key is in `{key_region}`, the workspaces in `{home_region}` (provider \"aws\")"
        ),
        hint: Some(format!(
            "set `region = \"{home_region}\"` on the key, or point `provider \"aws\"` at the region your Claude Platform on AWS workspaces live in"
        )),
    })
}

/// The id of an `import` into a key or registration on Claude Platform on AWS: a single-region
/// KMS key ARN in the platform's region.
pub fn platform_aws_key_reference(id: &str, home_region: Option<&str>) -> Result<(), Violation> {
    let Some(arn) = parse_kms_arn(id) else {
        let hint = if id.starts_with("ekey_") {
            "Claude Platform on AWS has no `ekey_` registrations: import the key by its key ARN (arn:aws:kms:<region>:<account>:key/<id>)"
        } else {
            "use the key ARN: arn:aws:kms:<region>:<account>:key/<key id>"
        };
        return Err(Violation {
            code: "spec::platform-aws-key-arn",
            message: format!(
                "`{id}` is not a KMS key ARN; Claude Platform on AWS identifies keys by their key ARN"
            ),
            hint: Some(hint.to_string()),
        });
    };
    if arn.resource.starts_with("alias/") {
        return Err(Violation {
            code: "spec::platform-aws-alias-arn",
            message: format!("`{id}` is an alias ARN; Claude Platform on AWS rejects alias ARNs"),
            hint: Some(
                "use the ARN of the key itself (arn:aws:kms:<region>:<account>:key/<key id>); `aws kms describe-key --key-id <alias>` prints it"
                    .to_string(),
            ),
        });
    }
    let Some(key_id) = arn.resource.strip_prefix("key/") else {
        return Err(Violation {
            code: "spec::platform-aws-key-arn",
            message: format!("`{id}` is not a KMS key ARN (its resource is not `key/<id>`)"),
            hint: None,
        });
    };
    if key_id.starts_with("mrk-") {
        return Err(Violation {
            code: "spec::multi-region",
            message: format!(
                "`{id}` is a multi-region key; multi-region keys are not supported by Anthropic CMEK"
            ),
            hint: Some("use a single-region key (its id does not start with `mrk-`)".to_string()),
        });
    }
    match home_region {
        Some(home) => platform_aws_key_region(arn.region, home),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    #[test]
    fn key_references() {
        assert!(platform_aws_key_reference(KEY, Some("us-east-2")).is_ok());
        let code =
            |id: &str, home: Option<&str>| platform_aws_key_reference(id, home).map_err(|v| v.code);
        assert_eq!(
            code("arn:aws:kms:us-east-2:111122223333:alias/cmek", None),
            Err("spec::platform-aws-alias-arn")
        );
        assert_eq!(
            code("arn:aws:kms:us-east-2:111122223333:key/mrk-1234", None),
            Err("spec::multi-region")
        );
        assert_eq!(
            code(KEY, Some("us-west-2")),
            Err("spec::platform-aws-region")
        );
        assert_eq!(code("ekey_01abc", None), Err("spec::platform-aws-key-arn"));
        assert_eq!(
            code("arn:aws:iam::111122223333:root", None),
            Err("spec::platform-aws-key-arn")
        );
    }

    #[test]
    fn arn_parts() {
        let a = parse_kms_arn(KEY).unwrap();
        assert_eq!((a.region, a.account), ("us-east-2", "111122223333"));
        assert!(parse_kms_arn("arn:aws:kms:us-east-2").is_none());
    }
}
