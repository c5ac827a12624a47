//! The compare pane's rows. Two runs: one list whose rows hold both sides (so scrolling is
//! synchronized by construction): metrics present on both sides, then keys on one side only,
//! then stage, param, provenance, artifact, record-count and degraded-marker differences. More
//! runs: a table, a row per run, metrics and params as columns, sortable by the selected column.
//!
//! Pure: derives rows from the loaded comparison.

use crate::analysis::compare::{Comparison, MultiComparison};
use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq)]
pub enum CmpRow {
    Section(String),
    /// An index into `Comparison::metrics`.
    Metric(usize),
    Diff {
        what: String,
        left: String,
        right: String,
    },
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "—".into())
}

/// The row of the metric on both sides whose latest value changed most, relative to its size
/// (|right − left| / max(|left|, |right|)); `None` when no metric changed.
pub fn most_changed_row(c: &Comparison) -> Option<usize> {
    let change = |i: usize| -> f64 {
        let m = &c.metrics[i];
        match (&m.left, &m.right) {
            (Some(l), Some(r)) if l.last.is_finite() && r.last.is_finite() => {
                let scale = l.last.abs().max(r.last.abs());
                if scale > 0.0 {
                    (r.last - l.last).abs() / scale
                } else {
                    0.0
                }
            }
            _ => 0.0,
        }
    };
    let mut best: Option<(usize, f64)> = None;
    for (row, r) in two_rows(c).iter().enumerate() {
        if let CmpRow::Metric(i) = r {
            let d = change(*i);
            if d > 0.0 && best.is_none_or(|(_, b)| d > b) {
                best = Some((row, d));
            }
        }
    }
    best.map(|(row, _)| row)
}

/// The rows of a two-run comparison, top to bottom.
pub fn two_rows(c: &Comparison) -> Vec<CmpRow> {
    let mut out = Vec::new();
    let both: Vec<usize> = (0..c.metrics.len())
        .filter(|i| c.metrics[*i].left.is_some() && c.metrics[*i].right.is_some())
        .collect();
    let one: Vec<usize> = (0..c.metrics.len()).filter(|i| !both.contains(i)).collect();
    out.push(CmpRow::Section(format!("Metrics ({})", both.len())));
    out.extend(both.into_iter().map(CmpRow::Metric));
    if !one.is_empty() {
        out.push(CmpRow::Section(format!("On one side only ({})", one.len())));
        out.extend(one.into_iter().map(CmpRow::Metric));
    }
    let diff = |what: String, left: String, right: String| CmpRow::Diff { what, left, right };
    let stages: Vec<CmpRow> = c
        .stages
        .iter()
        .filter(|s| s.change != "same")
        .map(|s| {
            let side = |st: Option<crate::model::Status>, d: Option<f64>| match st {
                Some(st) => format!(
                    "{} {}",
                    st.as_str(),
                    d.map(crate::model::format_duration).unwrap_or_default()
                ),
                None => "—".into(),
            };
            diff(
                format!("{} ({})", s.name, s.change.replace('_', " ")),
                side(s.left_status, s.left_duration_s),
                side(s.right_status, s.right_duration_s),
            )
        })
        .collect();
    section(&mut out, "Stages", stages);
    let params = c
        .params
        .iter()
        .map(|p| diff(p.key.clone(), opt(&p.left), opt(&p.right)))
        .collect();
    section(&mut out, "Params", params);
    let p = &c.provenance;
    let mut prov = Vec::new();
    if let Some((a, b)) = &p.code_revision {
        prov.push(diff("git commit".into(), opt(a), opt(b)));
    }
    if let Some((a, b)) = &p.python_version {
        prov.push(diff("python".into(), a.clone(), b.clone()));
    }
    if let Some((a, b)) = &p.platform {
        prov.push(diff("platform".into(), a.clone(), b.clone()));
    }
    for (what, m) in [("pkg", &p.packages), ("env", &p.environment_variables)] {
        for (k, v) in &m.added {
            prov.push(diff(format!("{what} {k}"), "—".into(), v.clone()));
        }
        for (k, v) in &m.removed {
            prov.push(diff(format!("{what} {k}"), v.clone(), "—".into()));
        }
        for (k, a, b) in &m.changed {
            prov.push(diff(format!("{what} {k}"), a.clone(), b.clone()));
        }
    }
    section(&mut out, "Provenance", prov);
    let arts = c
        .artifacts
        .iter()
        .map(|a| {
            diff(
                format!("{} ({})", a.kind, a.change),
                a.left.join(", "),
                a.right.join(", "),
            )
        })
        .collect();
    section(&mut out, "Artifacts", arts);
    let counts = c
        .record_counts
        .iter()
        .filter(|(_, [l, r])| l != r)
        .map(|(k, [l, r])| diff(k.clone(), l.to_string(), r.to_string()))
        .collect();
    section(&mut out, "Record counts", counts);
    let [dl, dr] = &c.degraded;
    let degraded = if dl.is_empty() && dr.is_empty() {
        vec![]
    } else {
        vec![diff(
            format!("{} / {}", dl.len(), dr.len()),
            dl.join(", "),
            dr.join(", "),
        )]
    };
    section(&mut out, "Degraded markers", degraded);
    out
}

fn section(out: &mut Vec<CmpRow>, name: &str, rows: Vec<CmpRow>) {
    out.push(CmpRow::Section(if rows.is_empty() {
        format!("{name}: no differences")
    } else {
        name.to_string()
    }));
    out.extend(rows);
}

/// Column count of a many-run table: metrics, then params.
pub fn many_columns(m: &MultiComparison) -> usize {
    m.metrics.len() + m.params.len()
}

/// Run indices in display order (sorted by the selected column when asked).
pub fn many_order(m: &MultiComparison, sort: Option<(usize, bool)>) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..m.runs.len()).collect();
    let Some((col, desc)) = sort else {
        return idx;
    };
    let nm = m.metrics.len();
    idx.sort_by(|a, b| {
        let o = if col < nm {
            let v = &m.metrics[col].values;
            match (v[*a], v[*b]) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
        } else {
            let v = m.params.get(col - nm).map(|p| &p.1);
            let get = |i: usize| v.and_then(|v| v[i].clone());
            get(*a).cmp(&get(*b))
        };
        if desc { o.reverse() } else { o }
    });
    idx
}

