//! Terraform-style single-dash long options (`-var`, `-var-file`, `-out`, `-lock-timeout`,
//! `-parallelism`, `-detailed-exitcode`, `-auto-approve`) are what muscle memory types; clap
//! only knows `--long`. This rewrites those exact spellings before parsing, and nothing else, so
//! short flags and positional values (`-` for stdin) keep their meaning.

/// Long options users may spell with one dash.
const SINGLE_DASH_LONG: &[&str] = &[
    "var",
    "var-file",
    "out",
    "lock-timeout",
    "parallelism",
    "detailed-exitcode",
    "auto-approve",
    "sandbox",
    "check",
    "diff",
    "recursive",
];

/// Rewrites `-name` and `-name=value` to `--name` / `--name=value` for the options above.
/// Everything after a bare `--` is left untouched.
pub fn normalize<I: IntoIterator<Item = std::ffi::OsString>>(args: I) -> Vec<std::ffi::OsString> {
    let mut out = Vec::new();
    let mut passthrough = false;
    for arg in args {
        if passthrough {
            out.push(arg);
            continue;
        }
        let Some(s) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        if s == "--" {
            passthrough = true;
            out.push(arg);
            continue;
        }
        let rewritten = s
            .strip_prefix('-')
            .filter(|rest| !rest.starts_with('-'))
            .and_then(|rest| {
                let name = rest.split_once('=').map_or(rest, |(n, _)| n);
                SINGLE_DASH_LONG.contains(&name).then(|| format!("-{s}"))
            });
        out.push(rewritten.map_or(arg, std::ffi::OsString::from));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(args: &[&str]) -> Vec<String> {
        normalize(args.iter().map(std::ffi::OsString::from))
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn rewrites_terraform_spellings_only() {
        assert_eq!(
            norm(&[
                "cmek",
                "plan",
                "-var",
                "a=b",
                "-out=p.json",
                "-",
                "-h",
                "--var",
                "x"
            ]),
            [
                "cmek",
                "plan",
                "--var",
                "a=b",
                "--out=p.json",
                "-",
                "-h",
                "--var",
                "x"
            ]
        );
    }

    #[test]
    fn leaves_values_after_double_dash() {
        assert_eq!(norm(&["cmek", "--", "-var"]), ["cmek", "--", "-var"]);
    }
}
