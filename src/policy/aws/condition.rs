//! Condition operators: parsing operator names, compiling policy values once, and matching
//! request-context values with exactly IAM's semantics.
//!
//! Semantics implemented (AWS IAM "condition operators" and "multivalued context keys"):
//! - values listed under one key are OR'd; keys and operators are AND'd (by the caller);
//! - a missing key fails a positive operator, passes a negated operator (`StringNotEquals`,
//!   `StringNotLike`, `ArnNotEquals`, `ArnNotLike`, `NotIpAddress`, `NumericNotEquals`,
//!   `DateNotEquals`), passes anything with `...IfExists`, fails `ForAnyValue:` and passes
//!   `ForAllValues:` (vacuous truth); `Null` tests presence and ignores `IfExists`;
//! - `ForAnyValue:` is true when some request value matches (for a negated operator: some
//!   request value matches none of the policy values); `ForAllValues:` when every request value
//!   does (for a negated operator: every request value matches none of them);
//! - without a qualifier on a multivalued key (e.g. `kms:EncryptionContextKeys`), a positive
//!   operator behaves like `ForAnyValue:` and a negated one is its negation;
//! - `StringEquals`, `StringLike`, `Arn*` are case-sensitive; `...IgnoreCase` and `Bool` are not;
//!   `ArnEquals` and `ArnLike` both compare the six colon-separated ARN parts with wildcards;
//! - unknown operators are kept (see [`OperatorKind::Unknown`]) and never match in an Allow;
//!   the evaluator treats them pessimistically.

use std::net::IpAddr;

/// `ForAnyValue:` / `ForAllValues:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

/// The operator without qualifier or `IfExists` suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BaseOperator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const BASE_OPERATORS: [(&str, BaseOperator); 27] = [
    ("StringEquals", BaseOperator::StringEquals),
    ("StringNotEquals", BaseOperator::StringNotEquals),
    (
        "StringEqualsIgnoreCase",
        BaseOperator::StringEqualsIgnoreCase,
    ),
    (
        "StringNotEqualsIgnoreCase",
        BaseOperator::StringNotEqualsIgnoreCase,
    ),
    ("StringLike", BaseOperator::StringLike),
    ("StringNotLike", BaseOperator::StringNotLike),
    ("NumericEquals", BaseOperator::NumericEquals),
    ("NumericNotEquals", BaseOperator::NumericNotEquals),
    ("NumericLessThan", BaseOperator::NumericLessThan),
    ("NumericLessThanEquals", BaseOperator::NumericLessThanEquals),
    ("NumericGreaterThan", BaseOperator::NumericGreaterThan),
    (
        "NumericGreaterThanEquals",
        BaseOperator::NumericGreaterThanEquals,
    ),
    ("DateEquals", BaseOperator::DateEquals),
    ("DateNotEquals", BaseOperator::DateNotEquals),
    ("DateLessThan", BaseOperator::DateLessThan),
    ("DateLessThanEquals", BaseOperator::DateLessThanEquals),
    ("DateGreaterThan", BaseOperator::DateGreaterThan),
    ("DateGreaterThanEquals", BaseOperator::DateGreaterThanEquals),
    ("Bool", BaseOperator::Bool),
    ("BinaryEquals", BaseOperator::BinaryEquals),
    ("IpAddress", BaseOperator::IpAddress),
    ("NotIpAddress", BaseOperator::NotIpAddress),
    ("ArnEquals", BaseOperator::ArnEquals),
    ("ArnLike", BaseOperator::ArnLike),
    ("ArnNotEquals", BaseOperator::ArnNotEquals),
    ("ArnNotLike", BaseOperator::ArnNotLike),
    ("Null", BaseOperator::Null),
];

/// How a base operator compares one policy value with one request value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Str,
    StrIgnoreCase,
    StrLike,
    Num(Ordering),
    Date(Ordering),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// Numeric/date relation the policy value must have to the request value
/// (request `rel` policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ordering {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl BaseOperator {
    pub fn name(self) -> &'static str {
        BASE_OPERATORS
            .iter()
            .find(|(_, op)| *op == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    /// Is this the negated form of another operator?
    pub fn is_negated(self) -> bool {
        use BaseOperator::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    pub fn comparison(self) -> Comparison {
        use BaseOperator::*;
        match self {
            StringEquals | StringNotEquals => Comparison::Str,
            StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => Comparison::StrIgnoreCase,
            StringLike | StringNotLike => Comparison::StrLike,
            NumericEquals | NumericNotEquals => Comparison::Num(Ordering::Eq),
            NumericLessThan => Comparison::Num(Ordering::Lt),
            NumericLessThanEquals => Comparison::Num(Ordering::Le),
            NumericGreaterThan => Comparison::Num(Ordering::Gt),
            NumericGreaterThanEquals => Comparison::Num(Ordering::Ge),
            DateEquals | DateNotEquals => Comparison::Date(Ordering::Eq),
            DateLessThan => Comparison::Date(Ordering::Lt),
            DateLessThanEquals => Comparison::Date(Ordering::Le),
            DateGreaterThan => Comparison::Date(Ordering::Gt),
            DateGreaterThanEquals => Comparison::Date(Ordering::Ge),
            Bool => Comparison::Bool,
            BinaryEquals => Comparison::Binary,
            IpAddress | NotIpAddress => Comparison::Ip,
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => Comparison::Arn,
            Null => Comparison::Null,
        }
    }
}

/// A parsed operator name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OperatorKind {
    Known {
        qualifier: Option<SetQualifier>,
        base: BaseOperator,
        if_exists: bool,
    },
    /// Not an operator IAM defines. Kept, reported, and treated pessimistically.
    Unknown,
}

/// An operator as written plus what it means.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Operator {
    raw: String,
    kind: OperatorKind,
}

impl Operator {
    /// Parse an operator name such as `ForAnyValue:StringEqualsIgnoreCaseIfExists`.
    /// Names are matched exactly as AWS documents them; anything else is `Unknown`.
    pub fn parse(raw: &str) -> Self {
        Operator {
            raw: raw.to_string(),
            kind: parse_kind(raw),
        }
    }

    /// Build a known operator (renderers).
    pub fn known(qualifier: Option<SetQualifier>, base: BaseOperator, if_exists: bool) -> Self {
        let mut raw = String::new();
        match qualifier {
            Some(SetQualifier::ForAnyValue) => raw.push_str("ForAnyValue:"),
            Some(SetQualifier::ForAllValues) => raw.push_str("ForAllValues:"),
            None => {}
        }
        raw.push_str(base.name());
        if if_exists {
            raw.push_str("IfExists");
        }
        Operator {
            raw,
            kind: OperatorKind::Known {
                qualifier,
                base,
                if_exists,
            },
        }
    }

    pub fn raw(&self) -> &str {
        &self.raw
    }

    pub fn kind(&self) -> OperatorKind {
        self.kind
    }

    pub fn is_unknown(&self) -> bool {
        self.kind == OperatorKind::Unknown
    }
}

fn parse_kind(raw: &str) -> OperatorKind {
    let (qualifier, rest) = if let Some(r) = raw.strip_prefix("ForAnyValue:") {
        (Some(SetQualifier::ForAnyValue), r)
    } else if let Some(r) = raw.strip_prefix("ForAllValues:") {
        (Some(SetQualifier::ForAllValues), r)
    } else {
        (None, raw)
    };
    let (if_exists, name) = match rest.strip_suffix("IfExists") {
        Some(n) => (true, n),
        None => (false, rest),
    };
    match BASE_OPERATORS.iter().find(|(n, _)| *n == name) {
        Some((_, base)) if !(if_exists && *base == BaseOperator::Null) => OperatorKind::Known {
            qualifier,
            base: *base,
            if_exists,
        },
        _ => OperatorKind::Unknown,
    }
}

/// An IPv4 or IPv6 network, parsed once from a policy value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a /32 or /128).
    pub fn parse(s: &str) -> Option<Cidr> {
        let (ip, prefix) = match s.split_once('/') {
            Some((ip, p)) => (ip, Some(p.parse::<u8>().ok()?)),
            None => (s, None),
        };
        let addr: IpAddr = ip.trim().parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Cidr { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Seconds since the Unix epoch from an epoch number or an ISO 8601 UTC date/time
/// (`2026-07-22`, `2026-07-22T10:00:00Z`, fractional seconds allowed).
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut parts = date.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    if let Some(t) = time {
        let t = t.strip_suffix('Z').unwrap_or(t);
        let t = t.split('.').next()?;
        let mut hms = t.split(':');
        let h: i64 = hms.next()?.parse().ok()?;
        let mi: i64 = hms.next().unwrap_or("0").parse().ok()?;
        let se: i64 = hms.next().unwrap_or("0").parse().ok()?;
        if h > 23 || mi > 59 || se > 60 {
            return None;
        }
        secs += h * 3600 + mi * 60 + se;
    }
    Some(secs)
}

/// Howard Hinnant's days-from-civil algorithm.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// One policy value, pre-parsed for the comparison its operator uses.
#[derive(Debug, Clone, PartialEq)]
pub enum CompiledValue {
    /// Strings, ARNs, binary: compared as written.
    Text(String),
    /// `...IgnoreCase` and `Bool`: stored lowercased.
    Folded(String),
    Number(Option<f64>),
    Date(Option<i64>),
    Network(Option<Cidr>),
    /// `Null`: `Some(true)` means "key must be absent".
    NullTest(Option<bool>),
}

/// Pre-parse one policy value for `cmp`.
pub fn compile_value(cmp: Comparison, text: &str) -> CompiledValue {
    match cmp {
        Comparison::Str | Comparison::StrLike | Comparison::Arn | Comparison::Binary => {
            CompiledValue::Text(text.to_string())
        }
        Comparison::StrIgnoreCase | Comparison::Bool => CompiledValue::Folded(text.to_lowercase()),
        Comparison::Num(_) => CompiledValue::Number(text.trim().parse::<f64>().ok()),
        Comparison::Date(_) => CompiledValue::Date(parse_date(text)),
        Comparison::Ip => CompiledValue::Network(Cidr::parse(text)),
        Comparison::Null => CompiledValue::NullTest(match text.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }),
    }
}

/// Does one request value match one policy value (positive sense)?
pub fn value_matches(cmp: Comparison, policy: &CompiledValue, request: &str) -> bool {
    match (cmp, policy) {
        (Comparison::Str | Comparison::Binary, CompiledValue::Text(p)) => p == request,
        (Comparison::StrLike, CompiledValue::Text(p)) => {
            crate::policy::wildcard::matches(p, request, false)
        }
        (Comparison::Arn, CompiledValue::Text(p)) => arn_like(p, request),
        (Comparison::StrIgnoreCase, CompiledValue::Folded(p)) => {
            if request.is_ascii() {
                p.eq_ignore_ascii_case(request)
            } else {
                *p == request.to_lowercase()
            }
        }
        (Comparison::Bool, CompiledValue::Folded(p)) => p.eq_ignore_ascii_case(request.trim()),
        (Comparison::Num(ord), CompiledValue::Number(Some(p))) => {
            match request.trim().parse::<f64>() {
                Ok(r) => compare(ord, r.partial_cmp(p)),
                Err(_) => false,
            }
        }
        (Comparison::Date(ord), CompiledValue::Date(Some(p))) => match parse_date(request) {
            Some(r) => compare(ord, Some(r.cmp(p))),
            None => false,
        },
        (Comparison::Ip, CompiledValue::Network(Some(net))) => {
            match request.trim().parse::<IpAddr>() {
                Ok(ip) => net.contains(ip),
                Err(_) => false,
            }
        }
        _ => false,
    }
}

fn compare(ord: Ordering, got: Option<std::cmp::Ordering>) -> bool {
    use std::cmp::Ordering as O;
    match (ord, got) {
        (_, None) => false,
        (Ordering::Eq, Some(o)) => o == O::Equal,
        (Ordering::Lt, Some(o)) => o == O::Less,
        (Ordering::Le, Some(o)) => o != O::Greater,
        (Ordering::Gt, Some(o)) => o == O::Greater,
        (Ordering::Ge, Some(o)) => o != O::Less,
    }
}

/// `ArnEquals`/`ArnLike`: both must be ARNs; each of the six colon-separated parts is matched
/// separately with wildcards, case-sensitively (the resource part keeps its colons).
pub fn arn_like(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let mut p = pattern.splitn(6, ':');
    let mut a = arn.splitn(6, ':');
    for _ in 0..6 {
        match (p.next(), a.next()) {
            (Some(pp), Some(aa)) => {
                if !crate::policy::wildcard::matches(pp, aa, false) {
                    return false;
                }
            }
            _ => return false,
        }
    }
    true
}

/// The compiled values of one condition entry. Exact string comparisons (`StringEquals`,
/// `BinaryEquals` and their negations) also get a sorted copy for binary search, because
/// compartment lists grow with every workspace a key ever served.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledValues {
    pub values: Vec<CompiledValue>,
    sorted_exact: Option<Vec<String>>,
}

impl CompiledValues {
    pub fn compile(cmp: Comparison, texts: &[String]) -> Self {
        let values = texts.iter().map(|t| compile_value(cmp, t)).collect();
        let sorted_exact = matches!(cmp, Comparison::Str | Comparison::Binary).then(|| {
            let mut v = texts.to_vec();
            v.sort();
            v.dedup();
            v
        });
        CompiledValues {
            values,
            sorted_exact,
        }
    }

    /// No values (unknown operators).
    pub fn empty() -> Self {
        CompiledValues {
            values: Vec::new(),
            sorted_exact: None,
        }
    }

    fn any_matches(&self, cmp: Comparison, request: &str) -> bool {
        match &self.sorted_exact {
            Some(sorted) => sorted.binary_search_by(|p| p.as_str().cmp(request)).is_ok(),
            None => self.values.iter().any(|p| value_matches(cmp, p, request)),
        }
    }
}

/// Evaluate one condition entry: `values` are the compiled policy values, `request` the
/// request-context values of its key (empty when the key is missing).
pub fn entry_holds(kind: OperatorKind, compiled: &CompiledValues, request: &[String]) -> bool {
    let values = &compiled.values;
    let OperatorKind::Known {
        qualifier,
        base,
        if_exists,
    } = kind
    else {
        return false;
    };
    let cmp = base.comparison();
    if cmp == Comparison::Null {
        let present = !request.is_empty();
        return values.iter().any(|v| match v {
            CompiledValue::NullTest(Some(must_be_absent)) => *must_be_absent != present,
            _ => false,
        });
    }
    if request.is_empty() {
        if if_exists {
            return true;
        }
        return match qualifier {
            Some(SetQualifier::ForAllValues) => true,
            Some(SetQualifier::ForAnyValue) => false,
            None => base.is_negated(),
        };
    }
    let any_policy_match = |r: &String| compiled.any_matches(cmp, r);
    let negated = base.is_negated();
    match qualifier {
        None | Some(SetQualifier::ForAnyValue) if !negated => request.iter().any(any_policy_match),
        None => !request.iter().any(any_policy_match),
        Some(SetQualifier::ForAnyValue) => request.iter().any(|r| !any_policy_match(r)),
        Some(SetQualifier::ForAllValues) if !negated => request.iter().all(any_policy_match),
        Some(SetQualifier::ForAllValues) => request.iter().all(|r| !any_policy_match(r)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_names_parse() {
        let op = Operator::parse("ForAnyValue:StringEqualsIgnoreCaseIfExists");
        assert_eq!(
            op.kind(),
            OperatorKind::Known {
                qualifier: Some(SetQualifier::ForAnyValue),
                base: BaseOperator::StringEqualsIgnoreCase,
                if_exists: true
            }
        );
        assert!(Operator::parse("StringEqualz").is_unknown());
        assert!(Operator::parse("NullIfExists").is_unknown());
        assert_eq!(
            Operator::known(None, BaseOperator::StringEquals, true).raw(),
            "StringEqualsIfExists"
        );
    }

    #[test]
    fn cidrs_v4_and_v6() {
        let net = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains("2001:db8:1::5".parse().unwrap()));
        assert!(!v6.contains("10.1.0.1".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(
            Cidr::parse("1.2.3.4")
                .unwrap()
                .contains("1.2.3.4".parse().unwrap())
        );
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-02"), Some(86_400));
        assert_eq!(parse_date("2026-07-22T00:00:01Z"), Some(1_784_678_401));
        assert_eq!(parse_date("86400"), Some(86_400));
        assert_eq!(parse_date("2026-13-01"), None);
    }

    #[test]
    fn arn_parts() {
        assert!(arn_like(
            "arn:aws:iam::*:role/anthropic-*",
            "arn:aws:iam::915198916910:role/anthropic-cmek-client-us"
        ));
        assert!(!arn_like("arn:aws:iam::*:role/x", "arn:aws:iam::1:role/X"));
        assert!(!arn_like("arn:aws:iam::1:role/x", "not-an-arn"));
    }
}
