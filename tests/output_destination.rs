//! `--output` through the real binary, for every command that takes it: a FIFO or device is
//! written through (never replaced by a regular file), a symlink is refused unless
//! `--follow-symlink`, `-` is standard output, a closed pipe ends quietly with status 0, and a
//! file size limit (`ulimit -f`) is reported as "file too large" with the workspace intact.
//! Pipes and links are made inside temp dirs: no test points anything at /dev.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use common::*;
use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const ARTIFACT: &str = "artifact:mnist-classifier.dataset-v3.mnist-v3";

/// Every command that takes `--output`, as arguments before the output path; `backup`
/// refuses an existing file, so it is kept apart where that matters.
fn commands() -> Vec<Vec<&'static str>> {
    vec![
        vec!["export", "jsonl"],
        vec!["export", "csv", "runs"],
        vec!["export", "csv", "compare", "baseline", "cosine-warmup"],
        vec!["export", "csv", "trend", "train-loss"],
        vec!["report", "snapshot", "baseline"],
        vec![
            "report",
            "compare",
            "baseline",
            "cosine-warmup",
            "--render",
            "csv",
        ],
        vec!["artifact", "get", ARTIFACT, "--force"],
        vec!["backup", "create"],
    ]
}

fn demo() -> Ws {
    let ws = Ws::new();
    ws.ok(&["demo"]);
    ws
}

fn mkfifo(path: &Path) {
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        path,
        rustix::fs::Mode::from_raw_mode(0o600),
    )
    .unwrap();
}

/// Reads everything written into the FIFO at `path`, on a thread; `bytes` waits for it with a
/// deadline (a FIFO replaced by a file never gets a writer, and the test must fail, not hang).
struct FifoReader(std::sync::mpsc::Receiver<Vec<u8>>);

impl FifoReader {
    fn start(path: &Path) -> FifoReader {
        let (tx, rx) = std::sync::mpsc::channel();
        let path = path.to_path_buf();
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            std::fs::File::open(&path)
                .unwrap()
                .read_to_end(&mut bytes)
                .unwrap();
            let _ = tx.send(bytes);
        });
        FifoReader(rx)
    }
    fn bytes(self) -> Vec<u8> {
        self.0
            .recv_timeout(Duration::from_secs(30))
            .expect("nothing was written into the FIFO")
    }
}

/// Waits for `child` to exit, killing it after `secs` (a test must fail, not hang).
fn wait_deadline(mut child: Child, secs: u64) -> (ExitStatus, String, String) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut out = String::new();
            let mut err = String::new();
            if let Some(mut o) = child.stdout.take() {
                o.read_to_string(&mut out).unwrap();
            }
            if let Some(mut e) = child.stderr.take() {
                e.read_to_string(&mut err).unwrap();
            }
            return (status, out, err);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the command did not finish within {secs}s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn with_output(ws: &Ws, cmd: &[&str], output: &Path, extra: &[&str]) -> Command {
    let mut args: Vec<&str> = cmd.to_vec();
    args.push("--output");
    args.push(output.to_str().unwrap());
    args.extend_from_slice(extra);
    let mut c = ws.cmd(&args);
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

#[test]
fn a_fifo_named_by_output_is_written_through_and_stays_a_fifo() {
    let ws = demo();
    for (i, cmd) in commands().into_iter().enumerate() {
        let fifo = ws.dir.path().join(format!("pipe-{i}"));
        mkfifo(&fifo);
        let reader = FifoReader::start(&fifo);
        let child = with_output(&ws, &cmd, &fifo, &[]).spawn().unwrap();
        let (status, _, err) = wait_deadline(child, 60);
        assert!(status.success(), "{cmd:?}: {err}");
        let ft = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(ft.is_fifo(), "{cmd:?} replaced the FIFO with {ft:?}");
        let got = reader.bytes();
        assert!(!got.is_empty(), "{cmd:?} sent nothing into the pipe");
        // Nothing was left beside it either.
        let left = partials(ws.dir.path());
        assert!(left.is_empty(), "{cmd:?} (pipe {i}) left {left:?}");
    }
}

#[test]
fn a_symlink_named_by_output_is_refused_unless_follow_symlink() {
    let ws = demo();
    for (i, cmd) in commands().into_iter().enumerate() {
        let dir = ws.dir.path().join(format!("links-{i}"));
        std::fs::create_dir(&dir).unwrap();
        let target = dir.join("target.txt");
        std::fs::write(&target, "precious").unwrap();
        let link = dir.join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let out = with_output(&ws, &cmd, &link, &[]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{cmd:?}: {err}");
        assert!(err.contains("symbolic link"), "{cmd:?}: {err}");
        assert!(err.contains("--follow-symlink"), "{cmd:?}: {err}");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
        if cmd[0] == "backup" {
            // A backup never replaces an existing file, link followed or not.
            continue;
        }
        let out = with_output(&ws, &cmd, &link, &["--follow-symlink"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{cmd:?} --follow-symlink: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink(),
            "{cmd:?} replaced the link itself"
        );
        assert_ne!(std::fs::read_to_string(&target).unwrap(), "precious");
    }
}

#[test]
fn a_regular_file_is_replaced_whole_and_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let ws = demo();
    for cmd in commands() {
        if cmd[0] == "backup" {
            continue;
        }
        let path = ws.dir.path().join("out.file");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let out = with_output(&ws, &cmd, &path, &[]).output().unwrap();
        assert!(
            out.status.success(),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_ne!(std::fs::read(&path).unwrap(), b"old");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640, "{cmd:?}");
        assert!(partials(ws.dir.path()).is_empty(), "{cmd:?}");
    }
}

#[test]
fn output_dash_is_standard_output_for_every_command() {
    let ws = demo();
    for cmd in commands() {
        let out = with_output(&ws, &cmd, Path::new("-"), &[])
            .current_dir(ws.dir.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{cmd:?}: {err}");
        assert!(
            !ws.dir.path().join("-").exists(),
            "{cmd:?} wrote a file named `-`"
        );
        let stdout = &out.stdout;
        match cmd[..2] {
            ["export", "jsonl"] => {
                let first = stdout.split(|b| *b == b'\n').next().unwrap();
                let v: serde_json::Value = serde_json::from_slice(first).unwrap();
                assert!(v["entity"].is_string(), "{v}");
            }
            ["export", "csv"] => assert!(stdout.contains(&b','), "{cmd:?}"),
            ["report", _] => assert!(!stdout.is_empty(), "{cmd:?}"),
            ["artifact", _] => {
                assert_eq!(stdout.len(), 3718, "the artifact's bytes, and nothing else");
                assert!(err.contains("SHA-256 verified"), "summary on stderr: {err}");
            }
            ["backup", _] => {
                let mut archive = tar::Archive::new(stdout.as_slice());
                let names: Vec<String> = archive
                    .entries()
                    .unwrap()
                    .map(|e| e.unwrap().path().unwrap().display().to_string())
                    .collect();
                assert!(names.iter().any(|n| n == "MANIFEST.json"), "{names:?}");
                let scratch: Vec<_> = std::fs::read_dir(ws.root().join("backups"))
                    .unwrap()
                    .collect();
                assert!(scratch.is_empty(), "backup left {scratch:?}");
            }
            _ => unreachable!(),
        }
    }
}

/// Runs `args` with stdout a pipe whose reader is already gone: every write fails with EPIPE.
fn with_closed_stdout(ws: &Ws, args: &[&str]) -> (ExitStatus, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut c = ws.cmd(args);
    c.stdout(Stdio::from(writer)).stderr(Stdio::piped());
    let child = c.spawn().unwrap();
    let (status, _, err) = wait_deadline(child, 60);
    (status, err)
}

#[test]
fn a_closed_pipe_ends_every_command_quietly_with_status_0() {
    let ws = demo();
    let mut all: Vec<Vec<&str>> = vec![
        vec!["runs"],
        vec!["--format", "json", "runs"],
        vec!["records", "baseline"],
        vec!["--format", "json", "records", "baseline"],
        vec!["run", "show", "baseline"],
        vec!["compare", "baseline", "cosine-warmup"],
        vec!["compare-multi", "baseline", "cosine-warmup"],
        vec!["trend", "train-loss"],
        vec!["artifact", "ls"],
        vec!["export", "jsonl"],
        vec!["export", "csv", "runs"],
    ];
    for cmd in commands() {
        let mut c = cmd.clone();
        c.extend(["--output", "-"]);
        all.push(c);
    }
    for args in all {
        let (status, err) = with_closed_stdout(&ws, &args);
        assert_eq!(status.code(), Some(0), "{args:?}: {status:?} {err}");
        assert!(err.is_empty(), "{args:?} said: {err}");
    }
}

/// Runs the binary under `ulimit -f BLOCKS` (1 KiB blocks), the way a user's shell would.
fn under_file_limit(
    ws: &Ws,
    blocks: u32,
    args: &[&str],
    stdout: Option<&Path>,
) -> (ExitStatus, String) {
    let mut c = Command::new("bash");
    c.arg("-c")
        .arg(format!("ulimit -f {blocks}; exec \"$0\" \"$@\""))
        .arg(bin())
        .arg("--workspace")
        .arg(ws.root())
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    match stdout {
        Some(p) => c.stdout(std::fs::File::create(p).unwrap()),
        None => c.stdout(Stdio::piped()),
    };
    let child = c.spawn().unwrap();
    let (status, _, err) = wait_deadline(child, 120);
    (status, err)
}

fn assert_file_too_large(status: ExitStatus, err: &str, names: &str) {
    assert_eq!(
        status.signal(),
        None,
        "killed by a signal instead of reporting: {err}"
    );
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("file too large"), "{err}");
    assert!(err.contains(names), "the message names {names}: {err}");
}

#[test]
fn a_file_size_limit_is_reported_and_the_old_output_kept() {
    let ws = demo();
    let out = ws.dir.path().join("export.jsonl");
    std::fs::write(&out, "old").unwrap();
    // The export is about 2 MB; the limit is 64 KiB.
    let (status, err) = under_file_limit(
        &ws,
        64,
        &["export", "jsonl", "--output", out.to_str().unwrap()],
        None,
    );
    assert_file_too_large(status, &err, "export.jsonl");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
    assert!(partials(ws.dir.path()).is_empty());

    // Standard output redirected to a file meets the same limit.
    let redirect = ws.dir.path().join("redirect.jsonl");
    let (status, err) = under_file_limit(&ws, 64, &["export", "jsonl"], Some(&redirect));
    assert_file_too_large(status, &err, "standard output");
    let (status, err) = under_file_limit(&ws, 8, &["records", "baseline"], Some(&redirect));
    assert_file_too_large(status, &err, "standard output");
}

#[test]
fn a_file_size_limit_stops_ingest_with_a_message_and_the_workspace_intact() {
    let ws = Ws::new();
    ws.ok(&["init"]);
    let db = ws.root().join("contexta.redb");
    let size_kib = std::fs::metadata(&db).unwrap().len() / 1024;
    let mut text = String::new();
    for n in 0..40_000 {
        text.push_str(&metric_line("limits.big", n, "loss", n as f64));
        text.push('\n');
    }
    let input = ws.dir.path().join("big.jsonl");
    std::fs::write(&input, text).unwrap();
    let (status, err) = under_file_limit(
        &ws,
        size_kib as u32 + 256,
        &["ingest", input.to_str().unwrap()],
        None,
    );
    assert_file_too_large(status, &err, &db.display().to_string());
    // Intact: doctor finds nothing, and what was committed reads back.
    let doctor = ws.run(&["doctor"]);
    assert_eq!(
        doctor.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&doctor.stdout)
    );
    let stored = ws.total_records();
    assert!(stored < 40_000, "the limit stopped the ingest ({stored})");
    // And a writer without the limit carries on.
    let more = ws.ingest_text(&metric_line("limits.after", 0, "loss", 1.0), &[]);
    assert!(
        more.status.success(),
        "{}",
        String::from_utf8_lossy(&more.stderr)
    );
}

#[test]
fn artifact_get_refuses_an_existing_file_without_force_but_streams_into_a_fifo() {
    let ws = demo();
    let file = ws.dir.path().join("taken");
    std::fs::write(&file, "mine").unwrap();
    let out = ws.run(&[
        "artifact",
        "get",
        ARTIFACT,
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    // A FIFO holds nothing that could be replaced: no --force needed.
    let fifo: PathBuf = ws.dir.path().join("pipe");
    mkfifo(&fifo);
    let reader = FifoReader::start(&fifo);
    let child = with_output(&ws, &["artifact", "get", ARTIFACT], &fifo, &[])
        .spawn()
        .unwrap();
    let (status, _, err) = wait_deadline(child, 60);
    assert!(status.success(), "{err}");
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert_eq!(reader.bytes().len(), 3718);
}

/// Partial files (`.NAME.PID.partial`) left in `dir`.
fn partials(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect()
}
