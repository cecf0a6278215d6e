//! The layout every review file shares, whatever the cloud: header, access summary,
//! Anthropic's requests, anyone else, protection, policy. Pure formatting: the per-cloud modules
//! decide the content; this module only orders and escapes it.

use crate::policy::simulate::{Expected, SimReport};

use super::facts::{KeyFacts, WorkspaceStatus};

/// The content of one review, section by section.
#[derive(Debug, Clone, Default)]
pub struct ReviewDoc {
    pub address: String,
    /// `(label, value)` rows of the header table, in display order.
    pub header: Vec<(String, String)>,
    /// What is unknown offline and how it is shown.
    pub notes: Vec<String>,
    /// One sentence per statement / binding / role assignment.
    pub access: Vec<String>,
    pub requests: Option<SimReport>,
    /// Requests that cannot be simulated offline, with why.
    pub not_simulated: Vec<String>,
    /// Principals besides the customer and Anthropic's identity with any access.
    pub anyone_else: Vec<String>,
    /// A caveat shown under "Anyone else".
    pub anyone_else_note: Option<String>,
    /// e.g. "Key policy (canonical form)".
    pub policy_title: String,
    pub policy_json: String,
    /// Lint findings of the key, one line each; `None` when lint did not run, else the lines
    /// or why the spec could not be linted.
    pub findings: Option<Result<Vec<String>, String>>,
    /// Whether the access shown was read from the live key (`--live`).
    pub live: bool,
}

/// Makes a value safe inside a Markdown table cell.
pub fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn push_list(out: &mut String, items: &[String], empty: &str) {
    if items.is_empty() {
        out.push_str(&format!("{empty}\n"));
    } else {
        for i in items {
            out.push_str(&format!("- {i}\n"));
        }
    }
}

fn requests_section(out: &mut String, doc: &ReviewDoc) {
    let mut lines = Vec::new();
    if let Some(report) = &doc.requests {
        for o in &report.outcomes {
            let mark = if o.ok { "ok" } else { "**PROBLEM**" };
            let want = match o.expected {
                Expected::Allowed => "must be allowed",
                Expected::Denied => "must be denied",
            };
            let by = if o.check.deciding.is_empty() {
                String::new()
            } else {
                format!(" by {}", o.check.deciding.join(", "))
            };
            lines.push(format!(
                "{mark} `{}` ({want}): {}{by}. {}",
                o.id, o.check.decision, o.check.explanation
            ));
        }
    }
    lines.extend(doc.not_simulated.iter().cloned());
    push_list(out, &lines, "No requests to simulate.");
    if let Some(report) = &doc.requests {
        let failures = report.failures().count();
        out.push('\n');
        if report.outcomes.is_empty() {
            out.push_str("No request could be simulated offline.\n");
        } else if failures == 0 {
            out.push_str("Every simulated request gets the answer Anthropic needs.\n");
        } else {
            out.push_str(&format!(
                "**{failures} simulated request(s) do not get the answer Anthropic needs.**\n"
            ));
        }
    }
}

fn protection_section(out: &mut String, facts: &KeyFacts) {
    out.push_str("Registrations at Anthropic (spec):\n\n");
    let regs: Vec<String> = facts
        .registrations
        .iter()
        .map(|(a, name)| match name {
            Some(n) => format!("`{a}` ({})", n.replace('`', "'")),
            None => format!("`{a}`"),
        })
        .collect();
    push_list(out, &regs, "- none");
    out.push_str("\nWorkspaces (spec and state history):\n\n");
    if facts.workspaces.is_empty() {
        out.push_str("- none\n");
    } else {
        out.push_str("| Workspace | Address | Status | Compartment | Via |\n");
        out.push_str("|---|---|---|---|---|\n");
        for w in &facts.workspaces {
            let address = w
                .address
                .as_ref()
                .map(|a| format!("`{a}`"))
                .unwrap_or_else(|| "(no longer in the spec)".into());
            out.push_str(&format!(
                "| `{}` | {address} | {} | {} | `{}` |\n",
                cell(&w.workspace_id),
                w.status.words(),
                cell(&w.compartment_words()),
                cell(&w.via)
            ));
        }
    }
    let former: Vec<_> = facts
        .workspaces
        .iter()
        .filter(|w| w.status == WorkspaceStatus::FormerlyAttached)
        .collect();
    if !former.is_empty() {
        out.push_str(
            "\nFormerly attached workspaces keep their data encrypted under this key: their \
             compartments stay in the policy and the key must stay usable for them.\n",
        );
    }
    out.push_str("\nOrganizations:\n\n");
    let mut orgs = Vec::new();
    for o in facts.org_uuids() {
        let mut why = Vec::new();
        if o == facts.org_spec {
            why.push("spec");
        }
        if facts.orgs_bound.contains(&o) {
            why.push("bound per state");
        }
        orgs.push(format!("`{o}` ({})", why.join(", ")));
    }
    push_list(out, &orgs, "- none");
    out.push_str("\nHistory (state): ");
    if !facts.state_read {
        out.push_str("no state file; nothing applied yet as far as this directory knows.\n");
    } else if facts.remote_id.is_none() {
        out.push_str("the key is not in the state yet.\n");
    } else {
        out.push_str(&format!(
            "ever attached: {}; protects data: {}.\n",
            yes_no(facts.ever_attached),
            yes_no(facts.protects_data)
        ));
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Renders the review file. Ends with exactly one newline.
pub fn render(doc: &ReviewDoc, facts: &KeyFacts) -> String {
    let mut out = String::new();
    out.push_str(&format!("# Access review: `{}`\n\n", doc.address));
    if doc.live {
        out.push_str(
            "Generated by `cmek review --live` from the live key, the spec and the state's \
             protection history. Do not edit: regenerate with `cmek review --live --out`.\n\n",
        );
    } else {
        out.push_str(
            "Generated by `cmek review` from the spec and the state's protection history. \
             Do not edit: regenerate with `cmek review --out`.\n\n",
        );
    }
    out.push_str("| | |\n|---|---|\n");
    for (k, v) in &doc.header {
        out.push_str(&format!("| {} | {} |\n", cell(k), cell(v)));
    }
    if !doc.notes.is_empty() {
        out.push_str("\nKnown only after apply (shown as placeholders here):\n\n");
        push_list(&mut out, &doc.notes, "");
    }
    out.push_str("\n## Access summary\n\n");
    push_list(&mut out, &doc.access, "Nobody has any access.");
    out.push_str("\n## Anthropic's requests\n\n");
    requests_section(&mut out, doc);
    out.push_str("\n## Anyone else\n\n");
    out.push_str(
        "Principals besides the customer's own and Anthropic's published identity that may use \
         the key:\n\n",
    );
    push_list(&mut out, &doc.anyone_else, "- none");
    if let Some(note) = &doc.anyone_else_note {
        out.push_str(&format!("\n{note}\n"));
    }
    out.push_str("\n## Protection\n\n");
    protection_section(&mut out, facts);
    if let Some(findings) = &doc.findings {
        out.push_str("\n## Lint findings\n\n");
        match findings {
            Ok(lines) => push_list(&mut out, lines, "- none"),
            Err(why) => out.push_str(&format!("Not linted: {why}.\n")),
        }
    }
    out.push_str(&format!("\n## Policy\n\n{}:\n\n", doc.policy_title));
    out.push_str("```json\n");
    out.push_str(doc.policy_json.trim_end());
    out.push_str("\n```\n");
    out
}
