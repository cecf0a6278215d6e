//! `cmek init [DIR] --provider aws|gcp|azure [--platform ...] [--force]`: writes a commented
//! starter `DIR/main.cmek.hcl` and a `.gitignore` for state files, then prints next steps.
//!
//! Safety: nothing is written unless everything can be. An existing `main.cmek.hcl`, or any
//! other `*.hcl` file in DIR (which would merge into the same config), makes `init` refuse
//! with exit 1 unless `--force`. An existing `.gitignore` is never overwritten: the missing
//! patterns are appended to it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::address::Cloud;
use crate::exit;
use crate::fmt::files::write_atomic;
use crate::init::{CONFIG_FILE, gitignore, starter_config};
use crate::spec::model::Platform;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProviderArg {
    Aws,
    Gcp,
    Azure,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[allow(clippy::enum_variant_names)]
pub enum PlatformArg {
    #[value(name = "claude_platform")]
    ClaudePlatform,
    #[value(name = "claude_platform_aws")]
    ClaudePlatformAws,
    #[value(name = "claude_enterprise")]
    ClaudeEnterprise,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory to write the config to (created if missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The cloud that holds the key.
    #[arg(long, value_enum)]
    pub provider: ProviderArg,
    /// The Anthropic product your organization uses.
    #[arg(long, value_enum, default_value = "claude_platform")]
    pub platform: PlatformArg,
    /// Overwrite an existing main.cmek.hcl (and write next to other .hcl files).
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: Args) -> ExitCode {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    exit::code(run_with(&args, &mut stdout.lock(), &mut stderr.lock()))
}

/// The command, writing to the given streams; returns the exit code.
pub fn run_with(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let cloud = match args.provider {
        ProviderArg::Aws => Cloud::Aws,
        ProviderArg::Gcp => Cloud::Gcp,
        ProviderArg::Azure => Cloud::Azure,
    };
    let platform = match args.platform {
        PlatformArg::ClaudePlatform => Platform::ClaudePlatform,
        PlatformArg::ClaudePlatformAws => Platform::ClaudePlatformAws,
        PlatformArg::ClaudeEnterprise => Platform::ClaudeEnterprise,
    };
    let config = match starter_config(cloud, platform) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return exit::ERROR;
        }
    };

    let dir = &args.dir;
    let config_path = dir.join(CONFIG_FILE);
    let gitignore_path = dir.join(".gitignore");

    if dir.exists() && !dir.is_dir() {
        let _ = writeln!(
            err,
            "error: {} exists and is not a directory",
            dir.display()
        );
        return exit::ERROR;
    }
    if !args.force {
        let existing = existing_configs(dir);
        if !existing.is_empty() {
            let _ = writeln!(
                err,
                "error: {} already holds a cmek config ({}); not overwriting it.\n\
                 Use --force to write {CONFIG_FILE} anyway, or choose another directory.",
                dir.display(),
                existing.join(", ")
            );
            return exit::ERROR;
        }
    }
    let current_gitignore = match std::fs::read_to_string(&gitignore_path) {
        Ok(s) => Some(s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            let _ = writeln!(err, "error: reading {}: {e}", gitignore_path.display());
            return exit::ERROR;
        }
    };

    if let Err(e) = std::fs::create_dir_all(dir) {
        let _ = writeln!(err, "error: creating {}: {e}", dir.display());
        return exit::ERROR;
    }
    if let Err(e) = write_atomic(&config_path, &config) {
        let _ = writeln!(err, "error: writing {}: {e}", config_path.display());
        return exit::ERROR;
    }
    let _ = writeln!(out, "Wrote {}", config_path.display());
    match gitignore(current_gitignore.as_deref()) {
        Some(text) => {
            if let Err(e) = write_atomic(&gitignore_path, &text) {
                let _ = writeln!(err, "error: writing {}: {e}", gitignore_path.display());
                return exit::ERROR;
            }
            let verb = if current_gitignore.is_some() {
                "Updated"
            } else {
                "Wrote"
            };
            let _ = writeln!(out, "{verb} {}", gitignore_path.display());
        }
        None => {
            let _ = writeln!(
                out,
                "{} already ignores cmek state files",
                gitignore_path.display()
            );
        }
    }

    let d = dir.display();
    let _ = writeln!(
        out,
        "\nNext steps:\n\
         \x20 1. Edit {CONFIG_FILE}: replace every value marked TODO.\n\
         \x20 2. cmek validate {d}\n\
         \x20 3. cmek plan --sandbox {d}    (dry run against the built-in emulators)\n\
         \x20 4. cmek plan {d}              (against your real accounts; set ANTHROPIC_ADMIN_API_KEY)"
    );
    exit::SUCCESS
}

/// The `*.hcl` files already in `dir` (sorted names); empty if `dir` does not exist.
fn existing_configs(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".hcl"))
        .collect();
    names.sort();
    names
}
