//! The machine a run used, read from the `system.*` metrics `contexta run` samples: which key is
//! which quantity (for charts and the overview), and two findings about it: a GPU that sat idle
//! (`gpu_idle`) and memory that came near its limit (`memory_near_limit`). Pure: works on
//! points the query layer read.

use super::diagnostics::{Finding, FindingSeverity};
use crate::model::{Ref, format_duration};

/// Utilization below this (percent) is an idle GPU.
pub const GPU_IDLE_PERCENT: f64 = 5.0;
/// An idle stretch at least this long (seconds) is a finding.
pub const GPU_IDLE_MIN_S: f64 = 60.0;
/// Memory use at or above this share of its limit (percent) is a finding.
pub const MEMORY_NEAR_PERCENT: f64 = 90.0;

/// The diagnostic codes about a run's machine (the tree's resource flag).
pub const RESOURCE_CODES: [&str; 2] = ["gpu_idle", "memory_near_limit"];

/// Every key the sampler writes starts with this.
pub const SYSTEM_PREFIX: &str = "system.";

/// One quantity of the machine, as a chart shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Quantity {
    pub key: String,
    /// What it is, short: `CPU (process tree)`, `GPU 0 memory`.
    pub label: String,
    /// `%`, `MB`, `MB/s`, `°C`, `W`, or empty.
    pub unit: &'static str,
    /// The key whose value is this one as a percentage of its limit (memory), if recorded:
    /// the limit is then `value * 100 / percent`.
    pub percent_key: Option<String>,
    /// Sort order among quantities.
    order: (u32, u32, String),
}

/// The GPU number and the rest of a `system.gpu<N>.<what>` key.
pub fn gpu_key(key: &str) -> Option<(u32, &str)> {
    let rest = key.strip_prefix("system.gpu")?;
    let (n, what) = rest.split_once('.')?;
    Some((n.parse().ok()?, what))
}

/// The quantities among `keys` (a run's metric keys), in the order a System view lists them:
/// the process tree, the host, disk and network, then each GPU. A percentage that only
/// expresses a memory reading against its limit is folded into that reading (`percent_key`);
/// other `system.*` keys (written by a newer sampler) come last under their own name.
pub fn quantities<'a>(keys: impl IntoIterator<Item = &'a str>) -> Vec<Quantity> {
    let keys: Vec<&str> = keys
        .into_iter()
        .filter(|k| k.starts_with(SYSTEM_PREFIX))
        .collect();
    let has = |k: &str| keys.contains(&k);
    let mut out = Vec::new();
    for &key in &keys {
        let known = |rank: u32, label: &str, unit: &'static str| (0, rank, label.to_string(), unit);
        let (group, rank, label, unit) = match key {
            "system.proc.cpu-percent" => known(0, "CPU (process tree)", "%"),
            "system.proc.rss-mb" => known(1, "RSS (process tree)", "MB"),
            "system.memory.used-mb" => known(2, "System memory", "MB"),
            "system.memory.percent" if has("system.memory.used-mb") => continue,
            "system.memory.percent" => known(2, "System memory", "%"),
            "system.cpu.percent" => known(3, "CPU (host, all cores)", "%"),
            "system.proc.count" => known(4, "Processes", ""),
            "system.disk.read-mb-per-s" => known(5, "Disk read", "MB/s"),
            "system.disk.write-mb-per-s" => known(6, "Disk write", "MB/s"),
            "system.net.recv-mb-per-s" => known(7, "Network in", "MB/s"),
            "system.net.sent-mb-per-s" => known(8, "Network out", "MB/s"),
            _ => match gpu_key(key) {
                Some((n, what)) => {
                    let (rank, name, unit) = match what {
                        "utilization-percent" => (0, "utilization", "%"),
                        "memory-used-mb" => (1, "memory", "MB"),
                        "memory-percent" if has(&format!("system.gpu{n}.memory-used-mb")) => {
                            continue;
                        }
                        "memory-percent" => (1, "memory", "%"),
                        "temperature-c" => (2, "temperature", "°C"),
                        "power-w" => (3, "power", "W"),
                        other => (9, other, ""),
                    };
                    (n.saturating_add(1), rank, format!("GPU {n} {name}"), unit)
                }
                None => (u32::MAX, 0, key[SYSTEM_PREFIX.len()..].to_string(), ""),
            },
        };
        let percent_key = match key {
            "system.memory.used-mb" => Some("system.memory.percent".to_string()),
            _ => match gpu_key(key) {
                Some((n, "memory-used-mb")) => Some(format!("system.gpu{n}.memory-percent")),
                _ => None,
            },
        }
        .filter(|p| has(p));
        out.push(Quantity {
            key: key.to_string(),
            order: (group, rank, label.clone()),
            label,
            unit,
            percent_key,
        });
    }
    out.sort_by(|a, b| a.order.cmp(&b.order));
    out
}

/// The limit a memory reading was measured against, from a reading and its percentage taken
/// at the same sample; `None` when it cannot be told.
pub fn limit_from(value: f64, percent: f64) -> Option<f64> {
    (percent > 0.0 && value.is_finite() && percent.is_finite()).then(|| value * 100.0 / percent)
}

/// The latest readings worth one line in a run's overview, in order: CPU % and RSS of the
/// process tree, then each GPU's utilization and memory. (short label, value, unit).
pub fn headline<'a>(
    latest: impl IntoIterator<Item = (&'a str, f64)>,
) -> Vec<(String, f64, &'static str)> {
    let latest: Vec<(&str, f64)> = latest.into_iter().collect();
    let get = |k: &str| latest.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
    let mut out = Vec::new();
    if let Some(v) = get("system.proc.cpu-percent") {
        out.push(("CPU".to_string(), v, "%"));
    }
    if let Some(v) = get("system.proc.rss-mb") {
        out.push(("RSS".to_string(), v, "MB"));
    }
    let mut gpus: Vec<u32> = latest
        .iter()
        .filter_map(|(k, _)| gpu_key(k).map(|(n, _)| n))
        .collect();
    gpus.sort_unstable();
    gpus.dedup();
    for n in gpus {
        if let Some(v) = get(&format!("system.gpu{n}.utilization-percent")) {
            out.push((format!("GPU{n}"), v, "%"));
        }
        if let Some(v) = get(&format!("system.gpu{n}.memory-used-mb")) {
            out.push((format!("GPU{n} mem"), v, "MB"));
        } else if let Some(v) = get(&format!("system.gpu{n}.memory-percent")) {
            out.push((format!("GPU{n} mem"), v, "%"));
        }
    }
    out
}

/// What the resource findings are drawn from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResourceUse {
    /// Per GPU (its number in the run): utilization samples `(µs since the epoch, %)` in time
    /// order.
    pub gpu_utilization: Vec<(u32, Vec<(i64, f64)>)>,
    /// Memory readings against their limit: (what, the metric key, its highest percentage).
    pub memory_peaks: Vec<(String, String, f64)>,
}

impl ResourceUse {
    /// Which keys of a run feed the findings: GPU utilization (its points are needed) and
    /// memory percentages (their maximum is enough), with what each is about.
    pub fn wanted(key: &str) -> Option<Wanted> {
        match key {
            "system.memory.percent" => Some(Wanted::MemoryPeak("system memory".into())),
            _ => match gpu_key(key)? {
                (n, "utilization-percent") => Some(Wanted::GpuUtilization(n)),
                (n, "memory-percent") => Some(Wanted::MemoryPeak(format!("GPU {n} memory"))),
                _ => None,
            },
        }
    }
}

/// What a key is for the resource findings.
#[derive(Clone, Debug, PartialEq)]
pub enum Wanted {
    GpuUtilization(u32),
    MemoryPeak(String),
}

/// The longest stretch of consecutive samples below `threshold`: (start µs, seconds). A
/// stretch runs from its first low sample to its last one, so one low sample is no time.
pub fn longest_below(samples: &[(i64, f64)], threshold: f64) -> Option<(i64, f64)> {
    let mut best: Option<(i64, f64)> = None;
    let mut start: Option<i64> = None;
    for &(at, v) in samples {
        if v.is_finite() && v < threshold {
            let from = *start.get_or_insert(at);
            let secs = (at - from) as f64 / 1e6;
            if best.is_none_or(|(_, b)| secs > b) {
                best = Some((from, secs));
            }
        } else {
            start = None;
        }
    }
    best
}

/// The findings about a run's machine: each GPU idle (utilization below `GPU_IDLE_PERCENT`)
/// for `GPU_IDLE_MIN_S` or longer, each memory reading at or above `MEMORY_NEAR_PERCENT` of
/// its limit. Warnings: the run may be fine, but it wasted or nearly ran out of something.
pub fn findings(run: &Ref, r: &ResourceUse) -> Vec<Finding> {
    let mut out = Vec::new();
    for (gpu, samples) in &r.gpu_utilization {
        if let Some((_, secs)) = longest_below(samples, GPU_IDLE_PERCENT)
            && secs >= GPU_IDLE_MIN_S
        {
            out.push(Finding {
                code: "gpu_idle".into(),
                severity: FindingSeverity::Warning,
                summary: format!(
                    "GPU {gpu} sat idle (utilization under {GPU_IDLE_PERCENT} %) for {}",
                    format_duration(secs)
                ),
                subject_ref: run.to_string(),
                evidence: vec![],
            });
        }
    }
    for (what, key, peak) in &r.memory_peaks {
        if *peak >= MEMORY_NEAR_PERCENT {
            out.push(Finding {
                code: "memory_near_limit".into(),
                severity: FindingSeverity::Warning,
                summary: format!("{what} reached {peak:.0} % of its limit ({key})"),
                subject_ref: run.to_string(),
                evidence: vec![],
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> Ref {
        Ref::parse("run:p.r").unwrap()
    }

    /// Samples every 2 s from t = 0 with these values.
    fn every_2s(values: &[f64]) -> Vec<(i64, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (i as i64 * 2_000_000, *v))
            .collect()
    }

    fn codes(r: &ResourceUse) -> Vec<String> {
        findings(&run(), r).into_iter().map(|f| f.code).collect()
    }

    #[test]
    fn an_idle_gpu_for_a_minute_is_a_finding() {
        // Busy, then 31 samples under 5 % (60 s), then busy again.
        let mut v = vec![95.0; 5];
        v.extend([2.0; 31]);
        v.extend([90.0; 5]);
        let r = ResourceUse {
            gpu_utilization: vec![(1, every_2s(&v))],
            ..Default::default()
        };
        let f = findings(&run(), &r);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].code, "gpu_idle");
        assert_eq!(f[0].severity, FindingSeverity::Warning);
        assert!(f[0].summary.contains("GPU 1 sat idle"), "{}", f[0].summary);
        assert!(f[0].summary.contains("1m00s"), "{}", f[0].summary);
    }

    #[test]
    fn short_or_interrupted_idle_stretches_are_not() {
        // 30 low samples are 58 s; two stretches of 20 with a busy sample between are not
        // one stretch.
        let r = ResourceUse {
            gpu_utilization: vec![(0, every_2s(&[1.0; 30]))],
            ..Default::default()
        };
        assert!(codes(&r).is_empty());
        let mut v = vec![0.0; 20];
        v.push(50.0);
        v.extend([0.0; 20]);
        let r = ResourceUse {
            gpu_utilization: vec![(0, every_2s(&v))],
            ..Default::default()
        };
        assert!(codes(&r).is_empty());
        // Exactly at the threshold is not idle.
        let r = ResourceUse {
            gpu_utilization: vec![(0, every_2s(&[GPU_IDLE_PERCENT; 40]))],
            ..Default::default()
        };
        assert!(codes(&r).is_empty());
    }

    #[test]
    fn memory_near_its_limit_is_a_finding_per_reading() {
        let r = ResourceUse {
            memory_peaks: vec![
                ("system memory".into(), "system.memory.percent".into(), 93.4),
                (
                    "GPU 0 memory".into(),
                    "system.gpu0.memory-percent".into(),
                    89.9,
                ),
                (
                    "GPU 1 memory".into(),
                    "system.gpu1.memory-percent".into(),
                    90.0,
                ),
            ],
            ..Default::default()
        };
        let f = findings(&run(), &r);
        let summaries: Vec<&str> = f.iter().map(|f| f.summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                "system memory reached 93 % of its limit (system.memory.percent)",
                "GPU 1 memory reached 90 % of its limit (system.gpu1.memory-percent)",
            ]
        );
        assert!(f.iter().all(|f| f.code == "memory_near_limit"));
    }

    #[test]
    fn a_busy_run_with_room_has_no_finding() {
        let r = ResourceUse {
            gpu_utilization: vec![(0, every_2s(&[80.0; 100]))],
            memory_peaks: vec![("system memory".into(), "system.memory.percent".into(), 40.0)],
        };
        assert!(codes(&r).is_empty());
        assert!(codes(&ResourceUse::default()).is_empty());
    }

    #[test]
    fn longest_below_measures_first_to_last_low_sample() {
        assert_eq!(longest_below(&[], 5.0), None);
        assert_eq!(longest_below(&every_2s(&[9.0, 9.0]), 5.0), None);
        assert_eq!(
            longest_below(&every_2s(&[9.0, 1.0, 1.0, 1.0, 9.0, 1.0]), 5.0),
            Some((2_000_000, 4.0))
        );
        // NaN breaks a stretch: it says nothing about the GPU being idle.
        assert_eq!(
            longest_below(&every_2s(&[1.0, f64::NAN, 1.0]), 5.0),
            Some((0, 0.0))
        );
    }

    #[test]
    fn quantities_name_order_and_fold_percentages() {
        let keys = [
            "system.gpu0.power-w",
            "system.memory.percent",
            "system.gpu0.memory-percent",
            "system.gpu0.memory-used-mb",
            "system.proc.rss-mb",
            "system.memory.used-mb",
            "system.proc.cpu-percent",
            "system.gpu0.utilization-percent",
            "system.future.thing",
            "train.loss",
        ];
        let q = quantities(keys);
        let labels: Vec<&str> = q.iter().map(|q| q.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "CPU (process tree)",
                "RSS (process tree)",
                "System memory",
                "GPU 0 utilization",
                "GPU 0 memory",
                "GPU 0 power",
                "future.thing",
            ]
        );
        let mem = &q[2];
        assert_eq!(mem.unit, "MB");
        assert_eq!(mem.percent_key.as_deref(), Some("system.memory.percent"));
        assert_eq!(
            q[4].percent_key.as_deref(),
            Some("system.gpu0.memory-percent")
        );
        // Without the reading in MB, the percentage is the chart.
        let q = quantities(["system.memory.percent"]);
        assert_eq!((q[0].label.as_str(), q[0].unit), ("System memory", "%"));
        assert_eq!(limit_from(8000.0, 50.0), Some(16000.0));
        assert_eq!(limit_from(8000.0, 0.0), None);
    }

    #[test]
    fn gpu_keys_parse() {
        assert_eq!(gpu_key("system.gpu12.power-w"), Some((12, "power-w")));
        assert_eq!(gpu_key("system.gpux.power-w"), None);
        assert_eq!(gpu_key("system.cpu.percent"), None);
        assert_eq!(
            ResourceUse::wanted("system.gpu3.utilization-percent"),
            Some(Wanted::GpuUtilization(3))
        );
        assert_eq!(ResourceUse::wanted("system.gpu3.power-w"), None);
    }
    #[test]
    fn headline_picks_cpu_rss_and_each_gpu() {
        let latest = [
            ("system.gpu1.memory-percent", 50.0),
            ("system.proc.rss-mb", 812.0),
            ("system.gpu0.utilization-percent", 97.0),
            ("system.gpu0.memory-used-mb", 20_480.0),
            ("system.proc.cpu-percent", 183.0),
            ("system.disk.read-mb-per-s", 3.0),
            ("train.loss", 0.1),
        ];
        let h: Vec<(String, f64, &str)> = headline(latest);
        let got: Vec<(&str, f64, &str)> = h.iter().map(|(l, v, u)| (l.as_str(), *v, *u)).collect();
        assert_eq!(
            got,
            [
                ("CPU", 183.0, "%"),
                ("RSS", 812.0, "MB"),
                ("GPU0", 97.0, "%"),
                ("GPU0 mem", 20_480.0, "MB"),
                ("GPU1 mem", 50.0, "%"),
            ]
        );
        assert!(headline([("train.loss", 1.0)]).is_empty());
    }
}
