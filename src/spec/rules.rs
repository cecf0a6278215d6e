//! The offline domain rules of `domain/anthropic-cmek.md`, as pure functions on values.
//!
//! Each returns the accepted (possibly normalized) value or a [`Violation`] with a stable code,
//! a message and a hint (usually the fixed value). The type checker attaches the location.

use crate::spec::model::{AzureKeyType, GcpProtectionLevel, Platform};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub code: &'static str,
    pub message: String,
    pub hint: Option<String>,
}

fn v(code: &'static str, message: impl Into<String>, hint: Option<String>) -> Violation {
    Violation {
        code,
        message: message.into(),
        hint,
    }
}

/// US commercial AWS regions accepted for CMEK keys.
pub const AWS_US_REGIONS: &[&str] = &["us-east-1", "us-east-2", "us-west-1", "us-west-2"];
pub const AWS_ROTATION_DAYS: std::ops::RangeInclusive<u32> = 90..=2560;
pub const AZURE_MIN_KEY_SIZE: u32 = 3072;

/// Whether `s` is a lowercase canonical UUID (`8-4-4-4-12` hex digits).
pub fn is_lower_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        })
}

/// The organization UUID is the bare lowercase UUID (not `org_...`, not uppercase, no braces).
pub fn org_uuid(s: &str) -> Result<(), Violation> {
    if is_lower_uuid(s) {
        return Ok(());
    }
    let code = "spec::org-uuid";
    let fix = |f: String| Some(format!("use `organization_uuid = \"{f}\"`"));
    if let Some(rest) = s.strip_prefix("org_") {
        let fixed = rest.to_ascii_lowercase();
        let hint = if is_lower_uuid(&fixed) {
            fix(fixed)
        } else {
            Some(String::from(
                "find the organization UUID (not the `org_` id) in the Claude Console organization settings",
            ))
        };
        return Err(v(
            code,
            "`organization_uuid` must be the bare organization UUID, not the `org_`-prefixed organization id",
            hint,
        ));
    }
    if s.starts_with('{') && s.ends_with('}') && s.len() > 2 {
        let inner = s[1..s.len() - 1].to_ascii_lowercase();
        return Err(v(
            code,
            "`organization_uuid` must be a bare UUID without braces",
            if is_lower_uuid(&inner) {
                fix(inner)
            } else {
                None
            },
        ));
    }
    let lower = s.to_ascii_lowercase();
    if is_lower_uuid(&lower) {
        return Err(v(
            code,
            "`organization_uuid` must be lowercase: key policies, labels and tags compare it exactly",
            fix(lower),
        ));
    }
    Err(v(
        code,
        "`organization_uuid` is not a UUID",
        Some(String::from(
            "expected the form `4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f` (lowercase hex)",
        )),
    ))
}

pub fn geo(s: &str) -> Result<(), Violation> {
    if s == "us" {
        return Ok(());
    }
    Err(v(
        "spec::geo",
        format!("geo `{s}` is not supported: Anthropic CMEK runs in the US only"),
        Some(String::from("use `geo = \"us\"` (the default)")),
    ))
}

pub fn aws_region(s: &str) -> Result<(), Violation> {
    if AWS_US_REGIONS.contains(&s) {
        return Ok(());
    }
    if s.starts_with("us-gov-") {
        return Err(v(
            "spec::govcloud-region",
            format!("`{s}` is an AWS GovCloud region; Anthropic cannot reach keys in GovCloud"),
            Some(String::from(
                "use a US commercial region such as `us-east-2`",
            )),
        ));
    }
    if s.starts_with("us-iso") {
        return Err(v(
            "spec::region",
            format!("`{s}` is an isolated AWS partition region that Anthropic cannot reach"),
            Some(String::from(
                "use a US commercial region such as `us-east-2`",
            )),
        ));
    }
    let hint = crate::diag::suggest::did_you_mean(s, AWS_US_REGIONS.iter().copied())
        .filter(|_| s.starts_with("us-"))
        .map(|r| format!("did you mean `{r}`?"))
        .unwrap_or_else(|| {
            format!(
                "use one of {} (`us-east-2` is recommended for latency)",
                AWS_US_REGIONS.join(", ")
            )
        });
    Err(v(
        "spec::region",
        format!("AWS region `{s}` is not allowed: CMEK keys must be in a US commercial region"),
        Some(hint),
    ))
}

pub fn gcp_location(s: &str) -> Result<(), Violation> {
    let l = s.to_ascii_lowercase();
    let multi = [
        "us", "global", "nam4", "nam6", "nam7", "nam8", "nam9", "nam10", "nam11", "nam12", "nam13",
        "nam14", "nam15", "eur3", "eur4", "eur5", "eur6", "eu", "asia", "europe",
    ];
    if multi.contains(&l.as_str()) || l.starts_with("nam") {
        return Err(v(
            "spec::gcp-location",
            format!(
                "`{s}` is a multi-region location; Anthropic CMEK needs a single-region US location"
            ),
            Some(String::from(
                "use a single US region such as `us-east5` or `us-central1`",
            )),
        ));
    }
    if !l.starts_with("us-") || l != s {
        return Err(v(
            "spec::gcp-location",
            format!("Google Cloud location `{s}` is not a US region"),
            Some(String::from(
                "use a single US region such as `us-east5` or `us-central1`",
            )),
        ));
    }
    Ok(())
}

pub fn aws_rotation_days(n: u64) -> Result<u32, Violation> {
    match u32::try_from(n) {
        Ok(d) if AWS_ROTATION_DAYS.contains(&d) => Ok(d),
        _ => Err(v(
            "spec::rotation-period",
            format!("`rotation_period_days` is {n}; AWS KMS accepts 90 to 2560 days"),
            Some(String::from(
                "use a value between 90 and 2560 (365 is the AWS default)",
            )),
        )),
    }
}

/// `"90d"`, `"2160h"`, `"7776000s"` -> seconds (at least one day).
pub fn gcp_rotation_period(s: &str) -> Result<u64, Violation> {
    let bad = || {
        v(
            "spec::rotation-period",
            format!("`rotation_period` `{s}` is not a duration"),
            Some(String::from(
                "write it like \"90d\", \"2160h\" or \"7776000s\"",
            )),
        )
    };
    let t = s.trim();
    let (num, unit) = t.split_at(t.len().saturating_sub(1));
    let mult: u64 = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "s" => 1,
        _ => return Err(bad()),
    };
    let n: u64 = num.parse().map_err(|_| bad())?;
    let secs = n.checked_mul(mult).ok_or_else(bad)?;
    if secs < 86_400 {
        return Err(v(
            "spec::rotation-period",
            format!("`rotation_period` `{s}` is shorter than one day, the Cloud KMS minimum"),
            Some(String::from("use at least \"1d\"; \"90d\" is common")),
        ));
    }
    Ok(secs)
}

pub fn gcp_protection_level(s: &str) -> Result<GcpProtectionLevel, Violation> {
    match s {
        "HSM" => Ok(GcpProtectionLevel::Hsm),
        "SOFTWARE" => Ok(GcpProtectionLevel::Software),
        other => Err(v(
            "spec::protection-level",
            format!("protection level `{other}` is not supported"),
            Some(match other.to_ascii_uppercase().as_str() {
                u @ ("HSM" | "SOFTWARE") => format!("write it in capitals: `\"{u}\"`"),
                _ => String::from(
                    "use \"HSM\" (recommended) or \"SOFTWARE\"; EXTERNAL keys are not supported",
                ),
            }),
        )),
    }
}

pub fn azure_key_type(s: &str) -> Result<AzureKeyType, Violation> {
    match s {
        "RSA" => Ok(AzureKeyType::Rsa),
        "RSA-HSM" => Ok(AzureKeyType::RsaHsm),
        "EC" | "EC-HSM" => Err(v(
            "spec::azure-key-type",
            format!("key type `{s}` is not supported: Anthropic wraps data keys with RSA-OAEP-256"),
            Some(String::from("use `key_type = \"RSA-HSM\"` (or \"RSA\")")),
        )),
        "oct" | "oct-HSM" => Err(v(
            "spec::azure-key-type",
            format!("key type `{s}` is symmetric; Anthropic CMEK on Azure needs an RSA key"),
            Some(String::from("use `key_type = \"RSA-HSM\"` (or \"RSA\")")),
        )),
        other => Err(v(
            "spec::azure-key-type",
            format!("unknown Azure key type `{other}`"),
            Some(String::from("use `key_type = \"RSA-HSM\"` (or \"RSA\")")),
        )),
    }
}

pub fn azure_key_size(n: u64) -> Result<u32, Violation> {
    match u32::try_from(n) {
        Ok(s @ (3072 | 4096)) => Ok(s),
        Ok(s) if s < AZURE_MIN_KEY_SIZE => Err(v(
            "spec::azure-key-size",
            format!("RSA key size {s} is too small: Anthropic requires 3072 bits or more"),
            Some(String::from("use `key_size = 3072` (or 4096)")),
        )),
        _ => Err(v(
            "spec::azure-key-size",
            format!("RSA key size {n} is not offered by Azure Key Vault"),
            Some(String::from("use `key_size = 3072` or `4096`")),
        )),
    }
}

/// `https://<name>.vault.azure.net/` or `https://<name>.managedhsm.azure.net/`, normalized
/// with a trailing slash.
pub fn vault_uri(s: &str) -> Result<String, Violation> {
    let bad = |why: &str| {
        v(
            "spec::vault-uri",
            format!("`{s}` is not a Key Vault URI: {why}"),
            Some(String::from(
                "use `https://<vault>.vault.azure.net/` or `https://<hsm>.managedhsm.azure.net/`",
            )),
        )
    };
    let rest = s
        .strip_prefix("https://")
        .ok_or_else(|| bad("it must start with https://"))?;
    let host = rest.strip_suffix('/').unwrap_or(rest);
    let (name, suffix) = host.split_once('.').ok_or_else(|| bad("no host name"))?;
    if suffix != "vault.azure.net" && suffix != "managedhsm.azure.net" {
        return Err(bad(
            "the host must end in .vault.azure.net or .managedhsm.azure.net (sovereign clouds are not supported)",
        ));
    }
    let ok_name = (3..=24).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if !ok_name {
        return Err(bad(
            "the vault name must be 3-24 letters, digits and hyphens, starting with a letter",
        ));
    }
    Ok(format!("https://{}.{suffix}/", name.to_ascii_lowercase()))
}

pub fn workspace_id(s: &str) -> Result<(), Violation> {
    if s.starts_with("wrkspc_") && s.len() > "wrkspc_".len() {
        return Ok(());
    }
    Err(v(
        "spec::workspace-id",
        format!("workspace id `{s}` does not start with `wrkspc_`"),
        Some(String::from(
            "use the workspace id from the Claude Console or the Admin API, like `wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ` (a compartment UUID is not a workspace id)",
        )),
    ))
}

/// `api_key_env` names an environment variable; it never holds the key.
pub fn env_var_name(s: &str) -> Result<(), Violation> {
    let ok = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        return Ok(());
    }
    Err(v(
        "spec::api-key-env",
        "`api_key_env` must be the name of an environment variable (letters, digits and `_`)",
        Some(format!(
            "use `api_key_env = \"{}\"` and export the key in that variable",
            crate::spec::model::DEFAULT_API_KEY_ENV
        )),
    ))
}

pub fn platform(s: &str) -> Result<Platform, Violation> {
    Platform::ALL
        .into_iter()
        .find(|p| p.as_str() == s)
        .ok_or_else(|| {
            let names: Vec<&str> = Platform::ALL.iter().map(|p| p.as_str()).collect();
            v(
                "spec::platform",
                format!("unknown platform `{s}`"),
                crate::diag::suggest::hint(s, names.iter().copied())
                    .or_else(|| Some(format!("use one of: {}", names.join(", ")))),
            )
        })
}

pub fn aws_alias(s: &str) -> Result<(), Violation> {
    let name = s.strip_prefix("alias/");
    match name {
        Some(n) if n.starts_with("aws/") => Err(v(
            "spec::aws-alias",
            format!("alias `{s}` is reserved for AWS managed keys"),
            Some(String::from(
                "choose a name like `alias/anthropic-cmek-prod`",
            )),
        )),
        Some(n)
            if !n.is_empty()
                && n.len() <= 250
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/_-".contains(c)) =>
        {
            Ok(())
        }
        _ => Err(v(
            "spec::aws-alias",
            format!("`{s}` is not a KMS alias name"),
            Some(String::from(
                "aliases start with `alias/` and use letters, digits, `/`, `_` and `-`",
            )),
        )),
    }
}

pub fn base_url(s: &str) -> Result<(), Violation> {
    let local = s.starts_with("http://127.0.0.1") || s.starts_with("http://localhost");
    if s.starts_with("https://") || local {
        return Ok(());
    }
    Err(v(
        "spec::base-url",
        format!("`base_url` `{s}` must use https"),
        Some(format!("use `{}`", crate::spec::model::DEFAULT_BASE_URL)),
    ))
}

pub fn display_name(s: &str) -> Result<(), Violation> {
    let n = s.chars().count();
    if (1..=255).contains(&n) {
        return Ok(());
    }
    Err(v(
        "spec::display-name",
        format!("`display_name` must be 1 to 255 characters, it is {n}"),
        None,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_uuid_messages() {
        assert!(org_uuid("4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f").is_ok());
        let e = org_uuid("org_4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f").unwrap_err();
        assert!(e.message.contains("org_"));
        assert_eq!(
            e.hint.as_deref(),
            Some("use `organization_uuid = \"4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f\"`")
        );
        let e = org_uuid("4F1C2D3E-5A6B-4C7D-8E9F-0A1B2C3D4E5F").unwrap_err();
        assert!(e.message.contains("lowercase"));
        let e = org_uuid("{4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f}").unwrap_err();
        assert!(e.message.contains("braces"));
        assert!(org_uuid("nope").is_err());
    }

    #[test]
    fn regions_and_locations() {
        assert!(aws_region("us-east-2").is_ok());
        assert_eq!(
            aws_region("us-gov-west-1").unwrap_err().code,
            "spec::govcloud-region"
        );
        assert_eq!(aws_region("eu-west-1").unwrap_err().code, "spec::region");
        assert!(gcp_location("us-east5").is_ok());
        for l in ["us", "global", "nam4", "europe-west1", "US-EAST5"] {
            assert!(gcp_location(l).is_err(), "{l}");
        }
    }

    #[test]
    fn numbers_and_formats() {
        assert!(aws_rotation_days(30).is_err());
        assert_eq!(aws_rotation_days(365), Ok(365));
        assert!(aws_rotation_days(2561).is_err());
        assert_eq!(gcp_rotation_period("90d"), Ok(7_776_000));
        assert_eq!(gcp_rotation_period("2160h"), Ok(7_776_000));
        assert_eq!(gcp_rotation_period("7776000s"), Ok(7_776_000));
        assert!(gcp_rotation_period("90").is_err());
        assert!(gcp_rotation_period("1h").is_err());
        assert!(azure_key_size(2048).is_err());
        assert_eq!(azure_key_size(4096), Ok(4096));
        assert!(azure_key_type("EC").is_err());
        assert_eq!(azure_key_type("RSA-HSM"), Ok(AzureKeyType::RsaHsm));
        assert_eq!(
            vault_uri("https://Acme-cmek.vault.azure.net").unwrap(),
            "https://acme-cmek.vault.azure.net/"
        );
        assert_eq!(
            vault_uri("https://hsm1.managedhsm.azure.net").unwrap(),
            "https://hsm1.managedhsm.azure.net/"
        );
        assert!(vault_uri("https://x.vault.azure.cn/").is_err());
        assert!(vault_uri("http://acme.vault.azure.net/").is_err());
        assert!(workspace_id("wrkspc_01").is_ok());
        assert!(workspace_id("ws_01").is_err());
        assert!(env_var_name("ANTHROPIC_ADMIN_API_KEY").is_ok());
        assert!(env_var_name("not a name").is_err());
        assert!(aws_alias("alias/aws/ebs").is_err());
        assert!(aws_alias("alias/ok-1").is_ok());
        assert_eq!(
            platform("claude_enterprise"),
            Ok(Platform::ClaudeEnterprise)
        );
        assert_eq!(
            platform("claude_platfrom").unwrap_err().hint.as_deref(),
            Some("did you mean `claude_platform`?")
        );
    }
}
