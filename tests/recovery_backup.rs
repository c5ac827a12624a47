//! Backup and restore through the real binary: the round trip is exact, and every damaged or
//! hostile archive is refused before anything is written, leaving the target untouched.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
#[path = "common/dump.rs"]
mod dump;

use common::bin;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn run(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A demo workspace and a backup of it.
fn demo_backup(extra: &[&str]) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("src/.contexta");
    dump::demo_at(&root);
    let out = d.path().join("archives");
    std::fs::create_dir_all(&out).unwrap();
    let mut args = vec![
        "--workspace",
        s(&root),
        "--quiet",
        "backup",
        "create",
        "--output",
        s(&out),
    ];
    args.extend_from_slice(extra);
    let path = PathBuf::from(ok(&args).trim());
    assert!(path.exists(), "{}", path.display());
    (d, root, path)
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

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn round_trip_restores_every_run_record_artifact_and_relation() {
    for gz in [false, true] {
        let extra: &[&str] = if gz { &["--gzip"] } else { &[] };
        let (d, root, archive) = demo_backup(extra);
        assert_eq!(archive.to_string_lossy().ends_with(".gz"), gz);
        let target = d.path().join("elsewhere/.contexta");
        let o = restore(&archive, &target, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(dump::dump_at(&root), dump::dump_at(&target));
        assert_eq!(dump::objects(&root), dump::objects(&target));
        assert!(!dump::objects(&root).is_empty());
        let doc = run(&["--workspace", s(&target), "doctor"]);
        assert_eq!(
            doc.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&doc.stdout)
        );
    }
}

#[test]
fn backups_never_contain_earlier_backups() {
    let (_d, root, first) = demo_backup(&[]);
    std::fs::copy(&first, root.join("backups/old.tar")).unwrap();
    let second = PathBuf::from(
        ok(&[
            "--workspace",
            s(&root),
            "-q",
            "backup",
            "create",
            "--label",
            "Nightly Run",
        ])
        .trim(),
    );
    assert!(second.starts_with(root.join("backups")));
    assert!(
        second
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("nightly-run-")
    );
    let mut names = Vec::new();
    let mut a = tar::Archive::new(std::fs::File::open(&second).unwrap());
    for e in a.entries().unwrap() {
        names.push(e.unwrap().path().unwrap().to_string_lossy().into_owned());
    }
    assert!(names.iter().all(|n| !n.contains("backups")), "{names:?}");
    assert_eq!(names.last().unwrap(), "MANIFEST.json");
    assert_eq!(names[0], "contexta.redb");
}

#[test]
fn verify_only_writes_nothing_and_in_place_restore_needs_force() {
    let (d, root, archive) = demo_backup(&[]);
    let target = d.path().join("t/.contexta");
    let o = restore(&archive, &target, &["--verify-only"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("nothing was written"));
    assert!(!target.exists() && !d.path().join("t").exists());
    // The source workspace is not empty: refused without --force, replaced with it.
    let before = dump::dump_at(&root);
    let o = restore(&archive, &root, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    let o = restore(&archive, &root, &["--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(dump::dump_at(&root), before);
    // Nothing is left beside the target.
    let leftovers: Vec<_> = std::fs::read_dir(root.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from(".contexta")]);
}

/// Rewrites `archive` into a new file, letting `edit` change members and insert hostile ones.
fn rewrite(
    archive: &Path,
    out: &Path,
    mut edit: impl FnMut(&str, &mut Vec<u8>, &mut tar::Builder<std::fs::File>),
) {
    let mut a = tar::Archive::new(std::fs::File::open(archive).unwrap());
    let mut b = tar::Builder::new(std::fs::File::create(out).unwrap());
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        edit(&name, &mut data, &mut b);
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, &name, data.as_slice()).unwrap();
    }
    b.finish().unwrap();
}

/// A header whose name is written byte for byte (tar's own setters refuse `..` and `/`).
fn raw_header(name: &str, kind: tar::EntryType, size: u64) -> tar::Header {
    let mut h = tar::Header::new_old();
    let bytes = name.as_bytes();
    h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_cksum();
    h
}

fn assert_refused(archive: &Path, target: &Path, needle: &str) {
    for extra in [&["--verify-only"][..], &[][..]] {
        let o = restore(archive, target, extra);
        assert_eq!(o.status.code(), Some(1), "{extra:?} should fail");
        let err = stderr(&o);
        assert!(err.contains(needle), "expected `{needle}` in: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!target.exists(), "{} was created", target.display());
    }
    // Nothing beside the target either: not even its parent folder was created.
    let parent = target.parent().unwrap();
    assert!(!parent.exists(), "{} was created", parent.display());
}

#[test]
fn truncated_archives_are_refused_and_leave_the_target_untouched() {
    let (d, root, archive) = demo_backup(&[]);
    let bytes = std::fs::read(&archive).unwrap();
    // Halfway, inside the manifest (the last member), and inside the database member.
    for cut in [bytes.len() / 2, bytes.len() - 1024 - 600, 700] {
        let t = d.path().join(format!("cut-{cut}.tar"));
        std::fs::write(&t, &bytes[..cut]).unwrap();
        assert_refused(
            &t,
            &d.path().join(format!("x{cut}/ws/.contexta")),
            "archive",
        );
        // An interrupted restore over an existing workspace leaves it as it was.
        let before = dump::dump_at(&root);
        let o = restore(&t, &root, &["--force"]);
        assert_eq!(o.status.code(), Some(1));
        assert_eq!(dump::dump_at(&root), before);
        assert_eq!(
            std::fs::read_dir(root.parent().unwrap()).unwrap().count(),
            1
        );
    }
    // A truncated gzip archive too.
    let (d2, _root, gz) = demo_backup(&["--gzip"]);
    let bytes = std::fs::read(&gz).unwrap();
    let t = d2.path().join("cut.tar.gz");
    std::fs::write(&t, &bytes[..bytes.len() * 2 / 3]).unwrap();
    assert_refused(&t, &d2.path().join("y/ws/.contexta"), "archive");
}

#[test]
fn tampered_member_is_refused_by_its_hash() {
    let (d, _root, archive) = demo_backup(&[]);
    let t = d.path().join("tampered.tar");
    rewrite(&archive, &t, |name, data, _| {
        if name.starts_with("artifacts/objects/") && !data.is_empty() {
            data[0] ^= 0xff;
        }
    });
    assert_refused(&t, &d.path().join("z/ws/.contexta"), "SHA-256 differs");
}

#[test]
fn traversal_absolute_and_link_members_are_refused() {
    let (d, _root, archive) = demo_backup(&[]);
    let cases: [(&str, tar::EntryType, &str); 5] = [
        ("../escaped", tar::EntryType::Regular, "contains `..`"),
        (
            "artifacts/objects/../../escaped",
            tar::EntryType::Regular,
            "contains `..`",
        ),
        (
            "/tmp/contexta-escaped",
            tar::EntryType::Regular,
            "is absolute",
        ),
        (
            "artifacts/objects/ab/link",
            tar::EntryType::Symlink,
            "symbolic link",
        ),
        (
            "artifacts/objects/ab/hard",
            tar::EntryType::Link,
            "hard link",
        ),
    ];
    for (i, (name, kind, needle)) in cases.iter().enumerate() {
        let t = d.path().join(format!("hostile-{i}.tar"));
        let mut done = false;
        rewrite(&archive, &t, |_, _, b| {
            if !done {
                done = true;
                let body: &[u8] = if kind.is_file() { b"evil" } else { b"" };
                let mut h = raw_header(name, *kind, body.len() as u64);
                if !kind.is_file() {
                    h.set_link_name("/etc/passwd").unwrap();
                    h.set_cksum();
                }
                b.append(&h, body).unwrap();
            }
        });
        assert_refused(&t, &d.path().join(format!("h{i}/ws/.contexta")), needle);
        assert!(
            !d.path().join("escaped").exists() && !d.path().join(format!("h{i}/escaped")).exists()
        );
        assert!(!Path::new("/tmp/contexta-escaped").exists());
    }
    // A device member.
    let t = d.path().join("device.tar");
    let mut done = false;
    rewrite(&archive, &t, |_, _, b| {
        if !done {
            done = true;
            b.append(
                &raw_header("artifacts/objects/ab/dev", tar::EntryType::Char, 0),
                &b""[..],
            )
            .unwrap();
        }
    });
    assert_refused(&t, &d.path().join("dev/ws/.contexta"), "device");
}

#[test]
fn unlisted_member_is_refused() {
    let (d, _root, archive) = demo_backup(&[]);
    let t = d.path().join("extra.tar");
    let mut done = false;
    rewrite(&archive, &t, |_, _, b| {
        if !done {
            done = true;
            // Named by its content, so only the manifest can refuse it.
            let sha = "b5c1fb2efc6d6b4674c2fdcc48ce01b43a3b7c03763c0c3355de0099ee0f8c73";
            let mut h = tar::Header::new_gnu();
            h.set_size(4);
            h.set_cksum();
            b.append_data(
                &mut h,
                format!("artifacts/objects/{}/{sha}", &sha[..2]),
                &b"evil"[..],
            )
            .unwrap();
        }
    });
    assert_refused(
        &t,
        &d.path().join("u/ws/.contexta"),
        "not listed in the manifest",
    );
}

#[test]
fn backup_is_consistent_while_a_writer_keeps_writing() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join(".contexta");
    dump::demo_at(&root);
    let mut writer = Command::new(bin())
        .args([
            "--workspace",
            s(&root),
            "demo",
            "--live",
            "--duration",
            "20",
            "--interval",
            "0.002",
            "--name",
            "busy",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Back up only once the writer is committing.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let runs = run(&["--workspace", s(&root), "--format", "json", "runs"]);
        let writing = serde_json::from_slice::<serde_json::Value>(&runs.stdout)
            .ok()
            .and_then(|v| {
                v.as_array()?
                    .iter()
                    .find(|r| r["name"] == "busy")?
                    .get("records")?["total"]
                    .as_u64()
            })
            .is_some_and(|n| n > 0);
        if writing {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the live writer never committed"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mut archives = Vec::new();
    for i in 0..3 {
        let out = d.path().join(format!("b{i}.tar"));
        ok(&[
            "--workspace",
            s(&root),
            "-q",
            "backup",
            "create",
            "--output",
            s(&out),
        ]);
        archives.push(out);
    }
    let _ = writer.kill();
    let _ = writer.wait();
    for (i, a) in archives.iter().enumerate() {
        let target = d.path().join(format!("r{i}/.contexta"));
        let o = restore(a, &target, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        let doc = run(&[
            "--workspace",
            s(&target),
            "--format",
            "json",
            "doctor",
            "--no-artifacts",
        ]);
        let v: serde_json::Value = serde_json::from_slice(&doc.stdout).unwrap();
        assert_eq!(v["healthy"], true, "{v:#}");
        let runs: serde_json::Value = serde_json::from_str(&ok(&[
            "--workspace",
            s(&target),
            "--format",
            "json",
            "runs",
        ]))
        .unwrap();
        let busy = runs
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "busy")
            .expect("the live run is in the backup");
        assert!(busy["records"]["total"].as_u64().unwrap() > 0);
    }
}

#[test]
fn a_size_limited_file_fails_the_backup_cleanly() {
    let (d, root, _) = demo_backup(&[]);
    let out = d.path().join("limited");
    std::fs::create_dir_all(&out).unwrap();
    // `ulimit -f` caps file size; ignoring SIGXFSZ turns the cap into a write error (EFBIG),
    // as a full disk would give ENOSPC.
    let script = format!(
        "trap '' XFSZ; ulimit -f 200; exec '{}' --workspace '{}' backup create --output '{}'",
        bin(),
        s(&root),
        s(&out)
    );
    let o = Command::new("sh").arg("-c").arg(&script).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("File too large") || stderr(&o).contains("too large"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "partial files left behind"
    );
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn a_killed_restore_is_put_right_by_the_next_one() {
    let (d, root, archive) = demo_backup(&[]);
    let before = dump::dump_at(&root);
    // A restore killed between its two renames: the workspace is set aside, the target is gone,
    // and its staging folder is still there. The pid is one that has exited.
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    let parent = root.parent().unwrap();
    let aside = parent.join(format!(".contexta.previous-{pid}-2026-01-01T00-00-00Z"));
    std::fs::rename(&root, &aside).unwrap();
    let staging = parent.join(format!(".contexta.restore-{pid}-2026-01-01T00-00-00Z"));
    copy_tree(&aside, &staging);
    let o = restore(&archive, &root, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("put back") && err.contains("--force"), "{err}");
    assert_eq!(dump::dump_at(&root), before);
    assert!(!aside.exists() && !staging.exists());
    let o = restore(&archive, &root, &["--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let _ = d;
}

/// Flips one digit of an event message in every copy of it in the database file, as a bad
/// disk would: the page checksums no longer match.
fn damage_event_message(root: &Path) {
    let db = root.join(contexta::store::DB_FILE);
    let mut bytes = std::fs::read(&db).unwrap();
    let needle = b"loaded 60000 training";
    let mut hits = 0;
    for i in 0..bytes.len().saturating_sub(needle.len()) {
        if &bytes[i..i + needle.len()] == needle {
            bytes[i + 11] = b'1';
            hits += 1;
        }
    }
    assert!(hits > 0, "the demo message is not in the file");
    std::fs::write(&db, &bytes).unwrap();
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_damaged_database_is_refused_unless_allowed_and_then_recorded() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join(".contexta");
    dump::demo_at(&root);
    damage_event_message(&root);
    let ws = ["--workspace", s(&root)];
    // The backup's own page check finds it (nothing told it before).
    let out = d.path().join("archives");
    std::fs::create_dir_all(&out).unwrap();
    let o = run(&[ws[0], ws[1], "backup", "create", "--output", s(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("page check")
            && stderr(&o).contains("contexta doctor")
            && stderr(&o).contains("--allow-damaged"),
        "{}",
        stderr(&o)
    );
    assert!(entries(&out).is_empty(), "{:?}", entries(&out));
    let doc = run(&[ws[0], ws[1], "--format", "json", "doctor", "--no-artifacts"]);
    assert_eq!(doc.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&doc.stdout).contains("database_corrupt"));

    // Reads still answer, and say the workspace is known to be damaged.
    for args in [
        &["runs"][..],
        &["records", "baseline"],
        &["export", "jsonl"],
    ] {
        let mut a = ws.to_vec();
        a.extend_from_slice(args);
        let o = run(&a);
        assert!(
            stderr(&o).contains("known to be damaged") && stderr(&o).contains("contexta doctor"),
            "{args:?}: {}",
            stderr(&o)
        );
    }

    // Asked for, the damaged file is archived as it is, the damage in the manifest; it never
    // comes back as a healthy workspace.
    let o = run(&[
        ws[0],
        ws[1],
        "-q",
        "backup",
        "create",
        "--allow-damaged",
        "--output",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let archive = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
    let mut a = tar::Archive::new(std::fs::File::open(&archive).unwrap());
    let mut manifest = String::new();
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        if e.path().unwrap().to_string_lossy() == "MANIFEST.json" {
            e.read_to_string(&mut manifest).unwrap();
        }
    }
    let m: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert!(!m["damage"].as_array().unwrap().is_empty(), "{m:#}");
    let target = d.path().join("restored/.contexta");
    let o = restore(&archive, &target, &[]);
    if o.status.success() {
        let doc = run(&["--workspace", s(&target), "doctor", "--no-artifacts"]);
        assert_eq!(
            doc.status.code(),
            Some(3),
            "a damaged archive restored as healthy"
        );
    }
}

#[test]
fn what_killed_backups_and_reports_left_is_tidied_by_the_next_run() {
    let (_d, root, _) = demo_backup(&[]);
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let live = std::process::id();
    let backups = root.join("backups");
    let dead_file = backups.join(format!(".contexta-backup-{dead}-backup-x.tar"));
    let dead_dir = backups.join(format!(".contexta-backup-{dead}-2026-01-01T00-00-00Z"));
    let live_file = backups.join(format!(".contexta-backup-{live}-backup-y.tar"));
    std::fs::write(&dead_file, b"half an archive").unwrap();
    std::fs::create_dir_all(&dead_dir).unwrap();
    std::fs::write(dead_dir.join("contexta.redb"), b"half a copy").unwrap();
    std::fs::write(&live_file, b"still being written").unwrap();
    let o = run(&["--workspace", s(&root), "-q", "backup", "create"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("interrupted backup"), "{}", stderr(&o));
    assert!(!dead_file.exists() && !dead_dir.exists());
    assert!(live_file.exists(), "a live process's file was removed");

    let reports = root.join("reports");
    std::fs::create_dir_all(&reports).unwrap();
    let dead_report = reports.join(format!(".baseline.md.{dead}.partial"));
    std::fs::write(&dead_report, b"# half").unwrap();
    let o = run(&["--workspace", s(&root), "report", "snapshot", "baseline"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!dead_report.exists());
    assert!(
        entries(&reports).iter().all(|n| !n.starts_with('.')),
        "{:?}",
        entries(&reports)
    );
}
