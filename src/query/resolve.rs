//! Turning what a user typed into a ref: a full ref as is, `kind:` optional for runs, or a
//! unique suffix (`svm-baseline` for `run:wine-quality-clf.svm-baseline`), as the reference does.

use crate::model::Ref;
use crate::store::{StoreError, Workspace};

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No run matches `text`; `closest` are the nearest run refs by name, best first.
    #[error("no run matches `{text}`{}", did_you_mean(closest))]
    NoRun { text: String, closest: Vec<String> },
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

impl QueryError {
    /// No run matches `text`, with no suggestion.
    pub fn no_run(text: &str) -> Self {
        QueryError::NoRun {
            text: text.to_string(),
            closest: Vec::new(),
        }
    }
}

fn did_you_mean(closest: &[String]) -> String {
    match closest {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        many => format!("; did you mean one of {}?", many.join(", ")),
    }
}

/// Up to three run refs nearest to what was typed (`name` or `project.name`): names within a
/// few edits (typos: `basline` finds `baseline`) first, then names holding the text (a partial
/// name: `resnet` finds `wide-resnet`). A project part, when typed, must be close too.
fn closest_runs(typed: &str, runs: &[Ref]) -> Vec<String> {
    let typed = typed.to_lowercase();
    let (project, name) = match typed.rsplit_once('.') {
        Some((p, n)) => (Some(p), n),
        None => (None, typed.as_str()),
    };
    // A third of the text may be wrong, at least one character.
    let allowed = |text: &str| (text.chars().count() / 3).max(1);
    let mut scored: Vec<(usize, &Ref)> = runs
        .iter()
        .filter_map(|r| {
            let (run_project, run_name) = r.value().rsplit_once('.')?;
            if let Some(p) = project
                && strsim::levenshtein(p, run_project) > allowed(p)
                && !run_project.contains(p)
            {
                return None;
            }
            let typo = strsim::levenshtein(name, run_name);
            if typo <= allowed(name) {
                Some((typo, r))
            } else if name.chars().count() >= 3 && run_name.contains(name) {
                Some((allowed(name) + 1 + run_name.len().abs_diff(name.len()), r))
            } else {
                None
            }
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.as_str().cmp(b.1.as_str())));
    scored
        .into_iter()
        .take(3)
        .map(|(_, r)| r.to_string())
        .collect()
}

/// Resolves a run by full ref, `project.run` value, or unique suffix of the value.
pub fn resolve_run(ws: &Workspace, text: &str) -> Result<Ref, QueryError> {
    let text = text.trim();
    let snap = ws.read()?;
    let no_run = |needle: &str| -> Result<QueryError, QueryError> {
        let runs: Vec<Ref> = snap
            .run_rows(false)?
            .into_iter()
            .map(|r| r.run_ref)
            .collect();
        Ok(QueryError::NoRun {
            text: text.to_string(),
            closest: closest_runs(needle, &runs),
        })
    };
    if let Ok(r) = Ref::parse(text)
        && r.kind() == "run"
    {
        return match snap.run(&r)? {
            Some(_) => Ok(r),
            None => Err(no_run(r.value())?),
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
        0 => Err(no_run(needle)?),
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
