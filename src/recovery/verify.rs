//! Artifact bodies against their manifests: `ok`, `missing`, `changed` (size or SHA-256 differ),
//! or `no_body` (a manifest that never had a stored object, e.g. from an entity line). Also
//! copies a verified body out. It never modifies the object store.

use super::{RecoveryError, io};
use crate::model::ArtifactManifest;
pub use crate::store::objects::object_path;
use crate::store::objects::{StoredBody, open_object};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactState {
    Ok,
    Missing,
    Changed,
    NoBody,
}

impl ArtifactState {
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactState::Ok => "ok",
            ArtifactState::Missing => "missing",
            ArtifactState::Changed => "changed",
            ArtifactState::NoBody => "no_body",
        }
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ArtifactCheck {
    pub artifact_ref: String,
    pub state: ArtifactState,
    /// Relative to the workspace root.
    pub object_path: Option<String>,
    pub expected_size: Option<u64>,
    pub actual_size: Option<u64>,
    pub expected_sha256: Option<String>,
    pub actual_sha256: Option<String>,
    pub detail: String,
}

fn hash_reader(
    mut r: impl Read,
    mut sink: Option<&mut dyn Write>,
) -> std::io::Result<(String, u64)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = r.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        if let Some(s) = sink.as_mut() {
            s.write_all(&buf[..k])?;
        }
        n += k as u64;
    }
    Ok((hex::encode(h.finalize()), n))
}

/// Verifies one artifact's stored body (size first, then SHA-256).
pub fn verify_artifact(root: &Path, m: &ArtifactManifest) -> Result<ArtifactCheck, RecoveryError> {
    let mut c = ArtifactCheck {
        artifact_ref: m.artifact_ref.to_string(),
        state: ArtifactState::Ok,
        object_path: None,
        expected_size: m.size_bytes,
        actual_size: None,
        expected_sha256: m.hash_value.clone(),
        actual_sha256: None,
        detail: String::new(),
    };
    let Some((rel, path)) = object_path(root, m) else {
        c.state = ArtifactState::NoBody;
        c.detail = "no stored object (manifest only)".into();
        return Ok(c);
    };
    c.object_path = Some(rel.clone());
    // Opened without following links: verify and get read exactly what they judge.
    let (f, len) = match open_object(root, &rel).map_err(io(&path))? {
        StoredBody::Open(f, len) => (f, len),
        StoredBody::NotRegular => {
            c.state = ArtifactState::Changed;
            c.detail = "the object is not a regular file".into();
            return Ok(c);
        }
        StoredBody::Missing => {
            c.state = ArtifactState::Missing;
            c.detail = "the stored object is gone".into();
            return Ok(c);
        }
    };
    c.actual_size = Some(len);
    if m.size_bytes.is_some_and(|s| s != len) {
        c.state = ArtifactState::Changed;
        c.detail = format!("size {len} != recorded {}", m.size_bytes.unwrap_or(0));
        return Ok(c);
    }
    let (sha, _) = hash_reader(f, None).map_err(io(&path))?;
    if m.hash_value.as_deref().is_some_and(|h| h != sha) {
        c.state = ArtifactState::Changed;
        c.detail = "SHA-256 differs from the recorded hash".into();
    }
    c.actual_sha256 = Some(sha);
    Ok(c)
}

/// Copies an artifact's body into `out`, hashing it on the way, and returns its size. The
/// object is opened without following links and must be a regular file. A body whose SHA-256
/// differs from the recorded one is an error after the copy: the caller discards what it
/// wrote (a file destination is only renamed into place on success).
pub fn copy_artifact(
    root: &Path,
    m: &ArtifactManifest,
    out: &mut dyn Write,
) -> Result<u64, RecoveryError> {
    let Some((rel, src)) = object_path(root, m) else {
        return Err(RecoveryError::Invalid(format!(
            "{} has no stored object",
            m.artifact_ref
        )));
    };
    let input = match open_object(root, &rel).map_err(io(&src))? {
        StoredBody::Open(f, _) => f,
        StoredBody::Missing => {
            return Err(RecoveryError::Refused(format!(
                "{}: the stored object {} is gone",
                m.artifact_ref,
                src.display()
            )));
        }
        StoredBody::NotRegular => {
            return Err(RecoveryError::Refused(format!(
                "{}: the stored object {} is not a regular file (a link, pipe or device); not copied",
                m.artifact_ref,
                src.display()
            )));
        }
    };
    let (sha, n) = hash_reader(input, Some(out)).map_err(io(&src))?;
    if m.hash_value.as_deref().is_some_and(|h| h != sha) {
        return Err(RecoveryError::Refused(format!(
            "{}: the stored object's SHA-256 {sha} differs from the recorded {}",
            m.artifact_ref,
            m.hash_value.as_deref().unwrap_or("")
        )));
    }
    Ok(n)
}
