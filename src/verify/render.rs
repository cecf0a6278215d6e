//! Renders a [`VerifyReport`]: a table with one row per check (key, check, result, latency,
//! detail), then every failure with its reasons in full, then notes and a summary line; or the
//! report as JSON (`--format json`).
//!
//! The latency column has a fixed width (`LATENCY_WIDTH`) so that a test can mask the values
//! without moving any other column.

use super::model::VerifyReport;

/// Width of the latency cells, e.g. `    12 ms`.
pub const LATENCY_WIDTH: usize = 9;

/// A latency cell: right-aligned milliseconds, or `-` when the check did not run.
pub fn latency_cell(latency: Option<std::time::Duration>) -> String {
    match latency {
        Some(d) => {
            let ms = d.as_millis().min(999_999);
            format!("{ms:>6} ms")
        }
        None => format!("{:>width$}", "-", width = LATENCY_WIDTH),
    }
}

/// The text report.
pub fn render_text(report: &VerifyReport) -> String {
    let mut out = String::new();
    let header = ["KEY", "CHECK", "RESULT", "LATENCY", "DETAIL"];
    let rows: Vec<[String; 5]> = report
        .keys
        .iter()
        .flat_map(|k| {
            k.checks.iter().map(move |c| {
                [
                    k.address.clone(),
                    c.check.words().to_string(),
                    c.result.words().to_string(),
                    latency_cell(c.latency),
                    c.detail.clone(),
                ]
            })
        })
        .collect();
    let mut widths = header.map(str::len);
    widths[3] = LATENCY_WIDTH;
    for row in &rows {
        for (i, cell) in row.iter().enumerate().take(3) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 5]| {
        format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {:>w3$}  {}\n",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
        )
    };
    if rows.is_empty() {
        out.push_str("No managed keys to verify.\n");
    } else {
        out.push_str(&line(header));
        for row in &rows {
            out.push_str(&line([&row[0], &row[1], &row[2], &row[3], &row[4]]));
        }
    }

    let failures: Vec<_> = report.failures().collect();
    if !failures.is_empty() {
        out.push_str("\nWhy:\n");
        for (key, check) in &failures {
            out.push_str(&format!(
                "\n{} {}: {}\n",
                key.address,
                check.check.words(),
                check.detail
            ));
            for reason in &check.reasons {
                out.push_str(&format!("  - {reason}\n"));
            }
        }
    }
    if !report.notes.is_empty() {
        out.push('\n');
        for note in &report.notes {
            out.push_str(&format!("Note: {note}\n"));
        }
    }

    let (total, _, failed, skipped) = report.counts();
    let keys = report.keys.len();
    let failed_keys = report.keys.iter().filter(|k| !k.passed()).count();
    let skipped_words = if skipped > 0 {
        format!(" ({skipped} skipped)")
    } else {
        String::new()
    };
    out.push('\n');
    if report.passed {
        out.push_str(&format!(
            "Verification passed: {} check(s) on {keys} key(s), none failed{skipped_words}.\n",
            total - skipped
        ));
    } else {
        out.push_str(&format!(
            "Verification FAILED: {failed} check(s) failed on {failed_keys} of {keys} key(s){skipped_words}.\n"
        ));
    }
    out
}

/// The JSON report (pretty, one trailing newline).
pub fn render_json(report: &VerifyReport) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string_pretty(report)?;
    s.push('\n');
    Ok(s)
}
