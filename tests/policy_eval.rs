//! The key-policy evaluator: decision order, wildcards, Not* elements, principals, and every
//! condition operator with IAM's missing-key, multivalue and case rules.

mod policy_support;

use cmek::policy::aws::{
    CompiledPolicy, Decision, Request, RequestPrincipal, evaluate, parse_policy_text,
};
use policy_support::*;
use serde_json::json;

fn policy(statements: serde_json::Value) -> cmek::policy::aws::PolicyDocument {
    let text = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
    parse_policy_text(&text).unwrap().document
}

fn role_request(action: &str) -> Request {
    Request::new(RequestPrincipal::aws(ROLE), action, KEY_ARN)
}

/// Allow the role kms:* under one condition operator/key/values.
fn holds(operator: &str, key: &str, values: serde_json::Value, req: Request) -> bool {
    let doc = policy(json!([{
        "Effect": "Allow",
        "Principal": {"AWS": ROLE},
        "Action": "kms:*",
        "Resource": "*",
        "Condition": {operator: {key: values}}
    }]));
    evaluate(&doc, &req).decision == Decision::Allow
}

fn with(key: &str, value: &str) -> Request {
    role_request("kms:Encrypt").with(key, value)
}

fn with_values(key: &str, values: &[&str]) -> Request {
    role_request("kms:Encrypt").with_values(key, values)
}

fn missing() -> Request {
    role_request("kms:Encrypt")
}

#[test]
fn deny_beats_allow_beats_implicit_deny() {
    let doc = policy(json!([
        {"Sid": "A", "Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "D", "Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}
    ]));
    let e = evaluate(&doc, &role_request("kms:Encrypt"));
    assert_eq!(e.decision, Decision::Allow);
    assert_eq!(e.deciding[0].sid.as_deref(), Some("A"));
    let e = evaluate(&doc, &role_request("kms:Decrypt"));
    assert_eq!(e.decision, Decision::ExplicitDeny);
    assert_eq!(e.deciding[0].label(), "D");
    assert!(
        e.explanation.contains("explicitly denies"),
        "{}",
        e.explanation
    );
    let other = Request::new(
        RequestPrincipal::aws("arn:aws:iam::999988887777:role/x"),
        "kms:Encrypt",
        KEY_ARN,
    );
    let e = evaluate(&doc, &other);
    assert_eq!(e.decision, Decision::ImplicitDeny);
    assert!(
        e.explanation
            .contains("no Allow statement names arn:aws:iam::999988887777:role/x")
    );
}

#[test]
fn action_wildcards_are_case_insensitive() {
    for (pattern, action, expect) in [
        ("kms:*", "kms:Encrypt", true),
        ("*", "kms:Decrypt", true),
        ("kms:Re*", "kms:ReEncryptFrom", true),
        ("kms:Re*", "kms:Encrypt", false),
        ("KMS:ENCRYPT", "kms:Encrypt", true),
        ("kms:encrypt", "KMS:Encrypt", true),
        (
            "kms:GenerateDataKey*",
            "kms:GenerateDataKeyWithoutPlaintext",
            true,
        ),
        ("kms:Encrypt?", "kms:Encrypt", false),
        ("s3:*", "kms:Encrypt", false),
    ] {
        let doc = policy(
            json!([{"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": pattern, "Resource": "*"}]),
        );
        assert_eq!(
            evaluate(&doc, &role_request(action)).decision.is_allowed(),
            expect,
            "{pattern} vs {action}"
        );
    }
}

#[test]
fn not_action_not_principal_not_resource() {
    let doc = policy(json!([
        {"Effect": "Allow", "Principal": {"AWS": ROLE}, "NotAction": ["kms:Decrypt"], "Resource": "*"}
    ]));
    assert!(
        evaluate(&doc, &role_request("kms:Encrypt"))
            .decision
            .is_allowed()
    );
    assert!(
        !evaluate(&doc, &role_request("kms:Decrypt"))
            .decision
            .is_allowed()
    );

    let doc = policy(json!([
        {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": ROLE}, "Action": "kms:*", "Resource": "*"}
    ]));
    assert!(
        evaluate(&doc, &role_request("kms:Encrypt"))
            .decision
            .is_allowed()
    );
    let other = Request::new(
        RequestPrincipal::aws("arn:aws:iam::111122223333:role/admin"),
        "kms:Encrypt",
        KEY_ARN,
    );
    assert_eq!(evaluate(&doc, &other).decision, Decision::ExplicitDeny);

    let doc = policy(json!([
        {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:*", "NotResource": "arn:aws:kms:us-east-2:111122223333:key/other-*"}
    ]));
    assert!(
        evaluate(&doc, &role_request("kms:Encrypt"))
            .decision
            .is_allowed()
    );
    let other_key = Request::new(
        RequestPrincipal::aws(ROLE),
        "kms:Encrypt",
        "arn:aws:kms:us-east-2:111122223333:key/other-1",
    );
    assert!(!evaluate(&doc, &other_key).decision.is_allowed());
}

#[test]
fn resources_star_means_this_key_and_arns_match_with_wildcards() {
    for (resource, expect) in [
        ("*", true),
        (KEY_ARN, true),
        ("arn:aws:kms:us-east-2:111122223333:key/*", true),
        ("arn:aws:kms:us-east-1:111122223333:key/*", false),
        ("arn:aws:kms:*:111122223333:key/1234abcd-*", true),
    ] {
        let doc = policy(
            json!([{"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:*", "Resource": resource}]),
        );
        assert_eq!(
            evaluate(&doc, &role_request("kms:Encrypt"))
                .decision
                .is_allowed(),
            expect,
            "{resource}"
        );
    }
}

#[test]
fn account_root_delegates_and_bare_ids_normalize() {
    let doc = fixture("era_current.json");
    let admin = Request::new(
        RequestPrincipal::aws("arn:aws:iam::111122223333:role/KeyAdmin"),
        "kms:PutKeyPolicy",
        KEY_ARN,
    );
    let e = evaluate(&doc, &admin);
    assert_eq!(
        e.decision,
        Decision::DelegatedToAccount {
            account: ACCOUNT.into()
        }
    );
    assert!(
        e.explanation
            .contains("only if an IAM policy in account 111122223333 allows it")
    );
    let root = Request::new(
        RequestPrincipal::aws("arn:aws:iam::111122223333:root"),
        "kms:PutKeyPolicy",
        KEY_ARN,
    );
    assert_eq!(evaluate(&doc, &root).decision, Decision::Allow);

    let bare = policy(
        json!([{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "kms:*", "Resource": "*"}]),
    );
    assert_eq!(evaluate(&bare, &root).decision, Decision::Allow);
    // Anthropic's role is in another account: the customer's root statement never covers it.
    assert_eq!(
        evaluate(&bare, &role_request("kms:Encrypt")).decision,
        Decision::ImplicitDeny
    );
}

#[test]
fn service_principals_and_wildcard_principals() {
    let doc = policy(
        json!([{"Effect": "Allow", "Principal": {"Service": SERVICE}, "Action": "kms:*", "Resource": "*"}]),
    );
    let svc = Request::new(
        RequestPrincipal::service("AWS-External-Anthropic.amazonaws.com"),
        "kms:Encrypt",
        KEY_ARN,
    );
    assert!(evaluate(&doc, &svc).decision.is_allowed());
    assert!(
        !evaluate(&doc, &role_request("kms:Encrypt"))
            .decision
            .is_allowed()
    );
    for p in [json!("*"), json!({"AWS": "*"})] {
        let doc = policy(
            json!([{"Effect": "Allow", "Principal": p, "Action": "kms:*", "Resource": "*"}]),
        );
        assert!(
            evaluate(&doc, &role_request("kms:Encrypt"))
                .decision
                .is_allowed()
        );
    }
}

#[test]
fn string_operators() {
    let k = "aws:PrincipalOrgID";
    assert!(holds("StringEquals", k, json!("o-abc"), with(k, "o-abc")));
    assert!(!holds("StringEquals", k, json!("o-abc"), with(k, "O-ABC")));
    assert!(
        holds("StringEquals", k, json!(["o-x", "o-abc"]), with(k, "o-abc")),
        "values are OR'd"
    );
    assert!(
        !holds("StringEquals", k, json!("o-abc"), missing()),
        "missing key fails positive"
    );
    assert!(holds("StringNotEquals", k, json!("o-abc"), with(k, "o-x")));
    assert!(!holds(
        "StringNotEquals",
        k,
        json!(["o-x", "o-abc"]),
        with(k, "o-abc")
    ));
    assert!(
        holds("StringNotEquals", k, json!("o-abc"), missing()),
        "missing key passes negated"
    );
    assert!(holds(
        "StringEqualsIgnoreCase",
        k,
        json!("O-ABC"),
        with(k, "o-abc")
    ));
    assert!(!holds(
        "StringEqualsIgnoreCase",
        k,
        json!("O-ABC"),
        missing()
    ));
    assert!(holds(
        "StringNotEqualsIgnoreCase",
        k,
        json!("O-ABC"),
        with(k, "o-abd")
    ));
    assert!(!holds(
        "StringNotEqualsIgnoreCase",
        k,
        json!("O-ABC"),
        with(k, "o-abc")
    ));
    assert!(holds(
        "StringNotEqualsIgnoreCase",
        k,
        json!("O-ABC"),
        missing()
    ));
    assert!(holds("StringLike", k, json!("o-a*"), with(k, "o-abc")));
    assert!(holds("StringLike", k, json!("o-?bc"), with(k, "o-abc")));
    assert!(
        !holds("StringLike", k, json!("O-A*"), with(k, "o-abc")),
        "StringLike is case-sensitive"
    );
    assert!(!holds("StringLike", k, json!("o-a*"), missing()));
    assert!(holds("StringNotLike", k, json!("o-z*"), with(k, "o-abc")));
    assert!(!holds("StringNotLike", k, json!("o-a*"), with(k, "o-abc")));
    assert!(holds("StringNotLike", k, json!("o-a*"), missing()));
}

#[test]
fn if_exists_variants_pass_on_missing_keys_and_still_check_present_ones() {
    let k = "kms:ViaService";
    for op in [
        "StringEqualsIfExists",
        "StringNotEqualsIfExists",
        "StringEqualsIgnoreCaseIfExists",
        "StringNotEqualsIgnoreCaseIfExists",
        "StringLikeIfExists",
        "StringNotLikeIfExists",
        "ArnEqualsIfExists",
        "ArnLikeIfExists",
        "ArnNotEqualsIfExists",
        "ArnNotLikeIfExists",
        "BoolIfExists",
        "IpAddressIfExists",
        "NotIpAddressIfExists",
        "NumericEqualsIfExists",
        "NumericLessThanIfExists",
        "DateGreaterThanIfExists",
    ] {
        assert!(holds(op, k, json!("x"), missing()), "{op} on a missing key");
    }
    assert!(!holds("StringEqualsIfExists", k, json!("a"), with(k, "b")));
    assert!(holds("StringEqualsIfExists", k, json!("a"), with(k, "a")));
    assert!(!holds(
        "NotIpAddressIfExists",
        "aws:SourceIp",
        json!("10.0.0.0/8"),
        with("aws:SourceIp", "10.1.2.3")
    ));
}

#[test]
fn condition_keys_are_case_insensitive_values_are_not() {
    let req = role_request("kms:Encrypt").with_encryption_context("anthropic:org_uuid", ORG);
    assert!(holds(
        "StringEquals",
        "KMS:EncryptionContext:Anthropic:ORG_UUID",
        json!(ORG),
        req.clone()
    ));
    assert!(!holds(
        "StringEquals",
        "kms:EncryptionContext:anthropic:org_uuid",
        json!(ORG.to_uppercase()),
        req
    ));
}

#[test]
fn arn_operators() {
    let k = "aws:SourceArn";
    let arn = "arn:aws:aws-external-anthropic:us-east-2:111122223333:workspace/wrkspc_1";
    assert!(holds("ArnEquals", k, json!(arn), with(k, arn)));
    assert!(holds(
        "ArnLike",
        k,
        json!("arn:aws:aws-external-anthropic:*:111122223333:workspace/*"),
        with(k, arn)
    ));
    assert!(holds(
        "ArnEquals",
        k,
        json!("arn:aws:aws-external-anthropic:us-east-?:111122223333:workspace/*"),
        with(k, arn)
    ));
    assert!(!holds(
        "ArnLike",
        k,
        json!("arn:aws:aws-external-anthropic:*:999988887777:workspace/*"),
        with(k, arn)
    ));
    assert!(!holds(
        "ArnLike",
        k,
        json!("arn:aws:*"),
        with(k, "not-an-arn")
    ));
    assert!(!holds("ArnEquals", k, json!(arn), missing()));
    assert!(holds(
        "ArnNotEquals",
        k,
        json!("arn:aws:s3:::b"),
        with(k, arn)
    ));
    assert!(!holds(
        "ArnNotLike",
        k,
        json!("arn:aws:aws-external-anthropic:*:*:*"),
        with(k, arn)
    ));
    assert!(holds("ArnNotLike", k, json!("arn:aws:s3:::*"), missing()));
}

#[test]
fn bool_null_ip_numeric_date() {
    assert!(holds(
        "Bool",
        "aws:SecureTransport",
        json!(true),
        with("aws:SecureTransport", "true")
    ));
    assert!(holds(
        "Bool",
        "aws:SecureTransport",
        json!("TRUE"),
        with("aws:SecureTransport", "true")
    ));
    assert!(!holds(
        "Bool",
        "aws:SecureTransport",
        json!("true"),
        with("aws:SecureTransport", "false")
    ));
    assert!(!holds(
        "Bool",
        "aws:SecureTransport",
        json!("true"),
        missing()
    ));

    assert!(holds("Null", "aws:SourceIp", json!("true"), missing()));
    assert!(!holds(
        "Null",
        "aws:SourceIp",
        json!(true),
        with("aws:SourceIp", "1.2.3.4")
    ));
    assert!(holds(
        "Null",
        "aws:SourceIp",
        json!("false"),
        with("aws:SourceIp", "1.2.3.4")
    ));
    assert!(!holds("Null", "aws:SourceIp", json!("false"), missing()));

    let ip = "aws:SourceIp";
    assert!(holds(
        "IpAddress",
        ip,
        json!(["192.0.2.0/24", "203.0.113.0/24"]),
        with(ip, "203.0.113.9")
    ));
    assert!(!holds(
        "IpAddress",
        ip,
        json!("203.0.113.0/24"),
        with(ip, "198.51.100.1")
    ));
    assert!(holds(
        "IpAddress",
        ip,
        json!("2001:db8::/32"),
        with(ip, "2001:db8:ffff::1")
    ));
    assert!(!holds(
        "IpAddress",
        ip,
        json!("2001:db8::/32"),
        with(ip, "2001:db9::1")
    ));
    assert!(!holds("IpAddress", ip, json!("203.0.113.0/24"), missing()));
    assert!(!holds(
        "IpAddress",
        ip,
        json!("not-a-cidr"),
        with(ip, "203.0.113.9")
    ));
    assert!(holds(
        "NotIpAddress",
        ip,
        json!("10.0.0.0/8"),
        with(ip, "203.0.113.9")
    ));
    assert!(!holds(
        "NotIpAddress",
        ip,
        json!("10.0.0.0/8"),
        with(ip, "10.9.9.9")
    ));
    assert!(holds("NotIpAddress", ip, json!("10.0.0.0/8"), missing()));

    let n = "kms:RecipientAttestation:Version";
    assert!(holds("NumericEquals", n, json!(3), with(n, "3")));
    assert!(holds("NumericNotEquals", n, json!("3"), with(n, "4")));
    assert!(holds("NumericLessThan", n, json!(3), with(n, "2")));
    assert!(!holds("NumericLessThan", n, json!(3), with(n, "3")));
    assert!(holds("NumericLessThanEquals", n, json!(3), with(n, "3")));
    assert!(holds("NumericGreaterThan", n, json!(3), with(n, "3.5")));
    assert!(holds("NumericGreaterThanEquals", n, json!(3), with(n, "3")));
    assert!(!holds("NumericEquals", n, json!(3), with(n, "three")));
    assert!(!holds("NumericEquals", n, json!(3), missing()));

    let d = "aws:CurrentTime";
    assert!(holds(
        "DateGreaterThan",
        d,
        json!("2026-01-01T00:00:00Z"),
        with(d, "2026-07-22T10:00:00Z")
    ));
    assert!(holds(
        "DateLessThan",
        d,
        json!("2026-01-01"),
        with(d, "2025-12-31T23:59:59Z")
    ));
    assert!(holds(
        "DateEquals",
        d,
        json!("1784678400"),
        with(d, "2026-07-22T00:00:00Z")
    ));
    assert!(holds(
        "DateNotEquals",
        d,
        json!("2026-07-22"),
        with(d, "2026-07-23")
    ));
    assert!(holds(
        "DateLessThanEquals",
        d,
        json!("2026-07-22"),
        with(d, "2026-07-22")
    ));
    assert!(holds(
        "DateGreaterThanEquals",
        d,
        json!("2026-07-22"),
        with(d, "2026-07-22")
    ));
    assert!(holds(
        "BinaryEquals",
        "k",
        json!("QmluYXJ5"),
        with("k", "QmluYXJ5")
    ));
}

#[test]
fn set_qualifiers_on_multivalued_keys() {
    let k = "kms:EncryptionContextKeys";
    let both = with_values(k, &["anthropic:org_uuid", "anthropic:compartment_uuid"]);
    let allowed = json!(["anthropic:org_uuid", "anthropic:compartment_uuid"]);
    assert!(holds(
        "ForAllValues:StringEquals",
        k,
        allowed.clone(),
        both.clone()
    ));
    let extra = with_values(k, &["anthropic:org_uuid", "team"]);
    assert!(!holds(
        "ForAllValues:StringEquals",
        k,
        allowed.clone(),
        extra.clone()
    ));
    assert!(
        holds("ForAllValues:StringEquals", k, allowed.clone(), missing()),
        "vacuously true"
    );
    assert!(holds(
        "ForAnyValue:StringEquals",
        k,
        json!("team"),
        extra.clone()
    ));
    assert!(!holds(
        "ForAnyValue:StringEquals",
        k,
        json!("team"),
        both.clone()
    ));
    assert!(
        !holds("ForAnyValue:StringEquals", k, json!("team"), missing()),
        "missing fails ForAnyValue"
    );
    assert!(holds(
        "ForAnyValue:StringEqualsIfExists",
        k,
        json!("team"),
        missing()
    ));
    // Negated with qualifiers.
    assert!(
        holds(
            "ForAnyValue:StringNotEquals",
            k,
            json!("team"),
            extra.clone()
        ),
        "org_uuid is not team"
    );
    assert!(!holds(
        "ForAnyValue:StringNotEquals",
        k,
        json!(["team", "anthropic:org_uuid"]),
        extra.clone()
    ));
    assert!(holds(
        "ForAllValues:StringNotEquals",
        k,
        json!("team"),
        both.clone()
    ));
    assert!(!holds(
        "ForAllValues:StringNotEquals",
        k,
        json!("team"),
        extra.clone()
    ));
    assert!(holds(
        "ForAllValues:StringLike",
        k,
        json!("anthropic:*"),
        both.clone()
    ));
    // Unqualified on a multivalued key: positive = any, negated = none.
    assert!(holds("StringEquals", k, json!("team"), extra.clone()));
    assert!(!holds("StringNotEquals", k, json!("team"), extra));
}

#[test]
fn multiple_keys_and_operators_are_anded() {
    let doc = policy(json!([{
        "Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:*", "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:CallerAccount": "915198916910", "kms:EncryptionContext:anthropic:org_uuid": ORG},
            "Bool": {"aws:SecureTransport": "true"}
        }
    }]));
    let compiled = CompiledPolicy::new(&doc);
    let good = role_request("kms:Encrypt")
        .with_encryption_context("anthropic:org_uuid", ORG)
        .with("aws:SecureTransport", "true");
    assert!(compiled.decide(&good).decision.is_allowed());
    assert!(
        !compiled
            .decide(&good.clone().without("aws:SecureTransport"))
            .decision
            .is_allowed()
    );
    let wrong_caller = good.with("kms:CallerAccount", "111122223333");
    assert!(!compiled.decide(&wrong_caller).decision.is_allowed());
}

#[test]
fn principal_context_keys_are_filled_in() {
    assert!(holds(
        "StringEquals",
        "aws:PrincipalArn",
        json!(ROLE),
        missing()
    ));
    assert!(holds(
        "StringEquals",
        "aws:PrincipalAccount",
        json!("915198916910"),
        missing()
    ));
    assert!(holds(
        "StringEquals",
        "kms:CallerAccount",
        json!("915198916910"),
        missing()
    ));
    assert!(holds(
        "StringEquals",
        "aws:PrincipalType",
        json!("AssumedRole"),
        missing()
    ));
    assert!(!holds(
        "StringEquals",
        "aws:PrincipalOrgID",
        json!("o-1"),
        missing()
    ));
    assert!(holds(
        "StringEquals",
        "aws:SourceAccount",
        json!("111122223333"),
        with("aws:SourceAccount", "111122223333")
    ));
}

#[test]
fn unknown_operators_never_grant_and_always_deny() {
    let doc = fixture("kitchen_sink.json");
    // The "Everything" statement has an unknown operator: it never allows.
    let reader = Request::new(
        RequestPrincipal::aws("arn:aws:iam::444455556666:role/Reader"),
        "kms:Decrypt",
        KEY_ARN,
    );
    let e = evaluate(&doc, &reader);
    assert_eq!(e.decision, Decision::ImplicitDeny);
    let deny = policy(json!([
        {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*", "Condition": {"StringEqualz": {"k": "v"}}}
    ]));
    assert_eq!(
        evaluate(&deny, &role_request("kms:Encrypt")).decision,
        Decision::ExplicitDeny
    );
}

#[test]
fn explanation_names_statement_key_values_and_case_sensitivity() {
    let doc = fixture("era_current.json");
    let req = role_request("kms:Encrypt")
        .with_encryption_context("anthropic:org_uuid", &ORG.to_uppercase())
        .with_encryption_context("anthropic:compartment_uuid", ZEROS);
    let e = evaluate(&doc, &req);
    assert_eq!(e.decision, Decision::ImplicitDeny);
    assert!(e.deciding.is_empty());
    let expected = format!(
        "statement AllowAnthropicCMEKCrypto requires kms:EncryptionContext:anthropic:org_uuid StringEquals [{ORG}] but the request sends {}: StringEquals is case-sensitive",
        ORG.to_uppercase()
    );
    assert!(e.explanation.starts_with("denied: "), "{}", e.explanation);
    assert!(e.explanation.contains(&expected), "{}", e.explanation);
    // Describe with a context condition: explains the missing context.
    let bad = policy(json!([{
        "Sid": "AllowAnthropicCMEKDescribe", "Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:DescribeKey", "Resource": "*",
        "Condition": {"StringEquals": {"kms:EncryptionContext:anthropic:org_uuid": ORG}}
    }]));
    let e = evaluate(&bad, &role_request("kms:DescribeKey"));
    assert!(
        e.explanation
            .contains("kms:DescribeKey carries no encryption context"),
        "{}",
        e.explanation
    );
}
