//! One run against a query. A field the run has no value for (an open run's `ended`, a
//! parameter it never set) makes its comparison false, whatever the operator: `lr != 0.1`
//! lists the runs that set `lr` to something else, not the runs without `lr`.

use super::lex::Op;
use super::parse::{Cmp, Expr, Field, Value};
use crate::model::{Ref, Status, Timestamp, took};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// What a query can ask of one run. Parameters, metrics and tags are read only when the query
/// names them (`RunQuery::needs_*`); `None` then means "not read" and compares as missing.
#[derive(Clone, Copy, Debug)]
pub struct RunFacts<'a> {
    pub run_ref: &'a Ref,
    pub name: &'a str,
    pub project: &'a str,
    pub status: Status,
    pub started: Timestamp,
    pub ended: Option<Timestamp>,
    /// The last record's time (for an open run's duration so far).
    pub last_observed: i64,
    pub params: Option<&'a BTreeMap<String, String>>,
    /// Latest value per metric key.
    pub metrics: Option<&'a BTreeMap<String, f64>>,
    pub tags: Option<&'a BTreeMap<String, String>>,
}

/// A field's value for one run.
enum Got<'a> {
    Text(&'a str),
    Number(f64),
    Time(i64),
    Status(Status),
}

impl Expr {
    pub(super) fn eval(&self, run: &RunFacts<'_>, now: Timestamp) -> bool {
        match self {
            Expr::Or(a, b) => a.eval(run, now) || b.eval(run, now),
            Expr::And(a, b) => a.eval(run, now) && b.eval(run, now),
            Expr::Not(a) => !a.eval(run, now),
            Expr::Cmp(c) => c.eval(run, now),
            Expr::Text(t) => {
                let t = t.to_lowercase();
                run.name.to_lowercase().contains(&t)
                    || run.run_ref.as_str().to_lowercase().contains(&t)
                    || run.project.to_lowercase().contains(&t)
            }
        }
    }
}

fn field_value<'a>(field: &Field, run: &RunFacts<'a>) -> Option<Got<'a>> {
    Some(match field {
        Field::Status => Got::Status(run.status),
        Field::Project => Got::Text(run.project),
        Field::Name => Got::Text(run.name),
        Field::Ref => Got::Text(run.run_ref.as_str()),
        Field::Started => Got::Time(run.started.0),
        Field::Ended => Got::Time(run.ended?.0),
        Field::Duration => Got::Number(took(run.started, run.ended, run.last_observed)),
        Field::Param(k) => Got::Text(run.params?.get(k)?),
        Field::Metric(k) => Got::Number(*run.metrics?.get(k)?),
        Field::Tag(k) => Got::Text(run.tags?.get(k)?),
        Field::Auto(k) => match run.params.and_then(|p| p.get(k)) {
            Some(v) => Got::Text(v),
            None => Got::Number(*run.metrics?.get(k)?),
        },
    })
}

fn holds(op: Op, ord: Ordering) -> bool {
    match op {
        Op::Eq => ord == Ordering::Equal,
        Op::Ne => ord != Ordering::Equal,
        Op::Lt => ord == Ordering::Less,
        Op::Le => ord != Ordering::Greater,
        Op::Gt => ord == Ordering::Greater,
        Op::Ge => ord != Ordering::Less,
        Op::Match | Op::NotMatch => false,
    }
}

fn number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|n| !n.is_nan())
}

impl Cmp {
    fn eval(&self, run: &RunFacts<'_>, now: Timestamp) -> bool {
        // A run and a project each go by two names: `ref = mnist.baseline` and
        // `ref = run:mnist.baseline` name the same run, `project = mnist` the project whose
        // ref is `project:mnist` whatever its display name.
        let names = match self.field {
            Field::Ref => Some([run.run_ref.as_str(), run.run_ref.value()]),
            Field::Project => Some([
                run.project,
                run.run_ref.components().next().unwrap_or(run.project),
            ]),
            _ => None,
        };
        if let Some(names) = names {
            let positive = match self.op {
                Op::Ne => Op::Eq,
                Op::NotMatch => Op::Match,
                op => op,
            };
            let either = names
                .iter()
                .any(|r| self.holds_for(positive, Got::Text(r), now));
            return either == (positive == self.op);
        }
        match field_value(&self.field, run) {
            Some(got) => self.holds_for(self.op, got, now),
            None => false,
        }
    }

    fn holds_for(&self, op: Op, got: Got<'_>, now: Timestamp) -> bool {
        if let Value::Pattern(p) = &self.value {
            let text = match &got {
                Got::Text(t) => p.is_match(t),
                Got::Number(n) => p.is_match(&n.to_string()),
                Got::Status(s) => p.is_match(s.as_str()),
                Got::Time(_) => false,
            };
            return text == (op == Op::Match);
        }
        match (&got, &self.value) {
            (Got::Status(s), Value::Status(v)) => holds(op, s.cmp(v)),
            (Got::Time(t), Value::Time(w)) => {
                // A time as written covers a span (a day, or one instant): `>` is after all
                // of it, `>=` from its start, `<` before it, `<=` to its end, `=` within.
                let (from, to) = w.span(now);
                match op {
                    Op::Eq => (from..to).contains(t),
                    Op::Ne => !(from..to).contains(t),
                    Op::Lt => *t < from,
                    Op::Le => *t < to,
                    Op::Gt => *t >= to,
                    Op::Ge => *t >= from,
                    Op::Match | Op::NotMatch => false,
                }
            }
            (Got::Number(n), Value::Seconds(v) | Value::Number(v)) => {
                n.partial_cmp(v).is_some_and(|o| holds(op, o))
            }
            (Got::Number(n), Value::Text(v)) => {
                number(v).is_some_and(|v| n.partial_cmp(&v).is_some_and(|o| holds(op, o)))
            }
            (Got::Text(t), Value::Text(v)) => match (number(t), number(v)) {
                // `lr = 0.01` holds for a parameter written `1e-2`.
                (Some(a), Some(b)) => a.partial_cmp(&b).is_some_and(|o| holds(op, o)),
                _ => match op {
                    Op::Eq | Op::Ne => holds(op, t.cmp(&v.as_str())),
                    // Ordering text that is not numbers: no run holds it.
                    _ => false,
                },
            },
            (Got::Text(t), Value::Number(v)) => {
                number(t).is_some_and(|n| n.partial_cmp(v).is_some_and(|o| holds(op, o)))
            }
            _ => false,
        }
    }
}
