//! `restore` against what an adversary or an accident can put in its way, through the real
//! binary: archives re-signed with a recomputed manifest, links planted where a restore writes,
//! a writer still holding the workspace open, and a restore killed between its two renames.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
#[path = "common/dump.rs"]
mod dump;

use common::bin;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn run(args: &[&str]) -> Output {
    run_env(args, &[])
}

fn run_env(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut c = Command::new(bin());
    c.args(args).env("NO_COLOR", "1").stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A demo workspace at `DIR/src/.contexta` and a plain tar backup of it.
fn demo_backup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("src/.contexta");
    dump::demo_at(&root);
    let archive = d.path().join("backup.tar");
    let o = run(&[
        "--workspace",
        s(&root),
        "-q",
        "backup",
        "create",
        "--output",
        s(&archive),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    (d, root, archive)
}

fn restore(archive: &Path, target: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "restore",
        "apply",
        s(archive),
        "--target-workspace",
        s(target),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// Rewrites `archive` as a forger would: `edit` may change bodies, add members and change the
/// manifest, and the manifest's member list is then recomputed so every size and SHA-256 in it
/// matches what the new archive holds.
fn forge(
    archive: &Path,
    out: &Path,
    edit: impl FnOnce(&mut Vec<(String, Vec<u8>)>, &mut serde_json::Value),
) {
    forge_unlisted(archive, out, "", edit)
}

/// `forge`, leaving the member named `unlisted` out of the recomputed manifest.
fn forge_unlisted(
    archive: &Path,
    out: &Path,
    unlisted: &str,
    edit: impl FnOnce(&mut Vec<(String, Vec<u8>)>, &mut serde_json::Value),
) {
    let mut members = Vec::new();
    let mut a = tar::Archive::new(std::fs::File::open(archive).unwrap());
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        members.push((name, data));
    }
    let (last, manifest) = members.pop().unwrap();
    assert_eq!(last, "MANIFEST.json");
    let mut manifest: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    edit(&mut members, &mut manifest);
    manifest["members"] = members
        .iter()
        .filter(|(name, _)| name != unlisted)
        .map(|(name, data)| {
            serde_json::json!({
                "path": name,
                "size": data.len(),
                "sha256": hex::encode(Sha256::digest(data)),
            })
        })
        .collect();
    let mut b = tar::Builder::new(std::fs::File::create(out).unwrap());
    let body = serde_json::to_vec(&manifest).unwrap();
    for (name, data) in members.iter().chain([&("MANIFEST.json".to_string(), body)]) {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, data.as_slice()).unwrap();
    }
    b.finish().unwrap();
}

/// Refused by `restore apply`, verify-only or not, with `needle` in the message; the target and
/// its parent are never created.
fn assert_refused(archive: &Path, target: &Path, needle: &str) {
    for extra in [&["--verify-only"][..], &[][..]] {
        let o = restore(archive, target, extra);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{extra:?} should fail: {err}");
        assert!(err.contains(needle), "expected `{needle}` in: {err}");
        assert!(!target.exists(), "{} was created", target.display());
    }
    assert!(!target.parent().unwrap().exists());
}

#[test]
fn an_object_whose_body_does_not_match_its_name_is_refused_even_with_a_matching_manifest() {
    let (d, _root, archive) = demo_backup();
    let forged = d.path().join("forged.tar");
    forge(&archive, &forged, |members, _| {
        let (_, body) = members
            .iter_mut()
            .find(|(n, b)| n.starts_with("artifacts/objects/") && !b.is_empty())
            .unwrap();
        body[0] ^= 0xff;
    });
    assert_refused(
        &forged,
        &d.path().join("t/ws/.contexta"),
        "SHA-256 differs from the one its name promises",
    );
}

#[test]
fn a_member_not_named_as_an_object_is_refused_even_when_the_manifest_lists_it() {
    let (d, _root, archive) = demo_backup();
    let forged = d.path().join("extra.tar");
    forge(&archive, &forged, |members, _| {
        members.push((
            "artifacts/objects/zz/evil.sh".into(),
            b"#!/bin/sh\necho evil\n".to_vec(),
        ))
    });
    assert_refused(
        &forged,
        &d.path().join("x/ws/.contexta"),
        "`artifacts/objects/zz/evil.sh` is not named as an artifact object",
    );
}

#[test]
fn an_extra_member_the_manifest_does_not_list_is_refused() {
    let (d, _root, archive) = demo_backup();
    let forged = d.path().join("unlisted.tar");
    // A well-named object, so only its absence from the manifest can refuse it.
    let body = b"an object nobody listed".to_vec();
    let sha = hex::encode(Sha256::digest(&body));
    let name = format!("artifacts/objects/{}/{sha}.bin", &sha[..2]);
    forge_unlisted(&archive, &forged, &name, |members, _| {
        members.push((name.clone(), body.clone()))
    });
    assert_refused(
        &forged,
        &d.path().join("u/ws/.contexta"),
        "is not listed in the manifest",
    );
}

#[test]
fn a_newer_schema_version_or_format_is_refused_with_a_message() {
    let (d, _root, archive) = demo_backup();
    let newer = d.path().join("newer-schema.tar");
    let future = contexta::store::SCHEMA_VERSION + 1;
    forge(&archive, &newer, |_, m| m["schema_version"] = future.into());
    assert_refused(
        &newer,
        &d.path().join("s/ws/.contexta"),
        &format!("schema version {future} is not one this build reads"),
    );
    let format = d.path().join("newer-format.tar");
    forge(&archive, &format, |_, m| {
        m["format"] = "contexta-backup/2".into()
    });
    assert_refused(
        &format,
        &d.path().join("f/ws/.contexta"),
        "format `contexta-backup/2` is not contexta-backup/1",
    );
    // The forge itself keeps a good archive good.
    let same = d.path().join("same.tar");
    forge(&archive, &same, |_, _| {});
    let o = restore(&same, &d.path().join("ok/.contexta"), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("restored into"), "{}", stdout(&o));
}

/// The names the restore staging folders had before they were made unpredictable:
/// `PREFIX<pid>-<UTC second with '-' for ':'>`, for the next `pids` process ids and the next
/// `secs` seconds.
fn predictable_names(prefix: &str, pids: u32, secs: i64) -> Vec<String> {
    let mut first = Command::new("true").spawn().unwrap();
    let pid = first.id();
    first.wait().unwrap();
    let now = contexta::model::Timestamp::now().0;
    let mut out = Vec::new();
    for p in pid..pid + pids {
        for s in -1..secs {
            let t = now - now.rem_euclid(1_000_000) + s * 1_000_000;
            let stamp = contexta::model::Timestamp(t).to_string().replace(':', "-");
            out.push(format!("{prefix}{p}-{stamp}"));
        }
    }
    out
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[cfg(unix)]
#[test]
fn restore_never_writes_through_a_link_planted_where_it_stages() {
    use std::os::unix::fs::symlink;
    let (d, _root, archive) = demo_backup();
    // Another user's folder, and links to it at every name the old code could pick: in a
    // shared TMPDIR for --verify-only, and beside a target in a shared folder.
    let victim = d.path().join("victim");
    std::fs::create_dir_all(&victim).unwrap();
    let tmp = d.path().join("shared-tmp");
    let shared = d.path().join("shared");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::create_dir_all(&shared).unwrap();
    for name in predictable_names("contexta-verify-", 400, 20) {
        symlink(&victim, tmp.join(name)).unwrap();
    }
    for name in predictable_names(".contexta.restore-", 400, 20) {
        symlink(&victim, shared.join(name)).unwrap();
    }
    let planted_tmp = entries(&tmp);
    let planted_shared = entries(&shared);
    let target = shared.join(".contexta");
    let o = run_env(
        &[
            "restore",
            "apply",
            s(&archive),
            "--verify-only",
            "--target-workspace",
            s(&target),
        ],
        &[("TMPDIR", &tmp)],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("nothing was written"));
    assert!(entries(&victim).is_empty(), "{:?}", entries(&victim));
    // The verify folder was its own, and it is gone.
    assert_eq!(entries(&tmp), planted_tmp);
    let o = restore(&archive, &target, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(entries(&victim).is_empty(), "{:?}", entries(&victim));
    let meta = std::fs::symlink_metadata(&target).unwrap();
    assert!(meta.is_dir(), "the target is a real folder, not a link");
    assert!(target.join("contexta.redb").is_file());
    let mut after = entries(&shared);
    after.retain(|n| n != ".contexta");
    assert_eq!(after, planted_shared);
}

/// Runs of a workspace by name, with their record counts.
fn run_records(root: &Path) -> std::collections::BTreeMap<String, u64> {
    let o = run(&["--workspace", s(root), "--format", "json", "runs"]);
    if !o.status.success() {
        return Default::default();
    }
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ref"].as_str().unwrap_or_default().to_string(),
                r["records"]["total"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if ready() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn restore_refuses_while_a_writer_holds_the_workspace_open_and_names_it() {
    use std::io::Write;
    let (d, root, archive) = demo_backup();
    let file = d.path().join("live.jsonl");
    let line = |n| common::metric_line("live.writer", n, "loss", 0.5);
    std::fs::write(&file, format!("{}\n", line(1))).unwrap();
    let mut writer = Command::new(bin())
        .args(["--workspace", s(&root), "--quiet", "ingest", s(&file)])
        .arg("--follow")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let live = "run:live.writer".to_string();
    wait_for("the writer's first record", || {
        run_records(&root).get(&live) == Some(&1)
    });
    let o = restore(&archive, &root, &["--force"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("process {}", writer.id())), "{err}");
    assert!(err.contains("ingest") && err.contains("--follow"), "{err}");
    assert!(err.contains("stop it first"), "{err}");
    // The writer goes on writing into the workspace in place, and nothing of it is lost.
    writeln!(
        std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap(),
        "{}",
        line(2)
    )
    .unwrap();
    wait_for("the writer's second record", || {
        run_records(&root).get(&live) == Some(&2)
    });
    assert_eq!(entries(root.parent().unwrap()), vec![".contexta"]);
    writer.kill().unwrap();
    writer.wait().unwrap();
    // With the writer gone, the same restore goes through.
    let o = restore(&archive, &root, &["--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!run_records(&root).contains_key(&live));
}

/// The state a restore killed between its two renames leaves: the workspace set aside by a
/// process `pid`, the verified restored copy beside it, and no workspace. Returns the paths of
/// the set-aside workspace and of the restored copy.
fn killed_between_renames(root: &Path, archive: &Path, pid: u32) -> (PathBuf, PathBuf) {
    let parent = root.parent().unwrap();
    let aside = parent.join(format!(".contexta.previous-{pid}-2026-01-01T00-00-00Z"));
    std::fs::rename(root, &aside).unwrap();
    let copy = parent.join("copy/.contexta");
    let o = restore(archive, &copy, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let staged = parent.join(format!(".contexta.restore-{pid}-k1ll3dXYZabc"));
    std::fs::rename(&copy, &staged).unwrap();
    std::fs::remove_dir(parent.join("copy")).unwrap();
    (aside, staged)
}

fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

/// `contexta ARGS` run in `cwd`, finding its workspace by walking up from there.
fn run_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("CONTEXTA_WORKSPACE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A workspace with a run the backup does not have, so a finished restore and a put-back one
/// can be told apart.
fn demo_backup_then_more() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (d, root, archive) = demo_backup();
    let file = d.path().join("more.jsonl");
    std::fs::write(
        &file,
        format!("{}\n", common::metric_line("after.backup", 1, "loss", 0.1)),
    )
    .unwrap();
    let o = run(&["--workspace", s(&root), "-q", "ingest", s(&file)]);
    assert!(o.status.success(), "{}", stderr(&o));
    (d, root, archive)
}

#[test]
fn every_command_names_a_set_aside_workspace_and_no_writer_creates_one_beside_it() {
    let (d, root, archive) = demo_backup_then_more();
    let parent = root.parent().unwrap().to_path_buf();
    let (aside, staged) = killed_between_renames(&root, &archive, dead_pid());
    let sub = parent.join("notebooks");
    std::fs::create_dir_all(&sub).unwrap();
    let line = d.path().join("one.jsonl");
    std::fs::write(
        &line,
        format!("{}\n", common::metric_line("new.run", 1, "loss", 0.3)),
    )
    .unwrap();
    let named: &[&[&str]] = &[
        &["runs"],
        &["doctor"],
        &["backup", "create"],
        &["init"],
        &["ingest", s(&line)],
        &["log", "metric", "new.run", "loss", "1"],
    ];
    for args in named {
        // Found by walking up from the folder that held the workspace, or from one below it,
        // or named with --workspace.
        let mut with_ws = vec!["--workspace", s(&root)];
        with_ws.extend_from_slice(args);
        let mut outs = vec![run_in(&parent, args), run(&with_ws)];
        // `init` makes a workspace in the current folder by design (as `git init` does).
        if args[0] != "init" {
            outs.push(run_in(&sub, args));
        }
        for o in outs {
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
            assert!(err.contains("was interrupted"), "{args:?}: {err}");
            assert!(err.contains(&aside.display().to_string()), "{err}");
            assert!(err.contains("contexta restore resume"), "{err}");
            assert!(!root.exists(), "{args:?} created {}", root.display());
            assert!(
                !sub.join(".contexta").exists(),
                "{args:?} created one below"
            );
        }
    }
    // `restore resume` finishes the restore: the restored copy is in place, the set-aside
    // workspace is gone.
    let o = run_in(&parent, &["restore", "resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("the interrupted restore is finished"));
    assert!(!aside.exists() && !staged.exists());
    let runs = run_records(&root);
    assert!(
        !runs.is_empty() && !runs.contains_key("run:after.backup"),
        "{runs:?}"
    );
    let doc = run(&["--workspace", s(&root), "doctor", "--no-artifacts"]);
    assert_eq!(doc.status.code(), Some(0), "{}", stdout(&doc));
    // Nothing left to resume.
    let o = run(&["--workspace", s(&root), "restore", "resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("nothing to finish"));
}

#[test]
fn resume_can_put_the_set_aside_workspace_back_instead() {
    let (_d, root, archive) = demo_backup_then_more();
    let before = run_records(&root);
    assert!(before.contains_key("run:after.backup"));
    let (aside, staged) = killed_between_renames(&root, &archive, dead_pid());
    let o = run(&[
        "restore",
        "resume",
        "--put-back",
        "--target-workspace",
        s(&root),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("back as it was"), "{}", stdout(&o));
    assert_eq!(run_records(&root), before);
    assert!(!aside.exists() && !staged.exists());
}

#[test]
fn while_a_restore_runs_its_set_aside_workspace_makes_others_wait() {
    let (_d, root, archive) = demo_backup();
    // This test process stands in for a restore that is still running.
    let (aside, staged) = killed_between_renames(&root, &archive, std::process::id());
    let o = run(&["--workspace", s(&root), "init"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("right now") && err.contains("wait"), "{err}");
    assert!(!root.exists());
    let o = run(&["restore", "resume", "--target-workspace", s(&root)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("still working"), "{}", stderr(&o));
    assert!(aside.exists() && staged.exists() && !root.exists());
}
