//! `cmek plan [DIR] [--out FILE] [--format text|markdown|json] [--detailed-exitcode] [--split]
//! [--var ...] [--lock-timeout D] [--parallelism N]`: refresh, diff, safety; print the plan.
//!
//! Exit codes (`plan_exit_code`): 3 refused (always, with the full plan printed), 1 blocking
//! drift or any error, 2 changes with `--detailed-exitcode`, else 0.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::engine::session::{Session, SessionError, SessionOptions};
use crate::plan::render::{json, markdown, text};
use crate::plan::{Plan, plan_exit_code};

/// Default of `--parallelism`: refresh reads up to 16 keys at once (issue #6), and apply uses
/// the same bound so one flag means one thing.
pub const DEFAULT_PARALLELISM: usize = crate::providers::DEFAULT_CONCURRENCY;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

/// Options shared by plan and apply.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Set a variable: NAME=VALUE (repeatable; later wins).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variables from a file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// How long to wait for the state lock (e.g. 30s, 2m).
    #[arg(long, default_value = "0s", value_parser = crate::state::duration::parse_duration)]
    pub lock_timeout: Duration,
    /// How many remote operations run at once: refresh reads, and apply's actions on
    /// different keys (the actions of one key always run in order).
    #[arg(long, default_value_t = DEFAULT_PARALLELISM, value_parser = parse_parallelism)]
    pub parallelism: usize,
}

/// `--parallelism`: a whole number of at least 1.
fn parse_parallelism(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("`{s}` is not a whole number of at least 1")),
    }
}

impl RunArgs {
    pub fn session_options(
        &self,
        dir: PathBuf,
        sandbox: bool,
        operation: &'static str,
    ) -> SessionOptions {
        SessionOptions {
            dir,
            vars: self.vars.clone(),
            var_files: self.var_files.clone(),
            sandbox,
            lock_timeout: self.lock_timeout,
            parallelism: self.parallelism,
            operation,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The config directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Save the plan (JSON) for `cmek apply FILE`.
    #[arg(long = "out", alias = "o", value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 2 when the plan has changes.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Markdown only: split into parts under GitHub's comment limit, separated by a line `---`.
    #[arg(long)]
    pub split: bool,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Prints a session error: diagnostics as rendered, anything else as `Error: ...`.
pub fn report(e: &SessionError) {
    match e {
        SessionError::Spec(rendered) => eprint!("{rendered}"),
        SessionError::Other(message) => eprintln!("Error: {message}"),
    }
}

pub fn render(plan: &Plan, format: Format, split: bool) -> String {
    match format {
        Format::Text => text::render(plan, crate::diag::render_text::stderr_wants_color()),
        Format::Json => format!("{}\n", json::render(plan)),
        Format::Markdown if split => markdown::split(plan, 65_536).join("\n---\n"),
        Format::Markdown => markdown::render(plan),
    }
}

async fn plan(args: &Args, sandbox: bool) -> Result<Plan, SessionError> {
    let mut session =
        Session::open(&args.run.session_options(args.dir.clone(), sandbox, "plan")).await?;
    let result = session.plan().await;
    let closed = session.close().await;
    let (plan, _) = result?;
    closed?;
    Ok(plan)
}

pub fn run(args: Args, sandbox: bool) -> ExitCode {
    let result = match super::runtime::run(plan(&args, sandbox)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: {e}");
            return crate::exit::code(crate::exit::ERROR);
        }
    };
    let plan = match result {
        Ok(p) => p,
        Err(e) => {
            report(&e);
            return crate::exit::code(crate::exit::ERROR);
        }
    };
    print!("{}", render(&plan, args.format, args.split));
    if let Some(out) = &args.out
        && let Err(e) = std::fs::write(out, format!("{}\n", json::render(&plan)))
    {
        eprintln!("Error: cannot write the plan to {}: {e}", out.display());
        return crate::exit::code(crate::exit::ERROR);
    }
    crate::exit::code(plan_exit_code(&plan, args.detailed_exitcode))
}
