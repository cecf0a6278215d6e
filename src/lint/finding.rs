//! What a rule reports: [`Finding`]s with a severity, a location and a remedy, and the
//! [`Report`] of one lint run (findings, suppressed findings, inputs that could not be read).

use serde::Serialize;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// A rule's fixed metadata. `docs` is Markdown in the form "## What it does / ## Why it matters /
/// ## Example / ## Fix / ## Source" and is what `cmek lint --explain ID` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleMeta {
    pub id: &'static str,
    pub summary: &'static str,
    pub severity: Severity,
    /// `false`: neither comments nor config can silence it (residency, look-alike principals,
    /// conditions that always deny).
    pub suppressible: bool,
    /// The section of `domain/anthropic-cmek.md` the rule follows (e.g. `§4`).
    pub section: &'static str,
    /// What to do about a finding, when the finding does not say something more specific.
    pub remedy: &'static str,
    pub docs: &'static str,
}

impl RuleMeta {
    /// Where the rule comes from: `domain/anthropic-cmek.md §4` for the built-in pack, the
    /// `section` text verbatim for user rules that cite their own standard.
    pub fn source(&self) -> String {
        source_of(self.section)
    }

    pub fn help_uri(&self) -> String {
        format!(
            "https://github.com/cmek/cmek/blob/main/docs/rules/{}.md",
            self.id
        )
    }
}

/// `domain/anthropic-cmek.md §4` for a section of the domain facts, else `section` verbatim.
pub fn source_of(section: &str) -> String {
    if section.starts_with('§') {
        format!("domain/anthropic-cmek.md {section}")
    } else {
        section.to_string()
    }
}

/// A place in an input file. Lines and columns are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl Location {
    pub fn new(file: impl Into<String>, line: u32, column: u32) -> Self {
        Location {
            file: file.into(),
            line,
            column,
        }
    }

    /// The start of a file (when nothing more precise is known).
    pub fn file_start(file: impl Into<String>) -> Self {
        Location::new(file, 1, 1)
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Why a finding does not count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// `comment` (`# cmek:ignore`), `config` (`lint { ignore { ... } }`) or `baseline`
    /// (`--baseline FILE`).
    pub kind: &'static str,
    pub reason: String,
    /// Where the suppression was written.
    pub location: Location,
}

/// One problem found by one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule_id: &'static str,
    pub severity: Severity,
    pub message: String,
    pub location: Location,
    /// The spec address (`key.aws.prod`) when the input was a spec.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub remedy: String,
    /// The section of `domain/anthropic-cmek.md` the rule follows.
    pub doc_section: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
}

/// An input that could not be read or parsed (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputError {
    pub location: Location,
    pub message: String,
}

/// Everything one lint run found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Active findings, sorted by file, line, column, rule.
    pub findings: Vec<Finding>,
    /// Findings silenced by a suppression, sorted the same way.
    pub suppressed: Vec<Finding>,
    pub errors: Vec<InputError>,
    /// Suppressions that were refused (no reason, or a rule that cannot be suppressed), as
    /// human-readable notes.
    pub notes: Vec<String>,
    /// The rules that ran (built-in and user rules), in id order: SARIF and JUnit list them.
    #[serde(skip)]
    pub rules: Vec<RuleMeta>,
}

impl Report {
    /// Active findings at or above `level`.
    pub fn count_at_or_above(&self, level: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity >= level).count()
    }

    pub fn count(&self, level: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == level).count()
    }

    pub fn sort(&mut self) {
        let key = |f: &Finding| (f.location.clone(), f.rule_id, f.message.clone());
        self.findings.sort_by_key(key);
        self.suppressed.sort_by_key(key);
        self.errors.sort_by(|a, b| a.location.cmp(&b.location));
    }
}
