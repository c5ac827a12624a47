//! Run lists (filters, sort, paging), the project → run tree, and one run's full detail.

use super::resolve::QueryError;
use super::run_filter::{RunFacts, RunQuery};
use super::series::{MetricInfo, metric_list_in};
use crate::model::*;
use crate::store::{ReadSnapshot, RunInfo, RunRow, Workspace};
use std::collections::BTreeMap;

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
    /// A run query (`--where`, the tree's `/`), applied before the sort and the paging.
    pub query: Option<RunQuery>,
    /// The instant `2h ago` and `today` count from (the clock when `None`).
    pub now: Option<Timestamp>,
}

/// What a query needs beyond a run-list row, read only when it names it: parameters (the
/// run's own entry), latest metric values (one index read per run), project names and tags.
struct Extras<'q> {
    query: &'q RunQuery,
    now: Timestamp,
    projects: BTreeMap<Ref, Project>,
}

impl<'q> Extras<'q> {
    fn new(snap: &ReadSnapshot<'_>, f: &'q RunFilter) -> Result<Option<Self>, QueryError> {
        let Some(query) = f.query.as_ref().filter(|q| !q.is_empty()) else {
            return Ok(None);
        };
        let projects = snap
            .projects()?
            .into_iter()
            .map(|p| (p.project_ref.clone(), p))
            .collect();
        Ok(Some(Extras {
            query,
            now: f.now.unwrap_or_else(Timestamp::now),
            projects,
        }))
    }

    fn keeps(
        &self,
        snap: &ReadSnapshot<'_>,
        row: &RunRow,
        params: Option<&BTreeMap<String, String>>,
    ) -> Result<bool, QueryError> {
        let owned_params = match params {
            None if self.query.needs_params() => snap.run(&row.run_ref)?.map(|i| i.run.params),
            _ => None,
        };
        let metrics = if self.query.needs_metrics() {
            Some(latest_metrics_in(snap, &row.run_ref)?)
        } else {
            None
        };
        let project = self.projects.get(&row.project_ref);
        Ok(self.query.matches(
            &RunFacts {
                run_ref: &row.run_ref,
                name: &row.name,
                project: project.map_or(row.project_ref.value(), |p| p.name.as_str()),
                status: row.status,
                started: row.started_at,
                ended: row.ended_at,
                last_observed: row.stats.last_observed,
                params: params.or(owned_params.as_ref()),
                metrics: metrics.as_ref(),
                tags: project.map(|p| &p.tags),
            },
            self.now,
        ))
    }
}

fn row_of(info: &RunInfo) -> RunRow {
    RunRow {
        run_ref: info.run.run_ref.clone(),
        project_ref: info.run.project_ref.clone(),
        name: info.run.name.clone(),
        status: info.run.status,
        started_at: info.run.started_at,
        ended_at: info.run.ended_at,
        inferred: info.run.inferred,
        stats: info.stats.clone(),
    }
}

fn latest_metrics_in(
    snap: &ReadSnapshot<'_>,
    run: &Ref,
) -> Result<BTreeMap<String, f64>, QueryError> {
    Ok(snap
        .metric_keys(run)?
        .into_iter()
        .map(|(k, s)| (k, s.last))
        .collect())
}

/// Each run's latest value per metric key (for a query that names metrics; the explorer
/// asks for it only then).
pub fn latest_metrics(
    ws: &Workspace,
    runs: &[Ref],
) -> Result<BTreeMap<Ref, BTreeMap<String, f64>>, QueryError> {
    let snap = ws.read()?;
    let mut out = BTreeMap::new();
    for r in runs {
        out.insert(r.clone(), latest_metrics_in(&snap, r)?);
    }
    Ok(out)
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
    if let Some(extras) = Extras::new(&snap, f)? {
        let mut kept = Vec::with_capacity(runs.len());
        for r in runs {
            let row = row_of(&r);
            if extras.keeps(&snap, &row, Some(&r.run.params))? {
                kept.push(r);
            }
        }
        runs = kept;
    }
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
    let snap = ws.read()?;
    let mut rows = snap.run_rows(false)?;
    rows.retain(|r| {
        project.as_ref().is_none_or(|p| &r.project_ref == p)
            && f.status.is_none_or(|s| r.status == s)
            && f.after.is_none_or(|a| r.started_at >= a)
            && f.before.is_none_or(|b| r.started_at <= b)
    });
    if let Some(extras) = Extras::new(&snap, f)? {
        let mut kept = Vec::with_capacity(rows.len());
        for r in rows {
            if extras.keeps(&snap, &r, None)? {
                kept.push(r);
            }
        }
        rows = kept;
    }
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
