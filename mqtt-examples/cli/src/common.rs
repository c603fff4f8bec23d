//! The options both tools take (broker, identity, session, TLS, protocol version, Will,
//! properties, socket, debug, quiet), as mosquitto's tools name them, and the client options
//! they make.

use mqtt_kit_client::{Options, OptionsBuilder, ProtocolVersion, QoS, TopicName, Will};

use super::arguments::number_in;
use super::connector::connector;
use super::{Arguments, Flag, PropertyArgs, PropertyTarget, TlsOptions, UsageError};

/// The default port of plain MQTT, and of MQTT over TLS.
const MQTT_PORT: u16 = 1883;
const MQTTS_PORT: u16 = 8883;

/// The help on the options both tools take, for their `--help`.
pub(crate) const COMMON_HELP: &str = "\
 -h, --host HOST      broker host (default localhost)
 -p, --port PORT      broker port (default 1883; 8883 with TLS)
 -L, --url URL        mqtt(s)://[user[:password]@]host[:port]/topic (ws://, wss://, unix://: broker only)
     --unix PATH      broker's Unix socket
 -i, --id ID          client id (default: generated)
 -I, --id-prefix P    client id: P and the process id
 -u, --username USER, -P, --pw PASSWORD
 -k, --keepalive S    keep alive in seconds (default 60, 0: off)
 -c, --disable-clean-session   keep the session (needs -i); with -V 5 it never expires unless -x
 -x S                 MQTT 5.0 session expiry interval in seconds (-1 or ∞: never; default 0,
                      or never with -c)
 -V, --protocol-version 31|311|5  MQTT version (also mqttv31, mqttv311, mqttv5; default 311)
 -A ADDRESS           bind the connection to this local address (mqtt:// and mqtts:// only)
     --nodelay        turn off Nagle's algorithm (TCP_NODELAY)
     --cafile FILE    trust the CAs in FILE (PEM) and use TLS
     --capath DIR     trust the CAs in the PEM files in DIR and use TLS
     --cert FILE, --key FILE   client certificate and key (PEM) for TLS
     --insecure       do not check the host name in the broker's certificate (its CA still is)
     --tls-use-os-certs  TLS with the system's CAs (also beside --cafile, --capath)
     --tls-version V  the oldest TLS version: tlsv1.2 (default) or tlsv1.3
     --tls-alpn P     ask for the application protocol P in ALPN
     --will-topic T, --will-payload P, --will-qos Q, --will-retain   the Will message
 -d, --debug          print each packet sent and received on standard error
     --quiet          print no runtime error (usage errors are still printed)
     --help           this text";

/// Where the broker is, as the command line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokerTarget {
    /// `-h` and `-p` (each with its default).
    HostPort {
        /// `-h`: default `localhost`.
        host: String,
        /// `-p`: default 1883, or 8883 with TLS.
        port: Option<u16>,
    },
    /// `-L`: the broker part of the URL.
    Url(String),
    /// `--unix`: a Unix socket's path.
    Unix(String),
}

/// `--will-topic`, `--will-payload`, `--will-qos`, `--will-retain`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WillOptions {
    /// The Will's topic; without it there is no Will.
    pub topic: Option<String>,
    /// Its payload (default: empty).
    pub payload: Option<String>,
    /// Its QoS.
    pub qos: QoS,
    /// Whether it is retained.
    pub retain: bool,
}

/// The options both tools take.
#[derive(Debug, Clone, PartialEq)]
pub struct CommonOptions {
    /// `-h`, given or not.
    pub host: Option<String>,
    /// `-p`.
    pub port: Option<u16>,
    /// `-L`, as given.
    pub url: Option<String>,
    /// `--unix`.
    pub unix: Option<String>,
    /// `-i`.
    pub id: Option<String>,
    /// `-I`: the id is this prefix and the process id.
    pub id_prefix: Option<String>,
    /// `-u`.
    pub username: Option<String>,
    /// `-P`.
    pub password: Option<String>,
    /// `-k`: seconds (default 60).
    pub keep_alive: u16,
    /// Not `-c`.
    pub clean: bool,
    /// `-x`: the MQTT 5.0 session expiry interval (`u32::MAX`: never).
    pub session_expiry: Option<u32>,
    /// `-q`: the QoS of the messages (mqtt-pub) or the subscriptions (mqtt-sub).
    pub qos: QoS,
    /// `-V`: default MQTT 3.1.1.
    pub version: ProtocolVersion,
    /// The TLS options.
    pub tls: TlsOptions,
    /// The Will options.
    pub will: WillOptions,
    /// `-D`.
    pub properties: PropertyArgs,
    /// `-d`: print each packet on standard error.
    pub debug: bool,
    /// `--quiet`: print no runtime error.
    pub quiet: bool,
    /// `-A`: the local address to bind to.
    pub bind: Option<String>,
    /// `--nodelay`.
    pub nodelay: bool,
}

impl Default for CommonOptions {
    fn default() -> Self {
        Self {
            host: None,
            port: None,
            url: None,
            unix: None,
            id: None,
            id_prefix: None,
            username: None,
            password: None,
            keep_alive: 60,
            clean: true,
            session_expiry: None,
            qos: QoS::AtMostOnce,
            version: ProtocolVersion::V3_1_1,
            tls: TlsOptions::default(),
            will: WillOptions::default(),
            properties: PropertyArgs::default(),
            debug: false,
            quiet: false,
            bind: None,
            nodelay: false,
        }
    }
}

/// The parts of a `-L` URL.
struct UrlParts {
    broker: String,
    username: Option<String>,
    password: Option<String>,
    topic: Option<String>,
}

impl CommonOptions {
    /// Reads `flag` if it is one of the common options (`Ok(false)` if it is not);
    /// `targets` are the packets the tool sends, for `-D`.
    pub fn accept(
        &mut self,
        flag: &Flag,
        args: &mut Arguments,
        targets: &[PropertyTarget],
    ) -> Result<bool, UsageError> {
        if self.tls.accept(flag, args)? {
            return Ok(true);
        }
        match flag.name.as_str() {
            "-h" | "--host" => self.host = Some(args.value(flag)?),
            "-p" | "--port" => self.port = Some(args.number(flag, 1..=u16::MAX)?),
            "-L" | "--url" => self.url = Some(args.value(flag)?),
            "--unix" => self.unix = Some(args.value(flag)?),
            "-i" | "--id" => self.id = Some(args.value(flag)?),
            "-I" | "--id-prefix" => self.id_prefix = Some(args.value(flag)?),
            "-u" | "--username" => self.username = Some(args.value(flag)?),
            "-P" | "--pw" => self.password = Some(args.value(flag)?),
            "-k" | "--keepalive" => self.keep_alive = args.number(flag, 0..=u16::MAX)?,
            "-q" | "--qos" => self.qos = qos(args, flag)?,
            "-V" | "--protocol-version" => self.version = version(&args.value(flag)?)?,
            "-x" => self.session_expiry = Some(session_expiry(&args.value(flag)?)?),
            "-A" => self.bind = Some(args.value(flag)?),
            "--will-topic" => self.will.topic = Some(args.value(flag)?),
            "--will-payload" => self.will.payload = Some(args.value(flag)?),
            "--will-qos" => self.will.qos = qos(args, flag)?,
            "--will-retain" => {
                args.switch(flag)?;
                self.will.retain = true;
            }
            "-D" | "--property" => self.properties.parse(flag, args, targets)?,
            "-d" | "--debug" | "--quiet" | "--nodelay" | "-c" | "--disable-clean-session" => {
                args.switch(flag)?;
                match flag.name.as_str() {
                    "-d" | "--debug" => self.debug = true,
                    "--quiet" => self.quiet = true,
                    "--nodelay" => self.nodelay = true,
                    _ => self.clean = false,
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Checks the common options together, once all are read.
    pub fn check(&self) -> Result<(), UsageError> {
        if self.url.is_some() && (self.host.is_some() || self.port.is_some()) {
            return Err(UsageError::new("-L gives the broker: leave out -h and -p"));
        }
        if self.unix.is_some() && (self.url.is_some() || self.host.is_some() || self.port.is_some())
        {
            return Err(UsageError::new(
                "--unix gives the broker: leave out -L, -h and -p",
            ));
        }
        if self.id.is_some() && self.id_prefix.is_some() {
            return Err(UsageError::new("-i and -I cannot both be given"));
        }
        if self.properties.any() && self.version != ProtocolVersion::V5 {
            return Err(UsageError::new(
                "-D sets MQTT 5.0 properties: it needs -V 5",
            ));
        }
        if self.will.topic.is_none()
            && (self.will.payload.is_some() || self.will.retain || self.will.qos != QoS::AtMostOnce)
        {
            return Err(UsageError::new("a Will needs --will-topic"));
        }
        if self.will.topic.is_none()
            && self.properties.will != mqtt_kit_client::WillProperties::default()
        {
            return Err(UsageError::new("-D will ... needs --will-topic"));
        }
        if let Some(url) = &self.url {
            parse_url(url)?;
        }
        self.check_session()?;
        let uri = self.broker_uri()?;
        if self.tls.wanted() && !(uri.starts_with("mqtts://") || uri.starts_with("wss://")) {
            return Err(UsageError::new(format!(
                "the TLS options need an mqtts:// or wss:// broker, not {uri}"
            )));
        }
        if self.bind.is_some() && !uri.starts_with("mqtt") {
            return Err(UsageError::new(
                "-A binds TCP connections: it works with mqtt:// and mqtts:// brokers only",
            ));
        }
        Ok(())
    }

    /// `-c` and `-x` together with the version and the client id.
    fn check_session(&self) -> Result<(), UsageError> {
        if self.session_expiry.is_some() {
            if self.version != ProtocolVersion::V5 {
                return Err(UsageError::new(
                    "-x sets the MQTT 5.0 session expiry interval: it needs -V 5",
                ));
            }
            if self.properties.connect.session_expiry_interval.is_some() {
                return Err(UsageError::new(
                    "the session expiry interval is given twice: with -x and with -D connect",
                ));
            }
        }
        let has_id = self.id.is_some() || self.id_prefix.is_some();
        if !self.clean && !has_id {
            return Err(UsageError::new(
                "-c keeps a session: it needs a client id (-i)",
            ));
        }
        if self.session_expiry == Some(u32::MAX) && !has_id {
            return Err(UsageError::new(
                "a session that never expires (-x -1) needs a client id (-i)",
            ));
        }
        Ok(())
    }

    /// The MQTT 5.0 session expiry interval to send: `-x`, else "never" with `-c` (as
    /// mosquitto), else none (0).
    pub fn session_expiry_interval(&self) -> Option<u32> {
        if self.version != ProtocolVersion::V5 {
            return None;
        }
        let from_clean = (!self.clean && self.properties.connect.session_expiry_interval.is_none())
            .then_some(u32::MAX);
        self.session_expiry.or(from_clean)
    }

    /// Where the broker is.
    pub fn target(&self) -> Result<BrokerTarget, UsageError> {
        if let Some(path) = &self.unix {
            return Ok(BrokerTarget::Unix(path.clone()));
        }
        if let Some(url) = &self.url {
            return Ok(BrokerTarget::Url(parse_url(url)?.broker));
        }
        Ok(BrokerTarget::HostPort {
            host: self.host.clone().unwrap_or_else(|| "localhost".into()),
            port: self.port,
        })
    }

    /// The broker's address for the client (`mqtt://localhost:1883` by default).
    pub fn broker_uri(&self) -> Result<String, UsageError> {
        Ok(match self.target()? {
            BrokerTarget::Unix(path) => format!("unix://{path}"),
            BrokerTarget::Url(url) => url,
            BrokerTarget::HostPort { host, port } => {
                let (scheme, default_port) = if self.tls.wanted() {
                    ("mqtts", MQTTS_PORT)
                } else {
                    ("mqtt", MQTT_PORT)
                };
                let host = if host.contains(':') && !host.starts_with('[') {
                    format!("[{host}]")
                } else {
                    host
                };
                format!("{scheme}://{host}:{}", port.unwrap_or(default_port))
            }
        })
    }

    /// The topic in the path of the `-L` URL, if any.
    pub fn url_topic(&self) -> Result<Option<String>, UsageError> {
        match &self.url {
            Some(url) => Ok(parse_url(url)?.topic),
            None => Ok(None),
        }
    }

    /// The client options these options make; the tool adds its own before building.
    pub fn client_options(&self) -> Result<OptionsBuilder, UsageError> {
        let url = self.url.as_deref().map(parse_url).transpose()?;
        let mut builder = Options::builder()
            .uri(self.broker_uri()?)
            .keep_alive(self.keep_alive)
            .version(self.version)
            .clean(self.clean)
            // The connector carries TLS, -A, --nodelay and -d's packet log.
            .connector(connector(self)?);
        if let Some(seconds) = self.session_expiry_interval() {
            builder = builder.session_expiry_interval(seconds);
        }
        if let Some(id) = &self.id {
            builder = builder.id(id);
        }
        if let Some(prefix) = &self.id_prefix {
            builder = builder.id(format!("{prefix}{}", std::process::id()));
        }
        let url_username = url.as_ref().and_then(|url| url.username.clone());
        if let Some(username) = self.username.clone().or(url_username) {
            builder = builder.username(username);
        }
        let url_password = url.as_ref().and_then(|url| url.password.clone());
        if let Some(password) = self.password.clone().or(url_password) {
            builder = builder.password(password);
        }
        if let Some(topic) = &self.will.topic {
            let topic = TopicName::try_from(topic.as_str())
                .map_err(|error| UsageError::new(format!("--will-topic {topic:?}: {error}")))?;
            let payload = self.will.payload.clone().unwrap_or_default();
            let mut will = Will::new(topic, payload, self.will.qos);
            will.retain = self.will.retain;
            will.properties = self.properties.will.clone();
            builder = builder.will(will);
        }
        let properties = &self.properties;
        if properties.connect != mqtt_kit_client::ConnectProperties::default() {
            builder = builder.connect_properties(properties.connect.clone());
        }
        if let Some(count) = properties.receive_maximum {
            builder = builder.receive_maximum(count);
        }
        if let Some(bytes) = properties.maximum_packet_size {
            builder = builder.maximum_packet_size(bytes);
        }
        if let Some(count) = properties.topic_alias_maximum {
            builder = builder.topic_alias_maximum(count);
        }
        Ok(builder)
    }
}

/// Builds the client options; a contradiction is a usage error.
pub fn build_options(builder: OptionsBuilder) -> Result<Options, UsageError> {
    builder
        .build()
        .map_err(|error| UsageError::new(error.to_string()))
}

fn qos(args: &mut Arguments, flag: &Flag) -> Result<QoS, UsageError> {
    let level: u8 = args.number(flag, 0..=2)?;
    QoS::try_from(level).map_err(|error| UsageError::new(error.to_string()))
}

/// `-x`: seconds, or `-1`, `4294967295` or `∞` for a session that never expires.
fn session_expiry(text: &str) -> Result<u32, UsageError> {
    match text {
        "-1" | "∞" => Ok(u32::MAX),
        _ => number_in("-x", text, 0..=u32::MAX),
    }
}

fn version(text: &str) -> Result<ProtocolVersion, UsageError> {
    match text {
        "31" | "mqttv31" => Ok(ProtocolVersion::V3_1),
        "311" | "mqttv311" => Ok(ProtocolVersion::V3_1_1),
        "5" | "mqttv5" => Ok(ProtocolVersion::V5),
        _ => Err(UsageError::new(format!(
            "-V takes 31, 311 or 5 (or mqttv31, mqttv311, mqttv5), not {text:?}"
        ))),
    }
}

/// `-L`: `mqtt(s)://[user[:password]@]host[:port][/topic]` as mosquitto's tools read it;
/// `ws://`, `wss://` and `unix://` URLs name the broker only (their path is not a topic).
fn parse_url(url: &str) -> Result<UrlParts, UsageError> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(UsageError::new(format!(
            "-L {url:?}: not a URL (mqtt://host:port/topic)"
        )));
    };
    match scheme {
        "mqtt" | "mqtts" => {}
        "ws" | "wss" | "unix" => {
            return Ok(UrlParts {
                broker: url.to_owned(),
                username: None,
                password: None,
                topic: None,
            });
        }
        _ => {
            return Err(UsageError::new(format!(
                "-L {url:?}: the scheme must be mqtt, mqtts, ws, wss or unix"
            )));
        }
    }
    let (authority, topic) = match rest.split_once('/') {
        Some((authority, topic)) => (authority, Some(topic).filter(|t| !t.is_empty())),
        None => (rest, None),
    };
    let (user_info, host_port) = match authority.rsplit_once('@') {
        Some((user_info, host_port)) => (Some(user_info), host_port),
        None => (None, authority),
    };
    if host_port.is_empty() {
        return Err(UsageError::new(format!("-L {url:?}: no host")));
    }
    let (username, password) = match user_info.map(|info| info.split_once(':')) {
        Some(Some((user, password))) => (Some(user.to_owned()), Some(password.to_owned())),
        Some(None) => (user_info.map(str::to_owned), None),
        None => (None, None),
    };
    Ok(UrlParts {
        broker: format!("{scheme}://{host_port}"),
        username,
        password,
        topic: topic.map(str::to_owned),
    })
}
