//! State → [`Prior`]: what the plan core needs to know of the state, one conversion.
//!
//! A key entry's `attributes` hold what apply last wrote: the mutable attributes by their plan
//! names plus `access` (the [`AccessDoc`] cmek last applied). Protection history (served
//! workspaces, organizations bound, ever attached) comes from the entry's protection record and
//! survives in tombstones.

use serde_json::Value;

use crate::plan::input::{
    AccessDoc, Prior, PriorKey, PriorRegistration, PriorWorkspace, ServedWorkspace, Tombstone,
};
use crate::state::{KeyEntry, State};

/// The attribute holding the applied access document in a key entry.
pub const ACCESS_ATTRIBUTE: &str = "access";

/// The plan core's view of one key entry.
pub fn prior_key(entry: &KeyEntry) -> PriorKey {
    let mut attributes = std::collections::BTreeMap::new();
    let mut applied_access = None;
    if let Value::Object(map) = &entry.attributes {
        for (name, value) in map {
            if name == ACCESS_ATTRIBUTE {
                applied_access = serde_json::from_value::<AccessDoc>(value.clone()).ok();
            } else {
                attributes.insert(name.clone(), value.clone());
            }
        }
    }
    let protection = entry.protection();
    PriorKey {
        remote_id: entry.remote_id().to_string(),
        attributes,
        applied_access,
        ever_attached: protection.ever_attached(),
        served: protection
            .workspaces_served()
            .iter()
            .map(|w| ServedWorkspace {
                workspace_id: w.workspace_id.clone(),
                compartment_uuid: w.compartment_id.clone(),
                via_external_key_id: w.via_external_key_id.clone(),
            })
            .collect(),
        org_uuids_bound: protection.org_uuids_bound().clone(),
        protects_data: protection.protects_data(),
        data_under_older_policy: false,
    }
}

/// Converts the whole state.
pub fn prior_from_state(state: &State) -> Prior {
    Prior {
        lineage: state.lineage().to_string(),
        serial: state.serial(),
        keys: state
            .keys()
            .iter()
            .map(|(a, e)| (a.clone(), prior_key(e)))
            .collect(),
        registrations: state
            .external_keys()
            .iter()
            .map(|(a, e)| {
                (
                    a.clone(),
                    PriorRegistration {
                        remote_id: e.id().to_string(),
                        key: e.key.clone(),
                        in_use: e.in_use(),
                    },
                )
            })
            .collect(),
        workspaces: state
            .workspaces()
            .iter()
            .map(|(a, e)| {
                (
                    a.clone(),
                    PriorWorkspace {
                        remote_id: e.id().to_string(),
                        compartment_uuid: e.compartment_id.clone(),
                        attached_external_key_id: e.attached_external_key_id().map(str::to_string),
                    },
                )
            })
            .collect(),
        tombstones: state
            .forgotten()
            .iter()
            .filter_map(|t| {
                let remote_id = t.ids.first()?.clone();
                let key = serde_json::from_value::<KeyEntry>(t.entry.clone())
                    .ok()
                    .map(|e| prior_key(&e));
                Some(Tombstone {
                    address: t.address.clone(),
                    remote_id,
                    key,
                })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::{Address, Cloud};
    use crate::state::{AttachmentRecord, EntryOrigin};

    #[test]
    fn protection_and_access_survive_conversion() {
        let mut s = State::new();
        let key = Address::key(Cloud::Aws, "prod");
        let ek = Address::external_key("prod");
        let ws = Address::workspace("prod");
        let access =
            AccessDoc::AwsPolicy(serde_json::json!({"Version": "2012-10-17", "Statement": []}));
        s.upsert_key(
            &key,
            "arn:aws:kms:us-east-2:111122223333:key/k",
            EntryOrigin::Created,
            serde_json::json!({"access": access, "description": "d"}),
            "t",
        )
        .unwrap();
        s.upsert_external_key(&ek, "ekey_1", Some(key.clone()), Value::Null, "t")
            .unwrap();
        s.upsert_workspace(&ws, "wrkspc_1", None, Value::Null, "t")
            .unwrap();
        s.record_attachment(&AttachmentRecord {
            workspace: &ws,
            external_key: &ek,
            key: &key,
            compartment_id: "c0af63e0-0000-4000-8000-000000000001",
            org_uuid: "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
            attached_at: "t",
        })
        .unwrap();
        let p = prior_from_state(&s);
        let k = &p.keys[&key];
        assert_eq!(k.applied_access, Some(access));
        assert!(k.ever_attached && k.protects_data);
        assert_eq!(
            k.served[0].compartment_uuid,
            "c0af63e0-0000-4000-8000-000000000001"
        );
        assert!(!k.attributes.contains_key(ACCESS_ATTRIBUTE));
        assert!(p.registrations[&ek].in_use);
        assert_eq!(
            p.workspaces[&ws].attached_external_key_id.as_deref(),
            Some("ekey_1")
        );
    }
}
