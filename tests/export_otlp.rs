//! `export otlp` against an OTLP/HTTP receiver written here: no OpenTelemetry Collector package
//! can be installed on the test machines, so a std `TcpListener` thread speaks HTTP/1.1 and
//! decodes each body with the same `opentelemetry-proto` types a collector uses. It checks that
//! every span, metric point and log record arrives exactly once (counted against the
//! workspace's own counts, and by record ref), that parent links and resource attributes
//! survive, that a collector that is down or refuses a batch loses and doubles nothing, and
//! that `--follow` streams a live run and resumes from its cursor after a restart.
#![allow(clippy::unwrap_used)] // a failed unwrap is the test failing

mod common;

use common::Ws;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value::Value};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::metrics::v1::{NumberDataPoint, metric, number_data_point};
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(60);

/// The HTTP status to answer the `n`-th request (from 0) to `path`.
type Rule = Arc<dyn Fn(&str, usize) -> u16 + Send + Sync>;
/// The body of a 200 answer to `path` (an export response; empty is a full success).
type Answer = Arc<dyn Fn(&str) -> Vec<u8> + Send + Sync>;

#[derive(Default)]
struct Got {
    /// (resource attributes, span) of every acknowledged span.
    spans: Vec<(Vec<KeyValue>, Span)>,
    /// (resource attributes, metric name, point).
    points: Vec<(Vec<KeyValue>, String, NumberDataPoint)>,
    logs: Vec<(Vec<KeyValue>, LogRecord)>,
    /// Requests per path, answered or not.
    requests: HashMap<String, usize>,
    /// Requests without `Content-Type: application/x-protobuf`.
    wrong_content_type: usize,
    /// Most items in one request.
    largest: usize,
}

struct Receiver {
    addr: SocketAddr,
    got: Arc<Mutex<Got>>,
}

impl Receiver {
    fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }
    fn counts(&self) -> (usize, usize, usize) {
        let g = self.got.lock().unwrap();
        (g.spans.len(), g.points.len(), g.logs.len())
    }
}

fn always_ok() -> Rule {
    Arc::new(|_, _| 200)
}

fn start_receiver(listener: TcpListener, rule: Rule) -> Receiver {
    start_answering(listener, rule, Arc::new(|_| Vec::new()))
}

fn start_answering(listener: TcpListener, rule: Rule, answer: Answer) -> Receiver {
    let addr = listener.local_addr().unwrap();
    let got = Arc::new(Mutex::new(Got::default()));
    let g = got.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let (g, rule, answer) = (g.clone(), rule.clone(), answer.clone());
            std::thread::spawn(move || serve(conn, &g, &rule, &answer));
        }
    });
    Receiver { addr, got }
}

/// A free port on 127.0.0.1 with nothing listening on it (yet).
fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

fn receiver(rule: Rule) -> Receiver {
    start_receiver(TcpListener::bind("127.0.0.1:0").unwrap(), rule)
}

/// Serves HTTP/1.1 requests on one connection (kept alive) until the client closes it.
fn serve(conn: TcpStream, got: &Mutex<Got>, rule: &Rule, answer: &Answer) {
    let mut out = conn.try_clone().unwrap();
    let mut r = BufReader::new(conn);
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
        let (mut len, mut content_type) = (0usize, String::new());
        loop {
            let mut h = String::new();
            r.read_line(&mut h).unwrap();
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let (name, value) = h.split_once(':').unwrap();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => len = value.trim().parse().unwrap(),
                "content-type" => content_type = value.trim().to_string(),
                _ => {}
            }
        }
        let mut body = vec![0u8; len];
        r.read_exact(&mut body).unwrap();
        let status = {
            let mut g = got.lock().unwrap();
            let n = g.requests.entry(path.clone()).or_default();
            let nth = *n;
            *n += 1;
            if content_type != "application/x-protobuf" {
                g.wrong_content_type += 1;
            }
            let status = rule(&path, nth);
            if status == 200 {
                record(&mut g, &path, &body);
            }
            status
        };
        let body = if status == 200 {
            answer(&path)
        } else {
            Vec::new()
        };
        let mut reply = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/x-protobuf\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        reply.extend_from_slice(&body);
        if out.write_all(&reply).is_err() {
            return;
        }
    }
}

/// Decodes an acknowledged body into `g`.
fn record(g: &mut Got, path: &str, body: &[u8]) {
    let before = g.spans.len() + g.points.len() + g.logs.len();
    match path {
        "/v1/traces" => {
            for rs in ExportTraceServiceRequest::decode(body)
                .unwrap()
                .resource_spans
            {
                let res = rs.resource.unwrap().attributes;
                for ss in rs.scope_spans {
                    for s in ss.spans {
                        g.spans.push((res.clone(), s));
                    }
                }
            }
        }
        "/v1/metrics" => {
            for rm in ExportMetricsServiceRequest::decode(body)
                .unwrap()
                .resource_metrics
            {
                let res = rm.resource.unwrap().attributes;
                for sm in rm.scope_metrics {
                    for m in sm.metrics {
                        let Some(metric::Data::Gauge(gauge)) = m.data else {
                            panic!("{} is not a gauge", m.name);
                        };
                        for p in gauge.data_points {
                            g.points.push((res.clone(), m.name.clone(), p));
                        }
                    }
                }
            }
        }
        "/v1/logs" => {
            for rl in ExportLogsServiceRequest::decode(body)
                .unwrap()
                .resource_logs
            {
                let res = rl.resource.unwrap().attributes;
                for sl in rl.scope_logs {
                    for l in sl.log_records {
                        g.logs.push((res.clone(), l));
                    }
                }
            }
        }
        other => panic!("unexpected path {other}"),
    }
    let items = g.spans.len() + g.points.len() + g.logs.len() - before;
    g.largest = g.largest.max(items);
}

fn attr(attrs: &[KeyValue], key: &str) -> Option<Value> {
    attrs
        .iter()
        .find(|a| a.key == key)
        .and_then(|a| a.value.clone())
        .and_then(|v| v.value)
}

fn attr_text(attrs: &[KeyValue], key: &str) -> Option<String> {
    match attr(attrs, key) {
        Some(Value::StringValue(s)) => Some(s),
        _ => None,
    }
}

/// The demo workspace plus the reference's RAG fixture, whose spans have parents (its runs
/// have the demo's RAG runs' names, so they share runs: text and hex span ids side by side).
fn workspace() -> Ws {
    let ws = Ws::new();
    ws.ok(&["demo"]);
    let seg = common::fixture("contexta-py-rag").join("records/segments/segment-000001.jsonl");
    ws.ok(&["ingest", seg.to_str().unwrap()]);
    ws
}

/// (spans, metric points, events + degraded markers) the workspace holds.
fn expected(ws: &Ws) -> (usize, usize, usize) {
    let runs = ws.json(&["runs"]);
    let mut c = (0, 0, 0);
    for r in runs.as_array().unwrap() {
        let n = |k: &str| r["records"][k].as_u64().unwrap() as usize;
        c.0 += n("span");
        c.1 += n("metric");
        c.2 += n("event") + n("degraded");
    }
    c
}

/// Every record ref the receiver got, and how many items carried one.
fn record_refs(r: &Receiver) -> (BTreeSet<String>, usize) {
    let g = r.got.lock().unwrap();
    let mut refs = BTreeSet::new();
    let mut n = 0;
    let attrs = g
        .spans
        .iter()
        .map(|(_, s)| &s.attributes)
        .chain(g.points.iter().map(|(_, _, p)| &p.attributes))
        .chain(g.logs.iter().map(|(_, l)| &l.attributes));
    for a in attrs {
        refs.insert(attr_text(a, "contexta.record.ref").unwrap());
        n += 1;
    }
    (refs, n)
}

/// `export otlp` with its cursor in `state` (never the user's own state directory).
fn export(ws: &Ws, state: &Path, endpoint: &str, extra: &[&str]) -> Command {
    let mut args = vec!["export", "otlp", "--endpoint", endpoint];
    args.extend_from_slice(extra);
    let mut c = ws.cmd(&args);
    c.env("XDG_STATE_HOME", state);
    // The receiver is on 127.0.0.1: a proxy from the caller's environment must not get in.
    for v in ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"] {
        c.env_remove(v);
    }
    c
}

fn run_export(ws: &Ws, state: &Path, endpoint: &str, extra: &[&str]) -> std::process::Output {
    export(ws, state, endpoint, extra).output().unwrap()
}

fn assert_ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "export failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn assert_all_once(ws: &Ws, r: &Receiver) {
    let want = expected(ws);
    assert_eq!(r.counts(), want, "(spans, points, logs) received vs stored");
    let (refs, items) = record_refs(r);
    assert_eq!(refs.len(), items, "a record arrived twice");
}

fn step_of(p: &NumberDataPoint) -> i64 {
    match attr(&p.attributes, "step") {
        Some(Value::IntValue(s)) => s,
        other => panic!("step is {other:?}"),
    }
}

fn value_of(p: &NumberDataPoint) -> f64 {
    match p.value {
        Some(number_data_point::Value::AsDouble(v)) => v,
        Some(number_data_point::Value::AsInt(v)) => v as f64,
        None => panic!("a point without a value"),
    }
}

/// (step, value) of a run's metric as `trend --run` shows it.
fn trend(ws: &Ws, key: &str, run: &str) -> Vec<(i64, f64)> {
    ws.json(&["trend", key, "--run", run])["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["step"].as_i64().unwrap(), p["value"].as_f64().unwrap()))
        .collect()
}

#[test]
fn every_span_point_and_log_arrives_once_with_parent_links_and_resource() {
    let ws = workspace();
    let state = tempfile::tempdir().unwrap();
    let r = receiver(always_ok());
    let want = expected(&ws);
    assert!(want.0 > 0 && want.1 > 1_000 && want.2 > 0, "{want:?}");
    let out = assert_ok(&run_export(
        &ws,
        state.path(),
        &r.endpoint(),
        &["--batch-size", "500"],
    ));
    assert!(out.contains(&format!("{} spans", want.0)), "{out}");
    assert_all_once(&ws, &r);
    let g = r.got.lock().unwrap();
    assert_eq!(g.wrong_content_type, 0);
    assert!(g.largest <= 500, "a request carried {} items", g.largest);
    assert!(g.requests["/v1/metrics"] >= 2, "metrics were not batched");

    // Parent links: each child's parent_span_id is the span_id of the span the workspace
    // names as its parent, in the same trace.
    let by_id: HashMap<&[u8], &Span> = g
        .spans
        .iter()
        .map(|(_, s)| (s.span_id.as_slice(), s))
        .collect();
    assert_eq!(by_id.len(), g.spans.len(), "span ids collide");
    let mut children = 0;
    for (_, s) in &g.spans {
        if s.parent_span_id.is_empty() {
            continue;
        }
        children += 1;
        let parent = by_id
            .get(s.parent_span_id.as_slice())
            .unwrap_or_else(|| panic!("parent of {} was not exported", s.name));
        assert_eq!(parent.trace_id, s.trace_id);
        assert_eq!(parent.span_id, s.parent_span_id);
    }
    let stored_children = ws
        .json(&["records", "retriever-v1", "--type", "span"])
        .as_array()
        .unwrap()
        .iter()
        .chain(
            ws.json(&["records", "retriever-v2", "--type", "span"])
                .as_array()
                .unwrap(),
        )
        .chain(
            ws.json(&["records", "retriever-v3", "--type", "span"])
                .as_array()
                .unwrap(),
        )
        .filter(|r| r["payload"]["parent_span_id"].is_string())
        .count();
    assert!(stored_children > 0);
    assert_eq!(children, stored_children);
    // A span with hex ids keeps them: the RAG fixture's ids are W3C-shaped.
    let stored: Vec<serde_json::Value> = ws
        .json(&["records", "retriever-v1", "--type", "span"])
        .as_array()
        .unwrap()
        .clone();
    let mut kept = 0;
    for rec in &stored {
        // The demo's own spans in these runs have text ids (hashed); the fixture's are hex.
        let Ok(id) = hex::decode(rec["payload"]["span_id"].as_str().unwrap()) else {
            continue;
        };
        let s = by_id.get(id.as_slice()).unwrap();
        kept += 1;
        if let Some(p) = rec["payload"]["parent_span_id"].as_str() {
            assert_eq!(s.parent_span_id, hex::decode(p).unwrap());
        }
    }
    assert!(kept > 0);

    // Resource: the project is the service, the run and its provenance are attributes.
    let (res, _) = g
        .spans
        .iter()
        .find(|(res, _)| {
            attr_text(res, "contexta.run.ref").as_deref() == Some("run:mnist-classifier.baseline")
        })
        .unwrap();
    assert_eq!(
        attr_text(res, "service.name").as_deref(),
        Some("mnist-classifier")
    );
    assert_eq!(attr_text(res, "host.name").as_deref(), Some("gpu-node-07"));
    assert!(attr_text(res, "vcs.ref.head.revision").is_some_and(|c| c.len() >= 7));
    // A metric point carries its step as an integer attribute.
    assert!(
        g.points
            .iter()
            .any(|(_, _, p)| matches!(attr(&p.attributes, "step"), Some(Value::IntValue(_))))
    );
    // A metric's exported series is the one `trend --run` shows (steps and values).
    let mut sent: Vec<(i64, f64)> = g
        .points
        .iter()
        .filter(|(res, name, _)| {
            name == "val-loss"
                && attr_text(res, "contexta.run.ref").as_deref()
                    == Some("run:mnist-classifier.baseline")
        })
        .map(|(_, _, p)| (step_of(p), value_of(p)))
        .collect();
    sent.sort_by_key(|p| p.0);
    assert_eq!(sent, trend(&ws, "val-loss", "mnist-classifier.baseline"));
    drop(g);

    // The cursor lives in the state directory, and a second export sends nothing again.
    let cursors: Vec<_> = std::fs::read_dir(state.path().join("contexta/otlp"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().unwrap() == "json")
        .collect();
    assert_eq!(cursors.len(), ws.json(&["runs"]).as_array().unwrap().len());
    assert!(!ws.root().join("contexta").exists());
    let again = assert_ok(&run_export(&ws, state.path(), &r.endpoint(), &[]));
    assert!(
        again.contains("0 spans, 0 metric points, 0 log records"),
        "{again}"
    );
    assert_all_once(&ws, &r);
}

#[test]
fn from_start_sends_everything_again_with_the_same_ids() {
    let ws = Ws::new();
    let seg = common::fixture("contexta-py-rag").join("records/segments/segment-000001.jsonl");
    ws.ok(&["ingest", seg.to_str().unwrap()]);
    let state = tempfile::tempdir().unwrap();
    let r = receiver(always_ok());
    assert_ok(&run_export(&ws, state.path(), &r.endpoint(), &[]));
    assert_ok(&run_export(
        &ws,
        state.path(),
        &r.endpoint(),
        &["--from-start"],
    ));
    let g = r.got.lock().unwrap();
    let n = g.spans.len() / 2;
    assert!(n > 0);
    let ids = |spans: &[(Vec<KeyValue>, Span)]| {
        spans
            .iter()
            .map(|(_, s)| {
                (
                    s.trace_id.clone(),
                    s.span_id.clone(),
                    s.parent_span_id.clone(),
                )
            })
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(ids(&g.spans[..n]), ids(&g.spans[n..]));
}

#[test]
fn collector_down_is_a_clear_error_and_a_later_export_loses_and_doubles_nothing() {
    let ws = workspace();
    let state = tempfile::tempdir().unwrap();
    let addr = free_port();
    let endpoint = format!("http://{addr}");
    let out = run_export(&ws, state.path(), &endpoint, &["--retries", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "cannot deliver to the collector at {endpoint}/v1/"
        )) && err.contains("Connection refused"),
        "{err}"
    );
    assert!(err.contains("retrying in"), "no retry was said: {err}");
    // The collector comes up; the next export sends everything, once.
    let r = start_receiver(TcpListener::bind(addr).unwrap(), always_ok());
    assert_ok(&run_export(&ws, state.path(), &endpoint, &[]));
    assert_all_once(&ws, &r);
}

#[test]
fn a_refused_batch_stops_the_export_and_the_next_one_resumes_after_the_last_acknowledged() {
    let ws = workspace();
    let state = tempfile::tempdir().unwrap();
    let healed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let h = healed.clone();
    // The third metrics request is refused (a final 400, not retried) until healed.
    let r = receiver(Arc::new(move |path, nth| {
        if path == "/v1/metrics" && nth == 2 && !h.load(std::sync::atomic::Ordering::SeqCst) {
            400
        } else {
            200
        }
    }));
    let out = run_export(&ws, state.path(), &r.endpoint(), &["--batch-size", "1000"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}/v1/metrics", r.endpoint())) && err.contains("HTTP 400"),
        "{err}"
    );
    let points = r.counts().1;
    let want = expected(&ws);
    assert!(
        points > 0 && points < want.1,
        "{points} of {} points",
        want.1
    );
    healed.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_ok(&run_export(
        &ws,
        state.path(),
        &r.endpoint(),
        &["--batch-size", "1000"],
    ));
    assert_all_once(&ws, &r);
}

#[test]
fn a_503_is_retried_and_everything_arrives_exactly_once() {
    let ws = workspace();
    let state = tempfile::tempdir().unwrap();
    // The first request of each signal is answered 503 Service Unavailable.
    let r = receiver(Arc::new(|_, nth| if nth == 0 { 503 } else { 200 }));
    let out = run_export(&ws, state.path(), &r.endpoint(), &[]);
    assert_ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("HTTP 503") && err.contains("retrying"),
        "{err}"
    );
    assert_all_once(&ws, &r);
}

#[test]
fn items_a_collector_rejects_in_a_partial_success_are_reported_not_resent() {
    use opentelemetry_proto::tonic::collector::logs::v1::{
        ExportLogsPartialSuccess, ExportLogsServiceResponse,
    };
    let ws = Ws::new();
    ws.ok(&["demo"]);
    let state = tempfile::tempdir().unwrap();
    let r = start_answering(
        TcpListener::bind("127.0.0.1:0").unwrap(),
        always_ok(),
        Arc::new(|path| {
            if path != "/v1/logs" {
                return Vec::new();
            }
            ExportLogsServiceResponse {
                partial_success: Some(ExportLogsPartialSuccess {
                    rejected_log_records: 1,
                    error_message: "too old".into(),
                }),
            }
            .encode_to_vec()
        }),
    );
    let out = run_export(&ws, state.path(), &r.endpoint(), &[]);
    let text = assert_ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    let log_requests = r.got.lock().unwrap().requests["/v1/logs"];
    assert!(
        err.contains("rejected 1 of its logs: too old"),
        "no warning: {err}"
    );
    assert!(
        text.contains(&format!("({log_requests} rejected by the collector)")),
        "{text}"
    );
    // Acknowledged is acknowledged: nothing is sent again.
    assert_all_once(&ws, &r);
}

#[test]
fn a_bad_endpoint_is_a_usage_error() {
    let ws = Ws::new();
    ws.ok(&["demo"]);
    let state = tempfile::tempdir().unwrap();
    let out = run_export(&ws, state.path(), "https://collector:4318", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("https://collector:4318"));
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A `--follow` export, killed when dropped so a failed assertion leaves nothing running.
struct Following(Child);

impl Drop for Following {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn terminate(child: Following) -> String {
    stop_with(child, rustix::process::Signal::TERM)
}

fn stop_with(mut following: Following, sig: rustix::process::Signal) -> String {
    let child = &mut following.0;
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, sig).unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut out = String::new();
            child
                .stdout
                .take()
                .unwrap()
                .read_to_string(&mut out)
                .unwrap();
            assert!(status.success(), "follow did not stop cleanly: {status:?}");
            return out;
        }
        assert!(start.elapsed() < DEADLINE, "follow did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn follow_streams_new_points_and_resumes_from_its_cursor_after_a_restart() {
    let ws = Ws::new();
    let run = ws.ok(&["run", "start", "live", "r1"]).trim().to_string();
    let state = tempfile::tempdir().unwrap();
    let r = receiver(always_ok());
    let spawn = || {
        Following(
            export(&ws, state.path(), &r.endpoint(), &[&run, "--follow"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        )
    };
    let log = |from: usize, to: usize| {
        for i in from..to {
            ws.ok(&[
                "log",
                "metric",
                &run,
                "loss",
                &format!("{}", 1.0 / (i + 1) as f64),
            ]);
        }
    };
    let child = spawn();
    log(0, 5);
    wait_for("5 points", || r.counts().1 == 5);
    log(5, 8);
    wait_for("8 points", || r.counts().1 == 8);
    // A second export of the same run to the same collector would send the same batches.
    let busy = run_export(&ws, state.path(), &r.endpoint(), &[&run]);
    assert_eq!(busy.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&busy.stderr).contains("another export of"),
        "{}",
        String::from_utf8_lossy(&busy.stderr)
    );
    let out = terminate(child);
    assert!(out.contains("stopped; sent"), "{out}");
    // Written while nobody exports: sent after the restart, and nothing before it again.
    log(8, 12);
    let child = spawn();
    wait_for("12 points", || r.counts().1 == 12);
    log(12, 13);
    wait_for("13 points", || r.counts().1 == 13);
    let out = terminate(child);
    assert!(out.contains("5 metric points"), "{out}");
    let g = r.got.lock().unwrap();
    let refs: BTreeSet<String> = g
        .points
        .iter()
        .map(|(_, _, p)| attr_text(&p.attributes, "contexta.record.ref").unwrap())
        .collect();
    assert_eq!(refs.len(), 13, "a point was sent twice or lost");
    // Steps after the restart go on counting (the series index), as `trend --run` shows them.
    let mut sent: Vec<(i64, f64)> = g
        .points
        .iter()
        .map(|(_, _, p)| (step_of(p), value_of(p)))
        .collect();
    sent.sort_by_key(|p| p.0);
    assert_eq!(sent, trend(&ws, "loss", &run));
    assert_eq!(
        sent.iter().map(|p| p.0).collect::<Vec<_>>(),
        (0..13).collect::<Vec<_>>()
    );
}

#[test]
fn ctrl_c_while_waiting_for_a_collector_that_is_down_stops_cleanly_and_loses_nothing() {
    let ws = Ws::new();
    ws.ok(&["demo"]);
    let state = tempfile::tempdir().unwrap();
    let addr = free_port();
    let endpoint = format!("http://{addr}");
    let mut child = Following(
        export(
            &ws,
            state.path(),
            &endpoint,
            &["--follow", "--retries", "1000"],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap(),
    );
    // Wait until it is retrying (its first retry line), then interrupt it.
    let mut err = BufReader::new(child.0.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("retrying in") {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "no retry line");
    }
    let out = stop_with(child, rustix::process::Signal::INT);
    assert!(
        out.contains("stopped; sent") && out.contains("0 spans"),
        "{out}"
    );
    // Nothing was acknowledged, so everything goes once the collector is up.
    let r = start_receiver(TcpListener::bind(addr).unwrap(), always_ok());
    assert_ok(&run_export(&ws, state.path(), &endpoint, &[]));
    assert_all_once(&ws, &r);
}

#[test]
fn follow_without_runs_picks_up_a_run_started_later() {
    let ws = Ws::new();
    ws.ok(&["run", "start", "first", "r"]);
    let state = tempfile::tempdir().unwrap();
    let r = receiver(always_ok());
    let child = Following(
        export(&ws, state.path(), &r.endpoint(), &["--follow"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let later = ws.ok(&["run", "start", "second", "r"]).trim().to_string();
    ws.ok(&["log", "metric", &later, "loss", "0.5"]);
    wait_for("the new run's point", || r.counts().1 == 1);
    let out = terminate(child);
    assert!(out.contains("2 runs"), "{out}");
    let g = r.got.lock().unwrap();
    assert_eq!(
        attr_text(&g.points[0].0, "contexta.run.ref").as_deref(),
        Some(later.as_str())
    );
    assert_eq!(
        attr_text(&g.points[0].0, "service.name").as_deref(),
        Some("second")
    );
}

#[test]
fn a_run_named_twice_is_exported_once() {
    let ws = Ws::new();
    let seg = common::fixture("contexta-py-rag").join("records/segments/segment-000001.jsonl");
    ws.ok(&["ingest", seg.to_str().unwrap()]);
    let state = tempfile::tempdir().unwrap();
    let r = receiver(always_ok());
    let run = "rag-qa.retriever-v1";
    assert_ok(&run_export(&ws, state.path(), &r.endpoint(), &[run, run]));
    let (refs, items) = record_refs(&r);
    assert!(items > 0);
    assert_eq!(refs.len(), items);
}
