//! `mqtt-pub`: publishes a message, a file, standard input or each line of it, with
//! mosquitto_pub's options (`mqtt-pub --help`).
//!
//! ```text
//! mqtt-pub -h localhost -t sensors/kitchen -m 21.5 -q 1 -r
//! mqtt-pub -L mqtts://user:secret@broker.example/sensors/kitchen --cafile ca.pem -f reading.json
//! tail -f app.log | mqtt-pub -t logs/app -l
//! mqtt-pub -V 5 -t jobs -m go -D publish user-property origin cli -D publish content-type text/plain
//! mqtt-pub -t heartbeat -m beat --repeat 10 --repeat-delay 0.5
//! ```

use std::collections::VecDeque;
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use mqtt_kit_cli::{
    Failure, MessageSource, PubOptions, UsageError, build_options, parse_pub, pub_usage, start,
    tool_main,
};
use mqtt_kit_client::bytes::Bytes;
use mqtt_kit_client::{Client, DisconnectOptions, Publish, PublishHandle};
use smol::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

/// The largest message read from a file or standard input: the most an MQTT packet holds
/// (256 MiB), so that a huge input is refused before it fills the memory.
const MAX_MESSAGE: u64 = 268_435_455;

/// How many publishes may wait for their acknowledgement at once.
const WINDOW: usize = 64;

fn main() -> ExitCode {
    let parsed = parse_pub(std::env::args().skip(1));
    tool_main("mqtt-pub", pub_usage, parsed, run)
}

fn run(options: &PubOptions) -> Result<(), Failure> {
    let client_options = build_options(options.client_options()?)?;
    // The message is read before connecting: a missing file fails without a connection.
    let message = match &options.message {
        MessageSource::Text(text) => Some(Bytes::from(text.clone())),
        MessageSource::File(path) => Some(read_file(path)?),
        MessageSource::Stdin => Some(read_stdin()?),
        MessageSource::Null => Some(Bytes::new()),
        MessageSource::StdinLines => None,
    };
    smol::block_on(async {
        // The events are not read here: dropped at once, else they would pile up unread.
        let (client, driver, _) = start(client_options).await?;
        let mut publisher = Publisher {
            client: &client,
            options,
            waiting: VecDeque::new(),
        };
        match message {
            Some(payload) => {
                for sent in 1..=options.repeat {
                    publisher.send(payload.clone()).await?;
                    if sent < options.repeat {
                        // --repeat: the next once this one is done, after --repeat-delay.
                        publisher.finish().await?;
                        smol::Timer::after(options.repeat_delay).await;
                    }
                }
            }
            None => {
                let mut stdin = BufReader::new(smol::Unblock::new(std::io::stdin()));
                while let Some(line) = read_line(&mut stdin).await? {
                    publisher.send(line).await?;
                }
            }
        }
        publisher.finish().await?;
        client
            .disconnect_with(DisconnectOptions::new().wait_for_in_flight(true))
            .await
            .map_err(Failure::failed)?;
        driver.await.map_err(Failure::failed)
    })
}

/// Publishes, keeping up to [`WINDOW`] messages in flight.
struct Publisher<'a> {
    client: &'a Client,
    options: &'a PubOptions,
    waiting: VecDeque<PublishHandle>,
}

impl Publisher<'_> {
    async fn send(&mut self, payload: Bytes) -> Result<(), Failure> {
        let mut publish =
            Publish::new(self.options.topic.clone(), payload, self.options.common.qos);
        publish.retain = self.options.retain;
        publish.properties = self.options.properties().clone();
        let handle = self.client.enqueue(publish).await.map_err(publish_failed)?;
        self.waiting.push_back(handle);
        if self.waiting.len() > WINDOW {
            self.wait_oldest().await?;
        }
        Ok(())
    }

    async fn wait_oldest(&mut self) -> Result<(), Failure> {
        if let Some(handle) = self.waiting.pop_front() {
            handle.await.map_err(publish_failed)?;
        }
        Ok(())
    }

    async fn finish(&mut self) -> Result<(), Failure> {
        while !self.waiting.is_empty() {
            self.wait_oldest().await?;
        }
        Ok(())
    }
}

fn publish_failed(error: mqtt_kit_client::ClientError) -> Failure {
    Failure::failed(format!("publish failed: {error}"))
}

fn read_file(path: &Path) -> Result<Bytes, Failure> {
    let file = std::fs::File::open(path)
        .map_err(|error| UsageError::new(format!("-f {}: {error}", path.display())))?;
    read_bounded(file, &format!("-f {}", path.display()))
}

fn read_stdin() -> Result<Bytes, Failure> {
    read_bounded(std::io::stdin().lock(), "-s (standard input)")
}

fn read_bounded(input: impl Read, what: &str) -> Result<Bytes, Failure> {
    let mut data = Vec::new();
    input
        .take(MAX_MESSAGE + 1)
        .read_to_end(&mut data)
        .map_err(|error| UsageError::new(format!("{what}: {error}")))?;
    if data.len() as u64 > MAX_MESSAGE {
        return Err(UsageError::new(format!("{what}: larger than an MQTT message can be")).into());
    }
    Ok(data.into())
}

/// The next line of standard input without its `\n`; `None` at the end.
async fn read_line(
    input: &mut (impl smol::io::AsyncBufRead + Unpin),
) -> Result<Option<Bytes>, Failure> {
    let mut line = Vec::new();
    let read = input
        .take(MAX_MESSAGE + 1)
        .read_until(b'\n', &mut line)
        .await
        .map_err(|error| Failure::failed(format!("-l (standard input): {error}")))?;
    if read == 0 {
        return Ok(None);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
    } else if line.len() as u64 > MAX_MESSAGE {
        return Err(Failure::failed(
            "-l: a line longer than an MQTT message can be",
        ));
    }
    Ok(Some(line.into()))
}
