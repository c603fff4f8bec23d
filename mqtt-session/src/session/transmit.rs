//! Writing packets: the publish pump (resends first, then waiting publishes, within the
//! server's Receive Maximum), encoding within its Maximum Packet Size, and ending a connection.

use super::*;

/// Payloads from this size on are handed to the driver by reference (for a vectored write)
/// instead of copied after their packet's head: below it, a copy costs less than another
/// segment to write.
const PAYLOAD_BY_REFERENCE: usize = 4 * 1024;

impl Session {
    /// Sends what can be sent: PUBLISH and PUBREL packets of a resumed session first, in their
    /// original order [MQTT-4.6.0-1], then waiting publishes in order, as far as the server's
    /// Receive Maximum allows [MQTT-3.3.4-7].
    pub(super) fn pump(&mut self) {
        if !matches!(self.state, State::Connected) {
            return;
        }
        while let Some(entry) = self.in_flight.first_unsent() {
            let id = entry.packet_id();
            match entry.stage {
                Stage::Released => {
                    if let Some(packet_id) = id {
                        self.in_flight.mark_sent(packet_id.get());
                        self.write_reply(Packet::PubRel(PubRel::new(packet_id)));
                    }
                }
                Stage::Published => {
                    if !self.out_window.has_room() {
                        // Blocked by the Receive Maximum: PUBRELs behind it still go
                        // [MQTT-3.3.4-8]; new publishes wait behind it.
                        while let Some(released) = self.in_flight.first_unsent_in(Stage::Released) {
                            let Some(packet_id) = released.packet_id() else {
                                break;
                            };
                            self.in_flight.mark_sent(packet_id.get());
                            self.write_reply(Packet::PubRel(PubRel::new(packet_id)));
                        }
                        return;
                    }
                    // Sent again (rare): a copy with DUP set; the entry keeps it clear.
                    let mut publish = entry.publish.clone();
                    publish.dup = true;
                    let Some(packet_id) = id else {
                        continue;
                    };
                    self.in_flight.mark_sent(packet_id.get());
                    if let Err(error) = self.write_publish(&mut publish) {
                        // A server with a smaller Maximum Packet Size than the one it was
                        // first sent to: it cannot be sent again, so it fails.
                        self.complete_outgoing(packet_id.get(), Err(PublishError::Refused(error)));
                        if !matches!(self.state, State::Connected) {
                            // The store failed: the connection is over.
                            return;
                        }
                        continue;
                    }
                    self.out_window.insert(packet_id.get());
                }
            }
        }
        while let Some(front) = self.waiting.front() {
            let qos = front.publish.qos;
            if qos != QoS::AtMostOnce
                && (!self.out_window.has_room() || self.ids.in_use() >= usize::from(u16::MAX))
            {
                return;
            }
            let Some(mut waiting) = self.waiting.pop_front() else {
                return;
            };
            let token = waiting.token;
            // Limits may have changed since it was accepted (a new server).
            let checked = waiting.checked_under == Some(self.limits_generation);
            let verdict = if checked {
                Ok(())
            } else {
                self.check_publish(&mut waiting.publish)
            };
            if let Err(error) = verdict {
                self.unqueued(&waiting);
                self.events.push_back(Event::PublishDone {
                    token,
                    result: Err(PublishError::Refused(error)),
                });
                continue;
            }
            if qos == QoS::AtMostOnce {
                self.unqueued(&waiting);
                let result = match self.write_publish(&mut waiting.publish) {
                    Ok(()) => Ok(PublishAck::Written),
                    Err(error) => Err(PublishError::Refused(error)),
                };
                self.events.push_back(Event::PublishDone { token, result });
                continue;
            }
            let Some(packet_id) = self.ids.allocate() else {
                // Cannot happen: checked above.
                self.waiting.push_front_all(std::iter::once(waiting));
                return;
            };
            self.unqueued(&waiting);
            let mut publish = waiting.publish;
            publish.packet_id = Some(packet_id);
            let order = self.in_flight.take_order();
            if self.is_durable() {
                self.record(Record::SaveOutgoing(StoredPublish {
                    order,
                    publish: publish.clone(),
                    released: false,
                }));
            }
            if let Err(error) = self.write_publish(&mut publish) {
                self.ids.release(packet_id);
                self.record(Record::RemoveOutgoing(packet_id));
                self.events.push_back(Event::PublishDone {
                    token,
                    result: Err(PublishError::Refused(error)),
                });
                continue;
            }
            self.out_window.insert(packet_id.get());
            self.in_flight.insert(
                Outgoing {
                    token,
                    order,
                    publish,
                    stage: Stage::Published,
                },
                false,
            );
        }
    }

    /// Encodes a PUBLISH where it lies, with a topic alias when the server takes them and the
    /// packet still fits with it. The alias (and the empty topic that reuses one) is on
    /// `publish` only while it is encoded: what is kept, to be sent again, has its full topic.
    pub(super) fn write_publish(&mut self, publish: &mut Publish) -> Result<(), CommandError> {
        let choice = self.out_aliases.choose(publish.topic.as_str());
        if let AliasUse::Assign(alias) | AliasUse::Reuse(alias) = choice {
            publish.properties.topic_alias = std::num::NonZeroU16::new(alias);
            let topic = matches!(choice, AliasUse::Reuse(_))
                .then(|| std::mem::replace(&mut publish.topic, mqtt_kit_codec::TopicName::empty()));
            let encoded = self.encode_publish(publish);
            if encoded.is_ok() {
                packet_log::sent_publish(publish);
            }
            publish.properties.topic_alias = None;
            if let Some(topic) = topic {
                publish.topic = topic;
            }
            if encoded.is_ok() {
                self.out_aliases.commit(publish.topic.as_str(), choice);
                return Ok(());
            }
        }
        match self.encode_publish(publish) {
            Ok(()) => {
                packet_log::sent_publish(publish);
                Ok(())
            }
            Err(error) => Err(self.encode_error(error)),
        }
    }

    /// Encodes a PUBLISH; a large payload goes by reference, not copied.
    fn encode_publish(&mut self, publish: &Publish) -> Result<(), EncodeError> {
        let version = self.config.version;
        let maximum = self.server_max_packet_size();
        if publish.payload.len() >= PAYLOAD_BY_REFERENCE {
            let payload = publish
                .encode_head(version, maximum, self.transmit.tail_mut())?
                .clone();
            self.transmit.push_payload(payload);
        } else {
            publish.encode(version, maximum, self.transmit.tail_mut())?;
        }
        Ok(())
    }

    pub(super) fn encode_error(&self, error: EncodeError) -> CommandError {
        if let EncodeError::PacketTooLarge { size, max } = error {
            return CommandError::PacketTooLarge { size, maximum: max };
        }
        CommandError::Encode(error)
    }

    /// Encodes a packet the application asked for, refusing it if the server would not take it.
    pub(super) fn write_checked(&mut self, packet: &Packet) -> Result<(), CommandError> {
        let maximum = self.server_max_packet_size();
        match packet.encode(self.config.version, maximum, self.transmit.tail_mut()) {
            Ok(_) => {
                packet_log::sent(packet);
                Ok(())
            }
            Err(error) => Err(self.encode_error(error)),
        }
    }

    /// Encodes a packet of the protocol's own (acknowledgement, PINGREQ, DISCONNECT, AUTH).
    /// When the server's Maximum Packet Size is too small for its reason string and user
    /// properties, they are left out [MQTT-3.4.2-2] [MQTT-3.14.2-3] [MQTT-3.15.2-2].
    pub(super) fn write_reply(&mut self, packet: Packet) {
        let version = self.config.version;
        let maximum = self.server_max_packet_size();
        if packet
            .encode(version, maximum, self.transmit.tail_mut())
            .is_ok()
        {
            packet_log::sent(&packet);
            return;
        }
        let stripped = strip_optional_properties(packet);
        // Without its optional properties, an acknowledgement, PINGREQ or DISCONNECT is at
        // most 5 bytes: it fits any limit a CONNACK may set (smaller ones are refused), and a
        // failure here has nowhere to be reported but the connection itself.
        if stripped
            .encode(version, maximum, self.transmit.tail_mut())
            .is_ok()
        {
            packet_log::sent(&stripped);
        }
    }

    // ----- ending connections -----

    pub(super) fn violation(&mut self, error: ProtocolError) {
        if matches!(self.state, State::Disconnected) {
            return;
        }
        packet_log::violation(&error);
        if self.config.version == ProtocolVersion::V5 {
            self.write_reply(Packet::Disconnect(Disconnect::new(
                error.disconnect_reason(),
            )));
        }
        self.close(DisconnectReason::ProtocolViolation(error));
    }

    pub(super) fn auth_failed(&mut self, error: AuthError) {
        self.write_reply(Packet::Disconnect(Disconnect::new(
            DisconnectReasonCode::UnspecifiedError,
        )));
        self.close(DisconnectReason::AuthFailed(error));
    }

    /// Ends the connection: what belongs to it goes, the session stays.
    pub(super) fn close(&mut self, reason: DisconnectReason) {
        if matches!(self.state, State::Disconnected) {
            return;
        }
        self.state = State::Disconnected;
        self.keep_alive = None;
        self.reauthenticating = false;
        self.incoming.end_connection();
        self.out_aliases.reset(0);
        let mut lost: Vec<(u16, Request)> = self.subscriptions.pending.drain().collect();
        lost.sort_by_key(|(_, request)| request.token);
        for (id, request) in lost {
            if let Some(packet_id) = PacketId::new(id) {
                self.ids.release(packet_id);
            }
            self.events.push_back(match request.kind {
                RequestKind::Subscribe { restore: true, .. } => continue,
                RequestKind::Subscribe { .. } => Event::SubscribeDone {
                    token: request.token,
                    result: Err(RequestLost),
                },
                RequestKind::Unsubscribe { .. } => Event::UnsubscribeDone {
                    token: request.token,
                    result: Err(RequestLost),
                },
            });
        }
        self.events.push_back(Event::Disconnected(reason));
    }
}

/// The packet without its reason string and user properties.
fn strip_optional_properties(packet: Packet) -> Packet {
    match packet {
        Packet::PubAck(mut p) => {
            p.properties = Default::default();
            Packet::PubAck(p)
        }
        Packet::PubRec(mut p) => {
            p.properties = Default::default();
            Packet::PubRec(p)
        }
        Packet::PubRel(mut p) => {
            p.properties = Default::default();
            Packet::PubRel(p)
        }
        Packet::PubComp(mut p) => {
            p.properties = Default::default();
            Packet::PubComp(p)
        }
        Packet::Disconnect(mut p) => {
            p.properties.reason_string = None;
            p.properties.user_properties.clear();
            Packet::Disconnect(p)
        }
        Packet::Auth(mut p) => {
            p.properties.reason_string = None;
            p.properties.user_properties.clear();
            Packet::Auth(p)
        }
        other => other,
    }
}
