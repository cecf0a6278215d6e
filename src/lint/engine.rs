//! The engine: normalize inputs into subjects, run every rule over every subject, apply
//! suppressions, and collect a sorted [`Report`].

use std::path::PathBuf;

use super::facts::Ctx;
use super::finding::{Finding, InputError, Location, Report};
use super::input::{self, InputSet};
use super::registry;
use super::rules::Hit;
use super::subject::Subject;
use super::suppress;

/// Options of one lint run.
#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    /// Region of the key, for raw policies (`--region`).
    pub region: Option<String>,
    /// Organization UUID the key must be bound to, for raw policies (`--org-uuid`).
    pub org_uuid: Option<String>,
}

/// Run every rule over one subject (no suppressions).
pub fn lint_subject(subject: &Subject, cx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in registry::all() {
        let mut hits: Vec<Hit> = Vec::new();
        rule.run(subject, cx, &mut hits);
        for h in hits {
            out.push(Finding {
                rule_id: rule.meta.id,
                severity: rule.meta.severity,
                message: h.message,
                location: h.location,
                address: subject.address().map(str::to_string),
                remedy: h.remedy.unwrap_or_else(|| rule.meta.remedy.to_string()),
                doc_section: rule.meta.section,
                suppressed: None,
            });
        }
    }
    out
}

/// Lint `paths` (spec directories and `.json` policy files).
pub fn lint_paths(paths: &[PathBuf], opts: &LintOptions) -> Report {
    let mut report = Report::default();
    let cx = match Ctx::load() {
        Ok(cx) => cx,
        Err(e) => {
            report.errors.push(InputError {
                location: Location::file_start(e.file),
                message: e.message,
            });
            return report;
        }
    };
    let mut set = InputSet::default();
    for p in paths {
        input::collect(p, opts, &mut set);
    }
    report.errors.append(&mut set.errors);
    for subject in &set.subjects {
        for f in lint_subject(subject, &cx) {
            let sup = suppress::apply(&f, &set.comments, &set.ignores, &mut report.notes);
            match sup {
                Some(s) => report.suppressed.push(Finding {
                    suppressed: Some(s),
                    ..f
                }),
                None => report.findings.push(f),
            }
        }
    }
    report.notes.sort();
    report.notes.dedup();
    report.sort();
    report
}

/// Lint a spec already loaded from `dir` (what `cmek plan` does with the spec it plans): the
/// same rules and suppressions as `cmek lint DIR`, without loading the spec a second time (so
/// `--var` values are the plan's).
pub fn lint_desired(dir: &std::path::Path, desired: &crate::spec::model::Desired) -> Report {
    let mut report = Report::default();
    let cx = match Ctx::load() {
        Ok(cx) => cx,
        Err(e) => {
            report.errors.push(InputError {
                location: Location::file_start(e.file),
                message: e.message,
            });
            return report;
        }
    };
    let mut set = InputSet::default();
    input::collect_desired(dir, desired, &mut set);
    report.errors.append(&mut set.errors);
    for subject in &set.subjects {
        for f in lint_subject(subject, &cx) {
            match suppress::apply(&f, &set.comments, &set.ignores, &mut report.notes) {
                Some(s) => report.suppressed.push(Finding {
                    suppressed: Some(s),
                    ..f
                }),
                None => report.findings.push(f),
            }
        }
    }
    report.notes.sort();
    report.notes.dedup();
    report.sort();
    report
}
