//! Reading the reference ledger (`metadata/ledger.db`, a DuckDB file) through DuckDB itself:
//! a tiny script run by the user's Python, with the `duckdb` module every reference user has,
//! prints each table's `payload_json` (the canonical model JSON) as JSON lines. DuckDB's file
//! format is never parsed here, and a ledger that cannot be read is reported, never guessed.

use std::path::Path;
use std::process::{Command, Stdio};

/// Ledger tables and the entity kind each row becomes, in the order entities must be applied.
pub(crate) const TABLES: [(&str, &str); 9] = [
    ("projects", "project"),
    ("runs", "run"),
    ("stage_executions", "stage"),
    ("batch_executions", "batch"),
    ("sample_observations", "sample"),
    ("deployment_executions", "deployment"),
    ("environment_snapshots", "environment"),
    ("relations", "relation"),
    ("provenance_records", "provenance"),
];

const SCRIPT: &str = r#"
import json, sys
try:
    import duckdb
except Exception as e:
    print(json.dumps({"fatal": "the Python module duckdb is not available (%s); pip install duckdb" % e}))
    sys.exit(0)
try:
    con = duckdb.connect(sys.argv[1], read_only=True)
except Exception as e:
    print(json.dumps({"fatal": "DuckDB could not open the ledger: %s" % e}))
    sys.exit(0)
for table in sys.argv[2:]:
    try:
        rows = con.execute("SELECT payload_json FROM " + table + " ORDER BY ref").fetchall()
    except Exception as e:
        print(json.dumps({"table": table, "error": str(e)}))
        continue
    for (payload,) in rows:
        print(json.dumps({"table": table, "payload": payload}))
"#;

#[derive(Debug, Default)]
pub(crate) struct Ledger {
    /// (table, payload_json) in table order.
    pub rows: Vec<(String, String)>,
    /// Tables DuckDB could not read, with its message.
    pub table_errors: Vec<(String, String)>,
}

/// Reads every table's payloads, or says why the ledger could not be read at all.
pub(crate) fn read_ledger(python: &str, db: &Path) -> Result<Ledger, String> {
    let mut cmd = Command::new(python);
    cmd.arg("-c").arg(SCRIPT).arg(db);
    for (t, _) in TABLES {
        cmd.arg(t);
    }
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run `{python}`: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("").to_string();
        return Err(format!("`{python}` failed ({}): {last}", out.status));
    }
    let mut ledger = Ledger::default();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if let Some(f) = v.get("fatal").and_then(|f| f.as_str()) {
            return Err(f.to_string());
        }
        let table = v["table"].as_str().unwrap_or("").to_string();
        match (v.get("payload").and_then(|p| p.as_str()), v.get("error")) {
            (Some(p), _) => ledger.rows.push((table, p.to_string())),
            (None, Some(e)) => ledger
                .table_errors
                .push((table, e.as_str().unwrap_or("").to_string())),
            _ => {}
        }
    }
    Ok(ledger)
}
