//! One measurement: which client does which workload against which peer. The parent hands a
//! [`Job`] to a child process as command-line arguments ([`Job::to_args`],
//! [`Job::from_args`]); the child answers with one JSON line.

use std::fmt;
use std::net::SocketAddr;

use mqtt_kit_client::QoS;

/// The clients measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientKind {
    /// mqtt-kit-client with its drivers on smol (its default runtime).
    OursSmol,
    /// mqtt-kit-client with its drivers on tokio (current-thread runtime, tokio's TCP streams).
    OursTokio,
    /// rumqttc on tokio's multi-threaded runtime, default features off.
    RumqttcMultiThread,
    /// rumqttc on tokio's current-thread runtime, default features off: on a machine with
    /// few cores often rumqttc's faster set-up, so the bench measures both and compares with
    /// the better.
    RumqttcCurrentThread,
}

impl ClientKind {
    /// Every client, in the order the first repetition runs them.
    pub const ALL: [ClientKind; 4] = [
        ClientKind::OursSmol,
        ClientKind::OursTokio,
        ClientKind::RumqttcMultiThread,
        ClientKind::RumqttcCurrentThread,
    ];

    /// Our client's set-ups.
    pub const OURS: [ClientKind; 2] = [ClientKind::OursSmol, ClientKind::OursTokio];

    /// rumqttc's set-ups.
    pub const RUMQTTC: [ClientKind; 2] = [
        ClientKind::RumqttcMultiThread,
        ClientKind::RumqttcCurrentThread,
    ];

    /// Its name on the command line and in the JSON.
    pub fn name(self) -> &'static str {
        match self {
            ClientKind::OursSmol => "ours-smol",
            ClientKind::OursTokio => "ours-tokio",
            ClientKind::RumqttcMultiThread => "rumqttc-mt",
            ClientKind::RumqttcCurrentThread => "rumqttc-ct",
        }
    }

    /// Its name in the tables.
    pub fn label(self) -> &'static str {
        match self {
            ClientKind::OursSmol => "mqtt-kit-client (smol)",
            ClientKind::OursTokio => "mqtt-kit-client (tokio)",
            ClientKind::RumqttcMultiThread => "rumqttc (tokio multi-thread)",
            ClientKind::RumqttcCurrentThread => "rumqttc (tokio current-thread)",
        }
    }

    /// A short name for a ratio's "against which": `mt`, `ct`.
    pub fn short(self) -> &'static str {
        match self {
            ClientKind::OursSmol => "smol",
            ClientKind::OursTokio => "tokio",
            ClientKind::RumqttcMultiThread => "mt",
            ClientKind::RumqttcCurrentThread => "ct",
        }
    }

    fn parse(name: &str) -> Option<ClientKind> {
        ClientKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// What the bench talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeerKind {
    /// mosquitto, started by the bench.
    Mosquitto,
    /// The in-process peer that acknowledges everything ([`super::peer`]).
    AckPeer,
}

impl PeerKind {
    /// Its name in the JSON.
    pub fn name(self) -> &'static str {
        match self {
            PeerKind::Mosquitto => "mosquitto",
            PeerKind::AckPeer => "ack-peer",
        }
    }

    /// Its name in the tables.
    pub fn label(self) -> &'static str {
        match self {
            PeerKind::Mosquitto => "mosquitto",
            PeerKind::AckPeer => "ack-everything peer",
        }
    }
}

/// How the idle clients of the memory workload connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Arrival {
    /// Each waits for the one before to be connected.
    OneAtATime,
    /// All start connecting together: buffers and tasks that live only while connecting
    /// overlap, as when a fleet reconnects after an outage.
    AllAtOnce,
}

impl Arrival {
    /// Its name in workload names and on the child's command line.
    pub fn name(self) -> &'static str {
        match self {
            Arrival::OneAtATime => "one at a time",
            Arrival::AllAtOnce => "all at once",
        }
    }
}

/// The work a child does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Workload {
    /// One publisher sends `count` messages of `size` bytes as fast as it may; one
    /// subscriber counts what arrives.
    Throughput {
        /// The QoS of the publishes and of the subscription.
        qos: QoS,
        /// Payload bytes.
        size: usize,
        /// Messages.
        count: u64,
    },
    /// One publisher sends `rate` messages a second for `millis` ms; the subscriber records
    /// how long each took from the publish call to its arrival.
    Latency {
        /// The QoS of the publishes and of the subscription.
        qos: QoS,
        /// Payload bytes (16 at least: a sequence number and a send time).
        size: usize,
        /// Messages per second.
        rate: u32,
        /// How long.
        millis: u64,
    },
    /// One publisher sends pre-built numbered payloads at `rate` messages a second for
    /// `millis` ms; the figure is the CPU a delivered message costs when the client is not
    /// flat out (most deployments).
    FixedRate {
        /// The QoS of the publishes and of the subscription.
        qos: QoS,
        /// Payload bytes.
        size: usize,
        /// Messages per second.
        rate: u32,
        /// How long.
        millis: u64,
    },
    /// `clients` clients connect and stay idle; resident memory per client.
    Idle {
        /// How many.
        clients: usize,
        /// One at a time or all together.
        arrival: Arrival,
    },
}

impl Workload {
    /// A short name: `throughput qos1 16 B`, `latency qos1 16 B @2000/s`,
    /// `fixed rate qos1 1 KiB @5000/s`, `idle 1000 clients, all at once`.
    pub fn name(&self) -> String {
        match *self {
            Workload::Throughput { qos, size, .. } => {
                format!("throughput qos{} {}", qos as u8, size_label(size))
            }
            Workload::Latency {
                qos, size, rate, ..
            } => format!("latency qos{} {} @{rate}/s", qos as u8, size_label(size)),
            Workload::FixedRate {
                qos, size, rate, ..
            } => format!("fixed rate qos{} {} @{rate}/s", qos as u8, size_label(size)),
            Workload::Idle { clients, arrival } => {
                format!("idle {clients} clients, {}", arrival.name())
            }
        }
    }

    /// How many messages it sends (0 for idle clients).
    pub fn messages(&self) -> u64 {
        match *self {
            Workload::Throughput { count, .. } => count,
            Workload::Latency { rate, millis, .. } | Workload::FixedRate { rate, millis, .. } => {
                u64::from(rate) * millis / 1000
            }
            Workload::Idle { .. } => 0,
        }
    }

    /// The QoS of its messages (none for idle clients).
    pub fn qos(&self) -> Option<QoS> {
        match *self {
            Workload::Throughput { qos, .. }
            | Workload::Latency { qos, .. }
            | Workload::FixedRate { qos, .. } => Some(qos),
            Workload::Idle { .. } => None,
        }
    }

    /// Payload bytes of its messages (0 for idle clients).
    pub fn size(&self) -> usize {
        match *self {
            Workload::Throughput { size, .. }
            | Workload::Latency { size, .. }
            | Workload::FixedRate { size, .. } => size,
            Workload::Idle { .. } => 0,
        }
    }
}

/// `16 B`, `1 KiB`, `64 KiB`.
pub fn size_label(size: usize) -> String {
    if size >= 1024 && size % 1024 == 0 {
        format!("{} KiB", size / 1024)
    } else {
        format!("{size} B")
    }
}

/// One measurement, as the child receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The client.
    pub client: ClientKind,
    /// The work.
    pub workload: Workload,
    /// The peer's loopback address.
    pub address: SocketAddr,
    /// The topic of this job alone (no other job's messages match it).
    pub topic: String,
}

impl Job {
    /// The arguments after `bench --child`.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = vec![
            "--client".to_string(),
            self.client.name().into(),
            "--address".into(),
            self.address.to_string(),
            "--topic".into(),
            self.topic.clone(),
        ];
        let mut add = |key: &str, value: String| {
            args.push(format!("--{key}"));
            args.push(value);
        };
        match self.workload {
            Workload::Throughput { qos, size, count } => {
                add("workload", "throughput".into());
                add("qos", (qos as u8).to_string());
                add("size", size.to_string());
                add("count", count.to_string());
            }
            Workload::Latency {
                qos,
                size,
                rate,
                millis,
            }
            | Workload::FixedRate {
                qos,
                size,
                rate,
                millis,
            } => {
                let paced = if matches!(self.workload, Workload::Latency { .. }) {
                    "latency"
                } else {
                    "fixed-rate"
                };
                add("workload", paced.into());
                add("qos", (qos as u8).to_string());
                add("size", size.to_string());
                add("rate", rate.to_string());
                add("millis", millis.to_string());
            }
            Workload::Idle { clients, arrival } => {
                add("workload", "idle".into());
                add("clients", clients.to_string());
                let arrival = match arrival {
                    Arrival::OneAtATime => "one-at-a-time",
                    Arrival::AllAtOnce => "all-at-once",
                };
                add("arrival", arrival.into());
            }
        }
        args
    }

    /// Reads what [`to_args`](Self::to_args) wrote.
    pub fn from_args(args: &[String]) -> Result<Job, String> {
        let value = |key: &str| -> Result<&str, String> {
            args.iter()
                .position(|arg| arg.strip_prefix("--") == Some(key))
                .and_then(|index| args.get(index + 1))
                .map(String::as_str)
                .ok_or_else(|| format!("--{key} missing"))
        };
        let number = |key: &str| -> Result<u64, String> {
            value(key)?
                .parse()
                .map_err(|_| format!("--{key} is not a number"))
        };
        let qos = || -> Result<QoS, String> {
            match value("qos")? {
                "0" => Ok(QoS::AtMostOnce),
                "1" => Ok(QoS::AtLeastOnce),
                "2" => Ok(QoS::ExactlyOnce),
                other => Err(format!("no QoS {other}")),
            }
        };
        let rate = || -> Result<u32, String> {
            u32::try_from(number("rate")?).map_err(|_| "--rate too large".into())
        };
        let workload = match value("workload")? {
            "throughput" => Workload::Throughput {
                qos: qos()?,
                size: number("size")? as usize,
                count: number("count")?,
            },
            "latency" => Workload::Latency {
                qos: qos()?,
                size: number("size")? as usize,
                rate: rate()?,
                millis: number("millis")?,
            },
            "fixed-rate" => Workload::FixedRate {
                qos: qos()?,
                size: number("size")? as usize,
                rate: rate()?,
                millis: number("millis")?,
            },
            "idle" => Workload::Idle {
                clients: number("clients")? as usize,
                arrival: match value("arrival")? {
                    "one-at-a-time" => Arrival::OneAtATime,
                    "all-at-once" => Arrival::AllAtOnce,
                    other => return Err(format!("no arrival {other}")),
                },
            },
            other => return Err(format!("no workload {other}")),
        };
        Ok(Job {
            client: ClientKind::parse(value("client")?)
                .ok_or_else(|| format!("no client {}", args.join(" ")))?,
            workload,
            address: value("address")?
                .parse()
                .map_err(|_| "--address is not an address")?,
            topic: value("topic")?.to_string(),
        })
    }
}

impl fmt::Display for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.workload.name(), self.client.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_go_through_the_command_line_unchanged() {
        let address: SocketAddr = "127.0.0.1:1883".parse().unwrap();
        for workload in [
            Workload::Throughput {
                qos: QoS::ExactlyOnce,
                size: 65536,
                count: 2000,
            },
            Workload::Latency {
                qos: QoS::AtLeastOnce,
                size: 16,
                rate: 2000,
                millis: 3000,
            },
            Workload::FixedRate {
                qos: QoS::AtLeastOnce,
                size: 1024,
                rate: 5000,
                millis: 1000,
            },
            Workload::Idle {
                clients: 1000,
                arrival: Arrival::OneAtATime,
            },
            Workload::Idle {
                clients: 10_000,
                arrival: Arrival::AllAtOnce,
            },
        ] {
            for client in ClientKind::ALL {
                let job = Job {
                    client,
                    workload,
                    address,
                    topic: "bench/7".into(),
                };
                assert_eq!(Job::from_args(&job.to_args()), Ok(job));
            }
        }
    }

    #[test]
    fn names() {
        let workload = Workload::Throughput {
            qos: QoS::AtLeastOnce,
            size: 1024,
            count: 1,
        };
        assert_eq!(workload.name(), "throughput qos1 1 KiB");
        assert_eq!(size_label(16), "16 B");
        assert!(Job::from_args(&["--client".into(), "x".into()]).is_err());
    }
}
