//! CMEK-AWS-007: the organization binding's values are malformed or name another organization.
//! See `RULE.docs`.

use super::{Hit, aws_policy};
use crate::lint::facts::{Ctx, anthropic_allows, condition_entries, is_string_equals};
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;
use crate::policy::render::is_bare_lowercase_uuid;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AWS-007",
    summary: "Organization binding is wrong (prefixed, uppercase, braces, wildcard, or another org)",
    severity: Severity::Error,
    suppressible: false,
    section: "§3",
    remedy: "List the bare lowercase organization UUID (e.g. \
             `4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f`) with `StringEquals`.",
    docs: "## What it does\nChecks the values of `kms:EncryptionContext:anthropic:org_uuid` on \
Anthropic's statements: each must be a bare lowercase UUID (not `org_...`, not uppercase, no \
braces, no wildcards), the operator must be `StringEquals`, and the organization from the spec or \
`--org-uuid` must be listed.\n\n## Why it matters\nAnthropic sends the bare lowercase UUID: any \
other spelling never matches, so validation fails; a wildcard binds every organization.\n\n\
## Example\n```json\n\"StringEquals\": {\"kms:EncryptionContext:anthropic:org_uuid\": \"org_4f1c2d3e...\"}\n```\n\n\
## Fix\nUse the bare lowercase UUID of your organization.\n\n## Source\ndomain/anthropic-cmek.md §3.\n",
};

fn problem(v: &str) -> Option<String> {
    if is_bare_lowercase_uuid(v) {
        return None;
    }
    let why = if v.contains('*') || v.contains('?') {
        "a wildcard binds every organization"
    } else if v.starts_with("org_") {
        "the `org_`-prefixed id is not the organization UUID"
    } else if v.starts_with('{') || v.ends_with('}') {
        "braces are not part of the UUID"
    } else if is_bare_lowercase_uuid(&v.to_ascii_lowercase()) {
        "the UUID must be lowercase"
    } else {
        "not a bare lowercase UUID"
    };
    Some(format!("`{v}`: {why}"))
}

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((a, doc)) = aws_policy(s) else {
        return;
    };
    let org_key = crate::lint::facts::context_condition_key(&cx.ids.aws.org_context_key);
    for (i, st) in anthropic_allows(doc, cx, a.platform) {
        let mut listed = Vec::new();
        for (kind, raw, e) in condition_entries(st) {
            if e.key_lc != org_key {
                continue;
            }
            if !is_string_equals(kind) {
                out.push(Hit::new(
                    format!(
                        "statement {} binds the organization with `{raw}`; use `StringEquals`",
                        st.label(i)
                    ),
                    a.statement_location(i),
                ));
            }
            for v in e.values.iter() {
                let v = v.as_text();
                if let Some(p) = problem(&v) {
                    out.push(Hit::new(
                        format!("statement {} has organization value {p}", st.label(i)),
                        a.statement_location(i),
                    ));
                }
                listed.push(v.into_owned());
            }
        }
        if listed.is_empty() {
            continue;
        }
        for org in &a.org_uuids {
            if !listed.iter().any(|v| v == org) {
                out.push(Hit::new(
                    format!(
                        "statement {} binds organization(s) {} but not this organization `{org}`",
                        st.label(i),
                        listed
                            .iter()
                            .map(|v| format!("`{v}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    a.statement_location(i),
                ));
            }
        }
    }
}
