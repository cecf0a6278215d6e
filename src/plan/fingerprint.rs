//! Fingerprints of the observed remote objects, recorded in the plan so `apply PLANFILE` can
//! re-read them and refuse a stale plan (Terraform only compares the state's serial).
//!
//! Keys carry the fingerprint the provider layer computed. Registrations and workspaces are
//! fingerprinted here: FNV-1a (64 bit) over their canonical JSON — a change detector, not a
//! security digest (the plan file is not a trust boundary).

use std::collections::BTreeMap;

use serde::Serialize;

use super::input::Observed;

/// Remote id -> fingerprint for every observed object.
pub fn fingerprints(observed: &Observed) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for key in observed.keys.values() {
        out.insert(key.remote_id.clone(), key.fingerprint.clone());
    }
    for reg in observed.registrations.values() {
        out.insert(reg.id.clone(), of_json(reg));
    }
    for ws in observed.workspaces.values() {
        out.insert(ws.id.clone(), of_json(ws));
    }
    out
}

/// `fnv1a64:<16 hex digits>` of the value's JSON (field order is the struct's, so stable).
pub fn of_json<T: Serialize>(value: &T) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    format!("fnv1a64:{:016x}", fnv1a64(&bytes))
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_reference_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
