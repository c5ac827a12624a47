//! Writing commands for shell pipelines: `run start|finish`, `log metric|event`,
//! `artifact put|ls`. Each is one process and one commit.

use super::super::args::{ArtifactCommand, LogCommand, RunCommand};
use super::super::output::{self, table};
use super::super::{Ctx, UsageError};
use crate::capture::{CaptureError, IngestMode, Session};
use crate::model::*;
use crate::query;
use crate::store::{Access, Workspace, WriteOp};

fn session(ctx: &Ctx) -> anyhow::Result<Session> {
    let root = ctx.root_or_here()?;
    let mut s = Session::open(&root)?;
    if let Some(rank) = rank_from_env() {
        s.set_record_tag("rank", &rank)?;
    }
    Ok(s)
}

/// The rank of this process in a distributed job (`CONTEXTA_RANK`, else `RANK` as torchrun
/// sets it), stamped on every record so `contexta merge` keeps ranks apart.
pub(crate) fn rank_from_env() -> Option<String> {
    ["CONTEXTA_RANK", "RANK"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
}

/// A record or artifact built from the command's own arguments failed validation: the value
/// the user typed (a key, a kind) is wrong, so it is a usage error (exit 2).
fn usage_if_invalid(e: CaptureError) -> anyhow::Error {
    match e {
        CaptureError::Invalid(v) => UsageError(v.to_string()).into(),
        CaptureError::Ref(r) => UsageError(r.to_string()).into(),
        other => other.into(),
    }
}

fn stage_ref(run: &Ref, stage: &Option<String>) -> anyhow::Result<Option<Ref>> {
    stage
        .as_deref()
        .map(|s| {
            if s.starts_with("stage:") {
                Ref::parse(s).map_err(|e| UsageError(format!("--stage: {e}")).into())
            } else {
                run.child("stage", s)
                    .map_err(|e| UsageError(format!("--stage: {e}")).into())
            }
        })
        .transpose()
}

pub fn run_write(ctx: &Ctx, c: RunCommand) -> anyhow::Result<i32> {
    match c {
        RunCommand::Show { .. } => unreachable!("handled by query::run"),
        RunCommand::Start {
            project,
            name,
            params,
            provenance,
        } => {
            let s = session(ctx)?;
            let run = s.start_run(&project, &name)?;
            for p in &params {
                let (k, v) = p
                    .split_once('=')
                    .ok_or_else(|| UsageError(format!("--param `{p}` is not KEY=VALUE")))?;
                run.param(k.trim(), v.trim());
            }
            if provenance {
                run.provenance(&[])?;
            }
            let r = run.run_ref().clone();
            drop(run);
            s.flush()?;
            if ctx.json() {
                output::json(&serde_json::json!({"ref": r.as_str()}));
            } else {
                output::line(r.as_str());
            }
            Ok(0)
        }
        RunCommand::Finish { run, status } => {
            let status = Status::parse(&status).ok_or_else(|| {
                UsageError(format!(
                    "--status: `{status}` is not completed, failed, cancelled or open"
                ))
            })?;
            let root = ctx.root()?;
            let ws = Workspace::open(&root, Access::Write)?;
            let rref = query::resolve_run(&ws, &run)?;
            let info = ws
                .read()?
                .run(&rref)?
                .ok_or_else(|| anyhow::anyhow!("run {rref} vanished"))?;
            let mut r = info.run;
            r.status = status;
            r.inferred = false;
            r.ended_at = (status != Status::Open).then(|| Timestamp::now().max(r.started_at));
            ws.write(&[WriteOp::Run(r)])?;
            if !ctx.quiet {
                output::line(&format!("{rref} {}", status.as_str()));
            }
            Ok(0)
        }
    }
}

pub fn log(ctx: &Ctx, c: LogCommand) -> anyhow::Result<i32> {
    let s = session(ctx)?;
    let (run_text, stage) = match &c {
        LogCommand::Metric { run, stage, .. } | LogCommand::Event { run, stage, .. } => {
            (run.clone(), stage.clone())
        }
    };
    let rref = query::resolve_run(s.workspace(), &run_text)?;
    let run = s.resume_run(&rref)?;
    let stage = stage_ref(&rref, &stage)?;
    match c {
        LogCommand::Metric {
            key,
            value,
            step,
            map_key,
            ..
        } => {
            if map_key {
                run.log_in(stage.as_ref(), &[(&key, value)], step)
                    .map_err(usage_if_invalid)?;
            } else {
                run.metric_at(stage.as_ref(), &key, value, step, Timestamp::now())
                    .map_err(usage_if_invalid)?;
            }
        }
        LogCommand::Event {
            key,
            message,
            level,
            ..
        } => {
            let level = Level::parse(&level).ok_or_else(|| {
                UsageError(format!(
                    "--level: `{level}` is not debug, info, warning, error or critical"
                ))
            })?;
            run.event_in(stage.as_ref(), &key, level, &message, JsonMap::default())
                .map_err(usage_if_invalid)?;
        }
    }
    drop(run);
    s.flush()?;
    if let Some(e) = s.last_error() {
        anyhow::bail!("commit failed: {e}");
    }
    Ok(0)
}

pub fn artifact(ctx: &Ctx, c: ArtifactCommand) -> anyhow::Result<i32> {
    match c {
        ArtifactCommand::Put {
            kind,
            path,
            run,
            stage,
            mode,
        } => {
            let mode = IngestMode::parse(&mode).ok_or_else(|| {
                UsageError(format!("--mode: `{mode}` is not copy, move or adopt"))
            })?;
            let s = session(ctx)?;
            let rref = query::resolve_run(s.workspace(), &run)?;
            let handle = s.resume_run(&rref)?;
            let stage = stage_ref(&rref, &stage)?;
            let m = handle
                .artifact(&kind, &path, mode, stage.as_ref())
                .map_err(usage_if_invalid)?;
            drop(handle);
            s.flush()?;
            if ctx.json() {
                output::json(&crate::model::json::entity_json(&m));
            } else if !ctx.quiet {
                output::line(&format!(
                    "{}  {} bytes  sha256 {}",
                    m.artifact_ref,
                    m.size_bytes.unwrap_or(0),
                    m.hash_value.as_deref().unwrap_or("")
                ));
            }
            Ok(0)
        }
        ArtifactCommand::Ls { run, verify: true } => super::artifacts::ls_verified(ctx, run),
        ArtifactCommand::Verify { refs } => super::artifacts::verify(ctx, &refs),
        ArtifactCommand::Get {
            artifact,
            output,
            force,
            follow_symlink,
        } => super::artifacts::get(ctx, &artifact, &output, force, follow_symlink),
        ArtifactCommand::Ls { run, verify: false } => {
            let ws = super::query::open_read(ctx)?;
            let runs = match run {
                Some(r) => vec![query::resolve_run(&ws, &r)?],
                None => query::list_runs(&ws, &Default::default())?
                    .into_iter()
                    .map(|i| i.run.run_ref)
                    .collect(),
            };
            let mut all = Vec::new();
            for r in runs {
                all.extend(ws.read()?.artifacts(&r)?);
            }
            if ctx.json() {
                output::json(&serde_json::Value::Array(
                    all.iter().map(crate::model::json::entity_json).collect(),
                ));
            } else {
                let rows: Vec<Vec<String>> = all
                    .iter()
                    .map(|a| {
                        vec![
                            a.artifact_ref.to_string(),
                            a.artifact_kind.clone(),
                            a.size_bytes
                                .map(|b| b.to_string())
                                .unwrap_or_else(|| "-".into()),
                            a.location_ref.clone(),
                        ]
                    })
                    .collect();
                table(
                    &["ARTIFACT", "KIND", "BYTES", "FILE"],
                    &rows,
                    ctx.style,
                    None,
                );
            }
            Ok(0)
        }
    }
}
