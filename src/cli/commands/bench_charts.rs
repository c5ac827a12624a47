//! `contexta bench charts`: the explorer's chart grid on one run of 20 metric keys × 50,000
//! steps (LEET's published test size): the whole headless process until the grid of all 20
//! charts is drawn, a live redraw of that grid (drawing only, and a refresh that reads every
//! point again, cuts and reduces the series and draws), the bytes each allocates, and the
//! process's peak memory.

use super::super::Ctx;
use super::super::alloc_probe;
use super::super::args::BenchArgs;
use super::bench::{REALISTIC_KEYS, fresh, median, metric_record, report};
use crate::model::*;
use crate::store::{Access, Workspace, WriteOp};
use crate::tui::app::Msg;
use crate::tui::headless::{HeadlessOptions, OffScreen, drive, settle};
use std::path::{Path, PathBuf};
use std::time::Instant;

const STEPS: u64 = 50_000;
const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;
/// Focus the metrics pane and maximise it: every one of the 20 charts fits at 200×60.
const SETUP: &str = "4 z";

/// One run, `bench.charts`, of the 20 realistic keys × 50,000 steps, a second a step.
fn dataset(a: &BenchArgs) -> anyhow::Result<PathBuf> {
    let dir = a.data.join("charts");
    let root = dir.join(".contexta");
    if dir.join("complete").exists() {
        return Ok(root);
    }
    let root = fresh(&dir)?;
    let ws = Workspace::open(&root, Access::Write)?;
    let base = Timestamp::parse("2026-01-01T00:00:00Z").map_err(anyhow::Error::msg)?;
    let run = Ref::parse("run:bench.charts")?;
    let mut r = Run::new(run.clone(), "charts", base);
    r.status = Status::Completed;
    r.ended_at = Some(Timestamp(base.0 + STEPS as i64 * 1_000_000));
    let mut stage = StageExecution::new(&run, "train", base).map_err(|e| anyhow::anyhow!("{e}"))?;
    stage.status = Status::Completed;
    stage.ended_at = r.ended_at;
    let sref = stage.stage_execution_ref.clone();
    let mut ops = vec![WriteOp::Run(r), WriteOp::Stage(stage)];
    for step in 0..STEPS {
        for (k, key) in REALISTIC_KEYS.iter().enumerate() {
            let at = Timestamp(base.0 + (step * 1_000_000 + k as u64) as i64);
            let v =
                (1.0 + k as f64) / (1.0 + step as f64 * 0.001) + (step as f64 * 0.37).sin() * 0.01;
            ops.push(metric_record(&run, &sref, key, v, step, at)?);
        }
        if ops.len() >= 100_000 {
            ws.write(&ops)?;
            ops.clear();
        }
    }
    ws.write(&ops)?;
    std::fs::write(dir.join("complete"), b"")?;
    Ok(root)
}

fn headless_process(root: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(std::env::current_exe().unwrap_or_default());
    c.arg("--workspace")
        .arg(root)
        .args([
            "tui",
            "--headless",
            &format!("{WIDTH}x{HEIGHT}"),
            "--keys",
            SETUP,
        ])
        .stdout(std::process::Stdio::null());
    c
}

pub(super) fn bench_charts(ctx: &Ctx, a: &BenchArgs) -> anyhow::Result<()> {
    let root = dataset(a)?;
    let points = STEPS * REALISTIC_KEYS.len() as u64;
    let mut first = Vec::new();
    for _ in 0..a.reps.min(11) {
        let t = Instant::now();
        let st = headless_process(&root).status()?;
        first.push(t.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(st.success(), "headless explorer failed");
    }
    report(
        ctx,
        "chart grid first frame",
        median(first),
        "ms",
        &format!(
            "headless process from start until the grid of all {} charts is drawn at {WIDTH}x{HEIGHT}: one run, {points} points",
            REALISTIC_KEYS.len()
        ),
    );

    let opts = HeadlessOptions {
        width: WIDTH,
        height: HEIGHT,
        keys: SETUP,
        now: Timestamp::now(),
        label: None,
    };
    let (mut app, mut exec) = drive(&root, &opts).map_err(anyhow::Error::msg)?;
    let charts = app.panes.metrics.grid.len();
    anyhow::ensure!(
        charts == REALISTIC_KEYS.len(),
        "the grid shows {charts} charts, not {}",
        REALISTIC_KEYS.len()
    );
    let mut screen = OffScreen::new(WIDTH, HEIGHT);
    let n = a.reps.max(20);
    let (mut draw, mut draw_bytes) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let t = Instant::now();
        let ((), bytes) = alloc_probe::measure(|| screen.draw(&app));
        draw.push(t.elapsed().as_secs_f64() * 1e3);
        draw_bytes.extend(bytes.map(|b| b as f64));
    }
    anyhow::ensure!(screen.drawn_cells() > 0, "nothing was drawn");
    // A refresh (Ctrl-r) reads every point again, as a live run's change does; a change that
    // leaves the run's keys as they were reads their summaries only.
    let refresh = crate::tui::headless::parse_script("<C-r>").map_err(anyhow::Error::msg)?;
    let (mut live, mut live_bytes) = (Vec::new(), Vec::new());
    let (mut idle, mut idle_bytes) = (Vec::new(), Vec::new());
    for _ in 0..n.min(21) {
        let t = Instant::now();
        let ((), bytes) = alloc_probe::measure(|| {
            for m in &refresh {
                let fx = app.update(m.clone());
                settle(&mut app, &mut exec, fx);
            }
            screen.draw(&app);
        });
        live.push(t.elapsed().as_secs_f64() * 1e3);
        live_bytes.extend(bytes.map(|b| b as f64));
        let t = Instant::now();
        let ((), bytes) = alloc_probe::measure(|| {
            let fx = app.update(Msg::Changed);
            settle(&mut app, &mut exec, fx);
            screen.draw(&app);
        });
        idle.push(t.elapsed().as_secs_f64() * 1e3);
        idle_bytes.extend(bytes.map(|b| b as f64));
    }
    let mb = |v: Vec<f64>| {
        if v.is_empty() {
            "not counted (no allocator probe)".to_string()
        } else {
            format!("{:.2} MB allocated", median(v) / 1e6)
        }
    };
    report(
        ctx,
        "chart grid redraw",
        median(draw),
        "ms",
        &format!(
            "draw the grid of {charts} charts (each series already reduced to its width), {n} draws; {}",
            mb(draw_bytes)
        ),
    );
    report(
        ctx,
        "chart grid refresh (all points)",
        median(live),
        "ms",
        &format!(
            "Ctrl-r, as each change of a live run: keys and all {points} points read again, cut and reduced per braille column, grid drawn; {}",
            mb(live_bytes)
        ),
    );
    report(
        ctx,
        "chart grid change, keys same",
        median(idle),
        "ms",
        &format!(
            "a workspace change that leaves the run's keys as they were: their summaries read, no series, grid drawn; {}",
            mb(idle_bytes)
        ),
    );

    if let Ok((_, mb)) = super::bench::headless_peak(&root, &format!("{WIDTH}x{HEIGHT}"), SETUP) {
        report(
            ctx,
            "chart grid peak memory",
            mb,
            "MB",
            "max RSS of the headless process that opens the grid of 20 charts × 50,000 points",
        );
    }
    Ok(())
}
