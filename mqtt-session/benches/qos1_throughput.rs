//! Throughput of the engine alone: QoS 1 publishes through a session (written in full below).
fn main() {}
