//! `init/`: the starter configuration `cmek init` writes.
//!
//! The config is assembled from commented template sections embedded in the binary
//! (`src/init/templates/*.hcl`), picked by cloud and platform. Placeholders a user must
//! replace are marked `TODO` and use obviously fake but well-formed values, so the starter
//! validates as written and can never be mistaken for a real organization or tenant.
//! The result is always in canonical `cmek fmt` form.

use std::fmt;

use crate::address::Cloud;
use crate::fmt::format_source;
use crate::spec::model::Platform;

/// The file `cmek init` writes the configuration to.
pub const CONFIG_FILE: &str = "main.cmek.hcl";

/// The patterns `cmek init` puts in `.gitignore`: state files, their backups and locks, and
/// cmek's working directory.
pub const GITIGNORE_PATTERNS: [&str; 4] = [
    "*.state.json",
    "*.state.json.backup",
    "*.state.json.lock",
    ".cmek/",
];

const HEADER: &str = include_str!("templates/header.hcl");
const ANTHROPIC: &str = include_str!("templates/anthropic.hcl");
const PROVIDER_AWS: &str = include_str!("templates/provider_aws.hcl");
const PROVIDER_GCP: &str = include_str!("templates/provider_gcp.hcl");
const PROVIDER_AZURE: &str = include_str!("templates/provider_azure.hcl");
const KEY_AWS: &str = include_str!("templates/key_aws.hcl");
const KEY_GCP: &str = include_str!("templates/key_gcp.hcl");
const KEY_AZURE: &str = include_str!("templates/key_azure.hcl");
const EXTERNAL_KEY: &str = include_str!("templates/external_key.hcl");
const EXTERNAL_KEY_PLATFORM_AWS: &str = include_str!("templates/external_key_platform_aws.hcl");
const WORKSPACE: &str = include_str!("templates/workspace.hcl");
const ENTERPRISE: &str = include_str!("templates/enterprise.hcl");
const GITIGNORE: &str = include_str!("templates/gitignore");

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitError {
    /// Claude Platform on AWS only works with AWS KMS keys.
    PlatformNeedsAws,
    /// A template did not format (a bug in the embedded templates).
    Template(String),
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::PlatformNeedsAws => write!(
                f,
                "platform claude_platform_aws uses AWS KMS keys only; use --provider aws"
            ),
            InitError::Template(m) => write!(f, "internal error in the starter template: {m}"),
        }
    }
}

impl std::error::Error for InitError {}

/// The starter `main.cmek.hcl` for a cloud and platform.
pub fn starter_config(cloud: Cloud, platform: Platform) -> Result<String, InitError> {
    let text = assemble(cloud, platform)?;
    format_source(&text).map_err(|e| InitError::Template(e.to_string()))
}

/// The template sections for a cloud and platform, joined, placeholders filled in.
fn assemble(cloud: Cloud, platform: Platform) -> Result<String, InitError> {
    if platform == Platform::ClaudePlatformAws && cloud != Cloud::Aws {
        return Err(InitError::PlatformNeedsAws);
    }
    let (title, provider, key) = match cloud {
        Cloud::Aws => ("AWS KMS", PROVIDER_AWS, KEY_AWS),
        Cloud::Gcp => ("Google Cloud KMS", PROVIDER_GCP, KEY_GCP),
        Cloud::Azure => ("Azure Key Vault", PROVIDER_AZURE, KEY_AZURE),
    };
    let mut sections = vec![HEADER, ANTHROPIC, provider, key];
    match platform {
        Platform::ClaudePlatform => sections.extend([EXTERNAL_KEY, WORKSPACE]),
        Platform::ClaudePlatformAws => sections.extend([EXTERNAL_KEY_PLATFORM_AWS, WORKSPACE]),
        Platform::ClaudeEnterprise => sections.extend([EXTERNAL_KEY, ENTERPRISE]),
    }
    Ok(sections
        .concat()
        .replace("{{PROVIDER_TITLE}}", title)
        .replace("{{PLATFORM}}", platform.as_str())
        .replace("{{CLOUD}}", cloud.as_str()))
}

/// The `.gitignore` to write: the full template when there is none, the existing file with
/// the missing patterns appended otherwise, or `None` when nothing is missing. Existing
/// content is never removed.
pub fn gitignore(existing: Option<&str>) -> Option<String> {
    let Some(existing) = existing else {
        return Some(GITIGNORE.to_string());
    };
    let present: Vec<&str> = existing.lines().map(str::trim).collect();
    let missing: Vec<&str> = GITIGNORE_PATTERNS
        .iter()
        .copied()
        .filter(|p| !present.contains(p))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let mut out = existing.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str("# cmek state: keep it in a secure backend, not in git.\n");
    for p in missing {
        out.push_str(p);
        out.push('\n');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_combination_is_formatted_and_parses() {
        for cloud in [Cloud::Aws, Cloud::Gcp, Cloud::Azure] {
            for platform in Platform::ALL {
                let Ok(text) = starter_config(cloud, platform) else {
                    assert!(platform == Platform::ClaudePlatformAws && cloud != Cloud::Aws);
                    continue;
                };
                // The embedded templates are already canonical: formatting changes nothing.
                assert_eq!(assemble(cloud, platform).unwrap(), text);
                let body: hcl::Body = hcl::parse(&text).unwrap();
                assert!(body.blocks().any(|b| b.identifier() == "anthropic"));
                assert!(!text.contains("{{"), "unreplaced placeholder");
                assert!(!text.contains("00000000-0000-0000-0000-000000000000"));
                let has_workspace = body.blocks().any(|b| b.identifier() == "workspace");
                assert_eq!(has_workspace, platform != Platform::ClaudeEnterprise);
            }
        }
    }

    #[test]
    fn gitignore_appends_only_missing_patterns() {
        assert!(gitignore(None).unwrap().contains("*.state.json.lock"));
        let merged = gitignore(Some("target/\n*.state.json")).unwrap();
        assert!(merged.starts_with("target/\n*.state.json\n\n"));
        assert_eq!(merged.matches("*.state.json\n").count(), 1);
        assert!(merged.ends_with("*.state.json.backup\n*.state.json.lock\n.cmek/\n"));
        let full = gitignore(None).unwrap();
        assert_eq!(gitignore(Some(&full)), None);
    }
}
