//! `cmek review [DIR] --out OUTDIR | --check OUTDIR [--var NAME=VALUE]... [--var-file FILE]...`:
//! writes or checks one deterministic access review per key (DESIGN §4).
//!
//! `--out` writes the files and removes stale review files; `--check` prints a unified diff per
//! differing, missing or extra file and exits 1 on any difference. Spec errors are rendered as
//! diagnostics (exit 1). `--live` is not supported yet (exit 1).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::diag::render_text;
use crate::exit::{ERROR, SUCCESS, code};
use crate::review::{build_reviews, check_dir, write_dir};
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
    /// Read the real keys' access (not yet supported).
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

pub fn run(args: Args) -> ExitCode {
    if args.live {
        return fail("`cmek review --live` is not yet supported; run `cmek review` offline");
    }
    let opts = LoadOptions {
        vars: args.vars,
        var_files: args.var_files,
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
            return code(ERROR);
        }
    };
    if matches!(desired.backend, BackendConfig::S3 { .. }) {
        let _ = writeln!(
            std::io::stderr(),
            "Note: the state is in an S3 backend, which `cmek review` does not read offline; protection history is not shown."
        );
    }
    let state = match read_state(&args.dir, &desired.backend) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let files = match build_reviews(&desired, state.as_ref()) {
        Ok(f) => f,
        Err(e) => return fail(e),
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
                    "{} review file(s) differ from {}; regenerate with `cmek review {} --out {}` and commit.",
                    outcome.diffs.len(),
                    dir.display(),
                    args.dir.display(),
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
