//! A workspace found by walking up from the current directory must be the user's own and not
//! writable by others; otherwise commands refuse it with a message (and writers do not start a
//! new one beside it). Named explicitly (`--workspace`, `CONTEXTA_WORKSPACE`), it is used.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The binary run from `cwd` with no workspace named: it must discover one.
fn discover(cwd: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .env_remove("CONTEXTA_WORKSPACE")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A workspace with one run, and a folder below it to work from.
fn workspace_with_subdir() -> (Ws, std::path::PathBuf) {
    let ws = Ws::new();
    ws.ok(&["run", "start", "trust", "first"]);
    let sub = ws.dir.path().join("project/src");
    std::fs::create_dir_all(&sub).unwrap();
    (ws, sub)
}

fn run_names(ws: &Ws) -> Vec<String> {
    ws.json(&["runs"])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

fn assert_refused(out: &Output, why: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("refusing the workspace"), "{err}");
    assert!(err.contains(why), "{err}");
    assert!(
        err.contains("--workspace"),
        "says how to use it anyway: {err}"
    );
}

#[test]
fn a_discovered_own_workspace_is_used() {
    let (_ws, sub) = workspace_with_subdir();
    let out = discover(&sub, &["runs"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("first"));
}

#[test]
fn a_discovered_world_writable_workspace_is_refused_by_readers_and_writers() {
    let (ws, sub) = workspace_with_subdir();
    std::fs::set_permissions(ws.root(), std::fs::Permissions::from_mode(0o777)).unwrap();

    assert_refused(&discover(&sub, &["runs"]), "writable by every user");
    // A writer neither writes into it nor starts a new workspace beside it.
    let out = discover(
        &sub,
        &[
            "run",
            "start",
            "trust",
            "secret-params",
            "--param",
            "token=s3cret",
        ],
    );
    assert_refused(&out, "writable by every user");
    assert!(!sub.join(".contexta").exists());
    assert_eq!(run_names(&ws), ["first"]);
    // Nor does `init` in its folder adopt it.
    assert_refused(
        &discover(ws.dir.path(), &["init"]),
        "writable by every user",
    );

    // Named explicitly, it is the user's choice.
    let named = Command::new(bin())
        .args(["runs"])
        .current_dir(&sub)
        .env("CONTEXTA_WORKSPACE", ws.root())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        named.status.success(),
        "{}",
        String::from_utf8_lossy(&named.stderr)
    );
    assert!(String::from_utf8_lossy(&named.stdout).contains("first"));
    assert_eq!(run_names(&ws), ["first"], "--workspace works too");
}

#[test]
fn a_discovered_workspace_with_a_world_writable_database_is_refused() {
    let (ws, sub) = workspace_with_subdir();
    let db = ws.root().join("contexta.redb");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o666)).unwrap();
    assert_refused(
        &discover(&sub, &["runs"]),
        "contexta.redb is writable by every user",
    );
}

#[test]
fn a_discovered_workspace_of_another_user_is_refused_when_running_as_root() {
    if !rustix::process::geteuid().is_root() {
        // Only root can give a folder to another user; the world-writable tests above cover
        // the rule for everyone else.
        return;
    }
    let (ws, sub) = workspace_with_subdir();
    let other = Some(4242);
    std::os::unix::fs::chown(ws.root(), other, None).unwrap();
    assert_refused(&discover(&sub, &["runs"]), "owned by uid 4242");
    let out = discover(&sub, &["run", "start", "trust", "as-root"]);
    assert_refused(&out, "owned by uid 4242");
    assert_eq!(run_names(&ws), ["first"]);

    // Group-writable by a group that is not the user's own: its members could write.
    std::os::unix::fs::chown(ws.root(), Some(0), Some(4242)).unwrap();
    std::fs::set_permissions(ws.root(), std::fs::Permissions::from_mode(0o775)).unwrap();
    assert_refused(&discover(&sub, &["runs"]), "writable by group 4242");
    // Group-writable by the user's own group (umask 002) is the usual setup, and fine.
    let my_group = rustix::process::getegid().as_raw();
    std::os::unix::fs::chown(ws.root(), None, Some(my_group)).unwrap();
    let out = discover(&sub, &["runs"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
