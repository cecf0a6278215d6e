//! The versioned JSON plan (`--format json`, `-out FILE`): `serde` of [`Plan`], documented in
//! `docs/plan-format.md`. Reading checks `format_version` first so a newer file gets a clear
//! error instead of a half-understood plan.

use super::super::model::{FORMAT_VERSION, Plan, READABLE_VERSIONS};

#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("the plan file is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the plan file has no `format_version`; it was not written by cmek")]
    NoVersion,
    #[error(
        "the plan file has format_version {found}; this cmek reads versions 1 to {FORMAT_VERSION}: make the plan again with this cmek"
    )]
    UnsupportedVersion { found: u64 },
}

/// Pretty JSON with a trailing newline; deterministic (maps are sorted, actions ordered).
pub fn render(plan: &Plan) -> String {
    // Serializing plain data with string keys cannot fail.
    let mut s = serde_json::to_string_pretty(plan).unwrap_or_default();
    s.push('\n');
    s
}

/// Reads a plan file written by [`render`].
pub fn parse(text: &str) -> Result<Plan, PlanFileError> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    let found = value
        .get("format_version")
        .and_then(serde_json::Value::as_u64)
        .ok_or(PlanFileError::NoVersion)?;
    if !READABLE_VERSIONS.iter().any(|v| u64::from(*v) == found) {
        return Err(PlanFileError::UnsupportedVersion { found });
    }
    Ok(serde_json::from_value(value)?)
}
