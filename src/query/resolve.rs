//! Turning what a user typed into a ref: a full ref as is, `kind:` optional for runs, or a
//! unique suffix (`svm-baseline` for `run:wine-quality-clf.svm-baseline`), as the reference does.

use crate::model::Ref;
use crate::store::{StoreError, Workspace};

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no run matches `{0}`")]
    NoRun(String),
    #[error("`{text}` is ambiguous: {}", candidates.join(", "))]
    Ambiguous {
        text: String,
        candidates: Vec<String>,
    },
    /// What the user typed does not parse (a usage error, not a state of the workspace).
    #[error("{0}")]
    Invalid(String),
    /// A metric that is not there; `available` names the keys `holder` ("it has", "they
    /// have", "the run has") does have.
    #[error("no metric `{key}` in {place}; {}", known_keys(holder, available))]
    NoMetric {
        key: String,
        place: String,
        holder: &'static str,
        available: Vec<String>,
    },
    /// A metric asked of a run filter that matches no run.
    #[error("no metric `{0}`: no run matches the filter")]
    NoRunsForMetric(String),
}

/// "it has: a, b, c", shortened when long.
fn known_keys(who: &str, keys: &[String]) -> String {
    const SHOWN: usize = 20;
    if keys.is_empty() {
        return format!("{who} no metrics");
    }
    let mut text = format!(
        "{who}: {}",
        keys.iter()
            .take(SHOWN)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    );
    if keys.len() > SHOWN {
        text.push_str(&format!(" … ({} more)", keys.len() - SHOWN));
    }
    text
}

/// Resolves a run by full ref, `project.run` value, or unique suffix of the value.
pub fn resolve_run(ws: &Workspace, text: &str) -> Result<Ref, QueryError> {
    let text = text.trim();
    let snap = ws.read()?;
    if let Ok(r) = Ref::parse(text)
        && r.kind() == "run"
    {
        return match snap.run(&r)? {
            Some(_) => Ok(r),
            None => Err(QueryError::NoRun(text.to_string())),
        };
    }
    if let Ok(r) = Ref::parse(&format!("run:{text}"))
        && snap.run(&r)?.is_some()
    {
        return Ok(r);
    }
    let needle = text.strip_prefix("run:").unwrap_or(text);
    let suffix = format!(".{needle}");
    let matches: Vec<Ref> = snap
        .run_rows(false)?
        .into_iter()
        .map(|row| row.run_ref)
        .filter(|r| r.value() == needle || r.value().ends_with(&suffix))
        .collect();
    match matches.len() {
        0 => Err(QueryError::NoRun(text.to_string())),
        1 => Ok(matches.into_iter().next().expect("one match")),
        _ => Err(QueryError::Ambiguous {
            text: text.to_string(),
            candidates: matches.iter().map(|r| r.to_string()).collect(),
        }),
    }
}

/// Any ref: parsed as is when it has a kind, else resolved as a run.
pub fn resolve_ref(ws: &Workspace, text: &str) -> Result<Ref, QueryError> {
    if text.contains(':') {
        return Ref::parse(text.trim()).map_err(|e| QueryError::Invalid(e.to_string()));
    }
    resolve_run(ws, text)
}
