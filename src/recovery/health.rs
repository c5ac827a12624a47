//! Known damage, remembered: when `doctor` or `backup create` finds the database damaged, what
//! it found is kept in `health.json` beside the database, until `doctor` next finds it healthy.
//! Plain reads cannot afford a page check (it reads the whole file), but they can afford to
//! look for this file (one `stat`), so they warn instead of answering as if all were well.

use super::{RecoveryError, io};
use std::path::{Path, PathBuf};

pub const HEALTH_FILE: &str = "health.json";

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KnownDamage {
    /// When it was found (RFC 3339).
    pub found_at: String,
    /// The command that found it: `doctor` or `backup create`.
    pub by: String,
    /// One line per problem found.
    pub findings: Vec<String>,
}

fn path(root: &Path) -> PathBuf {
    root.join(HEALTH_FILE)
}

/// Records what a check found (replacing an earlier record), written whole or not at all.
pub fn record_damage(root: &Path, by: &str, findings: Vec<String>) -> Result<(), RecoveryError> {
    let rec = KnownDamage {
        found_at: crate::model::Timestamp::now().to_string(),
        by: by.to_string(),
        findings,
    };
    let text =
        serde_json::to_vec_pretty(&rec).map_err(|e| RecoveryError::Invalid(e.to_string()))?;
    let tmp = root.join(format!(".{HEALTH_FILE}.{}", std::process::id()));
    std::fs::write(&tmp, text).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path(root)).map_err(io(&path(root)))
}

/// Forgets recorded damage: a check found the database healthy.
pub fn clear(root: &Path) -> Result<(), RecoveryError> {
    match std::fs::remove_file(path(root)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(&path(root))(e)),
        _ => Ok(()),
    }
}

/// The damage a check recorded, if any. A record that cannot be read still says there is
/// damage: it is only ever written when some was found.
pub fn known_damage(root: &Path) -> Option<KnownDamage> {
    let text = std::fs::read(path(root)).ok()?;
    Some(
        serde_json::from_slice(&text).unwrap_or_else(|e| KnownDamage {
            found_at: String::new(),
            by: String::new(),
            findings: vec![format!("{} is unreadable: {e}", path(root).display())],
        }),
    )
}
