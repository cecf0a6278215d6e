//! Reading a state document from bytes, recognizing every kind of wrong file before trusting it.
//!
//! Order of checks (the first that applies wins, so each wrong file gets the most useful
//! message): empty, truncated or malformed JSON, not an object, a Terraform state or plan, a cmek
//! plan, no or bad `format_version`, a newer `format_version`, fields of the wrong type (with line
//! and column), then semantic consistency ([`State::validate`]). Fields unknown to this version
//! are tolerated (a newer *patch* release may add some) and kept for the next write; a higher
//! `format_version` is refused.

use std::path::Path;

use serde_json::Value;

use super::error::StateError;
use super::model::{FORMAT_VERSION, State, unknown_fields};

/// Parses the state file `path` from `bytes`. Nothing is written, whatever the outcome.
pub fn parse_state(path: &Path, bytes: &[u8]) -> Result<State, StateError> {
    let path_buf = path.to_path_buf();
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(StateError::Empty { path: path_buf });
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_eof() {
            StateError::Truncated {
                path: path_buf.clone(),
                line: e.line(),
                column: e.column(),
            }
        } else {
            StateError::Syntax {
                path: path_buf.clone(),
                line: e.line(),
                column: e.column(),
                message: strip_position(&e.to_string()),
            }
        }
    })?;
    let Value::Object(map) = &value else {
        return Err(StateError::NotCmekState {
            path: path_buf,
            why: format!("the top level is {}, not an object", kind_of(&value)),
        });
    };
    if map.contains_key("terraform_version") {
        if map.contains_key("resource_changes") || map.contains_key("planned_values") {
            return Err(StateError::TerraformPlan { path: path_buf });
        }
        let terraform_version = map
            .get("terraform_version")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string();
        return Err(StateError::TerraformState {
            path: path_buf,
            terraform_version,
        });
    }
    if looks_like_cmek_plan(map) {
        return Err(StateError::PlanFile { path: path_buf });
    }
    let Some(fv) = map.get("format_version") else {
        return Err(StateError::NotCmekState {
            path: path_buf,
            why: "it has no `format_version` field".into(),
        });
    };
    let Some(fv) = fv.as_u64().filter(|v| *v > 0) else {
        return Err(StateError::BadFormatVersion {
            path: path_buf,
            found: fv.to_string(),
        });
    };
    if fv > u64::from(FORMAT_VERSION) {
        let written_by = map
            .get("cmek_version")
            .and_then(Value::as_str)
            .map(|v| format!("cmek {v}"))
            .unwrap_or_else(|| "unknown version".into());
        return Err(StateError::FutureFormat {
            path: path_buf,
            found: fv,
            supported: FORMAT_VERSION,
            written_by,
        });
    }
    if !map.contains_key("lineage") || !map.contains_key("serial") {
        return Err(StateError::NotCmekState {
            path: path_buf,
            why: "it has no `lineage` or no `serial` field".into(),
        });
    }
    // Re-parse from the bytes (not the Value) so type errors carry line and column.
    let mut state: State = serde_json::from_slice(bytes).map_err(|e| StateError::Invalid {
        path: path_buf.clone(),
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?;
    state
        .validate()
        .map_err(|message| StateError::Inconsistent {
            path: path_buf.clone(),
            message,
        })?;
    let unknown = unknown_fields(&value, &state.to_json_value());
    state.set_unknown(unknown);
    Ok(state)
}

/// A cmek plan file has a `format_version` too, but carries actions and fingerprints.
fn looks_like_cmek_plan(map: &serde_json::Map<String, Value>) -> bool {
    let kind_is_plan = map
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k.contains("plan"));
    kind_is_plan
        || ["actions", "refusals", "fingerprints", "planned_actions"]
            .iter()
            .any(|k| map.contains_key(*k))
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// serde_json appends " at line L column C"; we report position separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn parse(text: &str) -> Result<State, StateError> {
        parse_state(&PathBuf::from("s.json"), text.as_bytes())
    }

    #[test]
    fn minimal_state_parses() {
        let s = parse(
            r#"{"format_version":1,"cmek_version":"0.1.0","lineage":"6f0b2a48-1f2e-4b1c-9d7e-3a5b6c7d8e9f","serial":4}"#,
        )
        .unwrap();
        assert_eq!(s.serial(), 4);
        assert!(s.addresses().is_empty());
    }

    #[test]
    fn classifies_bad_inputs() {
        assert!(matches!(parse("  \n"), Err(StateError::Empty { .. })));
        assert!(matches!(
            parse(r#"{"format_version": 1, "lin"#),
            Err(StateError::Truncated { .. })
        ));
        assert!(matches!(parse("{,}"), Err(StateError::Syntax { .. })));
        assert!(matches!(parse("[1]"), Err(StateError::NotCmekState { .. })));
        assert!(matches!(
            parse(r#"{"version":4,"terraform_version":"1.9.5","resources":[]}"#),
            Err(StateError::TerraformState { .. })
        ));
        assert!(matches!(
            parse(r#"{"format_version":"1.2","terraform_version":"1.9.5","resource_changes":[]}"#),
            Err(StateError::TerraformPlan { .. })
        ));
        assert!(matches!(
            parse(r#"{"format_version":1,"actions":[]}"#),
            Err(StateError::PlanFile { .. })
        ));
        assert!(matches!(
            parse(r#"{"format_version":2,"cmek_version":"9.0.0","lineage":"x","serial":1}"#),
            Err(StateError::FutureFormat { found: 2, .. })
        ));
        assert!(matches!(
            parse(r#"{"format_version":"one"}"#),
            Err(StateError::BadFormatVersion { .. })
        ));
        assert!(matches!(
            parse(
                r#"{"format_version":1,"cmek_version":"0.1.0","lineage":"not-a-uuid","serial":1}"#
            ),
            Err(StateError::Invalid { .. })
        ));
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let s = parse(
            r#"{"format_version":1,"cmek_version":"0.1.1","lineage":"6f0b2a48-1f2e-4b1c-9d7e-3a5b6c7d8e9f","serial":4,
                "future_top": {"a": 1},
                "workspaces": {"workspace.w": {"id": "wrkspc_1", "updated_at": "t", "future_field": true}}}"#,
        )
        .unwrap();
        let unknown: Vec<&str> = s.unknown_fields().collect();
        assert_eq!(
            unknown,
            ["/future_top", "/workspaces/workspace.w/future_field"]
        );
        let v = s.to_json_value();
        assert_eq!(v["future_top"]["a"], 1);
        assert_eq!(v["workspaces"]["workspace.w"]["future_field"], true);
    }
}
