//! OTLP/HTTP transport: one blocking POST per request (protobuf body), retried with bounded
//! exponential backoff on what the OTLP specification calls retryable — no connection, a
//! timeout, 429, 502, 503, 504 — and honouring `Retry-After`. Any other non-2xx answer is
//! final: resending data the collector rejected would fail the same way. A batch counts as sent
//! only after a 2xx.

use super::error::OtlpError;
use super::request::Signal;
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How hard to try before giving up.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// First wait; doubled after each failure, up to `max_delay`.
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 5,
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// What became of one request.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    /// A 2xx came back; `attempts` includes the successful one; `answer` is its body (an
    /// export response, which may report a partial success).
    Acknowledged { attempts: u32, answer: Vec<u8> },
    /// The stop flag was raised while waiting to retry; nothing was acknowledged.
    Stopped,
}

/// A failed attempt that may be retried, for the caller's progress line.
#[derive(Debug)]
pub struct RetryNotice<'a> {
    pub url: &'a str,
    pub attempt: u32,
    pub wait: Duration,
    pub reason: &'a str,
}

pub struct Transport {
    agent: ureq::Agent,
    endpoint: String,
    policy: RetryPolicy,
}

/// One attempt's failure: whether to try again, and what to say.
enum Failure {
    Retryable {
        reason: String,
        retry_after: Option<Duration>,
    },
    Final(OtlpError),
}

impl Transport {
    /// `endpoint` is the collector's base URL (`http://host:4318`); the signal paths are added
    /// to it. Only plain http: this build carries no TLS stack (a collector agent on the same
    /// host or network is the usual receiver; it can forward over TLS).
    pub fn new(endpoint: &str, policy: RetryPolicy) -> Result<Transport, OtlpError> {
        let base = endpoint.trim().trim_end_matches('/');
        let Some(rest) = base.strip_prefix("http://") else {
            return Err(OtlpError::BadEndpoint {
                endpoint: endpoint.to_string(),
                reason: if base.starts_with("https://") {
                    "https is not supported by this build (no TLS stack); send to a local collector over http and let it forward".into()
                } else {
                    "it must be an http:// URL, e.g. http://127.0.0.1:4318".into()
                },
            });
        };
        if rest.is_empty() || rest.starts_with('/') {
            return Err(OtlpError::BadEndpoint {
                endpoint: endpoint.to_string(),
                reason: "it names no host".into(),
            });
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .max_redirects(0)
            .build();
        Ok(Transport {
            agent: config.into(),
            endpoint: base.to_string(),
            policy,
        })
    }

    pub fn url(&self, signal: Signal) -> String {
        format!("{}{}", self.endpoint, signal.path())
    }

    /// POSTs `body` to `signal`'s URL until a 2xx, a final refusal, the retries run out, or
    /// `stop` is raised.
    pub fn send(
        &self,
        signal: Signal,
        body: &[u8],
        stop: &AtomicBool,
        on_retry: &mut dyn FnMut(RetryNotice<'_>),
    ) -> Result<Delivery, OtlpError> {
        let url = self.url(signal);
        let mut delay = self.policy.first_delay;
        let mut attempt = 1u32;
        loop {
            let (reason, retry_after) = match self.attempt(&url, body) {
                Ok(answer) => {
                    return Ok(Delivery::Acknowledged {
                        attempts: attempt,
                        answer,
                    });
                }
                Err(Failure::Final(e)) => return Err(e),
                Err(Failure::Retryable {
                    reason,
                    retry_after,
                }) => (reason, retry_after),
            };
            if attempt > self.policy.retries {
                return Err(OtlpError::Unreachable {
                    url,
                    reason,
                    attempts: attempt,
                });
            }
            let wait = retry_after.unwrap_or(delay).min(self.policy.max_delay);
            on_retry(RetryNotice {
                url: &url,
                attempt,
                wait,
                reason: &reason,
            });
            if !wait_unless_stopped(wait, stop) {
                return Ok(Delivery::Stopped);
            }
            delay = (delay * 2).min(self.policy.max_delay);
            attempt += 1;
        }
    }

    fn attempt(&self, url: &str, body: &[u8]) -> Result<Vec<u8>, Failure> {
        let resp = self
            .agent
            .post(url)
            .header("Content-Type", "application/x-protobuf")
            .send(body);
        let mut resp = match resp {
            Ok(r) => r,
            Err(e) => {
                return Err(Failure::Retryable {
                    reason: e.to_string(),
                    retry_after: None,
                });
            }
        };
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            // The (small) answer: read whole, so the connection can be reused.
            let mut answer = Vec::new();
            let _ = resp
                .body_mut()
                .as_reader()
                .take(64 * 1024)
                .read_to_end(&mut answer);
            return Ok(answer);
        }
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let mut text = Vec::new();
        let _ = resp.body_mut().as_reader().take(512).read_to_end(&mut text);
        let said = String::from_utf8_lossy(&text)
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect::<String>();
        let reason = resp.status().canonical_reason().unwrap_or("");
        if matches!(status, 429 | 502 | 503 | 504) {
            return Err(Failure::Retryable {
                reason: format!("HTTP {status} {reason}"),
                retry_after,
            });
        }
        Err(Failure::Final(OtlpError::Refused {
            url: url.to_string(),
            status,
            reason: reason.to_string(),
            body: said,
        }))
    }
}

/// Waits `d` in short slices so a stop signal ends the wait promptly; false when stopped.
fn wait_unless_stopped(d: Duration, stop: &AtomicBool) -> bool {
    let until = Instant::now() + d;
    loop {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        let now = Instant::now();
        if now >= until {
            return true;
        }
        std::thread::sleep((until - now).min(Duration::from_millis(50)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_endpoints_with_a_host_are_accepted() {
        let p = RetryPolicy::default;
        assert!(Transport::new("http://127.0.0.1:4318/", p()).is_ok());
        assert_eq!(
            Transport::new("http://127.0.0.1:4318/", p())
                .unwrap()
                .url(Signal::Logs),
            "http://127.0.0.1:4318/v1/logs"
        );
        for bad in [
            "https://collector:4318",
            "127.0.0.1:4318",
            "http://",
            "http:///v1",
        ] {
            let e = Transport::new(bad, p()).err().map(|e| e.to_string());
            assert!(e.is_some_and(|e| e.contains(bad)), "{bad} was accepted");
        }
    }
}
