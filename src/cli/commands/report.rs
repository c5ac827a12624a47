//! `report snapshot RUN` and `report compare A B`: build, render, write, print the path.

use super::super::args::{ReportCommand, ReportOut};
use super::super::{Ctx, UsageError, output};
use super::query::open_read;
use crate::destination::{Destination, Kind, Options};
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
    // Written beside and renamed (a reader never sees half a report), or through into a pipe.
    let mut dest = Destination::open(&path, Options::cli(out.follow_symlink))?;
    dest.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", dest.describe()))?;
    let to_stdout = dest.kind() == Kind::Stdout;
    let path = dest.path().to_path_buf();
    dest.commit()?;
    if to_stdout {
        return Ok(0);
    }
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
