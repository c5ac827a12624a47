//! The export loop: for each run and each signal, read the records after the cursor one page
//! at a time (a page is at most `batch_size` records, so a request carries at most that many
//! spans, points or log records), send the page as one request, and move the cursor only when
//! the collector acknowledged it. With `follow`, look again ten times a second — the same
//! cheap "anything after seq N?" read `records --follow` uses — until stopped.

use super::cursor::CursorFile;
use super::error::OtlpError;
use super::map;
use super::request::{self, Signal};
use super::steps::StepCounter;
use super::transport::{Delivery, RetryNotice, RetryPolicy, Transport};
use crate::model::Ref;
use crate::query::{self, Anchor, RecordFilter, RunFilter, Workspace};
use opentelemetry_proto::tonic::resource::v1::Resource;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Requests carry at most this many items unless told otherwise.
pub const DEFAULT_BATCH: usize = 5_000;

#[derive(Clone, Debug)]
pub struct Options {
    /// Collector base URL, e.g. `http://127.0.0.1:4318`.
    pub endpoint: String,
    /// Runs to export; empty means every run (with `follow`, also runs that appear later).
    pub runs: Vec<Ref>,
    pub batch_size: usize,
    pub retry: RetryPolicy,
    pub follow: bool,
    /// Ignore the stored cursors and send everything again.
    pub from_start: bool,
    /// Where cursors live (`cursor::state_dir()`).
    pub state_dir: PathBuf,
}

/// What was acknowledged by the collector in this export.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    pub runs: u64,
    pub spans: u64,
    pub points: u64,
    pub logs: u64,
    pub requests: u64,
    /// Attempts that failed and were retried.
    pub retries: u64,
    /// Items the collector acknowledged but said it rejected (OTLP partial success).
    pub rejected: u64,
}

/// Progress for the caller to show.
pub enum Progress<'a> {
    /// A batch was acknowledged and the cursor saved.
    Sent {
        run: &'a Ref,
        signal: Signal,
        items: usize,
        through_seq: u32,
    },
    Retrying(RetryNotice<'a>),
    /// The collector acknowledged a batch but rejected `count` of its items.
    Rejected {
        run: &'a Ref,
        signal: Signal,
        count: i64,
        message: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Everything there was has been acknowledged (without `follow`).
    Done,
    /// The stop flag was raised; every acknowledged batch is in the cursor.
    Stopped,
}

struct RunState {
    run: Ref,
    resource: Resource,
    cursor: CursorFile,
    steps: StepCounter,
}

pub fn export(
    ws: &Workspace,
    opts: &Options,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<(Totals, Ending), OtlpError> {
    let transport = Transport::new(&opts.endpoint, opts.retry.clone())?;
    // The cursor names the workspace by its full path: two workspaces' runs of the same name are
    // two cursors.
    let root = std::fs::canonicalize(ws.root()).unwrap_or_else(|_| ws.root().to_path_buf());
    let batch = opts.batch_size.max(1);
    let mut states: Vec<RunState> = Vec::new();
    // A run named twice is exported once (and its cursor, which is locked, opened once).
    let mut known: HashSet<Ref> = HashSet::new();
    let mut totals = Totals::default();
    loop {
        let runs: Vec<Ref> = if opts.runs.is_empty() {
            query::list_runs(ws, &RunFilter::default())?
                .into_iter()
                .map(|r| r.run.run_ref)
                .collect()
        } else {
            opts.runs.clone()
        };
        for run in runs {
            if !known.insert(run.clone()) {
                continue;
            }
            let detail = query::run_detail(ws, &run)?;
            let mut cursor = CursorFile::open(&opts.state_dir, &opts.endpoint, &root, &run)?;
            if opts.from_start {
                cursor.reset();
            }
            states.push(RunState {
                resource: map::resource(&detail),
                run,
                cursor,
                steps: StepCounter::default(),
            });
            totals.runs += 1;
        }
        for st in &mut states {
            if drain(ws, &transport, st, batch, stop, &mut totals, progress)? == Ending::Stopped {
                return Ok((totals, Ending::Stopped));
            }
        }
        if !opts.follow {
            return Ok((totals, Ending::Done));
        }
        for _ in 0..2 {
            if stop.load(Ordering::Relaxed) {
                return Ok((totals, Ending::Stopped));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Sends everything of one run after its cursors.
fn drain(
    ws: &Workspace,
    transport: &Transport,
    st: &mut RunState,
    batch: usize,
    stop: &AtomicBool,
    totals: &mut Totals,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<Ending, OtlpError> {
    for signal in Signal::ALL {
        let filter = RecordFilter {
            types: signal.record_types(),
            ..Default::default()
        };
        loop {
            if stop.load(Ordering::Relaxed) {
                return Ok(Ending::Stopped);
            }
            let after = st.cursor.cursor.get(signal);
            let page = query::records_page(ws, &st.run, &filter, Anchor::After(after), batch)?;
            let Some(last) = page.rows.last().map(|r| r.seq) else {
                break;
            };
            let (steps, counts) = match signal {
                Signal::Metrics => st.steps.steps(ws, &st.run, &page.rows)?,
                _ => Default::default(),
            };
            let enc = request::encode(signal, &st.run, &st.resource, &page.rows, &steps);
            let mut retried = 0u64;
            let delivery = transport.send(signal, &enc.body, stop, &mut |n| {
                retried += 1;
                progress(Progress::Retrying(n));
            })?;
            totals.retries += retried;
            match delivery {
                Delivery::Stopped => return Ok(Ending::Stopped),
                Delivery::Acknowledged { answer, .. } => {
                    if let Some((count, message)) = request::rejected(signal, &answer) {
                        totals.rejected += count.max(0) as u64;
                        progress(Progress::Rejected {
                            run: &st.run,
                            signal,
                            count,
                            message,
                        });
                    }
                    st.steps.commit(counts);
                    st.cursor.cursor.set(signal, last);
                    st.cursor.save()?;
                    totals.requests += 1;
                    let n = enc.items as u64;
                    match signal {
                        Signal::Traces => totals.spans += n,
                        Signal::Metrics => totals.points += n,
                        Signal::Logs => totals.logs += n,
                    }
                    progress(Progress::Sent {
                        run: &st.run,
                        signal,
                        items: enc.items,
                        through_seq: last,
                    });
                }
            }
            if !page.more_after {
                break;
            }
        }
    }
    Ok(Ending::Done)
}
