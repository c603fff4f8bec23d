//! Application messages from the server: delivery, exactly-once for QoS 2, acknowledgements
//! in arrival order, our Receive Maximum, topic aliases, PUBREL.

use super::*;

impl Session {
    pub(super) fn on_publish(&mut self, mut publish: Publish) -> Result<(), ProtocolError> {
        let alias = publish.properties.topic_alias.map(|alias| alias.get());
        if alias.is_some() || publish.topic.is_empty() {
            let is_empty = publish.topic.is_empty();
            match self
                .incoming
                .aliases
                .resolve(&publish.topic, is_empty, alias)
            {
                Ok(Some(topic)) => publish.topic = topic,
                Ok(None) if is_empty => return Err(ProtocolError::UnknownTopicAlias(0)),
                Ok(None) => {}
                Err(AliasError::OutOfRange(alias)) => {
                    return Err(ProtocolError::TopicAliasInvalid(alias));
                }
                Err(AliasError::Unknown(alias)) => {
                    return Err(ProtocolError::UnknownTopicAlias(alias));
                }
            }
            publish.properties.topic_alias = None;
        }
        let manual = self.config.ack_mode == AckMode::Manual;
        let qos = publish.qos;
        let Some(id) = publish.packet_id.filter(|_| qos != QoS::AtMostOnce) else {
            self.deliver(publish, None);
            return Ok(());
        };
        let raw = id.get();
        match qos {
            QoS::AtMostOnce => Ok(()),
            QoS::AtLeastOnce => {
                match self.incoming.qos2.get(&raw) {
                    None => {}
                    Some(Qos2State::Recorded | Qos2State::Refused(_))
                        if !self.incoming.acks.is_queued(raw) =>
                    {
                        // The server reuses the identifier of a QoS 2 exchange we answered
                        // with PUBREC: it has abandoned that exchange (a server restarted
                        // from an older saved state does). Its message was delivered once;
                        // the exchange is dropped and the new message taken. A protocol
                        // error here would come back on every reconnection, for ever.
                        self.record(Record::RemoveIncoming(id));
                        self.incoming.qos2.remove(&raw);
                        self.incoming.window.remove(raw);
                    }
                    Some(_) => return Err(ProtocolError::PacketIdInUse(raw)),
                }
                if self.incoming.qos1.contains_key(&raw) {
                    // Sent again before we acknowledged it: the acknowledgement is coming.
                    return Ok(());
                }
                self.count_incoming(raw)?;
                let delivery = self.new_delivery();
                self.incoming.qos1.insert(raw, delivery);
                if manual {
                    self.incoming.acks.push_pending(raw);
                    self.deliver_manual(publish, id, delivery);
                } else {
                    self.incoming
                        .acks
                        .push_ready(raw, AckReply::PubAck(PubAck::new(id)));
                    self.deliver(publish, None);
                }
                self.flush_acks();
                Ok(())
            }
            QoS::ExactlyOnce => {
                if self.incoming.qos1.contains_key(&raw) {
                    return Err(ProtocolError::PacketIdInUse(raw));
                }
                match self.incoming.qos2.get(&raw).cloned() {
                    None => {
                        self.count_incoming(raw)?;
                        let delivery = self.new_delivery();
                        if manual {
                            self.incoming
                                .qos2
                                .insert(raw, Qos2State::AwaitingApp { delivery });
                            self.incoming.acks.push_pending(raw);
                            self.deliver_manual(publish, id, delivery);
                        } else {
                            // On record before its PUBREC: exactly once across a restart.
                            self.record(Record::SaveIncoming(id));
                            self.incoming.qos2.insert(raw, Qos2State::Recorded);
                            self.incoming
                                .acks
                                .push_ready(raw, AckReply::PubRec(PubRec::new(id)));
                            self.deliver(publish, None);
                        }
                    }
                    Some(Qos2State::Recorded) => {
                        // A duplicate: answered, not delivered again [MQTT-4.3.3-10]. A
                        // PUBREC still queued for it answers this copy too: a broker
                        // repeating it must not grow the queue.
                        self.count_incoming(raw)?;
                        if !self.incoming.acks.is_queued(raw) {
                            self.incoming
                                .acks
                                .push_ready(raw, AckReply::PubRec(PubRec::new(id)));
                        }
                    }
                    Some(Qos2State::Refused(pubrec)) => {
                        self.count_incoming(raw)?;
                        if !self.incoming.acks.is_queued(raw) {
                            self.incoming.acks.push_ready(raw, AckReply::PubRec(pubrec));
                        }
                    }
                    Some(Qos2State::AwaitingApp { .. }) => {
                        if !self.incoming.acks.is_pending(raw) {
                            // Sent again on a new connection while the application still
                            // holds it: its acknowledgement will answer this one.
                            self.count_incoming(raw)?;
                            self.incoming.acks.push_pending(raw);
                        }
                    }
                }
                self.flush_acks();
                Ok(())
            }
        }
    }

    /// Counts an incoming QoS 1/2 PUBLISH against our Receive Maximum [MQTT-3.3.4-9].
    pub(super) fn count_incoming(&mut self, id: u16) -> Result<(), ProtocolError> {
        if self.incoming.window.contains(id) {
            return Ok(());
        }
        if !self.incoming.window.has_room() {
            return Err(ProtocolError::ReceiveMaximumExceeded(
                self.incoming.window.maximum(),
            ));
        }
        self.incoming.window.insert(id);
        Ok(())
    }

    /// Delivers a QoS 1/2 message that the application will acknowledge.
    pub(super) fn deliver_manual(&mut self, publish: Publish, packet_id: PacketId, delivery: u64) {
        let qos = publish.qos;
        let token = AckToken {
            packet_id,
            qos,
            delivery,
        };
        self.deliver(publish, Some(token));
    }

    pub(super) fn deliver(&mut self, publish: Publish, ack: Option<AckToken>) {
        self.events
            .push_back(Event::Message(Message { publish, ack }));
    }

    /// Writes the acknowledgements that may leave now, in arrival order.
    pub(super) fn flush_acks(&mut self) {
        if !matches!(self.state, State::Connected) {
            return;
        }
        while let Some((id, reply)) = self.incoming.acks.pop_ready() {
            match reply {
                AckReply::PubAck(puback) => {
                    self.incoming.qos1.remove(&id);
                    self.incoming.window.remove(id);
                    self.write_reply(Packet::PubAck(puback));
                }
                AckReply::PubRec(pubrec) => {
                    if pubrec.code.is_error() {
                        // The identifier is free again [MQTT-4.3.3-9].
                        self.incoming.qos2.remove(&id);
                        self.incoming.window.remove(id);
                    }
                    self.write_reply(Packet::PubRec(pubrec));
                }
            }
        }
    }
}
