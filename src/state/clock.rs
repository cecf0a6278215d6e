//! Wall-clock timestamps for state and locks: RFC 3339 in UTC, second precision, so files diff
//! cleanly and sort as strings.

use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Now, as `2026-11-29T08:45:21Z`.
pub fn now_rfc3339() -> String {
    format_rfc3339(OffsetDateTime::now_utc())
}

fn format_rfc3339(t: OffsetDateTime) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// How long ago `timestamp` was; `None` if it does not parse or lies in the future.
pub fn age_of(timestamp: &str) -> Option<Duration> {
    let then = OffsetDateTime::parse(timestamp, &Rfc3339).ok()?;
    let age = OffsetDateTime::now_utc() - then;
    age.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_age() {
        let now = now_rfc3339();
        assert!(now.ends_with('Z'), "{now}");
        assert_eq!(now.len(), 20);
        let age = age_of(&now).unwrap();
        assert!(age < Duration::from_secs(5));
        assert!(age_of("2000-01-01T00:00:00Z").unwrap() > Duration::from_secs(86_400));
        assert_eq!(age_of("yesterday"), None);
    }
}
