//! `cmek import [DIR] ADDRESS ID [--config-dir DIR] [--var ...] [--lock-timeout D]`: adopt an
//! existing AWS key, registration (`ekey_`) or workspace (`wrkspc_`) into state.
//!
//! Locks the state, checks the request offline and against the remote object
//! (`engine::import`), writes the entry with its protection history, and then prints what
//! `cmek plan` would now change at that address (the statement-level access diff included).
//! Nothing remote is changed. Exit 0 when imported, 1 on any error (state untouched).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::engine::import::{Imported, import_one, validate_request};
use crate::engine::session::{Session, SessionError};
use crate::exit;
use crate::plan::Plan;
use crate::plan::model::DriftSeverity;
use crate::plan::render::{Summary, after_line, describe, details, symbol};

use super::plan::{RunArgs, report};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// `[DIR] ADDRESS ID`: the config directory (default `.`, or --config-dir), the address
    /// of a block in the spec (e.g. key.aws.prod) and the remote id (a key ARN, key id or
    /// alias; `ekey_...`; `wrkspc_...`).
    #[arg(value_name = "[DIR] ADDRESS ID", num_args = 2..=3, required = true)]
    pub args: Vec<String>,
    /// The config directory (instead of the leading DIR argument).
    #[arg(long = "config-dir", value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// The config directory, address and id from the arguments.
fn split(args: &Args) -> Result<(PathBuf, String, String), String> {
    match (args.args.as_slice(), &args.config_dir) {
        ([address, id], dir) => Ok((
            dir.clone().unwrap_or_else(|| PathBuf::from(".")),
            address.clone(),
            id.clone(),
        )),
        ([dir, address, id], None) => Ok((PathBuf::from(dir), address.clone(), id.clone())),
        ([_, _, _], Some(_)) => Err(
            "give the config directory either as the first argument or with --config-dir, not both"
                .into(),
        ),
        _ => Err("expected ADDRESS and ID (and optionally a leading DIR)".into()),
    }
}

/// What the command prints after a successful import.
pub fn render_report(imported: &Imported, serial: u64, plan: Option<&Plan>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Imported {}: {}", imported.address, imported.remote_id);
    for note in &imported.notes {
        let _ = writeln!(out, "  - {note}");
    }
    let _ = writeln!(
        out,
        "\nState saved (serial {serial}). Nothing remote was changed."
    );
    let Some(plan) = plan else {
        return out;
    };
    let address = &imported.address;
    let _ = writeln!(out, "\nWhat `cmek plan` would now change at {address}:");
    let mut any = false;
    for d in plan.drift.iter().filter(|d| &d.address == address) {
        any = true;
        let mark = if d.severity == DriftSeverity::DataAtRisk {
            "!!"
        } else {
            "*"
        };
        let _ = writeln!(out, "  {mark} {}", d.message);
    }
    for r in plan.refusals.iter().filter(|r| &r.address == address) {
        any = true;
        let _ = writeln!(out, "  [{}] refused: {}", r.rule, r.title);
        let _ = writeln!(out, "      way forward: {}", r.way_forward);
    }
    for a in plan.actions.iter().filter(|a| &a.address == address) {
        any = true;
        let _ = writeln!(
            out,
            "  {:>2} {}  [{}]",
            symbol(a.action.effect()),
            describe(&a.action),
            a.reason
        );
        for line in details(a).into_iter().chain(after_line(a)) {
            let _ = writeln!(out, "        {line}");
        }
    }
    if !any {
        let _ = writeln!(out, "  nothing: it matches the spec");
    }
    let others = plan
        .actions
        .iter()
        .filter(|a| &a.address != address)
        .count()
        + plan
            .refusals
            .iter()
            .filter(|r| &r.address != address)
            .count();
    let _ = writeln!(out, "\n{}", Summary::of(plan).line());
    if others > 0 {
        let _ = writeln!(
            out,
            "Run `cmek plan` for the whole plan ({others} more action(s) or refusal(s) elsewhere)."
        );
    }
    out
}

async fn import(args: &Args, sandbox: bool) -> Result<ExitCode, SessionError> {
    let (dir, address, id) = split(args).map_err(SessionError::Other)?;
    let mut session = Session::open(&args.run.session_options(dir, sandbox, "import")).await?;
    let result = run(&mut session, &address, &id).await;
    let closed = session.close().await;
    let code = result?;
    closed?;
    Ok(code)
}

async fn run(session: &mut Session, address: &str, id: &str) -> Result<ExitCode, SessionError> {
    let parsed = validate_request(&session.desired, &session.state, address, id)
        .map_err(|e| SessionError::Other(e.to_string()))?;
    let imported = import_one(session, &parsed, id.trim())
        .await
        .map_err(|e| SessionError::Other(e.to_string()))?;
    session
        .persist()
        .await
        .map_err(|e| SessionError::Other(format!("could not write state: {e}")))?;
    let serial = session.state.serial();
    match session.plan().await {
        Ok((plan, _)) => {
            print!("{}", render_report(&imported, serial, Some(&plan)));
        }
        Err(e) => {
            print!("{}", render_report(&imported, serial, None));
            eprintln!("Warning: imported, but the plan afterwards failed: {e}");
        }
    }
    Ok(exit::code(exit::SUCCESS))
}

pub fn run_cli(args: Args, sandbox: bool) -> ExitCode {
    match super::runtime::run(import(&args, sandbox)) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            report(&e);
            exit::code(exit::ERROR)
        }
        Err(e) => {
            eprintln!("Error: {e}");
            exit::code(exit::ERROR)
        }
    }
}
