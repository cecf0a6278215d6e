//! Glob matching as IAM does it: `*` matches any run of characters (including none), `?`
//! matches exactly one character, everything else matches itself.
//!
//! Used for actions (case-insensitive), `StringLike`, `ArnLike` and resource ARNs
//! (case-sensitive). The matcher is iterative with a single backtrack point, so it runs in
//! O(pattern * text) worst case without recursion and without allocation.

/// Does `pattern` match all of `text`? `ignore_ascii_case` folds ASCII letters only, which is
/// what IAM does for action names (all ASCII).
pub fn matches(pattern: &str, text: &str, ignore_ascii_case: bool) -> bool {
    // Fast path for ASCII, the overwhelmingly common case: compare bytes.
    if pattern.is_ascii() && text.is_ascii() {
        return match_units(
            pattern.as_bytes(),
            text.as_bytes(),
            |a, b| {
                if ignore_ascii_case {
                    a.eq_ignore_ascii_case(&b)
                } else {
                    a == b
                }
            },
            b'*',
            b'?',
        );
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    match_units(
        &p,
        &t,
        |a, b| {
            if ignore_ascii_case {
                a.eq_ignore_ascii_case(&b)
            } else {
                a == b
            }
        },
        '*',
        '?',
    )
}

/// True when the pattern contains no wildcard characters (so it can be compared directly).
pub fn is_literal(pattern: &str) -> bool {
    !pattern.contains(['*', '?'])
}

fn match_units<T: Copy + PartialEq>(
    p: &[T],
    t: &[T],
    eq: impl Fn(T, T) -> bool,
    star: T,
    one: T,
) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut backtrack: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == star {
            backtrack = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == one || eq(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if let Some((bp, bt)) = backtrack {
            pi = bp + 1;
            ti = bt + 1;
            backtrack = Some((bp, bt + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == star {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_and_question_marks() {
        assert!(matches("kms:*", "kms:Encrypt", false));
        assert!(matches("kms:Re*", "kms:ReEncryptFrom", false));
        assert!(!matches("kms:Re*", "kms:Encrypt", false));
        assert!(matches("*", "", false));
        assert!(matches("a?c", "abc", false));
        assert!(!matches("a?c", "ac", false));
        assert!(matches("*a*b*", "xxaxxbxx", false));
        assert!(!matches("*a*b", "xxaxxbxxc", false));
    }

    #[test]
    fn case_folding_is_opt_in() {
        assert!(matches("KMS:encrypt", "kms:Encrypt", true));
        assert!(!matches("KMS:encrypt", "kms:Encrypt", false));
        assert!(matches("é*", "éa", false));
    }
}
