//! CMEK-GCP-011: a member that looks like Anthropic's service account but is not the published
//! one. See `RULE.docs`.

use super::Hit;
use crate::lint::facts::{Ctx, edit_distance, fold_confusables};
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-GCP-011",
    summary: "Look-alike of Anthropic's service account (other tier, project, typo or characters)",
    severity: Severity::Error,
    suppressible: false,
    section: "§1, §2, §5",
    remedy: "Use the published member \
             `serviceAccount:anthropic-cmek-client-us@gcp-anthropic-cmek-clients.iam.gserviceaccount.com`, \
             checked against Anthropic's documentation, never against an identifier sent by email \
             or chat.",
    docs: "## What it does\nFlags IAM members on the key that resemble Anthropic's published \
service account but differ from it: another tier (`anthropic-cmek-client-eu@...`), another \
project (`...@gcp-anthropic-cmek-client.iam...`), a typo within three edits, another member \
type (`user:`, `group:`), or non-ASCII characters that look like the address.\n\n## Why it \
matters\nA look-alike either grants nobody (validation fails) or grants someone else \
encrypt/decrypt on the key. The docs require verifying the identifier against the published \
identities.\n\n## Example\n```json\n{\"role\": \"roles/cloudkms.cryptoKeyEncrypterDecrypter\", \
\"members\": [\"serviceAccount:anthropic-cmek-client-eu@gcp-anthropic-cmek-clients.iam.gserviceaccount.com\"]}\n\
```\n\n## Fix\nUse the published member exactly.\n\n## Source\ndomain/anthropic-cmek.md §1 \
(verify identifiers), §2 (published identities), §5.\n",
};

/// Why `member` looks like, but is not, the published member.
pub fn lookalike_reason(member: &str, published: &str) -> Option<String> {
    if member == published {
        return None;
    }
    let folded = fold_confusables(member);
    if !member.is_ascii() && (folded == published || folded.contains("anthropic")) {
        return Some(format!(
            "`{member}` contains non-ASCII characters that look like Anthropic's service account \
             (`{folded}` once folded)"
        ));
    }
    let email = |m: &str| m.split_once(':').map_or(m, |(_, e)| e).to_ascii_lowercase();
    let (mine, theirs) = (email(member), email(published));
    if mine == theirs {
        return Some(format!(
            "`{member}` names Anthropic's service account with the wrong member type; it must be \
             `serviceAccount:`"
        ));
    }
    let d = edit_distance(&mine, &theirs);
    if d <= 3 {
        return Some(format!(
            "`{member}` is {d} edit(s) away from Anthropic's service account"
        ));
    }
    if mine.contains("anthropic-cmek") || mine.contains("gcp-anthropic") {
        return Some(format!(
            "`{member}` is named like Anthropic's service account but is not the published \
             `{published}`"
        ));
    }
    None
}

pub fn check(s: &Subject, cx: &Ctx, out: &mut Vec<Hit>) {
    let Subject::Gcp(g) = s else { return };
    let Some(iam) = &g.iam else { return };
    let published = cx.ids.gcp.member.as_str();
    for (i, b) in iam.bindings.iter().enumerate() {
        for m in &b.members {
            if let Some(reason) = lookalike_reason(m, published) {
                out.push(Hit::new(
                    format!("binding of `{}`: {reason}", b.role),
                    g.binding_location(i),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::lookalike_reason;

    const SA: &str = "serviceAccount:anthropic-cmek-client-us@gcp-anthropic-cmek-clients.iam.gserviceaccount.com";

    #[test]
    fn kinds_of_lookalikes() {
        assert!(lookalike_reason(SA, SA).is_none());
        let eu = SA.replace("client-us", "client-eu");
        assert!(lookalike_reason(&eu, SA).unwrap().contains("edit"));
        let project = SA.replace("gcp-anthropic-cmek-clients", "acme-anthropic-cmek");
        assert!(
            lookalike_reason(&project, SA)
                .unwrap()
                .contains("named like")
        );
        let user = SA.replace("serviceAccount:", "user:");
        assert!(lookalike_reason(&user, SA).unwrap().contains("member type"));
        let cyrillic = SA.replace("anthropic-cmek-client", "аnthropic-cmek-client");
        assert!(
            lookalike_reason(&cyrillic, SA)
                .unwrap()
                .contains("non-ASCII")
        );
        assert!(lookalike_reason("group:kms-admins@acme.com", SA).is_none());
        assert!(lookalike_reason("allUsers", SA).is_none());
    }
}
