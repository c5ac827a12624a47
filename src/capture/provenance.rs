//! What a run can say about where it ran: host, OS, user, working directory, command line, git
//! commit and dirty flag, and the environment variables the caller chose. Stored as the run's
//! environment snapshot, with the non-environment facts in the `contexta.provenance` extension.

use crate::model::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

pub fn read_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

fn os_name() -> String {
    let pretty = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("PRETTY_NAME=")
                    .map(|v| v.trim_matches('"').to_string())
            })
        });
    match pretty {
        Some(p) => format!("{}-{} ({p})", std::env::consts::OS, std::env::consts::ARCH),
        None => format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH),
    }
}

/// (commit, dirty) when `dir` is inside a git work tree.
pub fn git_state(dir: &Path) -> Option<(String, bool)> {
    let out = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(dir)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let commit = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .current_dir(dir)
        .output()
        .ok()
        .map(|o| !o.stdout.is_empty())
        .unwrap_or(false);
    Some((commit, dirty))
}

pub fn snapshot(
    run: &Ref,
    env_vars: &[&str],
    at: Timestamp,
) -> Result<EnvironmentSnapshot, RefError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut fields = JsonMap::default();
    fields.insert("host", read_hostname());
    fields.insert(
        "user",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into()),
    );
    fields.insert("cwd", cwd.display().to_string());
    fields.insert("command", std::env::args().collect::<Vec<_>>().join(" "));
    if let Some((commit, dirty)) = git_state(&cwd) {
        fields.insert("git_commit", commit);
        fields.insert("git_dirty", dirty);
    }
    let mut vars = BTreeMap::new();
    for name in env_vars {
        if let Ok(v) = std::env::var(name)
            && !v.trim().is_empty()
        {
            vars.insert(name.to_string(), v);
        }
    }
    Ok(EnvironmentSnapshot {
        environment_snapshot_ref: run.child("environment", "runtime")?,
        run_ref: run.clone(),
        captured_at: at,
        // The reference names this field for Python; a Rust or shell job has none.
        python_version: "n/a".into(),
        platform: os_name(),
        packages: BTreeMap::new(),
        environment_variables: vars,
        schema_version: SCHEMA_VERSION.into(),
        extensions: vec![Extension {
            namespace: "contexta.provenance".into(),
            fields,
            readonly_fields: vec![],
        }],
    })
}
