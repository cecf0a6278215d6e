//! CMEK-AWS-011: simulating Anthropic's validation requests against the policy denies one of
//! them (Deny statements, IP conditions, `aws:PrincipalOrgID`, missing compartments...).
//! See `RULE.docs`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::{Hit, aws_policy};
use crate::lint::facts::{Ctx, anthropic_allows, values_of};
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;
use crate::policy::aws::eval::CompiledPolicy;
use crate::policy::aws::request::Request;
use crate::policy::identities::AwsPolicyEra;
use crate::policy::render::aws::AwsAccessInput;
use crate::policy::render::is_bare_lowercase_uuid;
use crate::policy::simulate::{
    AccessModel, AnthropicRequest, Check, Expected, aws_requests_for_era, simulate_aws_policy,
};
use crate::spec::model::Platform;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AWS-011",
    summary: "Anthropic's validation requests would be denied",
    severity: Severity::Error,
    suppressible: false,
    section: "§4",
    remedy: "Change the statement that denies (or add a carve-out for Anthropic's role) so the \
             documented requests are allowed.",
    docs: "## What it does\nSimulates the requests Anthropic makes when validating the key \
(`kms:DescribeKey`, then `kms:Encrypt`/`kms:Decrypt` with the organization and all-zeros \
compartment encryption context) with cmek's policy evaluator, and reports any that the policy \
denies, with the evaluator's explanation.\n\n## Why it matters\nDeny statements, IP conditions \
(`aws:SourceIp`), `aws:PrincipalOrgID` conditions and missing compartments all block Anthropic \
in ways a syntax check cannot see; validation fails and traffic stops.\n\n## Example\n```json\n\
{\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"kms:*\", \"Resource\": \"*\", \
\"Condition\": {\"StringNotEquals\": {\"aws:PrincipalOrgID\": \"o-abc123\"}}}\n```\n\n## Fix\nAdd a \
carve-out for `arn:aws:iam::915198916910:role/anthropic-cmek-client-us`.\n\n## Source\n\
domain/anthropic-cmek.md §4.\n",
};

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Some((a, doc)) = aws_policy(s) else {
        return;
    };
    if a.platform == Platform::ClaudePlatformAws {
        return; // needs the workspaces' compartments, which a policy alone does not give
    }
    // The organizations to simulate: the configured ones, else the ones the policy binds.
    let mut orgs = a.org_uuids.clone();
    if orgs.is_empty() {
        let org_key = crate::lint::facts::context_condition_key(&cx.ids.aws.org_context_key);
        for (_, st) in anthropic_allows(doc, cx, a.platform) {
            orgs.extend(
                values_of(st, &org_key)
                    .into_iter()
                    .filter(|v| is_bare_lowercase_uuid(v)),
            );
        }
    }
    orgs.sort();
    orgs.dedup();
    if orgs.is_empty() {
        return; // CMEK-AWS-006/007 explain why there is nothing to simulate
    }
    let account = a
        .account_id
        .clone()
        .unwrap_or_else(|| "111122223333".into());
    let region = a.region.clone().unwrap_or_else(|| "us-east-2".into());
    let input = AwsAccessInput::org_bound(a.platform, account.clone(), region.clone(), orgs);
    let key_id = a
        .key_id
        .clone()
        .unwrap_or_else(|| "1234abcd-12ab-34cd-56ef-1234567890ab".into());
    let key_arn = if key_id.starts_with("arn:") {
        key_id
    } else {
        format!("arn:aws:kms:{region}:{account}:key/{key_id}")
    };
    // Anthropic's requests as the docs era of this run describes them (`--docs-era`). Only
    // the requests that must be allowed matter here (CMEK-AWS-006/007 cover the probes that
    // must be denied), and only the denied ones need the evaluator's explanation.
    let denied: Vec<(String, Check)> = match cx.era {
        Some(era) => {
            let Some(requests) = requests_for_era(&input, &key_arn, era) else {
                return;
            };
            let compiled = CompiledPolicy::new(doc);
            requests
                .iter()
                .filter(|r| r.expected == Expected::Allowed && !compiled.allows(&r.request))
                .map(|r| (r.id.clone(), compiled.check(&r.request)))
                .collect()
        }
        None => match simulate_aws_policy(doc, &input, &key_arn) {
            Ok(r) => r
                .outcomes
                .into_iter()
                .filter(|o| !o.ok && o.expected == Expected::Allowed)
                .map(|o| (o.id, o.check))
                .collect(),
            Err(_) => return,
        },
    };
    // One finding per set of deciding statements, so a Deny that blocks three requests is one
    // finding that names them.
    let mut grouped: BTreeMap<Vec<String>, (Vec<String>, String)> = BTreeMap::new();
    for (id, check) in denied {
        let entry = grouped
            .entry(check.deciding)
            .or_insert_with(|| (Vec::new(), check.explanation));
        entry.0.push(id);
    }
    for (deciding, (ids, explanation)) in grouped {
        let location = deciding
            .first()
            .and_then(|label| {
                doc.statements
                    .iter()
                    .enumerate()
                    .position(|(i, st)| &st.label(i) == label)
            })
            .map(|i| a.statement_location(i))
            .unwrap_or_else(|| a.policy_origin.clone());
        out.push(Hit::new(
            format!(
                "Anthropic's request(s) {} would be denied: {explanation}",
                ids.join(", ")
            ),
            location,
        ));
    }
}

/// Anthropic's requests for one key shape, shared with the other keys of that shape.
type Requests = Rc<Vec<AnthropicRequest<Request>>>;

/// A key shape: the docs era (by address), the access input and the key ARN.
type Shape = (usize, AwsAccessInput, String);

/// How many request sets each thread keeps: a spec's keys share a few shapes (one per
/// account, region and organization set), so a handful covers them; more shapes only cost a
/// rebuild.
const CACHED_SHAPES: usize = 8;

thread_local! {
    /// Request sets by (era, access input, key ARN), most recently built last. The requests
    /// are a pure function of these (and of the pinned identities, fixed for the process), so
    /// reusing them cannot change a result; building them per key was a large share of
    /// linting a big spec.
    static REQUESTS: RefCell<Vec<(Shape, Requests)>> =
        const { RefCell::new(Vec::new()) };
}

/// [`aws_requests_for_era`], reusing the set built for an earlier key of the same shape on
/// this thread. `None` when the pinned data cannot give the requests.
fn requests_for_era(
    input: &AwsAccessInput,
    key_arn: &str,
    era: &'static AwsPolicyEra,
) -> Option<Requests> {
    let era_id = std::ptr::from_ref(era) as usize;
    let hit = REQUESTS.with_borrow(|cache| {
        cache
            .iter()
            .find(|((e, i, k), _)| *e == era_id && i == input && k == key_arn)
            .map(|(_, r)| Rc::clone(r))
    });
    if hit.is_some() {
        return hit;
    }
    let requests: Requests = Rc::new(aws_requests_for_era(input, key_arn, era).ok()?);
    REQUESTS.with_borrow_mut(|cache| {
        if cache.len() >= CACHED_SHAPES {
            cache.remove(0);
        }
        cache.push((
            (era_id, input.clone(), key_arn.to_string()),
            Rc::clone(&requests),
        ));
    });
    Some(requests)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::identities::identities;

    fn input(account: &str) -> AwsAccessInput {
        AwsAccessInput::org_bound(
            Platform::ClaudePlatform,
            account.into(),
            "us-east-2".into(),
            vec!["4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f".into()],
        )
    }

    #[test]
    fn cached_requests_are_the_requests_of_their_own_shape() {
        let ids = identities().unwrap();
        for era in &ids.eras {
            for account in ["111122223333", "444455556666", "111122223333"] {
                let i = input(account);
                let arn = format!("arn:aws:kms:us-east-2:{account}:key/k");
                let cached = requests_for_era(&i, &arn, era).unwrap();
                let fresh = aws_requests_for_era(&i, &arn, era).unwrap();
                assert_eq!(*cached, fresh, "era {} account {account}", era.name);
            }
        }
    }

    #[test]
    fn the_cache_stays_small() {
        let ids = identities().unwrap();
        let era = ids.current_era().unwrap();
        for n in 0..3 * CACHED_SHAPES {
            let account = format!("{:012}", n);
            let arn = format!("arn:aws:kms:us-east-2:{account}:key/k");
            let cached = requests_for_era(&input(&account), &arn, era).unwrap();
            assert_eq!(
                *cached,
                aws_requests_for_era(&input(&account), &arn, era).unwrap()
            );
        }
        REQUESTS.with_borrow(|c| assert!(c.len() <= CACHED_SHAPES));
    }
}
