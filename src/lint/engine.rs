//! The engine: normalize inputs into subjects, build the run's rule set (built-in plus user
//! rules), run every rule over every subject, apply suppressions and the baseline, and collect
//! a sorted [`Report`].

use std::path::PathBuf;

use super::baseline::Baseline;
use super::facts::Ctx;
use super::finding::{Finding, InputError, Location, Report};
use super::hcl_rules;
use super::input::{self, InputSet};
use super::registry::{Rule, RuleSet};
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
    /// Directories or files of user rules (`--policies`).
    pub policies: Vec<PathBuf>,
    /// Accepted findings (`--baseline`).
    pub baseline: Option<PathBuf>,
    /// Check AWS key policies against an older docs era (`june_2026`, `july_2026`) instead
    /// of the current docs (`--docs-era`).
    pub docs_era: Option<String>,
}

/// Run every built-in rule over one subject (no suppressions).
pub fn lint_subject(subject: &Subject, cx: &Ctx) -> Vec<Finding> {
    lint_subject_with(RuleSet::builtin().rules(), subject, cx)
}

/// Run `rules` over one subject (no suppressions).
pub fn lint_subject_with(rules: &[Rule], subject: &Subject, cx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut hits: Vec<Hit> = Vec::new();
    for rule in rules {
        rule.run(subject, cx, &mut hits);
        for h in hits.drain(..) {
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

/// Lint `paths` (spec directories, `.json` policies and Terraform plans).
pub fn lint_paths(paths: &[PathBuf], opts: &LintOptions) -> Report {
    let mut set = InputSet::default();
    for p in paths {
        input::collect(p, opts, &mut set);
    }
    lint_set(set, opts)
}

/// Lint subjects already collected (by [`lint_paths`], or by `--live` from refreshed keys).
pub fn lint_set(mut set: InputSet, opts: &LintOptions) -> Report {
    let mut report = Report::default();
    let loaded = match &opts.docs_era {
        Some(era) => Ctx::load_era(era),
        None => Ctx::load(),
    };
    let cx = match loaded {
        Ok(cx) => cx,
        Err(e) => {
            report.errors.push(InputError {
                location: Location::file_start(e.file),
                message: e.message,
            });
            return report;
        }
    };
    let mut policy_paths = opts.policies.clone();
    policy_paths.append(&mut set.policy_paths);
    let (user, errors) = hcl_rules::load_user(&policy_paths);
    for (file, message) in errors {
        report.errors.push(InputError {
            location: Location::file_start(file),
            message,
        });
    }
    let rules = match RuleSet::with_user(&user) {
        Ok(r) => r,
        Err(message) => {
            report.errors.push(InputError {
                location: Location::file_start("--policies"),
                message,
            });
            RuleSet::builtin()
        }
    };
    report.rules = rules.metas();
    report.errors.append(&mut set.errors);
    report.notes.append(&mut set.notes);
    for subject in &set.subjects {
        for f in lint_subject_with(rules.rules(), subject, &cx) {
            let suppressible = rules.find(f.rule_id).is_none_or(|r| r.meta.suppressible);
            let sup = suppress::apply(
                &f,
                subject.origin(),
                suppressible,
                &set.comments,
                &set.ignores,
                &mut report.notes,
            );
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
    if let Some(path) = &opts.baseline {
        match Baseline::read(path) {
            Ok(b) => {
                let file = path.to_string_lossy().replace('\\', "/");
                b.apply(&mut report, &file, |id| {
                    rules.find(id).is_none_or(|r| r.meta.suppressible)
                });
            }
            Err((location, message)) => report.errors.push(InputError { location, message }),
        }
    }
    report
}

/// Lint a spec already loaded from `dir` (what `cmek plan` does with the spec it plans): the
/// same rules and suppressions as `cmek lint DIR`, without loading the spec a second time (so
/// `--var` values are the plan's).
pub fn lint_desired(dir: &std::path::Path, desired: &crate::spec::model::Desired) -> Report {
    let mut set = InputSet::default();
    input::collect_desired(dir, desired, &mut set);
    lint_set(set, &LintOptions::default())
}
