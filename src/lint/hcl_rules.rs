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
//! facts as `key.*` and the domain functions `is_us_region(cloud, region)` and
//! `is_recommended_region(cloud, region)` (from `policies/regions.hcl`). A rule applies only to
//! subjects of its `applies_to` kind (`aws_key`, `gcp_key`, `azure_key`) that come from a spec.
//! Built-in rule files are checked by the tests; a rule whose expression fails to evaluate
//! reports that failure as a finding instead of passing silently.

use std::sync::OnceLock;

use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use hcl::{Expression, Value};

use super::finding::{RuleMeta, Severity};
use super::rules::Hit;
use super::subject::Subject;
use crate::policy::identities::{CloudRegions, regions};

const BUILTIN: &[(&str, &str)] = &[(
    "policies/rules/gcp.hcl",
    include_str!("../../policies/rules/gcp.hcl"),
)];

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
}

/// A rule defined in HCL, ready to run.
#[derive(Debug, Clone)]
pub struct HclRule {
    pub meta: RuleMeta,
    applies_to: &'static str,
    assert: &'static Expression,
    message: &'static Expression,
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
        out.push(RuleData {
            summary: text_attr(b, "summary", file, &id)?,
            applies_to: text_attr(b, "applies_to", file, &id)?,
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
    static DATA: OnceLock<(Vec<RuleData>, Vec<String>)> = OnceLock::new();
    static RULES: OnceLock<Vec<HclRule>> = OnceLock::new();
    let (data, _) = DATA.get_or_init(load_builtin);
    RULES.get_or_init(|| {
        data.iter()
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
            })
            .collect()
    })
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

fn is_us_region(args: FuncArgs) -> Result<Value, String> {
    let (cloud, region) = two_strings(&args)?;
    Ok(Value::Bool(cloud_regions(&cloud)?.is_supported(&region)))
}

fn is_recommended_region(args: FuncArgs) -> Result<Value, String> {
    let (cloud, region) = two_strings(&args)?;
    Ok(Value::Bool(cloud_regions(&cloud)?.is_recommended(&region)))
}

/// The `key` object a rule sees, or `None` when the rule does not apply to `subject`.
fn key_facts(subject: &Subject, applies_to: &str) -> Option<Value> {
    let mut m = hcl::Map::new();
    match (subject, applies_to) {
        (Subject::Aws(a), "aws_key") if a.address.is_some() => {
            m.insert("cloud".into(), "aws".into());
            m.insert(
                "region".into(),
                a.region.clone().map_or(Value::Null, Value::from),
            );
            m.insert(
                "multi_region".into(),
                a.multi_region.map_or(Value::Null, Value::from),
            );
            m.insert(
                "rotation".into(),
                a.rotation.map_or(Value::Null, Value::from),
            );
        }
        (Subject::Gcp(g), "gcp_key") if g.address.is_some() => {
            m.insert("cloud".into(), "gcp".into());
            let loc = g.location.clone().map_or(Value::Null, Value::from);
            m.insert("location".into(), loc.clone());
            m.insert("region".into(), loc);
            m.insert(
                "rotation_period_days".into(),
                g.rotation_period_seconds
                    .map_or(Value::Null, |s| Value::from(s / 86_400)),
            );
        }
        (Subject::Azure(z), "azure_key") if z.address.is_some() => {
            m.insert("cloud".into(), "azure".into());
            m.insert(
                "key_size".into(),
                z.key_size.map_or(Value::Null, Value::from),
            );
        }
        _ => return None,
    }
    Some(Value::Object(m))
}

impl HclRule {
    /// Evaluate the rule against one subject.
    pub fn check(&self, subject: &Subject, out: &mut Vec<Hit>) {
        let Some(key) = key_facts(subject, self.applies_to) else {
            return;
        };
        let mut ctx = Context::new();
        ctx.declare_var("key", key);
        ctx.declare_func(
            "is_us_region",
            FuncDef::new(is_us_region, vec![ParamType::String, ParamType::String]),
        );
        ctx.declare_func(
            "is_recommended_region",
            FuncDef::new(
                is_recommended_region,
                vec![ParamType::String, ParamType::String],
            ),
        );
        let at = subject.origin().clone();
        match self.assert.evaluate(&ctx) {
            Ok(Value::Bool(true)) => {}
            Ok(Value::Bool(false)) => {
                let message = match self.message.evaluate(&ctx) {
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
