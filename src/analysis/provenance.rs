//! Reproducibility: what a run records about where and how it ran (audit), and how two runs'
//! environments differ (diff). The reference's `environment_changed` was always false (§17.4);
//! here it is computed from the snapshots.

use crate::model::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MapDiff {
    pub added: Vec<(String, String)>,
    pub removed: Vec<(String, String)>,
    /// (key, left, right)
    pub changed: Vec<(String, String, String)>,
}

impl MapDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

fn map_diff(l: &BTreeMap<String, String>, r: &BTreeMap<String, String>) -> MapDiff {
    let mut d = MapDiff::default();
    let keys: BTreeSet<&String> = l.keys().chain(r.keys()).collect();
    for k in keys {
        match (l.get(k), r.get(k)) {
            (None, Some(b)) => d.added.push((k.clone(), b.clone())),
            (Some(a), None) => d.removed.push((k.clone(), a.clone())),
            (Some(a), Some(b)) if a != b => d.changed.push((k.clone(), a.clone(), b.clone())),
            _ => {}
        }
    }
    d
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EnvDiff {
    pub left_environment: Option<String>,
    pub right_environment: Option<String>,
    pub python_version: Option<(String, String)>,
    pub platform: Option<(String, String)>,
    pub packages: MapDiff,
    pub environment_variables: MapDiff,
    /// (left, right) git commits when they differ.
    pub code_revision: Option<(Option<String>, Option<String>)>,
    pub environment_changed: bool,
    pub notes: Vec<String>,
}

fn field_str(f: &RunFacts, name: &str) -> Option<String> {
    f.provenance_field(name).map(|v| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string())
    })
}

pub fn env_diff(l: &RunFacts, r: &RunFacts) -> EnvDiff {
    let (le, re) = (l.latest_environment(), r.latest_environment());
    let mut d = EnvDiff {
        left_environment: le.map(|e| e.environment_snapshot_ref.to_string()),
        right_environment: re.map(|e| e.environment_snapshot_ref.to_string()),
        ..Default::default()
    };
    if le.is_none() {
        d.notes.push("left_environment_snapshot_missing".into());
    }
    if re.is_none() {
        d.notes.push("right_environment_snapshot_missing".into());
    }
    if let (Some(a), Some(b)) = (le, re) {
        if a.python_version != b.python_version {
            d.python_version = Some((a.python_version.clone(), b.python_version.clone()));
        }
        if a.platform != b.platform {
            d.platform = Some((a.platform.clone(), b.platform.clone()));
        }
        d.packages = map_diff(&a.packages, &b.packages);
        d.environment_variables = map_diff(&a.environment_variables, &b.environment_variables);
    }
    let (lc, rc) = (field_str(l, "git_commit"), field_str(r, "git_commit"));
    if lc != rc {
        d.code_revision = Some((lc, rc));
    }
    d.environment_changed = d.python_version.is_some()
        || d.platform.is_some()
        || !d.packages.is_empty()
        || !d.environment_variables.is_empty();
    d
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Signal {
    pub name: String,
    pub present: bool,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Audit {
    pub run: String,
    pub signals: Vec<Signal>,
    /// Present signals / all signals, 0..=1.
    pub score: f64,
    /// complete | partial | missing
    pub status: String,
}

/// Which reproducibility signals a run carries.
pub fn audit(f: &RunFacts) -> Audit {
    let env = f.latest_environment();
    let commit = field_str(f, "git_commit");
    let dirty = f.provenance_field("git_dirty").and_then(|v| v.as_bool());
    let seed = f
        .run
        .params
        .iter()
        .find(|(k, _)| k.to_ascii_lowercase().contains("seed"))
        .map(|(k, v)| format!("{k}={v}"))
        .or_else(|| {
            env.and_then(|e| {
                e.environment_variables
                    .iter()
                    .find(|(k, _)| k.to_ascii_lowercase().contains("seed"))
                    .map(|(k, v)| format!("{k}={v}"))
            })
        });
    let inputs: Vec<&ArtifactManifest> = f
        .inputs
        .iter()
        .chain(
            f.artifacts
                .iter()
                .filter(|a| a.artifact_kind == "config_snapshot"),
        )
        .filter(|_| true)
        .collect();
    let signals = vec![
        Signal {
            name: "code_revision".into(),
            present: commit.is_some(),
            detail: commit
                .clone()
                .unwrap_or_else(|| "no git commit recorded".into()),
        },
        Signal {
            name: "clean_tree".into(),
            present: dirty == Some(false),
            detail: match dirty {
                Some(false) => "working tree clean".into(),
                Some(true) => "uncommitted changes when the run started".into(),
                None => "not recorded".into(),
            },
        },
        Signal {
            name: "environment_snapshot".into(),
            present: env.is_some(),
            detail: env
                .map(|e| {
                    format!(
                        "{} ({}, {})",
                        e.environment_snapshot_ref, e.python_version, e.platform
                    )
                })
                .unwrap_or_else(|| "none".into()),
        },
        Signal {
            name: "seed".into(),
            present: seed.is_some(),
            detail: seed.unwrap_or_else(|| "no seed param or variable".into()),
        },
        Signal {
            name: "package_versions".into(),
            present: env.is_some_and(|e| !e.packages.is_empty()),
            detail: format!("{} packages", env.map(|e| e.packages.len()).unwrap_or(0)),
        },
        Signal {
            name: "hashed_inputs".into(),
            present: !inputs.is_empty() && inputs.iter().all(|a| a.hash_value.is_some()),
            detail: if inputs.is_empty() {
                "no input artifacts (dataset, features, config) registered".into()
            } else {
                format!(
                    "{} input artifacts, {} hashed",
                    inputs.len(),
                    inputs.iter().filter(|a| a.hash_value.is_some()).count()
                )
            },
        },
    ];
    let present = signals.iter().filter(|s| s.present).count();
    let score = present as f64 / signals.len() as f64;
    Audit {
        run: f.run.run_ref.to_string(),
        status: match present {
            0 => "missing",
            n if n == signals.len() => "complete",
            _ => "partial",
        }
        .into(),
        signals,
        score,
    }
}
