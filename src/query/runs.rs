//! Run lists (filters, sort, paging), the project → run tree, and one run's full detail.

use super::resolve::QueryError;
use super::series::{MetricInfo, metric_list_in};
use crate::model::*;
use crate::store::{RunInfo, RunRow, Workspace};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RunSort {
    #[default]
    StartedAt,
    EndedAt,
    Name,
}

impl RunSort {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "" | "started_at" | "start" | "started" => RunSort::StartedAt,
            "ended_at" | "end" | "ended" => RunSort::EndedAt,
            "name" => RunSort::Name,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, Default)]
pub struct RunFilter {
    /// Project name or ref (`wine-quality-clf` or `project:wine-quality-clf`).
    pub project: Option<String>,
    pub status: Option<Status>,
    pub after: Option<Timestamp>,
    pub before: Option<Timestamp>,
    pub sort: RunSort,
    pub desc: bool,
    pub limit: Option<usize>,
    pub offset: usize,
}

pub fn list_runs(ws: &Workspace, f: &RunFilter) -> Result<Vec<RunInfo>, QueryError> {
    let snap = ws.read()?;
    let mut runs = match &f.project {
        Some(p) => {
            let pref = if p.starts_with("project:") {
                Ref::parse(p).map_err(|e| QueryError::Invalid(e.to_string()))?
            } else {
                Ref::build("project", &[p]).map_err(|e| QueryError::Invalid(e.to_string()))?
            };
            snap.runs_of_project(&pref)?
        }
        None => snap.runs_by_start(false)?,
    };
    runs.retain(|r| {
        f.status.is_none_or(|s| r.run.status == s)
            && f.after.is_none_or(|a| r.run.started_at >= a)
            && f.before.is_none_or(|b| r.run.started_at <= b)
    });
    match f.sort {
        RunSort::StartedAt => runs.sort_by(|a, b| {
            (a.run.started_at, &a.run.run_ref).cmp(&(b.run.started_at, &b.run.run_ref))
        }),
        RunSort::EndedAt => runs.sort_by(|a, b| {
            (a.run.ended_at, &a.run.run_ref).cmp(&(b.run.ended_at, &b.run.run_ref))
        }),
        RunSort::Name => {
            runs.sort_by(|a, b| (&a.run.name, &a.run.run_ref).cmp(&(&b.run.name, &b.run.run_ref)))
        }
    }
    if f.desc {
        runs.reverse();
    }
    let runs = runs.into_iter().skip(f.offset);
    Ok(match f.limit {
        Some(n) => runs.take(n).collect(),
        None => runs.collect(),
    })
}

/// The run list as rows (no params or extensions): what `contexta runs` prints. Reads one
/// index range, so it stays fast with tens of thousands of runs.
pub fn list_run_rows(ws: &Workspace, f: &RunFilter) -> Result<Vec<RunRow>, QueryError> {
    let project = match &f.project {
        Some(p) if p.starts_with("project:") => {
            Some(Ref::parse(p).map_err(|e| QueryError::Invalid(e.to_string()))?)
        }
        Some(p) => {
            Some(Ref::build("project", &[p]).map_err(|e| QueryError::Invalid(e.to_string()))?)
        }
        None => None,
    };
    let mut rows = ws.read()?.run_rows(false)?;
    rows.retain(|r| {
        project.as_ref().is_none_or(|p| &r.project_ref == p)
            && f.status.is_none_or(|s| r.status == s)
            && f.after.is_none_or(|a| r.started_at >= a)
            && f.before.is_none_or(|b| r.started_at <= b)
    });
    match f.sort {
        // Already in (started_at, id) order from the index; make ties stable by ref.
        RunSort::StartedAt => {
            rows.sort_by(|a, b| (a.started_at, &a.run_ref).cmp(&(b.started_at, &b.run_ref)))
        }
        RunSort::EndedAt => {
            rows.sort_by(|a, b| (a.ended_at, &a.run_ref).cmp(&(b.ended_at, &b.run_ref)))
        }
        RunSort::Name => rows.sort_by(|a, b| (&a.name, &a.run_ref).cmp(&(&b.name, &b.run_ref))),
    }
    if f.desc {
        rows.reverse();
    }
    let rows = rows.into_iter().skip(f.offset);
    Ok(match f.limit {
        Some(n) => rows.take(n).collect(),
        None => rows.collect(),
    })
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProjectNode {
    pub project: Project,
    pub runs: Vec<RunInfo>,
}

/// Every project with its runs (start order), for the explorer's tree.
pub fn workspace_tree(ws: &Workspace) -> Result<Vec<ProjectNode>, QueryError> {
    let snap = ws.read()?;
    let mut out = Vec::new();
    for project in snap.projects()? {
        let runs = snap.runs_of_project(&project.project_ref)?;
        out.push(ProjectNode { project, runs });
    }
    Ok(out)
}

#[derive(Clone, Debug, PartialEq)]
pub struct RunDetail {
    pub info: RunInfo,
    pub stages: Vec<StageExecution>,
    pub batches: Vec<BatchExecution>,
    pub operations: Vec<OperationContext>,
    pub samples: Vec<SampleObservation>,
    pub artifacts: Vec<ArtifactManifest>,
    pub environments: Vec<EnvironmentSnapshot>,
    pub deployments: Vec<DeploymentExecution>,
    pub relations: Vec<Relation>,
    pub metrics: Vec<MetricInfo>,
    /// The newest error/critical event, failing span or degraded record.
    pub last_problem: Option<crate::store::RecordRow>,
    /// (repeat seq, first seq) per duplicate record ref.
    pub duplicates: Vec<(u32, u32)>,
}

pub fn run_detail(ws: &Workspace, run: &Ref) -> Result<RunDetail, QueryError> {
    let snap = ws.read()?;
    let info = snap
        .run(run)?
        .ok_or_else(|| QueryError::no_run(run.as_str()))?;
    let artifacts = snap.artifacts(run)?;
    let mut relations = Vec::new();
    let mut subjects = vec![run.clone()];
    subjects.extend(artifacts.iter().map(|a| a.artifact_ref.clone()));
    let deployments: Vec<DeploymentExecution> = snap
        .deployments(&info.run.project_ref)?
        .into_iter()
        .filter(|d| d.run_ref.as_ref() == Some(run))
        .collect();
    subjects.extend(
        deployments
            .iter()
            .map(|d| d.deployment_execution_ref.clone()),
    );
    for s in &subjects {
        for r in snap
            .relations_from(s)?
            .into_iter()
            .chain(snap.relations_to(s)?)
        {
            if !relations
                .iter()
                .any(|x: &Relation| x.relation_ref == r.relation_ref)
            {
                relations.push(r);
            }
        }
    }
    relations
        .sort_by(|a, b| (a.recorded_at, &a.relation_ref).cmp(&(b.recorded_at, &b.relation_ref)));
    let last_problem = match info.stats.last_problem_seq {
        0 => None,
        seq => snap.record(run, seq)?,
    };
    Ok(RunDetail {
        stages: snap.stages(run)?,
        batches: snap.batches(run)?,
        operations: snap.operations(run)?,
        samples: snap.samples(run)?,
        environments: snap.environments(run)?,
        metrics: metric_list_in(&snap, run)?,
        duplicates: snap.duplicates(run)?,
        artifacts,
        deployments,
        relations,
        last_problem,
        info,
    })
}

/// A run's lifecycle status, from its list row (cheap).
pub fn run_status(ws: &Workspace, run: &Ref) -> Result<Option<Status>, QueryError> {
    Ok(ws.read()?.run(run)?.map(|i| i.run.status))
}
