//! The scenario registry: every scenario of xtask/conformance/SCENARIOS.md with the versions
//! and transports it runs for, whether it needs a broker of its own, its time limit, and
//! the function that runs it.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use super::brokers::Configure;
use super::ctx::Ctx;
use super::matrix::{Transport, Version};
use super::outcome::Outcome;
use super::scenarios;

/// The future of one running scenario (it runs on a thread of its own: not `Send`).
pub type ScenarioFuture = Pin<Box<dyn Future<Output = Outcome>>>;

/// One scenario.
pub struct Scenario {
    /// Its id, as in SCENARIOS.md.
    pub id: &'static str,
    /// The versions it runs for.
    pub versions: &'static [Version],
    /// The transports it runs over.
    pub transports: &'static [Transport],
    /// A broker of its own (plain TCP), configured so; the scenario may restart it. Such a
    /// scenario is skipped against a `--broker` of the user's.
    pub own_broker: Option<Configure>,
    /// How long it may take before it counts as hung.
    pub timeout: Duration,
    /// Runs it.
    pub run: fn(Ctx) -> ScenarioFuture,
}

/// Every version the list asks for, 3.1 included.
const ALL_VERSIONS: &[Version] = &[Version::V3_1, Version::V3_1_1, Version::V5];
/// MQTT 3.1.1 and 5.0.
const BOTH: &[Version] = &[Version::V3_1_1, Version::V5];
/// MQTT 5.0 only.
const V5: &[Version] = &[Version::V5];

/// The usual time limit.
const LIMIT: Duration = Duration::from_secs(30);

/// Builds a registry entry.
macro_rules! scenario {
    ($id:literal, $versions:expr, $transports:expr, $run:path) => {
        scenario!($id, $versions, $transports, $run, None, LIMIT)
    };
    ($id:literal, $versions:expr, $transports:expr, $run:path, $own:expr, $timeout:expr) => {
        Scenario {
            id: $id,
            versions: $versions,
            transports: $transports,
            own_broker: $own,
            timeout: $timeout,
            run: |ctx| Box::pin($run(ctx)),
        }
    };
}

/// Every scenario, in the order of SCENARIOS.md.
pub fn all() -> Vec<Scenario> {
    use scenarios::*;
    let every = &Transport::ALL;
    let tcp = Transport::TCP;
    let secs = Duration::from_secs;
    vec![
        // MQTT 3.1.1 and 5.0 (basic, retained and will for 3.1 too).
        scenario!("basic", ALL_VERSIONS, every, basic::basic),
        scenario!("retained", ALL_VERSIONS, every, retained::retained),
        scenario!("will", ALL_VERSIONS, tcp, will::will),
        scenario!("will-not-sent", BOTH, tcp, will::will_not_sent),
        scenario!("zero-length-id", BOTH, tcp, session::zero_length_id),
        scenario!("offline-queue", BOTH, tcp, session::offline_queue),
        scenario!("overlapping", BOTH, tcp, subscriptions::overlapping),
        scenario!("keepalive", BOTH, tcp, will::keepalive, None, secs(45)),
        scenario!("redelivery", BOTH, tcp, redelivery::redelivery),
        scenario!(
            "client-redelivery",
            BOTH,
            tcp,
            redelivery::client_redelivery
        ),
        scenario!(
            "subscribe-failure",
            BOTH,
            tcp,
            subscriptions::subscribe_failure,
            Some(subscriptions::deny_acl),
            LIMIT
        ),
        scenario!("dollar-topics", BOTH, tcp, subscriptions::dollar_topics),
        scenario!("unsubscribe", BOTH, tcp, subscriptions::unsubscribe),
        scenario!(
            "reconnect",
            BOTH,
            tcp,
            reconnect::reconnect,
            Some(reconnect::plain),
            secs(60)
        ),
        scenario!(
            "large-payload",
            BOTH,
            every,
            payloads::large_payload,
            None,
            secs(60)
        ),
        scenario!(
            "many-clients",
            BOTH,
            tcp,
            payloads::many_clients,
            None,
            secs(60)
        ),
        // MQTT 5.0 only.
        scenario!("session-expiry", V5, tcp, session::session_expiry),
        scenario!("user-properties", V5, tcp, properties::user_properties),
        scenario!("payload-format", V5, tcp, properties::payload_format),
        scenario!("message-expiry", V5, tcp, properties::message_expiry),
        scenario!(
            "subscribe-options",
            V5,
            tcp,
            subscriptions::subscribe_options
        ),
        scenario!("subscription-ids", V5, tcp, subscriptions::subscription_ids),
        scenario!("request-response", V5, tcp, properties::request_response),
        scenario!("topic-alias-out", V5, tcp, aliases::topic_alias_out),
        scenario!("topic-alias-in", V5, tcp, aliases::topic_alias_in),
        scenario!(
            "maximum-packet-size",
            V5,
            tcp,
            limits::maximum_packet_size,
            Some(limits::small_packets),
            LIMIT
        ),
        scenario!(
            "flow-control",
            V5,
            tcp,
            limits::flow_control,
            Some(limits::small_receive_maximum),
            LIMIT
        ),
        scenario!("server-disconnect", V5, tcp, session::server_disconnect),
        scenario!("will-delay", V5, tcp, will::will_delay),
        scenario!(
            "shared-subscriptions",
            V5,
            tcp,
            subscriptions::shared_subscriptions
        ),
        scenario!("enhanced-auth", V5, tcp, session::enhanced_auth),
        // The scenarios users trip on (through the proxy: plain TCP).
        scenario!("resubscribe", BOTH, tcp, resubscribe::resubscribe),
        scenario!(
            "dropped-subscription",
            BOTH,
            tcp,
            resubscribe::dropped_subscription
        ),
        scenario!(
            "retained-subscription-ids",
            V5,
            tcp,
            retained_features::retained_subscription_ids
        ),
        scenario!(
            "retained-topic-aliases",
            V5,
            tcp,
            retained_features::retained_topic_aliases
        ),
        scenario!("will-defaults", BOTH, tcp, will_defaults::will_defaults),
        scenario!(
            "use-another-server",
            V5,
            tcp,
            server_reference::use_another_server
        ),
        scenario!("server-moved", V5, tcp, server_reference::server_moved),
        scenario!(
            "server-busy-reference",
            V5,
            tcp,
            server_reference::server_busy_reference
        ),
        scenario!(
            "manual-ack-resume",
            BOTH,
            tcp,
            manual_ack_resume::manual_ack_resume
        ),
        // Over every transport: certificate checks.
        scenario!("tls-unknown-ca", BOTH, Transport::SECURE, tls::unknown_ca),
        scenario!("tls-wrong-name", BOTH, Transport::SECURE, tls::wrong_name),
    ]
}

/// The scenario list the registry follows (copied into the project, with its origin).
pub const SCENARIOS_MD: &str = include_str!("../../conformance/SCENARIOS.md");

/// The ids and "passes when" texts of the scenario tables of SCENARIOS.md.
pub fn listed_scenarios() -> Vec<(&'static str, &'static str)> {
    SCENARIOS_MD
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.trim().strip_prefix('|')?.split('|').collect();
            let id = cells.first()?.trim();
            let passes_when = cells.get(2)?.trim();
            let is_id = id.starts_with(|c: char| c.is_ascii_lowercase())
                && id != "id"
                && id.chars().all(|c| c.is_ascii_lowercase() || c == '-');
            is_id.then_some((id, passes_when))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The two scenarios that the paragraph "Over every transport" of SCENARIOS.md asks for
    /// (certificate checks), which have no row in its tables.
    const TLS_CHECKS: [&str; 2] = ["tls-unknown-ca", "tls-wrong-name"];

    #[test]
    fn the_registry_follows_the_scenario_list() {
        let listed: BTreeSet<&str> = listed_scenarios().into_iter().map(|(id, _)| id).collect();
        let registered: BTreeSet<&str> = all()
            .iter()
            .map(|s| s.id)
            .filter(|id| !TLS_CHECKS.contains(id))
            .collect();
        assert_eq!(listed.len(), 40, "scenario rows in SCENARIOS.md");
        assert_eq!(listed, registered);
    }

    #[test]
    fn ids_are_unique_and_versions_follow_the_list() {
        let scenarios = all();
        let ids: BTreeSet<&str> = scenarios.iter().map(|s| s.id).collect();
        assert_eq!(ids.len(), scenarios.len());
        for scenario in &scenarios {
            let with_3_1 = ["basic", "retained", "will"].contains(&scenario.id);
            assert_eq!(
                scenario.versions.contains(&Version::V3_1),
                with_3_1,
                "{}",
                scenario.id
            );
            assert!(scenario.versions.contains(&Version::V5), "{}", scenario.id);
        }
    }

    #[test]
    fn basic_retained_and_large_payload_run_over_every_transport() {
        for scenario in all() {
            let every = scenario.transports == Transport::ALL;
            let listed = ["basic", "retained", "large-payload"].contains(&scenario.id);
            assert_eq!(every, listed, "{}", scenario.id);
        }
    }
}
