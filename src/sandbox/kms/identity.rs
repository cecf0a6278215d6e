//! Who is calling: the SigV4 `Authorization` header's credential scope, mapped to a principal
//! through a configurable table of access key ids.
//!
//! Signatures are deliberately **not verified**: the emulator serves local tests and the
//! `--sandbox` mode on loopback, where the secret keys are public test constants; verifying them
//! would prove nothing and would couple the emulator to the SDK's signing details. What matters to
//! the code under test is *who* the request claims to be (which decides key-policy evaluation)
//! and *which region* it is scoped to (KMS is a regional service), and both are read from the
//! credential scope `Credential=<AKID>/<date>/<region>/<service>/aws4_request`.
//!
//! Unknown access key ids are rejected with `UnrecognizedClientException`, as real AWS does for a
//! key it does not know: a test that forgot to register its caller fails loudly instead of
//! silently acting as some default principal.

use std::collections::BTreeMap;

use super::error::{KmsError, KmsErrorCode};

/// The sandbox customer account.
pub const SANDBOX_ACCOUNT_ID: &str = "111122223333";
/// Access key id of the sandbox customer's administrator
/// (`arn:aws:iam::111122223333:user/sandbox-admin`).
pub const SANDBOX_ADMIN_ACCESS_KEY_ID: &str = "AKIASANDBOXADMIN0001";
/// Anthropic's production AWS account (domain/anthropic-cmek.md §2).
pub const ANTHROPIC_ACCOUNT_ID: &str = "915198916910";
/// Access key id that acts as Anthropic's CMEK client role
/// (`arn:aws:iam::915198916910:role/anthropic-cmek-client-us`).
pub const ANTHROPIC_SANDBOX_ACCESS_KEY_ID: &str = "ANTHROPICSANDBOXKEY1";
/// Anthropic's published CMEK client role.
pub const ANTHROPIC_ROLE_ARN: &str = "arn:aws:iam::915198916910:role/anthropic-cmek-client-us";
/// Access key id that acts as the AWS service principal of Claude Platform on AWS
/// (`aws-external-anthropic.amazonaws.com`, domain/anthropic-cmek.md §2 and §4: "principal is the
/// service principal above"). A service principal has no account of its own, so a key policy must
/// name it: a grant to an account root never lets it in.
pub const PLATFORM_AWS_SERVICE_ACCESS_KEY_ID: &str = "ANTHROPICSERVICEPRN1";
/// The service principal Claude Platform on AWS calls KMS as.
pub const PLATFORM_AWS_SERVICE_PRINCIPAL: &str = "aws-external-anthropic.amazonaws.com";
/// Any secret works (signatures are not verified); this one is used by tests and `--sandbox`.
pub const SANDBOX_SECRET_ACCESS_KEY: &str = "sandbox-secret-access-key-not-a-secret";

/// An authenticated caller. `arn` is the principal ARN KMS policies see as `aws:PrincipalArn`
/// (for a role: the role ARN, not the assumed-role session ARN).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Principal {
    pub arn: String,
    pub account: String,
    /// For credentials from STS AssumeRole: the assumed-role session ARN
    /// (`arn:aws:sts::<account>:assumed-role/<role>/<session>`) GetCallerIdentity reports.
    #[serde(default)]
    pub session_arn: Option<String>,
}

impl Principal {
    /// The ARN STS GetCallerIdentity reports for this principal.
    pub fn identity_arn(&self) -> &str {
        self.session_arn.as_deref().unwrap_or(&self.arn)
    }
}

/// A role callers may assume through the sandbox's STS `AssumeRole`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumableRole {
    pub role_arn: String,
    /// Principal ARNs, or `arn:aws:iam::<account>:root` for a whole account, that the role's
    /// trust policy allows.
    pub trusted: Vec<String>,
    /// When set, AssumeRole must pass exactly this `ExternalId`.
    pub external_id: Option<String>,
}

impl AssumableRole {
    /// Whether `caller` may assume the role with `external_id`; the error is the reason.
    pub fn admits(&self, caller: &Principal, external_id: Option<&str>) -> Result<(), String> {
        let root = format!("arn:aws:iam::{}:root", caller.account);
        if !self.trusted.iter().any(|t| t == &caller.arn || t == &root) {
            return Err(format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {}",
                caller.arn, self.role_arn
            ));
        }
        match (&self.external_id, external_id) {
            (None, _) => Ok(()),
            (Some(expected), Some(given)) if expected == given => Ok(()),
            _ => Err(format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {} (ExternalId)",
                caller.arn, self.role_arn
            )),
        }
    }
}

impl Principal {
    /// A principal whose account is taken from its ARN (`arn:aws:iam::<account>:...`).
    pub fn from_arn(arn: &str) -> Result<Self, String> {
        let account = arn
            .split(':')
            .nth(4)
            .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| format!("principal ARN `{arn}` has no 12-digit account id"))?;
        Ok(Self {
            arn: arn.to_string(),
            account: account.to_string(),
            session_arn: None,
        })
    }
}

/// Access key id -> principal.
#[derive(Debug, Clone, Default)]
pub struct CallerTable {
    callers: BTreeMap<String, Principal>,
    roles: BTreeMap<String, AssumableRole>,
}

impl CallerTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// The table `--sandbox` uses: the customer's admin and Anthropic's role.
    pub fn sandbox_default() -> Self {
        let mut table = Self::new();
        table.insert(
            SANDBOX_ADMIN_ACCESS_KEY_ID,
            Principal {
                arn: format!("arn:aws:iam::{SANDBOX_ACCOUNT_ID}:user/sandbox-admin"),
                account: SANDBOX_ACCOUNT_ID.to_string(),
                session_arn: None,
            },
        );
        table.insert(
            ANTHROPIC_SANDBOX_ACCESS_KEY_ID,
            Principal {
                arn: ANTHROPIC_ROLE_ARN.to_string(),
                account: ANTHROPIC_ACCOUNT_ID.to_string(),
                session_arn: None,
            },
        );
        table.insert(
            PLATFORM_AWS_SERVICE_ACCESS_KEY_ID,
            Principal {
                arn: PLATFORM_AWS_SERVICE_PRINCIPAL.to_string(),
                account: String::new(),
                session_arn: None,
            },
        );
        table
    }

    pub fn insert(&mut self, access_key_id: &str, principal: Principal) {
        self.callers.insert(access_key_id.to_string(), principal);
    }

    pub fn lookup(&self, access_key_id: &str) -> Option<&Principal> {
        self.callers.get(access_key_id)
    }

    /// Makes a role assumable through STS AssumeRole.
    pub fn add_role(&mut self, role: AssumableRole) {
        self.roles.insert(role.role_arn.clone(), role);
    }

    pub fn role(&self, role_arn: &str) -> Option<&AssumableRole> {
        self.roles.get(role_arn)
    }
}

/// The parts of a SigV4 credential scope the emulator uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    pub access_key_id: String,
    pub region: String,
    pub service: String,
}

/// Parses `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-2/kms/aws4_request, ...`.
pub fn parse_authorization(header: Option<&str>) -> Result<CredentialScope, KmsError> {
    let missing = || {
        KmsError::new(
            KmsErrorCode::MissingAuthenticationTokenException,
            "Missing Authentication Token",
        )
    };
    let header = header.ok_or_else(missing)?;
    let rest = header
        .strip_prefix("AWS4-HMAC-SHA256")
        .ok_or_else(|| incomplete("the Authorization header is not AWS4-HMAC-SHA256"))?;
    let credential = rest
        .split(',')
        .map(str::trim)
        .find_map(|part| part.strip_prefix("Credential="))
        .ok_or_else(|| incomplete("the Authorization header has no Credential"))?;
    let parts: Vec<&str> = credential.split('/').collect();
    match parts.as_slice() {
        [akid, _date, region, service, "aws4_request"]
            if !akid.is_empty() && !region.is_empty() =>
        {
            Ok(CredentialScope {
                access_key_id: (*akid).to_string(),
                region: (*region).to_string(),
                service: (*service).to_string(),
            })
        }
        _ => Err(incomplete("the credential scope is malformed")),
    }
}

fn incomplete(why: &str) -> KmsError {
    KmsError::new(
        KmsErrorCode::MissingAuthenticationTokenException,
        format!("Authorization header requires a valid SigV4 credential: {why}"),
    )
}

impl CallerTable {
    /// Resolves the caller of a request from its Authorization header; `sessions` knows the
    /// temporary credentials handed out by AssumeRole.
    pub fn authenticate(
        &self,
        header: Option<&str>,
        sessions: impl Fn(&str) -> Option<Principal>,
    ) -> Result<(Principal, CredentialScope), KmsError> {
        let scope = parse_authorization(header)?;
        let found = self
            .lookup(&scope.access_key_id)
            .cloned()
            .or_else(|| sessions(&scope.access_key_id));
        let principal = found.ok_or_else(|| {
            KmsError::new(
                KmsErrorCode::UnrecognizedClientException,
                "The security token included in the request is invalid.",
            )
        })?;
        Ok((principal, scope))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_credential_scope() {
        let scope = parse_authorization(Some(
            "AWS4-HMAC-SHA256 Credential=AKIASANDBOXADMIN0001/20260101/us-east-2/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
        ))
        .unwrap();
        assert_eq!(scope.access_key_id, "AKIASANDBOXADMIN0001");
        assert_eq!(scope.region, "us-east-2");
        assert_eq!(scope.service, "kms");
    }

    #[test]
    fn rejects_missing_and_malformed_headers() {
        assert_eq!(
            parse_authorization(None).unwrap_err().code,
            KmsErrorCode::MissingAuthenticationTokenException
        );
        assert!(parse_authorization(Some("Basic abc")).is_err());
        assert!(parse_authorization(Some("AWS4-HMAC-SHA256 Credential=A/B")).is_err());
    }

    #[test]
    fn unknown_access_keys_are_unrecognized() {
        let table = CallerTable::sandbox_default();
        let err = table
            .authenticate(
                Some("AWS4-HMAC-SHA256 Credential=AKIAUNKNOWN/20260101/us-east-2/kms/aws4_request"),
                |_| None,
            )
            .unwrap_err();
        assert_eq!(err.code, KmsErrorCode::UnrecognizedClientException);
        let (anthropic, _) = table
            .authenticate(
                Some(
                    "AWS4-HMAC-SHA256 Credential=ANTHROPICSANDBOXKEY1/20260101/us-east-2/kms/aws4_request",
                ),
                |_| None,
            )
            .unwrap();
        assert_eq!(anthropic.account, ANTHROPIC_ACCOUNT_ID);
    }

    #[test]
    fn role_trust_and_external_id() {
        let role = AssumableRole {
            role_arn: "arn:aws:iam::111122223333:role/cmek".into(),
            trusted: vec!["arn:aws:iam::111122223333:root".into()],
            external_id: Some("ext-1".into()),
        };
        let admin = Principal::from_arn("arn:aws:iam::111122223333:user/a").unwrap();
        let outsider = Principal::from_arn("arn:aws:iam::999999999999:user/b").unwrap();
        role.admits(&admin, Some("ext-1")).unwrap();
        assert!(role.admits(&admin, None).is_err());
        assert!(role.admits(&admin, Some("ext-2")).is_err());
        assert!(role.admits(&outsider, Some("ext-1")).is_err());
    }

    #[test]
    fn principal_account_comes_from_the_arn() {
        assert_eq!(
            Principal::from_arn("arn:aws:iam::111122223333:role/x")
                .unwrap()
                .account,
            "111122223333"
        );
        assert!(Principal::from_arn("arn:aws:iam::abc:role/x").is_err());
    }
}
