//! The machine a run used: the explorer's System pane (charts, scrolling, live update, the run
//! without system metrics), the overview's line of latest readings, the resource findings
//! (`gpu_idle`, `memory_near_limit`) in `diagnostics` and as the tree's `◔` flag, and a real
//! `contexta run` whose samples the pane and overview show. Frames are pinned with insta on a
//! workspace written with fixed times; effects run inline (no threads, no sleeps).
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use contexta::model::*;
use contexta::query;
use contexta::store::{Access, Workspace, WriteOp};
use contexta::tui::action::PaneId;
use contexta::tui::app::{AppState, Msg};
use contexta::tui::headless::{HeadlessOptions, drive, frame_text, settle};
use contexta::tui::theme::Theme;
use contexta::tui::worker::Executor;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn now() -> Timestamp {
    Timestamp::parse("2026-11-23T12:00:00Z").unwrap()
}

fn base() -> Timestamp {
    Timestamp::parse("2026-11-23T11:50:00Z").unwrap()
}

/// Writes `samples` samples (every 2 s from `from`) of a wrapped run's system metrics, as the
/// sampler names them: two GPUs, GPU 0 idle (2 %) from sample 40 to 80 (80 s), system memory
/// at up to 94 % of 32,000 MB, and `extra` more keys, with `seq0` numbering the records.
fn write_samples(ws: &Workspace, run: &Ref, from: usize, to: usize) {
    let mut ops = Vec::new();
    for i in from..to {
        let at = Timestamp(base().0 + i as i64 * 2_000_000);
        let x = i as f64;
        let used = 24_000.0 + 6_000.0 * (x / 150.0);
        let gpu0 = if (40..80).contains(&i) {
            2.0
        } else {
            90.0 + (x * 0.7).sin() * 5.0
        };
        let values = [
            ("system.proc.cpu-percent", 180.0 + (x * 0.3).sin() * 20.0),
            ("system.proc.rss-mb", 800.0 + x * 10.0),
            ("system.proc.count", 3.0),
            ("system.cpu.percent", 60.0 + (x * 0.2).cos() * 10.0),
            ("system.memory.used-mb", used),
            ("system.memory.percent", used * 100.0 / 32_000.0),
            ("system.disk.read-mb-per-s", 1.5 + (x * 0.5).sin()),
            ("system.disk.write-mb-per-s", 0.2),
            ("system.net.recv-mb-per-s", 0.05),
            ("system.net.sent-mb-per-s", 0.01),
            ("system.gpu0.utilization-percent", gpu0),
            ("system.gpu0.memory-used-mb", 20_000.0),
            ("system.gpu0.memory-percent", 20_000.0 * 100.0 / 24_576.0),
            ("system.gpu0.temperature-c", 70.0 + x / 30.0),
            (
                "system.gpu0.power-w",
                250.0 - (gpu0 < 5.0) as u8 as f64 * 200.0,
            ),
            ("system.gpu1.utilization-percent", 97.0),
            ("system.gpu1.memory-used-mb", 12_000.0),
            ("system.gpu1.memory-percent", 12_000.0 * 100.0 / 24_576.0),
            ("system.gpu1.temperature-c", 66.0),
            ("system.gpu1.power-w", 280.0),
        ];
        for (k, (key, v)) in values.iter().enumerate() {
            let rref = run.child("record", &format!("s{:04}-{k:02}", i)).unwrap();
            let env = Envelope::new(rref, RecordType::Metric, run.clone(), "contexta.run", at);
            ops.push(WriteOp::Record(Record {
                envelope: env,
                payload: Payload::Metric(MetricPayload::new(key, *v, None)),
            }));
        }
    }
    ws.write(&ops).unwrap();
}

/// A workspace with a finished wrapped run (`gpu.resnet-a100`, 150 samples, 5 minutes) and a
/// run without system metrics (`gpu.plain`).
fn system_workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let ws = Workspace::open(&root, Access::Write).unwrap();
    let project = Ref::parse("project:gpu").unwrap();
    let plain = Ref::parse("run:gpu.plain").unwrap();
    let wrapped = Ref::parse("run:gpu.resnet-a100").unwrap();
    let mut p_run = Run::new(plain.clone(), "plain", Timestamp(base().0 - 600_000_000));
    p_run.status = Status::Completed;
    p_run.ended_at = Some(Timestamp(base().0 - 300_000_000));
    let mut w_run = Run::new(wrapped.clone(), "resnet-a100", base());
    w_run.status = Status::Completed;
    w_run.ended_at = Some(Timestamp(base().0 + 300_000_000));
    let loss = Envelope::new(
        plain.child("record", "loss").unwrap(),
        RecordType::Metric,
        plain.clone(),
        "contexta.demo",
        Timestamp(base().0 - 400_000_000),
    );
    ws.write(&[
        WriteOp::Project(Project::new(project, "gpu", base())),
        WriteOp::Run(p_run),
        WriteOp::Run(w_run),
        WriteOp::Record(Record {
            envelope: loss,
            payload: Payload::Metric(MetricPayload::new("loss", 0.5, Some(1))),
        }),
    ])
    .unwrap();
    write_samples(&ws, &wrapped, 0, 150);
    drop(ws);
    (dir, root)
}

fn start(root: &Path, w: u16, h: u16, keys: &str) -> (AppState, Executor) {
    drive(
        root,
        &HeadlessOptions {
            width: w,
            height: h,
            keys,
            now: now(),
            label: Some("~/gpu/.contexta".into()),
        },
    )
    .unwrap()
}

fn frame(root: &Path, w: u16, h: u16, keys: &str) -> String {
    let (app, _) = start(root, w, h, keys);
    frame_text(&app, &Theme::defaults(true)).unwrap()
}

const WRAPPED: &str = ":run <Space> resnet-a100 <Enter> 0";

#[test]
fn system_pane_frames() {
    let (_d, root) = system_workspace();
    insta::assert_snapshot!("system_80x24", frame(&root, 80, 24, WRAPPED));
    insta::assert_snapshot!("system_120x36", frame(&root, 120, 36, WRAPPED));
    insta::assert_snapshot!("system_200x60", frame(&root, 200, 60, WRAPPED));
    insta::assert_snapshot!(
        "system_scrolled_80x24",
        frame(&root, 80, 24, &format!("{WRAPPED} j j"))
    );
    insta::assert_snapshot!(
        "system_none_80x24",
        frame(&root, 80, 24, ":run <Space> plain <Enter> 0")
    );
    insta::assert_snapshot!(
        "overview_with_system_120x36",
        frame(&root, 120, 36, ":run <Space> resnet-a100 <Enter> 2")
    );
}

#[test]
fn the_pane_charts_each_quantity_with_its_latest_value_and_limit() {
    let (_d, root) = system_workspace();
    let (app, _) = start(&root, 120, 36, WRAPPED);
    assert_eq!(app.shared.focus, PaneId::System);
    let pane = &app.panes.system;
    let labels: Vec<&str> = pane
        .data
        .charts
        .iter()
        .map(|c| c.quantity.label.as_str())
        .collect();
    assert_eq!(
        labels[..3],
        ["CPU (process tree)", "RSS (process tree)", "System memory"]
    );
    assert!(labels.contains(&"GPU 1 power"), "{labels:?}");
    assert_eq!(pane.data.samples, 150);
    assert!(
        (pane.data.span_s - 298.0).abs() < 1e-6,
        "{}",
        pane.data.span_s
    );
    let by = |l: &str| {
        pane.data
            .charts
            .iter()
            .find(|c| c.quantity.label == l)
            .unwrap()
    };
    // The machine's memory (from used and percent) is the ceiling of RSS and system memory;
    // the GPU's is the ceiling of its memory.
    assert!((by("System memory").limit.unwrap() - 32_000.0).abs() < 1e-6);
    assert!((by("RSS (process tree)").limit.unwrap() - 32_000.0).abs() < 1e-6);
    assert!((by("GPU 0 memory").limit.unwrap() - 24_576.0).abs() < 1e-6);
    assert_eq!(by("RSS (process tree)").latest, 800.0 + 149.0 * 10.0);
    assert_eq!(by("CPU (process tree)").limit, None);
    // Downsampled to about a chart's width.
    assert!(by("CPU (process tree)").points.len() <= 2 * 60);
}

#[test]
fn a_live_run_s_new_samples_reach_the_pane_on_change() {
    let (_d, root) = system_workspace();
    let (mut app, mut exec) = start(&root, 80, 24, WRAPPED);
    assert_eq!(app.panes.system.data.samples, 150);
    let ws = Workspace::open(&root, Access::Write).unwrap();
    write_samples(&ws, &Ref::parse("run:gpu.resnet-a100").unwrap(), 150, 160);
    drop(ws);
    let fx = app.update(Msg::Changed);
    settle(&mut app, &mut exec, fx);
    assert_eq!(app.panes.system.data.samples, 160);
}

#[test]
fn a_run_without_system_metrics_says_why() {
    let (_d, root) = system_workspace();
    let text = frame(&root, 80, 24, ":run <Space> plain <Enter> 0");
    assert!(
        text.contains("no system metrics: this run was not started with `contexta run`"),
        "{text}"
    );
}

#[test]
fn resource_findings_in_diagnostics_and_the_tree() {
    let (_d, root) = system_workspace();
    let ws = Workspace::open(&root, Access::Read).unwrap();
    let opts = contexta::analysis::diagnostics::DiagnosticsOptions {
        now: now(),
        ..Default::default()
    };
    let facts = query::FactsOptions::default();
    let d = query::diagnose_run(
        &ws,
        &Ref::parse("run:gpu.resnet-a100").unwrap(),
        facts,
        None,
        &opts,
    )
    .unwrap();
    let codes: Vec<(&str, &str)> = d
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.summary.as_str()))
        .collect();
    assert!(
        codes.contains(&(
            "gpu_idle",
            "GPU 0 sat idle (utilization under 5 %) for 1m18s"
        )),
        "{codes:?}"
    );
    assert!(
        codes
            .iter()
            .any(|(c, s)| *c == "memory_near_limit" && s.starts_with("system memory reached 94 %")),
        "{codes:?}"
    );
    // GPU 1 was busy and its memory had room; the plain run has neither finding.
    assert_eq!(
        codes
            .iter()
            .filter(|(c, _)| c.starts_with("gpu") || c.starts_with("memory"))
            .count(),
        2
    );
    let plain = query::diagnose_run(
        &ws,
        &Ref::parse("run:gpu.plain").unwrap(),
        facts,
        None,
        &opts,
    )
    .unwrap();
    assert!(
        plain
            .findings
            .iter()
            .all(|f| !f.code.contains("gpu") && !f.code.contains("memory"))
    );
    drop(ws);
    // The tree flags the wrapped run with ◔ and says what it means in its legend.
    let (app, _) = start(&root, 120, 36, "");
    let flags = &app.panes.tree.flags[&Ref::parse("run:gpu.resnet-a100").unwrap()];
    assert_eq!(flags.resources.len(), 2, "{flags:?}");
    assert!(
        app.panes.tree.flags[&Ref::parse("run:gpu.plain").unwrap()]
            .resources
            .is_empty()
    );
    let text = frame_text(&app, &Theme::defaults(true)).unwrap();
    assert!(text.contains("◔ machine"), "{text}");
    // And `contexta diagnostics` reports them.
    let out = std::process::Command::new(common::bin())
        .args([
            "--workspace",
            root.to_str().unwrap(),
            "diagnostics",
            "resnet-a100",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("gpu_idle") && stdout.contains("memory_near_limit"),
        "{stdout}"
    );
}

#[test]
fn a_real_contexta_run_shows_plausible_values_in_the_pane_and_overview() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    // A command kept busy until the run has a few samples (taken every 0.2 s).
    let stop = dir.path().join("stop");
    let mut child = std::process::Command::new(common::bin())
        .args([
            "--workspace",
            root.to_str().unwrap(),
            "--quiet",
            "run",
            "--project",
            "sys",
            "--name",
            "busy",
            "--system-interval",
            "0.2",
            "--",
            "sh",
            "-c",
            &format!(
                "i=0; while [ ! -e '{}' ]; do i=$((i+1)); done; echo done",
                stop.display()
            ),
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let run = Ref::parse("run:sys.busy").unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let samples = || {
        Workspace::open(&root, Access::Read)
            .ok()
            .and_then(|ws| query::system_charts(&ws, &run, 40).ok())
            .map_or(0, |c| c.samples)
    };
    while samples() < 3 {
        assert!(Instant::now() < deadline, "no samples within a minute");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::fs::write(&stop, b"").unwrap();
    assert!(child.wait().unwrap().success());
    let ws = Workspace::open(&root, Access::Read).unwrap();
    let charts = query::system_charts(&ws, &run, 40).unwrap();
    drop(ws);
    assert!(charts.samples >= 3, "{charts:?}");
    let get = |label: &str| {
        charts
            .charts
            .iter()
            .find(|c| c.quantity.label == label)
            .unwrap_or_else(|| panic!("no {label} chart in {charts:?}"))
    };
    let rss = get("RSS (process tree)");
    assert!(rss.max > 0.1 && rss.max < 10_000.0, "{rss:?}");
    assert!(get("CPU (process tree)").max > 1.0, "{charts:?}");
    let mem = get("System memory");
    assert!(
        mem.limit.is_some_and(|l| l >= mem.max && l > 100.0),
        "{mem:?}"
    );
    let text = frame(&root, 80, 24, ":run <Space> busy <Enter> 0");
    assert!(
        text.contains("CPU (process tree)") && text.contains("RSS (process tree)"),
        "{text}"
    );
    let overview = frame(&root, 120, 36, ":run <Space> busy <Enter> 2");
    assert!(
        overview.contains("CPU ") && overview.contains("RSS "),
        "{overview}"
    );
}
