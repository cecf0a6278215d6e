//! The emulated organization: external keys and workspaces, and the documented rules that govern
//! them (`domain/anthropic-cmek.md` §7), as pure operations on a serializable value.
//!
//! Invariants:
//! - a key's `attachment` is derived, never stored: it is `attached` exactly when some workspace
//!   (live or archived) has it as `external_key_id`, or it is the organization's key (Claude
//!   Enterprise);
//! - a workspace's `external_key_id` is write-once;
//! - `geo` and `provider_config` never change while the key is attached;
//! - an attached key cannot be deleted;
//! - list order is newest first by a monotonic creation sequence (timestamps may tie).
//!
//! Platforms (`domain/anthropic-cmek.md` §1, §4; the organization's `platform` decides):
//! - Claude Platform: keys are registered (`ekey_...`), validated, and attached per workspace;
//! - Claude Platform on AWS: "keys are identified by KMS key ARN, not `ekey_`", so there is no
//!   registration and no separate validate call: a workspace is attached with the key ARN and
//!   "the key is validated at attach, using the workspace's compartment id"; the key "must be in
//!   the same AWS account and region as the workspace"; "alias ARNs are rejected" and `mrk-`
//!   (multi-region) keys are not supported;
//! - Claude Enterprise: "per organization (one key per organization, no workspace step)": one
//!   registration at most, no workspace attach. The domain file does not say when the
//!   organization's key takes effect; the emulator's choice is that the first *successful*
//!   validate of the registration makes it the organization's key (`organization_key_id`), from
//!   which point it counts as attached (immutable `geo`/`provider_config`, never deletable).

use serde::{Deserialize, Serialize};

use crate::anthropic::types::{
    Attachment, CreateExternalKey, ExternalKey, ExternalKeyDeleted, ExternalKeyPage,
    ProviderConfig, UpdateExternalKey, Workspace,
};
use crate::sandbox::log::now_rfc3339;
use crate::spec::model::Platform;

use super::ids::{new_external_key_id, new_workspace_id};
use super::provider_config::{check_display_name, check_geo, check_provider_config};

/// Version of the persisted state file.
pub const STATE_FORMAT_VERSION: u32 = 1;

pub const DEFAULT_LIST_LIMIT: usize = 20;
pub const MAX_LIST_LIMIT: usize = 100;

/// The whole emulated organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminState {
    pub format_version: u32,
    /// Bare lowercase UUID (what key policies bind to).
    pub organization_uuid: String,
    pub next_seq: u64,
    /// In creation order (oldest first).
    pub external_keys: Vec<StoredExternalKey>,
    /// In creation order.
    pub workspaces: Vec<Workspace>,
    /// The product the organization uses; decides the registration and attach rules.
    #[serde(default)]
    pub platform: Platform,
    /// Claude Platform on AWS: the AWS account and region the organization's workspaces live in
    /// (a key must be in the same account and region).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_home: Option<AwsHome>,
    /// Claude Enterprise: the registration that encrypts the whole organization, set by its
    /// first successful validate and never changed afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_key_id: Option<String>,
}

/// Where a Claude Platform on AWS organization runs: its workspaces' ARNs are
/// `arn:aws:aws-external-anthropic:<region>:<account-id>:workspace/<workspace-id>` (§4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsHome {
    pub account: String,
    pub region: String,
}

/// What the server must check with the key before a Claude Platform on AWS attach commits:
/// the key ARN and the workspace's compartment (the validation's encryption context).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachValidation {
    pub kms_arn: String,
    pub compartment_id: String,
}

/// An external key as stored (attachment is derived from the workspaces).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredExternalKey {
    pub seq: u64,
    pub id: String,
    pub display_name: Option<String>,
    pub geo: String,
    pub provider_config: ProviderConfig,
    pub created_at: String,
    pub updated_at: String,
}

/// An API error the emulator answers with: status, `error.type`, `error.message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    pub status: u16,
    pub error_type: &'static str,
    pub message: String,
}

impl ApiFailure {
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self {
            status: 400,
            error_type: "invalid_request_error",
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: 404,
            error_type: "not_found_error",
            message: message.into(),
        }
    }

    pub fn authentication(message: impl Into<String>) -> Self {
        Self {
            status: 401,
            error_type: "authentication_error",
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            status: 500,
            error_type: "api_error",
            message: message.into(),
        }
    }
}

/// Body of the sandbox-only workspace seeding call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedWorkspace {
    #[serde(default)]
    pub name: Option<String>,
    /// A fixed id (for specs that name one); generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Attach at creation, as the real workspace-create call allows.
    #[serde(default)]
    pub external_key_id: Option<String>,
}

/// Body of `POST /v1/organizations/workspaces/{id}` (workspace update; attach when
/// `external_key_id` is present).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceUpdate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub external_key_id: Option<String>,
}

impl AdminState {
    pub fn new(organization_uuid: String) -> Self {
        Self {
            format_version: STATE_FORMAT_VERSION,
            organization_uuid,
            next_seq: 1,
            external_keys: Vec::new(),
            workspaces: Vec::new(),
            platform: Platform::ClaudePlatform,
            aws_home: None,
            organization_key_id: None,
        }
    }

    /// An organization of `platform`; `aws_home` only matters on Claude Platform on AWS.
    pub fn for_platform(
        organization_uuid: String,
        platform: Platform,
        aws_home: Option<AwsHome>,
    ) -> Self {
        Self {
            platform,
            aws_home,
            ..Self::new(organization_uuid)
        }
    }

    fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Referenced by a workspace (live or archived) or, on Claude Enterprise, the organization's
    /// key.
    fn is_attached(&self, key_id: &str) -> bool {
        self.organization_key_id.as_deref() == Some(key_id)
            || self
                .workspaces
                .iter()
                .any(|w| w.external_key_id.as_deref() == Some(key_id))
    }

    fn to_wire(&self, key: &StoredExternalKey) -> ExternalKey {
        ExternalKey {
            object_type: "external_key".into(),
            id: key.id.clone(),
            attachment: if self.is_attached(&key.id) {
                Attachment::Attached
            } else {
                Attachment::Unattached
            },
            display_name: key.display_name.clone(),
            geo: Some(key.geo.clone()),
            provider_config: key.provider_config.clone(),
            created_at: key.created_at.clone(),
            updated_at: key.updated_at.clone(),
        }
    }

    fn find_key(&self, id: &str) -> Result<&StoredExternalKey, ApiFailure> {
        self.external_keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| ApiFailure::not_found(format!("external key {id} not found")))
    }

    fn find_workspace_mut(&mut self, id: &str) -> Result<&mut Workspace, ApiFailure> {
        self.workspaces
            .iter_mut()
            .find(|w| w.id == id)
            .ok_or_else(|| ApiFailure::not_found(format!("workspace {id} not found")))
    }

    // ----- external keys ---------------------------------------------------------------

    pub fn create_external_key(
        &mut self,
        request: CreateExternalKey,
    ) -> Result<ExternalKey, ApiFailure> {
        match self.platform {
            Platform::ClaudePlatform => {}
            Platform::ClaudePlatformAws => {
                return Err(ApiFailure::invalid_request(
                    "Claude Platform on AWS identifies keys by their KMS key ARN and has no external key registrations: attach the workspace with the key ARN",
                ));
            }
            Platform::ClaudeEnterprise => {
                if let Some(existing) = self.external_keys.first() {
                    return Err(ApiFailure::invalid_request(format!(
                        "Claude Enterprise uses one key per organization; external key {} is already registered",
                        existing.id
                    )));
                }
            }
        }
        check_provider_config(&request.provider_config).map_err(ApiFailure::invalid_request)?;
        if let Some(name) = &request.display_name {
            check_display_name(name).map_err(ApiFailure::invalid_request)?;
        }
        let geo = request.geo.unwrap_or_else(|| "us".to_string());
        check_geo(&geo).map_err(ApiFailure::invalid_request)?;
        let now = now_rfc3339();
        let key = StoredExternalKey {
            seq: self.take_seq(),
            id: new_external_key_id(),
            display_name: request.display_name,
            geo,
            provider_config: request.provider_config,
            created_at: now.clone(),
            updated_at: now,
        };
        let wire = self.to_wire(&key);
        self.external_keys.push(key);
        Ok(wire)
    }

    /// `limit` and `page` as given in the query string.
    pub fn list_external_keys(
        &self,
        limit: Option<&str>,
        page: Option<&str>,
    ) -> Result<ExternalKeyPage, ApiFailure> {
        let limit = match limit {
            None => DEFAULT_LIST_LIMIT,
            Some(raw) => raw
                .parse::<usize>()
                .ok()
                .filter(|l| (1..=MAX_LIST_LIMIT).contains(l))
                .ok_or_else(|| {
                    ApiFailure::invalid_request(format!(
                        "limit: must be an integer between 1 and {MAX_LIST_LIMIT}, got `{raw}`"
                    ))
                })?,
        };
        let before_seq = match page {
            None => u64::MAX,
            Some(cursor) => decode_cursor(cursor).ok_or_else(|| {
                ApiFailure::invalid_request(format!("page: `{cursor}` is not a valid page cursor"))
            })?,
        };
        let mut newest_first: Vec<&StoredExternalKey> = self
            .external_keys
            .iter()
            .filter(|k| k.seq < before_seq)
            .collect();
        newest_first.sort_by_key(|k| std::cmp::Reverse(k.seq));
        let has_more = newest_first.len() > limit;
        newest_first.truncate(limit);
        let next_page = match (has_more, newest_first.last()) {
            (true, Some(last)) => Some(encode_cursor(last.seq)),
            _ => None,
        };
        Ok(ExternalKeyPage {
            data: newest_first.into_iter().map(|k| self.to_wire(k)).collect(),
            next_page,
        })
    }

    pub fn get_external_key(&self, id: &str) -> Result<ExternalKey, ApiFailure> {
        let key = self.find_key(id)?;
        Ok(self.to_wire(key))
    }

    pub fn provider_config_of(&self, id: &str) -> Result<ProviderConfig, ApiFailure> {
        Ok(self.find_key(id)?.provider_config.clone())
    }

    pub fn update_external_key(
        &mut self,
        id: &str,
        update: UpdateExternalKey,
    ) -> Result<ExternalKey, ApiFailure> {
        let attached = self.is_attached(id);
        let current = self.find_key(id)?.clone();
        if let Some(name) = &update.display_name {
            check_display_name(name).map_err(ApiFailure::invalid_request)?;
        }
        if let Some(geo) = &update.geo {
            check_geo(geo).map_err(ApiFailure::invalid_request)?;
            if attached && *geo != current.geo {
                return Err(ApiFailure::invalid_request(format!(
                    "geo: cannot be changed because external key {id} is attached to a workspace"
                )));
            }
        }
        if let Some(config) = &update.provider_config {
            check_provider_config(config).map_err(ApiFailure::invalid_request)?;
            if attached && *config != current.provider_config {
                return Err(ApiFailure::invalid_request(format!(
                    "provider_config: cannot be changed because external key {id} is attached to a workspace"
                )));
            }
        }
        let key = self
            .external_keys
            .iter_mut()
            .find(|k| k.id == id)
            .ok_or_else(|| ApiFailure::not_found(format!("external key {id} not found")))?;
        let mut changed = false;
        if let Some(name) = update.display_name
            && key.display_name.as_ref() != Some(&name)
        {
            key.display_name = Some(name);
            changed = true;
        }
        if let Some(geo) = update.geo
            && key.geo != geo
        {
            key.geo = geo;
            changed = true;
        }
        if let Some(config) = update.provider_config
            && key.provider_config != config
        {
            key.provider_config = config;
            changed = true;
        }
        if changed {
            key.updated_at = now_rfc3339();
        }
        let key = key.clone();
        Ok(self.to_wire(&key))
    }

    /// Server-side delete: refused while any workspace (live or archived) references the key.
    pub fn delete_external_key(&mut self, id: &str) -> Result<ExternalKeyDeleted, ApiFailure> {
        self.find_key(id)?;
        if self.organization_key_id.as_deref() == Some(id) {
            return Err(ApiFailure::invalid_request(format!(
                "external key {id} cannot be deleted: it is the organization's key"
            )));
        }
        if self.is_attached(id) {
            let users: Vec<&str> = self
                .workspaces
                .iter()
                .filter(|w| w.external_key_id.as_deref() == Some(id))
                .map(|w| w.id.as_str())
                .collect();
            return Err(ApiFailure::invalid_request(format!(
                "external key {id} cannot be deleted while workspaces reference it ({})",
                users.join(", ")
            )));
        }
        self.external_keys.retain(|k| k.id != id);
        Ok(ExternalKeyDeleted {
            id: id.to_string(),
            object_type: "external_key_deleted".into(),
        })
    }

    // ----- workspaces ------------------------------------------------------------------

    pub fn get_workspace(&self, id: &str) -> Result<Workspace, ApiFailure> {
        self.workspaces
            .iter()
            .find(|w| w.id == id)
            .cloned()
            .ok_or_else(|| ApiFailure::not_found(format!("workspace {id} not found")))
    }

    /// Workspace update; with `external_key_id` this is the write-once attach.
    pub fn update_workspace(
        &mut self,
        id: &str,
        update: WorkspaceUpdate,
    ) -> Result<Workspace, ApiFailure> {
        let current = self.get_workspace(id)?;
        if current.archived_at.is_some() {
            return Err(ApiFailure::invalid_request(format!(
                "workspace {id} is archived and cannot be modified"
            )));
        }
        if let Some(name) = &update.name {
            check_workspace_name(name)?;
        }
        if let Some(key_id) = &update.external_key_id {
            self.check_attachable(key_id)?;
            match current.external_key_id.as_deref() {
                Some(existing) if existing == key_id => {}
                Some(existing) => {
                    return Err(ApiFailure::invalid_request(format!(
                        "external_key_id: workspace {id} already uses external key {existing}; a workspace's external key is set once and can never be changed"
                    )));
                }
                None => {}
            }
        }
        let workspace = self.find_workspace_mut(id)?;
        if let Some(name) = update.name {
            workspace.name = Some(name);
        }
        if let Some(key_id) = update.external_key_id {
            workspace.external_key_id = Some(key_id);
        }
        Ok(workspace.clone())
    }

    fn check_attachable(&self, key_id: &str) -> Result<(), ApiFailure> {
        match self.platform {
            Platform::ClaudeEnterprise => Err(ApiFailure::invalid_request(
                "Claude Enterprise has no workspace-level keys: the organization's key is its one external key",
            )),
            Platform::ClaudePlatformAws => {
                check_platform_aws_key_arn(key_id, self.aws_home.as_ref())
                    .map_err(ApiFailure::invalid_request)?;
                Ok(())
            }
            Platform::ClaudePlatform => {
                if self.external_keys.iter().any(|k| k.id == key_id) {
                    Ok(())
                } else {
                    Err(ApiFailure::invalid_request(format!(
                        "external_key_id: external key {key_id} does not exist"
                    )))
                }
            }
        }
    }

    /// Claude Platform on AWS: what an attach of `update` must validate with the key before it
    /// commits (`None` when the update attaches nothing new). Runs every precondition of
    /// [`Self::update_workspace`] first, so a refused attach never reaches the key.
    pub fn attach_validation(
        &self,
        id: &str,
        update: &WorkspaceUpdate,
    ) -> Result<Option<AttachValidation>, ApiFailure> {
        if self.platform != Platform::ClaudePlatformAws {
            return Ok(None);
        }
        let Some(key_id) = &update.external_key_id else {
            return Ok(None);
        };
        let current = self.get_workspace(id)?;
        if current.archived_at.is_some() {
            return Err(ApiFailure::invalid_request(format!(
                "workspace {id} is archived and cannot be modified"
            )));
        }
        self.check_attachable(key_id)?;
        match current.external_key_id.as_deref() {
            Some(existing) if existing == key_id => Ok(None),
            Some(existing) => Err(ApiFailure::invalid_request(format!(
                "external_key_id: workspace {id} already uses key {existing}; a workspace's key is set once and can never be changed"
            ))),
            None => Ok(Some(AttachValidation {
                kms_arn: key_id.clone(),
                compartment_id: current.compartment_id,
            })),
        }
    }

    /// Claude Enterprise: a successful validate of the organization's only registration makes
    /// it the organization's key (once; it never changes afterwards).
    pub fn record_successful_validation(&mut self, id: &str) -> Result<(), ApiFailure> {
        self.find_key(id)?;
        if self.platform == Platform::ClaudeEnterprise && self.organization_key_id.is_none() {
            self.organization_key_id = Some(id.to_string());
        }
        Ok(())
    }

    /// Sandbox only: creates a workspace with a fresh compartment id.
    pub fn seed_workspace(&mut self, seed: SeedWorkspace) -> Result<Workspace, ApiFailure> {
        if self.platform == Platform::ClaudeEnterprise {
            return Err(ApiFailure::invalid_request(
                "a Claude Enterprise organization has no workspaces to seed",
            ));
        }
        let id = match seed.id {
            Some(id) => {
                let valid = id.starts_with("wrkspc_")
                    && id.len() > "wrkspc_".len()
                    && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                if !valid {
                    return Err(ApiFailure::invalid_request(format!(
                        "id: `{id}` is not a workspace id (wrkspc_ followed by letters and digits)"
                    )));
                }
                if self.workspaces.iter().any(|w| w.id == id) {
                    return Err(ApiFailure::invalid_request(format!(
                        "id: workspace {id} already exists"
                    )));
                }
                id
            }
            None => new_workspace_id(),
        };
        let name = seed.name.unwrap_or_else(|| id.clone());
        check_workspace_name(&name)?;
        if let Some(key_id) = &seed.external_key_id {
            self.check_attachable(key_id)?;
        }
        let workspace = Workspace {
            object_type: "workspace".into(),
            id,
            name: Some(name),
            compartment_id: uuid::Uuid::new_v4().to_string(),
            external_key_id: seed.external_key_id,
            archived_at: None,
        };
        self.workspaces.push(workspace.clone());
        Ok(workspace)
    }

    /// Sandbox only: archives a workspace (it keeps its key reference).
    pub fn archive_workspace(&mut self, id: &str) -> Result<Workspace, ApiFailure> {
        let workspace = self.find_workspace_mut(id)?;
        if workspace.archived_at.is_none() {
            workspace.archived_at = Some(now_rfc3339());
        }
        Ok(workspace.clone())
    }
}

/// A Claude Platform on AWS key reference: a KMS **key** ARN (not an alias ARN, not a
/// multi-region `mrk-` key) in the organization's own account and region (§4).
pub fn check_platform_aws_key_arn(arn: &str, home: Option<&AwsHome>) -> Result<(), String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [scheme, partition, service, region, account, resource] = parts.as_slice() else {
        return Err(format!(
            "external_key_id: `{arn}` is not a KMS key ARN (Claude Platform on AWS identifies keys by key ARN)"
        ));
    };
    if *scheme != "arn" || !partition.starts_with("aws") || *service != "kms" {
        return Err(format!("external_key_id: `{arn}` is not a KMS key ARN"));
    }
    if resource.starts_with("alias/") {
        return Err(format!(
            "external_key_id: `{arn}` is an alias ARN; Claude Platform on AWS rejects alias ARNs, use the key ARN"
        ));
    }
    let Some(key_id) = resource.strip_prefix("key/") else {
        return Err(format!("external_key_id: `{arn}` is not a KMS key ARN"));
    };
    if key_id.starts_with("mrk-") {
        return Err(format!(
            "external_key_id: `{arn}` is a multi-region key; CMEK needs a single-region key"
        ));
    }
    if key_id.is_empty() {
        return Err(format!("external_key_id: `{arn}` names no key"));
    }
    if let Some(home) = home
        && (home.account != *account || home.region != *region)
    {
        return Err(format!(
            "external_key_id: key {arn} is in account {account}, region {region}; the workspace is in account {}, region {}: the key must be in the same AWS account and region as the workspace",
            home.account, home.region
        ));
    }
    Ok(())
}

fn check_workspace_name(name: &str) -> Result<(), ApiFailure> {
    let len = name.chars().count();
    if (1..=40).contains(&len) {
        Ok(())
    } else {
        Err(ApiFailure::invalid_request(format!(
            "name: must be between 1 and 40 characters, got {len}"
        )))
    }
}

/// Page cursors are opaque to clients: `pg_` followed by the sequence to continue below.
fn encode_cursor(seq: u64) -> String {
    format!("pg_{seq:016x}")
}

fn decode_cursor(cursor: &str) -> Option<u64> {
    let hex = cursor.strip_prefix("pg_")?;
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws_request(name: &str) -> CreateExternalKey {
        CreateExternalKey {
            provider_config: ProviderConfig::Aws {
                kms_arn:
                    "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                        .into(),
                region: None,
            },
            display_name: Some(name.into()),
            geo: None,
        }
    }

    #[test]
    fn attachment_counts_archived_workspaces() {
        let mut s = AdminState::new("org".into());
        let key = s.create_external_key(aws_request("k")).unwrap();
        assert_eq!(key.attachment, Attachment::Unattached);
        assert_eq!(key.geo.as_deref(), Some("us"));
        let ws = s
            .seed_workspace(SeedWorkspace {
                external_key_id: Some(key.id.clone()),
                ..Default::default()
            })
            .unwrap();
        s.archive_workspace(&ws.id).unwrap();
        assert_eq!(
            s.get_external_key(&key.id).unwrap().attachment,
            Attachment::Attached
        );
        assert!(s.delete_external_key(&key.id).is_err());
    }

    fn home() -> AwsHome {
        AwsHome {
            account: "111122223333".into(),
            region: "us-east-2".into(),
        }
    }

    #[test]
    fn platform_aws_attaches_by_key_arn_after_preconditions() {
        let mut s =
            AdminState::for_platform("org".into(), Platform::ClaudePlatformAws, Some(home()));
        assert_eq!(
            s.create_external_key(aws_request("k")).unwrap_err().status,
            400
        );
        let ws = s.seed_workspace(SeedWorkspace::default()).unwrap();
        let arn = "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let update = WorkspaceUpdate {
            name: None,
            external_key_id: Some(arn.into()),
        };
        let check = s.attach_validation(&ws.id, &update).unwrap().unwrap();
        assert_eq!(check.kms_arn, arn);
        assert_eq!(check.compartment_id, ws.compartment_id);
        s.update_workspace(&ws.id, update.clone()).unwrap();
        // Re-sending the same attach needs no validation; another key is refused.
        assert_eq!(s.attach_validation(&ws.id, &update).unwrap(), None);
        let other = WorkspaceUpdate {
            name: None,
            external_key_id: Some(arn.replace("1234abcd", "5678abcd")),
        };
        assert!(s.attach_validation(&ws.id, &other).is_err());
        assert!(s.update_workspace(&ws.id, other).is_err());
    }

    #[test]
    fn platform_aws_key_arn_rules() {
        let h = home();
        let ok = "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        assert!(check_platform_aws_key_arn(ok, Some(&h)).is_ok());
        for (bad, why) in [
            ("arn:aws:kms:us-east-2:111122223333:alias/x", "alias ARN"),
            (
                "arn:aws:kms:us-east-2:111122223333:key/mrk-1",
                "multi-region",
            ),
            (
                &ok.replace("us-east-2", "us-east-1"),
                "same AWS account and region",
            ),
            (
                &ok.replace("111122223333", "999988887777"),
                "same AWS account and region",
            ),
            ("ekey_01abc", "not a KMS key ARN"),
            ("arn:aws:iam::111122223333:root", "not a KMS key ARN"),
        ] {
            let e = check_platform_aws_key_arn(bad, Some(&h)).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn enterprise_validation_makes_the_one_key_the_organizations() {
        let mut s = AdminState::for_platform("org".into(), Platform::ClaudeEnterprise, None);
        let key = s.create_external_key(aws_request("k")).unwrap();
        assert!(s.create_external_key(aws_request("second")).is_err());
        assert!(
            s.delete_external_key(&key.id).is_ok(),
            "unused: deletable server side"
        );
        let key = s.create_external_key(aws_request("k")).unwrap();
        s.record_successful_validation(&key.id).unwrap();
        s.record_successful_validation(&key.id).unwrap();
        assert_eq!(s.organization_key_id.as_deref(), Some(key.id.as_str()));
        assert_eq!(
            s.get_external_key(&key.id).unwrap().attachment,
            Attachment::Attached
        );
        assert!(s.delete_external_key(&key.id).is_err());
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(42)), Some(42));
        assert_eq!(decode_cursor("pg_xyz"), None);
        let s = AdminState::new("org".into());
        assert_eq!(
            s.list_external_keys(None, Some("bogus"))
                .unwrap_err()
                .status,
            400
        );
        assert_eq!(
            s.list_external_keys(Some("0"), None).unwrap_err().status,
            400
        );
        assert_eq!(
            s.list_external_keys(Some("101"), None).unwrap_err().status,
            400
        );
    }
}
