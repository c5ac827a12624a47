//! The object store is read without following links: a symlink planted where an artifact's
//! object should be (or among the folders leading to it) is never copied out as the artifact,
//! even when the file it points at has the right bytes, and a FIFO there cannot hang a read.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;
use common::*;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

const ARTIFACT: &str = "artifact:mnist-classifier.dataset-v3.mnist-v3";

/// The demo workspace and the object path of `ARTIFACT`.
fn demo_object() -> (Ws, PathBuf) {
    let ws = Ws::new();
    ws.ok(&["demo"]);
    let list = ws.json(&["artifact", "verify", ARTIFACT]);
    let rel = list[0]["object_path"].as_str().unwrap().to_string();
    let path = ws.root().join(rel);
    assert!(path.is_file());
    (ws, path)
}

fn get(ws: &Ws, out: &std::path::Path) -> std::process::Output {
    ws.run(&[
        "artifact",
        "get",
        ARTIFACT,
        "--output",
        out.to_str().unwrap(),
    ])
}

#[test]
fn a_symlinked_object_is_not_copied_out_as_verified() {
    let (ws, object) = demo_object();
    // The link's target has exactly the recorded bytes: only the link gives it away.
    let outside = ws.dir.path().join("outside.csv");
    std::fs::copy(&object, &outside).unwrap();
    std::fs::remove_file(&object).unwrap();
    std::os::unix::fs::symlink(&outside, &object).unwrap();

    let out_file = ws.dir.path().join("got.csv");
    let out = get(&ws, &out_file);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("not a regular file"), "{err}");
    assert!(!out_file.exists(), "nothing is written");

    // verify and diagnostics agree: the object is changed, not ok.
    let v = ws.json(&["artifact", "verify", ARTIFACT]);
    assert_eq!(v[0]["state"], "changed", "{v}");
    let d = ws.json(&["diagnostics", "dataset-v3"]);
    let codes: Vec<&str> = d["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"artifact_changed"), "{d}");
}

#[test]
fn a_symlinked_folder_in_the_object_store_is_not_followed() {
    let (ws, object) = demo_object();
    let shard = object.parent().unwrap().to_path_buf();
    let moved = ws.dir.path().join("elsewhere");
    std::fs::rename(&shard, &moved).unwrap();
    std::os::unix::fs::symlink(&moved, &shard).unwrap();

    let out_file = ws.dir.path().join("got.csv");
    let out = get(&ws, &out_file);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("not a regular file"), "{err}");
    assert!(!out_file.exists());
    let v = ws.json(&["artifact", "verify", ARTIFACT]);
    assert_eq!(v[0]["state"], "changed", "{v}");
}

#[test]
fn a_fifo_in_the_object_store_is_refused_without_hanging() {
    let (ws, object) = demo_object();
    std::fs::remove_file(&object).unwrap();
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        &object,
        rustix::fs::Mode::from_raw_mode(0o600),
    )
    .unwrap();
    let out_file = ws.dir.path().join("got.csv");
    let mut child = ws
        .cmd(&[
            "artifact",
            "get",
            ARTIFACT,
            "--output",
            out_file.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("artifact get hung on a FIFO in the object store");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(1));
    assert!(!out_file.exists());
}
