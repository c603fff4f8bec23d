//! Scenarios about subscriptions: overlapping filters (`overlapping`), refused filters
//! (`subscribe-failure`), `$`-topics and wildcards (`dollar-topics`), `unsubscribe`, and
//! in 5.0 the subscription options (`subscribe-options`), Subscription Identifiers
//! (`subscription-ids`) and shared subscriptions (`shared-subscriptions`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mqtt_kit_client::{
    ClientError, QoS, RetainHandling, SubscribeReasonCode, SubscribeRequest, SubscriptionId,
    SubscriptionOptions, TopicFilter,
};

use crate::conformance::client::{ARRIVAL_TIME, QUIET_TIME, describe, drain, message, receive};
use crate::conformance::ctx::Ctx;
use crate::conformance::limitations::Limitation;
use crate::conformance::outcome::{Context as _, Outcome, Problem, ensure, fail};

/// Scenario `overlapping`: subscriptions `TopicA/#` at QoS 2 and `TopicA/+` at QoS 1, a
/// QoS 2 publish to `TopicA/C`: either one message at QoS 2 or two (QoS 2 and QoS 1).
pub async fn overlapping(ctx: Ctx) -> Outcome {
    let peer = ctx.connect("over").await?;
    let mut deep = peer
        .client
        .subscribe(&ctx.topic("TopicA/#"), QoS::ExactlyOnce)
        .await
        .context("subscribe TopicA/#")?;
    let mut shallow = peer
        .client
        .subscribe(&ctx.topic("TopicA/+"), QoS::AtLeastOnce)
        .await
        .context("subscribe TopicA/+")?;
    peer.client
        .publish(&ctx.topic("TopicA/C"), "overlap", QoS::ExactlyOnce)
        .await
        .context("publish at QoS 2")?;
    let on_deep = receive(&mut deep, 1, ARRIVAL_TIME, "on TopicA/#").await?;
    let on_shallow = receive(&mut shallow, 1, ARRIVAL_TIME, "on TopicA/+").await?;
    let extra_deep = drain(&mut deep, QUIET_TIME).await;
    let extra_shallow = drain(&mut shallow, Duration::ZERO).await;
    if !ctx.version.is_v5() && extra_deep.len() == 1 && extra_shallow.len() == 1 {
        // Two copies, each reaching both streams: one copy per subscription, by the broker.
        ctx.limitation(Limitation::CopyPerSubscriptionV311)?;
    }
    ensure!(
        extra_deep.is_empty() && extra_shallow.is_empty(),
        "a subscription stream got the message twice (TopicA/#: {}, TopicA/+: {})",
        1 + extra_deep.len(),
        1 + extra_shallow.len()
    );
    let (deep_qos, shallow_qos) = (on_deep[0].qos(), on_shallow[0].qos());
    if !ctx.version.is_v5() && deep_qos == QoS::AtLeastOnce && shallow_qos == QoS::AtLeastOnce {
        ctx.limitation(Limitation::OverlapAtLowerQos)?;
    }
    // One message at QoS 2 reaches both streams; two messages are QoS 2 and QoS 1.
    ensure!(
        deep_qos == QoS::ExactlyOnce && shallow_qos != QoS::AtMostOnce,
        "TopicA/# got QoS {}, TopicA/+ got QoS {}: expected 2 and (2 or 1)",
        deep_qos as u8,
        shallow_qos as u8
    );
    ctx.note(if shallow_qos == QoS::ExactlyOnce {
        "The broker sent one message at QoS 2; the client gave it to both subscriptions."
    } else {
        "The broker sent two messages (QoS 2 and QoS 1), one to each subscription."
    });
    peer.disconnect().await
}

/// Where the dynamic security plugin of mosquitto 2 is installed, if it is.
fn dynamic_security_plugin() -> Option<PathBuf> {
    let candidates = [
        "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so",
        "/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so",
        "/usr/lib/mosquitto_dynamic_security.so",
        "/usr/lib64/mosquitto_dynamic_security.so",
        "/usr/local/lib/mosquitto_dynamic_security.so",
        "/opt/homebrew/lib/mosquitto_dynamic_security.so",
    ];
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|path| path.is_file())
}

/// The broker of `subscribe-failure`: anonymous clients may subscribe to anything but
/// `<prefix>/forbidden/...`. mosquitto's `acl_file` cannot refuse a SUBSCRIBE (it grants
/// it and only withholds delivery), so the rule is given to the dynamic security plugin
/// that mosquitto 2 ships, which checks subscriptions when they are made; without the
/// plugin, the ACL file (the scenario then reports the limitation).
pub fn deny_acl(dir: &Path) -> String {
    // The case's topics are `xc/<run>/<case>/...`: three levels of prefix.
    let forbidden = "+/+/+/forbidden/#";
    match dynamic_security_plugin() {
        Some(plugin) => {
            let config = serde_json::json!({
                "defaultACLAccess": {
                    "publishClientSend": true,
                    "publishClientReceive": true,
                    "subscribe": false,
                    "unsubscribe": true
                },
                "clients": [],
                "groups": [{"groupname": "anonymous", "roles": [{"rolename": "anonymous"}], "clients": []}],
                "roles": [{
                    "rolename": "anonymous",
                    "acls": [
                        {"acltype": "subscribePattern", "topic": forbidden, "priority": 5, "allow": false},
                        {"acltype": "subscribePattern", "topic": "#", "priority": 1, "allow": true}
                    ]
                }],
                "anonymousGroup": "anonymous"
            });
            let file = dir.join("dynamic-security.json");
            let _ = std::fs::write(&file, config.to_string());
            format!(
                "plugin {}\nplugin_opt_config_file {}\n",
                plugin.display(),
                file.display()
            )
        }
        None => {
            let file = dir.join("acl");
            let _ = std::fs::write(
                &file,
                format!("topic deny {forbidden}\ntopic readwrite #\n"),
            );
            format!("acl_file {}\n", file.display())
        }
    }
}

/// Scenario `subscribe-failure`: a filter the broker refuses: the failure code reaches the
/// caller as an error for that filter, and the rest of the session goes on.
pub async fn subscribe_failure(ctx: Ctx) -> Outcome {
    let peer = ctx.connect("deny").await?;
    let forbidden = ctx.topic("forbidden/x");
    let allowed = ctx.topic("allowed/x");
    let request = SubscribeRequest::new()
        .topic(&forbidden, QoS::AtLeastOnce)
        .and_then(|r| r.topic(&allowed, QoS::AtLeastOnce))
        .context("filters")?;
    let mut subscription = peer
        .client
        .subscribe_with(request)
        .await
        .context("subscribe to a refused and an allowed filter")?;
    let results = subscription.results();
    let refusal = match results.as_slice() {
        [(_, Err(code)), (_, Ok(QoS::AtLeastOnce))] => *code,
        // mosquitto with its dynamic security plugin must refuse; other brokers may have
        // no ACL at all (each says so in its limitations).
        [(_, Ok(_)), (_, Ok(_))]
            if dynamic_security_plugin().is_none()
                || ctx.broker.flavour()
                    != Some(crate::conformance::brokers::Flavour::Mosquitto) =>
        {
            return Err(ctx
                .limitation(Limitation::GrantsDeniedSubscriptions)
                .err()
                .unwrap_or_else(|| Problem::Fail("the broker granted a denied filter".into())));
        }
        other => fail!("SUBACK results: expected [refused, granted QoS 1], got {other:?}"),
    };
    let expected = if ctx.version.is_v5() {
        SubscribeReasonCode::NotAuthorized
    } else {
        SubscribeReasonCode::UnspecifiedError
    };
    ensure!(
        refusal == expected,
        "the refused filter came back with {refusal}, expected {expected}"
    );
    // The session goes on: the granted filter delivers.
    peer.client
        .publish(&allowed, "still here", QoS::AtLeastOnce)
        .await
        .context("publish after the refusal")?;
    receive(&mut subscription, 1, ARRIVAL_TIME, "on the granted filter").await?;
    // A SUBSCRIBE refused in full is an error of its own.
    match peer.client.subscribe(&forbidden, QoS::AtMostOnce).await {
        Err(ClientError::SubscribeRefused(suback)) => ensure!(
            suback.codes == [expected],
            "the refused SUBSCRIBE came back with {:?}",
            suback.codes
        ),
        Err(other) => fail!("a refused SUBSCRIBE came back as another error: {other}"),
        Ok(subscription) => fail!(
            "a SUBSCRIBE refused in full came back as a subscription: {:?}",
            subscription.results()
        ),
    }
    peer.disconnect().await
}

/// Scenario `dollar-topics`: a publish to `$TopicA/B`; subscribers on `+/+` and `#` get
/// nothing of it [MQTT-4.7.2-1].
pub async fn dollar_topics(ctx: Ctx) -> Outcome {
    let peer = ctx.connect("dollar").await?;
    let mut all = match peer.client.subscribe("#", QoS::AtLeastOnce).await {
        Ok(all) => all,
        Err(error) => {
            return Err(ctx.limitation_seen(
                Limitation::NoRootWildcard,
                &format!("SUBSCRIBE # ended the connection: {error}"),
            ));
        }
    };
    let mut two_levels = peer
        .client
        .subscribe("+/+", QoS::AtLeastOnce)
        .await
        .context("subscribe +/+")?;
    // Unique per case, as the topics of other cases are.
    let dollar = format!("${}", ctx.flat_topic("B"));
    let control = ctx.flat_topic("B");
    let publisher = ctx.publisher("pub").await?;
    for topic in [&dollar, &control] {
        publisher
            .client
            .publish(topic, "dollar test", QoS::AtLeastOnce)
            .await
            .context(&format!("publish to {topic}"))?;
    }
    // The control message shows that the subscriptions work; anything from a `$` topic
    // would have come before it (same publisher, same QoS: in order).
    for (name, stream) in [("#", &mut all), ("+/+", &mut two_levels)] {
        let mut seen = Vec::new();
        loop {
            let got = match receive(
                stream,
                1,
                ARRIVAL_TIME,
                &format!("the control message on {name}"),
            )
            .await
            {
                Ok(got) => got,
                Err(Problem::Fail(reason)) if name == "#" => {
                    return Err(ctx.limitation_seen(
                        Limitation::NoRootWildcard,
                        &format!("the broker granted # but {reason}"),
                    ));
                }
                Err(problem) => return Err(problem),
            };
            let message = &got[0];
            ensure!(
                !message.topic().starts_with('$'),
                "{name} delivered a message from {}",
                message.topic()
            );
            if message.topic() == control {
                break;
            }
            // Other cases' retained messages and traffic may pass through `#`.
            seen.push(describe(message));
        }
        let late = drain(stream, QUIET_TIME).await;
        if let Some(message) = late.iter().find(|m| m.topic().starts_with('$')) {
            fail!("{name} delivered a message from {}", message.topic());
        }
    }
    publisher.disconnect().await?;
    peer.disconnect().await
}

/// Scenario `unsubscribe`: subscribe to 3 topics, unsubscribe from one, publish to all 3:
/// 2 messages arrive.
pub async fn unsubscribe(ctx: Ctx) -> Outcome {
    let peer = ctx.connect("unsub").await?;
    let topics = [
        ctx.topic("TopicA"),
        ctx.topic("TopicB"),
        ctx.topic("TopicC"),
    ];
    let mut request = SubscribeRequest::new();
    for topic in &topics {
        request = request.topic(topic, QoS::AtLeastOnce).context("filter")?;
    }
    let mut subscription = peer
        .client
        .subscribe_with(request)
        .await
        .context("subscribe to 3 topics")?;
    peer.client
        .unsubscribe(&[topics[1].as_str()])
        .await
        .context("unsubscribe from TopicB")?;
    for topic in &topics {
        peer.client
            .publish(topic, "after unsubscribe", QoS::AtLeastOnce)
            .await
            .context(&format!("publish to {topic}"))?;
    }
    let mut got = receive(&mut subscription, 2, ARRIVAL_TIME, "messages").await?;
    got.extend(drain(&mut subscription, QUIET_TIME).await);
    let topics_got: Vec<&str> = got.iter().map(|m| m.topic()).collect();
    ensure!(
        topics_got.len() == 2
            && topics_got.contains(&topics[0].as_str())
            && topics_got.contains(&topics[2].as_str()),
        "expected the messages of TopicA and TopicC, got {topics_got:?}"
    );
    peer.disconnect().await
}

/// Options of one filter.
fn options(qos: QoS, adjust: impl FnOnce(&mut SubscriptionOptions)) -> SubscriptionOptions {
    let mut options = SubscriptionOptions::new(qos);
    adjust(&mut options);
    options
}

/// Scenario `subscribe-options` (5.0): No Local, Retain As Published, Retain Handling
/// 0/1/2 each behave as specified.
pub async fn subscribe_options(ctx: Ctx) -> Outcome {
    let filter = |name: &str| TopicFilter::try_from(ctx.topic(name)).context("filter");
    let peer = ctx.connect("opts").await?;
    let other = ctx.connect("other").await?;

    // No Local: our own publish does not come back; another client's does.
    let mut no_local = peer
        .client
        .subscribe_with(SubscribeRequest::new().filter(
            filter("nolocal")?,
            options(QoS::AtLeastOnce, |o| o.no_local = true),
        ))
        .await
        .context("subscribe with No Local")?;
    peer.client
        .publish(&ctx.topic("nolocal"), "mine", QoS::AtLeastOnce)
        .await
        .context("publish own message")?;
    other
        .client
        .publish(&ctx.topic("nolocal"), "theirs", QoS::AtLeastOnce)
        .await
        .context("publish from another client")?;
    let got = receive(&mut no_local, 1, ARRIVAL_TIME, "No Local").await?;
    let more = drain(&mut no_local, QUIET_TIME).await;
    crate::conformance::outcome::ensure_or_limited!(
        ctx,
        &got[0].payload()[..] == b"theirs" && more.is_empty(),
        crate::conformance::limitations::Limitation::NoLocalIgnored,
        "No Local: expected only the other client's message, got {}",
        got.iter()
            .chain(&more)
            .map(describe)
            .collect::<Vec<_>>()
            .join(", ")
    );

    // Retain As Published: a retained publish to a live subscription keeps its flag only
    // with the option.
    let mut kept = peer
        .client
        .subscribe_with(SubscribeRequest::new().filter(
            filter("rap/kept")?,
            options(QoS::AtLeastOnce, |o| o.retain_as_published = true),
        ))
        .await
        .context("subscribe with Retain As Published")?;
    let mut cleared = peer
        .client
        .subscribe_with(
            SubscribeRequest::new()
                .filter(filter("rap/cleared")?, options(QoS::AtLeastOnce, |_| {})),
        )
        .await
        .context("subscribe without Retain As Published")?;
    for name in ["rap/kept", "rap/cleared"] {
        other
            .client
            .publish_message(message(
                &ctx.topic(name),
                "retained",
                QoS::AtLeastOnce,
                true,
            )?)
            .await
            .context("publish retained")?;
    }
    let with = receive(&mut kept, 1, ARRIVAL_TIME, "Retain As Published").await?;
    let without = receive(&mut cleared, 1, ARRIVAL_TIME, "without Retain As Published").await?;
    ensure!(
        with[0].retain() && !without[0].retain(),
        "Retain As Published: the flag was {} with the option and {} without (expected 1, 0)",
        u8::from(with[0].retain()),
        u8::from(without[0].retain())
    );

    // Retain Handling, with a retained message in place.
    let retained_topic = ctx.topic("rh/x");
    other
        .client
        .publish_message(message(&retained_topic, "kept", QoS::AtLeastOnce, true)?)
        .await
        .context("publish the retained message")?;
    let retained_count = |handling: RetainHandling, name: &'static str| {
        let request = filter("rh/#").map(|f| {
            SubscribeRequest::new().filter(
                f,
                options(QoS::AtLeastOnce, |o| o.retain_handling = handling),
            )
        });
        let peer = &peer;
        async move {
            let mut subscription = peer
                .client
                .subscribe_with(request?)
                .await
                .context(&format!("subscribe with Retain Handling {name}"))?;
            Ok::<_, Problem>(drain(&mut subscription, QUIET_TIME).await.len())
        }
    };
    let counts = [
        (
            "0 (send)",
            retained_count(RetainHandling::SendAtSubscribe, "0").await?,
            1,
        ),
        // The same filter again: the subscription exists now.
        (
            "1 (only if new), existing",
            retained_count(RetainHandling::SendAtSubscribeIfNew, "1").await?,
            0,
        ),
        (
            "2 (never)",
            retained_count(RetainHandling::DoNotSend, "2").await?,
            0,
        ),
    ];
    peer.client
        .unsubscribe(&[ctx.topic("rh/#").as_str()])
        .await
        .context("unsubscribe rh/#")?;
    let fresh = retained_count(RetainHandling::SendAtSubscribeIfNew, "1").await?;
    for (name, got, expected) in counts
        .into_iter()
        .chain([("1 (only if new), new", fresh, 1)])
    {
        ensure!(
            got == expected,
            "Retain Handling {name}: {got} retained message(s) arrived, expected {expected}"
        );
    }
    for name in ["rap/kept", "rap/cleared", "rh/x"] {
        other
            .client
            .publish_message(message(&ctx.topic(name), "", QoS::AtLeastOnce, true)?)
            .await
            .context("clear a retained message")?;
    }
    other.disconnect().await?;
    peer.disconnect().await
}

/// Scenario `subscription-ids` (5.0): two overlapping subscriptions with identifiers 2 and
/// 3: the message carries both identifiers, and the client routes it to both
/// subscriptions.
pub async fn subscription_ids(ctx: Ctx) -> Outcome {
    let peer = ctx.connect("ids").await?;
    let id = |n| SubscriptionId::new(n).context("subscription id");
    let mut subscriptions = Vec::new();
    for (name, number) in [("TopicA/#", 2), ("TopicA/+", 3)] {
        let request = SubscribeRequest::new()
            .topic(&ctx.topic(name), QoS::AtLeastOnce)
            .context("filter")?
            .identifier(id(number)?);
        let subscription = peer
            .client
            .subscribe_with(request)
            .await
            .context(&format!("subscribe {name} with identifier {number}"))?;
        subscriptions.push((name, number, subscription));
    }
    let publisher = ctx.publisher("pub").await?;
    publisher
        .client
        .publish(&ctx.topic("TopicA/C"), "ids", QoS::AtLeastOnce)
        .await
        .context("publish")?;
    // Each subscription gets the message once, carrying (at least) its own identifier.
    let mut carried: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (name, number, subscription) in &mut subscriptions {
        let mut got = receive(subscription, 1, ARRIVAL_TIME, &format!("on {name}")).await?;
        got.extend(drain(subscription, QUIET_TIME).await);
        ensure!(
            got.len() == 1,
            "{name} (identifier {number}) got {} messages, expected 1",
            got.len()
        );
        let ids = crate::conformance::client::subscription_ids(&got[0]);
        ensure!(
            ids.contains(number),
            "{name} got a message carrying identifiers {ids:?}, not its own {number}"
        );
        carried.insert(*number, ids);
    }
    publisher.disconnect().await?;
    peer.disconnect().await?;
    if carried
        .values()
        .all(|ids| ids.contains(&2) && ids.contains(&3))
    {
        return Ok(());
    }
    Err(ctx.limitation_seen(
        Limitation::CopyPerSubscription,
        &format!(
            "the broker sent one copy per subscription (identifiers {:?}); the routing of \
             each copy to its own subscription was checked and holds",
            carried.values().collect::<Vec<_>>()
        ),
    ))
}

/// Scenario `shared-subscriptions` (5.0): two clients in `$share/g/...`: each message
/// reaches exactly one of them; a normal subscriber gets every message.
pub async fn shared_subscriptions(ctx: Ctx) -> Outcome {
    const COUNT: usize = 20;
    let topic = ctx.topic("shared");
    let shared_filter = format!("$share/g{}/{topic}", ctx.client_id("g"));
    let mut members = Vec::new();
    for role in ["share1", "share2"] {
        let peer = ctx.connect(role).await?;
        let subscription = peer
            .client
            .subscribe(&shared_filter, QoS::AtLeastOnce)
            .await
            .context("subscribe to the shared subscription")?;
        members.push((peer, subscription));
    }
    let normal = ctx.connect("normal").await?;
    let mut everything = normal
        .client
        .subscribe(&topic, QoS::AtLeastOnce)
        .await
        .context("normal subscription")?;
    let publisher = ctx.publisher("pub").await?;
    for n in 0..COUNT {
        publisher
            .client
            .publish(&topic, format!("m{n}"), QoS::AtLeastOnce)
            .await
            .context("publish")?;
    }
    let all = receive(&mut everything, COUNT, ARRIVAL_TIME, "normal subscriber").await?;
    ensure!(
        drain(&mut everything, QUIET_TIME).await.is_empty(),
        "the normal subscriber got more than {COUNT} messages"
    );
    let _ = all;
    let mut shares: BTreeMap<String, usize> = BTreeMap::new();
    let mut per_member = Vec::new();
    for (_, subscription) in &mut members {
        let got = drain(subscription, QUIET_TIME).await;
        per_member.push(got.len());
        for message in got {
            *shares
                .entry(String::from_utf8_lossy(message.payload()).into_owned())
                .or_default() += 1;
        }
    }
    ensure!(
        shares.len() == COUNT && shares.values().all(|&n| n == 1),
        "the group's members got {per_member:?} messages: {} of {COUNT} distinct, {} given \
         to both",
        shares.len(),
        shares.values().filter(|&&n| n > 1).count()
    );
    ctx.note(format!(
        "The broker split {COUNT} messages between the group's two members as {per_member:?}."
    ));
    publisher.disconnect().await?;
    normal.disconnect().await?;
    for (peer, _) in members {
        peer.disconnect().await?;
    }
    Ok(())
}
