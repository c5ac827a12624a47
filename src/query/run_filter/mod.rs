//! The run query language, shared by `contexta runs --where`, the explorer tree's `/` and
//! `:filter`: `status = failed and lr < 0.01`, `val-accuracy >= 0.9`, `started > 2h ago`,
//! `name ~ /^cnn-\d+$/`, or a bare word, which matches a run's name or ref as a substring.
//!
//! `lex` makes tokens, `parse` checks the query against each field's kind (a time field takes a
//! time, `duration` a duration) so a mistake is reported with its column before anything is
//! read, `value` reads times and durations, `eval` decides for one run. The printer
//! (`Display`) writes a query the parser reads back to the same tree.

mod eval;
mod lex;
mod parse;
mod value;

pub use eval::RunFacts;
pub use lex::Op;
pub use parse::{Cmp, Expr, Field, Pattern, Value};
pub use value::When;

use crate::model::Timestamp;
use std::fmt;

/// A query that does not parse: what was expected, and where (1-based character column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub column: usize,
    pub message: String,
}

impl ParseError {
    pub fn new(column: usize, message: impl Into<String>) -> Self {
        ParseError {
            column,
            message: message.into(),
        }
    }

    /// The query and a caret under the column, for a terminal: two lines.
    pub fn caret(&self, query: &str) -> String {
        let pad = " ".repeat(self.column.saturating_sub(1));
        format!("  {query}\n  {pad}^")
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for ParseError {}

/// A parsed run query. The empty query matches every run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunQuery {
    pub expr: Option<Expr>,
}

impl RunQuery {
    pub fn parse(text: &str) -> Result<RunQuery, ParseError> {
        Ok(RunQuery {
            expr: parse::parse(&lex::lex(text)?, text.chars().count())?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.expr.is_none()
    }

    /// Whether the run's parameters are needed (a param field, or a name that may be one).
    pub fn needs_params(&self) -> bool {
        self.expr
            .as_ref()
            .is_some_and(|e| e.any_field(&|f| matches!(f, Field::Param(_) | Field::Auto(_))))
    }

    /// Whether the runs' latest metric values are needed (read only then: they cost a read
    /// per run).
    pub fn needs_metrics(&self) -> bool {
        self.expr
            .as_ref()
            .is_some_and(|e| e.any_field(&|f| matches!(f, Field::Metric(_) | Field::Auto(_))))
    }

    /// Whether the project's tags are needed.
    pub fn needs_tags(&self) -> bool {
        self.expr
            .as_ref()
            .is_some_and(|e| e.any_field(&|f| matches!(f, Field::Tag(_))))
    }

    /// The words of a query made only of bare words (`mnist cnn`), which the tree also looks
    /// for among artifact names; `None` for a query with any comparison.
    pub fn bare_words(&self) -> Option<Vec<&str>> {
        let mut out = Vec::new();
        self.expr.as_ref()?.bare_words(&mut out).then_some(out)
    }

    /// Whether the run matches, at `now` (for `2h ago`, `today`; days are UTC days).
    pub fn matches(&self, run: &RunFacts<'_>, now: Timestamp) -> bool {
        self.expr.as_ref().is_none_or(|e| e.eval(run, now))
    }
}

impl fmt::Display for RunQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.expr {
            Some(e) => write!(f, "{e}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests;
