//! `cmek show [PLANFILE | state] [--json] [--dir DIR]`: render a saved plan (text or JSON) or
//! the state of a config directory, read from the backend its spec configures
//! (`backend "local" { path = ... }`), like plan and apply.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::engine::session::local_state_path;
use crate::exit;
use crate::plan::render::{json, text};
use crate::state::LocalBackend;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A plan file written by `cmek plan --out`, or the word `state`.
    #[arg(default_value = "state")]
    pub what: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// The config directory whose state to show.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
}

fn show(args: &Args) -> Result<String, String> {
    if args.what == "state" {
        let path = local_state_path(&args.dir)?;
        let state = LocalBackend::new(&path)
            .read_sync()
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no state at {}", path.display()))?;
        return Ok(if args.json {
            let value = state.to_json_value();
            format!(
                "{}\n",
                serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?
            )
        } else {
            crate::state::render::list(&state)
        });
    }
    let path = PathBuf::from(&args.what);
    let content = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let plan = json::parse(&content).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(if args.json {
        format!("{}\n", json::render(&plan))
    } else {
        text::render(&plan, crate::diag::render_text::stderr_wants_color())
    })
}

pub fn run(args: Args) -> ExitCode {
    match show(&args) {
        Ok(out) => {
            print!("{out}");
            exit::code(exit::SUCCESS)
        }
        Err(e) => {
            eprintln!("Error: {e}");
            exit::code(exit::ERROR)
        }
    }
}
