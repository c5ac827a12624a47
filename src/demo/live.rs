//! `contexta demo --live`: a training run that keeps writing in real time through the capture
//! API (a step every `interval`, validation every epoch) until stopped.

use crate::capture::{CaptureError, CommitPolicy, Session};
use crate::model::*;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct LiveOptions {
    /// Time between training steps.
    pub interval: Duration,
    /// Stop after this long (None: until `stop` is set).
    pub duration: Option<Duration>,
    pub steps_per_epoch: u32,
    pub run_name: String,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            interval: Duration::from_millis(250),
            duration: None,
            steps_per_epoch: 40,
            run_name: format!(
                "live-{}",
                Timestamp::now().to_string()[..19]
                    .replace([':', 'T'], "-")
                    .to_lowercase()
            ),
        }
    }
}

pub fn run_live(
    root: &Path,
    opts: &LiveOptions,
    stop: Arc<AtomicBool>,
) -> Result<Ref, CaptureError> {
    let policy = CommitPolicy {
        interval: Duration::from_millis(200),
        ..CommitPolicy::default()
    };
    let mut session = Session::open_with(root, policy)?;
    session.set_producer("contexta.demo.live")?;
    let run = session.start_run("mnist-classifier", &opts.run_name)?;
    run.param("lr", "0.001");
    run.param("batch_size", "128");
    run.param("optimizer", "adamw");
    run.provenance(&["CUDA_VISIBLE_DEVICES", "OMP_NUM_THREADS"])?;
    run.event("run.started", Level::Info, "live demo training started")?;
    let prep = run.stage("prepare")?;
    {
        let _s = prep.span("prepare.load");
        prep.event(
            "dataset.loaded",
            Level::Info,
            "loaded 60000 training images",
        )?;
    }
    prep.finish(Status::Completed)?;
    let train = run.stage("train")?;
    let mut rng = fastrand::Rng::with_seed(7);
    let started = Instant::now();
    let mut step: i64 = 0;
    let mut epoch = 1u32;
    let mut batch = train.batch("epoch-1", 0)?;
    while !stop.load(Ordering::Relaxed) && opts.duration.is_none_or(|d| started.elapsed() < d) {
        step += 1;
        let p = step as f64 / 2000.0;
        let loss = 0.05 + 2.25 * (-3.0 * p).exp() + (rng.f64() - 0.5) * 0.06;
        train.metric("train-loss", loss.max(0.001), Some(step))?;
        if step % 5 == 0 {
            train.metric(
                "grad-norm",
                0.4 + 2.0 * (-2.0 * p).exp() + rng.f64() * 0.2,
                Some(step),
            )?;
        }
        if step % opts.steps_per_epoch as i64 == 0 {
            let val = 0.06 + 2.2 * (-2.6 * p).exp() + rng.f64() * 0.02;
            train.metric("val-loss", val, Some(step))?;
            train.metric(
                "val-accuracy",
                (1.0 - val / 2.6).clamp(0.0, 0.995),
                Some(step),
            )?;
            train.event(
                "epoch.completed",
                Level::Info,
                &format!("epoch {epoch} done: val-loss {val:.4}"),
            )?;
            train.finish_batch(batch, Status::Completed)?;
            epoch += 1;
            if epoch.is_multiple_of(7) {
                train.event(
                    "throughput.low",
                    Level::Warning,
                    "data loader is the bottleneck: 38% GPU utilisation",
                )?;
            }
            batch = train.batch(&format!("epoch-{epoch}"), epoch - 1)?;
        }
        std::thread::sleep(opts.interval);
    }
    train.finish_batch(batch, Status::Completed)?;
    train.finish(Status::Completed)?;
    run.finish(Status::Completed)?;
    Ok(run.run_ref().clone())
}
