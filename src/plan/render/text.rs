//! Terraform-like text for terminals. Sections in order of urgency: data at risk, refusals,
//! blocking/notice drift, actions, findings, then the summary line. ANSI colors only when
//! `color` is set (the CLI decides from the terminal and `NO_COLOR`).

use std::fmt::Write as _;

use super::super::model::{DriftSeverity, Effect, Plan, Severity};
use super::{Summary, after_line, describe, details, symbol};

const RED: &str = "\x1b[31m";
const BOLD_RED: &str = "\x1b[1;31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";
const MAGENTA: &str = "\x1b[1;35m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, style: &str, s: &str) -> String {
        if self.color {
            format!("{style}{s}{RESET}")
        } else {
            s.to_string()
        }
    }
}

fn effect_style(e: Effect) -> &'static str {
    match e {
        Effect::Create => GREEN,
        Effect::Update => YELLOW,
        Effect::Restore => CYAN,
        Effect::Verify => BOLD,
        Effect::Attach => MAGENTA,
        Effect::Forget => DIM,
        Effect::Import => CYAN,
    }
}

/// Renders the plan as text.
pub fn render(plan: &Plan, color: bool) -> String {
    let p = Painter { color };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "cmek plan (state lineage {}, serial {})",
        if plan.lineage.is_empty() {
            "(new)"
        } else {
            plan.lineage.as_str()
        },
        plan.serial
    );

    let at_risk: Vec<_> = plan
        .drift
        .iter()
        .filter(|d| d.severity == DriftSeverity::DataAtRisk)
        .collect();
    if !at_risk.is_empty() {
        let _ = writeln!(out, "\n{}", p.paint(BOLD_RED, "Data at risk — fix first:"));
        for d in at_risk {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                p.paint(BOLD_RED, "!!"),
                p.paint(BOLD, &d.address.to_string()),
                p.paint(RED, &d.message)
            );
            if !d.restored_by.is_empty() {
                let _ = writeln!(out, "     restored by: {}", d.restored_by.join(", "));
            } else if d.blocking {
                let _ = writeln!(
                    out,
                    "     {}",
                    p.paint(RED, "no action can fix this; a human must")
                );
            }
        }
    }

    if !plan.refusals.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            p.paint(
                BOLD_RED,
                &format!(
                    "REFUSED — {} change(s) could lose or lock out data; apply will not run this plan:",
                    plan.refusals.len()
                )
            )
        );
        for r in &plan.refusals {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                p.paint(BOLD_RED, &format!("[{}]", r.rule)),
                p.paint(BOLD, &r.address.to_string()),
                r.title
            );
            let _ = writeln!(out, "      why: {}", r.why);
            let _ = writeln!(out, "      way forward: {}", r.way_forward);
        }
    }

    let notices: Vec<_> = plan
        .drift
        .iter()
        .filter(|d| d.severity == DriftSeverity::Notice)
        .collect();
    if !notices.is_empty() {
        let _ = writeln!(out, "\nDrift and notices:");
        for d in notices {
            let mark = if d.blocking { "!!" } else { "*" };
            let _ = writeln!(out, "  {mark} {}: {}", d.address, d.message);
            if !d.restored_by.is_empty() {
                let _ = writeln!(out, "     handled by: {}", d.restored_by.join(", "));
            }
        }
    }

    if plan.actions.is_empty() {
        let _ = writeln!(
            out,
            "\nNo changes. The keys, registrations and workspaces match the spec."
        );
    } else {
        let _ = writeln!(out, "\ncmek will perform these actions, in this order:");
        for a in &plan.actions {
            let effect = a.action.effect();
            let sym = p.paint(effect_style(effect), &format!("{:>2}", symbol(effect)));
            let mut line = describe(&a.action);
            if a.irreversible {
                line = p.paint(MAGENTA, &line);
            }
            let _ = writeln!(
                out,
                "  {sym} {}  {line}  {}",
                p.paint(BOLD, &a.address.to_string()),
                p.paint(DIM, &format!("[{}]", a.reason))
            );
            for d in details(a).into_iter().chain(after_line(a)) {
                let styled = if !color {
                    d
                } else if d.starts_with('+') {
                    p.paint(GREEN, &d)
                } else if d.starts_with('-') {
                    p.paint(RED, &d)
                } else {
                    d
                };
                let _ = writeln!(out, "        {styled}");
            }
        }
    }

    if !plan.findings.is_empty() {
        let _ = writeln!(out, "\nFindings:");
        for f in &plan.findings {
            let sev = match f.severity {
                Severity::Error => p.paint(BOLD_RED, "error"),
                Severity::Warning => p.paint(YELLOW, "warning"),
                Severity::Info => "info".to_string(),
            };
            let at = f
                .address
                .as_ref()
                .map(|a| format!(" {a}:"))
                .unwrap_or_default();
            let loc = f
                .location
                .as_ref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            let _ = writeln!(out, "  {sev} [{}]{at} {}{loc}", f.rule_id, f.message);
        }
        let held = plan.attaches_held_by_findings();
        if !held.is_empty() {
            let _ = writeln!(
                out,
                "\n{}",
                p.paint(
                    BOLD_RED,
                    "Error findings hold these attaches: apply carries out the other steps, then stops with exit 4:"
                )
            );
            for (a, flagged) in held {
                let _ = writeln!(out, "  {}: {flagged} has error findings", a.id);
            }
        }
    }

    let summary = Summary::of(plan).line();
    let summary = if plan.is_refused() {
        p.paint(BOLD_RED, &summary)
    } else {
        p.paint(BOLD, &summary)
    };
    let _ = writeln!(out, "\n{summary}");
    out
}
