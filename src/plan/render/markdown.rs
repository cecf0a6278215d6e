//! Markdown for pull-request comments. Refusals come first, then data at risk, actions,
//! notices and findings. [`split`] cuts the comment into parts under a size limit (GitHub's
//! 65,536 characters, as Atlantis does) at section and item boundaries, labels them
//! "part i/n", repeats the section heading when a part starts mid-section, and cuts a single
//! oversized item at line boundaries, closing and reopening code fences.
//!
//! Sizes are counted in bytes, which is never less than GitHub's character count.

use std::fmt::Write as _;

use super::super::model::{DriftSeverity, Plan, Severity};
use super::{Summary, after_line, describe, details, symbol};

/// GitHub's limit on one comment body.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;

/// Room kept in each part for the "part i/n" label and a continued-section heading.
const LABEL_RESERVE: usize = 200;

/// One unit the splitter never cuts unless it alone exceeds a part.
struct Piece {
    /// The section heading this piece belongs to (repeated when a part starts inside it).
    section: Option<&'static str>,
    text: String,
}

fn pieces(plan: &Plan) -> Vec<Piece> {
    let mut v = Vec::new();
    let mut head = String::from("## cmek plan\n\n");
    if plan.is_refused() {
        let _ = writeln!(
            head,
            "> [!CAUTION]\n> **Refused** — {} change(s) could lose or lock out data. `cmek apply` will not run this plan.\n",
            plan.refusals.len()
        );
    } else if plan.is_blocked() {
        head.push_str(
            "> [!WARNING]\n> **Blocked** — drift needs a human before this plan can run.\n\n",
        );
    } else if plan.actions.is_empty() {
        head.push_str("**No changes.** The keys, registrations and workspaces match the spec.\n\n");
    }
    let _ = writeln!(head, "**{}**\n", Summary::of(plan).line());
    let _ = writeln!(
        head,
        "<sub>state lineage `{}`, serial {}</sub>\n",
        plan.lineage, plan.serial
    );
    v.push(Piece {
        section: None,
        text: head,
    });

    if !plan.refusals.is_empty() {
        const S: &str = "### ⛔ Refused";
        v.push(Piece {
            section: Some(S),
            text: format!("{S}\n\n"),
        });
        for r in &plan.refusals {
            v.push(Piece {
                section: Some(S),
                text: format!(
                    "#### {} `{}`\n{}\n\n- **Why:** {}\n- **Way forward:** {}\n\n",
                    r.rule,
                    r.address,
                    escape(&r.title),
                    escape(&r.why),
                    escape(&r.way_forward)
                ),
            });
        }
    }

    let at_risk: Vec<_> = plan
        .drift
        .iter()
        .filter(|d| d.severity == DriftSeverity::DataAtRisk)
        .collect();
    if !at_risk.is_empty() {
        const S: &str = "### 🚨 Data at risk";
        v.push(Piece {
            section: Some(S),
            text: format!("{S}\n\n"),
        });
        for d in at_risk {
            let fix = if d.restored_by.is_empty() {
                " — **no action can fix this; a human must**".to_string()
            } else {
                format!(" — restored by {}", ids(&d.restored_by))
            };
            v.push(Piece {
                section: Some(S),
                text: format!("- **`{}`** {}{fix}\n", d.address, escape(&d.message)),
            });
        }
        v.push(Piece {
            section: Some(S),
            text: "\n".to_string(),
        });
    }

    if !plan.actions.is_empty() {
        const S: &str = "### Actions";
        v.push(Piece {
            section: Some(S),
            text: format!("{S}\n\nIn order; `!` marks an irreversible attach.\n\n"),
        });
        for a in &plan.actions {
            let mut t = format!(
                "- `{}` **`{}`** {} — `{}`\n",
                symbol(a.action.effect()),
                a.address,
                escape(&describe(&a.action)),
                a.reason
            );
            let lines = details(a);
            if !lines.is_empty() {
                t.push_str("  ```diff\n");
                for l in lines {
                    let _ = writeln!(t, "  {}", l.replace("```", "'''"));
                }
                t.push_str("  ```\n");
            }
            if let Some(after) = after_line(a) {
                let _ = writeln!(t, "  <sub>{}</sub>", escape(&after));
            }
            v.push(Piece {
                section: Some(S),
                text: t,
            });
        }
        v.push(Piece {
            section: Some(S),
            text: "\n".to_string(),
        });
    }

    let notices: Vec<_> = plan
        .drift
        .iter()
        .filter(|d| d.severity == DriftSeverity::Notice)
        .collect();
    if !notices.is_empty() {
        const S: &str = "### Drift and notices";
        v.push(Piece {
            section: Some(S),
            text: format!("{S}\n\n"),
        });
        for d in notices {
            let mark = if d.blocking { "**blocking** " } else { "" };
            v.push(Piece {
                section: Some(S),
                text: format!("- {mark}`{}` {}\n", d.address, escape(&d.message)),
            });
        }
        v.push(Piece {
            section: Some(S),
            text: "\n".to_string(),
        });
    }

    if !plan.findings.is_empty() {
        const S: &str = "### Findings";
        v.push(Piece {
            section: Some(S),
            text: format!("{S}\n\n"),
        });
        for f in &plan.findings {
            let sev = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "info",
            };
            let at = f
                .address
                .as_ref()
                .map(|a| format!(" `{a}`"))
                .unwrap_or_default();
            let loc = f
                .location
                .as_ref()
                .map(|l| format!(" <sub>{}</sub>", escape(l)))
                .unwrap_or_default();
            v.push(Piece {
                section: Some(S),
                text: format!(
                    "- **{sev}** `{}`{at} {}{loc}\n",
                    f.rule_id,
                    escape(&f.message)
                ),
            });
        }
        let held = plan.attaches_held_by_findings();
        if !held.is_empty() {
            let mut t = String::from(
                "\n> [!WARNING]\n> Error findings hold these attaches: `cmek apply` carries out the other steps, then stops with exit 4.\n",
            );
            for (a, flagged) in held {
                let _ = writeln!(t, "> - `{}`: `{flagged}` has error findings", a.id);
            }
            t.push('\n');
            v.push(Piece {
                section: Some(S),
                text: t,
            });
        }
    }
    v
}

fn ids(ids: &[String]) -> String {
    ids.iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Keeps text from opening HTML: `<` and `>` are escaped outside backtick code spans (inside
/// them markdown shows characters literally, so they are left alone).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_code = false;
    for c in s.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

/// The whole comment in one string.
pub fn render(plan: &Plan) -> String {
    pieces(plan).into_iter().map(|p| p.text).collect()
}

/// The comment cut into parts of at most `max_chars` bytes each. A plan that fits is one part
/// without a label. `max_chars` below 1,000 is raised to 1,000 (room for labels and a line).
pub fn split(plan: &Plan, max_chars: usize) -> Vec<String> {
    let max = max_chars.max(1_000);
    let all = pieces(plan);
    let whole: usize = all.iter().map(|p| p.text.len()).sum();
    if whole <= max {
        return vec![all.into_iter().map(|p| p.text).collect()];
    }
    let budget = max - LABEL_RESERVE;
    // (section the part starts inside of, text)
    let mut parts: Vec<(Option<&'static str>, String)> = Vec::new();
    let mut current = String::new();
    let mut current_section: Option<&'static str> = None;
    let mut started_in: Option<&'static str> = None;
    for piece in all {
        let starts_section = piece.section.is_some_and(|s| piece.text.starts_with(s));
        if piece.text.len() > budget {
            if !current.is_empty() {
                parts.push((started_in, std::mem::take(&mut current)));
            }
            for chunk in cut(&piece.text, budget) {
                parts.push((piece.section, chunk));
            }
            current_section = piece.section;
            started_in = piece.section;
            continue;
        }
        if current.len() + piece.text.len() > budget {
            parts.push((started_in, std::mem::take(&mut current)));
            started_in = if starts_section { None } else { piece.section };
        }
        if current.is_empty() && !starts_section && piece.section != current_section {
            started_in = None;
        }
        current_section = piece.section;
        current.push_str(&piece.text);
    }
    if !current.is_empty() {
        parts.push((started_in, current));
    }
    let n = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, (inside, text))| {
            let mut s = format!("**cmek plan — part {}/{n}**\n\n", i + 1);
            if i > 0
                && let Some(section) = inside
                && !text.starts_with(section)
            {
                let _ = write!(s, "{section} (continued)\n\n");
            }
            s.push_str(&text);
            s
        })
        .collect()
}

/// Cuts one oversized piece at line boundaries into chunks of at most `budget` bytes, closing
/// an open code fence at the end of a chunk and reopening it at the start of the next.
fn cut(text: &str, budget: usize) -> Vec<String> {
    const CLOSE: &str = "  ```\n";
    const OPEN: &str = "  ```diff\n";
    let mut chunks = Vec::new();
    let mut current = String::new();
    let mut in_fence = false;
    for line in text.split_inclusive('\n') {
        let fence_line = line.trim_start().starts_with("```");
        // Room needed to close the fence if we stop after this line.
        let reserve = CLOSE.len() + OPEN.len();
        let line = truncate(line, budget - reserve);
        if current.len() + line.len() + reserve > budget && !current.is_empty() {
            if in_fence {
                current.push_str(CLOSE);
            }
            chunks.push(std::mem::take(&mut current));
            if in_fence {
                current.push_str(OPEN);
            }
        }
        current.push_str(&line);
        if fence_line {
            in_fence = !in_fence;
        }
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// A line shortened to at most `max` bytes at a character boundary, marked with `…`.
fn truncate(line: &str, max: usize) -> String {
    if line.len() <= max {
        return line.to_string();
    }
    let mut end = max.saturating_sub(4);
    while end > 0 && !line.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…\n", &line[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_keeps_every_line_and_balances_fences() {
        let mut text = String::from("- item\n  ```diff\n");
        for i in 0..200 {
            text.push_str(&format!("  + line {i:04} {}\n", "x".repeat(40)));
        }
        text.push_str("  ```\n");
        let chunks = cut(&text, 1_000);
        assert!(chunks.len() > 5);
        let mut seen = 0;
        for c in &chunks {
            assert!(c.len() <= 1_000, "{}", c.len());
            let fences = c
                .lines()
                .filter(|l| l.trim_start().starts_with("```"))
                .count();
            assert_eq!(fences % 2, 0, "{c}");
            seen += c.matches("+ line ").count();
        }
        assert_eq!(seen, 200);
    }

    #[test]
    fn overlong_line_is_truncated_at_a_char_boundary() {
        let line = format!("{}\n", "é".repeat(2_000));
        let chunks = cut(&line, 1_000);
        assert_eq!(chunks.len(), 1);
        assert!(chunks[0].len() <= 1_000);
        assert!(chunks[0].ends_with("…\n"));
    }

    #[test]
    fn escape_leaves_code_spans_alone() {
        assert_eq!(escape("a <b> `c <d>`"), "a &lt;b&gt; `c <d>`");
    }
}
