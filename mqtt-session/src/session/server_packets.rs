//! Packets from the server that steer the connection: the dispatch of every packet by
//! connection state, CONNACK (limits, session present, lost sessions), AUTH and DISCONNECT.

use super::*;

/// The smallest Maximum Packet Size a server may announce: the largest packet the session
/// must be able to send whatever happens is a 5.0 acknowledgement (PUBACK, PUBREC, PUBREL,
/// PUBCOMP) with a reason code other than Success, its properties left out: 5 bytes. Below
/// that, such acknowledgements (and, below 4, every one; below 2, PINGREQ) would be dropped.
const SMALLEST_SERVER_PACKET_LIMIT: u32 = 5;

impl Session {
    pub(super) fn handle_packet(
        &mut self,
        packet: Packet,
        now: Instant,
    ) -> Result<(), ProtocolError> {
        let v5 = self.config.version == ProtocolVersion::V5;
        if let State::Connecting { clean_start, .. } = self.state {
            return match packet {
                Packet::ConnAck(connack) => self.on_connack(connack, clean_start, now),
                Packet::Auth(auth) if v5 => self.on_auth(auth),
                Packet::Disconnect(disconnect) if v5 => {
                    self.on_server_disconnect(disconnect);
                    Ok(())
                }
                other => Err(ProtocolError::BeforeConnAck(other.packet_type())),
            };
        }
        match packet {
            Packet::Publish(publish) => self.on_publish(publish),
            Packet::PubAck(puback) => self.on_puback(puback),
            Packet::PubRec(pubrec) => self.on_pubrec(pubrec),
            Packet::PubRel(pubrel) => self.on_pubrel(pubrel),
            Packet::PubComp(pubcomp) => self.on_pubcomp(pubcomp),
            Packet::SubAck(suback) => self.on_suback(suback),
            Packet::UnsubAck(unsuback) => self.on_unsuback(unsuback),
            Packet::PingResp => {
                if let Some(keep_alive) = self.keep_alive.as_mut() {
                    keep_alive.on_pingresp();
                }
                Ok(())
            }
            Packet::Disconnect(disconnect) if v5 => {
                self.on_server_disconnect(disconnect);
                Ok(())
            }
            Packet::Auth(auth) if v5 => self.on_auth(auth),
            Packet::ConnAck(_) => Err(ProtocolError::SecondConnAck),
            other => Err(ProtocolError::UnexpectedPacket(other.packet_type())),
        }
    }

    /// The server ends the connection. Nothing is written back: the server closes it. A
    /// Session Expiry Interval in it is a Protocol Error [MQTT-3.14.2-2], reported as such
    /// with the DISCONNECT attached.
    pub(super) fn on_server_disconnect(&mut self, disconnect: Disconnect) {
        let reason = if disconnect.properties.session_expiry_interval.is_some() {
            DisconnectReason::ProtocolViolation(ProtocolError::SessionExpiryFromServer(Box::new(
                disconnect,
            )))
        } else {
            DisconnectReason::Server(disconnect)
        };
        self.close(reason);
    }

    pub(super) fn on_connack(
        &mut self,
        connack: ConnAck,
        clean_start: bool,
        _now: Instant,
    ) -> Result<(), ProtocolError> {
        if connack.code.is_error() {
            // The server closes the connection [MQTT-4.13.2-1]; our session state stays.
            self.close(DisconnectReason::Refused(connack));
            return Ok(());
        }
        let v5 = self.config.version == ProtocolVersion::V5;
        if let Some(maximum) = connack.properties.maximum_packet_size.filter(|_| v5) {
            if maximum.get() < SMALLEST_SERVER_PACKET_LIMIT {
                return Err(ProtocolError::MaximumPacketSizeTooSmall(maximum.get()));
            }
        }
        if v5 {
            if let Some(authenticator) = self.authenticator.as_mut() {
                let method = authenticator.method().to_owned();
                let got = connack
                    .properties
                    .authentication_method
                    .as_deref()
                    .map(str::to_owned);
                if got.as_deref() != Some(method.as_str()) {
                    return Err(ProtocolError::AuthMethodMismatch {
                        expected: method,
                        got,
                    });
                }
                if let Err(error) =
                    authenticator.finish(connack.properties.authentication_data.as_ref())
                {
                    self.auth_failed(error);
                    return Ok(());
                }
            } else if connack.properties.authentication_method.is_some() {
                return Err(ProtocolError::AuthWithoutMethod);
            }
        }
        if connack.session_present {
            if clean_start {
                return Err(ProtocolError::SessionPresentOnCleanStart);
            }
            if v5 && !self.established && !self.config.empty_state_may_resume {
                self.force_clean_start = true;
                return Err(ProtocolError::SessionPresentWithoutState);
            }
        }
        self.force_clean_start = false;
        self.limits = if v5 {
            ServerLimits::from_connack(&connack)
        } else {
            ServerLimits::default()
        };
        self.limits_known = true;
        self.limits_generation += 1;
        let mut keep_alive = self.config.keep_alive;
        if let Some(server_keep_alive) = connack.properties.server_keep_alive.filter(|_| v5) {
            keep_alive = server_keep_alive;
            let timeout = self.pingresp_timeout(keep_alive);
            if let Some(timer) = self.keep_alive.as_mut() {
                timer.set_interval(keep_alive);
                timer.set_pingresp_timeout(timeout);
            }
        }
        let assigned_client_id = connack
            .properties
            .assigned_client_identifier
            .as_deref()
            .map(str::to_owned);
        if let Some(id) = assigned_client_id
            .as_ref()
            .filter(|_| self.config.client_id.is_empty())
        {
            // Reconnections resume this session under the identifier the server chose.
            self.config.client_id = id.clone();
        }
        self.state = State::Connected;
        self.out_window.reset(
            self.limits
                .receive_maximum
                .min(self.config.max_in_flight.max(1)),
        );
        self.out_aliases.reset(if self.config.auto_topic_alias {
            self.limits.topic_alias_maximum
        } else {
            0
        });
        let session_present = connack.session_present;
        self.events.push_back(Event::Connected(Connected {
            session_present,
            assigned_client_id,
            keep_alive,
            limits: self.limits.clone(),
            connack,
        }));
        if session_present {
            self.in_flight.mark_all_unsent();
        } else {
            self.discard_session_state()?;
            if self.config.restore_subscriptions {
                self.restore_subscriptions();
            }
        }
        if !self.established {
            self.established = true;
            self.record(Record::Established(true));
        }
        self.pump();
        Ok(())
    }

    /// The server has no session for us [MQTT-3.2.2-5]: incoming QoS 2 state goes, and
    /// unacknowledged publishes are sent again as new or failed, as configured.
    pub(super) fn discard_session_state(&mut self) -> Result<(), ProtocolError> {
        self.incoming.discard_session();
        let had_state = !self.in_flight.is_empty() || self.established;
        let entries = self.in_flight.drain();
        for entry in &entries {
            if let Some(id) = entry.packet_id() {
                self.ids.release(id);
            }
        }
        if had_state {
            // The journal forgets the session too; it is marked established again below.
            self.established = false;
            self.record(Record::Clear);
        }
        let mut resend = Vec::new();
        for entry in entries {
            match (entry.stage, self.config.lost_session_policy) {
                (Stage::Released, _) => {
                    // The PUBREC came: the server took the message. Say so.
                    let id = entry.packet_id();
                    if let Some(packet_id) = id {
                        self.events.push_back(Event::PublishDone {
                            token: entry.token,
                            result: Ok(PublishAck::Received(PubRec::new(packet_id))),
                        });
                    }
                }
                (Stage::Published, LostSessionPolicy::Fail) => {
                    self.events.push_back(Event::PublishDone {
                        token: entry.token,
                        result: Err(PublishError::SessionLost),
                    });
                }
                (Stage::Published, LostSessionPolicy::ResendAsNew) => {
                    let mut publish = entry.publish;
                    publish.packet_id = None;
                    publish.dup = false;
                    resend.push(Waiting {
                        token: entry.token,
                        seq: 0,
                        recorded: false,
                        publish,
                        checked_under: None,
                    });
                }
            }
        }
        self.waiting.push_front_all(resend.into_iter());
        if had_state {
            self.record_queue_again();
        }
        Ok(())
    }

    pub(super) fn restore_subscriptions(&mut self) {
        let granted: Vec<Subscription> = self.subscriptions.granted().to_vec();
        for subscription in granted {
            let token = self.new_request_token();
            // One SUBSCRIBE per filter keeps each one's properties (Subscription Identifier).
            let filter = subscription.filter.clone();
            let checked = self.check_subscribe(
                &[(filter.clone(), subscription.options)],
                &subscription.properties,
            );
            let sent = checked.and_then(|()| {
                self.send_subscribe(
                    token,
                    subscription.owner,
                    vec![(subscription.filter, subscription.options)],
                    subscription.properties,
                    true,
                )
            });
            if let Err(error) = sent {
                // The new server does not take it (size, features): say so, and forget it.
                self.subscriptions.revoke(&filter);
                self.events
                    .push_back(Event::SubscriptionNotRestored { filter, error });
            }
        }
    }
}
