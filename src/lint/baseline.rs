//! Baselines of accepted findings (`--write-baseline FILE`, `--baseline FILE`), like Checkov's:
//! a finding that matches a baseline entry is moved to the suppressed list with kind
//! `baseline`, so it is still counted and listed in every report. Entries match on rule id,
//! file, address and message, not on line numbers, so editing around a finding keeps it
//! baselined; each entry absorbs as many findings as it was written for.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::finding::{Finding, Location, Report, Suppression};

/// The baseline file: `{ "format_version": 1, "findings": [...] }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub format_version: u32,
    pub findings: Vec<Entry>,
}

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    pub rule_id: String,
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub message: String,
}

impl Entry {
    fn of(f: &Finding) -> Entry {
        Entry {
            rule_id: f.rule_id.to_string(),
            file: f.location.file.clone(),
            address: f.address.clone(),
            message: f.message.clone(),
        }
    }
}

pub const FORMAT_VERSION: u32 = 1;

impl Baseline {
    /// The baseline accepting every active finding of `report`.
    pub fn from_report(report: &Report) -> Baseline {
        let mut findings: Vec<Entry> = report.findings.iter().map(Entry::of).collect();
        findings.sort();
        Baseline {
            format_version: FORMAT_VERSION,
            findings,
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into());
        s.push('\n');
        s
    }

    /// Read a baseline file; the error says what is wrong and where.
    pub fn read(path: &Path) -> Result<Baseline, (Location, String)> {
        let name = path.to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(path).map_err(|e| {
            (
                Location::file_start(&name),
                format!("cannot read baseline: {e}"),
            )
        })?;
        let b: Baseline = serde_json::from_str(&text).map_err(|e| {
            (
                Location::new(&name, e.line() as u32, e.column() as u32),
                format!("invalid baseline: {e}"),
            )
        })?;
        if b.format_version != FORMAT_VERSION {
            return Err((
                Location::file_start(&name),
                format!(
                    "baseline format_version {} is not supported (expected {FORMAT_VERSION})",
                    b.format_version
                ),
            ));
        }
        Ok(b)
    }

    /// Move findings matching an entry from `report.findings` to `report.suppressed`.
    /// Non-suppressible rules stay active (with a note), like every other suppression.
    pub fn apply(&self, report: &mut Report, file: &str, suppressible: impl Fn(&str) -> bool) {
        let mut budget: BTreeMap<&Entry, usize> = BTreeMap::new();
        for e in &self.findings {
            *budget.entry(e).or_default() += 1;
        }
        let mut keep = Vec::new();
        for f in std::mem::take(&mut report.findings) {
            let entry = Entry::of(&f);
            match budget.get_mut(&entry) {
                Some(n) if *n > 0 => {
                    if !suppressible(f.rule_id) {
                        report.notes.push(format!(
                            "{}: {} is in the baseline but cannot be suppressed; the finding \
                             stands",
                            f.location, f.rule_id
                        ));
                        keep.push(f);
                        continue;
                    }
                    *n -= 1;
                    report.suppressed.push(Finding {
                        suppressed: Some(Suppression {
                            kind: "baseline",
                            reason: format!("accepted in baseline {file}"),
                            location: Location::file_start(file),
                        }),
                        ..f
                    });
                }
                _ => keep.push(f),
            }
        }
        report.findings = keep;
        report.notes.sort();
        report.notes.dedup();
        report.sort();
    }
}
