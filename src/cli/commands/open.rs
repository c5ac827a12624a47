//! `init`, `tui` and `demo`: creating, generating and opening a workspace.

use super::super::Ctx;
use super::super::args::{DemoArgs, TuiArgs};
use crate::model::Timestamp;
use crate::store::{Access, DB_FILE, Workspace};
use anyhow::{Context, bail};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

pub fn init(ctx: &Ctx) -> anyhow::Result<i32> {
    let root = match &ctx.workspace {
        Some(_) => ctx.root()?,
        None => std::env::current_dir()?.join(crate::store::WORKSPACE_DIR),
    };
    // `init` here on a workspace someone else left here must not adopt it silently.
    if ctx.workspace.is_none() && root.join(DB_FILE).exists() {
        crate::store::check_discovered(&root)?;
    }
    Workspace::open(&root, Access::Write)
        .with_context(|| format!("creating {}", root.display()))?;
    if !ctx.quiet {
        super::super::output::line(&format!("workspace ready at {}", root.display()));
    }
    Ok(0)
}

pub fn tui(ctx: &Ctx, a: &TuiArgs) -> anyhow::Result<i32> {
    let root = ctx.root()?;
    if let Some(size) = &a.headless {
        let (w, h) = size
            .split_once('x')
            .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
            .ok_or_else(|| {
                super::super::UsageError(format!("--headless wants WxH, got `{size}`"))
            })?;
        // A key script that does not parse is the user's mistake (exit 2), found before the
        // explorer starts.
        crate::tui::headless::parse_script(&a.keys)
            .map_err(|e| super::super::UsageError(format!("--keys: {e}")))?;
        let frame = crate::tui::headless(&root, w, h, &a.keys)?;
        super::super::output::raw_line(&frame);
        return Ok(0);
    }
    let opts = crate::tui::TuiOptions {
        mouse: a.mouse,
        ..Default::default()
    };
    crate::tui::run(&root, &opts)?;
    Ok(0)
}

/// The demo's base time: two days ago, on the hour, so the demo looks recent.
fn demo_base() -> Timestamp {
    let now = Timestamp::now().0;
    let hour = 3_600_000_000;
    Timestamp((now - 2 * 24 * hour) / hour * hour)
}

fn has_data(root: &std::path::Path) -> anyhow::Result<bool> {
    if !root.join(DB_FILE).exists() {
        return Ok(false);
    }
    let ws = Workspace::open(root, Access::Read)?;
    Ok(ws.read()?.run_count()? > 0)
}

fn write_demo(ctx: &Ctx, root: &std::path::Path, force: bool) -> anyhow::Result<()> {
    if has_data(root)? {
        if !force {
            bail!(
                "{} already holds runs; use --force to replace it with the demo",
                root.display()
            );
        }
        std::fs::remove_file(root.join(DB_FILE)).context("removing the old database")?;
        let objects = root.join("artifacts/objects");
        if objects.exists() {
            std::fs::remove_dir_all(&objects).context("removing old artifacts")?;
        }
    }
    let ws = Workspace::open(root, Access::Write)?;
    let s = crate::demo::generate(&ws, demo_base(), 42)?;
    if !ctx.quiet && !ctx.json() {
        super::super::output::line(&format!(
            "demo workspace at {}: {} projects, {} runs, {} records",
            root.display(),
            s.projects,
            s.runs,
            s.records
        ));
    }
    Ok(())
}

fn stop_flag() -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(sig, stop.clone()).context("installing signal handlers")?;
    }
    Ok(stop)
}

pub fn demo(ctx: &Ctx, a: &DemoArgs) -> anyhow::Result<i32> {
    let root = ctx.root_or_here()?;
    if a.live {
        if !root.join(DB_FILE).exists() {
            write_demo(ctx, &root, false)?;
        }
        let opts = crate::demo::LiveOptions {
            interval: Duration::from_secs_f64(a.interval.max(0.001)),
            duration: a.duration.map(Duration::from_secs_f64),
            run_name: a
                .name
                .clone()
                .unwrap_or_else(|| crate::demo::LiveOptions::default().run_name),
            ..Default::default()
        };
        if !ctx.quiet {
            eprintln!("live run writing into {} (Ctrl-C to stop)", root.display());
        }
        let run = crate::demo::run_live(&root, &opts, stop_flag()?)?;
        if !ctx.quiet {
            super::super::output::line(&format!("finished {run}"));
        }
        return Ok(0);
    }
    if a.open {
        if a.force || !has_data(&root)? {
            write_demo(ctx, &root, a.force)?;
        }
        if !crate::tui::AVAILABLE {
            let ctx2 = Ctx {
                workspace: Some(root.clone()),
                format: ctx.format,
                quiet: ctx.quiet,
                style: ctx.style,
            };
            return super::query::runs(&ctx2, &Default::default());
        }
        // A live run writes in the background while the explorer is open.
        let exe = std::env::current_exe().context("locating the contexta binary")?;
        let name = crate::demo::LiveOptions::default().run_name;
        let mut child = std::process::Command::new(exe)
            .arg("--workspace")
            .arg(&root)
            .args(["--quiet", "demo", "--live", "--name", &name])
            .arg("--interval")
            .arg(a.interval.to_string())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .context("starting the live demo writer")?;
        // Open once the live run has committed, so the explorer starts on it (the most
        // recently active run) rather than on the last run the demo wrote.
        let live = crate::model::Ref::parse(&format!("run:mnist-classifier.{name}"))?;
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        while std::time::Instant::now() < deadline {
            let seen = Workspace::open(&root, Access::Read)
                .ok()
                .and_then(|ws| ws.read().ok().and_then(|s| s.stats(&live).ok().flatten()))
                .is_some_and(|st| st.total() > 0);
            if seen {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let result = crate::tui::run(&root, &crate::tui::TuiOptions::default());
        // Ask the writer to finish its run cleanly, then make sure it is gone.
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        while std::time::Instant::now() < deadline {
            if child.try_wait().ok().flatten().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        result?;
        return Ok(0);
    }
    write_demo(ctx, &root, a.force)?;
    Ok(0)
}
