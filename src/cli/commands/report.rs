//! `report snapshot RUN` and `report compare A B`: build, render, write, print the path.

use super::super::args::{ReportCommand, ReportOut};
use super::super::{Ctx, UsageError, output};
use super::query::open_read;
use crate::query;
use crate::report::{Render, render};
use anyhow::Context;
use std::io::Write;

fn write(
    ctx: &Ctx,
    root: &std::path::Path,
    name: &str,
    doc: &crate::report::ReportDocument,
    out: &ReportOut,
) -> anyhow::Result<i32> {
    let how = Render::parse(&out.render).ok_or_else(|| {
        UsageError(format!(
            "--render: `{}` is not markdown, json, html or csv",
            out.render
        ))
    })?;
    let text = render(doc, how);
    if out.output.as_deref() == Some(std::path::Path::new("-")) {
        let mut o = std::io::stdout().lock();
        o.write_all(text.as_bytes())?;
        return Ok(0);
    }
    let path = match &out.output {
        Some(p) => p.clone(),
        None => {
            let stamp = crate::model::Timestamp::now()
                .to_string()
                .replace([':', '.'], "-");
            root.join("reports")
                .join(format!("{name}-{stamp}.{}", how.extension()))
        }
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    // Write beside and rename, so a reader never sees half a report; a failed write leaves
    // nothing, and what a killed one left is removed by the next.
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    for n in crate::recovery::tidy_in_progress(dir, "report")? {
        eprintln!("note: {}", crate::sanitize::sanitize(&n));
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = crate::recovery::in_progress(dir, "report", &file_name);
    let written = std::fs::write(&tmp, text.as_bytes())
        .with_context(|| format!("writing {}", tmp.display()))
        .and_then(|()| {
            std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))
        });
    if written.is_err() {
        std::fs::remove_file(&tmp).ok();
    }
    written?;
    if ctx.json() {
        output::json(
            &serde_json::json!({"path": path.display().to_string(), "render": out.render, "title": doc.title, "bytes": text.len()}),
        );
    } else {
        output::line(&path.display().to_string());
    }
    Ok(0)
}

pub fn run(ctx: &Ctx, c: ReportCommand) -> anyhow::Result<i32> {
    let ws = open_read(ctx)?;
    match c {
        ReportCommand::Snapshot { run, out } => {
            let r = query::resolve_run(&ws, &run)?;
            let doc = crate::report::snapshot(&ws, &r)?;
            write(
                ctx,
                ws.root(),
                &format!("{}-snapshot", r.value()),
                &doc,
                &out,
            )
        }
        ReportCommand::Compare { left, right, out } => {
            let (l, r) = (
                query::resolve_run(&ws, &left)?,
                query::resolve_run(&ws, &right)?,
            );
            let doc = crate::report::comparison(&ws, &l, &r)?;
            write(
                ctx,
                ws.root(),
                &format!("{}-vs-{}", l.last(), r.last()),
                &doc,
                &out,
            )
        }
    }
}
