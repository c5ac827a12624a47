//! Read commands: `runs`, `run show`, `records`.

use super::super::args::{RecordsArgs, RunCommand, RunsArgs};
use super::super::output::{self, table};
use super::super::{Ctx, UsageError};
use crate::model::*;
use crate::query::{self, Anchor, RecordFilter, RunFilter, RunSort};
use crate::store::{RecordRow, RunInfo, RunRow, Workspace};
use std::time::Duration;

pub(crate) fn open_read(ctx: &Ctx) -> anyhow::Result<Workspace> {
    let root = ctx.root()?;
    let ws = Workspace::open_read_recovering(&root)?;
    warn_known_damage(&root);
    Ok(ws)
}

/// Says on stderr that a check found this workspace damaged, so no answer passes as healthy.
pub(crate) fn warn_known_damage(root: &std::path::Path) {
    let Some(d) = crate::recovery::health::known_damage(root) else {
        return;
    };
    let first = d.findings.first().map(String::as_str).unwrap_or("");
    eprintln!(
        "warning: this workspace's database is known to be damaged: `{}` found {} problem{} at {} (first: {}). Answers may be wrong or incomplete; run `contexta doctor` for the details and how to fix them.",
        crate::sanitize::sanitize(&d.by),
        d.findings.len(),
        if d.findings.len() == 1 { "" } else { "s" },
        crate::sanitize::sanitize(&d.found_at),
        crate::sanitize::sanitize(first),
    );
}

fn parse_time(field: &str, v: &Option<String>) -> anyhow::Result<Option<Timestamp>> {
    v.as_deref()
        .map(|s| Timestamp::parse(s).map_err(|e| UsageError(format!("--{field}: {e}")).into()))
        .transpose()
}

pub(crate) fn run_filter(a: &RunsArgs) -> anyhow::Result<RunFilter> {
    Ok(RunFilter {
        project: a.project.clone(),
        status: a
            .status
            .as_deref()
            .map(|s| {
                Status::parse(s).ok_or_else(|| {
                    UsageError(format!(
                        "--status: `{s}` is not open, completed, failed or cancelled"
                    ))
                })
            })
            .transpose()?,
        after: parse_time("after", &a.after)?,
        before: parse_time("before", &a.before)?,
        sort: RunSort::parse(&a.sort).ok_or_else(|| {
            UsageError(format!(
                "--sort: `{}` is not started_at, ended_at or name",
                a.sort
            ))
        })?,
        desc: a.desc,
        limit: a.limit,
        offset: a.offset,
        query: a.where_.as_deref().map(parse_where).transpose()?,
        now: None,
    })
}

/// `--where`'s query, or a usage error with the query and a caret under the column.
pub(crate) fn parse_where(text: &str) -> anyhow::Result<query::run_filter::RunQuery> {
    query::run_filter::RunQuery::parse(text).map_err(|e| {
        // The caret counts the characters the terminal shows: the query as sanitized.
        let before: String = text.chars().take(e.column.saturating_sub(1)).collect();
        let pad = crate::sanitize::sanitize(&before).chars().count();
        UsageError(format!(
            "--where: {e}\n  {}\n  {}^",
            crate::sanitize::sanitize(text),
            " ".repeat(pad)
        ))
        .into()
    })
}

fn duration(info: &RunInfo) -> String {
    format_duration(took(
        info.run.started_at,
        info.run.ended_at,
        info.stats.last_observed,
    ))
}

fn row_duration(row: &RunRow) -> String {
    format_duration(took(row.started_at, row.ended_at, row.stats.last_observed))
}

pub fn run_json(info: &RunInfo) -> serde_json::Value {
    let mut v = row_json(&RunRow {
        run_ref: info.run.run_ref.clone(),
        project_ref: info.run.project_ref.clone(),
        name: info.run.name.clone(),
        status: info.run.status,
        started_at: info.run.started_at,
        ended_at: info.run.ended_at,
        inferred: info.run.inferred,
        stats: info.stats.clone(),
    });
    if let Some(o) = v.as_object_mut() {
        o.insert("params".into(), serde_json::json!(info.run.params));
    }
    v
}

pub fn row_json(row: &RunRow) -> serde_json::Value {
    let s = &row.stats;
    serde_json::json!({
        "ref": row.run_ref.as_str(),
        "project": row.project_ref.as_str(),
        "name": row.name,
        "status": row.status.as_str(),
        "started_at": row.started_at.to_string(),
        "ended_at": row.ended_at.map(|t| t.to_string()),
        "inferred": row.inferred,
        "records": {
            "total": s.total(),
            "event": s.by_type[0], "metric": s.by_type[1], "span": s.by_type[2], "degraded": s.by_type[3],
            "duplicates": s.duplicates,
        },
    })
}

pub fn runs(ctx: &Ctx, a: &RunsArgs) -> anyhow::Result<i32> {
    let ws = open_read(ctx)?;
    let runs = query::list_run_rows(&ws, &run_filter(a)?)?;
    if runs.is_empty()
        && let Some(q) = &a.where_
    {
        // Never an empty table that could pass for "no runs at all".
        eprintln!("no matches for --where `{}`", crate::sanitize::sanitize(q));
    }
    if ctx.json() {
        output::json(&serde_json::Value::Array(
            runs.iter().map(row_json).collect(),
        ));
        return Ok(0);
    }
    // Cells borrow from the rows where they can: ten thousand runs make sixty thousand cells.
    use std::borrow::Cow;
    let rows: Vec<Vec<Cow<'_, str>>> = runs
        .iter()
        .map(|r| {
            let status = if r.stats.degraded > 0 {
                Cow::Owned(format!("{}!", r.status.as_str()))
            } else {
                Cow::Borrowed(r.status.as_str())
            };
            vec![
                Cow::Borrowed(r.run_ref.as_str()),
                status,
                Cow::Owned(r.started_at.to_string()),
                Cow::Owned(row_duration(r)),
                Cow::Owned(r.stats.total().to_string()),
                Cow::Borrowed(r.name.as_str()),
            ]
        })
        .collect();
    table(
        &["RUN", "STATUS", "STARTED", "DURATION", "RECORDS", "NAME"],
        &rows,
        ctx.style,
        Some(1),
    );
    Ok(0)
}

pub fn run(ctx: &Ctx, c: RunCommand) -> anyhow::Result<i32> {
    match c {
        RunCommand::Show { run } => show(ctx, &run),
        other => super::write::run_write(ctx, other),
    }
}

fn show(ctx: &Ctx, text: &str) -> anyhow::Result<i32> {
    let ws = open_read(ctx)?;
    let run = query::resolve_run(&ws, text)?;
    let d = query::run_detail(&ws, &run)?;
    // Lines a wrapped command printed (`contexta run -- CMD`), stored beside the records.
    let console_lines = query::console::tail(&ws, &run, 0)?.total;
    if ctx.json() {
        use crate::model::json::entity_json;
        output::json(&serde_json::json!({
            "run": run_json(&d.info),
            "stages": d.stages.iter().map(entity_json).collect::<Vec<_>>(),
            "batches": d.batches.iter().map(entity_json).collect::<Vec<_>>(),
            "operations": d.operations.iter().map(entity_json).collect::<Vec<_>>(),
            "samples": d.samples.len(),
            "metrics": d.metrics.iter().map(|m| serde_json::json!({
                "key": m.key, "count": m.count, "last": m.last, "min": m.min, "max": m.max,
                "first_step": m.first_step, "last_step": m.last_step})).collect::<Vec<_>>(),
            "artifacts": d.artifacts.iter().map(entity_json).collect::<Vec<_>>(),
            "environments": d.environments.iter().map(entity_json).collect::<Vec<_>>(),
            "deployments": d.deployments.iter().map(entity_json).collect::<Vec<_>>(),
            "relations": d.relations.iter().map(entity_json).collect::<Vec<_>>(),
            "last_problem": d.last_problem.as_ref().map(|r| r.record.to_json()),
            "duplicates": d.duplicates.iter().map(|(rep, first)| serde_json::json!({"seq": rep, "first_seq": first})).collect::<Vec<_>>(),
            "console_lines": console_lines,
        }));
        return Ok(0);
    }
    let st = ctx.style;
    let r = &d.info.run;
    let s = &d.info.stats;
    output::raw_line(&format!(
        "{}  {}{}",
        st.paint("1", &crate::sanitize::sanitize(r.run_ref.as_str())),
        st.status(r.status.as_str()),
        if r.inferred { "  (inferred)" } else { "" }
    ));
    output::line(&format!("name      {}", r.name));
    output::line(&format!("project   {}", r.project_ref));
    output::line(&format!(
        "started   {}   ended {}   duration {}",
        r.started_at,
        r.ended_at
            .map(|t| t.to_string())
            .unwrap_or_else(|| "-".into()),
        duration(&d.info)
    ));
    output::line(&format!(
        "records   {} (event {}, metric {}, span {}, degraded {}){}",
        s.total(),
        s.by_type[0],
        s.by_type[1],
        s.by_type[2],
        s.by_type[3],
        if s.duplicates > 0 {
            format!(", {} duplicate refs", s.duplicates)
        } else {
            String::new()
        }
    ));
    if console_lines > 0 {
        output::line(&format!("console   {console_lines} lines"));
    }
    if !r.params.is_empty() {
        let p: Vec<String> = r.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        output::line(&format!("params    {}", p.join("  ")));
    }
    if let Some(env) = d.environments.last() {
        let mut bits = vec![env.platform.clone()];
        for e in &env.extensions {
            for k in ["host", "user", "git_commit"] {
                if let Some(v) = e.fields.0.get(k) {
                    bits.push(format!(
                        "{k}={}",
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string())
                    ));
                }
            }
        }
        output::line(&format!("provenance {}", bits.join("  ")));
    }
    if !d.stages.is_empty() {
        output::line("");
        let rows: Vec<Vec<String>> = d
            .stages
            .iter()
            .map(|s| {
                vec![
                    s.stage_name.clone(),
                    s.status.as_str().to_string(),
                    s.started_at.to_string(),
                    format_duration(took(s.started_at, s.ended_at, d.info.stats.last_observed)),
                    d.batches
                        .iter()
                        .filter(|b| b.stage_execution_ref == s.stage_execution_ref)
                        .count()
                        .to_string(),
                ]
            })
            .collect();
        table(
            &["STAGE", "STATUS", "STARTED", "DURATION", "BATCHES"],
            &rows,
            st,
            Some(1),
        );
    }
    if !d.metrics.is_empty() {
        output::line("");
        let rows: Vec<Vec<String>> = d
            .metrics
            .iter()
            .map(|m| {
                vec![
                    m.key.clone(),
                    m.count.to_string(),
                    fmt_num(m.last),
                    fmt_num(m.min),
                    fmt_num(m.max),
                ]
            })
            .collect();
        table(&["METRIC", "POINTS", "LAST", "MIN", "MAX"], &rows, st, None);
    }
    if !d.artifacts.is_empty() {
        output::line("");
        let rows: Vec<Vec<String>> = d
            .artifacts
            .iter()
            .map(|a| {
                vec![
                    a.artifact_kind.clone(),
                    a.location_ref.clone(),
                    a.size_bytes
                        .map(|b| b.to_string())
                        .unwrap_or_else(|| "-".into()),
                    a.hash_value
                        .as_deref()
                        .map(|h| h[..12.min(h.len())].to_string())
                        .unwrap_or_default(),
                    a.artifact_ref.to_string(),
                ]
            })
            .collect();
        table(
            &["ARTIFACT", "FILE", "BYTES", "SHA256", "REF"],
            &rows,
            st,
            None,
        );
    }
    if !d.relations.is_empty() {
        output::line("");
        for rel in &d.relations {
            output::line(&format!(
                "{} --{}--> {}",
                rel.source_ref,
                rel.relation_type.as_str(),
                rel.target_ref
            ));
        }
    }
    if let Some(p) = &d.last_problem {
        output::line("");
        output::line(&format!("last problem: {}", describe(&p.record)));
    }
    Ok(0)
}

pub fn fmt_num(v: f64) -> String {
    format_value(v)
}

/// One line about a record: type, key and value or message.
pub fn describe(r: &Record) -> String {
    match &r.payload {
        Payload::Event(e) => format!("event {} [{}] {}", e.event_key, e.level.as_str(), e.message),
        Payload::Metric(m) => format!("metric {} = {}", m.metric_key, fmt_num(m.value)),
        Payload::Span(s) => format!("span {} {:?} {}ms", s.span_name, s.status, s.duration_ms()),
        Payload::Degraded(d) => {
            format!("degraded {} [{:?}] {}", d.issue_key, d.severity, d.summary)
        }
    }
}

fn record_filter(run: &Ref, a: &RecordsArgs) -> anyhow::Result<RecordFilter> {
    let mut types = Vec::new();
    for t in &a.types {
        types.push(RecordType::parse(t.trim()).ok_or_else(|| {
            UsageError(format!(
                "--type: `{t}` is not event, metric, span or degraded"
            ))
        })?);
    }
    let stage = match &a.stage {
        None => None,
        Some(s) if s.starts_with("stage:") => {
            Some(Ref::parse(s).map_err(|e| UsageError(e.to_string()))?)
        }
        Some(s) => {
            let r = run
                .child("stage", s)
                .map_err(|e| UsageError(format!("--stage: {e}")))?;
            Some(r)
        }
    };
    Ok(RecordFilter {
        types,
        stage,
        key: a.key.clone(),
        ..Default::default()
    })
}

fn print_rows(ctx: &Ctx, rows: &[RecordRow], streaming: bool) {
    if ctx.json() {
        if streaming {
            for r in rows {
                output::json_line(&r.record.to_json());
            }
        } else {
            output::json(&serde_json::Value::Array(
                rows.iter().map(|r| r.record.to_json()).collect(),
            ));
        }
        return;
    }
    for r in rows {
        let e = &r.record.envelope;
        let stage = e
            .stage_execution_ref
            .as_ref()
            .map(|s| s.last().to_string())
            .unwrap_or_else(|| "-".into());
        let t = r.record.record_type().as_str();
        let code = match t {
            "event" => "34",
            "metric" => "32",
            "span" => "35",
            _ => "33",
        };
        output::raw_line(&format!(
            "{:>7}  {}  {}  {:10}  {}",
            r.seq,
            e.observed_at,
            ctx.style.paint(code, &format!("{t:8}")),
            crate::sanitize::sanitize(&stage),
            crate::sanitize::sanitize(&describe(&r.record))
        ));
    }
}

pub fn records(ctx: &Ctx, a: &RecordsArgs) -> anyhow::Result<i32> {
    let ws = open_read(ctx)?;
    let run = query::resolve_run(&ws, &a.run)?;
    let f = record_filter(&run, a)?;
    let mut cursor;
    if let Some(n) = a.tail {
        let page = query::records_page(&ws, &run, &f, Anchor::Tail, n)?;
        print_rows(ctx, &page.rows, a.follow);
        cursor = page.last_seq;
    } else {
        cursor = 0;
        let mut all = Vec::new();
        loop {
            let page = query::records_page(&ws, &run, &f, Anchor::After(cursor), 10_000)?;
            cursor = page.rows.last().map(|r| r.seq).unwrap_or(page.last_seq);
            let done = !page.more_after;
            if a.follow {
                print_rows(ctx, &page.rows, true);
            } else {
                all.extend(page.rows);
            }
            if done {
                cursor = cursor.max(page.last_seq);
                break;
            }
        }
        if !a.follow {
            print_rows(ctx, &all, false);
        }
    }
    if !a.follow {
        return Ok(0);
    }
    // Follow: the stored counters make "anything new?" a ~0.03 ms read, so a 10 Hz check is
    // cheap and keeps the CLI free of watcher threads.
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let page = query::records_page(&ws, &run, &f, Anchor::After(cursor), 10_000)?;
        if !page.rows.is_empty() {
            print_rows(ctx, &page.rows, true);
        }
        cursor = cursor
            .max(page.rows.last().map(|r| r.seq).unwrap_or(0))
            .max(if page.more_after { 0 } else { page.last_seq });
    }
}
