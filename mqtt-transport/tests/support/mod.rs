//! Helpers shared by the integration tests: certificates, in-process servers, a mosquitto
//! launcher, MQTT bytes. Each test file uses some of them.
#![allow(dead_code, unused_imports)] // each test file uses a part of the support

#[cfg(feature = "ring")]
pub mod certs;
#[cfg(feature = "ring")]
pub mod crafted_keys;
#[cfg(feature = "ring")]
pub mod echo;
pub mod mosquitto;
pub mod mqtt;
pub mod servers;
pub mod temp_dir;
#[cfg(feature = "ring")]
pub mod tls_servers;
#[cfg(all(feature = "websocket", feature = "ring"))]
pub mod ws_servers;
