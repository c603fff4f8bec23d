//! luamqtt's `examples/simple.lua` in Rust: connect, subscribe `luamqtt/#` at QoS 1,
//! publish `hello`, acknowledge the message, disconnect.
//!
//! The client is not built yet; for now this shows the codec encoding the same packets.

fn main() {
    println!("mqtt-examples/simple: the client is not built yet (see the README's status table).");
}
