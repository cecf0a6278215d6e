//! Property tests: canonicalization is idempotent and order-invariant, evaluation of a policy
//! equals evaluation of its canonical form, and `narrowed` reports exactly the requests that
//! flip from allowed to not allowed.

mod policy_support;

use cmek::policy::aws::canonical::{canonicalize, semantically_equal};
use cmek::policy::aws::condition::Operator;
use cmek::policy::aws::document::{
    ConditionBlock, ConditionClause, ConditionEntry, ConditionValue, Effect, OneOrMany,
    PolicyDocument, PrincipalBlock, PrincipalType, Statement,
};
use cmek::policy::aws::{CompiledPolicy, Request, RequestPrincipal, evaluate};
use cmek::policy::render::aws::{AwsAccessInput, CompartmentStatus, render_aws_policy};
use cmek::policy::simulate::{Expected, aws_requests, narrowed};
use cmek::spec::model::Platform;
use policy_support::*;
use proptest::prelude::*;

const AWS_PRINCIPALS: [&str; 6] = [
    ROLE,
    "111122223333",
    "arn:aws:iam::111122223333:root",
    "arn:aws:iam::915198916910:root",
    "arn:aws:iam::999988887777:role/x",
    "*",
];
const ACTIONS: [&str; 8] = [
    "kms:Encrypt",
    "kms:decrypt",
    "KMS:Decrypt",
    "kms:*",
    "kms:Re*",
    "kms:DescribeKey",
    "*",
    "kms:GenerateDataKey*",
];
const OPERATORS: [&str; 12] = [
    "StringEquals",
    "StringEqualsIfExists",
    "StringNotEquals",
    "StringLike",
    "StringEqualsIgnoreCase",
    "ForAnyValue:StringEquals",
    "ForAllValues:StringLike",
    "ArnLike",
    "Bool",
    "Null",
    "IpAddress",
    "NotIpAddress",
];
const KEYS: [&str; 7] = [
    "kms:EncryptionContext:anthropic:org_uuid",
    "KMS:EncryptionContext:Anthropic:Org_UUID",
    "kms:EncryptionContext:anthropic:compartment_uuid",
    "kms:EncryptionContextKeys",
    "aws:SourceArn",
    "aws:SourceIp",
    "kms:CallerAccount",
];
const VALUES: [&str; 10] = [
    ORG,
    "4F1C2D3E-5A6B-4C7D-8E9F-0A1B2C3D4E5F",
    ZEROS,
    COMP1,
    "anthropic:*",
    "915198916910",
    "true",
    "10.0.0.0/8",
    "arn:aws:*:*:*:*",
    "4f1c*",
];

fn pick<T: Clone + std::fmt::Debug + 'static>(pool: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(pool)
}

fn strings(pool: &'static [&'static str], max: usize) -> impl Strategy<Value = OneOrMany<String>> {
    (
        proptest::collection::vec(pick(pool), 1..=max),
        any::<bool>(),
    )
        .prop_map(|(v, one)| {
            let v: Vec<String> = v.into_iter().map(str::to_string).collect();
            if one && v.len() == 1 {
                OneOrMany::One(v[0].clone())
            } else {
                OneOrMany::Many(v)
            }
        })
}

fn principal() -> impl Strategy<Value = PrincipalBlock> {
    prop_oneof![
        1 => Just(PrincipalBlock::Wildcard),
        6 => strings(&AWS_PRINCIPALS, 3).prop_map(|v| PrincipalBlock::Map(vec![(PrincipalType::Aws, v)])),
        2 => Just(PrincipalBlock::Map(vec![(PrincipalType::Service, OneOrMany::One(SERVICE.to_string()))])),
    ]
}

fn condition() -> impl Strategy<Value = Option<ConditionBlock>> {
    let entry = (
        pick(&KEYS),
        proptest::collection::vec(pick(&VALUES), 1..=3),
        any::<bool>(),
    )
        .prop_map(|(k, vs, as_bool)| {
            let vs: Vec<ConditionValue> = vs
                .into_iter()
                .map(|v| {
                    if as_bool && v == "true" {
                        ConditionValue::Bool(true)
                    } else {
                        ConditionValue::String(v.to_string())
                    }
                })
                .collect();
            ConditionEntry::new(k, OneOrMany::from_vec(vs))
        });
    let clause = (pick(&OPERATORS), proptest::collection::vec(entry, 1..=2)).prop_map(
        |(op, mut entries)| {
            // One object cannot hold a key twice (but may hold two spellings of it).
            let mut seen = std::collections::BTreeSet::new();
            entries.retain(|e| seen.insert(e.key.clone()));
            ConditionClause {
                operator: Operator::parse(op),
                entries,
            }
        },
    );
    proptest::option::weighted(0.6, proptest::collection::vec(clause, 1..=3)).prop_map(|c| {
        c.map(|mut clauses| {
            // One object cannot hold an operator twice.
            let mut seen = std::collections::BTreeSet::new();
            clauses.retain(|c| seen.insert(c.operator.raw().to_string()));
            ConditionBlock { clauses }
        })
    })
}

fn statement() -> impl Strategy<Value = Statement> {
    (
        proptest::option::of(pick(&["A", "B", "Crypto", "AllowAnthropicCMEKCrypto"])),
        prop_oneof![4 => Just(Effect::Allow), 1 => Just(Effect::Deny)],
        principal(),
        any::<u8>(),
        strings(&ACTIONS, 3),
        condition(),
    )
        .prop_map(|(sid, effect, p, shape, actions, condition)| {
            let mut s = Statement::new(effect);
            s.sid = sid.map(str::to_string);
            if shape % 7 == 0 {
                s.not_principal = Some(p);
            } else {
                s.principal = Some(p);
            }
            if shape % 5 == 0 {
                s.not_action = Some(actions);
            } else {
                s.action = Some(actions);
            }
            s.resource = Some(match shape % 3 {
                0 => OneOrMany::Many(vec!["*".into()]),
                1 => OneOrMany::One(KEY_ARN.into()),
                _ => OneOrMany::One("arn:aws:kms:us-east-2:111122223333:key/*".into()),
            });
            s.condition = condition;
            s
        })
}

fn policy() -> impl Strategy<Value = PolicyDocument> {
    proptest::collection::vec(statement(), 1..=6).prop_map(PolicyDocument::new)
}

/// Reorders everything whose order carries no meaning.
fn reorder(doc: &PolicyDocument, seed: u64) -> PolicyDocument {
    let mut d = doc.clone();
    let n = d.statements.len();
    if n > 1 {
        d.statements.rotate_left((seed as usize) % n);
    }
    if seed.is_multiple_of(2) {
        d.statements.reverse();
    }
    for s in &mut d.statements {
        for list in [&mut s.action, &mut s.not_action, &mut s.resource]
            .into_iter()
            .flatten()
        {
            if let OneOrMany::Many(v) = list {
                v.reverse();
            }
        }
        if let Some(c) = &mut s.condition {
            c.clauses.reverse();
            for clause in &mut c.clauses {
                for e in &mut clause.entries {
                    if let OneOrMany::Many(v) = &mut e.values {
                        v.reverse();
                    }
                }
            }
        }
    }
    d
}

fn requests() -> Vec<Request> {
    let mut input = platform_input();
    input
        .compartments
        .push(compartment(COMP2, WS2, CompartmentStatus::FormerlyAttached));
    let mut out: Vec<Request> = aws_requests(&input, KEY_ARN)
        .unwrap()
        .into_iter()
        .map(|r| r.request)
        .collect();
    for who in [
        RequestPrincipal::aws("arn:aws:iam::111122223333:role/App"),
        RequestPrincipal::aws("arn:aws:iam::111122223333:root"),
        RequestPrincipal::aws("arn:aws:iam::999988887777:role/x"),
        RequestPrincipal::service(SERVICE),
    ] {
        for action in ["kms:Encrypt", "kms:ReEncryptFrom", "kms:DescribeKey"] {
            out.push(
                Request::new(who.clone(), action, KEY_ARN)
                    .with_encryption_context("anthropic:org_uuid", ORG)
                    .with("aws:SourceIp", "10.1.2.3")
                    .with("aws:SourceArn", "arn:aws:s3:::bucket"),
            );
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn canonicalization_is_idempotent(doc in policy()) {
        let c = canonicalize(&doc);
        prop_assert_eq!(canonicalize(&c), c);
    }

    #[test]
    fn canonicalization_is_order_invariant(doc in policy(), seed in any::<u64>()) {
        let shuffled = reorder(&doc, seed);
        prop_assert_eq!(canonicalize(&shuffled), canonicalize(&doc));
        prop_assert!(semantically_equal(&shuffled, &doc));
    }

    #[test]
    fn evaluation_equals_evaluation_of_canonical_form(doc in policy()) {
        let original = CompiledPolicy::new(&doc);
        let canonical = CompiledPolicy::new(&canonicalize(&doc));
        for r in requests() {
            prop_assert_eq!(original.decide(&r).decision, canonical.decide(&r).decision, "{}", r.summary());
        }
    }

    #[test]
    fn round_trip_through_json_is_lossless(doc in policy()) {
        let again = cmek::policy::aws::parse_policy_value(&doc.to_json()).unwrap();
        prop_assert_eq!(again, doc);
    }

    #[test]
    fn narrowed_reports_exactly_the_flips(old in policy(), new in policy(), extra in 0usize..4) {
        let input = AwsAccessInput {
            compartments: vec![
                compartment(COMP1, WS1, CompartmentStatus::Attached),
                compartment(COMP2, WS2, CompartmentStatus::FormerlyAttached),
            ],
            ..platform_input()
        };
        // Half the time the pair shares the rendered (working) policy, so flips are likely.
        let base = render_aws_policy(&input).unwrap();
        let (mut old, mut new) = (old, new);
        if extra.is_multiple_of(2) {
            let mut o = base.clone();
            o.statements.append(&mut old.statements);
            old = o;
            let mut n = base.clone();
            n.statements.remove(1 + (extra / 2) % 2);
            n.statements.extend(new.statements.drain(..extra.min(new.statements.len())));
            new = n;
        }
        let requests = aws_requests(&input, KEY_ARN).unwrap();
        let flips = narrowed(&CompiledPolicy::new(&old), &CompiledPolicy::new(&new), &requests);
        let expected: Vec<String> = requests
            .iter()
            .filter(|r| r.expected == Expected::Allowed)
            .filter(|r| evaluate(&old, &r.request).decision.is_allowed() && !evaluate(&new, &r.request).decision.is_allowed())
            .map(|r| r.id.clone())
            .collect();
        let got: Vec<String> = flips.iter().map(|f| f.id.clone()).collect();
        prop_assert_eq!(got, expected);
        for f in &flips {
            prop_assert!(f.before.allowed && !f.after.allowed);
        }
    }
}

#[test]
fn removing_any_anthropic_statement_from_the_rendered_policy_is_narrowing() {
    let input = AwsAccessInput {
        protects_pre_current_data: true,
        platform: Platform::ClaudePlatform,
        ..platform_input()
    };
    let full = render_aws_policy(&input).unwrap();
    let requests = aws_requests(&input, KEY_ARN).unwrap();
    for i in 1..full.statements.len() {
        let mut less = full.clone();
        let removed = less.statements.remove(i);
        let flips = narrowed(
            &CompiledPolicy::new(&full),
            &CompiledPolicy::new(&less),
            &requests,
        );
        assert!(
            !flips.is_empty(),
            "removing {:?} went unnoticed",
            removed.sid
        );
    }
}
