//! Waiting on a condition with a deadline; the message names what was awaited.

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

/// Default poll period.
pub const POLL: Duration = Duration::from_millis(25);

/// A condition that did not hold before its deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedOut {
    /// What was awaited.
    pub what: String,
    /// The deadline it had.
    pub timeout: Duration,
    /// The last error seen while polling, if the probe reported one.
    pub last: Option<String>,
}

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timed out after {:?} waiting for {}", self.timeout, self.what)?;
        match &self.last {
            Some(last) => write!(f, " (last: {last})"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for TimedOut {}

/// A wait: what is awaited (for the message), the deadline and the poll period.
#[derive(Debug, Clone)]
pub struct Wait {
    what: String,
    timeout: Duration,
    every: Duration,
}

impl Wait {
    /// Waits up to `timeout` for `what`, polling every [`POLL`].
    pub fn new(timeout: Duration, what: impl Into<String>) -> Wait {
        Wait { what: what.into(), timeout, every: POLL }
    }

    /// Polls every `every` instead.
    pub fn every(mut self, every: Duration) -> Wait {
        self.every = every;
        self
    }

    fn timed_out(self, last: Option<String>) -> TimedOut {
        TimedOut { what: self.what, timeout: self.timeout, last }
    }

    /// Until `cond` yields `true`.
    pub async fn until<F, Fut>(self, mut cond: F) -> Result<(), TimedOut>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = bool>,
    {
        self.value(|| {
            let fut = cond();
            async move { fut.await.then_some(()) }
        })
        .await
    }

    /// Until `probe` yields a value; returns it.
    pub async fn value<T, F, Fut>(self, mut probe: F) -> Result<T, TimedOut>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        self.result(|| {
            let fut = probe();
            async move { fut.await.ok_or(None::<String>) }
        })
        .await
    }

    /// Until `probe` yields `Ok`; returns the value. The last `Err` (when it is `Some`) is
    /// named in the [`TimedOut`].
    pub async fn result<T, E, F, Fut>(self, mut probe: F) -> Result<T, TimedOut>
    where
        E: Into<Option<String>>,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let start = Instant::now();
        let mut last = None;
        loop {
            match probe().await {
                Ok(value) => return Ok(value),
                Err(e) => last = e.into().or(last),
            }
            if start.elapsed() >= self.timeout {
                return Err(self.timed_out(last));
            }
            tokio::time::sleep(self.every).await;
        }
    }

    /// Until `cond` yields `true`, blocking this thread (for code outside a runtime).
    pub fn blocking_until(self, mut cond: impl FnMut() -> bool) -> Result<(), TimedOut> {
        let start = Instant::now();
        loop {
            if cond() {
                return Ok(());
            }
            if start.elapsed() >= self.timeout {
                return Err(self.timed_out(None));
            }
            std::thread::sleep(self.every);
        }
    }
}

/// Polls `cond` every [`POLL`] until it holds; panics naming `what` after `timeout`.
pub async fn wait_until<F, Fut>(timeout: Duration, what: &str, cond: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    if let Err(e) = Wait::new(timeout, what).until(cond).await {
        panic!("{e}");
    }
}

/// Polls `probe` every [`POLL`] until it yields a value and returns it; panics naming `what`
/// after `timeout`.
pub async fn wait_for<T, F, Fut>(timeout: Duration, what: &str, probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    match Wait::new(timeout, what).value(probe).await {
        Ok(value) => value,
        Err(e) => panic!("{e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_condition_that_never_holds_names_what_was_awaited() {
        let err = Wait::new(Duration::from_millis(30), "the moon")
            .every(Duration::from_millis(5))
            .result(|| async { Err::<(), _>(Some("still cheese".to_string())) })
            .await
            .expect_err("never holds");
        assert_eq!(err.what, "the moon");
        assert_eq!(
            err.to_string(),
            "timed out after 30ms waiting for the moon (last: still cheese)"
        );
    }

    #[tokio::test]
    async fn a_value_is_returned_once_the_probe_yields_it() {
        let mut n = 0;
        let v = wait_for(Duration::from_secs(5), "three polls", || {
            n += 1;
            let v = (n == 3).then_some(n);
            async move { v }
        })
        .await;
        assert_eq!(v, 3);
    }

    #[test]
    fn blocking_waits_time_out_too() {
        let err = Wait::new(Duration::from_millis(20), "nothing").blocking_until(|| false);
        assert!(err.is_err_and(|e| e.last.is_none()));
    }
}
