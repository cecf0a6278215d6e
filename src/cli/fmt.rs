//! `cmek fmt [--check] [--diff] [--no-recursive] [PATHS]...`: rewrite spec files in canonical
//! layout (see `crate::fmt`), keeping comments.
//!
//! - PATHS are files or directories (default `.`). A directory means every `*.hcl` file below
//!   it, so `cmek fmt --check examples` checks every example and module; `--no-recursive` limits
//!   it to the directory's own files (what `terraform fmt` does by default; `-recursive` is
//!   still accepted). `-` formats stdin to stdout.
//! - Default: rewrites unformatted files in place (atomically) and prints each changed path.
//! - `--check`: changes nothing; prints a unified diff per unformatted file; exit 1 if any.
//! - `--diff`: also print the diff of each file it rewrites.
//! - A file that does not parse gets a located error and is left untouched; exit 1.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::exit;
use crate::fmt::{FormatError, files, format_source, unified_diff};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Change nothing; print a diff for every file that is not formatted and exit 1 if any.
    #[arg(long)]
    pub check: bool,
    /// Print a unified diff of the changes.
    #[arg(long)]
    pub diff: bool,
    /// Accepted for `terraform fmt -recursive` muscle memory; directories are recursive anyway.
    #[arg(long, short = 'r', hide = true, conflicts_with = "no_recursive")]
    pub recursive: bool,
    /// Only format the `*.hcl` files directly in the given directories, not in subdirectories.
    #[arg(long)]
    pub no_recursive: bool,
    /// Files or directories to format; `-` reads stdin and writes stdout.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
}

pub fn run(args: Args) -> ExitCode {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let code = run_with(&args, &mut stdout.lock(), &mut stderr.lock());
    exit::code(code)
}

/// The command, writing to the given streams; returns the exit code.
pub fn run_with(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let stdin_mode = args.paths.iter().any(|p| p.as_os_str() == "-");
    if stdin_mode {
        if args.paths.len() != 1 {
            let _ = writeln!(
                err,
                "error: `-` (stdin) cannot be combined with other paths"
            );
            return exit::ERROR;
        }
        return format_stdin(args, out, err);
    }

    let recursive = !args.no_recursive;
    let files = match files::collect(&args.paths, recursive) {
        Ok(f) => f,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return exit::ERROR;
        }
    };
    if files.is_empty() {
        for p in &args.paths {
            if p.is_dir() && !recursive && files::has_nested_hcl(p) {
                let _ = writeln!(
                    err,
                    "note: no .hcl files directly in {}; drop --no-recursive to include subdirectories",
                    p.display()
                );
            }
        }
    }

    let mut failed = false;
    let mut unformatted = 0usize;
    for path in &files {
        let shown = path.display().to_string();
        let src = match std::fs::read_to_string(path) {
            Ok(s) => s,
            Err(e) => {
                let _ = writeln!(err, "error: {shown}: {e}");
                failed = true;
                continue;
            }
        };
        let formatted = match format_source(&src) {
            Ok(f) => f,
            Err(e) => {
                report(err, &shown, &e);
                failed = true;
                continue;
            }
        };
        if formatted == src {
            continue;
        }
        unformatted += 1;
        if args.check || args.diff {
            let _ = write!(out, "{}", unified_diff(&shown, &src, &formatted));
        }
        if args.check {
            continue;
        }
        match files::write_atomic(path, &formatted) {
            Ok(()) => {
                if !args.diff {
                    let _ = writeln!(out, "{shown}");
                }
            }
            Err(e) => {
                let _ = writeln!(err, "error: could not write {shown}: {e}");
                failed = true;
            }
        }
    }

    if args.check && unformatted > 0 {
        let _ = writeln!(
            err,
            "{unformatted} file{} not formatted; run `cmek fmt` to fix",
            if unformatted == 1 { " is" } else { "s are" }
        );
    }
    if failed || (args.check && unformatted > 0) {
        exit::ERROR
    } else {
        exit::SUCCESS
    }
}

fn format_stdin(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let mut src = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut src) {
        let _ = writeln!(err, "error: reading stdin: {e}");
        return exit::ERROR;
    }
    let formatted = match format_source(&src) {
        Ok(f) => f,
        Err(e) => {
            report(err, "<stdin>", &e);
            return exit::ERROR;
        }
    };
    if args.check {
        let _ = write!(out, "{}", unified_diff("<stdin>", &src, &formatted));
        return if formatted == src {
            exit::SUCCESS
        } else {
            exit::ERROR
        };
    }
    if args.diff {
        let _ = write!(out, "{}", unified_diff("<stdin>", &src, &formatted));
    } else {
        let _ = write!(out, "{formatted}");
    }
    exit::SUCCESS
}

fn report(err: &mut dyn Write, path: &str, e: &FormatError) {
    match e {
        FormatError::Parse(p) => {
            let _ = write!(err, "{}", p.render(path));
        }
        FormatError::Internal(_) => {
            let _ = writeln!(err, "error: {path}: {e}");
        }
    }
}
