//! The overview's artifact verification: the worker hashes a run's artifacts when its detail
//! arrives, the overview shows `ok`, `missing` or `changed` per artifact, the answers are cached
//! per run (a live update does not hash again) and `:refresh` checks again.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

use contexta::model::*;
use contexta::recovery::verify::{ArtifactState, object_path};
use contexta::store::{Access, Workspace};
use contexta::tui::action::Action;
use contexta::tui::app::{AppState, Msg};
use contexta::tui::effect::{Effect, Query};
use contexta::tui::headless::{HeadlessOptions, drive, frame_text, settle};
use contexta::tui::panes::overview;
use contexta::tui::theme::Theme;
use contexta::tui::worker::Executor;
use std::path::{Path, PathBuf};

fn demo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join(".contexta");
    let ws = Workspace::open(&root, Access::Write).unwrap();
    contexta::demo::generate(&ws, Timestamp::parse("2026-11-20T09:00:00Z").unwrap(), 42).unwrap();
    (dir, root)
}

fn start(root: &Path) -> (AppState, Executor) {
    drive(
        root,
        &HeadlessOptions {
            width: 160,
            height: 48,
            keys: "",
            now: Timestamp::parse("2026-11-23T12:00:00Z").unwrap(),
            label: Some("test".into()),
        },
    )
    .unwrap()
}

fn asks_verify(fx: &[Effect]) -> bool {
    fx.iter()
        .any(|e| matches!(e, Effect::Query(r) if matches!(r.query, Query::Overview(overview::Query::Verify { .. }))))
}

#[test]
fn artifacts_show_ok_then_missing_and_changed_after_refresh() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root);
    let detail = app.panes.overview.detail.clone().unwrap();
    assert!(!detail.artifacts.is_empty(), "the demo run has artifacts");
    for a in &detail.artifacts {
        assert_eq!(
            app.panes.overview.artifact_verdict(&a.artifact_ref),
            Some(&Ok(ArtifactState::Ok)),
            "{}",
            a.artifact_ref
        );
    }
    let theme = Theme::defaults(false);
    assert!(frame_text(&app, &theme).unwrap().contains("checkpoint ok"));

    // A live update re-reads the detail but does not hash again.
    let fx = app.update(Msg::Changed);
    let mut more = Vec::new();
    for e in fx {
        if let Some(m) = exec.run(e) {
            more.extend(app.update(m));
        }
    }
    assert!(!asks_verify(&more), "cached: {more:?}");

    // Damage the body on disk: `:refresh` checks again.
    let a = &detail.artifacts[0];
    let (_, path) = object_path(&root, a).unwrap();
    std::fs::remove_file(&path).unwrap();
    let fx = app.update(Msg::Action(Action::Refresh));
    settle(&mut app, &mut exec, fx);
    assert_eq!(
        app.panes.overview.artifact_verdict(&a.artifact_ref),
        Some(&Ok(ArtifactState::Missing))
    );
    assert!(frame_text(&app, &theme).unwrap().contains("missing"));

    std::fs::write(&path, b"not the checkpoint").unwrap();
    let fx = app.update(Msg::Action(Action::Refresh));
    settle(&mut app, &mut exec, fx);
    assert_eq!(
        app.panes.overview.artifact_verdict(&a.artifact_ref),
        Some(&Ok(ArtifactState::Changed))
    );
    assert!(frame_text(&app, &theme).unwrap().contains("changed"));
}

#[test]
fn before_the_worker_answers_the_state_reads_checking() {
    let (_d, root) = demo();
    let (mut app, _) = start(&root);
    app.panes.overview.verified.clear();
    let theme = Theme::defaults(false);
    assert!(
        frame_text(&app, &theme)
            .unwrap()
            .contains("checkpoint checking")
    );
}
