//! The rule reference under `docs/rules/`: one Markdown page per built-in rule, generated from
//! the rule's own docs (so `cmek lint --explain`, SARIF `help` and the pages never disagree),
//! plus an index. `tests/lint_docs.rs` fails when the committed pages differ from what this
//! renders; `CMEK_BLESS_DOCS=1 cargo test --test lint_docs` rewrites them.

use super::finding::RuleMeta;

/// The page of one rule (`docs/rules/<ID>.md`).
pub fn rule_page(m: &RuleMeta) -> String {
    let mut docs = m.docs.trim_end().to_string();
    // Rule docs start their sections at `##`, which is right under the page's `#` title.
    docs.push('\n');
    format!(
        "# {id}: {summary}\n\n\
         | severity | suppressible | enforces |\n|---|---|---|\n| {sev} | {sup} | {src} |\n\n\
         {docs}\n\
         ---\n\n\
         Fix suggestion printed with each finding: {remedy}\n\n\
         `cmek lint --explain {id}` prints this page. Generated from the rule's source; do not \
         edit by hand.\n",
        id = m.id,
        summary = m.summary,
        sev = m.severity.as_str(),
        sup = if m.suppressible { "yes" } else { "no" },
        src = m.source(),
        remedy = m.remedy,
    )
}

/// `docs/rules/README.md`: every rule with its severity and summary.
pub fn index_page(rules: &[RuleMeta]) -> String {
    let mut out = String::from(
        "# cmek lint rules\n\nOne page per rule: what it checks, why, an example and the fix. \
         Severity `error` fails `cmek lint` by default (`--fail-on` changes that); rules that \
         are not suppressible cannot be silenced by `# cmek:ignore`, `lint { ignore }` or a \
         baseline.\n\n| rule | severity | suppressible | summary |\n|---|---|---|---|\n",
    );
    for m in rules {
        out.push_str(&format!(
            "| [{id}]({id}.md) | {sev} | {sup} | {summary} |\n",
            id = m.id,
            sev = m.severity.as_str(),
            sup = if m.suppressible { "yes" } else { "no" },
            summary = m.summary.replace('|', "\\|"),
        ));
    }
    out.push_str(
        "\nGenerated from the rules' source (`src/lint/rules/`, `policies/rules/*.hcl`); do not \
         edit by hand.\n",
    );
    out
}
