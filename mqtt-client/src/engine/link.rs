//! Where to connect next and when: fail-over between brokers, the MQTT 5.0 redirect rules,
//! and reconnection with back-off. Pure decisions: the random part of the back-off comes from
//! a generator the caller seeds.

use std::time::Duration;

use mqtt_kit_codec::{ConnectReasonCode, DisconnectReasonCode};
use mqtt_kit_session::DisconnectReason;
use mqtt_kit_transport::BrokerAddress;

use crate::backoff::Reconnect;

/// The client's way to a broker across attempts.
#[derive(Debug)]
pub(crate) struct Link {
    brokers: Vec<BrokerAddress>,
    next: usize,
    /// Where the broker told us to go (MQTT 5.0 Server Reference with 0x9C or 0x9D): the next
    /// attempt's address, once.
    redirect: Option<BrokerAddress>,
    reconnect: Reconnect,
    /// Failed attempts (or lost connections) since the last CONNACK that accepted us.
    failures: u32,
    random: fastrand::Rng,
}

impl Link {
    pub(crate) fn new(brokers: Vec<BrokerAddress>, reconnect: Reconnect, seed: u64) -> Self {
        Self {
            brokers,
            next: 0,
            redirect: None,
            reconnect,
            failures: 0,
            random: fastrand::Rng::with_seed(seed),
        }
    }

    /// The address of the attempt starting now.
    pub(crate) fn address(&self) -> Option<BrokerAddress> {
        self.redirect
            .clone()
            .or_else(|| self.brokers.get(self.next).cloned())
    }

    /// How many attempts failed in a row so far.
    pub(crate) fn failures(&self) -> u32 {
        self.failures
    }

    /// A broker accepted the connection.
    pub(crate) fn connected(&mut self) {
        self.failures = 0;
    }

    /// The attempt or connection ended, for `reason` when the session gave one. A redirect
    /// is followed only when the broker asks for one: reason code 0x9C (Use another server)
    /// or 0x9D (Server moved) with a Server Reference, in a CONNACK or a DISCONNECT; any
    /// other reason (0x89 Server busy with a reference, say) goes on with the list.
    ///
    /// Returns the next address and how long to wait first, or `None` when the client does
    /// not reconnect.
    pub(crate) fn ended(
        &mut self,
        reason: Option<&DisconnectReason>,
    ) -> Option<(BrokerAddress, Duration)> {
        self.redirect = reason.and_then(redirect);
        if self.redirect.is_none() && !self.brokers.is_empty() {
            // Used this one (or a redirect): the next in the list.
            self.next = (self.next + 1) % self.brokers.len();
        }
        let Reconnect::Backoff(backoff) = &self.reconnect else {
            return None;
        };
        let delay = backoff.delay(self.failures, self.random.f64());
        self.failures = self.failures.saturating_add(1);
        Some((self.address()?, delay))
    }
}

/// The server named by a redirecting CONNACK or DISCONNECT.
fn redirect(reason: &DisconnectReason) -> Option<BrokerAddress> {
    let redirects = match reason {
        DisconnectReason::Refused(connack) => matches!(
            connack.code,
            ConnectReasonCode::UseAnotherServer | ConnectReasonCode::ServerMoved
        ),
        DisconnectReason::Server(disconnect) => matches!(
            disconnect.code,
            DisconnectReasonCode::UseAnotherServer | DisconnectReasonCode::ServerMoved
        ),
        _ => false,
    };
    if !redirects {
        return None;
    }
    reason.server_reference()?.parse().ok()
}

/// Whether a refusal is one that trying again cannot fix.
pub(crate) fn refusal_is_final(code: ConnectReasonCode) -> bool {
    matches!(
        code,
        ConnectReasonCode::UnsupportedProtocolVersion
            | ConnectReasonCode::ClientIdentifierNotValid
            | ConnectReasonCode::BadUserNameOrPassword
            | ConnectReasonCode::NotAuthorized
            | ConnectReasonCode::Banned
            | ConnectReasonCode::BadAuthenticationMethod
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backoff::Backoff;
    use mqtt_kit_codec::{ConnAck, Disconnect};

    fn link(uris: &[&str]) -> Link {
        let brokers = uris.iter().map(|uri| uri.parse().unwrap()).collect();
        let backoff = Backoff {
            jitter: 0.0,
            ..Backoff::default()
        };
        Link::new(brokers, Reconnect::Backoff(backoff), 7)
    }

    fn server(code: DisconnectReasonCode, reference: &str) -> DisconnectReason {
        let mut disconnect = Disconnect::new(code);
        disconnect.properties.server_reference = Some(reference.into());
        DisconnectReason::Server(disconnect)
    }

    fn host(link: &Link) -> String {
        link.address().unwrap().to_string()
    }

    #[test]
    fn fails_over_in_turn_with_a_doubling_wait() {
        let mut link = link(&["mqtt://a:1883", "mqtt://b:1883"]);
        assert!(host(&link).contains('a'));
        let (next, delay) = link.ended(None).unwrap();
        assert!(next.to_string().contains('b'));
        assert_eq!(delay, Duration::from_secs(1));
        let (next, delay) = link.ended(Some(&DisconnectReason::ConnectionLost)).unwrap();
        assert!(next.to_string().contains('a'));
        assert_eq!(delay, Duration::from_secs(2));
        link.connected();
        assert_eq!(link.ended(None).unwrap().1, Duration::from_secs(1));
    }

    #[test]
    fn redirects_only_for_use_another_server_and_server_moved() {
        let mut link = link(&["mqtt://a:1883"]);
        let busy = server(DisconnectReasonCode::ServerBusy, "elsewhere:1883");
        assert!(
            !link
                .ended(Some(&busy))
                .unwrap()
                .0
                .to_string()
                .contains("elsewhere")
        );
        for code in [
            DisconnectReasonCode::UseAnotherServer,
            DisconnectReasonCode::ServerMoved,
        ] {
            let (next, _) = link.ended(Some(&server(code, "elsewhere:1883"))).unwrap();
            assert!(next.to_string().contains("elsewhere"), "{code:?}");
            // Once: the attempt after that goes back to the list.
            let (next, _) = link.ended(None).unwrap();
            assert!(!next.to_string().contains("elsewhere"), "{code:?}");
        }
        let mut moved = ConnAck::new(ConnectReasonCode::ServerMoved);
        moved.properties.server_reference = Some("other:1883".into());
        let (next, _) = link.ended(Some(&DisconnectReason::Refused(moved))).unwrap();
        assert!(next.to_string().contains("other"));
        let mut refused = ConnAck::new(ConnectReasonCode::ServerUnavailable);
        refused.properties.server_reference = Some("other:1883".into());
        let (next, _) = link
            .ended(Some(&DisconnectReason::Refused(refused)))
            .unwrap();
        assert!(!next.to_string().contains("other"));
    }

    #[test]
    fn never_reconnect_means_no_next_attempt() {
        let mut link = Link::new(vec!["mqtt://a:1883".parse().unwrap()], Reconnect::Never, 1);
        assert!(link.ended(None).is_none());
    }

    #[test]
    fn the_same_seed_gives_the_same_waits() {
        let jittered = |seed| {
            let mut link = Link::new(
                vec!["mqtt://a:1883".parse().unwrap()],
                Reconnect::default(),
                seed,
            );
            (0..5)
                .map(|_| link.ended(None).unwrap().1)
                .collect::<Vec<_>>()
        };
        assert_eq!(jittered(3), jittered(3));
        assert!(
            jittered(3)
                .iter()
                .all(|delay| *delay <= Duration::from_secs(16))
        );
    }
}
