//! JUnit XML for CI test reporters: one `<testsuite>` per rule that ran, one `<testcase>` per
//! finding (`<failure>`) or suppressed finding (`<skipped>`, with the reason), and one passing
//! test case for a rule with no findings. Unreadable inputs are `<error>`s in an `inputs`
//! suite.

use crate::lint::finding::{Finding, Report};

use super::sarif::rules_of;

/// Escape text for an XML attribute or element.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

fn case_name(f: &Finding) -> String {
    match &f.address {
        Some(a) => format!("{} ({a})", f.location),
        None => f.location.to_string(),
    }
}

pub fn render(report: &Report) -> String {
    let rules = rules_of(report);
    let mut suites = String::new();
    let (mut total, mut failures, mut skipped) = (0usize, 0usize, 0usize);
    if !report.errors.is_empty() {
        suites.push_str(&format!(
            "  <testsuite name=\"inputs\" tests=\"{n}\" failures=\"0\" errors=\"{n}\" skipped=\"0\">\n",
            n = report.errors.len()
        ));
        for e in &report.errors {
            suites.push_str(&format!(
                "    <testcase classname=\"inputs\" name=\"{}\">\n      <error message=\"unreadable input\">{}</error>\n    </testcase>\n",
                esc(&e.location.to_string()),
                esc(&e.message)
            ));
        }
        suites.push_str("  </testsuite>\n");
        total += report.errors.len();
    }
    for m in &rules {
        let active: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.rule_id == m.id)
            .collect();
        let quiet: Vec<&Finding> = report
            .suppressed
            .iter()
            .filter(|f| f.rule_id == m.id)
            .collect();
        let tests = (active.len() + quiet.len()).max(1);
        suites.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n",
            esc(m.id),
            active.len(),
            quiet.len()
        ));
        if active.is_empty() && quiet.is_empty() {
            suites.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\"/>\n",
                esc(m.id),
                esc(m.summary)
            ));
        }
        for f in &active {
            suites.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\">\n      <failure type=\"{}\" message=\"{}\">{}\nfix: {}\nsee: cmek lint --explain {}</failure>\n    </testcase>\n",
                esc(m.id),
                esc(&case_name(f)),
                f.severity.as_str(),
                esc(&f.message),
                esc(&f.message),
                esc(&f.remedy),
                esc(m.id)
            ));
        }
        for f in &quiet {
            let reason = f
                .suppressed
                .as_ref()
                .map(|s| format!("suppressed ({}): {}", s.kind, s.reason))
                .unwrap_or_default();
            suites.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                esc(m.id),
                esc(&case_name(f)),
                esc(&reason)
            ));
        }
        suites.push_str("  </testsuite>\n");
        total += tests;
        failures += active.len();
        skipped += quiet.len();
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"cmek lint\" tests=\"{total}\" failures=\"{failures}\" errors=\"{}\" skipped=\"{skipped}\">\n{suites}</testsuites>\n",
        report.errors.len()
    )
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(esc("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
