//! `cmek review [DIR] --out OUTDIR | --check OUTDIR [--live] [--var NAME=VALUE]... [--var-file FILE]...`:
//! writes or checks one deterministic access review per key (DESIGN §4), with the key's lint
//! findings.
//!
//! `--out` writes the files and removes stale review files; `--check` prints a unified diff per
//! differing, missing or extra file and exits 1 on any difference. Spec errors are rendered as
//! diagnostics (exit 1). `--live` refreshes the keys through the engine (with `--sandbox`,
//! against the emulators) and reviews the live AWS key policies.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::diag::render_text;
use crate::engine::refresh::refresh;
use crate::engine::session::{Session, SessionError, SessionOptions};
use crate::exit::{ERROR, SUCCESS, code};
use crate::review::{
    ReviewExtras, ReviewFile, build_reviews_with, check_dir, lint_findings, write_dir,
};
use crate::spec::model::BackendConfig;
use crate::spec::{LoadOptions, load};
use crate::state::{LocalBackend, State};

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["out", "check"])))]
pub struct Args {
    /// The config directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Write the review files into this directory (removing stale review files).
    #[arg(long, value_name = "OUTDIR")]
    pub out: Option<PathBuf>,
    /// Compare with the review files committed in this directory; exit 1 on any difference.
    #[arg(long, value_name = "OUTDIR")]
    pub check: Option<PathBuf>,
    /// Review the keys' live access (read from the provider; with --sandbox, the emulators)
    /// instead of the access cmek renders from the spec.
    #[arg(long)]
    pub live: bool,
    /// Set a variable: NAME=VALUE (repeatable; later wins).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variables from an HCL or .json file (repeatable; later wins).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "Error: {message}");
    code(ERROR)
}

/// The state of `dir` per its backend block: the local file if any; `None` for a remote
/// backend (not read offline) or no file.
fn read_state(dir: &Path, backend: &BackendConfig) -> Result<Option<State>, String> {
    match backend {
        BackendConfig::Local { path } => LocalBackend::new(dir.join(path))
            .read_sync()
            .map_err(|e| e.to_string()),
        BackendConfig::S3 { .. } => Ok(None),
    }
}

/// The reviews from the live keys: a session (spec, locked state, clients; the sandbox with
/// `--sandbox`) refreshes every key in state, and the reviews describe what was read.
async fn live_reviews(args: &Args, sandbox: bool) -> Result<Vec<ReviewFile>, SessionError> {
    let mut opts = SessionOptions::new(args.dir.clone(), "review");
    opts.vars = args.vars.clone();
    opts.var_files = args.var_files.clone();
    opts.sandbox = sandbox;
    let session = Session::open(&opts).await?;
    let refreshed = refresh(
        &session.desired,
        &session.state,
        &session.clients,
        &session.oracle,
        session.parallelism,
    )
    .await
    .map_err(|e| SessionError::Other(e.to_string()));
    let result = refreshed.and_then(|r| {
        let extras = ReviewExtras {
            findings: Some(lint_findings(&args.dir)),
            live: Some(r.raw_keys),
        };
        let state = session.state_existed.then_some(&session.state);
        build_reviews_with(&session.desired, state, &extras)
            .map_err(|e| SessionError::Other(e.to_string()))
    });
    let closed = session.close().await;
    let files = result?;
    closed?;
    Ok(files)
}

fn offline_reviews(args: &Args) -> Result<Vec<ReviewFile>, ExitCode> {
    let opts = LoadOptions {
        vars: args.vars.clone(),
        var_files: args.var_files.clone(),
        env: None,
    };
    let result = load(&args.dir, &opts);
    let desired = match result.desired {
        Some(d) if !result.diagnostics.has_errors() => d,
        _ => {
            let color = render_text::stderr_wants_color();
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "{}",
                render_text::render(&result.diagnostics, &result.sources, color)
            );
            if let Some(summary) = result.diagnostics.summary(&args.dir.display().to_string()) {
                let _ = writeln!(err, "{summary}");
            }
            return Err(code(ERROR));
        }
    };
    if matches!(desired.backend, BackendConfig::S3 { .. }) {
        let _ = writeln!(
            std::io::stderr(),
            "Note: the state is in an S3 backend, which `cmek review` does not read offline; protection history is not shown."
        );
    }
    let state = read_state(&args.dir, &desired.backend).map_err(fail)?;
    let extras = ReviewExtras {
        findings: Some(lint_findings(&args.dir)),
        live: None,
    };
    build_reviews_with(&desired, state.as_ref(), &extras).map_err(fail)
}

pub fn run(args: Args, sandbox: bool) -> ExitCode {
    let files = if args.live {
        match super::runtime::run(live_reviews(&args, sandbox)) {
            Ok(Ok(files)) => files,
            Ok(Err(e)) => {
                super::plan::report(&e);
                return code(ERROR);
            }
            Err(e) => return fail(e),
        }
    } else {
        match offline_reviews(&args) {
            Ok(files) => files,
            Err(c) => return c,
        }
    };
    let mut stdout = std::io::stdout().lock();
    if let Some(out) = &args.out {
        match write_dir(out, &files) {
            Ok(summary) => {
                for name in &summary.written {
                    let _ = writeln!(stdout, "wrote {}", out.join(name).display());
                }
                for name in &summary.removed {
                    let _ = writeln!(stdout, "removed stale {}", out.join(name).display());
                }
                let _ = writeln!(
                    stdout,
                    "{} review(s): {} written, {} unchanged, {} removed.",
                    files.len(),
                    summary.written.len(),
                    summary.unchanged.len(),
                    summary.removed.len()
                );
                code(SUCCESS)
            }
            Err(e) => fail(e),
        }
    } else if let Some(dir) = &args.check {
        match check_dir(dir, &files) {
            Ok(outcome) if outcome.is_clean() => {
                let _ = writeln!(
                    stdout,
                    "{} review(s) in {} are up to date.",
                    files.len(),
                    dir.display()
                );
                code(SUCCESS)
            }
            Ok(outcome) => {
                for d in &outcome.diffs {
                    let _ = write!(stdout, "{}", d.diff);
                }
                let _ = writeln!(
                    stdout,
                    "{} review file(s) differ from {}; regenerate with `cmek review {}{} --out {}` and commit.",
                    outcome.diffs.len(),
                    dir.display(),
                    args.dir.display(),
                    if args.live { " --live" } else { "" },
                    dir.display()
                );
                code(ERROR)
            }
            Err(e) => fail(e),
        }
    } else {
        fail("give --out OUTDIR or --check OUTDIR")
    }
}
