//! A Mosquitto of a test's or benchmark's own, on a free loopback port with a config it writes. The
//! machine's shared broker is used, never stopped or reconfigured; anything that restarts a broker uses
//! one of these.

use std::path::PathBuf;
use std::time::Duration;

/// What the broker is configured with.
#[derive(Debug, Clone)]
pub struct MosquittoConfig {
    /// Keep sessions and queued messages in a file across restarts.
    pub persistence: bool,
    /// QoS 1 messages in flight to one client before the broker waits for acknowledgements.
    pub max_inflight_messages: u32,
    /// Logins (a password file's text) and their ACL (an ACL file's text); anonymous clients are refused.
    pub logins: Option<(String, String)>,
    /// TLS on the listener: the server's certificate and key (PEM).
    pub tls: Option<(String, String)>,
}

impl Default for MosquittoConfig {
    fn default() -> Self {
        MosquittoConfig { persistence: false, max_inflight_messages: 1000, logins: None, tls: None }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MosquittoError {
    #[error("无法启动 mosquitto（请先安装：apt-get install mosquitto）：{0}")]
    Spawn(std::io::Error),
    #[error("mosquitto 没有在端口 {0} 上开始监听")]
    NotListening(u16),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A running broker; stopped when dropped.
pub struct Mosquitto {
    pub port: u16,
    /// The config file's text, for reports.
    pub config_text: String,
    dir: PathBuf,
    child: Option<std::process::Child>,
}

impl Mosquitto {
    /// Starts a broker on a free port. `max_queued_messages 0` lifts the default limit of 1,000 queued QoS 1
    /// messages per client, past which Mosquitto drops them.
    pub fn start(config: &MosquittoConfig) -> Result<Mosquitto, MosquittoError> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let dir = std::env::temp_dir().join(format!("redgrid-mosquitto-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        // Started as root, Mosquitto drops to its own user and must still write its persistence file here.
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777))?;
        }
        let mut config_text = format!(
            "listener {port} 127.0.0.1\nmax_queued_messages 0\nmax_queued_bytes 0\n\
             max_inflight_messages {}\nlog_dest none\n",
            config.max_inflight_messages
        );
        match &config.logins {
            Some((passwd, acl)) => {
                std::fs::write(dir.join("passwd"), passwd)?;
                std::fs::write(dir.join("acl"), acl)?;
                config_text.push_str(&format!(
                    "allow_anonymous false\npassword_file {0}/passwd\nacl_file {0}/acl\n",
                    dir.display()
                ));
            }
            None => config_text.push_str("allow_anonymous true\n"),
        }
        if let Some((cert, key)) = &config.tls {
            std::fs::write(dir.join("server.crt"), cert)?;
            std::fs::write(dir.join("server.key"), key)?;
            config_text
                .push_str(&format!("certfile {0}/server.crt\nkeyfile {0}/server.key\n", dir.display()));
        }
        if config.persistence {
            config_text.push_str(&format!(
                "persistence true\npersistence_location {}/\nautosave_interval 1\n",
                dir.display()
            ));
        } else {
            config_text.push_str("persistence false\n");
        }
        std::fs::write(dir.join("mosquitto.conf"), &config_text)?;
        let mut broker = Mosquitto { port, config_text, dir, child: None };
        broker.spawn()?;
        Ok(broker)
    }

    /// Starts a stopped broker again on its port with its config.
    pub fn start_again(&mut self) -> Result<(), MosquittoError> {
        self.spawn()
    }

    /// Freezes the broker (SIGSTOP): its sockets stay open and nothing answers, as when the machine or the
    /// network under it hangs. Only keep-alive can tell a client; [`Mosquitto::resume`] thaws it.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        if let Some(child) = &self.child {
            let _ = std::process::Command::new("kill").arg(signal).arg(child.id().to_string()).status();
        }
    }

    fn spawn(&mut self) -> Result<(), MosquittoError> {
        let child = std::process::Command::new("mosquitto")
            .arg("-c")
            .arg(self.dir.join("mosquitto.conf"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(MosquittoError::Spawn)?;
        self.child = Some(child);
        for _ in 0..250 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(MosquittoError::NotListening(self.port))
    }

    pub fn url(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }

    /// Rewrites the password file and ACL and makes the broker read them again (SIGHUP).
    pub fn reload_logins(&self, passwd: &str, acl: &str) -> Result<(), MosquittoError> {
        std::fs::write(self.dir.join("passwd"), passwd)?;
        std::fs::write(self.dir.join("acl"), acl)?;
        self.signal("-HUP");
        Ok(())
    }

    /// Stops the broker the way a service manager does (SIGTERM: it saves its state) and starts it again on
    /// the same port with the same config.
    pub fn restart(&mut self) -> Result<(), MosquittoError> {
        self.stop();
        self.spawn()
    }

    /// Stops the broker as a service manager does; [`Mosquitto::start_again`] brings it back.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGTERM through kill(1): the standard library only sends SIGKILL, which skips the save.
            let _ = std::process::Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
            for _ in 0..250 {
                if matches!(child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            child.kill().ok();
            child.wait().ok();
        }
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        self.resume();
        self.stop();
        std::fs::remove_dir_all(&self.dir).ok();
    }
}
