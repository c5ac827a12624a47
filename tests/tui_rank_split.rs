//! The metrics pane's rank split, headless (effects inline): in a merged multi-rank run (its
//! metric records carry a `rank` tag, as `contexta merge` leaves them) `r` on the full-size
//! chart cycles all ranks → rank 0 → rank 1 → all ranks, the header says which, and the chart
//! holds only that rank's points; a run without ranks says so; the grid says where `r` works.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use common::headless::{keys, start};
use contexta::model::*;
use contexta::store::{Access, Workspace, WriteOp};
use contexta::tui::headless::frame_text;
use contexta::tui::panes::metrics::Mode;
use contexta::tui::theme::Theme;
use std::path::PathBuf;

const STEPS: u32 = 20;

/// Point `step` of `rank`'s `loss`: rank 0 from 0 to 19, rank 1 from 100 to 119, so a
/// point's value says which rank wrote it.
fn value(rank: u32, step: u32) -> f64 {
    f64::from(rank * 100 + step)
}

/// A metric record of `run`; with `rank`, tagged as a merge leaves a rank's point.
fn metric(run: &str, rank: Option<u32>, step: u32) -> Record {
    let (suffix, tags, v) = match rank {
        Some(r) => (
            format!("r{r}-m{step}"),
            format!(r#"{{"step":"{step}","rank":"{r}"}}"#),
            value(r, step),
        ),
        None => (
            format!("m{step}"),
            format!(r#"{{"step":"{step}"}}"#),
            f64::from(step),
        ),
    };
    let at = format!("2026-11-23T11:00:{step:02}Z");
    Record::from_json_str(&format!(
        r#"{{"envelope":{{"observed_at":"{at}","producer_ref":"contexta.test","record_ref":"record:{run}.{suffix}","record_type":"metric","recorded_at":"{at}","run_ref":"run:{run}","schema_version":"1.0.0"}},"payload":{{"metric_key":"loss","value":{v},"value_type":"float64","tags":{tags}}}}}"#
    ))
    .unwrap()
}

/// `dist.job`: two ranks' `loss` at steps 0 … 19, written the way a merge stores them (rank
/// 1's points after rank 0's); `dist.single`: one process's `loss`, without ranks.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let ws = Workspace::open(&root, Access::Write).unwrap();
    let t = Timestamp::parse("2026-11-23T11:00:00Z").unwrap();
    let mut ops = vec![WriteOp::Project(Project::new(
        Ref::parse("project:dist").unwrap(),
        "dist",
        t,
    ))];
    for (name, ranks) in [("job", vec![Some(0), Some(1)]), ("single", vec![None])] {
        let mut run = Run::new(Ref::parse(&format!("run:dist.{name}")).unwrap(), name, t);
        run.status = Status::Completed;
        run.ended_at = Some(Timestamp::parse("2026-11-23T11:01:00Z").unwrap());
        ops.push(WriteOp::Run(run));
        for rank in ranks {
            for step in 0..STEPS {
                ops.push(WriteOp::Record(metric(&format!("dist.{name}"), rank, step)));
            }
        }
    }
    ws.write(&ops).unwrap();
    (dir, root)
}

fn frame(app: &contexta::tui::app::AppState) -> String {
    frame_text(app, &Theme::defaults(true)).unwrap()
}

const JOB_CHART: &str = ":run <Space> dist.job <Enter> 4 <Enter>";

#[test]
fn r_cycles_all_ranks_then_each_rank_and_the_chart_holds_only_that_ranks_points() {
    let (_d, root) = workspace();
    let (mut app, mut exec) = start(&root, JOB_CHART, 160, 48);
    let m = &app.panes.metrics;
    assert_eq!(m.mode, Mode::Full);
    assert_eq!((m.rank, &m.ranks), (None, &None));
    assert_eq!(m.series[0].total, 2 * STEPS as usize, "both ranks' points");

    for want in [0u32, 1] {
        keys(&mut app, &mut exec, "r");
        let m = &app.panes.metrics;
        assert_eq!(m.ranks.as_deref(), Some(&[0, 1][..]));
        assert_eq!(m.rank, Some(want));
        let line = &m.series[0];
        assert_eq!(line.total, STEPS as usize, "rank {want}'s points only");
        assert!(!line.points.is_empty());
        for p in &line.points {
            assert_eq!(
                p.value,
                value(want, p.step as u32),
                "a point of rank {want}"
            );
        }
        assert!(frame(&app).contains(&format!("rank {want}")));
    }

    keys(&mut app, &mut exec, "r");
    let m = &app.panes.metrics;
    assert_eq!(m.rank, None, "after the last rank, all ranks again");
    assert_eq!(m.series[0].total, 2 * STEPS as usize);
    assert!(frame(&app).contains("all ranks"));

    // Another run starts unsplit, with its own ranks.
    keys(&mut app, &mut exec, ":run <Space> dist.single <Enter>");
    assert_eq!(
        (app.panes.metrics.rank, &app.panes.metrics.ranks),
        (None, &None)
    );
}

#[test]
fn a_run_without_ranks_says_so_and_the_grid_says_where_r_works() {
    let (_d, root) = workspace();
    let (mut app, mut exec) = start(&root, ":run <Space> dist.single <Enter> 4", 160, 48);
    assert_eq!(app.panes.metrics.mode, Mode::Grid);
    keys(&mut app, &mut exec, "r");
    let flash = app
        .flash
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default();
    assert!(flash.contains("on the full-size chart"), "{flash}");
    assert_eq!(app.panes.metrics.ranks, None, "nothing read on the grid");

    keys(&mut app, &mut exec, "<Enter> r");
    let m = &app.panes.metrics;
    assert_eq!(m.ranks.as_deref(), Some(&[][..]));
    assert_eq!(m.rank, None);
    assert_eq!(
        app.flash.as_ref().map(|f| f.text.as_str()),
        Some("this run has no ranks")
    );
    assert_eq!(m.series[0].total, STEPS as usize, "the chart is unchanged");
    assert!(!frame(&app).contains("all ranks"));
}

#[test]
fn rank_1_full_size_80x24() {
    let (_d, root) = workspace();
    let (app, _exec) = start(&root, &format!("{JOB_CHART} r r"), 80, 24);
    let text = frame(&app);
    assert!(text.contains("rank 1"), "{text}");
    insta::assert_snapshot!(text);
}
