//! A best-effort check that the `admins` of each AWS key exist in IAM: a role or user that does
//! not exist (a typo, a role not yet created) would be written into the key policy and grant
//! nobody anything, so `plan` warns about it. One iam:GetRole/GetUser per distinct principal of
//! the caller's account; other accounts' principals, roots and sessions are not looked up. The
//! check never fails a run: when IAM cannot be asked (no permission, throttled), it says so.

use std::collections::BTreeMap;

use super::AwsKms;
use crate::address::Address;
use crate::spec::model::{Desired, KeyKind};

/// One warning line per missing (or uncheckable) admin principal, in a stable order.
pub async fn admin_principal_warnings(
    aws: &AwsKms,
    desired: &Desired,
    caller_account: &str,
) -> Vec<String> {
    if !aws.iam_checks() {
        return Vec::new();
    }
    let mut keys_of: BTreeMap<&str, Vec<&Address>> = BTreeMap::new();
    for key in desired.keys.values() {
        if let KeyKind::Aws(spec) = &key.kind {
            for admin in spec.admins.iter().flatten() {
                let same_account = admin.split(':').nth(4) == Some(caller_account);
                if same_account {
                    keys_of
                        .entry(admin.as_str())
                        .or_default()
                        .push(&key.address);
                }
            }
        }
    }
    let mut warnings = Vec::new();
    for (principal, keys) in keys_of {
        let used_by = keys
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        match aws.iam_principal_exists(principal).await {
            Ok(Some(false)) => warnings.push(format!(
                "admin principal {principal} ({used_by}) does not exist in IAM: the key policy would name it but it grants nobody anything; check the ARN"
            )),
            Ok(_) | Err(super::AwsError::AccessDenied { .. }) => {}
            Err(e) => warnings.push(format!(
                "could not check that admin principal {principal} ({used_by}) exists: {e}"
            )),
        }
    }
    warnings
}
