//! Parsing and serializing real key policies: every shape, lossless round trips, located
//! errors, statement positions, unknown operators kept and reported.

mod policy_support;

use cmek::policy::aws::condition::{BaseOperator, OperatorKind, SetQualifier};
use cmek::policy::aws::{
    ConditionValue, OneOrMany, PrincipalBlock, PrincipalType, StatementForm, parse_policy_text,
    parse_policy_value,
};
use policy_support::*;

const FIXTURES: [&str; 8] = [
    "era_june_2026.json",
    "era_july_2026.json",
    "era_current.json",
    "console_wizard.json",
    "claude_platform_on_aws.json",
    "kitchen_sink.json",
    "rcp_org_deny.json",
    "rcp_org_deny_with_carveout.json",
];

#[test]
fn every_fixture_round_trips_losslessly() {
    for name in FIXTURES {
        let text = fixture_text(name);
        let doc = parse_policy_text(&text).unwrap().document;
        let again = parse_policy_value(&doc.to_json()).unwrap();
        assert_eq!(doc, again, "{name}");
        // Same JSON value as the source (field order aside): nothing dropped or reshaped.
        let source: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc.to_json(), source, "{name}");
    }
}

#[test]
fn strings_stay_strings_and_lists_stay_lists() {
    let doc = fixture("era_june_2026.json");
    let crypto = doc.statement("AllowAnthropicCMEKCrypto").unwrap();
    assert!(matches!(crypto.action, Some(OneOrMany::Many(_))));
    assert!(matches!(crypto.resource, Some(OneOrMany::One(_))));
    let json = doc.to_json();
    assert!(json["Statement"][0]["Action"].is_string());
    assert!(json["Statement"][1]["Action"].is_array());
}

#[test]
fn principal_shapes() {
    let doc = fixture("kitchen_sink.json");
    let bare = &doc.statements[0];
    assert_eq!(
        bare.principal,
        Some(PrincipalBlock::Map(vec![(
            PrincipalType::Aws,
            OneOrMany::One(ACCOUNT.into())
        )]))
    );
    let everything = &doc.statements[1];
    let types: Vec<_> = match &everything.principal {
        Some(PrincipalBlock::Map(m)) => m.iter().map(|(t, _)| t.clone()).collect(),
        _ => panic!(),
    };
    assert_eq!(
        types,
        [
            PrincipalType::Aws,
            PrincipalType::Service,
            PrincipalType::Federated
        ]
    );
    assert!(everything.not_action.is_some() && everything.not_resource.is_some());
    assert!(doc.statements[2].not_principal.is_some());
    let rcp = fixture("rcp_org_deny.json");
    assert_eq!(rcp.statements[0].principal, Some(PrincipalBlock::Wildcard));
}

#[test]
fn single_statement_object_is_kept() {
    let text = r#"{"Statement": {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}}"#;
    let doc = parse_policy_text(text).unwrap().document;
    assert_eq!(doc.statement_form, StatementForm::Object);
    assert!(doc.to_json()["Statement"].is_object());
    assert_eq!(doc.version, None);
}

#[test]
fn condition_values_keep_their_json_types_and_operators_parse() {
    let doc = fixture("kitchen_sink.json");
    let cond = doc.statements[1].condition.as_ref().unwrap();
    let bool_clause = cond
        .clauses
        .iter()
        .find(|c| c.operator.raw() == "Bool")
        .unwrap();
    assert_eq!(
        bool_clause.entries[0].values,
        OneOrMany::One(ConditionValue::Bool(true))
    );
    let any = cond
        .clauses
        .iter()
        .find(|c| c.operator.raw() == "ForAnyValue:StringEquals")
        .unwrap();
    assert_eq!(
        any.operator.kind(),
        OperatorKind::Known {
            qualifier: Some(SetQualifier::ForAnyValue),
            base: BaseOperator::StringEquals,
            if_exists: false
        }
    );
    // Condition keys are lowercased once at parse time.
    assert_eq!(any.entries[0].key_lc, "kms:encryptioncontextkeys");
    assert_eq!(any.entries[0].key, "kms:EncryptionContextKeys");
}

#[test]
fn unknown_operators_are_kept_and_reported() {
    let doc = fixture("kitchen_sink.json");
    let unknown = doc.unknown_operators();
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].operator, "StringLikeWithTypo");
    assert_eq!(unknown[0].sid.as_deref(), Some("Everything"));
    assert!(doc.to_json()["Statement"][1]["Condition"]["StringLikeWithTypo"].is_object());
}

#[test]
fn statement_positions_are_recorded() {
    let parsed = parse_policy_text(&fixture_text("era_current.json")).unwrap();
    let lines: Vec<usize> = parsed.statement_spans.iter().map(|s| s.line).collect();
    assert_eq!(lines, [5, 12, 30]);
    assert_eq!(parsed.span_of(1).unwrap().column, 5);
}

#[test]
fn errors_name_the_path_and_line() {
    let cases = [
        ("[]", "", "expected a JSON object"),
        ("{}", "", "missing required field `Statement`"),
        (
            r#"{"Statement": 1}"#,
            "Statement",
            "expected an object or a list",
        ),
        (
            r#"{"Statement": [{"Effect": "allow"}]}"#,
            "Statement[0].Effect",
            "expected \"Allow\" or \"Deny\"",
        ),
        (
            r#"{"Statement": [{"Principal": "*"}]}"#,
            "Statement[0]",
            "missing required field `Effect`",
        ),
        (
            r#"{"Statement": [{"Effect": "Allow", "Principal": "arn:aws:iam::1:root"}]}"#,
            "Statement[0].Principal",
            "expected \"*\" or an object",
        ),
        (
            r#"{"Statement": [{"Effect": "Allow", "Action": [1]}]}"#,
            "Statement[0].Action[0]",
            "expected a string",
        ),
        (
            r#"{"Statement": [{"Effect": "Allow", "Condition": {"StringEquals": {"k": [null]}}}]}"#,
            "Statement[0].Condition.StringEquals.k[0]",
            "expected a string, boolean or number",
        ),
        (
            r#"{"Statement": [{"Effect": "Allow", "Condition": []}]}"#,
            "Statement[0].Condition",
            "expected an object of operators",
        ),
        (
            r#"{"Version": 3, "Statement": []}"#,
            "Version",
            "expected a string",
        ),
    ];
    for (text, path, message) in cases {
        let e = parse_policy_text(text).unwrap_err();
        assert_eq!(e.path, path, "{text}");
        assert!(e.message.contains(message), "{text}: {}", e.message);
    }
    let e = parse_policy_text("{\"Statement\": [\n {\"Effect\": \"Allow\"},\n {\"Effect\": \"Allow\", \"Condition\": {\"StringEquals\": \"x\"}}]}").unwrap_err();
    assert_eq!(
        e.to_string(),
        "key policy Statement[1].Condition.StringEquals: expected an object of condition keys, found a string (line 3, column 2)"
    );
}

#[test]
fn hostile_inputs_never_panic() {
    let long = "a".repeat(1 << 20);
    let inputs = [
        String::new(),
        "\u{0}".into(),
        "{\"Statement\": [".into(),
        "{\"Statement\": [{\"Effect\": \"Allow\", \"Sid\": \"\\ud800\"}]}".into(),
        format!("{{\"Statement\": [{{\"Effect\": \"Allow\", \"Sid\": \"{long}\"}}]}}"),
        format!(
            "{{\"Statement\": {}{}}}",
            "{\"a\":".repeat(200),
            "1".to_string() + &"}".repeat(200)
        ),
        "{\"Statement\": [], \"Statement\": 5}".into(),
    ];
    for input in inputs {
        let _ = parse_policy_text(&input);
    }
}
