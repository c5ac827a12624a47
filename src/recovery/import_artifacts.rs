//! The reference's artifact plane: `artifacts/bindings/*.binding.json` (each holding the
//! manifest) and the bodies at `artifacts/objects/<kind>/<sha256(ref)[..2]>/<safe ref><suffix>`.
//! Bodies are copied into our content-addressed store and checked against the binding's
//! SHA-256; a missing or changed body is a loss, and the manifest still comes across. It never
//! writes to the source.

use super::import_py::ImportReport;
use super::replay::{Applier, loss_marker};
use super::{RecoveryError, io};
use crate::capture::ingest::parse_line;
use crate::capture::{IngestMode, put_object};
use crate::model::*;
use crate::store::{Workspace, WriteOp};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The reference's file-name form of a ref: `:` → `__`, other unsafe runs → `_`.
fn safe_ref(r: &str) -> String {
    let s = r.replace(':', "__");
    let mut out = String::new();
    let mut in_bad = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
            in_bad = false;
        } else if !in_bad {
            out.push('_');
            in_bad = true;
        }
    }
    out.trim_matches(|c| c == '.' || c == '_').to_string()
}

/// The stored body of `artifact_ref`, found by its documented path (any kind folder, any
/// suffix).
fn find_body(root: &Path, artifact_ref: &str) -> Option<PathBuf> {
    let h = hex::encode(Sha256::digest(artifact_ref.as_bytes()));
    let safe = safe_ref(artifact_ref);
    let objects = root.join("artifacts/objects");
    for kind in std::fs::read_dir(&objects).ok()?.filter_map(Result::ok) {
        let dir = kind.path().join(&h[..2]);
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for f in rd.filter_map(Result::ok) {
            let name = f.file_name().to_string_lossy().into_owned();
            let rest = name.strip_prefix(&safe);
            if rest.is_some_and(|r| r.is_empty() || r.starts_with('.')) && f.path().is_file() {
                return Some(f.path());
            }
        }
    }
    None
}

pub(crate) fn bindings(
    ws: &Workspace,
    root: &Path,
    a: &mut Applier<'_>,
    report: &mut ImportReport,
) -> Result<(), RecoveryError> {
    let dir = root.join("artifacts/bindings");
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().ends_with(".binding.json"))
            .collect(),
        Err(_) => return Ok(()),
    };
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(io(&file))?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let b: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let mut m =
            crate::model::json::canonical(b.get("manifest_snapshot").cloned().unwrap_or_default());
        let run = m
            .get("run_ref")
            .and_then(|r| r.as_str())
            .and_then(|r| Ref::parse(r).ok());
        let mut loss =
            |what: String, run: Option<&Ref>, a: &mut Applier<'_>| -> Result<(), RecoveryError> {
                report.losses.push(what.clone());
                if let Some(run) = run {
                    let mut attrs = JsonMap::default();
                    attrs.insert("binding", name.clone());
                    if let Some(mk) = loss_marker(
                        run,
                        &format!("contexta-py:binding:{name}:{what}"),
                        "import.artifact_loss",
                        what,
                        attrs,
                        Timestamp::now(),
                    ) {
                        a.marker(mk)?;
                    }
                }
                Ok(())
            };
        let Some(obj) = m.as_object_mut() else {
            loss(
                format!("{name}: no manifest_snapshot; artifact not imported"),
                run.as_ref(),
                a,
            )?;
            continue;
        };
        let aref = obj
            .get("artifact_ref")
            .and_then(|r| r.as_str())
            .unwrap_or("")
            .to_string();
        for k in ["hash_value", "size_bytes"] {
            if !obj.contains_key(k)
                && let Some(v) = b.get(k).filter(|v| !v.is_null())
            {
                obj.insert(k.into(), v.clone());
            }
        }
        match find_body(root, &aref) {
            Some(body) => {
                let stored = put_object(ws.root(), &body, IngestMode::Copy)
                    .map_err(|e| RecoveryError::Invalid(e.to_string()))?;
                if obj
                    .get("hash_value")
                    .and_then(|h| h.as_str())
                    .is_some_and(|h| h != stored.sha256)
                {
                    loss(
                        format!(
                            "{aref}: the body's SHA-256 differs from the binding; imported as found"
                        ),
                        run.as_ref(),
                        a,
                    )?;
                }
                let attrs = obj
                    .entry("attributes")
                    .or_insert_with(|| serde_json::json!({}));
                if let Some(at) = attrs.as_object_mut() {
                    at.insert("object_path".into(), stored.path.into());
                }
            }
            None => loss(
                format!(
                    "{aref}: body not found under artifacts/objects; manifest imported without it"
                ),
                run.as_ref(),
                a,
            )?,
        }
        obj.insert("entity".into(), "artifact".into());
        match parse_line(&m.to_string()) {
            Ok(Some(op @ WriteOp::Artifact(_))) => {
                report.artifacts += 1;
                a.entity(op);
            }
            Ok(_) => {}
            Err(e) => loss(
                format!("{name}: manifest not imported: {}: {}", e.field, e.reason),
                run.as_ref(),
                a,
            )?,
        }
    }
    Ok(())
}
