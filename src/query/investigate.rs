//! Gathers what the analysis layer needs, in one read each: a run's `RunFacts`, the stage
//! names of its siblings, its baseline, a lineage neighbourhood, one metric across runs.

use super::resolve::QueryError;
use super::runs::{RunFilter, list_run_rows};
use crate::model::*;
use crate::store::{ReadSnapshot, RunRow, Workspace};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Duplicate record refs named in a run's facts; the rest are counted.
const DUPLICATE_EXAMPLES: usize = 3;

#[derive(Clone, Copy, Debug, Default)]
pub struct FactsOptions {
    /// Re-hash artifact bodies (slow for big files; diagnostics asks for it).
    pub verify_artifacts: bool,
    /// Load every metric point (charts); otherwise only per-stage summaries are built, and
    /// points are read only for keys whose records span more than one stage.
    pub points: bool,
}

/// Which stage each seq belongs to, from the stage span index.
struct StageMap(Vec<(u32, u32, String, Ref)>);

impl StageMap {
    fn load(
        snap: &ReadSnapshot<'_>,
        run: &Ref,
        stages: &[StageExecution],
    ) -> Result<Self, QueryError> {
        let mut v = Vec::new();
        for s in stages {
            for (lo, hi) in snap.stage_ranges(run, &s.stage_execution_ref)? {
                v.push((lo, hi, s.stage_name.clone(), s.stage_execution_ref.clone()));
            }
        }
        v.sort_by_key(|x| x.0);
        Ok(StageMap(v))
    }
    /// The stage whose one contiguous range holds every seq in `lo..=hi`, if any; `Some(None)`
    /// when no stage range touches them (run-level records).
    fn single(&self, lo: u32, hi: u32) -> Option<Option<&(u32, u32, String, Ref)>> {
        let a = self.of(lo);
        match a {
            Some(r) if hi <= r.1 => Some(Some(r)),
            Some(_) => None,
            None => {
                let touches = self.0.iter().any(|r| r.1 >= lo && r.0 <= hi);
                (!touches).then_some(None)
            }
        }
    }

    fn of(&self, seq: u32) -> Option<&(u32, u32, String, Ref)> {
        self.index_of(seq).map(|i| &self.0[i])
    }

    fn index_of(&self, seq: u32) -> Option<usize> {
        let i = self.0.partition_point(|x| x.0 <= seq).checked_sub(1)?;
        (seq <= self.0[i].1).then_some(i)
    }
}

fn snap_single(map: &StageMap, lo: u32, hi: u32) -> Option<Option<&(u32, u32, String, Ref)>> {
    map.single(lo, hi)
}

fn exists(snap: &ReadSnapshot<'_>, r: &Ref) -> Result<bool, QueryError> {
    Ok(snap.entity_exists(r)?)
}

fn artifact_state(root: &std::path::Path, a: &ArtifactManifest) -> ArtifactState {
    use crate::store::objects::{StoredBody, hash_reader, open_object};
    // Only objects inside the workspace's store are read (the shared containment rule), and
    // never through a link: a planted link must not pass as the artifact.
    let Some((rel, _)) = crate::store::objects::object_path(root, a) else {
        return ArtifactState::Unverifiable;
    };
    let (file, len) = match open_object(root, &rel) {
        Ok(StoredBody::Open(f, len)) => (f, len),
        Ok(StoredBody::NotRegular) => return ArtifactState::Changed,
        Ok(StoredBody::Missing) | Err(_) => return ArtifactState::Missing,
    };
    // Size first: a size change needs no hashing.
    if a.size_bytes.is_some_and(|want| want != len) {
        return ArtifactState::Changed;
    }
    match hash_reader(file) {
        Ok((sha, size)) => {
            if a.hash_value.as_deref().is_some_and(|h| h != sha)
                || a.size_bytes.is_some_and(|s| s != size)
            {
                ArtifactState::Changed
            } else {
                ArtifactState::Ok
            }
        }
        Err(_) => ArtifactState::Missing,
    }
}

pub fn run_facts(ws: &Workspace, run: &Ref, opts: FactsOptions) -> Result<RunFacts, QueryError> {
    let snap = ws.read()?;
    let info = snap
        .run(run)?
        .ok_or_else(|| QueryError::no_run(run.as_str()))?;
    let stages = snap.stages(run)?;
    let map = StageMap::load(&snap, run, &stages)?;
    let mut series: Vec<SeriesFacts> = Vec::new();
    let mut with_metrics: BTreeSet<Ref> = BTreeSet::new();
    for (key, sum) in snap.metric_keys(run)? {
        let one = snap_single(&map, sum.first_seq, sum.last_seq);
        if let (Some(stage), false) = (one, opts.points) {
            // Every point of this key lies in one stage: the stored summary is the answer.
            if let Some(s) = stage {
                with_metrics.insert(s.3.clone());
            }
            series.push(SeriesFacts {
                stage: stage.map(|s| s.2.clone()),
                key: key.clone(),
                count: sum.count as usize,
                last: sum.last,
                last_at: Timestamp(sum.last_at),
                min: sum.min,
                max: sum.max,
                points: vec![],
            });
            continue;
        }
        // Split the points by stage, walking both in seq order.
        let mut groups: Vec<(Option<usize>, Vec<SeriesPoint>)> = Vec::new();
        for p in snap.series(run, &key)? {
            let idx = map.index_of(p.seq);
            match groups.iter_mut().find(|g| g.0 == idx) {
                Some(g) => g.1.push((Timestamp(p.at), p.step, p.value, p.seq)),
                None => groups.push((idx, vec![(Timestamp(p.at), p.step, p.value, p.seq)])),
            }
        }
        let mut by_stage: BTreeMap<Option<String>, Vec<SeriesPoint>> = BTreeMap::new();
        for (idx, pts) in groups {
            let stage = idx.map(|i| &map.0[i]);
            if let Some(s) = stage {
                with_metrics.insert(s.3.clone());
            }
            by_stage
                .entry(stage.map(|s| s.2.clone()))
                .or_default()
                .extend(pts);
        }
        for (stage, mut pts) in by_stage {
            pts.sort_by_key(|p| p.3);
            let mut f = SeriesFacts::from_points(stage, &key, pts);
            if !opts.points {
                f.points = vec![];
            }
            series.push(f);
        }
    }
    series.sort_by(|a, b| (&a.stage, &a.key).cmp(&(&b.stage, &b.key)));
    let mut degraded = Vec::new();
    let mut ranges = snap.type_ranges(run, RecordType::Degraded)?;
    ranges.extend(snap.marked_ranges(run)?);
    for (lo, hi) in ranges {
        for row in snap.records_in(run, lo, hi, false, usize::MAX, |_| true)? {
            degraded.push((row.seq, row.record));
        }
    }
    degraded.sort_by_key(|d| d.0);
    // Each example costs a record read: a few name the problem, the count says its size.
    let all_duplicates = snap.duplicates(run)?;
    let mut duplicates = Vec::new();
    for &(repeat, first) in all_duplicates.iter().take(DUPLICATE_EXAMPLES) {
        if let Some(row) = snap.record(run, first)? {
            duplicates.push((row.record.envelope.record_ref, repeat, first));
        }
    }
    let artifacts = snap.artifacts(run)?;
    let deployments: Vec<DeploymentExecution> = snap
        .deployments(&info.run.project_ref)?
        .into_iter()
        .filter(|d| d.run_ref.as_ref() == Some(run))
        .collect();
    // Relations touching the run, its artifacts and deployments.
    let mut subjects = vec![run.clone()];
    subjects.extend(artifacts.iter().map(|a| a.artifact_ref.clone()));
    subjects.extend(
        deployments
            .iter()
            .map(|d| d.deployment_execution_ref.clone()),
    );
    let mut relations: Vec<Relation> = Vec::new();
    for s in &subjects {
        for r in snap
            .relations_from(s)?
            .into_iter()
            .chain(snap.relations_to(s)?)
        {
            if !relations.iter().any(|x| x.relation_ref == r.relation_ref) {
                relations.push(r);
            }
        }
    }
    let mut inputs = Vec::new();
    let mut provenance = Vec::new();
    let mut dangling = Vec::new();
    for rel in &relations {
        let input = if &rel.target_ref == run && rel.source_ref.kind() == "artifact" {
            Some(&rel.source_ref)
        } else if &rel.source_ref == run
            && rel.target_ref.kind() == "artifact"
            && matches!(
                rel.relation_type,
                RelationType::Used
                    | RelationType::EvaluatedOn
                    | RelationType::DerivedFrom
                    | RelationType::GeneratedFrom
            )
        {
            Some(&rel.target_ref)
        } else {
            None
        };
        if let Some(a) = input
            && let Some(owner) = a.run_ref()
            && let Some(m) = snap
                .artifacts(&owner)?
                .into_iter()
                .find(|m| &m.artifact_ref == a)
        {
            inputs.push(m);
        }
        provenance.extend(snap.provenance_of(&rel.relation_ref)?);
        for end in [&rel.source_ref, &rel.target_ref] {
            if !exists(&snap, end)? {
                dangling.push((rel.relation_ref.clone(), end.clone()));
            }
        }
    }
    for d in &deployments {
        if let Some(a) = &d.artifact_ref
            && !exists(&snap, a)?
        {
            dangling.push((d.deployment_execution_ref.clone(), a.clone()));
        }
    }
    provenance.sort_by_key(|p| p.asserted_at);
    let artifact_states = if opts.verify_artifacts {
        artifacts
            .iter()
            .map(|a| (a.artifact_ref.clone(), artifact_state(ws.root(), a)))
            .collect()
    } else {
        vec![]
    };
    Ok(RunFacts {
        counts: info.stats.by_type,
        last_commit: Timestamp(info.stats.last_commit),
        batches: snap.batches(run)?,
        environments: snap.environments(run)?,
        series,
        stages_with_metrics: with_metrics.into_iter().collect(),
        run: info.run,
        stages,
        deployments,
        artifacts,
        inputs,
        artifact_states,
        provenance,
        degraded,
        duplicates,
        duplicate_count: all_duplicates.len(),
        dangling,
    })
}

/// Stage names of every other run of the run's project (for `missing_expected_stage`).
pub fn sibling_stages(ws: &Workspace, run: &Run) -> Result<Vec<Vec<String>>, QueryError> {
    let snap = ws.read()?;
    let mut out = Vec::new();
    for r in snap.runs_of_project(&run.project_ref)? {
        if r.run.run_ref != run.run_ref && r.run.status == Status::Completed {
            out.push(
                snap.stages(&r.run.run_ref)?
                    .into_iter()
                    .map(|s| s.stage_name)
                    .collect(),
            );
        }
    }
    Ok(out)
}

/// The project's last completed run that started before `run` (the default baseline).
pub fn previous_completed(ws: &Workspace, run: &Run) -> Result<Option<Ref>, QueryError> {
    let snap = ws.read()?;
    Ok(snap
        .runs_of_project(&run.project_ref)?
        .into_iter()
        .filter(|r| {
            r.run.status == Status::Completed
                && r.run.started_at < run.started_at
                && r.run.run_ref != run.run_ref
        })
        .max_by_key(|r| r.run.started_at)
        .map(|r| r.run.run_ref))
}

/// Edges around `root` up to `depth` hops, upstream (edges into a node), downstream (out of it)
/// or both, explicit relations and the implicit structure (run → stages, artifacts,
/// deployments; artifact → deployments that deploy it). Each node is expanded once, so cycles
/// end the walk instead of looping. Also returns the refs that edges name but that do not exist.
pub fn lineage_edges(
    ws: &Workspace,
    root: &Ref,
    upstream: bool,
    downstream: bool,
    depth: usize,
) -> Result<(Vec<EdgeFact>, BTreeSet<Ref>), QueryError> {
    let snap = ws.read()?;
    let mut edges: BTreeSet<EdgeFact> = BTreeSet::new();
    let mut seen: BTreeSet<Ref> = BTreeSet::from([root.clone()]);
    let mut queue = VecDeque::from([(root.clone(), 0usize)]);
    let implicit = |from: &Ref, to: &Ref, rel: &str| EdgeFact {
        from: from.clone(),
        to: to.clone(),
        relation: rel.to_string(),
        relation_ref: None,
    };
    while let Some((node, d)) = queue.pop_front() {
        if d >= depth {
            continue;
        }
        let mut found: Vec<(EdgeFact, Ref)> = Vec::new();
        let explicit = |r: &Relation| EdgeFact {
            from: r.source_ref.clone(),
            to: r.target_ref.clone(),
            relation: r.relation_type.as_str().into(),
            relation_ref: Some(r.relation_ref.clone()),
        };
        if downstream {
            for r in snap.relations_from(&node)? {
                found.push((explicit(&r), r.target_ref));
            }
        }
        if upstream {
            for r in snap.relations_to(&node)? {
                found.push((explicit(&r), r.source_ref));
            }
        }
        match node.kind() {
            "run" if downstream => {
                for s in snap.stages(&node)? {
                    found.push((
                        implicit(&node, &s.stage_execution_ref, "has_stage"),
                        s.stage_execution_ref,
                    ));
                }
                for a in snap.artifacts(&node)? {
                    found.push((
                        implicit(&node, &a.artifact_ref, "has_artifact"),
                        a.artifact_ref,
                    ));
                }
                if let Some(p) = node.project_ref() {
                    for dep in snap.deployments(&p)? {
                        if dep.run_ref.as_ref() == Some(&node) {
                            found.push((
                                implicit(&node, &dep.deployment_execution_ref, "has_deployment"),
                                dep.deployment_execution_ref,
                            ));
                        }
                    }
                }
            }
            "stage" | "artifact" | "deployment" | "environment" if upstream => {
                let owner = if node.kind() == "deployment" {
                    node.project_ref()
                        .and_then(|p| snap.deployments(&p).ok())
                        .and_then(|ds| ds.into_iter().find(|x| x.deployment_execution_ref == node))
                        .and_then(|x| {
                            if let Some(a) = &x.artifact_ref {
                                found.push((implicit(a, &node, "deploys"), a.clone()));
                            }
                            x.run_ref
                        })
                } else {
                    node.run_ref()
                };
                if let Some(o) = owner {
                    let rel = match node.kind() {
                        "stage" => "has_stage",
                        "artifact" => "has_artifact",
                        "deployment" => "has_deployment",
                        _ => "has_environment",
                    };
                    found.push((implicit(&o, &node, rel), o));
                }
            }
            _ => {}
        }
        if node.kind() == "artifact"
            && downstream
            && let Some(p) = node.project_ref()
        {
            for dep in snap.deployments(&p)? {
                if dep.artifact_ref.as_ref() == Some(&node) {
                    found.push((
                        implicit(&node, &dep.deployment_execution_ref, "deploys"),
                        dep.deployment_execution_ref,
                    ));
                }
            }
        }
        for (e, next) in found {
            edges.insert(e);
            if seen.insert(next.clone()) {
                queue.push_back((next, d + 1));
            }
        }
    }
    let mut missing = BTreeSet::new();
    for r in &seen {
        if !exists(&snap, r)? {
            missing.insert(r.clone());
        }
    }
    Ok((edges.into_iter().collect(), missing))
}

/// One value per run for `key`: the last point (record order) over the whole run, or the latest
/// point within `stage` when given.
pub fn metric_across_runs(
    ws: &Workspace,
    filter: &RunFilter,
    key: &str,
    stage: Option<&str>,
) -> Result<Vec<(RunRow, Option<f64>)>, QueryError> {
    let rows = list_run_rows(ws, filter)?;
    let snap = ws.read()?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let v = latest_value(&snap, &row.run_ref, key, stage)?;
        out.push((row, v));
    }
    Ok(out)
}

/// The value of `key` in one run, as `metric_across_runs` gives it for that run.
pub fn metric_in_run(
    ws: &Workspace,
    run: &Ref,
    key: &str,
    stage: Option<&str>,
) -> Result<Option<f64>, QueryError> {
    latest_value(&ws.read()?, run, key, stage)
}

fn latest_value(
    snap: &ReadSnapshot<'_>,
    run: &Ref,
    key: &str,
    stage: Option<&str>,
) -> Result<Option<f64>, QueryError> {
    Ok(match stage {
        None => snap.metric_summary(run, key)?.map(|s| s.last),
        Some(st) => {
            let sref = run
                .child("stage", st)
                .map_err(|e| QueryError::Invalid(format!("stage `{st}`: {e}")))?;
            let ranges = snap.stage_ranges(run, &sref)?;
            snap.series(run, key)?
                .into_iter()
                .filter(|p| ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&p.seq)))
                .max_by_key(|p| (p.at, p.seq))
                .map(|p| p.value)
        }
    })
}
