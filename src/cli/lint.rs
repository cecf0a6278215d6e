//! `cmek lint [PATHS] [--format text|json|sarif|github|junit] [--fail-on error|warning|info]
//! [--region R] [--org-uuid U] [--policies DIR] [--baseline FILE] [--write-baseline FILE]
//! [--explain ID]`: run the CMEK rule pack over spec directories, raw AWS key-policy JSON, GCP
//! IAM policy JSON and Terraform plan JSON; with `--live`, over the keys as they are.
//!
//! Exit codes (DESIGN.md §4): 0 nothing at or above `--fail-on`, 1 findings, 2 unreadable input.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::exit;
use crate::lint::baseline::Baseline;
use crate::lint::finding::Severity;
use crate::lint::input::InputSet;
use crate::lint::live::collect_live;
use crate::lint::output::{github, json, junit, sarif, text};
use crate::lint::{LintOptions, lint_paths_retaining, lint_set, registry};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

impl FailOn {
    pub fn severity(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Spec directories, `.hcl` files (their directory is linted) and `.json` policies.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 1 when a finding at or above this severity remains.
    #[arg(long = "fail-on", value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// The key's region, for raw policy files.
    #[arg(long)]
    pub region: Option<String>,
    /// The Anthropic organization UUID the key must be bound to, for raw policy files.
    #[arg(long = "org-uuid")]
    pub org_uuid: Option<String>,
    /// Check AWS key policies against the docs era the key was registered under
    /// (`june_2026`, `july_2026`; default: the current docs).
    #[arg(long = "docs-era", value_name = "ERA")]
    pub docs_era: Option<String>,
    /// Directories (or files) of additional HCL rules (repeatable).
    #[arg(long, value_name = "DIR")]
    pub policies: Vec<PathBuf>,
    /// Accept the findings recorded in this baseline file (they are listed as suppressed).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write every active finding to this baseline file (the report is still printed).
    #[arg(long = "write-baseline", value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Lint the keys as they are: refresh the spec's keys (real endpoints, or the emulators
    /// with the global --sandbox) and lint their live policies and attributes.
    #[arg(long)]
    pub live: bool,
    /// Print a rule's documentation and exit.
    #[arg(long, value_name = "RULE-ID")]
    pub explain: Option<String>,
    #[command(flatten)]
    pub run: super::plan::RunArgs,
}

pub fn run(args: Args, sandbox: bool) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    if let Some(id) = &args.explain {
        let (user, _) = crate::lint::hcl_rules::load_user(&args.policies);
        let rules =
            registry::RuleSet::with_user(&user).unwrap_or_else(|_| registry::RuleSet::builtin());
        return match rules.find(id) {
            Some(r) => {
                let m = r.meta;
                let _ = writeln!(
                    stdout,
                    "# {}: {}\n\nseverity: {}; suppressible: {}\n\n{}",
                    m.id,
                    m.summary,
                    m.severity.as_str(),
                    if m.suppressible { "yes" } else { "no" },
                    m.docs
                );
                exit::code(exit::SUCCESS)
            }
            None => {
                let ids: Vec<&str> = rules.rules().iter().map(|r| r.meta.id).collect();
                let hint = crate::diag::suggest::did_you_mean(id, ids.iter().copied())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                eprintln!("error: unknown rule `{id}`{hint}");
                exit::code(exit::LINT_UNREADABLE)
            }
        };
    }
    let opts = LintOptions {
        region: args.region.clone(),
        org_uuid: args.org_uuid.clone(),
        policies: args.policies.clone(),
        baseline: args.baseline.clone(),
        docs_era: args.docs_era.clone(),
    };
    let (report, inputs) = if args.live {
        match live_report(&args, &opts, sandbox) {
            Ok(r) => (r, None),
            Err(message) => {
                eprintln!("error: {message}");
                return exit::code(exit::LINT_UNREADABLE);
            }
        }
    } else {
        let (report, inputs) = lint_paths_retaining(&args.paths, &opts);
        (report, Some(inputs))
    };
    let code = finish(
        &report,
        args.format,
        args.fail_on,
        args.write_baseline.as_deref(),
    );
    // The process exits right after this: the OS reclaims the loaded spec and the report at
    // once, where freeing them piece by piece took several percent of a big lint run.
    std::mem::forget(inputs);
    std::mem::forget(report);
    code
}

/// `--live`: refresh the keys of each spec directory and lint what is there.
fn live_report(
    args: &Args,
    opts: &LintOptions,
    sandbox: bool,
) -> Result<crate::lint::Report, String> {
    let mut set = InputSet::default();
    for dir in &args.paths {
        if !dir.is_dir() {
            return Err(format!(
                "--live needs spec directories; `{}` is not one",
                dir.display()
            ));
        }
        let session = args.run.session_options(dir.clone(), sandbox, "lint");
        super::runtime::run(collect_live(dir, session, &mut set))?;
    }
    Ok(lint_set(set, opts))
}

/// Print the report, write the baseline if asked, and return the exit code.
fn finish(
    report: &crate::lint::Report,
    format: Format,
    fail_on: FailOn,
    write_baseline: Option<&std::path::Path>,
) -> ExitCode {
    let rendered = match format {
        Format::Text => text::render_styled(report, stdout_wants_color()),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => github::render(report),
        Format::Junit => junit::render(report),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = write!(stdout, "{rendered}");
    if let Some(path) = write_baseline {
        let b = Baseline::from_report(report);
        if let Err(e) = std::fs::write(path, b.to_json()) {
            eprintln!("error: cannot write baseline {}: {e}", path.display());
            return exit::code(exit::LINT_UNREADABLE);
        }
        eprintln!(
            "wrote {} finding(s) to baseline {}",
            b.findings.len(),
            path.display()
        );
        // Writing a baseline accepts the current findings.
        if report.errors.is_empty() {
            return exit::code(exit::SUCCESS);
        }
    }
    exit::code(exit_code(report, fail_on.severity()))
}

/// Colour only on a terminal, and never with `NO_COLOR` set.
fn stdout_wants_color() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// 2 when an input was unreadable, 1 when a finding at or above `fail_on` remains, else 0.
pub fn exit_code(report: &crate::lint::Report, fail_on: Severity) -> u8 {
    if !report.errors.is_empty() {
        exit::LINT_UNREADABLE
    } else if report.count_at_or_above(fail_on) > 0 {
        exit::LINT_FINDINGS
    } else {
        exit::SUCCESS
    }
}
