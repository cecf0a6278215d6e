//! Rules written in HCL (`policies/rules/*.hcl`, embedded at build time):
//!
//! ```hcl
//! rule "CMEK-GCP-007" {
//!   summary = "...", severity = "info", applies_to = "gcp_key", suppressible = true,
//!   section = "§1", assert = <expression>, message = "<template>", remedy = "...", docs = "..."
//! }
//! ```
//!
//! `assert` and `message` are evaluated with hcl-rs against a context exposing the subject's
//! facts as `key.*` ([`key_facts`]) and the functions in [`FUNCTIONS`] (domain functions such
//! as `is_us_region(cloud, region)` from `policies/regions.hcl`, and a few generic ones). A rule
//! applies only to subjects of its `applies_to` kind (`aws_key`, `gcp_key`, `azure_key`) that
//! come from a spec or a Terraform plan. Users add rule files with `--policies DIR` or
//! `lint { policies = [...] }` ([`load_user`]). Built-in rule files are checked by the tests; a
//! rule whose expression fails to evaluate reports that failure as a finding instead of passing
//! silently.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use hcl::{Expression, Value};

use super::finding::{Location, RuleMeta, Severity};
use super::rules::Hit;
use super::subject::Subject;
use crate::policy::identities::{CloudRegions, identities, regions};
use crate::spec::model::GcpProtectionLevel;

/// The subject kinds a rule may apply to.
pub const APPLIES_TO: &[&str] = &["aws_key", "gcp_key", "azure_key"];

const BUILTIN: &[(&str, &str)] = &[
    (
        "policies/rules/aws.hcl",
        include_str!("../../policies/rules/aws.hcl"),
    ),
    (
        "policies/rules/azure.hcl",
        include_str!("../../policies/rules/azure.hcl"),
    ),
    (
        "policies/rules/gcp.hcl",
        include_str!("../../policies/rules/gcp.hcl"),
    ),
];

/// One parsed HCL rule, its strings owned.
#[derive(Debug, Clone)]
struct RuleData {
    id: String,
    summary: String,
    severity: Severity,
    applies_to: String,
    suppressible: bool,
    section: String,
    remedy: String,
    docs: String,
    assert: Expression,
    message: Expression,
    mentions_vault: bool,
}

/// A rule defined in HCL, ready to run.
#[derive(Debug, Clone)]
pub struct HclRule {
    pub meta: RuleMeta,
    applies_to: &'static str,
    assert: &'static Expression,
    message: &'static Expression,
    /// The assertion reads `key.vault_*`: findings point at the vault.
    mentions_vault: bool,
}

fn attr<'a>(body: &'a hcl::Body, name: &str) -> Option<&'a Expression> {
    body.attributes()
        .find(|a| a.key() == name)
        .map(|a| a.expr())
}

fn text_attr(body: &hcl::Body, name: &str, file: &str, id: &str) -> Result<String, String> {
    match attr(body, name) {
        Some(Expression::String(s)) => Ok(s.clone()),
        Some(e) => match e.evaluate(&Context::new()) {
            Ok(Value::String(s)) => Ok(s),
            _ => Err(format!("{file}: rule {id}: `{name}` must be a string")),
        },
        None => Err(format!("{file}: rule {id}: `{name}` is required")),
    }
}

fn parse_file(file: &str, text: &str) -> Result<Vec<RuleData>, String> {
    let body: hcl::Body = hcl::from_str(text).map_err(|e| format!("{file}: {e}"))?;
    let mut out = Vec::new();
    for block in body.blocks().filter(|b| b.identifier() == "rule") {
        let id = block
            .labels()
            .first()
            .map(|l| l.as_str().to_string())
            .ok_or_else(|| format!("{file}: a rule block needs an id label"))?;
        let b = block.body();
        let severity_text = text_attr(b, "severity", file, &id)?;
        let severity = Severity::parse(&severity_text)
            .ok_or_else(|| format!("{file}: rule {id}: unknown severity `{severity_text}`"))?;
        let suppressible = !matches!(attr(b, "suppressible"), Some(Expression::Bool(false)));
        let assert = attr(b, "assert")
            .cloned()
            .ok_or_else(|| format!("{file}: rule {id}: `assert` is required"))?;
        let message = attr(b, "message")
            .cloned()
            .ok_or_else(|| format!("{file}: rule {id}: `message` is required"))?;
        let applies_to = text_attr(b, "applies_to", file, &id)?;
        if !APPLIES_TO.contains(&applies_to.as_str()) {
            return Err(format!(
                "{file}: rule {id}: `applies_to` must be one of {}",
                APPLIES_TO.join(", ")
            ));
        }
        let mentions_vault = assert.to_string().contains("key.vault_");
        out.push(RuleData {
            mentions_vault,
            summary: text_attr(b, "summary", file, &id)?,
            applies_to,
            section: text_attr(b, "section", file, &id)?,
            remedy: text_attr(b, "remedy", file, &id)?,
            docs: text_attr(b, "docs", file, &id)?,
            severity,
            suppressible,
            assert,
            message,
            id,
        });
    }
    Ok(out)
}

/// The built-in HCL rules. Errors in the embedded files are reported by [`builtin_errors`]
/// (and fail the tests); the rules that parsed still run.
pub fn builtin() -> &'static [HclRule] {
    static RULES: OnceLock<&'static [HclRule]> = OnceLock::new();
    RULES.get_or_init(|| intern(load_builtin().0))
}

fn load_builtin() -> (Vec<RuleData>, Vec<String>) {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for (file, text) in BUILTIN {
        match parse_file(file, text) {
            Ok(mut r) => rules.append(&mut r),
            Err(e) => errors.push(e),
        }
    }
    (rules, errors)
}

/// Problems in the embedded rule files (empty when they are well-formed).
pub fn builtin_errors() -> Vec<String> {
    load_builtin().1
}

/// Give parsed rules the `'static` lifetime the registry hands out. Each distinct rule file
/// text is interned once per process (keyed by its name and content), so linting the same
/// user rules repeatedly (tests, a long-running caller) does not grow memory.
fn intern(data: Vec<RuleData>) -> &'static [HclRule] {
    let data: &'static [RuleData] = Box::leak(data.into_boxed_slice());
    let rules: Vec<HclRule> = data
        .iter()
        .map(|d| HclRule {
            meta: RuleMeta {
                id: &d.id,
                summary: &d.summary,
                severity: d.severity,
                suppressible: d.suppressible,
                section: &d.section,
                remedy: &d.remedy,
                docs: &d.docs,
            },
            applies_to: &d.applies_to,
            assert: &d.assert,
            message: &d.message,
            mentions_vault: d.mentions_vault,
        })
        .collect();
    Box::leak(rules.into_boxed_slice())
}

/// Interned user rule files, by (file name, text).
type InternCache = BTreeMap<(String, String), &'static [HclRule]>;

/// Load user rule files: every `*.hcl` file in each directory (or each file) of `paths`.
/// Returns the rules and one error per unreadable or malformed file.
pub fn load_user(paths: &[PathBuf]) -> (Vec<&'static HclRule>, Vec<(String, String)>) {
    static CACHE: OnceLock<Mutex<InternCache>> = OnceLock::new();
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if p.is_dir() {
            match std::fs::read_dir(p) {
                Ok(entries) => {
                    let mut found: Vec<PathBuf> = entries
                        .filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|f| f.extension().is_some_and(|x| x == "hcl"))
                        .collect();
                    found.sort();
                    files.extend(found);
                }
                Err(e) => errors.push((display(p), format!("cannot read policy directory: {e}"))),
            }
        } else {
            files.push(p.clone());
        }
    }
    let mut rules = Vec::new();
    for f in files {
        let name = display(&f);
        let text = match std::fs::read_to_string(&f) {
            Ok(t) => t,
            Err(e) => {
                errors.push((name, format!("cannot read rule file: {e}")));
                continue;
            }
        };
        let parsed = match parse_file(&name, &text) {
            Ok(d) => d,
            Err(e) => {
                errors.push((name, e));
                continue;
            }
        };
        let cache = CACHE.get_or_init(|| Mutex::new(BTreeMap::new()));
        let interned = match cache.lock() {
            Ok(mut map) => *map
                .entry((name.clone(), text))
                .or_insert_with(|| intern(parsed)),
            Err(_) => intern(parsed),
        };
        rules.extend(interned.iter());
    }
    (rules, errors)
}

fn display(p: &std::path::Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

fn cloud_regions(cloud: &str) -> Result<&'static CloudRegions, String> {
    let r = regions().map_err(|e| e.message.clone())?;
    match cloud {
        "aws" => Ok(&r.aws),
        "gcp" => Ok(&r.gcp),
        "azure" => Ok(&r.azure),
        other => Err(format!("unknown cloud `{other}`")),
    }
}

fn two_strings(args: &FuncArgs) -> Result<(String, String), String> {
    match (args.first(), args.get(1)) {
        (Some(Value::String(a)), Some(Value::String(b))) => Ok((a.clone(), b.clone())),
        _ => Err("expected (cloud, region) strings".into()),
    }
}

/// `is_us_region(cloud, region)`: a supported single-region US location (`policies/regions.hcl`).
fn is_us_region(args: FuncArgs) -> Result<Value, String> {
    let (cloud, region) = two_strings(&args)?;
    Ok(Value::Bool(cloud_regions(&cloud)?.is_supported(&region)))
}

/// `is_recommended_region(cloud, region)`: one of the docs' recommended regions.
fn is_recommended_region(args: FuncArgs) -> Result<Value, String> {
    let (cloud, region) = two_strings(&args)?;
    Ok(Value::Bool(cloud_regions(&cloud)?.is_recommended(&region)))
}

/// `azure_extra_key_ops(ops)`: the operations in `ops` beyond the ones Anthropic's app uses
/// (`wrapKey`, `unwrapKey` from `policies/identities.hcl`); `null` gives `[]`.
fn azure_extra_key_ops(args: FuncArgs) -> Result<Value, String> {
    let needed = &identities().map_err(|e| e.message.clone())?.azure.key_ops;
    let ops = match args.first() {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => return Err(format!("expected a list of operations, got `{other}`")),
    };
    Ok(Value::Array(
        ops.into_iter()
            .filter(|op| match op {
                Value::String(s) => !needed.iter().any(|n| n.eq_ignore_ascii_case(s)),
                _ => true,
            })
            .collect(),
    ))
}

/// `length(list_or_string)`; `null` has length 0.
fn length(args: FuncArgs) -> Result<Value, String> {
    match args.first() {
        Some(Value::Array(a)) => Ok(Value::from(a.len() as u64)),
        Some(Value::Object(o)) => Ok(Value::from(o.len() as u64)),
        Some(Value::String(s)) => Ok(Value::from(s.chars().count() as u64)),
        Some(Value::Null) | None => Ok(Value::from(0u64)),
        Some(other) => Err(format!("length of `{other}`")),
    }
}

/// `contains(list, value)`; a `null` list contains nothing.
fn contains(args: FuncArgs) -> Result<Value, String> {
    match (args.first(), args.get(1)) {
        (Some(Value::Array(a)), Some(v)) => Ok(Value::Bool(a.contains(v))),
        (Some(Value::Null), Some(_)) => Ok(Value::Bool(false)),
        _ => Err("expected (list, value)".into()),
    }
}

/// `join(separator, list)`, values rendered without quotes.
fn join(args: FuncArgs) -> Result<Value, String> {
    let sep = match args.first() {
        Some(Value::String(s)) => s.clone(),
        _ => return Err("expected (separator, list)".into()),
    };
    let items = match args.get(1) {
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>(),
        Some(Value::Null) => Vec::new(),
        _ => return Err("expected (separator, list)".into()),
    };
    Ok(Value::String(items.join(&sep)))
}

/// `coalesce(a, b, ...)`: the first argument that is not null.
fn coalesce(args: FuncArgs) -> Result<Value, String> {
    Ok(args
        .iter()
        .find(|v| !v.is_null())
        .cloned()
        .unwrap_or(Value::Null))
}

/// The functions every HCL rule may call. The list is documented in `policies/rules/README.md`.
pub const FUNCTIONS: &[&str] = &[
    "is_us_region(cloud, region)",
    "is_recommended_region(cloud, region)",
    "azure_extra_key_ops(ops)",
    "length(x)",
    "contains(list, value)",
    "join(sep, list)",
    "coalesce(a, b, ...)",
];

/// A context declaring [`FUNCTIONS`] (the `key` variable is declared per subject).
fn functions_context() -> Context<'static> {
    let mut ctx = Context::new();
    let two = || vec![ParamType::String, ParamType::String];
    ctx.declare_func("is_us_region", FuncDef::new(is_us_region, two()));
    ctx.declare_func(
        "is_recommended_region",
        FuncDef::new(is_recommended_region, two()),
    );
    ctx.declare_func(
        "azure_extra_key_ops",
        FuncDef::new(azure_extra_key_ops, vec![ParamType::Any]),
    );
    ctx.declare_func("length", FuncDef::new(length, vec![ParamType::Any]));
    ctx.declare_func(
        "contains",
        FuncDef::new(contains, vec![ParamType::Any, ParamType::Any]),
    );
    ctx.declare_func(
        "join",
        FuncDef::new(join, vec![ParamType::String, ParamType::Any]),
    );
    ctx.declare_func(
        "coalesce",
        FuncDef::builder()
            .variadic_param(ParamType::Any)
            .build(coalesce),
    );
    ctx
}

fn opt<T: Into<Value>>(v: Option<T>) -> Value {
    v.map_or(Value::Null, Into::into)
}

fn opt_str(v: &Option<String>) -> Value {
    opt(v.clone())
}

/// The `key` object a rule sees, or `None` when the rule does not apply to `subject`. Every
/// fact the input does not give is `null`; the documented names are in
/// `policies/rules/README.md`.
pub fn key_facts(subject: &Subject, applies_to: &str) -> Option<Value> {
    let mut m = hcl::Map::new();
    match (subject, applies_to) {
        (Subject::Aws(a), "aws_key") if a.address.is_some() => {
            m.insert("cloud".into(), "aws".into());
            m.insert("region".into(), opt_str(&a.region));
            m.insert("multi_region".into(), opt(a.multi_region));
            m.insert("rotation".into(), opt(a.rotation));
            m.insert("key_spec".into(), opt_str(&a.key_spec));
            m.insert("key_usage".into(), opt_str(&a.key_usage));
            m.insert("key_state".into(), opt_str(&a.key_state));
        }
        (Subject::Gcp(g), "gcp_key") if g.address.is_some() => {
            m.insert("cloud".into(), "gcp".into());
            let loc = opt_str(&g.location);
            m.insert("location".into(), loc.clone());
            m.insert("region".into(), loc);
            m.insert(
                "rotation_period_days".into(),
                opt(g.rotation_period_seconds.map(|s| s / 86_400)),
            );
            m.insert("purpose".into(), opt_str(&g.purpose));
            m.insert(
                "protection_level".into(),
                opt(g.protection_level.map(|p| match p {
                    GcpProtectionLevel::Hsm => "HSM",
                    GcpProtectionLevel::Software => "SOFTWARE",
                })),
            );
        }
        (Subject::Azure(z), "azure_key") if z.address.is_some() => {
            m.insert("cloud".into(), "azure".into());
            m.insert("key_type".into(), opt_str(&z.key_type));
            m.insert("key_size".into(), opt(z.key_size));
            m.insert(
                "key_ops".into(),
                opt(z
                    .key_ops
                    .as_ref()
                    .map(|ops| Value::Array(ops.iter().cloned().map(Value::from).collect()))),
            );
            let v = z.vault.as_ref();
            m.insert("vault".into(), opt(v.map(|v| v.name.clone())));
            m.insert(
                "vault_rbac_authorization".into(),
                opt(v.and_then(|v| v.rbac_authorization)),
            );
            m.insert(
                "vault_purge_protection".into(),
                opt(v.and_then(|v| v.purge_protection)),
            );
            m.insert(
                "vault_public_network_access".into(),
                opt(v.and_then(|v| v.public_network_access)),
            );
            m.insert(
                "vault_network_default_action".into(),
                opt(v.and_then(|v| v.network_default_action.clone())),
            );
        }
        _ => return None,
    }
    Some(Value::Object(m))
}

/// Where a finding on `subject` about `key.vault_*` facts points: the vault when known.
fn location_for(rule: &HclRule, subject: &Subject) -> Location {
    if let Subject::Azure(z) = subject
        && let Some(v) = &z.vault
        && rule.mentions_vault
    {
        return v.location.clone();
    }
    subject.origin().clone()
}

/// The subject kind HCL rules name in `applies_to` (`aws_key`, `gcp_key`, `azure_key`).
fn subject_kind(subject: &Subject) -> &'static str {
    match subject {
        Subject::Aws(_) => "aws_key",
        Subject::Gcp(_) => "gcp_key",
        Subject::Azure(_) => "azure_key",
    }
}

/// The evaluation context HCL rules run in: [`FUNCTIONS`], declared once and kept across
/// subjects, plus the current subject's `key` facts, built on first use and shared by every
/// HCL rule that checks that subject (building the context per rule and per subject was most
/// of the cost of the HCL rules).
///
/// Invariant: call [`SubjectContext::next_subject`] before the rules of each new subject (the
/// engine does). The facts do not depend on the rule: a rule applies to a subject exactly when
/// the subject is of the rule's `applies_to` kind, and then [`key_facts`] gives the same
/// object for every such rule.
#[derive(Default)]
pub struct SubjectContext {
    /// The functions, and `key` when `current` is `Some(true)`.
    ctx: Option<Context<'static>>,
    /// `None` until the current subject's facts are computed; then whether it has any.
    current: Option<bool>,
}

impl SubjectContext {
    /// Forget the previous subject's facts (the declared functions stay).
    pub fn next_subject(&mut self) {
        self.current = None;
    }

    /// The context for `subject` (whose kind is `applies_to`), or `None` when it has no facts.
    fn for_subject(&mut self, subject: &Subject, applies_to: &str) -> Option<&Context<'static>> {
        if self.current.is_none() {
            let facts = key_facts(subject, applies_to);
            self.current = Some(facts.is_some());
            if let Some(key) = facts {
                self.ctx
                    .get_or_insert_with(functions_context)
                    .declare_var("key", key);
            }
        }
        match self.current {
            Some(true) => self.ctx.as_ref(),
            _ => None,
        }
    }
}

impl HclRule {
    /// Evaluate the rule against one subject.
    pub fn check(&self, subject: &Subject, out: &mut Vec<Hit>) {
        self.check_in(subject, &mut SubjectContext::default(), out);
    }

    /// Evaluate the rule against one subject, reusing (or building) the subject's context in
    /// `shared` (see [`SubjectContext`] for when to call `next_subject`).
    pub fn check_in(&self, subject: &Subject, shared: &mut SubjectContext, out: &mut Vec<Hit>) {
        if subject_kind(subject) != self.applies_to {
            return;
        }
        let Some(ctx) = shared.for_subject(subject, self.applies_to) else {
            return;
        };
        let at = location_for(self, subject);
        match self.assert.evaluate(ctx) {
            Ok(Value::Bool(true)) => {}
            Ok(Value::Bool(false)) => {
                let message = match self.message.evaluate(ctx) {
                    Ok(Value::String(s)) => s,
                    Ok(other) => other.to_string(),
                    Err(e) => format!("{} (message failed to evaluate: {e})", self.meta.summary),
                };
                out.push(Hit::new(message, at));
            }
            Ok(other) => out.push(Hit::new(
                format!("rule `assert` evaluated to `{other}`, not a bool"),
                at,
            )),
            Err(e) => out.push(Hit::new(
                format!("rule `assert` failed to evaluate: {e}"),
                at,
            )),
        }
    }
}
