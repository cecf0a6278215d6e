//! Server-side checks of `provider_config`, `geo` and `display_name`, as the Admin API applies
//! them on create and update (`domain/anthropic-cmek.md` §4–§7).
//!
//! Each check returns the message the API would send in a 400 `invalid_request_error`.

use crate::anthropic::types::ProviderConfig;

/// Checks a provider configuration's shape for its provider type.
pub fn check_provider_config(config: &ProviderConfig) -> Result<(), String> {
    match config {
        ProviderConfig::Aws { kms_arn, region } => check_aws(kms_arn, region.as_deref()),
        ProviderConfig::Gcp { key_name } => check_gcp(key_name),
        ProviderConfig::Azure {
            vault_uri,
            key_name,
            tenant_id,
            client_id,
        } => check_azure(vault_uri, key_name, tenant_id, client_id.as_deref()),
    }
}

/// `geo`: only `"us"` is offered.
pub fn check_geo(geo: &str) -> Result<(), String> {
    if geo == "us" {
        Ok(())
    } else {
        Err(format!(
            "geo: `{geo}` is not supported; CMEK is available in geo `us` only"
        ))
    }
}

/// `display_name`: 1 to 255 characters.
pub fn check_display_name(name: &str) -> Result<(), String> {
    let len = name.chars().count();
    if (1..=255).contains(&len) {
        Ok(())
    } else {
        Err(format!(
            "display_name: must be between 1 and 255 characters, got {len}"
        ))
    }
}

fn check_aws(kms_arn: &str, region: Option<&str>) -> Result<(), String> {
    let parts: Vec<&str> = kms_arn.splitn(6, ':').collect();
    let [arn, partition, service, arn_region, account, resource] = parts[..] else {
        return Err(format!(
            "provider_config.kms_arn: `{kms_arn}` is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>)"
        ));
    };
    if arn != "arn" || service != "kms" {
        return Err(format!(
            "provider_config.kms_arn: `{kms_arn}` is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>)"
        ));
    }
    if partition != "aws" {
        return Err(format!(
            "provider_config.kms_arn: partition `{partition}` is not supported; the key must be in the commercial `aws` partition in a US region"
        ));
    }
    if !is_us_aws_region(arn_region) {
        return Err(format!(
            "provider_config.kms_arn: region `{arn_region}` is not supported; CMEK keys must be in a US region (for example us-east-2)"
        ));
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "provider_config.kms_arn: account `{account}` is not a 12-digit AWS account id"
        ));
    }
    if resource.starts_with("alias/") {
        return Err(format!(
            "provider_config.kms_arn: `{kms_arn}` is an alias ARN; register the key ARN (arn:aws:kms:<region>:<account>:key/<key-id>)"
        ));
    }
    let Some(key_id) = resource.strip_prefix("key/") else {
        return Err(format!(
            "provider_config.kms_arn: `{kms_arn}` is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>)"
        ));
    };
    if key_id.starts_with("mrk-") {
        return Err(format!(
            "provider_config.kms_arn: `{key_id}` is a multi-region key; CMEK supports single-region keys only"
        ));
    }
    if !is_uuid(key_id) {
        return Err(format!(
            "provider_config.kms_arn: key id `{key_id}` is not a KMS key id"
        ));
    }
    if let Some(region) = region
        && region != arn_region
    {
        return Err(format!(
            "provider_config.region: `{region}` does not match the key ARN's region `{arn_region}`"
        ));
    }
    Ok(())
}

/// `us-east-1`, `us-west-2` ...: commercial US regions (GovCloud is another partition).
fn is_us_aws_region(region: &str) -> bool {
    let Some(rest) = region.strip_prefix("us-") else {
        return false;
    };
    let mut parts = rest.split('-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(direction), Some(number), None) => {
            matches!(direction, "east" | "west" | "central" | "north" | "south")
                && !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

fn check_gcp(key_name: &str) -> Result<(), String> {
    let parts: Vec<&str> = key_name.split('/').collect();
    let shape_error = || {
        format!(
            "provider_config.key_name: `{key_name}` is not a Cloud KMS key name (projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>)"
        )
    };
    let [
        "projects",
        project,
        "locations",
        location,
        "keyRings",
        ring,
        "cryptoKeys",
        key,
    ] = parts[..]
    else {
        return Err(shape_error());
    };
    if [project, location, ring, key].iter().any(|s| s.is_empty()) {
        return Err(shape_error());
    }
    if !is_single_region_us_gcp_location(location) {
        return Err(format!(
            "provider_config.key_name: location `{location}` is not supported; use a single-region US location such as us-east5 or us-central1 (multi-region `us` and `global` are not supported)"
        ));
    }
    Ok(())
}

/// `us-central1`, `us-east5`, `us-west4`, `us-south1` ...; not `us`, `global`, `nam4`.
fn is_single_region_us_gcp_location(location: &str) -> bool {
    let Some(rest) = location.strip_prefix("us-") else {
        return false;
    };
    let digits = rest.trim_start_matches(|c: char| c.is_ascii_lowercase());
    let word = &rest[..rest.len() - digits.len()];
    matches!(word, "east" | "west" | "central" | "south" | "north")
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
}

fn check_azure(
    vault_uri: &str,
    key_name: &str,
    tenant_id: &str,
    client_id: Option<&str>,
) -> Result<(), String> {
    let host = vault_uri
        .strip_prefix("https://")
        .map(|rest| rest.trim_end_matches('/'))
        .filter(|host| !host.contains('/'));
    let valid_host = host.is_some_and(|host| {
        let name = host
            .strip_suffix(".vault.azure.net")
            .or_else(|| host.strip_suffix(".managedhsm.azure.net"));
        name.is_some_and(|n| {
            (3..=24).contains(&n.len())
                && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && n.starts_with(|c: char| c.is_ascii_alphabetic())
        })
    });
    if !valid_host {
        return Err(format!(
            "provider_config.vault_uri: `{vault_uri}` is not a Key Vault or Managed HSM URI (https://<vault>.vault.azure.net/ or https://<hsm>.managedhsm.azure.net)"
        ));
    }
    if key_name.is_empty()
        || key_name.len() > 127
        || !key_name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(format!(
            "provider_config.key_name: `{key_name}` is not a Key Vault key name (1-127 letters, digits and dashes)"
        ));
    }
    if !is_uuid(tenant_id) {
        return Err(format!(
            "provider_config.tenant_id: `{tenant_id}` is not a tenant id (a UUID)"
        ));
    }
    if let Some(client_id) = client_id
        && !is_uuid(client_id)
    {
        return Err(format!(
            "provider_config.client_id: `{client_id}` is not an application (client) id (a UUID)"
        ));
    }
    Ok(())
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws(arn: &str) -> Result<(), String> {
        check_provider_config(&ProviderConfig::Aws {
            kms_arn: arn.into(),
            region: None,
        })
    }

    #[test]
    fn aws_key_arns() {
        aws("arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab").unwrap();
        let alias = aws("arn:aws:kms:us-east-2:111122223333:alias/cmek").unwrap_err();
        assert!(alias.contains("alias ARN"), "{alias}");
        let mrk =
            aws("arn:aws:kms:us-east-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab")
                .unwrap_err();
        assert!(mrk.contains("multi-region"), "{mrk}");
        let eu = aws("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
            .unwrap_err();
        assert!(eu.contains("US region"), "{eu}");
        assert!(
            aws("arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
                .is_err()
        );
        assert!(
            aws("arn:aws:kms:us-east-2:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab").is_err()
        );
        assert!(aws("not an arn").is_err());
        let mismatch = check_provider_config(&ProviderConfig::Aws {
            kms_arn: "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                .into(),
            region: Some("us-west-2".into()),
        })
        .unwrap_err();
        assert!(mismatch.contains("does not match"));
    }

    #[test]
    fn gcp_key_names() {
        let ok = |l: &str| {
            check_provider_config(&ProviderConfig::Gcp {
                key_name: format!("projects/p/locations/{l}/keyRings/r/cryptoKeys/k"),
            })
        };
        ok("us-east5").unwrap();
        ok("us-central1").unwrap();
        assert!(ok("us").is_err());
        assert!(ok("global").is_err());
        assert!(ok("nam4").is_err());
        assert!(ok("europe-west1").is_err());
        assert!(
            check_provider_config(&ProviderConfig::Gcp {
                key_name:
                    "projects/p/locations/us-east5/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1"
                        .into()
            })
            .is_err()
        );
    }

    #[test]
    fn azure_configs() {
        let cfg = |uri: &str, tenant: &str| {
            check_provider_config(&ProviderConfig::Azure {
                vault_uri: uri.into(),
                key_name: "claude".into(),
                tenant_id: tenant.into(),
                client_id: None,
            })
        };
        let tenant = "8635ae1a-3e5d-44e8-a4ed-e0f614466f87";
        cfg("https://acme-cmek.vault.azure.net/", tenant).unwrap();
        cfg("https://acme-hsm.managedhsm.azure.net", tenant).unwrap();
        assert!(cfg("http://acme-cmek.vault.azure.net/", tenant).is_err());
        assert!(cfg("https://acme-cmek.example.com/", tenant).is_err());
        assert!(cfg("https://acme-cmek.vault.azure.net/", "nope").is_err());
    }

    #[test]
    fn geo_and_display_name() {
        check_geo("us").unwrap();
        assert!(check_geo("eu").is_err());
        check_display_name("Production CMEK").unwrap();
        assert!(check_display_name("").is_err());
        assert!(check_display_name(&"x".repeat(256)).is_err());
        check_display_name(&"é".repeat(255)).unwrap();
    }
}
