//! `artifact verify`, `artifact get`, `artifact ls --verify`: artifact bodies checked against
//! their manifests. Missing or changed bodies are reported (exit 0); only errors exit 1.

use super::super::output::{self, table};
use super::super::{Ctx, UsageError};
use crate::destination::{Destination, Kind, Options};
use crate::model::{ArtifactManifest, Ref};
use crate::query;
use crate::recovery::verify::{ArtifactCheck, ArtifactState, copy_artifact, verify_artifact};
use crate::store::Workspace;
use anyhow::Context;
use std::io::Write;
use std::path::Path;

/// The artifacts named by `refs` (artifact refs, or runs for all of theirs); all when empty.
fn select(ws: &Workspace, refs: &[String]) -> anyhow::Result<Vec<ArtifactManifest>> {
    let snap = ws.read()?;
    if refs.is_empty() {
        return Ok(snap.all_artifacts()?);
    }
    let mut out = Vec::new();
    for text in refs {
        if text.starts_with("artifact:") {
            let r = Ref::parse(text).map_err(|e| UsageError(format!("`{text}`: {e}")))?;
            out.push(
                snap.artifact(&r)?
                    .ok_or_else(|| anyhow::anyhow!("no artifact {r}"))?,
            );
        } else {
            let run = query::resolve_run(ws, text)?;
            out.extend(snap.artifacts(&run)?);
        }
    }
    Ok(out)
}

fn checks(ws: &Workspace, list: &[ArtifactManifest]) -> anyhow::Result<Vec<ArtifactCheck>> {
    list.iter()
        .map(|m| Ok(verify_artifact(ws.root(), m)?))
        .collect()
}

fn print(ctx: &Ctx, list: &[ArtifactManifest], checks: &[ArtifactCheck]) {
    if ctx.json() {
        output::json(&serde_json::to_value(checks).unwrap_or_default());
        return;
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .zip(checks)
        .map(|(m, c)| {
            vec![
                c.artifact_ref.clone(),
                c.state.as_str().to_string(),
                m.artifact_kind.clone(),
                m.size_bytes
                    .map(|b| b.to_string())
                    .unwrap_or_else(|| "-".into()),
                c.detail.clone(),
            ]
        })
        .collect();
    table(
        &["ARTIFACT", "STATE", "KIND", "BYTES", "DETAIL"],
        &rows,
        ctx.style,
        None,
    );
    if !ctx.quiet {
        let bad = checks
            .iter()
            .filter(|c| {
                matches!(
                    c.state,
                    crate::recovery::verify::ArtifactState::Missing
                        | crate::recovery::verify::ArtifactState::Changed
                )
            })
            .count();
        output::line(&format!(
            "{} artifacts checked, {bad} missing or changed",
            checks.len()
        ));
    }
}

pub fn verify(ctx: &Ctx, refs: &[String]) -> anyhow::Result<i32> {
    let ws = super::query::open_read(ctx)?;
    let list = select(&ws, refs)?;
    let checks = checks(&ws, &list)?;
    print(ctx, &list, &checks);
    Ok(0)
}

pub fn ls_verified(ctx: &Ctx, run: Option<String>) -> anyhow::Result<i32> {
    let refs: Vec<String> = run.into_iter().collect();
    verify(ctx, &refs)
}

pub fn get(
    ctx: &Ctx,
    artifact: &str,
    output_path: &Path,
    force: bool,
    follow_symlink: bool,
) -> anyhow::Result<i32> {
    let ws = super::query::open_read(ctx)?;
    let r = Ref::parse(artifact).map_err(|e| UsageError(format!("`{artifact}`: {e}")))?;
    let m = ws
        .read()?
        .artifact(&r)?
        .ok_or_else(|| anyhow::anyhow!("no artifact {r}"))?;
    let mut dest = Destination::open(
        output_path,
        Options {
            replace: force,
            ..Options::cli(follow_symlink)
        },
    )?;
    if dest.kind() != Kind::Atomic {
        // A pipe or stdout cannot take bytes back: check the object before sending any.
        let c = verify_artifact(ws.root(), &m)?;
        if c.state != ArtifactState::Ok {
            anyhow::bail!(
                "{r}: the stored object is {} ({}); nothing written",
                c.state.as_str(),
                c.detail
            );
        }
    }
    // A file destination is renamed into place only after the hash matched.
    let n = copy_artifact(ws.root(), &m, &mut dest).with_context(|| {
        if dest.kind() == Kind::Atomic {
            format!("nothing written to {}", dest.describe())
        } else {
            format!("writing {}", dest.describe())
        }
    })?;
    let shown = dest.describe();
    let to_stdout = dest.kind() == Kind::Stdout;
    dest.commit()?;
    let summary = format!("{r} -> {shown} ({n} bytes, SHA-256 verified)");
    if to_stdout {
        // Standard output holds the artifact; the summary goes to stderr.
        if !ctx.quiet {
            let _ = writeln!(std::io::stderr(), "{}", crate::sanitize::sanitize(&summary));
        }
    } else if ctx.json() {
        output::json(&serde_json::json!({"artifact": r.as_str(), "output": shown, "bytes": n}));
    } else if !ctx.quiet {
        output::line(&summary);
    }
    Ok(0)
}
