//! Request/response over MQTT 5.0: a requester sends each request with a Response Topic (where
//! to answer) and Correlation Data (which request an answer belongs to); a responder answers
//! each one on its Response Topic with the same Correlation Data. The requester sends three
//! requests and matches the answers, in whatever order they come, by correlation.
//!
//! ```text
//! cargo run -p mqtt-examples --example request_response               # embedded broker
//! cargo run -p mqtt-examples --example request_response -- --broker mqtt://localhost:1883
//! ```
//!
//! The broker must speak MQTT 5.0. With no broker given (`--broker URL` or `MQTT_BROKER`) it
//! starts one in-process and says so.

use std::collections::BTreeMap;
use std::error::Error;
use std::process::ExitCode;

use mqtt_examples::broker_choice::ExampleArgs;
use mqtt_examples::embedded_broker::BrokerProtocol;
use mqtt_examples::run::step;
use mqtt_kit_client::bytes::Bytes;
use mqtt_kit_client::{Client, Options, ProtocolVersion, Publish, QoS, TopicName};

const REQUESTS: [u64; 3] = [3, 12, 40];

fn main() -> ExitCode {
    mqtt_examples::run::main("request_response", &[], run)
}

fn run(args: &ExampleArgs) -> Result<(), Box<dyn Error>> {
    let broker = args.broker(BrokerProtocol::V5)?;
    let base = format!("mqtt-kit/examples/request_response/{}", std::process::id());
    let requests_topic = format!("{base}/square");
    let options = || {
        Options::builder()
            .uri(broker.url())
            .version(ProtocolVersion::V5)
            .build()
    };

    smol::block_on(async {
        // The responder: squares numbers, answering where each request asks.
        let responder = step(Client::connect(options()?)).await??;
        let mut requests = step(responder.subscribe(&requests_topic, QoS::AtLeastOnce)).await??;
        let answering = smol::spawn({
            let responder = responder.clone();
            async move {
                while let Some(request) = requests.next().await {
                    let properties = request.properties();
                    let Some(reply_to) = properties.response_topic.clone() else {
                        eprintln!("responder: a request without a Response Topic, ignored");
                        continue;
                    };
                    let Ok(number) = String::from_utf8_lossy(request.payload()).parse::<u64>()
                    else {
                        eprintln!("responder: a request that is not a number, ignored");
                        continue;
                    };
                    let mut answer = Publish::new(
                        reply_to,
                        number.saturating_mul(number).to_string(),
                        QoS::AtLeastOnce,
                    );
                    answer.properties.correlation_data = properties.correlation_data.clone();
                    println!(
                        "responder: {number} squared is {}",
                        number.saturating_mul(number)
                    );
                    if let Err(error) = responder.publish_message(answer).await {
                        eprintln!("responder: could not answer: {error}");
                    }
                }
            }
        });

        // The requester: its answers come on a topic of its own.
        let requester = step(Client::connect(options()?)).await??;
        let reply_to = format!("{base}/answers/{}", requester.id());
        let mut answers = step(requester.subscribe(&reply_to, QoS::AtLeastOnce)).await??;

        let mut pending = BTreeMap::new();
        for (n, number) in REQUESTS.into_iter().enumerate() {
            let correlation = Bytes::from(format!("request-{n}"));
            let mut request = Publish::new(
                TopicName::try_from(requests_topic.as_str())?,
                number.to_string(),
                QoS::AtLeastOnce,
            );
            request.properties.response_topic = Some(TopicName::try_from(reply_to.as_str())?);
            request.properties.correlation_data = Some(correlation.clone());
            step(requester.publish_message(request)).await??;
            println!("requester: asked for {number} squared ({correlation:?})");
            pending.insert(correlation, number);
        }

        while !pending.is_empty() {
            let answer = step(answers.next())
                .await?
                .ok_or("the answers' subscription ended")?;
            let correlation = answer
                .properties()
                .correlation_data
                .clone()
                .unwrap_or_default();
            let Some(number) = pending.remove(&correlation) else {
                return Err(format!("an answer to no pending request: {correlation:?}").into());
            };
            let square = String::from_utf8_lossy(answer.payload()).into_owned();
            println!("requester: {number} squared is {square} ({correlation:?})");
            if square != (number * number).to_string() {
                return Err(format!("wrong answer for {number}: {square}").into());
            }
        }
        println!("requester: every request answered");

        step(requester.disconnect()).await??;
        step(responder.disconnect()).await??;
        // The responder's subscription ends when its client is closed.
        step(answering).await?;
        Ok(())
    })
}
