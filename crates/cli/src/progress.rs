//! Progress of a backfill, read from the indexer's [`Metrics`] 5 times a second: a progress bar when
//! stderr is a terminal, else an info log every 5 seconds. Both stop once the indexer has caught up
//! with the head, saying so in a log line.

use std::{
    collections::VecDeque,
    sync::{Arc, atomic::Ordering::Relaxed},
    time::{Duration, Instant},
};

use emtoken_indexer::Metrics;
use indicatif::{HumanDuration, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinHandle;

/// Rates are measured over this much recent time.
const WINDOW: Duration = Duration::from_secs(10);
/// How often the figures are read (and the bar redrawn).
const REFRESH: Duration = Duration::from_millis(200);
/// How often a log line reports progress when there is no bar.
const LOG_EVERY: Duration = Duration::from_secs(5);

/// A progress bar, hidden until the head is known; then drawn on stderr.
pub(crate) fn bar() -> ProgressBar {
    let style = ProgressStyle::with_template(
        "{spinner:.green} [{elapsed_precise}] {wide_bar:.cyan/blue} {pos}/{len} blocks  {msg}",
    )
    .expect("the template is valid")
    .progress_chars("=> ");
    ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden()).with_style(style)
}

/// Reports progress until the indexer catches up (or the task is aborted).
pub(crate) fn spawn(metrics: Arc<Metrics>, bar: Option<ProgressBar>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(REFRESH);
        let mut rate = Rate::default();
        let mut logged: Option<Instant> = None;
        loop {
            ticks.tick().await;
            let head = metrics.head.load(Relaxed);
            let indexed = metrics.indexed.load(Relaxed);
            let start = metrics.start_block.load(Relaxed);
            let events = metrics.events.load(Relaxed);
            if metrics.caught_up.load(Relaxed) {
                if let Some(bar) = &bar {
                    bar.finish_and_clear();
                }
                tracing::info!(
                    block = indexed,
                    events,
                    "caught up with the head; following it"
                );
                return;
            }
            if head == 0 {
                continue; // no step yet
            }
            let (blocks_per_s, events_per_s) = rate.push(Instant::now(), indexed, events);
            let remaining = metrics.lag();
            let eta = (blocks_per_s > 0).then(|| Duration::from_secs(remaining / blocks_per_s));
            match &bar {
                Some(bar) => {
                    if bar.is_hidden() {
                        bar.set_draw_target(ProgressDrawTarget::stderr());
                    }
                    let span = i64::try_from(head)
                        .unwrap_or(i64::MAX)
                        .saturating_sub(start);
                    bar.set_length(span.max(0) as u64);
                    bar.set_position(indexed.saturating_sub(start).max(0) as u64);
                    let eta =
                        eta.map_or_else(|| "-".to_owned(), |eta| HumanDuration(eta).to_string());
                    bar.set_message(format!(
                        "{blocks_per_s} blocks/s, {events_per_s} events/s, ETA {eta}, {events} events"
                    ));
                }
                None if logged.is_some_and(|at| at.elapsed() < LOG_EVERY) => {}
                None => {
                    logged = Some(Instant::now());
                    tracing::info!(
                        indexed,
                        head,
                        lag = remaining,
                        events,
                        blocks_per_s,
                        events_per_s,
                        eta_s = eta.map(|eta| eta.as_secs()),
                        "indexing"
                    );
                }
            }
        }
    })
}

/// Blocks and events per second over the last [`WINDOW`].
#[derive(Debug, Default)]
struct Rate {
    samples: VecDeque<(Instant, i64, u64)>,
}

impl Rate {
    /// Records the figures at `now`; returns (blocks/s, events/s), rounded down.
    fn push(&mut self, now: Instant, indexed: i64, events: u64) -> (u64, u64) {
        self.samples.push_back((now, indexed, events));
        while self.samples.len() > 2 && now.duration_since(self.samples[0].0) > WINDOW {
            self.samples.pop_front();
        }
        let (then, first_block, first_events) = self.samples[0];
        let millis = u64::try_from(now.duration_since(then).as_millis()).unwrap_or(u64::MAX);
        if millis == 0 {
            return (0, 0);
        }
        let blocks = indexed.saturating_sub(first_block).max(0) as u64;
        let events = events.saturating_sub(first_events);
        (per_second(blocks, millis), per_second(events, millis))
    }
}

/// `count` over `millis` milliseconds, per second, rounded down (integers: no float arithmetic).
pub(crate) fn per_second(count: u64, millis: u64) -> u64 {
    let rate = u128::from(count) * 1000 / u128::from(millis.max(1));
    u64::try_from(rate).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_over_the_window() {
        let mut rate = Rate::default();
        let t0 = Instant::now();
        assert_eq!(rate.push(t0, 100, 0), (0, 0));
        assert_eq!(rate.push(t0 + Duration::from_secs(2), 300, 50), (100, 25));
        // Old samples leave the window: the rate follows the recent pace.
        assert_eq!(rate.push(t0 + Duration::from_secs(20), 400, 50), (5, 0));
        assert_eq!(rate.push(t0 + Duration::from_secs(22), 420, 70), (10, 10));
    }

    #[test]
    fn per_second_rounds_down() {
        assert_eq!(per_second(10, 3_000), 3);
        assert_eq!(per_second(5, 0), 5_000);
    }
}
