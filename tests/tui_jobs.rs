//! Background jobs in the explorer: `:report`, `:export` and `:backup` become job effects with
//! the right target, progress reaches the status line, the end flashes the path, a second job
//! while one runs is refused; and run inline, the jobs really write their files.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

use contexta::model::*;
use contexta::report::Render;
use contexta::store::{Access, Workspace};
use contexta::tui::action::Action;
use contexta::tui::app::{AppState, FlashLevel, Msg};
use contexta::tui::effect::{Effect, JobEvent, JobKind, ReportTarget};
use contexta::tui::headless::{HeadlessOptions, drive, frame_text, settle};
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

fn start(root: &Path, keys: &str) -> (AppState, Executor) {
    drive(
        root,
        &HeadlessOptions {
            width: 160,
            height: 48,
            keys,
            now: Timestamp::parse("2026-11-23T12:00:00Z").unwrap(),
            label: Some("test".into()),
        },
    )
    .unwrap()
}

fn job_of(fx: &[Effect]) -> (u64, JobKind) {
    match fx {
        [Effect::Job(j)] => (j.id, j.kind.clone()),
        other => panic!("expected one job effect, got {other:?}"),
    }
}

fn report() -> Msg {
    Msg::Action(Action::Report {
        render: Render::Markdown,
        path: None,
    })
}

#[test]
fn report_targets_the_selected_run_or_the_marked_pair() {
    let (_d, root) = demo();
    let (mut app, _) = start(&root, "");
    let run = app.shared.run.clone().unwrap();
    let (_, kind) = job_of(&app.update(report()));
    assert_eq!(
        kind,
        JobKind::Report {
            target: ReportTarget::Snapshot(run.clone()),
            render: Render::Markdown,
            path: None
        }
    );

    let (mut app, _) = start(
        &root,
        ":run <Space> baseline <Enter> <Space> :run <Space> lr-3e-4 <Enter> <Space>",
    );
    let marked: Vec<Ref> = app.shared.marks.iter().cloned().collect();
    assert_eq!(marked.len(), 2);
    let (_, kind) =
        job_of(&app.update(Msg::Action(Action::parse("report html out.html").unwrap())));
    assert_eq!(
        kind,
        JobKind::Report {
            target: ReportTarget::Compare(marked[0].clone(), marked[1].clone()),
            render: Render::Html,
            path: Some("out.html".into())
        }
    );
}

#[test]
fn progress_shows_in_the_status_line_and_the_end_flashes_the_path() {
    let (_d, root) = demo();
    let (mut app, _) = start(&root, "");
    let (id, _) = job_of(&app.update(Msg::Action(Action::Backup(None))));
    let theme = Theme::defaults(false);
    assert!(
        frame_text(&app, &theme)
            .unwrap()
            .contains("backup: working…")
    );

    app.update(Msg::Job(JobEvent::Progress {
        id,
        phase: "objects".into(),
        done: 42,
        total: 100,
    }));
    assert!(
        frame_text(&app, &theme)
            .unwrap()
            .contains("backup: objects 42%")
    );

    // A second job while one runs is refused, and asks for nothing.
    let fx = app.update(report());
    assert!(fx.is_empty());
    let flash = app.flash.clone().unwrap();
    assert_eq!(flash.level, FlashLevel::Warn);
    assert!(flash.text.contains("busy"), "{}", flash.text);

    app.update(Msg::Job(JobEvent::Done {
        id,
        result: Ok(PathBuf::from("/tmp/ws/backups/b\x1b[31m.tar")),
    }));
    assert!(app.job.is_none());
    let flash = app.flash.clone().unwrap();
    assert_eq!(flash.level, FlashLevel::Info);
    assert!(flash.text.contains("backup written: /tmp/ws/backups/b"));
    assert!(!flash.text.contains('\x1b'), "sanitized: {:?}", flash.text);

    // Free again: the next job starts; a failure flashes the error.
    let (id, _) = job_of(&app.update(report()));
    app.update(Msg::Job(JobEvent::Done {
        id,
        result: Err("disk full".into()),
    }));
    let flash = app.flash.clone().unwrap();
    assert_eq!(flash.level, FlashLevel::Error);
    assert!(flash.text.contains("report failed: disk full"));
}

#[test]
fn run_inline_the_jobs_write_a_report_an_export_and_a_backup() {
    let (_d, root) = demo();
    let (mut app, mut exec) = start(&root, "");
    for (cmd, dir, ext) in [
        ("report markdown", "reports", ".md"),
        ("export", "reports", ".jsonl"),
        ("backup", "backups", ".tar"),
    ] {
        let fx = app.update(Msg::Action(Action::parse(cmd).unwrap()));
        settle(&mut app, &mut exec, fx);
        assert!(app.job.is_none(), "{cmd}: the job ended");
        let flash = app.flash.clone().unwrap();
        assert_eq!(flash.level, FlashLevel::Info, "{cmd}: {}", flash.text);
        let path = flash.text.split_once(": ").unwrap().1.to_string();
        let path = Path::new(&path);
        assert!(
            path.starts_with(root.join(dir)),
            "{cmd}: {}",
            path.display()
        );
        assert!(path.to_string_lossy().ends_with(ext), "{}", path.display());
        let meta = std::fs::metadata(path).unwrap();
        assert!(meta.len() > 0, "{cmd}: empty file");
    }
    let reports: Vec<_> = std::fs::read_dir(root.join("reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(
        reports.iter().all(|n| !n.ends_with(".partial")),
        "{reports:?}"
    );
    let md = reports.iter().find(|n| n.ends_with(".md")).unwrap();
    let text = std::fs::read_to_string(root.join("reports").join(md)).unwrap();
    assert!(text.starts_with('#'), "{}", &text[..text.len().min(80)]);
}

#[test]
fn a_report_into_an_unwritable_path_flashes_the_error() {
    let (d, root) = demo();
    let (mut app, mut exec) = start(&root, "");
    let blocker = d.path().join("file");
    std::fs::write(&blocker, "x").unwrap();
    let path = blocker.join("r.md").display().to_string();
    let fx = app.update(Msg::Action(Action::Report {
        render: Render::Markdown,
        path: Some(path),
    }));
    settle(&mut app, &mut exec, fx);
    let flash = app.flash.clone().unwrap();
    assert_eq!(flash.level, FlashLevel::Error, "{}", flash.text);
    assert!(flash.text.starts_with("report failed"));
}

#[test]
fn the_command_line_completes_job_commands_and_render_kinds() {
    use contexta::tui::app::cmdline::completions;
    assert_eq!(completions("rep", &[]), vec!["report ".to_string()]);
    assert_eq!(
        completions("report m", &[]),
        vec!["report markdown".to_string()]
    );
    assert_eq!(completions("backu", &[]), vec!["backup ".to_string()]);
}

#[test]
fn r_asks_for_an_html_report_of_the_run() {
    let (_d, root) = demo();
    let (mut app, _) = start(&root, "");
    let run = app.shared.run.clone().unwrap();
    let fx = app.update(Msg::Key(contexta::tui::key::Key::char('R')));
    let (_, kind) = job_of(&fx);
    assert_eq!(
        kind,
        JobKind::Report {
            target: ReportTarget::Snapshot(run),
            render: Render::Html,
            path: None
        }
    );
}

#[test]
fn the_job_thread_sends_progress_then_the_path() {
    let (_d, root) = demo();
    let (tx, rx) = std::sync::mpsc::channel();
    let jobs = contexta::tui::jobs::spawn(&root, tx).unwrap();
    jobs.send(contexta::tui::effect::Job {
        id: 7,
        kind: JobKind::Backup { path: None },
    })
    .unwrap();
    let mut progress = 0;
    let path = loop {
        match rx.recv_timeout(std::time::Duration::from_secs(60)).unwrap() {
            Msg::Job(JobEvent::Progress { id: 7, .. }) => progress += 1,
            Msg::Job(JobEvent::Done { id: 7, result }) => break result.unwrap(),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(progress > 0, "the backup reports progress");
    assert!(path.starts_with(root.join("backups")), "{}", path.display());
    assert!(std::fs::metadata(&path).unwrap().len() > 0);
}

#[test]
fn quitting_while_a_job_runs_asks_twice() {
    let (_d, root) = demo();
    let (mut app, _) = start(&root, "");
    job_of(&app.update(Msg::Action(Action::Backup(None))));
    assert!(app.update(Msg::Action(Action::Quit)).is_empty());
    assert!(!app.quit);
    assert!(app.flash.clone().unwrap().text.contains("quit again"));
    assert_eq!(app.update(Msg::Action(Action::Quit)), vec![Effect::Quit]);
    assert!(app.quit);

    // After the job ends, one quit is enough again.
    let (mut app, _) = start(&root, "");
    let (id2, _) = job_of(&app.update(Msg::Action(Action::Backup(None))));
    assert!(app.update(Msg::Action(Action::Quit)).is_empty());
    app.update(Msg::Job(JobEvent::Done {
        id: id2,
        result: Ok(PathBuf::from("b.tar")),
    }));
    assert_eq!(app.update(Msg::Action(Action::Quit)), vec![Effect::Quit]);
}

/// The path a job wrote fits the status line whole when it can, and keeps its file name when
/// it cannot (at 80 columns the message used to be cut to "│ repor").
#[test]
fn a_written_path_fits_the_status_line_at_any_width() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir
        .path()
        .join("a-rather-long-directory-name-for-the-workspace/.contexta");
    let ws = Workspace::open(&root, Access::Write).unwrap();
    contexta::demo::generate(&ws, Timestamp::parse("2026-11-20T09:00:00Z").unwrap(), 42).unwrap();
    drop(ws);
    for (w, h) in [(80, 24), (120, 36), (160, 48), (400, 48)] {
        let (app, _) = drive(
            &root,
            &HeadlessOptions {
                width: w,
                height: h,
                keys: "R",
                now: Timestamp::parse("2026-11-23T12:00:00Z").unwrap(),
                label: None,
            },
        )
        .unwrap();
        let text = frame_text(&app, &Theme::defaults(false)).unwrap();
        let status = text.lines().last().unwrap();
        let flash = &app.flash.as_ref().unwrap().text;
        let file = flash.rsplit('/').next().unwrap();
        assert!(file.ends_with(".html"), "{flash}");
        assert!(status.contains("report written: "), "{w}x{h}: {status}");
        assert!(status.trim_end().ends_with(file), "{w}x{h}: {status}");
        assert!(status.chars().count() <= w as usize);
        if w >= 400 {
            assert!(
                status.contains(flash.as_str()),
                "the whole path when it fits: {status}"
            );
        }
    }
}
