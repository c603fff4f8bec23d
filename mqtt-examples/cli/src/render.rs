//! What `mqtt-sub` prints for a message: the payload, `topic payload` with `-v`, or the `-F`
//! format; a newline after it unless `-N`. An empty payload is printed as mosquitto_sub 2.0
//! prints it: `topic (null)` with `-v`, and nothing at all (not even the newline) without.

use std::time::SystemTime;

use mqtt_kit_client::Publish;

use super::SubOptions;
use super::format::{NotJson, format_message};

/// The bytes to print for `message`, received at `now`.
pub fn render_message(
    options: &SubOptions,
    message: &Publish,
    now: SystemTime,
) -> Result<Vec<u8>, NotJson> {
    let topic = message.topic.as_str().as_bytes();
    let mut out = match (&options.format, options.verbose, message.payload.is_empty()) {
        (Some(format), _, _) => format_message(format, message, now)?,
        (None, false, true) => return Ok(Vec::new()),
        (None, true, true) => [topic, b" (null)"].concat(),
        (None, true, false) => [topic, b" ", &message.payload].concat(),
        (None, false, false) => message.payload.to_vec(),
    };
    if options.newline {
        out.push(b'\n');
    }
    Ok(out)
}
