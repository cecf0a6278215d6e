//! "Did you mean" suggestions, shared by every part of the tool that reports unknown names.

/// The closest candidate to `name`, if one is close enough to be a plausible typo.
///
/// Uses Jaro-Winkler similarity (good for transpositions like `regoin`/`region`) with a
/// Levenshtein fallback for short names. Ties keep the first candidate, so results are
/// deterministic for a given candidate order.
pub fn did_you_mean<'a, I>(name: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let jw = strsim::jaro_winkler(name, candidate);
        let lev = strsim::levenshtein(name, candidate);
        let close = jw >= 0.85 || (lev <= 2 && lev < candidate.len().max(name.len()));
        if !close {
            continue;
        }
        if best.is_none_or(|(score, _)| jw > score) {
            best = Some((jw, candidate));
        }
    }
    best.map(|(_, c)| c.to_string())
}

/// A hint text: "did you mean `x`?" when there is a suggestion.
pub fn hint<'a, I>(name: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    did_you_mean(name, candidates).map(|s| format!("did you mean `{s}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        let c = ["region", "alias", "description", "rotation"];
        assert_eq!(did_you_mean("regoin", c).as_deref(), Some("region"));
        assert_eq!(did_you_mean("alais", c).as_deref(), Some("alias"));
        assert_eq!(did_you_mean("zzz", c), None);
        assert_eq!(
            did_you_mean("aws2", ["aws", "gcp", "azure"]).as_deref(),
            Some("aws")
        );
        assert_eq!(
            did_you_mean("prd", ["prod", "dev"]).as_deref(),
            Some("prod")
        );
    }
}
