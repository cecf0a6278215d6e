//! Facts about AWS key policies that several rules share: which statements are Anthropic's,
//! what they grant, which condition entries they carry, and look-alike detection.

use crate::policy::aws::condition::{BaseOperator, OperatorKind};
use crate::policy::aws::principal::parse_arn;
use crate::policy::aws::{ConditionEntry, Effect, PolicyDocument, PrincipalType, Statement};
use crate::policy::identities::{
    AwsPolicyEra, ConditionUse, DataError, Identities, Regions, identities, regions,
};
use crate::policy::wildcard;
use crate::spec::model::Platform;

/// Pinned data every rule may read, and the docs era the run checks against.
pub struct Ctx {
    pub ids: &'static Identities,
    pub regions: &'static Regions,
    /// The AWS key-policy era of the docs the policies are checked against (`--docs-era`;
    /// the current docs by default). `None` only if the pinned data has no era at all.
    pub era: Option<&'static AwsPolicyEra>,
}

impl Ctx {
    /// Checks against the current docs.
    pub fn load() -> Result<Ctx, DataError> {
        let ids = identities()?;
        Ok(Ctx {
            ids,
            regions: regions()?,
            era: ids.current_era(),
        })
    }

    /// Checks against the docs era `name` (`june_2026`, `july_2026`, `current`).
    pub fn load_era(name: &str) -> Result<Ctx, DataError> {
        let mut cx = Ctx::load()?;
        cx.era = Some(cx.ids.era(name).ok_or_else(|| DataError {
            file: "policies/identities.hcl",
            message: format!(
                "unknown docs era `{name}`; known: {}",
                cx.ids
                    .eras
                    .iter()
                    .map(|e| e.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?);
        Ok(cx)
    }

    /// Whether the era requires the organization binding (the current docs do).
    pub fn org_binding_required(&self) -> bool {
        self.era
            .is_none_or(|e| e.org_condition == ConditionUse::Required)
    }

    /// Whether validation sends the all-zeros compartment in this era.
    pub fn all_zeros_required(&self) -> bool {
        self.era
            .is_none_or(|e| e.compartment_list_must_include_all_zeros)
    }

    /// The principal Anthropic uses on `platform` (role ARN or service principal).
    pub fn anthropic_principal(&self, platform: Platform) -> &str {
        match platform {
            Platform::ClaudePlatformAws => &self.ids.aws.service_principal,
            _ => &self.ids.aws.role_arn,
        }
    }
}

/// Does `stmt` name exactly Anthropic's published principal for `platform`?
pub fn names_anthropic(stmt: &Statement, cx: &Ctx, platform: Platform) -> bool {
    let published = cx.anthropic_principal(platform);
    stmt.principal.as_ref().is_some_and(|p| {
        p.entries().any(|(t, v)| {
            (*t == PrincipalType::Aws || *t == PrincipalType::Service) && v == published
        })
    })
}

/// Allow statements naming Anthropic's published principal, with their indexes.
pub fn anthropic_allows<'a>(
    doc: &'a PolicyDocument,
    cx: &'a Ctx,
    platform: Platform,
) -> impl Iterator<Item = (usize, &'a Statement)> + 'a {
    doc.statements
        .iter()
        .enumerate()
        .filter(move |(_, s)| s.effect == Effect::Allow && names_anthropic(s, cx, platform))
}

/// Does `stmt` grant `action` (case-insensitive, wildcards and `NotAction` honoured)?
pub fn grants(stmt: &Statement, action: &str) -> bool {
    if let Some(actions) = &stmt.action {
        return actions.iter().any(|a| wildcard::matches(a, action, true));
    }
    if let Some(not) = &stmt.not_action {
        return !not.iter().any(|a| wildcard::matches(a, action, true));
    }
    false
}

/// Every condition entry of `stmt`, with its operator kind.
pub fn condition_entries(stmt: &Statement) -> Vec<(OperatorKind, &str, &ConditionEntry)> {
    let mut out = Vec::new();
    if let Some(c) = &stmt.condition {
        for clause in &c.clauses {
            for e in &clause.entries {
                out.push((clause.operator.kind(), clause.operator.raw(), e));
            }
        }
    }
    out
}

/// Whether an operator is a `...IfExists` one (holds when the key is absent).
pub fn is_if_exists(kind: OperatorKind) -> bool {
    matches!(
        kind,
        OperatorKind::Known {
            if_exists: true,
            ..
        }
    )
}

/// Whether an operator is plain, non-negated string equality (with or without `IfExists`).
pub fn is_string_equals(kind: OperatorKind) -> bool {
    matches!(
        kind,
        OperatorKind::Known {
            base: BaseOperator::StringEquals,
            ..
        }
    )
}

/// The condition values of `stmt` for `key_lc` (lowercase condition key).
pub fn values_of(stmt: &Statement, key_lc: &str) -> Vec<String> {
    condition_entries(stmt)
        .into_iter()
        .filter(|(_, _, e)| e.key_lc == key_lc)
        .flat_map(|(_, _, e)| e.values.iter().map(|v| v.as_text().into_owned()))
        .collect()
}

/// Levenshtein distance (small inputs only: account ids, role names). Counts characters
/// (not bytes); two rows of the table, reused.
pub fn edit_distance(a: &str, b: &str) -> usize {
    if a.is_ascii() && b.is_ascii() {
        levenshtein(a.as_bytes(), b.as_bytes())
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        levenshtein(&a, &b)
    }
}

fn levenshtein<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Map characters that look like ASCII letters, digits or punctuation to that ASCII character
/// (Cyrillic and Greek homoglyphs, full-width forms, dashes). Other characters are kept.
pub fn fold_confusables(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'а' | 'α' => 'a',
            'е' | 'ε' => 'e',
            'о' | 'ο' | 'օ' => 'o',
            'р' | 'ρ' => 'p',
            'с' | 'ϲ' => 'c',
            'у' => 'y',
            'х' | 'χ' => 'x',
            'і' | 'ι' | 'ӏ' => 'i',
            'ѕ' => 's',
            'ј' => 'j',
            'ԁ' => 'd',
            'ɡ' => 'g',
            'ո' => 'n',
            'т' => 't',
            'м' => 'm',
            'к' | 'κ' => 'k',
            'ν' => 'v',
            'О' | 'Ο' => '0',
            'ⅼ' | 'Ӏ' => 'l',
            '‐' | '‑' | '‒' | '–' | '—' | '−' => '-',
            '：' => ':',
            '／' => '/',
            c if ('０'..='９').contains(&c) => {
                char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c)
            }
            c => c,
        })
        .collect()
}

/// Why an AWS principal value looks like, but is not, Anthropic's published role.
pub fn lookalike_reason(value: &str, cx: &Ctx) -> Option<String> {
    let role = cx.ids.aws.role_arn.as_str();
    let account = cx.ids.aws.account_id.as_str();
    if value == role {
        return None;
    }
    let folded = fold_confusables(value);
    if !value.is_ascii() {
        if folded == role || folded.contains(account) || folded.contains("anthropic") {
            return Some(format!(
                "`{value}` contains non-ASCII characters that look like Anthropic's role ARN \
                 (`{folded}` once folded)"
            ));
        }
        return None;
    }
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        let d = edit_distance(value, account);
        return (d > 0 && d <= 2).then(|| {
            format!("account `{value}` is {d} edit(s) away from Anthropic's account `{account}`")
        });
    }
    let arn = parse_arn(value)?;
    let role_name = role.rsplit('/').next().unwrap_or(role);
    let resource_name = arn.resource.rsplit('/').next().unwrap_or(arn.resource);
    if arn.account == account {
        if arn.partition != "aws" {
            return Some(format!(
                "partition `{}`: Anthropic's role lives only in the commercial partition `aws`",
                arn.partition
            ));
        }
        if arn.resource == "root" {
            return None; // the whole account: an over-broad grant, not a look-alike
        }
        return Some(format!(
            "`{}` in Anthropic's account is not the published role `{role_name}`",
            arn.resource
        ));
    }
    let d = edit_distance(arn.account, account);
    if d > 0 && d <= 2 {
        return Some(format!(
            "account `{}` is {d} edit(s) away from Anthropic's account `{account}`",
            arn.account
        ));
    }
    if resource_name
        .to_ascii_lowercase()
        .contains("anthropic-cmek")
    {
        return Some(format!(
            "role `{resource_name}` is named like Anthropic's but lives in account `{}`, not \
             `{account}`",
            arn.account
        ));
    }
    None
}

/// Whether an operator is a negated one (`StringNotEquals`, `ArnNotLike`, ...), or unknown.
pub fn is_negated(kind: OperatorKind) -> bool {
    match kind {
        OperatorKind::Known { base, .. } => base.is_negated(),
        OperatorKind::Unknown => true,
    }
}

/// The full, lowercase condition key for an encryption-context key (`anthropic:org_uuid` →
/// `kms:encryptioncontext:anthropic:org_uuid`).
pub fn context_condition_key(context_key: &str) -> String {
    format!("kms:encryptioncontext:{}", context_key.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("915198916910", "915198916910"), 0);
        assert_eq!(edit_distance("915198916910", "915198916911"), 1);
        assert_eq!(edit_distance("915198916910", "91519891691"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        // Non-ASCII: one character, however many bytes.
        assert_eq!(edit_distance("аnthropic", "anthropic"), 1);
        assert_eq!(edit_distance("ａｂ", "ab"), 2);
    }
}
