//! A PostgreSQL cluster of a test's or benchmark's own: `initdb` into a temporary folder, started with
//! `pg_ctl` on a free loopback port, stopped and removed when dropped. The machine's shared PostgreSQL is
//! used, never stopped or reconfigured; anything that restarts a server uses one of these.
//!
//! The binaries come from `REDGRID_PG_BIN` when set, else from the newest `/usr/lib/postgresql/*/bin`
//! (Debian and Ubuntu keep them off the `PATH`). PostgreSQL refuses to run as root, so when this process is
//! root the server runs as the `postgres` OS user through `runuser`, and the folder is made world-writable
//! for it. Authentication is `trust` on loopback only: the cluster holds nothing worth protecting and
//! lives as long as its test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The OS user the server runs as when this process is root.
const SERVER_USER: &str = "postgres";

#[derive(Debug, thiserror::Error)]
pub enum PgClusterError {
    #[error("找不到 PostgreSQL 的 initdb 和 pg_ctl（请安装 postgresql，或设置 REDGRID_PG_BIN）")]
    NoBinaries,
    #[error("{what} 失败：{detail}")]
    Command { what: String, detail: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A running private cluster; stopped and deleted when dropped.
pub struct PgCluster {
    pub port: u16,
    bin: PathBuf,
    dir: PathBuf,
    as_root: bool,
    running: bool,
}

impl PgCluster {
    /// Creates and starts a cluster. A port found free can be taken by someone else before the server
    /// binds it, so a failed start is retried on another port.
    pub fn start() -> Result<PgCluster, PgClusterError> {
        let bin = find_binaries().ok_or(PgClusterError::NoBinaries)?;
        let as_root = running_as_root();
        let mut port = free_port()?;
        let dir = std::env::temp_dir().join(format!(
            "redgrid-pg-{}-{port}-{}",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos()
        ));
        std::fs::create_dir_all(&dir)?;
        if as_root {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777))?;
        }
        let mut cluster = PgCluster { port, bin, dir, as_root, running: false };
        // initdb's closing fsync is skipped: the cluster is thrown away with its test. The server itself
        // keeps PostgreSQL's default durability, so a restart test sees what a real one would.
        let data = cluster.data_dir();
        cluster.run(
            "initdb",
            &[
                "-D",
                path_str(&data)?,
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        )?;
        let mut attempts = 0;
        loop {
            match cluster.spawn() {
                Ok(()) => return Ok(cluster),
                Err(error) if attempts < 2 => {
                    tracing::warn!(%error, port, "private PostgreSQL did not start; trying another port");
                    attempts += 1;
                    port = free_port()?;
                    cluster.port = port;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// `postgres://postgres@127.0.0.1:<port>/<database>`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates a database and returns its URL.
    pub fn create_database(&self, name: &str) -> Result<String, PgClusterError> {
        let port = self.port.to_string();
        self.run("createdb", &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", name])?;
        Ok(self.url(name))
    }

    /// Stops the server the way a service manager restarts it (fast shutdown: every client is
    /// disconnected, open transactions roll back, committed ones are checkpointed) and starts it again on
    /// the same port.
    pub fn restart(&mut self) -> Result<(), PgClusterError> {
        self.stop()?;
        self.spawn()
    }

    /// Stops the server (fast shutdown); [`PgCluster::restart`] or dropping it are the usual ways.
    pub fn stop(&mut self) -> Result<(), PgClusterError> {
        if self.running {
            let data = self.data_dir();
            self.run("pg_ctl stop", &["-D", path_str(&data)?, "-m", "fast", "-w", "-t", "60", "stop"])?;
            self.running = false;
        }
        Ok(())
    }

    /// The server's log, for a failing test's message.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn spawn(&mut self) -> Result<(), PgClusterError> {
        let data = self.data_dir();
        let log = self.dir.join("postgres.log");
        // The socket goes into our own folder: the default /var/run/postgresql belongs to the shared server.
        let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1", self.port, path_str(&self.dir)?);
        self.run(
            "pg_ctl start",
            &["-D", path_str(&data)?, "-l", path_str(&log)?, "-o", &options, "-w", "-t", "60", "start"],
        )
        .map_err(|error| match error {
            PgClusterError::Command { what, detail } => {
                PgClusterError::Command { what, detail: format!("{detail}\n{}", self.log_tail(20)) }
            }
            other => other,
        })?;
        self.running = true;
        Ok(())
    }

    /// Runs one of the cluster's programs, as the server's user when we are root.
    fn run(&self, program: &str, args: &[&str]) -> Result<Output, PgClusterError> {
        let name = program.split(' ').next().unwrap_or(program);
        let path = self.bin.join(name);
        let mut command = if self.as_root {
            let mut command = Command::new("runuser");
            command.args(["-u", SERVER_USER, "--"]).arg(&path);
            command
        } else {
            Command::new(&path)
        };
        // Capturing pg_ctl's output cannot hang on the server it starts: pg_ctl points the server's own
        // stdout and stderr at the log file given with -l.
        let output = command.args(args).current_dir(&self.dir).stdin(std::process::Stdio::null()).output()?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(PgClusterError::Command {
                what: program.to_string(),
                detail: format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ),
            })
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if self.running {
            if let Ok(data) = path_str(&self.data_dir()) {
                let stopped = self.run("pg_ctl stop", &["-D", data, "-m", "fast", "-w", "-t", "30", "stop"]);
                if stopped.is_err() {
                    self.run("pg_ctl stop", &["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"]).ok();
                }
            }
        }
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

fn path_str(path: &Path) -> Result<&str, PgClusterError> {
    path.to_str().ok_or_else(|| PgClusterError::Command {
        what: "path".into(),
        detail: format!("临时目录路径不是 UTF-8：{}", path.display()),
    })
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The effective user owns its own `/proc/self`; asking the OS this way needs no `libc`.
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

fn find_binaries() -> Option<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("REDGRID_PG_BIN").map(PathBuf::from) {
        return has_tools(&dir).then_some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            has_tools(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}
