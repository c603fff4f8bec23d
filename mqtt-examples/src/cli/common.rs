//! The options both tools take (broker, identity, TLS, protocol version, Will, properties,
//! debug), as mosquitto's tools name them, and the client options they make.

use std::path::PathBuf;

use mqtt_client::tls::TlsConfig;
use mqtt_client::{Options, OptionsBuilder, ProtocolVersion, QoS, TopicName, Will};

use super::{Arguments, Flag, PropertyArgs, PropertyTarget, UsageError};

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
 -V, --protocol-version 31|311|5  MQTT version (also mqttv31, mqttv311, mqttv5; default 311)
     --cafile FILE    trust only this CA (PEM) and use TLS
     --cert FILE, --key FILE   client certificate and key (PEM) for TLS
     --insecure       TLS without any check of the broker's certificate (mosquitto skips the
                      host name check only)
     --tls-use-os-certs  TLS with the system's CAs
     --will-topic T, --will-payload P, --will-qos Q, --will-retain   the Will message
 -d, --debug          print what the client does on standard error
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

/// `--cafile`, `--cert`, `--key`, `--insecure`, `--tls-use-os-certs`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsFiles {
    /// Trust only this CA (PEM).
    pub ca_file: Option<PathBuf>,
    /// Present this client certificate (PEM)...
    pub cert: Option<PathBuf>,
    /// ...with this key (PEM).
    pub key: Option<PathBuf>,
    /// Do not check the server's certificate at all.
    pub insecure: bool,
    /// TLS with the system's CAs.
    pub os_certs: bool,
}

impl TlsFiles {
    /// Whether any option asks for TLS.
    pub fn wanted(&self) -> bool {
        self.ca_file.is_some()
            || self.cert.is_some()
            || self.key.is_some()
            || self.insecure
            || self.os_certs
    }

    fn config(&self) -> Result<TlsConfig, UsageError> {
        let tls_error =
            |error: mqtt_client::tls::TlsError| UsageError::new(format!("TLS: {error}"));
        let mut config = TlsConfig::new();
        if let Some(ca_file) = &self.ca_file {
            config = config
                .builtin_roots(false)
                .add_ca_pem_file(ca_file)
                .map_err(tls_error)?;
        }
        match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => {
                config = config.client_cert_pem_files(cert, key).map_err(tls_error)?;
            }
            (None, None) => {}
            _ => return Err(UsageError::new("--cert and --key go together")),
        }
        if self.insecure {
            config = config.danger_accept_invalid_certs();
        }
        Ok(config)
    }
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
    /// `-q`: the QoS of the messages (mqtt-pub) or the subscriptions (mqtt-sub).
    pub qos: QoS,
    /// `-V`: default MQTT 3.1.1.
    pub version: ProtocolVersion,
    /// The TLS options.
    pub tls: TlsFiles,
    /// The Will options.
    pub will: WillOptions,
    /// `-D`.
    pub properties: PropertyArgs,
    /// `-d`: print what the client does on standard error.
    pub debug: bool,
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
            qos: QoS::AtMostOnce,
            version: ProtocolVersion::V3_1_1,
            tls: TlsFiles::default(),
            will: WillOptions::default(),
            properties: PropertyArgs::default(),
            debug: false,
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
            "--cafile" => self.tls.ca_file = Some(args.value(flag)?.into()),
            "--cert" => self.tls.cert = Some(args.value(flag)?.into()),
            "--key" => self.tls.key = Some(args.value(flag)?.into()),
            "--insecure" => {
                args.switch(flag)?;
                self.tls.insecure = true;
            }
            "--tls-use-os-certs" => {
                args.switch(flag)?;
                self.tls.os_certs = true;
            }
            "--will-topic" => self.will.topic = Some(args.value(flag)?),
            "--will-payload" => self.will.payload = Some(args.value(flag)?),
            "--will-qos" => self.will.qos = qos(args, flag)?,
            "--will-retain" => {
                args.switch(flag)?;
                self.will.retain = true;
            }
            "-D" | "--property" => self.properties.parse(flag, args, targets)?,
            "-d" | "--debug" => {
                args.switch(flag)?;
                self.debug = true;
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
            && self.properties.will != mqtt_client::WillProperties::default()
        {
            return Err(UsageError::new("-D will ... needs --will-topic"));
        }
        if let Some(url) = &self.url {
            parse_url(url)?;
        }
        Ok(())
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
            .version(self.version);
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
        if self.tls.wanted() {
            builder = builder.tls(self.tls.config()?);
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
        if properties.connect != mqtt_client::ConnectProperties::default() {
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
