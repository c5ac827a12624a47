//! `export parquet --output DIR`: the workspace as a Parquet dataset that DuckDB, Spark, Polars
//! and Trino read directly: one table per family (`schema.rs`), Hive-partitioned by project
//! (and by day for records), zstd-compressed, versioned by `_contexta_schema.json` and each
//! file's key-value metadata.
//!
//! Exports only ever add files. Each export has an id that every file name carries, and ends by
//! writing its manifest `_exports/<id>.json` (the runs' last exported seqs, rows, files): the
//! manifest is the commit. A later export with `--since` reads the manifests and writes only
//! records past each run's last exported seq, plus fresh snapshot rows of the runs touched
//! since (entity rows carry `export_id`; the latest per ref is current). Files of an export
//! that never wrote its manifest (a crash) are removed by the next one.

mod schema;
mod table;

pub use schema::{FAMILIES, SCHEMA_FILE, SCHEMA_VERSION, schema_json};

use super::{Progress, RecoveryError, io};
use crate::model::*;
use crate::store::{ReadSnapshot, Workspace};
use schema::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use table::{Tables, V};

const EXPORTS_DIR: &str = "_exports";
const PAGE: usize = 50_000;

pub struct ParquetOptions<'a> {
    pub output: &'a Path,
    /// Runs to export; empty: all. (`--where QUERY` resolves to this list too.)
    pub runs: &'a [Ref],
    /// Only what changed at or after this time: see the module comment.
    pub since: Option<Timestamp>,
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct ParquetReport {
    pub export_id: String,
    pub runs: u64,
    pub rows: BTreeMap<String, u64>,
    pub files: u64,
    pub bytes: u64,
    pub manifest: String,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Manifest {
    export_id: String,
    schema_version: u32,
    started_at: String,
    since: Option<String>,
    /// run ref → last seq exported (by this export or, for runs it did not touch, earlier).
    runs: BTreeMap<String, u32>,
    rows: BTreeMap<String, u64>,
    files: Vec<String>,
}

/// Refuses anything but a directory (or a name not yet taken): never a device, a FIFO, a file,
/// or a link (name its target).
fn prepare_output(dir: &Path) -> Result<(), RecoveryError> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(m) => Err(RecoveryError::Refused(format!(
            "{} is a {}; --output must name a directory (a new one is created)",
            dir.display(),
            if m.file_type().is_symlink() {
                "symbolic link (name its target)"
            } else if m.is_file() {
                "file"
            } else {
                "device, FIFO or socket"
            }
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(io(dir))
        }
        Err(e) => Err(io(dir)(e)),
    }
}

fn read_manifests(dir: &Path) -> Result<Vec<Manifest>, RecoveryError> {
    let exports = dir.join(EXPORTS_DIR);
    let mut out = vec![];
    let Ok(entries) = std::fs::read_dir(&exports) else {
        return Ok(out);
    };
    for e in entries {
        let p = e.map_err(io(&exports))?.path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&p).map_err(io(&p))?;
        let m: Manifest = serde_json::from_str(&text)
            .map_err(|e| RecoveryError::Invalid(format!("{}: {e}", p.display())))?;
        out.push(m);
    }
    Ok(out)
}

/// Removes `part-<id>-*.parquet` files whose export never wrote its manifest, and partials.
fn remove_orphans(dir: &Path, committed: &[String]) -> Result<(), RecoveryError> {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(io(&d))? {
            let e = e.map_err(io(&d))?;
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if e.file_type().map_err(io(&p))?.is_dir() {
                if name != EXPORTS_DIR {
                    stack.push(p);
                }
                continue;
            }
            let orphan = match name.strip_prefix("part-") {
                Some(rest) => !committed
                    .iter()
                    .any(|id| rest.starts_with(&format!("{id}-"))),
                None => name.starts_with(".part-") && name.ends_with(".partial"),
            };
            if orphan && (name.ends_with(".parquet") || name.ends_with(".partial")) {
                std::fs::remove_file(&p).map_err(io(&p))?;
            }
        }
    }
    Ok(())
}

fn write_atomic(path: &Path, text: &str) -> Result<(), RecoveryError> {
    let partial = path.with_extension("json.partial");
    std::fs::write(&partial, text).map_err(io(&partial))?;
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(io(&partial))?;
    std::fs::rename(&partial, path).map_err(io(path))
}

fn new_export_id() -> String {
    let stamp = Timestamp::now().to_string();
    let compact: String = stamp
        .chars()
        .take(19)
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .collect();
    format!("{compact}Z-{:08x}", fastrand::u32(..))
}

fn day_of(t: Timestamp) -> String {
    t.to_string().chars().take(10).collect()
}

fn enum_str<T: serde::Serialize>(t: &T) -> String {
    match serde_json::to_value(t) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn json_or_none(m: &JsonMap) -> Option<String> {
    (!m.0.is_empty()).then(|| serde_json::to_string(&m.0).unwrap_or_default())
}

pub fn export_parquet(
    ws: &Workspace,
    opts: &ParquetOptions<'_>,
    mut progress: impl FnMut(&Progress),
) -> Result<ParquetReport, RecoveryError> {
    let dir = opts.output;
    prepare_output(dir)?;
    let schema_path = dir.join(SCHEMA_FILE);
    if let Ok(text) = std::fs::read_to_string(&schema_path) {
        let found = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["schema_version"].as_u64());
        if found != Some(u64::from(SCHEMA_VERSION)) {
            return Err(RecoveryError::Refused(format!(
                "{} holds a dataset of schema version {}, this build writes {SCHEMA_VERSION}; export into a new directory",
                dir.display(),
                found.map_or("unknown".into(), |v| v.to_string())
            )));
        }
    }
    let manifests = read_manifests(dir)?;
    if opts.since.is_none() && !manifests.is_empty() {
        return Err(RecoveryError::Refused(format!(
            "{} already holds an export ({} so far); pass --since TIME to add what is new, or choose an empty directory",
            dir.display(),
            manifests.len()
        )));
    }
    let committed: Vec<String> = manifests.iter().map(|m| m.export_id.clone()).collect();
    remove_orphans(dir, &committed)?;
    let mut cursors: BTreeMap<String, u32> = BTreeMap::new();
    for m in &manifests {
        for (run, seq) in &m.runs {
            let c = cursors.entry(run.clone()).or_default();
            *c = (*c).max(*seq);
        }
    }

    let started = Timestamp::now();
    let export_id = new_export_id();
    let snap = ws.read()?;
    let mut runs = snap.all_runs()?;
    if !opts.runs.is_empty() {
        runs.retain(|r| opts.runs.contains(&r.run_ref));
    }
    let mut touched = vec![];
    let mut total = 0u64;
    for r in runs {
        let stats = snap.stats(&r.run_ref)?.unwrap_or_default();
        let keep = match opts.since {
            None => true,
            Some(t) => {
                stats.last_commit >= t.0 || r.started_at >= t || r.ended_at.is_some_and(|e| e >= t)
            }
        };
        if keep {
            total += u64::from(stats.last_seq);
            touched.push((r, stats.last_seq));
        }
    }
    let mut tables = Tables::new(dir, &export_id);
    let mut run_cursors = cursors.clone();
    let mut done = 0u64;
    for (run, last_seq) in &touched {
        let project = run.project_ref.value().to_string();
        entity_rows(&snap, &mut tables, run, &project, &export_id, *last_seq)?;
        let from = cursors.get(run.run_ref.as_str()).map_or(0, |s| *s);
        // With --since and no earlier export here, records recorded since then.
        let min_recorded = match (opts.since, cursors.contains_key(run.run_ref.as_str())) {
            (Some(t), false) => Some(t),
            _ => None,
        };
        let last = record_rows(
            &snap,
            &mut tables,
            run,
            &project,
            from,
            min_recorded,
            &mut |n| {
                done += n;
                progress(&Progress {
                    phase: "exporting",
                    done,
                    total,
                });
            },
        )?;
        run_cursors.insert(run.run_ref.to_string(), last.max(from));
    }
    for rel in snap.relations()? {
        if opts.since.is_some_and(|t| rel.recorded_at < t) {
            continue;
        }
        if !opts.runs.is_empty() {
            let in_selection = |r: &Ref| opts.runs.iter().any(|x| r == x || r.is_under(x));
            if !in_selection(&rel.source_ref) && !in_selection(&rel.target_ref) {
                continue;
            }
        }
        let project = rel
            .source_ref
            .project_ref()
            .or_else(|| rel.target_ref.project_ref())
            .map_or_else(|| "_none".to_string(), |p| p.value().to_string());
        tables.push(
            &RELATIONS,
            &project,
            None,
            &[
                V::S(Some(rel.relation_ref.as_str())),
                V::S(Some(rel.relation_type.as_str())),
                V::S(Some(rel.source_ref.as_str())),
                V::S(Some(rel.target_ref.as_str())),
                V::T(Some(rel.recorded_at.0)),
                V::S(Some(&enum_str(&rel.origin_marker))),
                V::S(Some(&enum_str(&rel.confidence_marker))),
                V::S(Some(&export_id)),
            ],
        )?;
    }
    drop(snap);
    let tables = tables.finish()?;
    write_atomic(
        &schema_path,
        &serde_json::to_string_pretty(&schema_json()).unwrap_or_default(),
    )?;
    let rel_files: Vec<String> = tables
        .files
        .iter()
        .map(|f| {
            f.strip_prefix(dir)
                .unwrap_or(f)
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let rows: BTreeMap<String, u64> = FAMILIES
        .iter()
        .map(|f| {
            (
                f.name.to_string(),
                tables.rows.get(f.name).copied().unwrap_or(0),
            )
        })
        .collect();
    let manifest = Manifest {
        export_id: export_id.clone(),
        schema_version: SCHEMA_VERSION,
        started_at: started.to_string(),
        since: opts.since.map(|t| t.to_string()),
        runs: run_cursors,
        rows: rows.clone(),
        files: rel_files,
    };
    let exports = dir.join(EXPORTS_DIR);
    std::fs::create_dir_all(&exports).map_err(io(&exports))?;
    let manifest_path: PathBuf = exports.join(format!("{export_id}.json"));
    write_atomic(
        &manifest_path,
        &serde_json::to_string_pretty(&manifest).unwrap_or_default(),
    )?;
    Ok(ParquetReport {
        export_id,
        runs: touched.len() as u64,
        rows,
        files: tables.files.len() as u64,
        bytes: tables.bytes,
        manifest: manifest_path.display().to_string(),
    })
}

/// The run's row, its stages and its artifacts, as of this export.
fn entity_rows(
    snap: &ReadSnapshot<'_>,
    t: &mut Tables,
    run: &Run,
    project: &str,
    export_id: &str,
    records: u32,
) -> Result<(), RecoveryError> {
    let rr = run.run_ref.as_str();
    let params = serde_json::to_string(&run.params).unwrap_or_default();
    let provenance = snap
        .environments(&run.run_ref)?
        .into_iter()
        .max_by_key(|e| e.captured_at)
        .map(|e| serde_json::to_string(&e).unwrap_or_default());
    t.push(
        &RUNS,
        project,
        None,
        &[
            V::S(Some(rr)),
            V::S(Some(&run.name)),
            V::S(Some(run.status.as_str())),
            V::T(Some(run.started_at.0)),
            V::T(run.ended_at.map(|e| e.0)),
            V::S(run.description.as_deref()),
            V::S(Some(&params)),
            V::S(provenance.as_deref()),
            V::I(Some(i64::from(records))),
            V::S(Some(export_id)),
        ],
    )?;
    for s in snap.stages(&run.run_ref)? {
        t.push(
            &STAGES,
            project,
            None,
            &[
                V::S(Some(rr)),
                V::S(Some(&s.stage_name)),
                V::S(Some(s.stage_execution_ref.as_str())),
                V::S(Some(s.status.as_str())),
                V::T(Some(s.started_at.0)),
                V::T(s.ended_at.map(|e| e.0)),
                V::I(s.order_index.map(i64::from)),
                V::S(Some(export_id)),
            ],
        )?;
    }
    for a in snap.artifacts(&run.run_ref)? {
        t.push(
            &ARTIFACTS,
            project,
            None,
            &[
                V::S(Some(rr)),
                V::S(Some(a.artifact_ref.as_str())),
                V::S(Some(&a.artifact_kind)),
                V::T(Some(a.created_at.0)),
                V::S(Some(&a.location_ref)),
                V::S(a.hash_value.as_deref()),
                V::I(a.size_bytes.and_then(|s| i64::try_from(s).ok())),
                V::S(Some(export_id)),
            ],
        )?;
    }
    Ok(())
}

/// The run's records past seq `from` (and recorded at or after `min_recorded`, when given),
/// each into its family. Returns the last seq read.
fn record_rows(
    snap: &ReadSnapshot<'_>,
    t: &mut Tables,
    run: &Run,
    project: &str,
    from: u32,
    min_recorded: Option<Timestamp>,
    progress: &mut dyn FnMut(u64),
) -> Result<u32, RecoveryError> {
    let rr = run.run_ref.as_str();
    // Untagged steps count the key's earlier points, as the store numbers a series; earlier
    // points are counted even when an earlier export already wrote them.
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    let mut next = 1u32;
    let mut last = 0u32;
    loop {
        let page = snap.records_in(&run.run_ref, next, u32::MAX, false, PAGE, |_| true)?;
        let Some(end) = page.last().map(|r| r.seq) else {
            break;
        };
        let mut written = 0u64;
        for row in &page {
            let rec = &row.record;
            let env = &rec.envelope;
            let step = if let Payload::Metric(m) = &rec.payload {
                let c = counts.entry(m.metric_key.clone()).or_default();
                let tagged = m
                    .tags
                    .get("step")
                    .and_then(|s| s.parse::<i64>().ok().filter(|n| *s == n.to_string()));
                let step = tagged.unwrap_or(*c);
                *c += 1;
                step
            } else {
                0
            };
            if row.seq <= from || min_recorded.is_some_and(|m| env.recorded_at < m) {
                continue;
            }
            written += 1;
            let day = day_of(env.observed_at);
            let stage = env.stage_execution_ref.as_ref().map(|s| s.last());
            let rank = rec.rank().and_then(|r| i32::try_from(r).ok());
            let head = [
                V::S(Some(rr)),
                V::S(stage),
                V::I(Some(i64::from(row.seq))),
                V::S(Some(env.record_ref.as_str())),
                V::T(Some(env.observed_at.0)),
                V::R(rank),
            ];
            match &rec.payload {
                Payload::Metric(m) => {
                    let tags: BTreeMap<&String, &String> = m
                        .tags
                        .iter()
                        .filter(|(k, _)| k.as_str() != "step" && k.as_str() != "rank")
                        .collect();
                    let tags = (!tags.is_empty())
                        .then(|| serde_json::to_string(&tags).unwrap_or_default());
                    let tail = [
                        V::S(Some(&m.metric_key)),
                        V::I(Some(step)),
                        V::F(Some(m.value)),
                        V::S(m.unit.as_deref()),
                        V::S(tags.as_deref()),
                    ];
                    push_record(t, &METRICS, project, &day, head, tail)?;
                }
                Payload::Event(e) => {
                    let attrs = json_or_none(&e.attributes);
                    let tail = [
                        V::S(Some(&e.event_key)),
                        V::S(Some(e.level.as_str())),
                        V::S(Some(&e.message)),
                        V::S(attrs.as_deref()),
                    ];
                    push_record(t, &EVENTS, project, &day, head, tail)?;
                }
                Payload::Span(s) => {
                    let attrs = json_or_none(&s.attributes);
                    let (status, kind) = (enum_str(&s.status), enum_str(&s.span_kind));
                    let tail = [
                        V::S(Some(&s.span_id)),
                        V::S(Some(&s.trace_id)),
                        V::S(s.parent_span_id.as_deref()),
                        V::S(Some(&s.span_name)),
                        V::T(Some(s.started_at.0)),
                        V::T(Some(s.ended_at.0)),
                        V::F(Some(s.duration_ms())),
                        V::S(Some(&status)),
                        V::S(Some(&kind)),
                        V::S(attrs.as_deref()),
                    ];
                    push_record(t, &SPANS, project, &day, head, tail)?;
                }
                Payload::Degraded(d) => {
                    let attrs = json_or_none(&d.attributes);
                    let (category, severity) = (enum_str(&d.category), enum_str(&d.severity));
                    let tail = [
                        V::S(Some(&d.issue_key)),
                        V::S(Some(&category)),
                        V::S(Some(&severity)),
                        V::S(Some(&d.summary)),
                        V::S(d.subject_ref.as_ref().map(Ref::as_str)),
                        V::S(attrs.as_deref()),
                    ];
                    push_record(t, &DEGRADED, project, &day, head, tail)?;
                }
            }
        }
        progress(written);
        last = end;
        match end.checked_add(1) {
            Some(n) => next = n,
            None => break,
        }
    }
    Ok(last)
}

fn push_record<const N: usize>(
    t: &mut Tables,
    family: &'static Family,
    project: &str,
    day: &str,
    head: [V<'_>; 6],
    tail: [V<'_>; N],
) -> Result<(), RecoveryError> {
    let row: Vec<V<'_>> = head.into_iter().chain(tail).collect();
    t.push(family, project, Some(day), &row)
}
