//! Host metrics of a wrapped command, sampled every `--system-interval` and logged as metrics
//! of its run under `system.*` (sysinfo for the host, `gpu` for NVIDIA GPUs):
//!
//! - `system.proc.cpu-percent`, `system.proc.rss-mb`, `system.proc.count`: the command's
//!   process tree (100 % is one core busy);
//! - `system.cpu.percent`: the whole host, all cores;
//! - `system.memory.used-mb`, `system.memory.percent`;
//! - `system.disk.read-mb-per-s`, `system.disk.write-mb-per-s`, `system.net.recv-mb-per-s`,
//!   `system.net.sent-mb-per-s` (loopback left out);
//! - `system.gpu<N>.utilization-percent`, `…memory-used-mb`, `…memory-percent`,
//!   `…temperature-c`, `…power-w` per GPU the command can see.

use super::gpu::Gpus;
use std::collections::{HashMap, HashSet};
use std::time::Instant;
use sysinfo::{
    DiskRefreshKind, Disks, Networks, Pid, ProcessRefreshKind, ProcessesToUpdate, System,
};

const MIB: f64 = 1024.0 * 1024.0;

pub struct SystemSampler {
    root: Pid,
    sys: Option<System>,
    disks: Option<Disks>,
    networks: Option<Networks>,
    gpus: Option<Gpus>,
    last: Instant,
    /// The tree at the last sample: refreshed again, so that those of its processes that have
    /// exited are dropped (a refresh of listed pids forgets only the dead ones it lists).
    tree: Vec<Pid>,
}

impl SystemSampler {
    /// Starts measuring the tree rooted at `pid` (rates and CPU need a first reading to
    /// compare with, taken here). A source that cannot be read is left out, never an error.
    pub fn new(pid: u32, gpus: Option<Gpus>) -> Self {
        let mut s = SystemSampler {
            root: Pid::from_u32(pid),
            sys: System::new().ok(),
            disks: Disks::new_with_refreshed_list().ok(),
            networks: Networks::new_with_refreshed_list().ok(),
            gpus,
            last: Instant::now(),
            tree: Vec::new(),
        };
        if let Some(sys) = s.sys.as_mut() {
            s.tree = refresh_processes(sys, s.root, &[]);
            sys.refresh_cpu_usage();
        }
        s
    }

    pub fn gpus(&self) -> Option<&Gpus> {
        self.gpus.as_ref()
    }

    /// One reading of every metric, `(key, value)`.
    pub fn sample(&mut self) -> Vec<(String, f64)> {
        let now = Instant::now();
        let secs = now.duration_since(self.last).as_secs_f64().max(1e-3);
        self.last = now;
        let mut out = Vec::with_capacity(16);
        if let Some(sys) = self.sys.as_mut() {
            let tree = refresh_processes(sys, self.root, &self.tree);
            sys.refresh_cpu_usage();
            sys.refresh_memory();
            let (cpu, rss, count) = tree_usage(sys, &tree);
            self.tree = tree;
            if count > 0 {
                out.push(("system.proc.cpu-percent".into(), cpu));
                out.push(("system.proc.rss-mb".into(), rss as f64 / MIB));
                out.push(("system.proc.count".into(), count as f64));
            }
            out.push((
                "system.cpu.percent".into(),
                f64::from(sys.global_cpu_usage()),
            ));
            let (used, total) = (sys.used_memory(), sys.total_memory());
            out.push(("system.memory.used-mb".into(), used as f64 / MIB));
            if total > 0 {
                out.push((
                    "system.memory.percent".into(),
                    used as f64 * 100.0 / total as f64,
                ));
            }
        }
        if let Some(disks) = self.disks.as_mut() {
            disks.refresh_specifics(true, DiskRefreshKind::nothing().with_io_usage());
            // A device mounted at several places (bind mounts) is counted once.
            let mut seen = HashSet::new();
            let (mut read, mut written) = (0u64, 0u64);
            for d in disks.iter() {
                if seen.insert(d.name().to_os_string()) {
                    let u = d.usage();
                    read += u.read_bytes;
                    written += u.written_bytes;
                }
            }
            out.push(("system.disk.read-mb-per-s".into(), read as f64 / MIB / secs));
            out.push((
                "system.disk.write-mb-per-s".into(),
                written as f64 / MIB / secs,
            ));
        }
        if let Some(nets) = self.networks.as_mut() {
            nets.refresh(true);
            let (mut recv, mut sent) = (0u64, 0u64);
            for (name, data) in nets.iter() {
                if name != "lo" {
                    recv += data.received();
                    sent += data.transmitted();
                }
            }
            out.push(("system.net.recv-mb-per-s".into(), recv as f64 / MIB / secs));
            out.push(("system.net.sent-mb-per-s".into(), sent as f64 / MIB / secs));
        }
        if let Some(g) = &self.gpus {
            g.sample(&mut out);
        }
        out
    }
}

/// The command's tree as `/proc/PID/task/TID/children` lists it (every thread's children: a
/// process can start another from any thread), root first; `None` where the kernel does not
/// list children (built without CONFIG_PROC_CHILDREN, or not Linux). An exited root gives an
/// empty tree.
fn tree_from_proc(root: Pid) -> Option<Vec<Pid>> {
    let root_children = format!("/proc/{root}/task/{root}/children");
    match std::fs::metadata(&root_children) {
        Ok(_) => {}
        Err(_) if std::fs::metadata(format!("/proc/{root}")).is_err() => return Some(Vec::new()),
        Err(_) => return None,
    }
    let mut tree = vec![root];
    let mut seen: HashSet<Pid> = HashSet::from([root]);
    let mut i = 0;
    while let Some(&pid) = tree.get(i) {
        i += 1;
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let Ok(kids) = std::fs::read_to_string(task.path().join("children")) else {
                continue;
            };
            for kid in kids.split_ascii_whitespace() {
                if let Ok(n) = kid.parse::<u32>()
                    && seen.insert(Pid::from_u32(n))
                {
                    tree.push(Pid::from_u32(n));
                }
            }
        }
    }
    Some(tree)
}

/// Refreshes CPU and memory of the command's tree only, where the kernel lists children (a
/// busy host has thousands of processes and threads, and reading all of them every interval was
/// most of the sampler's cost); else of every process. `before` is the tree at the last
/// sample: its processes are refreshed too, so the exited ones are dropped instead of kept
/// forever. Returns the tree.
fn refresh_processes(sys: &mut System, root: Pid, before: &[Pid]) -> Vec<Pid> {
    let what = ProcessRefreshKind::nothing()
        .with_cpu()
        .with_memory()
        .without_tasks();
    if let Some(tree) = tree_from_proc(root) {
        let mut listed = tree.clone();
        listed.extend(before.iter().filter(|p| !tree.contains(p)));
        sys.refresh_processes_specifics(ProcessesToUpdate::Some(&listed), true, what);
        return tree;
    }
    sys.refresh_processes_specifics(ProcessesToUpdate::All, true, what);
    tree_of(sys, root)
}

/// `root` and its descendants, from the parents sysinfo read.
fn tree_of(sys: &System, root: Pid) -> Vec<Pid> {
    let mut children: HashMap<Pid, Vec<Pid>> = HashMap::new();
    for (pid, p) in sys.processes() {
        if let Some(parent) = p.parent() {
            children.entry(parent).or_default().push(*pid);
        }
    }
    let mut tree = Vec::new();
    let mut stack = vec![root];
    let mut seen = HashSet::new();
    while let Some(pid) = stack.pop() {
        if !seen.insert(pid) {
            continue;
        }
        tree.push(pid);
        if let Some(c) = children.get(&pid) {
            stack.extend(c);
        }
    }
    tree
}

/// CPU % (of one core), resident bytes and process count of the processes in `tree` that are
/// still there.
fn tree_usage(sys: &System, tree: &[Pid]) -> (f64, u64, usize) {
    let (mut cpu, mut rss, mut count) = (0.0, 0u64, 0usize);
    for p in tree.iter().filter_map(|pid| sys.process(*pid)) {
        cpu += f64::from(p.cpu_usage());
        rss += p.memory();
        count += 1;
    }
    (cpu, rss, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_this_process_tree_and_the_host() {
        let mut s = SystemSampler::new(std::process::id(), None);
        // Burn CPU between samples until the tree's share shows: on a loaded machine one short
        // window may fall between the scheduler's ticks, so retry within a deadline.
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        let mut x = 0u64;
        let m: HashMap<String, f64> = loop {
            let until = Instant::now() + std::time::Duration::from_millis(300);
            while Instant::now() < until {
                x = x.wrapping_mul(31).wrapping_add(7);
            }
            let m: HashMap<String, f64> = s.sample().into_iter().collect();
            if m["system.proc.cpu-percent"] > 1.0 || Instant::now() > deadline {
                break m;
            }
        };
        assert!(x != 1);
        assert!(m["system.proc.count"] >= 1.0);
        let rss = m["system.proc.rss-mb"];
        assert!(rss > 1.0 && rss < 4096.0, "rss {rss}");
        assert!(m["system.proc.cpu-percent"] > 1.0, "{m:?}");
        let mem = m["system.memory.percent"];
        assert!(mem > 0.0 && mem <= 100.0);
        for k in ["system.disk.read-mb-per-s", "system.net.recv-mb-per-s"] {
            assert!(m[k] >= 0.0, "{k}");
        }
    }

    #[test]
    fn the_tree_holds_children_and_grandchildren_started_from_any_thread() {
        // Test threads are not the process's main thread: children they start are listed under
        // their own task, which a main-thread-only walk would miss.
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & wait"])
            .spawn()
            .unwrap();
        let me = Pid::from_u32(std::process::id());
        let kid = Pid::from_u32(child.id());
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        let (tree, all) = loop {
            let mut sys = System::new().unwrap();
            let tree = refresh_processes(&mut sys, me, &[]);
            sys.refresh_processes_specifics(
                ProcessesToUpdate::All,
                true,
                ProcessRefreshKind::nothing().without_tasks(),
            );
            let all = tree_of(&sys, me);
            // The grandchild (`sleep`) exists once `sh` has forked it.
            if tree.len() >= 3 || Instant::now() > deadline {
                break (tree, all);
            }
        };
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(tree[0], me);
        assert!(tree.contains(&kid), "{tree:?}");
        assert!(tree.len() >= 3, "no grandchild in {tree:?}");
        // Where the kernel lists children, the walk agrees with parents read from every process.
        let (mut a, mut b) = (tree.clone(), all);
        a.sort();
        b.sort();
        for pid in &a {
            assert!(b.contains(pid), "{pid:?} of {a:?} not in {b:?}");
        }
        assert!(tree_from_proc(Pid::from_u32(u32::MAX - 1)).is_some_and(|t| t.is_empty()));
    }

    #[test]
    fn a_child_that_exited_is_forgotten_at_the_next_sample() {
        let mut s = SystemSampler::new(std::process::id(), None);
        let mut child = std::process::Command::new("sleep")
            .arg("0.2")
            .spawn()
            .unwrap();
        let pid = Pid::from_u32(child.id());
        s.sample();
        assert!(s.tree.contains(&pid), "{:?}", s.tree);
        assert!(s.sys.as_ref().unwrap().process(pid).is_some());
        child.wait().unwrap();
        s.sample();
        assert!(!s.tree.contains(&pid));
        assert!(
            s.sys.as_ref().unwrap().process(pid).is_none(),
            "an exited child stays in the sampler's process table"
        );
    }
}
