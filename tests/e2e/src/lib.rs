//! The harness of the end-to-end tests: the real desktop console (`target/debug/redgrid-desktop`) in a real
//! window, driven through WebDriver as a person uses it.
//!
//! A short tour:
//! - [`Binaries`]: where the built app, the `redgrid` command and `tauri-driver` are. The tests never build
//!   anything themselves: `scripts/test.sh` builds the app once, on its own.
//! - [`Scratch`]: a folder of the scenario's own (database, app data, logs), removed when it passed.
//! - [`Console`]: one scenario's display (Xvfb unless `DISPLAY` is set), its `tauri-driver` (which starts
//!   `WebKitWebDriver`, which starts the app), the WebDriver session, and the screenshots it keeps under
//!   `target/e2e/`.
//!
//! Waits poll the page (every 150 ms) with a short script that returns what the screen shows, or `null`
//! while it does not show it yet; clicks and typing go through WebDriver, so they are real input events on
//! the elements a person would hit.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Context, Result};
use fantoccini::error::{CmdError, ErrorStatus};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// The built programs the tests drive.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// `target/debug/redgrid-desktop`.
    pub desktop: PathBuf,
    /// `target/debug/redgrid`, for seeding a database and for an external simulator.
    pub cli: PathBuf,
    pub tauri_driver: PathBuf,
    /// The cargo target directory (`target/`): screenshots go to its `e2e/` folder.
    pub target_dir: PathBuf,
}

impl Binaries {
    /// Seeds the demo township with `days` of history into `db` with `redgrid demo seed`.
    pub fn seed_demo(&self, db: &str, days: u32) -> Result<()> {
        let seeded = Command::new(&self.cli)
            .args(["demo", "seed", "--db", db, "--days", &days.to_string()])
            .stdout(Stdio::null())
            .output()
            .context("cannot run `redgrid demo seed`")?;
        ensure!(
            seeded.status.success(),
            "redgrid demo seed failed: {}",
            String::from_utf8_lossy(&seeded.stderr)
        );
        Ok(())
    }

    /// Runs `redgrid` with `args` and returns what it printed; a failure carries its error output.
    pub fn redgrid(&self, args: &[&str]) -> Result<String> {
        let ran = Command::new(&self.cli)
            .args(args)
            .output()
            .with_context(|| format!("cannot run redgrid {args:?}"))?;
        ensure!(ran.status.success(), "redgrid {args:?} failed: {}", String::from_utf8_lossy(&ran.stderr));
        Ok(String::from_utf8_lossy(&ran.stdout).into_owned())
    }

    /// Finds the binaries next to this test's own executable (`target/debug/deps/…`), or in
    /// `REDGRID_E2E_BIN_DIR`. A missing one is an error that says how to build it: a stale or absent app
    /// must not be built behind the caller's back (it takes minutes and both cores).
    pub fn locate() -> Result<Binaries> {
        let bin_dir = match std::env::var_os("REDGRID_E2E_BIN_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => {
                let exe = std::env::current_exe().context("cannot find the test executable")?;
                // target/debug/deps/console-… → target/debug
                exe.parent()
                    .and_then(Path::parent)
                    .context("unexpected test executable location")?
                    .to_path_buf()
            }
        };
        let desktop = bin_dir.join("redgrid-desktop");
        let cli = bin_dir.join("redgrid");
        for (path, package) in [(&desktop, "redgrid-desktop"), (&cli, "redgrid-cli")] {
            if !path.is_file() {
                bail!(
                    "{} is missing: build it first with `cargo build -p redgrid-desktop -p redgrid-cli` \
                     (scripts/test.sh does), or point REDGRID_E2E_BIN_DIR at the folder holding it \
                     ({package})",
                    path.display()
                );
            }
        }
        let tauri_driver = find_program("tauri-driver").context(
            "tauri-driver is not installed: `cargo install tauri-driver --version '^2' --locked` \
             (scripts/setup.sh does)",
        )?;
        if find_program("WebKitWebDriver").is_none() {
            bail!(
                "WebKitWebDriver is not installed: `apt-get install webkit2gtk-driver` \
                 (scripts/setup.sh does)"
            );
        }
        let target_dir = bin_dir.parent().map(Path::to_path_buf).unwrap_or_else(|| bin_dir.clone());
        Ok(Binaries { desktop, cli, tauri_driver, target_dir })
    }
}

/// A program on `PATH`, or in cargo's own bin folder (where `cargo install` puts tauri-driver and which a
/// non-login shell may not have on its `PATH`).
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(home).join("bin"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// A port nobody listens on right now, and never one this process handed out before: a scenario picks the
/// station's `--listen` port and then the launch picks tauri-driver's, and the system may give the same free
/// port to both asks (it did: the app's broker found tauri-driver on it). Another process could still take it
/// before we do; on a test machine that is rare enough, and a taken port fails loudly rather than silently.
pub fn free_port() -> Result<u16> {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    for _ in 0..100 {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        if !given.contains(&port) {
            given.push(port);
            return Ok(port);
        }
    }
    bail!("no free port that was not handed out already")
}

/// The `--broker` arguments of a `redgrid sim` on the app's own broker: the app runs a Mosquitto that takes
/// only logins it knows, and keeps the simulator's password in the broker's folder beside the database
/// (`<file>.broker/sim.secret`), as a station's administrator would point a simulator at it.
pub fn sim_on_station_broker(db: &str, listen: &str) -> Vec<String> {
    let file = db.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    vec![
        "--broker".into(),
        format!("mqtt://redgrid-sim@{listen}"),
        "--broker-password-file".into(),
        format!("{file}.broker/sim.secret"),
    ]
}

/// The scenario's own folder under the system's temporary folder. Removed on drop when the scenario
/// passed (call [`Scratch::keep`] on failure) or unless `REDGRID_E2E_KEEP` is set, so that a failure
/// leaves the database and the app's log to look at.
pub struct Scratch {
    pub dir: PathBuf,
    /// The size of the Xvfb screen the window opens on (the design size unless a scenario says otherwise).
    pub screen: (u32, u32),
    keep: bool,
}

impl Scratch {
    pub fn new(scenario: &str) -> Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("redgrid-e2e-{}-{scenario}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch { dir, screen: (1920, 1080), keep: std::env::var_os("REDGRID_E2E_KEEP").is_some() })
    }

    /// `sqlite://` URL of a database file in the folder.
    pub fn sqlite_url(&self, file: &str) -> String {
        format!("sqlite://{}", self.dir.join(file).display())
    }

    pub fn keep(&mut self) {
        self.keep = true;
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.keep {
            eprintln!("e2e: kept {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A child process that is ended when dropped: SIGTERM first (tauri-driver ends its WebKitWebDriver only
/// on a signal it can catch), SIGKILL if it has not gone after a few seconds, and always reaped.
struct Spawned {
    name: &'static str,
    child: Child,
}

impl Spawned {
    fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ =
            Command::new("kill").args(["-TERM", &self.child.id().to_string()]).stderr(Stdio::null()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("e2e: {} did not end on SIGTERM; killing it", self.name);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The X display the window opens on: the caller's `DISPLAY` when set (a developer watching), otherwise
/// an Xvfb of the scenario's own at the scenario's screen size.
pub struct Display {
    name: String,
    _xvfb: Option<Spawned>,
}

impl Display {
    /// The display's name for `DISPLAY`, e.g. `:90`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Xvfb's own output goes to `log`.
    pub fn start(log: &Path, (width, height): (u32, u32)) -> Result<Display> {
        if let Some(name) = std::env::var_os("DISPLAY").filter(|d| !d.is_empty()) {
            return Ok(Display { name: name.to_string_lossy().into_owned(), _xvfb: None });
        }
        // A display number whose lock file is free; Xvfb itself refuses one that is taken after all, and
        // then the next is tried.
        for number in 90..190 {
            if Path::new(&format!("/tmp/.X{number}-lock")).exists() {
                continue;
            }
            let child = Command::new("Xvfb")
                .arg(format!(":{number}"))
                .args(["-screen", "0", &format!("{width}x{height}x24"), "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(log)?)
                .spawn()
                .context("cannot start Xvfb: `apt-get install xvfb` (scripts/setup.sh does)")?;
            let mut xvfb = Spawned { name: "Xvfb", child };
            let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = xvfb.child.try_wait() {
                    break;
                }
                if socket.exists() {
                    return Ok(Display { name: format!(":{number}"), _xvfb: Some(xvfb) });
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            xvfb.stop();
        }
        bail!("no free X display for Xvfb between :90 and :189")
    }
}

/// One scenario's console: its display, tauri-driver, the app it started, and the WebDriver session.
pub struct Console {
    pub client: Client,
    pub binaries: Binaries,
    scenario: String,
    shots_dir: PathBuf,
    shot_serial: u32,
    driver_log: PathBuf,
    // Dropped in this order: tauri-driver (and its WebKitWebDriver) before the display they draw on.
    driver: Spawned,
    _display: Display,
}

impl Console {
    /// Starts a display, tauri-driver on free ports, and a session whose application is the built app
    /// with `app_args`. The app inherits the environment given to tauri-driver, so its data, cache and
    /// config folders (the webview's local storage among them) are the scratch folder's, never the user's.
    pub async fn launch(scenario: &str, scratch: &Scratch, app_args: &[String]) -> Result<Console> {
        let binaries = Binaries::locate()?;
        let shots_dir = binaries.target_dir.join("e2e");
        std::fs::create_dir_all(&shots_dir)?;
        // Screenshots of an earlier run of this scenario would mix with this run's.
        for entry in std::fs::read_dir(&shots_dir)? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if name.starts_with(&format!("{scenario}-")) && name.ends_with(".png") {
                std::fs::remove_file(&path)?;
            }
        }
        let display = Display::start(&scratch.dir.join("xvfb.log"), scratch.screen)?;
        let port = free_port()?;
        let native_port = free_port()?;
        let driver_log = scratch.dir.join("driver-and-app.log");
        let xdg = |name: &str| -> Result<PathBuf> {
            let dir = scratch.dir.join(name);
            std::fs::create_dir_all(&dir)?;
            Ok(dir)
        };
        let child = Command::new(&binaries.tauri_driver)
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("DISPLAY", &display.name)
            .env("XDG_DATA_HOME", xdg("data")?)
            .env("XDG_CONFIG_HOME", xdg("config")?)
            .env("XDG_CACHE_HOME", xdg("cache")?)
            // No accessibility bus under Xvfb; without this GTK waits for it and logs about it.
            .env("NO_AT_BRIDGE", "1")
            .env("REDGRID_LOG", std::env::var("REDGRID_LOG").unwrap_or_else(|_| "warn".into()))
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&driver_log)?)
            .stderr(std::fs::OpenOptions::new().append(true).open(&driver_log)?)
            .spawn()
            .context("cannot start tauri-driver")?;
        let driver = Spawned { name: "tauri-driver", child };
        wait_for_driver([port, native_port], Duration::from_secs(20))
            .await
            .with_context(|| tail(&driver_log))?;

        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), json!({ "application": binaries.desktop, "args": app_args }));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .map_err(|e| anyhow!("WebDriver session not created: {e}\n{}", tail(&driver_log)))?;
        eprintln!("e2e[{scenario}]: app started on display {} ({})", display.name, app_args.join(" "));
        Ok(Console {
            client,
            binaries,
            scenario: scenario.into(),
            shots_dir,
            shot_serial: 0,
            driver_log,
            driver,
            _display: display,
        })
    }

    /// Ends the session (WebKitWebDriver closes the app), then tauri-driver and the display.
    pub async fn shutdown(mut self) {
        if let Err(error) = self.client.clone().close().await {
            eprintln!("e2e[{}]: closing the session failed: {error}", self.scenario);
        }
        self.driver.stop();
    }

    /// The last lines of what tauri-driver, WebKitWebDriver and the app wrote: the app's startup progress
    /// and any error it logged.
    pub fn log_tail(&self) -> String {
        tail(&self.driver_log)
    }

    /// Saves what the window shows as `target/e2e/<scenario>-NN-<stage>.png` and returns the path.
    pub async fn screenshot(&mut self, stage: &str) -> Result<PathBuf> {
        self.shot_serial += 1;
        // A screenshot waits for the page's next frame; a page that stopped presenting frames (see
        // first_run.rs) would hang the whole suite instead of failing the scenario.
        let png = tokio::time::timeout(Duration::from_secs(60), self.client.screenshot())
            .await
            .map_err(|_| {
                anyhow!("the screenshot {stage} did not come within 60 s: the page presents no frames")
            })?
            .context("screenshot failed")?;
        let path = self.shots_dir.join(format!("{}-{:02}-{stage}.png", self.scenario, self.shot_serial));
        std::fs::write(&path, png)?;
        eprintln!("e2e[{}]: screenshot {}", self.scenario, path.display());
        Ok(path)
    }

    /// Runs `script` (the body of a function; `arguments` are `args`) in the page.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.client.execute(script, args).await.with_context(|| format!("script failed: {script}"))
    }

    /// Polls `script` until it returns something other than `null`/`undefined`/`false`, and returns it.
    /// `what` says, for the error, what the screen never showed.
    pub async fn wait_js(
        &self,
        what: &str,
        timeout: Duration,
        script: &str,
        args: Vec<Value>,
    ) -> Result<Value> {
        let deadline = Instant::now() + timeout;
        let mut last_error = None;
        loop {
            match self.client.execute(script, args.clone()).await {
                Ok(Value::Null) | Ok(Value::Bool(false)) => {}
                Ok(value) => return Ok(value),
                Err(error) => last_error = Some(error.to_string()),
            }
            if Instant::now() >= deadline {
                let why = last_error.map(|e| format!(" (last script error: {e})")).unwrap_or_default();
                bail!("waited {:.0} s for {what}{why}", timeout.as_secs_f64());
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Waits until the first element matching `css` is shown and its visible text satisfies `accept`;
    /// returns that text.
    pub async fn wait_text(
        &self,
        what: &str,
        timeout: Duration,
        css: &str,
        accept: impl Fn(&str) -> bool,
    ) -> Result<String> {
        let deadline = Instant::now() + timeout;
        let mut seen = String::from("(nothing)");
        loop {
            if let Some(text) = self.visible_text(css).await? {
                if accept(&text) {
                    return Ok(text);
                }
                seen = format!("{text:?}");
            }
            if Instant::now() >= deadline {
                bail!(
                    "waited {:.0} s for {what} at `{css}`; the screen showed {seen}",
                    timeout.as_secs_f64()
                );
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// The rendered text (`innerText`) of the first element matching `css`, or `None` when there is none
    /// or it is not displayed.
    pub async fn visible_text(&self, css: &str) -> Result<Option<String>> {
        let value = self
            .js(
                "const el = document.querySelector(arguments[0]);
                 const shown = el && el.isConnected && !el.closest('[hidden]')
                   && el.getClientRects().length > 0;
                 return shown ? el.innerText : null;",
                vec![json!(css)],
            )
            .await?;
        Ok(value.as_str().map(|s| s.trim().to_string()))
    }

    /// How many displayed elements match `css`.
    pub async fn count_visible(&self, css: &str) -> Result<usize> {
        let value = self
            .js(
                "return [...document.querySelectorAll(arguments[0])]
                   .filter((el) => !el.closest('[hidden]') && el.getClientRects().length > 0).length;",
                vec![json!(css)],
            )
            .await?;
        Ok(value.as_u64().unwrap_or(0) as usize)
    }

    /// Clicks the element matching `css` through WebDriver, as the mouse would. The console re-renders
    /// parts of itself when the live feed brings a change, so a click that lands on an element replaced
    /// in between (stale) or covered for a moment is tried again for a few seconds.
    pub async fn click(&self, css: &str) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let attempt = async {
                let element = self.client.find(Locator::Css(css)).await?;
                element.click().await
            };
            match attempt.await {
                Ok(()) => return Ok(()),
                Err(error) if retryable(&error) && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(error) => return Err(anyhow!("cannot click `{css}`: {error}")),
            }
        }
    }

    /// Presses a key on whatever has the focus, through WebDriver (a real key event, not a synthetic
    /// one): `key` is the character or WebDriver's code point for it (F7 is `\u{E037}`).
    pub async fn press(&self, key: &str) -> Result<()> {
        let focused = self.client.active_element().await.context("nothing has the focus")?;
        focused.send_keys(key).await.with_context(|| format!("cannot press {key:?}"))?;
        Ok(())
    }

    /// Signs in at the sign-in screen (a station opened without `--demo`) and returns what the status bar
    /// then says of the person.
    pub async fn sign_in(&self, account: &str, password: &str) -> Result<String> {
        self.wait_text("the sign-in screen", Duration::from_secs(60), "#overlay .signin-card h1", |t| {
            t == "红格指挥台"
        })
        .await?;
        self.type_into("#overlay input[name=account]", account).await?;
        self.type_into("#overlay input[name=password]", password).await?;
        self.click("#overlay button[type=submit]").await?;
        self.wait_text("the signed-in person in the status bar", Duration::from_secs(15), ".sb-user", |t| {
            !t.is_empty()
        })
        .await
    }

    /// Types `text` into the field matching `css`.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let element =
            self.client.find(Locator::Css(css)).await.with_context(|| format!("no field `{css}`"))?;
        element.click().await.with_context(|| format!("cannot focus `{css}`"))?;
        element.send_keys(text).await.with_context(|| format!("cannot type into `{css}`"))?;
        Ok(())
    }
}

fn retryable(error: &CmdError) -> bool {
    match error {
        CmdError::Standard(e) => matches!(
            e.error,
            ErrorStatus::StaleElementReference
                | ErrorStatus::NoSuchElement
                | ErrorStatus::ElementClickIntercepted
                | ErrorStatus::ElementNotInteractable
        ),
        _ => false,
    }
}

/// Waits until tauri-driver and its WebKitWebDriver both accept connections. Only TCP connects, no HTTP:
/// tauri-driver keeps the connection of a request it forwarded in a pool and does not retry a request
/// that finds a pooled connection closed, so a `GET /status` just before the session's `POST` made that
/// `POST` fail now and then ("webdriver server did not respond").
async fn wait_for_driver(ports: [u16; 2], timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if ports.iter().all(|&port| TcpStream::connect(("127.0.0.1", port)).is_ok()) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!("tauri-driver did not listen on ports {ports:?} within {} s", timeout.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The last 40 lines of a log file, for an error message.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(40);
    format!("--- last lines of {} ---\n{}", path.display(), lines[start..].join("\n"))
}

/// Runs one scenario from launch to shutdown. Whatever `body` returns, the session, the app, tauri-driver
/// and the display are ended; on failure a last screenshot (`…-failed.png`) and the app's log tail are
/// added to the error and the scratch folder is kept.
pub async fn run_scenario<F>(
    scenario: &str,
    scratch: &mut Scratch,
    app_args: &[String],
    body: F,
) -> Result<()>
where
    F: AsyncFnOnce(&mut Console) -> Result<()>,
{
    let started = Instant::now();
    let mut console = match Console::launch(scenario, scratch, app_args).await {
        Ok(console) => console,
        Err(error) => {
            scratch.keep();
            return Err(error);
        }
    };
    let outcome = body(&mut console).await;
    let outcome = match outcome {
        Ok(()) => Ok(()),
        Err(error) => {
            scratch.keep();
            let shot = match console.screenshot("failed").await {
                Ok(path) => format!("screenshot: {}", path.display()),
                Err(e) => format!("no screenshot: {e}"),
            };
            Err(error.context(format!("{shot}\n{}", console.log_tail())))
        }
    };
    console.shutdown().await;
    eprintln!("e2e[{scenario}]: {:.1} s", started.elapsed().as_secs_f64());
    outcome
}

/// A Mosquitto of the scenario's own, configured as docs/mqtt.md recommends for a centre (persistent
/// sessions kept across a graceful restart), so that the scenario may stop it and start it again.
pub struct Broker {
    pub port: u16,
    config: PathBuf,
    child: Option<std::process::Child>,
}

impl Broker {
    pub fn start(scratch: &Scratch) -> Result<Broker> {
        let port = free_port()?;
        let dir = scratch.dir.join("mosquitto");
        std::fs::create_dir_all(&dir)?;
        {
            // Started as root, Mosquitto drops to its own user and must still write its database here.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777))?;
        }
        let config = dir.join("mosquitto.conf");
        std::fs::write(
            &config,
            format!(
                "listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location {}/\n\
                 max_queued_messages 0\nlog_dest none\n",
                dir.display()
            ),
        )?;
        let mut broker = Broker { port, config, child: None };
        broker.resume()?;
        Ok(broker)
    }

    pub fn url(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }

    /// Starts it again after [`Broker::stop`], on the same port, and waits until it listens.
    pub fn resume(&mut self) -> Result<()> {
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(&self.config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("mosquitto is not installed (scripts/setup.sh installs it)")?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            ensure!(Instant::now() < deadline, "mosquitto did not listen on port {}", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Stops it as a service manager does (SIGTERM: it saves the sessions first) and waits for the end.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
            if child.wait().is_err() {
                let _ = child.kill();
            }
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
    }
}
