//! A workspace's whole content as comparable text: every project, run, stage, batch, sample,
//! operation, deployment, environment, artifact manifest, relation and provenance record as
//! entity JSON, and every record as canonical JSON in sequence order.
#![allow(dead_code)]

use contexta::model::json::entity_json;
use contexta::store::{Access, Workspace};
use std::path::Path;

pub fn dump(ws: &Workspace) -> Vec<String> {
    let s = ws.read().unwrap();
    let mut out = Vec::new();
    let mut push = |v: serde_json::Value| out.push(v.to_string());
    for p in s.projects().unwrap() {
        push(entity_json(&p));
    }
    for d in s.all_deployments().unwrap() {
        push(entity_json(&d));
    }
    for r in s.all_runs().unwrap() {
        push(entity_json(&r));
        let rr = &r.run_ref;
        s.stages(rr)
            .unwrap()
            .iter()
            .for_each(|x| push(entity_json(x)));
        s.batches(rr)
            .unwrap()
            .iter()
            .for_each(|x| push(entity_json(x)));
        s.samples(rr)
            .unwrap()
            .iter()
            .for_each(|x| push(entity_json(x)));
        s.operations(rr)
            .unwrap()
            .iter()
            .for_each(|x| push(entity_json(x)));
        s.environments(rr)
            .unwrap()
            .iter()
            .for_each(|x| push(entity_json(x)));
        s.artifacts(rr)
            .unwrap()
            .iter()
            .for_each(|x| push(entity_json(x)));
        for row in s
            .records_in(rr, 1, u32::MAX, false, usize::MAX, |_| true)
            .unwrap()
        {
            push(serde_json::json!({"seq": row.seq, "record": row.record.to_json()}));
        }
    }
    let mut rels = s.relations().unwrap();
    rels.sort_by(|a, b| a.relation_ref.cmp(&b.relation_ref));
    rels.iter().for_each(|x| push(entity_json(x)));
    s.all_provenance()
        .unwrap()
        .iter()
        .for_each(|x| push(entity_json(x)));
    out
}

pub fn dump_at(root: &Path) -> Vec<String> {
    dump(&Workspace::open(root, Access::Read).unwrap())
}

/// Every artifact object's bytes by relative path.
pub fn objects(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![root.join("artifacts/objects")];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

pub fn demo_at(root: &Path) {
    let ws = Workspace::open(root, Access::Write).unwrap();
    contexta::demo::generate(
        &ws,
        contexta::model::Timestamp::parse("2026-11-20T09:00:00Z").unwrap(),
        42,
    )
    .unwrap();
}
