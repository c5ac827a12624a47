//! `contexta doctor [--repair]`: redb's page check, the store's index and reference checks,
//! and artifact hashes. Exit 0 healthy, 3 when something is found (or remains after
//! `--repair`), 1 when the check itself could not run.

use super::super::Ctx;
use super::super::args::DoctorArgs;
use super::super::output;
use crate::recovery::health;
use crate::recovery::verify::{ArtifactState, verify_artifact};
use crate::store::{Access, Finding, FindingSeverity, Workspace, check_pages};

/// Runs `f`, turning a panic inside the database library (possible on a file altered behind
/// its back) into an error, without the panic message on the terminal.
fn guarded<T>(f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    match r {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(anyhow::anyhow!("the database file is damaged ({msg})"))
        }
    }
}

/// Keeps what this run found about the database for plain reads to warn about, or forgets
/// earlier damage once the database checks out. Artifact findings are not database damage.
fn remember(root: &std::path::Path, findings: &[Finding]) {
    let damage: Vec<String> = findings
        .iter()
        .filter(|f| f.severity == FindingSeverity::Error && !f.code.starts_with("artifact_"))
        .map(|f| format!("{} {}: {}", f.code, f.subject, f.message))
        .collect();
    let done = if damage.is_empty() {
        health::clear(root)
    } else {
        health::record_damage(root, "doctor", damage)
    };
    if let Err(e) = done {
        eprintln!(
            "note: could not keep the result for later commands: {}",
            crate::sanitize::sanitize(&e.to_string())
        );
    }
}

fn finding(code: &'static str, subject: &str, message: String) -> Finding {
    Finding {
        code,
        severity: FindingSeverity::Error,
        subject: subject.to_string(),
        message,
        repairable: false,
    }
}

struct Outcome {
    pages: bool,
    runs: u64,
    records: u64,
    artifacts: u64,
    findings: Vec<Finding>,
}

fn examine(ws: &Workspace, artifacts: bool) -> anyhow::Result<Outcome> {
    let report = ws.read()?.check()?;
    let mut findings = report.findings;
    let mut count = 0;
    if artifacts {
        for m in ws.read()?.all_artifacts()? {
            count += 1;
            let c = verify_artifact(ws.root(), &m)?;
            let code = match c.state {
                ArtifactState::Missing => "artifact_missing",
                ArtifactState::Changed => "artifact_changed",
                _ => continue,
            };
            findings.push(finding(code, &c.artifact_ref, c.detail));
        }
    }
    Ok(Outcome {
        pages: true,
        runs: report.runs,
        records: report.records,
        artifacts: count,
        findings,
    })
}

pub fn run(ctx: &Ctx, a: &DoctorArgs) -> anyhow::Result<i32> {
    let root = ctx.root()?;
    if !root.join(crate::store::DB_FILE).exists() {
        return Err(crate::store::no_workspace(&root).into());
    }
    let pages = guarded(|| Ok(check_pages(&root)?));
    match pages {
        Ok(()) => {}
        // A lock held by another mode or an I/O failure (read-only disk…) is not damage.
        Err(e)
            if matches!(
                e.downcast_ref::<crate::store::StoreError>(),
                Some(crate::store::StoreError::Locked { .. } | crate::store::StoreError::Io { .. })
            ) =>
        {
            return Err(e.context("the database page check could not run"));
        }
        Err(e) => {
            let f = finding(
                "database_corrupt",
                &root.join(crate::store::DB_FILE).display().to_string(),
                format!("{e:#}; restore it from a backup (`contexta restore apply`)"),
            );
            remember(&root, std::slice::from_ref(&f));
            print(
                ctx,
                &Outcome {
                    pages: false,
                    runs: 0,
                    records: 0,
                    artifacts: 0,
                    findings: vec![f],
                },
                None,
            );
            return Ok(3);
        }
    }
    let access = if a.repair {
        Access::Write
    } else {
        Access::Read
    };
    let ws = guarded(|| Ok(Workspace::open(&root, access)?))?;
    let mut out = guarded(|| examine(&ws, !a.no_artifacts))?;
    let mut repair = None;
    if a.repair && out.findings.iter().any(|f| f.repairable) {
        let rep = ws.repair()?;
        let before = out.findings.len();
        out = guarded(|| examine(&ws, !a.no_artifacts))?;
        repair = Some((rep, before));
    }
    remember(&root, &out.findings);
    print(ctx, &out, repair.as_ref());
    Ok(if out.findings.is_empty() { 0 } else { 3 })
}

fn print(ctx: &Ctx, o: &Outcome, repair: Option<&(crate::store::RepairReport, usize)>) {
    let db = if o.pages { "ok" } else { "damaged" };
    if ctx.json() {
        output::json(&serde_json::json!({
            "healthy": o.findings.is_empty(),
            "database": db,
            "runs": o.runs,
            "records": o.records,
            "artifacts": o.artifacts,
            "findings": o.findings,
            "repair": repair.map(|(r, before)| serde_json::json!({
                "findings_before": before, "rebuilt": r.rebuilt, "not_repaired": r.not_repaired})),
        }));
        return;
    }
    output::line(&format!(
        "database   {}",
        if o.pages {
            "ok (every page checksum verified)"
        } else {
            "damaged"
        }
    ));
    output::line(&format!(
        "checked    {} runs, {} records, {} artifacts",
        o.runs, o.records, o.artifacts
    ));
    if let Some((r, before)) = repair {
        output::line(&format!(
            "repair     {before} findings before; rebuilt {}",
            r.rebuilt.join("; ")
        ));
        for n in &r.not_repaired {
            output::line(&format!("           not repaired: {n}"));
        }
    }
    if o.findings.is_empty() {
        output::line("healthy");
        return;
    }
    output::line(&format!("{} problems", o.findings.len()));
    for f in &o.findings {
        let sev = match f.severity {
            FindingSeverity::Error => ctx.style.paint("31", "error  "),
            FindingSeverity::Warning => ctx.style.paint("33", "warning"),
        };
        output::raw_line(&format!(
            "  {sev}  {}  {}: {}{}",
            f.code,
            crate::sanitize::sanitize(&f.subject),
            crate::sanitize::sanitize(&f.message),
            if f.repairable {
                "  [--repair rebuilds it]"
            } else {
                ""
            }
        ));
    }
}
