//! The engine: normalize inputs into subjects, build the run's rule set (built-in plus user
//! rules), run every rule over every subject, apply suppressions and the baseline, and collect
//! a sorted [`Report`].

use std::path::PathBuf;

use rayon::prelude::*;

use super::baseline::Baseline;
use super::facts::Ctx;
use super::finding::{Finding, InputError, Location, Report};
use super::hcl_rules::{self, SubjectContext};
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
    lint_subject_in(rules, subject, cx, &mut SubjectContext::default())
}

/// [`lint_subject_with`], reusing the HCL rules' evaluation context `shared` (which may have
/// served earlier subjects).
fn lint_subject_in(
    rules: &[Rule],
    subject: &Subject,
    cx: &Ctx,
    shared: &mut SubjectContext,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut hits: Vec<Hit> = Vec::new();
    shared.next_subject();
    for rule in rules {
        rule.run_in(subject, cx, shared, &mut hits);
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
    lint_paths_retaining(paths, opts).0
}

/// What a lint run read (loaded specs, subjects), handed back by [`lint_paths_retaining`].
/// Dropping it frees it; a process about to exit may `std::mem::forget` it instead, since
/// freeing millions of small allocations one by one is a visible share of linting a big spec.
#[derive(Debug)]
pub struct RetainedInputs(pub InputSet);

/// [`lint_paths`], also returning the inputs instead of freeing them.
pub fn lint_paths_retaining(paths: &[PathBuf], opts: &LintOptions) -> (Report, RetainedInputs) {
    let mut set = InputSet::default();
    for p in paths {
        input::collect(p, opts, &mut set);
    }
    let (report, set) = lint_set_retaining(set, opts);
    (report, RetainedInputs(set))
}

/// Lint subjects already collected (by [`lint_paths`], or by `--live` from refreshed keys).
pub fn lint_set(set: InputSet, opts: &LintOptions) -> Report {
    lint_set_retaining(set, opts).0
}

/// [`lint_set`], handing the input set back.
///
/// Subjects are linted in parallel (they are independent); their findings are then
/// suppressed and collected in subject order, so the report is the same as a sequential run.
fn lint_set_retaining(mut set: InputSet, opts: &LintOptions) -> (Report, InputSet) {
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
            return (report, set);
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
    let per_subject: Vec<Vec<Finding>> = set
        .subjects
        .par_iter()
        .map_init(SubjectContext::default, |shared, subject| {
            lint_subject_in(rules.rules(), subject, &cx, shared)
        })
        .collect();
    for (subject, findings) in set.subjects.iter().zip(per_subject) {
        for f in findings {
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
    (report, set)
}

/// Lint a spec already loaded from `dir` (what `cmek plan` does with the spec it plans): the
/// same rules and suppressions as `cmek lint DIR`, without loading the spec a second time (so
/// `--var` values are the plan's).
pub fn lint_desired(dir: &std::path::Path, desired: &crate::spec::model::Desired) -> Report {
    let mut set = InputSet::default();
    input::collect_desired(dir, desired, None, &mut set);
    lint_set(set, &LintOptions::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every fixture input of the rule tests, as subjects (AWS, GCP and Azure keys, from specs,
    /// raw policies and Terraform plans, with and without addresses).
    fn fixture_subjects() -> Vec<Subject> {
        let mut set = InputSet::default();
        let root = std::path::Path::new("tests/fixtures/lint");
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        dirs.sort();
        for dir in dirs {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "json" || x == "hcl"))
                .collect();
            files.sort();
            for f in files {
                input::collect(&f, &LintOptions::default(), &mut set);
            }
        }
        set.subjects
    }

    #[test]
    fn a_reused_hcl_context_gives_the_findings_of_a_fresh_one() {
        let subjects = fixture_subjects();
        assert!(subjects.len() > 50, "{}", subjects.len());
        let cx = Ctx::load().unwrap();
        let rules = RuleSet::builtin();
        let mut shared = SubjectContext::default();
        let mut hcl_findings = 0;
        // Forwards and backwards, so every kind follows every other kind.
        for s in subjects.iter().chain(subjects.iter().rev()) {
            let fresh = lint_subject_with(rules.rules(), s, &cx);
            let reused = lint_subject_in(rules.rules(), s, &cx, &mut shared);
            assert_eq!(
                format!("{fresh:?}"),
                format!("{reused:?}"),
                "{:?}",
                s.address()
            );
            hcl_findings += fresh
                .iter()
                .filter(|f| {
                    rules
                        .find(f.rule_id)
                        .is_some_and(|r| matches!(r.check, crate::lint::registry::Check::Hcl(_)))
                })
                .count();
        }
        assert!(hcl_findings > 0, "the fixtures exercise the HCL rules");
    }
}
