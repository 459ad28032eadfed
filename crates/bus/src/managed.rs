//! The single-station default broker: a Mosquitto that the station configures, starts and stops itself.
//!
//! Why not an in-process broker: rumqttd (the embedded broker RedGrid shipped before) has a static
//! username/password table but no topic ACL (its ACL work is unmerged), so anyone who could log in could
//! publish as any worker, and it kept every client's retained messages in the console's own memory.
//! Mosquitto has per-user topic ACLs, a packet size limit, persistence, and runs in its own process. So the
//! station writes its config, password file and ACL into a folder of its own, starts it, and reloads it
//! (SIGHUP) when a login is issued or revoked.
//!
//! Each login has its own `user` block in the ACL and no `pattern` lines: a revoked login disappears from
//! both files, and on reload Mosquitto re-checks every connected client against the new ACL, so a revoked
//! terminal still connected can no longer publish or receive anything.
//!
//! The broker dies with the station: it is started through `setpriv --pdeathsig TERM` from a thread that
//! lives as long as the process, so even a station killed with SIGKILL takes its broker with it. A broker
//! left running from an older station on the same folder (its pid file names it and its command line
//! names this folder's config) is stopped and replaced.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;

/// Mosquitto refuses packets over this: above the decoder's 256 KiB, so an oversized payload reaches the
/// station and is quarantined as `too_large`; far below the station's own 64 MiB read limit, so it is never
/// a connection error; and small enough that the retained messages a login may leave are bounded.
pub const MAX_PACKET_BYTES: usize = 1024 * 1024;

/// The station's own login: reads and writes RedGrid's topics, reads the NVRs' and the phones'.
pub const STATION_LOGIN: &str = "redgrid-station";
/// The privileged login of the simulator, the benchmarks and test senders: every topic.
pub const SIM_LOGIN: &str = "redgrid-sim";

#[derive(Debug, thiserror::Error)]
pub enum ManagedError {
    #[error("无法启动消息服务器 mosquitto（请先安装：apt-get install mosquitto）：{0}")]
    Spawn(std::io::Error),
    #[error("端口 {0} 已被占用（可能另一个指挥台或 redgrid serve 正在运行；请先关闭它，或用 --listen 换一个端口）")]
    PortTaken(SocketAddr),
    #[error("消息服务器 mosquitto 没有在 {0} 上开始监听（日志：{1}）")]
    NotListening(SocketAddr, String),
    #[error("消息服务器文件夹 {0} 无法写入：{1}")]
    Folder(PathBuf, std::io::Error),
}

/// What a login may do on a topic filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    ReadWrite,
}

impl Access {
    fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::ReadWrite => "readwrite",
        }
    }
}

/// One login of the broker: its name, its password in Mosquitto's hashed form, and its topics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub username: String,
    /// As [`hash_password`] makes it; the password itself is never stored.
    pub password_hash: String,
    pub acl: Vec<(Access, String)>,
}

/// PBKDF2-SHA512 iterations of a new hash. Mosquitto's own tool uses 101; a login is checked once per
/// connection, so a hundred times more costs the broker about a millisecond each and an attacker with the
/// file a hundred times more.
const PBKDF2_ROUNDS: u32 = 10_000;

/// A password in the form of Mosquitto 2's password file (`$7$rounds$salt$hash`, PBKDF2-SHA512).
pub fn hash_password(password: &str) -> String {
    use rand::RngCore;
    let mut salt = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    hash_with_salt(password, &salt, PBKDF2_ROUNDS)
}

fn hash_with_salt(password: &str, salt: &[u8], rounds: u32) -> String {
    let mut hash = [0u8; 64];
    pbkdf2::pbkdf2_hmac::<sha2::Sha512>(password.as_bytes(), salt, rounds, &mut hash);
    let b64 = base64::engine::general_purpose::STANDARD;
    format!("$7${rounds}${}${}", b64.encode(salt), b64.encode(hash))
}

/// Whether `password` matches a hash from [`hash_password`] (or Mosquitto's own tool).
pub fn verify_password(password: &str, hash: &str) -> bool {
    let parts: Vec<&str> = hash.split('$').collect();
    let b64 = base64::engine::general_purpose::STANDARD;
    let (["", "7", rounds, _, _], Ok(salt)) = (parts.as_slice(), b64.decode(parts.get(3).unwrap_or(&"")))
    else {
        return false;
    };
    let Ok(rounds) = rounds.parse::<u32>() else { return false };
    hash_with_salt(password, &salt, rounds) == hash
}

/// A new random password: 24 characters without look-alikes (0/O, 1/l/I), about 137 bits.
pub fn new_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::rngs::OsRng;
    (0..24).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// The ACL of a worker's terminal, as `docs/mqtt.md` lays it out: it writes only under its own terminal
/// topics and its own OwnTracks user, and reads its tasks, notices, call-ups and the broadcasts.
pub fn worker_acl(topics: &crate::topics::Topics, worker_id: &str) -> Vec<(Access, String)> {
    use crate::topics::TerminalChannel::*;
    let mut acl: Vec<(Access, String)> = [Ack, Arrive, Feedback, Location, ZeroReport]
        .into_iter()
        .map(|c| (Access::Write, topics.terminal(worker_id, c)))
        .collect();
    acl.extend([Tasks, Notice, Callup].into_iter().map(|c| (Access::Read, topics.terminal(worker_id, c))));
    acl.push((Access::Read, format!("{}/broadcast/#", topics.root)));
    acl.push((Access::Write, format!("{}/reports/{worker_id}", topics.root)));
    acl.push((Access::ReadWrite, format!("{}/{worker_id}/#", topics.owntracks_prefix)));
    acl
}

/// The ACL of an NVR login named `nvr`: native camera alerts under its own alert topic, and, for the login
/// named as the station's Frigate `topic_prefix`, everything a Frigate publishes under it.
pub fn nvr_acl(topics: &crate::topics::Topics, nvr: &str) -> Vec<(Access, String)> {
    let mut acl = vec![(Access::Write, topics.camera_alerts(nvr))];
    if nvr == topics.frigate_prefix {
        acl.push((Access::Write, format!("{nvr}/#")));
    }
    acl
}

/// The ACL of a report source (a hotline gateway, the residents' app): its own reports topic.
pub fn source_acl(topics: &crate::topics::Topics, source: &str) -> Vec<(Access, String)> {
    vec![(Access::Write, format!("{}/reports/{source}", topics.root))]
}

/// The station's ACL: all of RedGrid's topics, the NVRs' and the phones' (read).
pub fn station_acl(topics: &crate::topics::Topics) -> Vec<(Access, String)> {
    vec![
        (Access::ReadWrite, format!("{}/#", topics.root)),
        (Access::Read, format!("{}/#", topics.frigate_prefix)),
        (Access::Read, format!("{}/#", topics.owntracks_prefix)),
    ]
}

/// How the broker is set up.
#[derive(Debug, Clone)]
pub struct ManagedConfig {
    /// Its folder: config, password file, ACL, persistence, log, pid and the station's own secrets.
    pub dir: PathBuf,
    pub listen: SocketAddr,
    pub logins: Vec<Login>,
}

/// A running broker; stopped (SIGTERM, so it saves its sessions) when dropped.
pub struct ManagedBroker {
    pub listen: SocketAddr,
    dir: PathBuf,
    pid: u32,
}

impl ManagedBroker {
    /// Writes the files, starts Mosquitto and returns once it accepts connections.
    pub fn start(config: &ManagedConfig) -> Result<ManagedBroker, ManagedError> {
        let dir = &config.dir;
        private_dir(dir).map_err(|e| ManagedError::Folder(dir.clone(), e))?;
        stop_leftover(dir);
        if let Err(error) = std::net::TcpListener::bind(config.listen) {
            if error.kind() == std::io::ErrorKind::AddrInUse {
                return Err(ManagedError::PortTaken(config.listen));
            }
            return Err(ManagedError::Spawn(error));
        }
        let write = |name: &str, text: &str| {
            write_private(&dir.join(name), text).map_err(|e| ManagedError::Folder(dir.clone(), e))
        };
        write("mosquitto.conf", &config_text(dir, config.listen))?;
        write("passwd", &passwd_text(&config.logins))?;
        write("acl", &acl_text(&config.logins))?;
        let log = dir.join("mosquitto.log");
        let pid = spawn(&dir.join("mosquitto.conf"), &log)?;
        std::fs::write(dir.join("broker.pid"), pid.to_string()).ok();
        let broker = ManagedBroker { listen: config.listen, dir: dir.clone(), pid };
        for _ in 0..250 {
            if std::net::TcpStream::connect(config.listen).is_ok() {
                tracing::info!(listen = %config.listen, pid, "managed broker started");
                return Ok(broker);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let tail = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: String = tail.lines().rev().take(3).collect::<Vec<_>>().join(" / ");
        Err(ManagedError::NotListening(config.listen, tail))
    }

    /// Rewrites the password file and ACL and makes the broker read them again. Connected clients stay
    /// connected but are held to the new ACL at once.
    pub fn reload(&self, logins: &[Login]) -> Result<(), ManagedError> {
        let dir = &self.dir;
        write_private(&dir.join("passwd"), &passwd_text(logins))
            .and_then(|_| write_private(&dir.join("acl"), &acl_text(logins)))
            .map_err(|e| ManagedError::Folder(dir.clone(), e))?;
        signal(self.pid, "-HUP");
        tracing::info!(logins = logins.len(), "managed broker reloaded its logins");
        Ok(())
    }

    pub fn url(&self) -> String {
        format!("mqtt://{}", self.listen)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stops the broker and waits until it is gone (it saves its sessions first).
    pub fn stop(&self) {
        signal(self.pid, "-TERM");
        for _ in 0..250 {
            if !alive(self.pid) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        std::fs::remove_file(self.dir.join("broker.pid")).ok();
    }
}

impl Drop for ManagedBroker {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A secret of the station's (its own broker password, the simulator's) kept in the broker's folder: read
/// if it is there, made and written 0600 otherwise.
pub fn secret(dir: &Path, name: &str) -> std::io::Result<String> {
    let path = dir.join(format!("{name}.secret"));
    if let Ok(text) = std::fs::read_to_string(&path) {
        let text = text.trim().to_string();
        if text.len() >= 16 {
            return Ok(text);
        }
    }
    private_dir(dir)?;
    let password = new_password();
    write_private(&path, &password)?;
    Ok(password)
}

fn config_text(dir: &Path, listen: SocketAddr) -> String {
    let mut text = format!(
        "# Written by the RedGrid station at every start; edits are overwritten.\n\
         per_listener_settings false\n\
         listener {port} {host}\n\
         allow_anonymous false\n\
         password_file {dir}/passwd\n\
         acl_file {dir}/acl\n\
         max_packet_size {MAX_PACKET_BYTES}\n\
         max_queued_messages 100000\n\
         max_inflight_messages 1000\n\
         persistent_client_expiration 30d\n\
         persistence true\n\
         persistence_location {dir}/\n\
         autosave_interval 60\n\
         log_dest file {dir}/mosquitto.log\n\
         log_type error\nlog_type warning\nlog_type notice\n",
        port = listen.port(),
        host = listen.ip(),
        dir = dir.display(),
    );
    // Started as root, Mosquitto would drop to its own user, which cannot read these 0600 files.
    if running_as_root() {
        text.push_str("user root\n");
    }
    text
}

/// The password file for `logins`: `username:hash` lines.
pub fn passwd_text(logins: &[Login]) -> String {
    logins.iter().map(|l| format!("{}:{}\n", l.username, l.password_hash)).collect()
}

/// The ACL file for `logins`: one `user` block each (also what a centre's own Mosquitto can be given).
pub fn acl_text(logins: &[Login]) -> String {
    let mut text = String::from("# Written by the RedGrid station; one block per login, no patterns.\n");
    for login in logins {
        text.push_str(&format!("\nuser {}\n", login.username));
        for (access, topic) in &login.acl {
            text.push_str(&format!("topic {} {topic}\n", access.as_str()));
        }
    }
    text
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// Starts Mosquitto from a thread that lives as long as the process (the parent-death signal follows the
/// thread that forked, not the process) and returns its pid.
fn spawn(config: &Path, log: &Path) -> Result<u32, ManagedError> {
    let with_setpriv = Path::new("/usr/bin/setpriv").exists();
    let mut command = if with_setpriv {
        let mut c = std::process::Command::new("/usr/bin/setpriv");
        c.args(["--pdeathsig", "TERM", "--", "mosquitto"]);
        c
    } else {
        tracing::warn!("setpriv not found: the broker will outlive a station that is killed");
        std::process::Command::new("mosquitto")
    };
    command.arg("-c").arg(config);
    let stderr = std::fs::File::create(log).map_err(ManagedError::Spawn)?;
    command.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).stderr(stderr);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("redgrid-broker".into())
        .spawn(move || match command.spawn() {
            Ok(mut child) => {
                let _ = tx.send(Ok(child.id()));
                match child.wait() {
                    Ok(status) => tracing::info!(%status, "managed broker exited"),
                    Err(error) => tracing::error!(%error, "waiting for the managed broker failed"),
                }
                // Parked, not returned: the parent-death signal is tied to this thread's life.
                loop {
                    std::thread::park();
                }
            }
            Err(error) => {
                let _ = tx.send(Err(error));
            }
        })
        .map_err(ManagedError::Spawn)?;
    rx.recv()
        .map_err(|_| ManagedError::Spawn(std::io::Error::other("broker thread ended")))?
        .map_err(ManagedError::Spawn)
}

/// Stops a broker an earlier station left running on this folder, if its pid file names one still running
/// with this folder's config.
fn stop_leftover(dir: &Path) {
    let Some(pid) =
        std::fs::read_to_string(dir.join("broker.pid")).ok().and_then(|p| p.trim().parse::<u32>().ok())
    else {
        return;
    };
    let config = dir.join("mosquitto.conf");
    let ours = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| String::from_utf8_lossy(&c).contains(&*config.to_string_lossy()))
        .unwrap_or(false);
    if ours {
        tracing::warn!(pid, "stopping the broker an earlier station left running");
        signal(pid, "-TERM");
        for _ in 0..250 {
            if !alive(pid) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    std::fs::remove_file(dir.join("broker.pid")).ok();
}

fn alive(pid: u32) -> bool {
    // A zombie (exited, not yet reaped by the broker thread) counts as gone.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'))
        .unwrap_or(false)
}

fn signal(pid: u32, signal: &str) {
    // The standard library sends only SIGKILL; kill(1) sends the rest without unsafe code.
    let _ = std::process::Command::new("kill")
        .arg(signal)
        .arg(pid.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if !dir.exists() {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    } else {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Writes a file 0600 through a temporary name, so that a reader never sees it half written.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut file =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse");
        assert!(hash.starts_with("$7$10000$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct hors", &hash));
        assert!(!verify_password("correct horse", "garbage"));
    }

    #[test]
    fn mosquittos_own_hash_verifies() {
        // Made by `mosquitto_passwd -b passwd alice secret123` (Mosquitto 2.0.11).
        let hash = "$7$101$sT1vcH35Ven7FAfI$JpWHMIiwhyOaqQnz0RtnP6fr9lIKGbm2Vsp02jyGuI0hYSp/81ck5aY/hUh8Hc2WxAOOmDwqCuM+BZxXvHRn0w==";
        assert!(verify_password("secret123", hash));
        assert!(!verify_password("secret124", hash));
    }

    #[test]
    fn the_acl_has_a_block_per_login_and_no_patterns() {
        let topics = crate::topics::Topics::default();
        let logins = vec![Login {
            username: "W0042".into(),
            password_hash: "x".into(),
            acl: worker_acl(&topics, "W0042"),
        }];
        let acl = acl_text(&logins);
        assert!(acl.contains("user W0042\ntopic write redgrid/v1/terminals/W0042/ack\n"), "{acl}");
        assert!(!acl.lines().any(|l| l.starts_with("pattern")), "{acl}");
        assert!(!acl.contains("%u"));
    }
}
