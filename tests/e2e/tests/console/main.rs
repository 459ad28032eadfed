//! The console as a person uses it: the real window, driven through tauri-driver and WebKitWebDriver.
//!
//! Needs the built app and command (`cargo build -p redgrid-desktop -p redgrid-cli`), `tauri-driver`,
//! `WebKitWebDriver` and Xvfb (`scripts/setup.sh` installs them); then `cargo test -p redgrid-e2e`.
//! Screenshots of every stage are kept in `target/e2e/`.

mod bench_ui;
mod commissioner;
mod drill;
mod duty_officer;
mod first_run;
mod leader;
mod link;
mod night;
mod roster;

use std::sync::Mutex;
use std::time::Duration;

/// One window at a time: two WebKit processes and two stations side by side on CI's two cores would
/// make every wait slower and every timing assertion less telling.
static ONE_WINDOW: Mutex<()> = Mutex::new(());

/// Waits for what follows from a click (a dialog opening, a status changing after one command).
const QUICK: Duration = Duration::from_secs(15);

/// Runs a scenario to completion on its own runtime, holding the one window.
fn run(scenario: impl std::future::Future<Output = anyhow::Result<()>>) {
    // A scenario that failed before leaves the lock poisoned; the next one may still run.
    let _window = ONE_WINDOW.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    // Generous: the slowest path (a first demo seed, an alert that is late to come) takes about a minute.
    let outcome = runtime.block_on(async { tokio::time::timeout(Duration::from_secs(600), scenario).await });
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(error)) => panic!("{error:#}"),
        Err(_) => panic!("the scenario did not finish within 10 minutes"),
    }
}
