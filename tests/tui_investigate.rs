//! The explorer's investigation panes in the reducer: marking two runs and `c` asks for a
//! comparison, a loaded comparison renders, `Enter` on a finding jumps to its evidence, the
//! lineage navigator re-centres, the project view loads trends, tree flags are computed once
//! per generation, and `/` matches runs by their artifacts. Effects run inline on the demo.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;

use common::headless::{demo, start};

use contexta::model::*;
use contexta::store::{Access, Workspace};
use contexta::tui::action::{Action, PaneId};
use contexta::tui::app::{AppState, Load, Msg};
use contexta::tui::effect::{Effect, Query};
use contexta::tui::headless::{frame_text, settle};
use contexta::tui::panes::{compare, stream, tree};
use contexta::tui::theme::Theme;
use contexta::tui::worker::Executor;

fn act(app: &mut AppState, exec: &mut Executor, a: Action) {
    let fx = app.update(Msg::Action(a));
    settle(app, exec, fx);
}

fn run(s: &str) -> Ref {
    Ref::parse(s).unwrap()
}

#[test]
fn marking_two_runs_and_c_asks_for_a_comparison_of_both() {
    let (_d, root) = demo();
    let (mut app, _) = start(
        &root,
        ":run <Space> baseline <Enter> <Space> :run <Space> lr-3e-4 <Enter> <Space>",
        160,
        48,
    );
    assert_eq!(app.shared.marks.len(), 2);
    let fx = app.update(Msg::Action(Action::Compare(vec![])));
    let asked = fx.iter().find_map(|e| match e {
        Effect::Query(r) => match &r.query {
            Query::Compare(compare::Query::Compare { runs }) => Some(runs.clone()),
            _ => None,
        },
        _ => None,
    });
    assert_eq!(
        asked,
        Some(vec![
            "run:mnist-classifier.baseline".to_string(),
            "run:mnist-classifier.lr-3e-4".to_string()
        ]),
        "oldest run on the left"
    );
    assert_eq!(app.shared.focus, PaneId::Compare);
    assert_eq!(app.panes.compare.load, Load::Loading);
}

#[test]
fn c_with_fewer_than_two_marks_says_why_and_asks_nothing() {
    let (_d, root) = demo();
    let (mut app, _) = start(&root, "", 160, 48);
    let fx = app.update(Msg::Action(Action::Compare(vec![])));
    assert!(fx.is_empty());
    assert!(app.flash.as_ref().unwrap().text.contains("mark two runs"));
}

#[test]
fn a_loaded_comparison_renders_side_by_side_with_the_selected_metric_charted() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, "", 160, 48);
    act(
        &mut app,
        &mut exec,
        Action::parse(":compare baseline lr-3e-4".trim_start_matches(':')).unwrap(),
    );
    assert_eq!(app.panes.compare.load, Load::Ready);
    let c = app.panes.compare.two().expect("two-run comparison");
    assert!(c.metrics.iter().any(|m| m.key == "train-loss"));
    assert_eq!(
        app.panes.compare.series.len(),
        2,
        "both runs' curves are loaded"
    );
    assert_eq!(
        app.panes.compare.series[0].key,
        app.panes.compare.series[1].key
    );
    let before = app.panes.compare.series[0].key.clone();
    act(&mut app, &mut exec, Action::parse("select next").unwrap());
    assert_ne!(
        app.panes.compare.series[0].key, before,
        "the chart follows the selection"
    );
    let text = frame_text(&app, &Theme::defaults(true)).unwrap();
    assert!(text.contains("Compare baseline ⇄ lr-3e-4"), "{text}");
    assert!(
        text.contains("worse") && text.contains("overlaid"),
        "{text}"
    );
}

#[test]
fn three_marked_runs_make_a_table_sortable_by_a_column() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, "", 160, 48);
    act(
        &mut app,
        &mut exec,
        Action::Compare(vec![
            "baseline".into(),
            "lr-3e-4".into(),
            "wide-resnet".into(),
        ]),
    );
    let m = app.panes.compare.many().expect("a table").clone();
    assert_eq!(m.runs.len(), 3);
    let col = m
        .metrics
        .iter()
        .position(|r| r.key == "train-loss")
        .unwrap();
    for _ in 0..col {
        act(&mut app, &mut exec, Action::Column(true));
    }
    act(&mut app, &mut exec, Action::parse("sort column").unwrap());
    assert_eq!(app.panes.compare.sort, Some((col, false)));
    let order = contexta::tui::panes::compare::many_order(&m, app.panes.compare.sort);
    let vals: Vec<f64> = order
        .iter()
        .filter_map(|i| m.metrics[col].values[*i])
        .collect();
    assert!(vals.windows(2).all(|w| w[0] <= w[1]), "{vals:?}");
    // The best value of a loss is the lowest one.
    let best = m.metrics[col].best.unwrap();
    let low = vals[0];
    assert_eq!(m.metrics[col].values[best], Some(low));
}

#[test]
fn enter_on_a_record_finding_jumps_to_that_record_in_the_stream() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, ":run <Space> dropout-0-3 <Enter> 6", 80, 24);
    assert_eq!(app.shared.focus, PaneId::Diagnostics);
    assert_eq!(app.panes.diagnostics.load, Load::Ready);
    let i = app
        .panes
        .diagnostics
        .findings
        .iter()
        .position(|f| f.evidence.iter().any(|e| e.starts_with("record:")))
        .expect("a finding with a record as evidence");
    app.panes.diagnostics.selected = i;
    let evidence = run(&app.panes.diagnostics.findings[i].evidence[0]);
    let fx = app.update(Msg::Action(Action::Open));
    assert!(
        matches!(fx.as_slice(), [Effect::Query(r)] if r.query == Query::Stream(stream::Query::Locate { record: evidence.clone() })),
        "{fx:?}"
    );
    settle(&mut app, &mut exec, fx);
    assert_eq!(app.shared.focus, PaneId::Stream);
    assert_eq!(
        app.shared.run,
        Some(run("run:mnist-classifier.dropout-0-3"))
    );
    let row = app
        .panes
        .stream
        .selected_row()
        .expect("the record is selected");
    assert_eq!(row.record.envelope.record_ref, evidence);
    assert!(!app.panes.stream.follow, "the jump pauses following");
}

#[test]
fn enter_on_a_stage_finding_selects_the_stage_in_the_tree() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, ":run <Space> wide-resnet <Enter> 6", 160, 48);
    let i = app
        .panes
        .diagnostics
        .findings
        .iter()
        .position(|f| f.code == "incomplete_stage")
        .unwrap();
    app.panes.diagnostics.selected = i;
    let stage = run(&app.panes.diagnostics.findings[i].evidence[0]);
    act(&mut app, &mut exec, Action::Open);
    assert_eq!(app.shared.focus, PaneId::Tree);
    assert_eq!(app.shared.selected, Some(stage));
}

#[test]
fn lineage_recentres_on_the_selected_neighbour_and_o_jumps_to_its_run() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, ":run <Space> baseline <Enter> 7", 160, 48);
    assert_eq!(app.shared.focus, PaneId::Lineage);
    let g = app.panes.lineage.graph.as_ref().unwrap();
    assert_eq!(g.root, "run:mnist-classifier.baseline");
    act(&mut app, &mut exec, Action::Column(true));
    let next = app.panes.lineage.selected_ref().unwrap();
    act(&mut app, &mut exec, Action::Open);
    assert_eq!(app.panes.lineage.graph.as_ref().unwrap().root, next);
    // From the artifact, upstream leads back to the run; `o` opens it in the tree/overview.
    act(&mut app, &mut exec, Action::Column(false));
    let back = app.panes.lineage.selected_ref().unwrap();
    assert!(
        back.starts_with("run:") || back.starts_with("artifact:"),
        "{back}"
    );
    act(&mut app, &mut exec, Action::Jump);
    assert!(app.shared.run.is_some());
    assert_ne!(app.shared.focus, PaneId::Lineage);
}

#[test]
fn a_project_row_shows_its_trends_and_flags_are_computed_once_per_generation() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, "g g", 160, 48);
    assert_eq!(app.shared.view_main(), PaneId::Project);
    assert_eq!(app.panes.project.load, Load::Ready);
    assert!(
        app.panes
            .project
            .trends
            .iter()
            .any(|t| t.key == "train-loss")
    );
    let runs = app.shared.catalog.all_runs().count();
    assert_eq!(app.panes.tree.flags.len(), runs, "every run is flagged");
    let failed = run("run:mnist-classifier.wide-resnet");
    assert_eq!(
        app.panes.tree.flags[&failed].worst,
        Some(contexta::analysis::diagnostics::FindingSeverity::Error)
    );
    // Nothing changed: a refresh recomputes no flags.
    let fx = app.update(Msg::Changed);
    assert!(
        !fx.iter()
            .any(|e| matches!(e, Effect::Query(r) if matches!(r.query, Query::Tree(tree::Query::Flags { .. })))),
    );
    settle(&mut app, &mut exec, fx);
    assert_eq!(app.requests.in_flight(), 0);
}

#[test]
fn the_tree_filter_matches_runs_by_their_artifacts() {
    let (_d, root) = demo();
    let (app, _) = start(&root, "/ final.pt <Enter>", 160, 48);
    let runs: Vec<String> = app
        .panes
        .tree
        .rows(&app.shared.catalog)
        .iter()
        .filter(|r| r.kind == contexta::tui::panes::tree::RowKind::Run)
        .map(|r| r.node.to_string())
        .collect();
    assert!(
        runs.contains(&"run:rag-qa.retriever-v3".to_string()),
        "{runs:?}"
    );
}

#[test]
fn compare_completes_each_run_argument() {
    use contexta::tui::app::cmdline::completions;
    let runs = vec![
        "run:mnist-classifier.baseline".to_string(),
        "run:mnist-classifier.lr-3e-4".to_string(),
    ];
    assert_eq!(
        completions("compare mnist-classifier.baseline lr", &runs),
        vec!["compare mnist-classifier.baseline mnist-classifier.lr-3e-4".to_string()]
    );
    assert_eq!(completions("comp", &runs), vec!["compare ".to_string()]);
}

#[test]
fn a_live_run_recomputes_only_its_own_flags() {
    use contexta::capture::Session;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let session = Session::open(&root).unwrap();
    let done = session.start_run("p", "done").unwrap();
    done.metric("loss", 1.0, Some(1)).unwrap();
    done.finish(Status::Completed).unwrap();
    let live = session.start_run("p", "live").unwrap();
    live.metric("loss", 0.5, Some(1)).unwrap();
    session.flush().unwrap();
    let (mut app, mut exec) = start(&root, "", 160, 48);
    assert_eq!(app.panes.tree.flags.len(), 2);
    live.metric("loss", 0.4, Some(2)).unwrap();
    session.flush().unwrap();
    // Run the tree reload by hand and look at the flags it asks for.
    let mut asked = Vec::new();
    for e in app.update(Msg::Changed) {
        let is_tree =
            matches!(&e, Effect::Query(r) if r.query == Query::Tree(tree::Query::Catalog));
        let Some(msg) = exec.run(e) else { continue };
        if !is_tree {
            continue;
        }
        for e in app.update(msg) {
            if let Effect::Query(r) = &e
                && let Query::Tree(tree::Query::Flags { runs, .. }) = &r.query
            {
                asked.extend(runs.iter().map(|(r, _)| r.clone()));
            }
        }
    }
    assert_eq!(asked, vec![live.run_ref().clone()]);
}

#[test]
fn lineage_shows_cycles_and_dangling_refs_and_will_not_jump_to_a_missing_one() {
    let (_d, root) = demo();
    {
        let ws = Workspace::open(&root, Access::Write).unwrap();
        let a = run("artifact:mnist-classifier.baseline.checkpoint");
        let ghost = run("artifact:mnist-classifier.baseline.ghost");
        let base = run("run:mnist-classifier.baseline");
        let rel = |n: &str, s: &Ref, t: &Ref| Relation {
            relation_ref: Ref::parse(&format!("relation:test.{n}")).unwrap(),
            relation_type: RelationType::DerivedFrom,
            source_ref: s.clone(),
            target_ref: t.clone(),
            recorded_at: Timestamp::parse("2026-11-21T00:00:00Z").unwrap(),
            origin_marker: OriginMarker::Explicit,
            confidence_marker: Confidence::High,
            operation_context_ref: None,
            evidence_refs: vec![],
            schema_version: "1.0.0".into(),
            extensions: vec![],
        };
        ws.write(&[
            contexta::store::WriteOp::Relation(rel("loop", &a, &base)),
            contexta::store::WriteOp::Relation(rel("ghost", &a, &ghost)),
        ])
        .unwrap();
    }
    let (mut app, mut exec) = start(
        &root,
        ":lineage <Space> artifact:mnist-classifier.baseline.checkpoint <Enter>",
        160,
        48,
    );
    let g = app.panes.lineage.graph.as_ref().unwrap();
    assert!(!g.cycles.is_empty());
    assert_eq!(g.dangling, vec!["artifact:mnist-classifier.baseline.ghost"]);
    let text = frame_text(&app, &Theme::defaults(true)).unwrap();
    assert!(
        text.contains("↻ cycle") && text.contains("dangling (1)"),
        "{text}"
    );
    // Select the ghost on the downstream side; `o` says it does not exist.
    act(&mut app, &mut exec, Action::Column(true));
    while app.panes.lineage.selected_ref().as_deref()
        != Some("artifact:mnist-classifier.baseline.ghost")
    {
        let before = app.panes.lineage.selected;
        act(&mut app, &mut exec, Action::parse("select next").unwrap());
        assert_ne!(
            before, app.panes.lineage.selected,
            "the ghost is a neighbour"
        );
    }
    act(&mut app, &mut exec, Action::Jump);
    assert_eq!(app.shared.focus, PaneId::Lineage);
    assert!(app.flash.as_ref().unwrap().text.contains("does not exist"));
}

/// A jump from a finding shows one run everywhere: the record's run in the records, and the
/// overview and metrics too. They used to stay on the run shown before when an investigation
/// pane had hidden them while the run changed.
#[test]
fn a_jump_from_a_finding_shows_the_same_run_in_every_pane() {
    let (_d, root) = demo();
    let (app, _) = start(
        &root,
        "6 1 :run <Space> dropout-0-3 <Enter> 6 <Enter>",
        160,
        48,
    );
    let run = app.shared.run.clone().unwrap();
    assert!(run.as_str().ends_with("dropout-0-3"), "{run}");
    assert_eq!(app.shared.focus, PaneId::Stream);
    for (pane, shows) in [
        ("records", app.panes.stream.run.as_ref()),
        ("overview", app.panes.overview.run.as_ref()),
        ("metrics", app.panes.metrics.run.as_ref()),
    ] {
        assert_eq!(shows, Some(&run), "the {pane} pane shows another run");
    }
    let text = frame_text(&app, &Theme::defaults(false)).unwrap();
    assert!(
        text.contains("Overview mnist-classifier.dropout-0-3"),
        "{text}"
    );
}
