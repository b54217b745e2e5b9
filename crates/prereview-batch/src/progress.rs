//! Progress reporting: a bar on a terminal, log lines otherwise, nothing when quiet.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How a batch shows its progress (on standard error).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProgressMode {
    /// A bar when standard error is a terminal, else log lines.
    #[default]
    Auto,
    /// A progress bar: submissions and pages done, rate, ETA.
    Bar,
    /// One plain line per submission, for logs.
    Lines,
    /// Nothing.
    Off,
}

pub(crate) struct Progress {
    mode: ProgressMode,
    bar: Option<ProgressBar>,
    total: u64,
    done: AtomicU64,
    pages: AtomicU64,
    started: Instant,
}

impl Progress {
    pub(crate) fn new(mode: ProgressMode, total: u64) -> Self {
        let mode = match mode {
            ProgressMode::Auto if std::io::stderr().is_terminal() => ProgressMode::Bar,
            ProgressMode::Auto => ProgressMode::Lines,
            m => m,
        };
        let bar = (mode == ProgressMode::Bar).then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} submissions · {msg} · {per_sec} · ETA {eta}",
                )
                .expect("valid template")
                .progress_chars("█▌ "),
            );
            bar.set_message("0 pages");
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            mode,
            bar,
            total,
            done: AtomicU64::new(0),
            pages: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    /// One submission finished (`what`: its verdict, "resumed"…).
    pub(crate) fn done(&self, key: &str, what: &str, pages: u64) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let pages_total = self.pages.fetch_add(pages, Ordering::Relaxed) + pages;
        match self.mode {
            ProgressMode::Bar => {
                if let Some(bar) = &self.bar {
                    let secs = self.started.elapsed().as_secs_f64().max(1e-3);
                    bar.set_message(format!(
                        "{pages_total} pages ({:.1}/s)",
                        pages_total as f64 / secs
                    ));
                    bar.inc(1);
                }
            }
            ProgressMode::Lines => {
                let secs = self.started.elapsed().as_secs_f64().max(1e-3);
                let rate = done as f64 / secs;
                let eta = if rate > 0.0 {
                    (self.total.saturating_sub(done)) as f64 / rate
                } else {
                    0.0
                };
                eprintln!(
                    "batch: [{done}/{}] {key}: {what}, {pages} pages · {pages_total} pages in all · {rate:.2}/s · ETA {}",
                    self.total,
                    fmt_secs(eta)
                );
            }
            ProgressMode::Auto | ProgressMode::Off => {}
        }
    }

    /// A message that must not be lost under the bar.
    pub(crate) fn note(&self, msg: &str) {
        match (&self.bar, self.mode) {
            (Some(bar), _) => bar.println(msg),
            (None, ProgressMode::Off) => {}
            (None, _) => eprintln!("{msg}"),
        }
    }

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}

fn fmt_secs(s: f64) -> String {
    let s = s.round() as u64;
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}
