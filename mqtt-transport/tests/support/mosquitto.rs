//! The mosquitto launcher of the workspace (`mqtt-testkit`).

pub use mqtt_testkit::{Listener, ListenerTls, Mosquitto};
