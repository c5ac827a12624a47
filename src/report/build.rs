//! Builds report documents from the query and analysis layers: a run snapshot (summary,
//! stages with a timeline, metrics with curves, events of note, diagnostics, artifacts,
//! lineage, provenance) and a comparison of two runs (deltas and verdicts).

use super::types::*;
use crate::analysis::diagnostics::{DiagnosticsContext, DiagnosticsOptions, Finding, diagnose};
use crate::analysis::lineage::build as build_lineage;
use crate::analysis::provenance::{audit, env_diff};
use crate::model::*;
use crate::query::Workspace;
use crate::query::{self, Anchor, FactsOptions, QueryError, RecordFilter};

/// Points per chart series; enough for a smooth curve, small enough for a 2 MB report.
const CHART_POINTS: usize = 200;

fn num(v: f64) -> String {
    format_value(v)
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_else(|| "-".into())
}

fn curve(facts: &RunFacts, key: &str) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = facts
        .series
        .iter()
        .filter(|s| s.key == key)
        .flat_map(|s| s.points.iter().map(|p| (p.1 as f64, p.2)))
        .collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    if pts.len() <= CHART_POINTS {
        return pts;
    }
    let step = pts.len() as f64 / CHART_POINTS as f64;
    (0..CHART_POINTS)
        .map(|i| pts[(i as f64 * step) as usize])
        .chain(pts.last().copied())
        .collect()
}

fn summary(f: &RunFacts) -> Section {
    let r = &f.run;
    let dur = r
        .ended_at
        .unwrap_or_else(Timestamp::now)
        .secs_since(r.started_at);
    let mut s = Section::new("Run Summary")
        .line(format!("run_id: {}", r.run_ref))
        .line(format!("name: {}", r.name))
        .line(format!("status: {}", r.status.as_str()))
        .line(format!("project: {}", r.project_ref))
        .line(format!("started_at: {}", r.started_at))
        .line(format!(
            "ended_at: {}",
            r.ended_at
                .map(|t| t.to_string())
                .unwrap_or_else(|| "-".into())
        ))
        .line(format!("duration: {}", format_duration(dur)))
        .line(format!(
            "records: {} events, {} metrics, {} spans, {} degraded",
            f.counts[0], f.counts[1], f.counts[2], f.counts[3]
        ))
        .link("run", r.run_ref.as_str(), &r.name);
    if !r.params.is_empty() {
        s = s.line(format!(
            "params: {}",
            r.params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    s
}

fn stages(f: &RunFacts) -> Section {
    let t0 = f.run.started_at;
    let mut s = Section::new("Stages");
    let mut tl = Timeline::default();
    for st in &f.stages {
        let end = st.ended_at.unwrap_or_else(Timestamp::now);
        s = s
            .line(format!(
                "{}: status={}, duration={}, stage_id={}",
                st.stage_name,
                st.status.as_str(),
                format_duration(end.secs_since(st.started_at)),
                st.stage_execution_ref
            ))
            .link("stage", st.stage_execution_ref.as_str(), &st.stage_name);
        tl.bars.push((
            st.stage_name.clone(),
            st.started_at.secs_since(t0),
            end.secs_since(t0),
            st.status.as_str().into(),
        ));
    }
    if !tl.bars.is_empty() {
        s.timeline = Some(tl);
    }
    s.empty_or("No stages.")
}

fn metrics(f: &RunFacts) -> Section {
    let mut s = Section::new("Metrics");
    let mut t = Table {
        header: ["stage", "metric", "points", "last", "min", "max"]
            .map(String::from)
            .to_vec(),
        rows: vec![],
    };
    let mut keys: Vec<&str> = Vec::new();
    for sr in &f.series {
        t.rows.push(vec![
            sr.stage.clone().unwrap_or_else(|| "(run)".into()),
            sr.key.clone(),
            sr.count.to_string(),
            opt(sr.latest()),
            opt(sr.min()),
            opt(sr.max()),
        ]);
        if sr.count > 1 && !keys.contains(&sr.key.as_str()) {
            keys.push(&sr.key);
        }
    }
    for k in keys {
        s.charts.push(Chart {
            title: k.to_string(),
            x_label: "step".into(),
            series: vec![(f.run.name.clone(), curve(f, k))],
        });
    }
    s.table = Some(t);
    s.empty_or("No metrics.")
}

fn events(ws: &Workspace, f: &RunFacts) -> Result<Section, QueryError> {
    let filter = RecordFilter {
        min_level: Some(Level::Warning),
        types: vec![RecordType::Event, RecordType::Span, RecordType::Degraded],
        ..Default::default()
    };
    let page = query::records_page(ws, &f.run.run_ref, &filter, Anchor::Head, 50)?;
    let mut s = Section::new("Events of Note");
    for row in page.rows {
        let rec = &row.record;
        let text = match &rec.payload {
            Payload::Event(e) => format!(
                "{} [{}] {}: {}",
                rec.envelope.observed_at,
                e.level.as_str(),
                e.event_key,
                e.message
            ),
            Payload::Span(sp) => format!(
                "{} span {} ended {:?} after {}",
                rec.envelope.observed_at,
                sp.span_name,
                sp.status,
                format_duration(sp.duration_ms() / 1000.0)
            ),
            Payload::Degraded(d) => format!(
                "{} degraded [{:?}] {}: {}",
                rec.envelope.observed_at, d.severity, d.issue_key, d.summary
            ),
            Payload::Metric(_) => continue,
        };
        s = s.line(text).link(
            "record",
            rec.envelope.record_ref.as_str(),
            rec.payload.key(),
        );
    }
    Ok(s.empty_or("No warnings, errors or degraded markers."))
}

fn diagnostics(findings: &[Finding]) -> Section {
    let mut s = Section::new("Diagnostics");
    for d in findings {
        s = s
            .line(format!("{}:{}: {}", d.severity.as_str(), d.code, d.summary))
            .link("ref", &d.subject_ref, &d.code);
    }
    s.empty_or("No diagnostics issues.")
}

fn artifacts(f: &RunFacts) -> Section {
    let mut s = Section::new("Artifacts");
    for a in &f.artifacts {
        let state = f
            .artifact_states
            .iter()
            .find(|(r, _)| r == &a.artifact_ref)
            .map(|(_, st)| st.as_str())
            .unwrap_or("not checked");
        s = s
            .line(format!(
                "{}: ref={}, location={}, size={}, sha256={}, verification={state}",
                a.artifact_kind,
                a.artifact_ref,
                a.location_ref,
                a.size_bytes
                    .map(|b| b.to_string())
                    .unwrap_or_else(|| "-".into()),
                a.hash_value.as_deref().unwrap_or("-")
            ))
            .link("artifact", a.artifact_ref.as_str(), &a.location_ref);
    }
    s.empty_or("No artifacts.")
}

fn lineage(ws: &Workspace, f: &RunFacts) -> Result<Section, QueryError> {
    let (edges, missing) = query::lineage_edges(ws, &f.run.run_ref, true, true, 2)?;
    let g = build_lineage(&f.run.run_ref, &edges, &missing);
    let mut s = Section::new("Lineage");
    for e in g.edges.iter().filter(|e| !e.relation.starts_with("has_")) {
        s = s.line(format!("{} --{}--> {}", e.from, e.relation, e.to));
    }
    for d in &g.dangling {
        s = s.line(format!("dangling: {d}"));
    }
    Ok(s.empty_or("No lineage relations."))
}

fn provenance(f: &RunFacts) -> Section {
    let a = audit(f);
    let mut s = Section::new("Provenance").line(format!(
        "reproducibility: {} ({:.0}%)",
        a.status,
        a.score * 100.0
    ));
    for sig in &a.signals {
        s = s.line(format!(
            "{} {}: {}",
            if sig.present { "[x]" } else { "[ ]" },
            sig.name,
            sig.detail
        ));
    }
    if let Some(e) = f.latest_environment() {
        s = s.link(
            "environment",
            e.environment_snapshot_ref.as_str(),
            "environment snapshot",
        );
    }
    s
}

pub fn snapshot(ws: &Workspace, run: &Ref) -> Result<ReportDocument, QueryError> {
    let query::Diagnosis {
        facts: f, findings, ..
    } = query::diagnose_run(
        ws,
        run,
        FactsOptions {
            verify_artifacts: true,
            points: true,
        },
        None,
        &DiagnosticsOptions::default(),
    )?;
    Ok(ReportDocument {
        title: format!("Run Snapshot Report: {run}"),
        sections: vec![
            summary(&f),
            stages(&f),
            metrics(&f),
            events(ws, &f)?,
            diagnostics(&findings),
            artifacts(&f),
            lineage(ws, &f)?,
            provenance(&f),
        ],
    })
}

pub fn comparison(ws: &Workspace, left: &Ref, right: &Ref) -> Result<ReportDocument, QueryError> {
    let with_points = FactsOptions {
        points: true,
        ..Default::default()
    };
    let query::PairComparison {
        left: l,
        right: r,
        comparison: c,
    } = query::compare_two_runs(ws, left, right, with_points)?;
    let mut deltas = Section::new("Metric Deltas");
    let mut t = Table {
        header: [
            "stage", "metric", "left", "right", "delta", "change", "verdict",
        ]
        .map(String::from)
        .to_vec(),
        rows: vec![],
    };
    let mut charted: Vec<String> = Vec::new();
    for m in &c.metrics {
        t.rows.push(m.cells().to_vec());
        let both_curves = m.left.as_ref().is_some_and(|s| s.count > 1)
            && m.right.as_ref().is_some_and(|s| s.count > 1);
        if both_curves && !charted.contains(&m.key) {
            charted.push(m.key.clone());
            deltas.charts.push(Chart {
                title: m.key.clone(),
                x_label: "step".into(),
                series: vec![
                    (l.run.name.clone(), curve(&l, &m.key)),
                    (r.run.name.clone(), curve(&r, &m.key)),
                ],
            });
        }
    }
    deltas.table = Some(t);
    let deltas = deltas.empty_or("No metric deltas.");
    let mut stages_s = Section::new("Stages");
    for s in c.stages.iter().filter(|s| s.change != "same") {
        stages_s = stages_s.line(format!(
            "{}: {} (left {}, right {})",
            s.name,
            s.change,
            s.left_status.map(|x| x.as_str()).unwrap_or("-"),
            s.right_status.map(|x| x.as_str()).unwrap_or("-")
        ));
    }
    let mut params = Section::new("Params");
    for p in &c.params {
        params = params.line(format!(
            "{}: {} -> {}",
            p.key,
            p.left.as_deref().unwrap_or("-"),
            p.right.as_deref().unwrap_or("-")
        ));
    }
    let mut arts = Section::new("Artifact Changes");
    for a in &c.artifacts {
        arts = arts.line(format!(
            "{}: {} ({} -> {}) {}",
            a.kind,
            a.change,
            a.left.join(", "),
            a.right.join(", "),
            a.detail
        ));
    }
    let d = env_diff(&l, &r);
    let mut prov =
        Section::new("Provenance").line(format!("environment_changed: {}", d.environment_changed));
    if let Some((a, b)) = &d.code_revision {
        prov = prov.line(format!(
            "code_revision: {} -> {}",
            a.as_deref().unwrap_or("-"),
            b.as_deref().unwrap_or("-")
        ));
    }
    for (k, a, b) in &d.packages.changed {
        prov = prov.line(format!("package {k}: {a} -> {b}"));
    }
    let mut diag = Section::new("Diagnostics");
    for (side, f) in [("left", &l), ("right", &r)] {
        for x in diagnose(
            f,
            &DiagnosticsContext::default(),
            &DiagnosticsOptions::default(),
        ) {
            diag = diag.line(format!(
                "{side} {}:{}: {}",
                x.severity.as_str(),
                x.code,
                x.summary
            ));
        }
    }
    Ok(ReportDocument {
        title: format!("Run Comparison Report: {left} vs {right}"),
        sections: vec![
            Section::new("Summary")
                .line(c.summary.clone())
                .link("run", left.as_str(), &l.run.name)
                .link("run", right.as_str(), &r.run.name),
            deltas,
            stages_s.empty_or("Same stages, statuses and durations."),
            params.empty_or("Same params."),
            arts.empty_or("No artifact changes."),
            diag.empty_or("No diagnostics issues."),
            prov,
        ],
    })
}
