//! `export otlp --endpoint URL [RUN…] [--follow]`: the export loop lives in `export::otlp`;
//! this resolves the runs, installs the stop signals, and says what was sent.

use super::super::args::OtlpArgs;
use super::super::{Ctx, UsageError, output};
use crate::export::otlp::{self, Ending, OtlpError, Progress, RetryPolicy};
use crate::query::{self, Workspace};
use crate::sanitize::sanitize;
use anyhow::Context;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// SIGINT and SIGTERM raise a flag the loop checks between batches and while waiting to retry,
/// so a stop never abandons an acknowledged batch's cursor.
fn stop_flag() -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone()).context("installing signal handlers")?;
    }
    Ok(stop)
}

/// A progress line on stderr (not eprintln!: a closed stderr must not stop an export).
fn note(text: &str) {
    let _ = writeln!(std::io::stderr(), "{}", sanitize(text));
}

pub fn run(ctx: &Ctx, ws: &Workspace, a: OtlpArgs) -> anyhow::Result<i32> {
    let runs = a
        .runs
        .iter()
        .map(|r| query::resolve_run(ws, r))
        .collect::<Result<Vec<_>, _>>()?;
    let state_dir = otlp::cursor::state_dir().ok_or(OtlpError::NoStateDir)?;
    let opts = otlp::Options {
        endpoint: a.endpoint.clone(),
        runs,
        batch_size: a.batch_size,
        retry: RetryPolicy {
            retries: a.retries,
            ..Default::default()
        },
        follow: a.follow,
        from_start: a.from_start,
        state_dir,
    };
    let stop = stop_flag()?;
    let talk = !ctx.quiet && !ctx.json();
    if talk && a.follow {
        note(&format!(
            "following into {} (Ctrl-C to stop; the cursor is saved after every batch)",
            a.endpoint
        ));
    }
    let result = otlp::export(ws, &opts, &stop, &mut |p| match p {
        Progress::Retrying(n) if !ctx.quiet => note(&format!(
            "{}: {} (attempt {}); retrying in {:.1} s",
            n.url,
            n.reason,
            n.attempt,
            n.wait.as_secs_f64()
        )),
        Progress::Sent {
            run,
            signal,
            items,
            through_seq,
        } if talk && a.follow => note(&format!(
            "{run}: {items} {} sent (through seq {through_seq})",
            match signal {
                otlp::Signal::Traces => "spans",
                otlp::Signal::Metrics => "points",
                otlp::Signal::Logs => "log records",
            }
        )),
        Progress::Rejected {
            run,
            signal,
            count,
            message,
        } if !ctx.quiet => note(&format!(
            "warning: the collector at {} accepted a batch of {run} but rejected {count} of its {}{}",
            a.endpoint,
            signal.as_str(),
            if message.is_empty() {
                String::new()
            } else {
                format!(": {message}")
            }
        )),
        _ => {}
    });
    let (totals, ending) = match result {
        Ok(r) => r,
        Err(e @ OtlpError::BadEndpoint { .. }) => return Err(UsageError(e.to_string()).into()),
        Err(e) => return Err(e.into()),
    };
    if ctx.json() {
        output::json(&serde_json::json!({
            "endpoint": a.endpoint,
            "stopped": ending == Ending::Stopped,
            "runs": totals.runs,
            "spans": totals.spans,
            "points": totals.points,
            "logs": totals.logs,
            "requests": totals.requests,
            "retries": totals.retries,
            "rejected": totals.rejected,
        }));
    } else if !ctx.quiet {
        let how = if ending == Ending::Stopped {
            "stopped; sent"
        } else {
            "sent"
        };
        let rejected = if totals.rejected > 0 {
            format!(" ({} rejected by the collector)", totals.rejected)
        } else {
            String::new()
        };
        output::line(&format!(
            "{how} to {}: {} runs, {} spans, {} metric points, {} log records in {} requests{rejected}",
            a.endpoint, totals.runs, totals.spans, totals.points, totals.logs, totals.requests
        ));
    }
    Ok(0)
}
