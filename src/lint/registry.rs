//! Every rule the engine runs, in id order.

use super::facts::Ctx;
use super::finding::RuleMeta;
use super::hcl_rules::{self, HclRule, SubjectContext};
use super::rules::{self, CheckFn, Hit};
use super::subject::Subject;

/// How a rule checks a subject.
#[derive(Clone, Copy)]
pub enum Check {
    /// A Rust rule (`src/lint/rules/`).
    Rust(CheckFn),
    /// A rule from `policies/rules/*.hcl`.
    Hcl(&'static HclRule),
}

/// A rule: its metadata and its check.
#[derive(Clone, Copy)]
pub struct Rule {
    pub meta: RuleMeta,
    pub check: Check,
}

impl Rule {
    pub fn run(&self, subject: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
        self.run_in(subject, cx, &mut SubjectContext::default(), out);
    }

    /// [`Rule::run`], sharing `shared` between the HCL rules (call
    /// [`SubjectContext::next_subject`] before the first rule of each subject).
    pub fn run_in(
        &self,
        subject: &Subject,
        cx: &Ctx,
        shared: &mut SubjectContext,
        out: &mut Vec<Hit>,
    ) {
        match self.check {
            Check::Rust(f) => f(subject, cx, out),
            Check::Hcl(r) => r.check_in(subject, shared, out),
        }
    }
}

macro_rules! rule {
    ($m:ident) => {
        Rule {
            meta: rules::$m::RULE,
            check: Check::Rust(rules::$m::check),
        }
    };
}

/// All built-in rules: the Rust rules, then the HCL rules, sorted by id.
pub fn all() -> Vec<Rule> {
    let mut v = rust_rules();
    v.extend(hcl_rules::builtin().iter().map(|r| Rule {
        meta: r.meta,
        check: Check::Hcl(r),
    }));
    v.sort_by_key(|r| r.meta.id);
    v
}

fn rust_rules() -> Vec<Rule> {
    vec![
        rule!(aws_001_anthropic_missing),
        rule!(aws_002_lookalike_principal),
        rule!(aws_003_wildcard_principal),
        rule!(aws_004_not_principal),
        rule!(aws_005_external_access),
        rule!(aws_006_org_binding_missing),
        rule!(aws_007_org_binding_wrong),
        rule!(aws_008_describe_context),
        rule!(aws_009_describe_missing),
        rule!(aws_010_overbroad_grant),
        rule!(aws_011_anthropic_denied),
        rule!(aws_012_owner_lockout),
        rule!(aws_013_all_zeros_compartment),
        rule!(aws_014_unsent_context_key),
        rule!(aws_015_multi_region),
        rule!(aws_016_region_not_us),
        rule!(aws_017_region_not_recommended),
        rule!(aws_018_rotation_disabled),
        rule!(aws_022_served_compartment_denied),
        rule!(az_001_key_size),
        rule!(az_002_org_tag_missing),
        rule!(az_009_role_scope_wide),
        rule!(gcp_001_location),
        rule!(gcp_002_viewer_missing),
        rule!(gcp_003_crypto_missing),
        rule!(gcp_004_public_members),
        rule!(gcp_005_software_protection),
        rule!(gcp_006_org_label_missing),
        rule!(gcp_009_binding_above_key),
        rule!(gcp_011_lookalike_member),
        rule!(gen_001_unknown_operator),
    ]
}

/// The built-in rule with `id` (case-insensitive).
pub fn find(id: &str) -> Option<Rule> {
    all()
        .into_iter()
        .find(|r| r.meta.id.eq_ignore_ascii_case(id))
}

/// The rules of one run: the built-in ones plus user rules (`--policies`, `lint { policies }`),
/// sorted by id. Ids are unique (case-insensitive).
#[derive(Clone)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    pub fn builtin() -> RuleSet {
        RuleSet { rules: all() }
    }

    /// The built-in rules plus `user`; a user rule reusing an existing id is an error.
    pub fn with_user(user: &[&'static HclRule]) -> Result<RuleSet, String> {
        let mut set = RuleSet::builtin();
        for r in user {
            if let Some(existing) = set.find(r.meta.id) {
                return Err(format!(
                    "rule id `{}` is already defined ({}); user rules need their own ids",
                    r.meta.id,
                    if registry_has(existing.meta.id) {
                        "built in"
                    } else {
                        "by another policy file"
                    }
                ));
            }
            set.rules.push(Rule {
                meta: r.meta,
                check: Check::Hcl(r),
            });
        }
        set.rules.sort_by_key(|r| r.meta.id);
        Ok(set)
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn find(&self, id: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.meta.id.eq_ignore_ascii_case(id))
    }

    /// Every rule's metadata, in id order.
    pub fn metas(&self) -> Vec<RuleMeta> {
        self.rules.iter().map(|r| r.meta).collect()
    }
}

fn registry_has(id: &str) -> bool {
    find(id).is_some()
}
