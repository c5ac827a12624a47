//! The language end to end: what parses to what, what each error says and where, what a run
//! matches, and two properties (any text parses or errors without panicking; a parsed query
//! printed and parsed again is the same query).

use super::*;
use crate::model::{Ref, Status, Timestamp};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn err(q: &str) -> ParseError {
    RunQuery::parse(q).unwrap_err()
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

struct Run {
    run_ref: Ref,
    name: String,
    status: Status,
    started: Timestamp,
    ended: Option<Timestamp>,
    params: BTreeMap<String, String>,
    metrics: BTreeMap<String, f64>,
    tags: BTreeMap<String, String>,
}

impl Run {
    fn new(name: &str, status: Status, started: &str, ended: Option<&str>) -> Run {
        Run {
            run_ref: Ref::parse(&format!("run:mnist.{name}")).unwrap(),
            name: name.to_string(),
            status,
            started: ts(started),
            ended: ended.map(ts),
            params: BTreeMap::new(),
            metrics: BTreeMap::new(),
            tags: BTreeMap::new(),
        }
    }

    fn facts(&self) -> RunFacts<'_> {
        RunFacts {
            run_ref: &self.run_ref,
            name: &self.name,
            project: "MNIST digits",
            status: self.status,
            started: self.started,
            ended: self.ended,
            last_observed: self.ended.map_or(self.started.0 + 1_800_000_000, |e| e.0),
            params: Some(&self.params),
            metrics: Some(&self.metrics),
            tags: Some(&self.tags),
        }
    }
}

fn runs() -> Vec<Run> {
    let mut a = Run::new(
        "baseline",
        Status::Completed,
        "2026-11-30T10:00:00Z",
        Some("2026-11-30T10:30:00Z"),
    );
    a.params.insert("lr".into(), "0.01".into());
    a.metrics.insert("val/acc".into(), 0.91);
    a.metrics.insert("val-accuracy".into(), 0.91);
    a.tags.insert("team".into(), "vision".into());
    let mut b = Run::new(
        "cnn-12",
        Status::Failed,
        "2026-12-01T16:00:00Z",
        Some("2026-12-01T16:05:00Z"),
    );
    b.params.insert("lr".into(), "1e-3".into());
    b.metrics.insert("val/acc".into(), 0.42);
    let c = Run::new("live-3", Status::Open, "2026-12-01T18:00:00Z", None);
    vec![a, b, c]
}

/// Names of the fixture runs a query matches, at 2026-12-01T18:30:00Z.
fn matching(q: &str) -> Vec<String> {
    let query = RunQuery::parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
    let now = ts("2026-12-01T18:30:00Z");
    runs()
        .iter()
        .filter(|r| query.matches(&r.facts(), now))
        .map(|r| r.name.clone())
        .collect()
}

#[test]
fn fields_compare_by_their_kind() {
    assert_eq!(matching("status = failed"), ["cnn-12"]);
    assert_eq!(matching("status != completed"), ["cnn-12", "live-3"]);
    assert_eq!(matching("status = running"), ["live-3"]);
    assert_eq!(matching("project = mnist").len(), 3, "by its ref");
    assert_eq!(
        matching("project = \"MNIST digits\"").len(),
        3,
        "by its name"
    );
    assert!(matching("project != mnist").is_empty());
    assert_eq!(matching("project ~ mni*").len(), 3);
    assert_eq!(matching("name ~ cnn-*"), ["cnn-12"]);
    assert_eq!(matching(r"name ~ /^cnn-\d+$/"), ["cnn-12"]);
    assert_eq!(matching("name !~ /^cnn/"), ["baseline", "live-3"]);
    assert_eq!(matching("ref = mnist.baseline"), ["baseline"]);
    assert_eq!(matching("ref = run:mnist.baseline"), ["baseline"]);
    assert_eq!(matching("ref != mnist.baseline"), ["cnn-12", "live-3"]);
}

#[test]
fn params_and_metrics_by_name_or_prefix_compare_as_numbers() {
    assert_eq!(matching("lr < 0.005"), ["cnn-12"]);
    assert_eq!(matching("params.lr = 0.001"), ["cnn-12"]);
    assert_eq!(
        matching("lr != 0.01"),
        ["cnn-12"],
        "a run without lr is no match"
    );
    assert_eq!(matching("val-accuracy >= 0.9"), ["baseline"]);
    assert_eq!(matching("`val/acc` > 0.4"), ["baseline", "cnn-12"]);
    assert_eq!(matching("metrics.val/acc < 0.5"), ["cnn-12"]);
    assert_eq!(matching("\"metrics.val/acc\" < 0.5"), ["cnn-12"]);
    assert_eq!(matching("tags.team = vision"), ["baseline"]);
    assert!(matching("nosuchkey > 0").is_empty());
}

#[test]
fn times_and_durations() {
    assert_eq!(matching("started > 3h ago"), ["cnn-12", "live-3"]);
    assert_eq!(matching("started > 2h ago"), ["live-3"]);
    assert_eq!(matching("started < 1h ago"), ["baseline", "cnn-12"]);
    assert_eq!(matching("started >= today"), ["cnn-12", "live-3"]);
    assert_eq!(matching("started = yesterday"), ["baseline"]);
    assert_eq!(matching("started > yesterday"), ["cnn-12", "live-3"]);
    assert_eq!(
        matching("started >= 2026-11-30"),
        ["baseline", "cnn-12", "live-3"]
    );
    assert_eq!(matching("started <= 2026-11-30"), ["baseline"]);
    assert_eq!(matching("started < 2026-11-30T10:00:01Z"), ["baseline"]);
    assert_eq!(matching("ended > 2026-12-01"), Vec::<String>::new());
    assert_eq!(
        matching("ended = today"),
        ["cnn-12"],
        "an open run has no end"
    );
    assert_eq!(matching("duration > 10m"), ["baseline", "live-3"]);
    assert_eq!(matching("duration <= 5m"), ["cnn-12"]);
}

#[test]
fn boolean_logic_parentheses_and_bare_words() {
    assert_eq!(
        matching("status = failed or (status = completed and lr >= 0.01)"),
        ["baseline", "cnn-12"]
    );
    assert_eq!(
        matching("not status = open and not lr < 0.005"),
        ["baseline"]
    );
    assert_eq!(
        matching("CNN"),
        ["cnn-12"],
        "a bare word is a name substring"
    );
    assert_eq!(
        matching("mnist live"),
        ["live-3"],
        "words side by side are all required"
    );
    assert_eq!(matching("mnist.base"), ["baseline"], "or a ref substring");
    assert_eq!(matching("live or base"), ["baseline", "live-3"]);
    assert_eq!(matching("").len(), 3, "the empty query matches all");
    assert!(matching("zzz").is_empty());
}

#[test]
fn what_a_query_needs_is_what_it_names() {
    let q = RunQuery::parse("status = failed and name ~ x*").unwrap();
    assert!(!q.needs_params() && !q.needs_metrics() && !q.needs_tags());
    let q = RunQuery::parse("metrics.loss < 1").unwrap();
    assert!(!q.needs_params() && q.needs_metrics());
    let q = RunQuery::parse("lr < 1").unwrap();
    assert!(q.needs_params() && q.needs_metrics());
    assert_eq!(
        RunQuery::parse("mnist cnn").unwrap().bare_words(),
        Some(vec!["mnist", "cnn"])
    );
    assert_eq!(RunQuery::parse("mnist or cnn").unwrap().bare_words(), None);
}

#[test]
fn errors_say_what_was_expected_and_where() {
    let e = err("status = bogus");
    assert_eq!(e.column, 10);
    assert!(e.message.contains("expected a status"), "{e}");
    let e = err("status > failed");
    assert_eq!(e.column, 8);
    assert!(e.message.contains("= != ~ !~"), "{e}");
    let e = err("started > banana");
    assert_eq!(e.column, 11);
    assert!(e.message.contains("expected a time"), "{e}");
    let e = err("duration > fast");
    assert!(e.message.contains("expected a duration"), "{e}");
    let e = err("status = failed and");
    assert_eq!(e.column, 20);
    assert!(e.message.contains("found the end"), "{e}");
    let e = err("(status = failed");
    assert_eq!(e.column, 17);
    assert!(e.message.contains("`)`"), "{e}");
    let e = err("lr < ");
    assert_eq!(e.column, 6);
    let e = err("name ~ /(/");
    assert_eq!(e.column, 8);
    assert!(e.message.contains("regular expression"), "{e}");
    let e = err("a ) b");
    assert_eq!(e.column, 3);
    let e = err("metrics.loss < low");
    assert!(e.message.contains("expected a number"), "{e}");
    assert_eq!(
        e.caret("metrics.loss < low"),
        "  metrics.loss < low\n                 ^"
    );
}

#[test]
fn printing_is_canonical() {
    let q = RunQuery::parse("(a or b) c AND not (d = 1 or `x y` ~ /p\\/q/)").unwrap();
    assert_eq!(
        q.to_string(),
        "(a or b) and c and not (d = 1 or `x y` ~ /p\\/q/)"
    );
}

/// Text made of the language's pieces, so most of it parses (random bytes rarely would).
fn query_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("status".to_string()),
        Just("name".to_string()),
        Just("started".to_string()),
        Just("duration".to_string()),
        Just("lr".to_string()),
        Just("params.lr".to_string()),
        Just("metrics.val/acc".to_string()),
        Just("`a b`".to_string()),
        Just("tags.t".to_string()),
        Just("failed".to_string()),
        Just("0.01".to_string()),
        Just("-3".to_string()),
        Just("10m".to_string()),
        Just("2h ago".to_string()),
        Just("today".to_string()),
        Just("2026-11-30".to_string()),
        Just("\"x y\"".to_string()),
        Just("cnn-*".to_string()),
        Just("/^a\\/b/".to_string()),
        Just("and".to_string()),
        Just("or".to_string()),
        Just("not".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("=".to_string()),
        Just("!=".to_string()),
        Just("<".to_string()),
        Just(">=".to_string()),
        Just("~".to_string()),
        Just("!~".to_string()),
        "[a-z]{1,4}",
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|v| v.join(" "))
}

proptest! {
    #[test]
    fn any_text_parses_or_errors_within_it(text in "\\PC{0,40}") {
        if let Err(e) = RunQuery::parse(&text) {
            prop_assert!(e.column >= 1 && e.column <= text.chars().count() + 1, "{e}");
        }
    }

    #[test]
    fn printed_queries_parse_back_the_same(text in query_text()) {
        if let Ok(q) = RunQuery::parse(&text) {
            let printed = q.to_string();
            let again = RunQuery::parse(&printed)
                .unwrap_or_else(|e| panic!("{text:?} printed {printed:?}: {e}"));
            prop_assert_eq!(again, q, "{:?} printed {:?}", text, printed);
        }
    }
}
