//! `cmek validate [DIR] [--format text|json] [--var NAME=VALUE]... [--var-file FILE]...`:
//! parse, evaluate and type-check a config directory without network access.
//!
//! Exit 0 with `Success! The configuration is valid.` (plus any warnings) or exit 1 with every
//! diagnostic. Text diagnostics go to stderr (colored only on a terminal without `NO_COLOR`);
//! `--format json` prints the JSON array on stdout.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::diag::{render_json, render_text};
use crate::spec::{LoadOptions, load};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The config directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Output format for diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Set a variable: NAME=VALUE (repeatable; later wins).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variables from an HCL or .json file (repeatable; later wins, `--var` beats them).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
}

pub fn run(args: Args) -> ExitCode {
    let opts = LoadOptions {
        vars: args.vars,
        var_files: args.var_files,
        env: None,
    };
    let result = load(&args.dir, &opts);
    let failed = result.has_errors();
    match args.format {
        Format::Json => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "{}",
                render_json::render(&result.diagnostics, &result.sources)
            );
        }
        Format::Text => {
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
            if !failed {
                let _ = writeln!(std::io::stdout(), "Success! The configuration is valid.");
            }
        }
    }
    crate::exit::code(if failed {
        crate::exit::ERROR
    } else {
        crate::exit::SUCCESS
    })
}
