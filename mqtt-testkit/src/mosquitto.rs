//! Starts a real mosquitto broker for a test: its own configuration and certificates in a
//! directory of its own, each listener on a free loopback port; killed (by its PID) and the
//! directory removed when dropped.
//!
//! Two quirks of mosquitto 2.0 (with libwebsockets) are handled here: a WebSocket listener
//! takes a network *interface* name, not an address (`127.0.0.1` there binds every
//! interface), so WebSocket listeners are bound to the loopback interface by name; and a
//! broker with WebSocket listeners only refuses to start ("Unable to start any listening
//! sockets"), so one plain loopback listener is added, unused. On Linux every listening
//! socket of the broker is checked to be on loopback before the broker is handed out.
//!
//! ```no_run
//! use mqtt_testkit::{Listener, Mosquitto};
//! let broker = Mosquitto::start(&[Listener::tcp(), Listener::websockets()]);
//! let tcp_port = broker.port(0);
//! let ws_port = broker.port(1);
//! ```

use std::fmt::Write as _;
use std::fs::File;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::temp_dir::TempDir;

/// How long mosquitto may take to open its ports.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// The loopback interface, by name, for WebSocket listeners.
const LOOPBACK_INTERFACE: &str = if cfg!(target_os = "linux") {
    "lo"
} else {
    "lo0"
};

/// What a listener speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// MQTT straight over TCP (or TLS).
    Mqtt,
    /// MQTT over WebSocket (or secure WebSocket, with TLS).
    WebSockets,
}

/// The TLS side of a listener: all PEM.
#[derive(Clone, Debug)]
pub struct ListenerTls {
    /// The CA that signs client certificates (mosquitto wants one even when it requires none).
    pub ca_pem: String,
    /// The server's certificate.
    pub cert_pem: String,
    /// The server's private key.
    pub key_pem: String,
    /// Whether clients must present a certificate signed by the CA.
    pub require_certificate: bool,
}

/// One listener of the broker.
#[derive(Clone, Debug)]
pub struct Listener {
    /// What it speaks.
    pub protocol: Protocol,
    /// TLS, if any.
    pub tls: Option<ListenerTls>,
}

impl Listener {
    /// Plain MQTT over TCP.
    pub fn tcp() -> Self {
        Listener {
            protocol: Protocol::Mqtt,
            tls: None,
        }
    }

    /// MQTT over WebSocket.
    pub fn websockets() -> Self {
        Listener {
            protocol: Protocol::WebSockets,
            tls: None,
        }
    }

    /// The same listener with TLS.
    pub fn with_tls(mut self, tls: ListenerTls) -> Self {
        self.tls = Some(tls);
        self
    }
}

/// A running mosquitto.
#[derive(Debug)]
pub struct Mosquitto {
    child: Option<Child>,
    binary: PathBuf,
    config: PathBuf,
    log: PathBuf,
    ports: Vec<u16>,
    // Dropped last: the files must outlive the process.
    dir: TempDir,
}

impl Mosquitto {
    /// Where mosquitto is installed: on `PATH`, or at `/usr/sbin/mosquitto` (where Debian puts
    /// it, not always on `PATH`).
    pub fn binary() -> Option<PathBuf> {
        let on_path = std::env::var_os("PATH")
            .into_iter()
            .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
            .map(|dir| dir.join("mosquitto"));
        on_path
            .chain([PathBuf::from("/usr/sbin/mosquitto")])
            .find(|path| path.is_file())
    }

    /// Starts mosquitto with `listeners`, each on a free loopback port, and waits until every
    /// port accepts connections. Panics, saying why, if mosquitto is not installed or does
    /// not start.
    pub fn start(listeners: &[Listener]) -> Mosquitto {
        Self::start_with_config(listeners, "")
    }

    /// Like [`start`](Self::start), with `extra` appended to the global part of the
    /// configuration (for example `max_inflight_messages 100` or `acl_file ...`, one
    /// option a line).
    pub fn start_with_config(listeners: &[Listener], extra: &str) -> Mosquitto {
        let binary = Self::binary().unwrap_or_else(|| {
            panic!(
                "mosquitto is not installed (looked on PATH and at /usr/sbin/mosquitto): \
                 install it (apt-get install mosquitto) to run the tests marked \"needs mosquitto\""
            )
        });
        let dir = TempDir::new("mosquitto-test").expect("create the broker's directory");
        let mut listeners = listeners.to_vec();
        if listeners.iter().all(|l| l.protocol == Protocol::WebSockets) {
            listeners.push(Listener::tcp());
        }
        let ports: Vec<u16> = listeners.iter().map(|_| free_port()).collect();
        let config = write_config(&dir, &listeners, &ports, extra);
        let log = dir.path().join("mosquitto.log");
        let mut broker = Mosquitto {
            child: None,
            binary,
            config,
            log,
            ports,
            dir,
        };
        broker.launch();
        broker
    }

    /// The port of listener `index` (in the order given to [`start`](Self::start)).
    pub fn port(&self, index: usize) -> u16 {
        self.ports[index]
    }

    /// The broker's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The directory of the broker's configuration and files (for ACL or password files).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// What mosquitto has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Kills the broker (its clients see their connections drop).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Kills this PID only: the process started here.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the broker and starts it again, on the same ports.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    fn launch(&mut self) {
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("create the broker's log file");
        let child = Command::new(&self.binary)
            .arg("-c")
            .arg(&self.config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("share the log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("could not run {}: {e}", self.binary.display()));
        self.child = Some(child);
        self.wait_until_listening();
        #[cfg(target_os = "linux")]
        self.assert_loopback_only();
    }

    /// Panics (killing the broker) if any of its ports listens beyond loopback.
    #[cfg(target_os = "linux")]
    fn assert_loopback_only(&mut self) {
        let listening = listening_addresses(&self.ports);
        for port in self.ports.clone() {
            if !listening.iter().any(|(p, _)| *p == port) {
                self.stop();
                panic!("port {port} of mosquitto not found in /proc/net/tcp{{,6}}");
            }
        }
        let exposed = listening
            .into_iter()
            .map(|(_, address)| address)
            .filter(|address| {
                let v4 = match address {
                    std::net::IpAddr::V4(v4) => Some(*v4),
                    std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped(),
                };
                !(address.is_loopback() || v4.is_some_and(|v4| v4.is_loopback()))
            })
            .collect::<Vec<_>>();
        if !exposed.is_empty() {
            self.stop();
            panic!("mosquitto listened beyond loopback ({exposed:?}); refusing to run");
        }
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + START_TIMEOUT;
        for &port in &self.ports {
            while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
                if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                    panic!("mosquitto exited ({status}) at start:\n{}", self.log());
                }
                if Instant::now() > deadline {
                    panic!(
                        "mosquitto did not open port {port} within {START_TIMEOUT:?}:\n{}",
                        self.log()
                    );
                }
                sleep(Duration::from_millis(20));
            }
        }
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A loopback port free right now (bound, then released for mosquitto to take).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("find a free loopback port")
}

/// Writes `mosquitto.conf` and the listeners' certificates into `dir`.
fn write_config(dir: &TempDir, listeners: &[Listener], ports: &[u16], extra: &str) -> PathBuf {
    let mut config = String::from(
        "# Written by the tests: loopback listeners only, nothing kept.\n\
         allow_anonymous true\n\
         persistence false\n\
         log_dest stderr\n\
         log_type error\n\
         log_type warning\n\
         log_type notice\n\
         log_type information\n",
    );
    config.push_str(extra);
    config.push('\n');
    for (index, (listener, port)) in listeners.iter().zip(ports).enumerate() {
        let protocol = match listener.protocol {
            Protocol::Mqtt => "mqtt",
            Protocol::WebSockets => "websockets",
        };
        let bind = match listener.protocol {
            Protocol::Mqtt => "127.0.0.1",
            Protocol::WebSockets => LOOPBACK_INTERFACE,
        };
        let _ = write!(config, "\nlistener {port} {bind}\nprotocol {protocol}\n");
        if let Some(tls) = &listener.tls {
            let file = |kind: &str, pem: &str| {
                dir.write(&format!("listener-{index}-{kind}.pem"), pem)
                    .expect("write a certificate file")
            };
            let _ = write!(
                config,
                "cafile {}\ncertfile {}\nkeyfile {}\nrequire_certificate {}\n",
                file("ca", &tls.ca_pem).display(),
                file("cert", &tls.cert_pem).display(),
                file("key", &tls.key_pem).display(),
                tls.require_certificate,
            );
        }
    }
    dir.write("mosquitto.conf", config)
        .expect("write mosquitto.conf")
}

/// The ports and local addresses of the listening TCP sockets on `ports`, from `/proc/net/tcp{,6}`.
#[cfg(target_os = "linux")]
fn listening_addresses(ports: &[u16]) -> Vec<(u16, std::net::IpAddr)> {
    const LISTEN: &str = "0A";
    let mut addresses = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(&state)) = (fields.get(1), fields.get(3)) else {
                continue;
            };
            let Some((address, port)) = local.split_once(':') else {
                continue;
            };
            let port = u16::from_str_radix(port, 16).unwrap_or(0);
            if state == LISTEN && ports.contains(&port) {
                addresses.extend(parse_proc_address(address).map(|address| (port, address)));
            }
        }
    }
    addresses
}

/// An address as `/proc/net/tcp{,6}` writes it: hex, in 32-bit words of host byte order.
#[cfg(target_os = "linux")]
fn parse_proc_address(hex: &str) -> Option<std::net::IpAddr> {
    let words = (0..hex.len() / 8)
        .map(|i| {
            u32::from_str_radix(&hex[i * 8..i * 8 + 8], 16)
                .ok()
                .map(u32::to_ne_bytes)
        })
        .collect::<Option<Vec<[u8; 4]>>>()?;
    let bytes: Vec<u8> = words.concat();
    match bytes.len() {
        4 => Some(std::net::IpAddr::from(<[u8; 4]>::try_from(bytes).ok()?)),
        16 => Some(std::net::IpAddr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        _ => None,
    }
}
