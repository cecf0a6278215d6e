//! AWS principals: normalization (bare account id -> root ARN), classification (who a
//! principal value names) and the principal of a request.
//!
//! Classification is what lint and the "who else can use this key" report build on: every
//! value is put in exactly one [`PrincipalClass`].

use super::document::PrincipalType;

/// The principal making a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RequestPrincipal {
    /// An IAM identity (role, user, or the account root). `arn` is the identity ARN as
    /// `aws:PrincipalArn` reports it (the role ARN for an assumed-role session).
    Aws { arn: String, account: String },
    /// An AWS service principal such as `aws-external-anthropic.amazonaws.com`.
    Service(String),
}

impl RequestPrincipal {
    /// An IAM identity from its ARN; the account is read from the ARN.
    pub fn aws(arn: impl Into<String>) -> Self {
        let arn = arn.into();
        let account = account_of_arn(&arn).unwrap_or_default().to_string();
        RequestPrincipal::Aws { arn, account }
    }

    pub fn service(name: impl Into<String>) -> Self {
        RequestPrincipal::Service(name.into())
    }

    /// `aws:PrincipalType`: `Account`, `User`, `AssumedRole`, or `AWSService`.
    pub fn principal_type(&self) -> &'static str {
        match self {
            RequestPrincipal::Aws { arn, .. } => {
                if arn.ends_with(":root") {
                    "Account"
                } else if arn.contains(":user/") {
                    "User"
                } else {
                    "AssumedRole"
                }
            }
            RequestPrincipal::Service(_) => "AWSService",
        }
    }

    pub fn display(&self) -> &str {
        match self {
            RequestPrincipal::Aws { arn, .. } => arn,
            RequestPrincipal::Service(s) => s,
        }
    }
}

/// What one principal value names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PrincipalClass {
    /// `"*"` or `{"AWS": "*"}`: every principal everywhere (conditions may narrow it).
    Everyone,
    /// `arn:aws:iam::<account>:root` or a bare account id: the whole account, delegated to its
    /// IAM policies.
    AccountRoot {
        account: String,
    },
    /// A named IAM role, user or other IAM/STS ARN in `account`.
    Identity {
        account: String,
        arn: String,
    },
    /// `AROA...`/`AIDA...` unique id: what KMS shows after the named role or user was deleted.
    /// Nobody can use it; a re-created role with the same name does not get the access back.
    OrphanedUniqueId {
        id: String,
    },
    Service {
        name: String,
    },
    Federated {
        provider: String,
    },
    CanonicalUser {
        id: String,
    },
    /// Not a valid principal for its type.
    Invalid {
        value: String,
    },
}

/// Classify one principal value of `ptype`.
pub fn classify(ptype: &PrincipalType, value: &str) -> PrincipalClass {
    match ptype {
        PrincipalType::Aws => classify_aws(value),
        PrincipalType::Service => PrincipalClass::Service {
            name: value.to_string(),
        },
        PrincipalType::Federated => PrincipalClass::Federated {
            provider: value.to_string(),
        },
        PrincipalType::CanonicalUser => PrincipalClass::CanonicalUser {
            id: value.to_string(),
        },
        PrincipalType::Other(_) => PrincipalClass::Invalid {
            value: value.to_string(),
        },
    }
}

fn classify_aws(value: &str) -> PrincipalClass {
    if value == "*" {
        return PrincipalClass::Everyone;
    }
    if is_account_id(value) {
        return PrincipalClass::AccountRoot {
            account: value.to_string(),
        };
    }
    if is_unique_id(value) {
        return PrincipalClass::OrphanedUniqueId {
            id: value.to_string(),
        };
    }
    match parse_arn(value) {
        Some(arn)
            if (arn.service == "iam" || arn.service == "sts") && is_account_id(arn.account) =>
        {
            if arn.service == "iam" && arn.resource == "root" {
                PrincipalClass::AccountRoot {
                    account: arn.account.to_string(),
                }
            } else {
                PrincipalClass::Identity {
                    account: arn.account.to_string(),
                    arn: value.to_string(),
                }
            }
        }
        _ => PrincipalClass::Invalid {
            value: value.to_string(),
        },
    }
}

/// The normalized form of an `AWS` principal value: a bare account id becomes its root ARN;
/// everything else is returned unchanged.
pub fn normalize_aws(value: &str) -> String {
    if is_account_id(value) {
        root_arn(value)
    } else {
        value.to_string()
    }
}

/// `arn:aws:iam::<account>:root`.
pub fn root_arn(account: &str) -> String {
    format!("arn:aws:iam::{account}:root")
}

/// Twelve ASCII digits.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// IAM unique ids of roles (`AROA`) and users (`AIDA`): 4-letter prefix then upper-case
/// letters and digits.
pub fn is_unique_id(s: &str) -> bool {
    (s.starts_with("AROA") || s.starts_with("AIDA"))
        && s.len() >= 16
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// The parts of an ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

pub fn parse_arn(s: &str) -> Option<Arn<'_>> {
    let mut parts = s.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    Some(Arn {
        partition: parts.next()?,
        service: parts.next()?,
        region: parts.next()?,
        account: parts.next()?,
        resource: parts.next()?,
    })
}

/// The account id inside an ARN, if it has one.
pub fn account_of_arn(s: &str) -> Option<&str> {
    parse_arn(s).map(|a| a.account).filter(|a| !a.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let aws = PrincipalType::Aws;
        assert_eq!(classify(&aws, "*"), PrincipalClass::Everyone);
        assert_eq!(
            classify(&aws, "111122223333"),
            PrincipalClass::AccountRoot {
                account: "111122223333".into()
            }
        );
        assert!(matches!(
            classify(
                &aws,
                "arn:aws:iam::915198916910:role/anthropic-cmek-client-us"
            ),
            PrincipalClass::Identity { .. }
        ));
        assert!(matches!(
            classify(&aws, "AROAJQABLZS4A3QDU576Q"),
            PrincipalClass::OrphanedUniqueId { .. }
        ));
        assert!(matches!(
            classify(&aws, "arn:aws:iam::12:root"),
            PrincipalClass::Invalid { .. }
        ));
        assert_eq!(
            normalize_aws("111122223333"),
            "arn:aws:iam::111122223333:root"
        );
    }

    #[test]
    fn request_principal_types() {
        assert_eq!(
            RequestPrincipal::aws("arn:aws:iam::1:root").principal_type(),
            "Account"
        );
        assert_eq!(
            RequestPrincipal::aws("arn:aws:iam::111122223333:role/x").principal_type(),
            "AssumedRole"
        );
        assert_eq!(
            RequestPrincipal::service("s.amazonaws.com").principal_type(),
            "AWSService"
        );
    }
}
