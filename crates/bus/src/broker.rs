//! The embedded broker (rumqttd) for the single-station default: the console and the simulator talk through
//! it with nothing else installed. A county cluster uses Mosquitto or EMQX instead (`--broker URL`).

use std::collections::HashMap;
use std::net::SocketAddr;

use rumqttd::{Broker, Config, ConnectionSettings, RouterConfig, ServerSettings};

#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error("内置消息服务器无法启动：{0}")]
    Start(String),
}

/// Starts the broker on `listen` in threads of its own and returns once it accepts connections. A port
/// someone already listens on is refused: that is another console or `redgrid serve` with its own embedded
/// broker, and connecting to it as this station would make the two stations take the one client id from
/// each other in an endless loop.
pub fn start_embedded(listen: SocketAddr) -> Result<(), BrokerError> {
    if let Err(error) = std::net::TcpListener::bind(listen) {
        return Err(BrokerError::Start(if error.kind() == std::io::ErrorKind::AddrInUse {
            format!("端口 {listen} 已被占用（可能另一个指挥台或 redgrid serve 正在运行；请先关闭它，或用 --listen 换一个端口）")
        } else {
            format!("无法监听 {listen}（{}）", error.kind())
        }));
    }
    let connections = ConnectionSettings {
        connection_timeout_ms: 60_000,
        max_payload_size: 512 * 1024,
        max_inflight_count: 500,
        auth: None,
        external_auth: None,
        dynamic_filters: true,
    };
    let server = ServerSettings {
        name: "redgrid-v4".into(),
        listen,
        tls: None,
        next_connection_delay_ms: 1,
        connections,
    };
    let config = Config {
        id: 0,
        router: RouterConfig {
            max_connections: 10_000,
            max_outgoing_packet_count: 500,
            max_segment_size: 64 * 1024 * 1024,
            max_segment_count: 10,
            custom_segment: None,
            initialized_filters: None,
            shared_subscriptions_strategy: Default::default(),
        },
        v4: Some(HashMap::from([("1".to_string(), server)])),
        v5: None,
        ws: None,
        cluster: None,
        console: None,
        bridge: None,
        prometheus: None,
        metrics: None,
    };
    let mut broker = Broker::new(config);
    std::thread::Builder::new()
        .name("redgrid-broker".into())
        .spawn(move || {
            if let Err(error) = broker.start() {
                tracing::error!(%error, "embedded broker stopped");
            }
        })
        .map_err(|e| BrokerError::Start(e.to_string()))?;
    // Wait until the listener accepts, so that a client connecting right after never races it.
    for _ in 0..100 {
        if std::net::TcpStream::connect(listen).is_ok() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Err(BrokerError::Start(format!("{listen} 没有开始监听")))
}
