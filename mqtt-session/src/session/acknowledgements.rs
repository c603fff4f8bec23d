//! Acknowledgements from the server: PUBACK, PUBREC, PUBCOMP, SUBACK, UNSUBACK.

use super::*;

impl Session {
    pub(super) fn on_puback(&mut self, puback: PubAck) -> Result<(), ProtocolError> {
        let id = puback.packet_id.get();
        match self.in_flight.get(id) {
            Some(entry) if entry.publish.qos == QoS::AtLeastOnce => {}
            _ => {
                return Err(ProtocolError::UnknownPacketId {
                    packet: PacketType::PubAck,
                    packet_id: id,
                });
            }
        }
        let result = if puback.code.is_error() {
            Err(PublishError::RejectedPubAck(puback))
        } else {
            Ok(PublishAck::PubAck(puback))
        };
        self.finish_outgoing(id, result);
        Ok(())
    }

    /// A PUBREC. Only a successful one (reason code below 0x80) gets a PUBREL
    /// [MQTT-4.3.3-4]: a failed one ends the exchange, whatever stage it was in.
    pub(super) fn on_pubrec(&mut self, pubrec: PubRec) -> Result<(), ProtocolError> {
        let packet_id = pubrec.packet_id;
        let id = packet_id.get();
        let failed = pubrec.code.is_error();
        match self.in_flight.get(id).map(|e| (e.publish.qos, e.stage)) {
            Some((QoS::ExactlyOnce, Stage::Published)) => {}
            Some((QoS::ExactlyOnce, Stage::Released)) if !failed => {
                // Our PUBREL crossed a repeated PUBREC: send it again.
                self.write_reply(Packet::PubRel(PubRel::new(packet_id)));
                return Ok(());
            }
            Some((QoS::ExactlyOnce, Stage::Released)) => {}
            // A failed PUBREC for nothing of ours needs no answer: there is no flow to end.
            None if failed => return Ok(()),
            None if self.config.version == ProtocolVersion::V5 => {
                self.write_reply(Packet::PubRel(PubRel {
                    packet_id,
                    code: PubRelReasonCode::PacketIdentifierNotFound,
                    properties: Default::default(),
                }));
                return Ok(());
            }
            _ => {
                return Err(ProtocolError::UnknownPacketId {
                    packet: PacketType::PubRec,
                    packet_id: id,
                });
            }
        }
        if failed {
            // Treated as acknowledged, never sent again [MQTT-4.4.0-2]; the server refused
            // it, so the publisher hears so even after an earlier successful PUBREC.
            self.finish_outgoing(id, Err(PublishError::RejectedPubRec(pubrec)));
            return Ok(());
        }
        let order = self.in_flight.take_order();
        self.record(Record::ReleaseOutgoing { packet_id, order });
        self.in_flight.release(id, order);
        self.write_reply(Packet::PubRel(PubRel::new(packet_id)));
        Ok(())
    }

    pub(super) fn on_pubcomp(&mut self, pubcomp: PubComp) -> Result<(), ProtocolError> {
        let id = pubcomp.packet_id.get();
        match self.in_flight.get(id) {
            Some(entry) if entry.stage == Stage::Released => {}
            _ => {
                return Err(ProtocolError::UnknownPacketId {
                    packet: PacketType::PubComp,
                    packet_id: id,
                });
            }
        }
        self.finish_outgoing(id, Ok(PublishAck::PubComp(pubcomp)));
        Ok(())
    }

    /// An outgoing exchange is over: frees its identifier and window slot, tells the
    /// application, and lets waiting publishes go.
    pub(super) fn finish_outgoing(&mut self, id: u16, result: Result<PublishAck, PublishError>) {
        self.complete_outgoing(id, result);
        self.pump();
    }

    /// [`Session::finish_outgoing`] without sending what waits (for the pump itself).
    pub(super) fn complete_outgoing(&mut self, id: u16, result: Result<PublishAck, PublishError>) {
        let Some(entry) = self.in_flight.remove(id) else {
            return;
        };
        if let Some(packet_id) = entry.packet_id() {
            self.ids.release(packet_id);
            self.record(Record::RemoveOutgoing(packet_id));
        }
        self.out_window.remove(id);
        self.events.push_back(Event::PublishDone {
            token: entry.token,
            result,
        });
    }

    pub(super) fn on_pubrel(&mut self, pubrel: PubRel) -> Result<(), ProtocolError> {
        let packet_id = pubrel.packet_id;
        let id = packet_id.get();
        match self.incoming.qos2.get(&id) {
            Some(Qos2State::Recorded) if !self.incoming.acks.is_pending(id) => {
                self.record(Record::RemoveIncoming(packet_id));
                self.incoming.qos2.remove(&id);
                self.incoming.window.remove(id);
                self.write_reply(Packet::PubComp(PubComp::new(packet_id)));
                Ok(())
            }
            Some(_) => Err(ProtocolError::PubRelBeforePubRec(id)),
            None => {
                // Not known (already completed, or state lost): complete it anyway; 5.0 says
                // why [MQTT-4.3.3-11].
                let code = if self.config.version == ProtocolVersion::V5 {
                    PubCompReasonCode::PacketIdentifierNotFound
                } else {
                    PubCompReasonCode::Success
                };
                self.write_reply(Packet::PubComp(PubComp {
                    packet_id,
                    code,
                    properties: Default::default(),
                }));
                Ok(())
            }
        }
    }

    pub(super) fn on_suback(&mut self, suback: SubAck) -> Result<(), ProtocolError> {
        let id = suback.packet_id.get();
        let Some(Request {
            token,
            kind:
                RequestKind::Subscribe {
                    filters,
                    properties,
                    restore,
                    owner,
                },
        }) = self.take_request(id, true)
        else {
            return Err(ProtocolError::UnknownPacketId {
                packet: PacketType::SubAck,
                packet_id: id,
            });
        };
        if suback.codes.len() != filters.len() {
            return Err(ProtocolError::ReasonCodeCount {
                packet: PacketType::SubAck,
                expected: filters.len(),
                got: suback.codes.len(),
            });
        }
        for ((filter, options), code) in filters.into_iter().zip(&suback.codes) {
            if !code.is_error() {
                self.subscriptions.grant(Subscription {
                    filter,
                    options,
                    properties: properties.clone(),
                    owner,
                });
            } else if restore {
                // The new session has no such subscription: forget it (the application sees
                // the refusal in SubscriptionRestored).
                self.subscriptions.revoke(&filter);
            }
        }
        self.events.push_back(if restore {
            Event::SubscriptionRestored(suback)
        } else {
            Event::SubscribeDone {
                token,
                result: Ok(suback),
            }
        });
        Ok(())
    }

    pub(super) fn on_unsuback(&mut self, unsuback: UnsubAck) -> Result<(), ProtocolError> {
        let id = unsuback.packet_id.get();
        let Some(Request {
            token,
            kind: RequestKind::Unsubscribe { filters },
        }) = self.take_request(id, false)
        else {
            return Err(ProtocolError::UnknownPacketId {
                packet: PacketType::UnsubAck,
                packet_id: id,
            });
        };
        let v5 = self.config.version == ProtocolVersion::V5;
        if v5 && unsuback.codes.len() != filters.len() {
            return Err(ProtocolError::ReasonCodeCount {
                packet: PacketType::UnsubAck,
                expected: filters.len(),
                got: unsuback.codes.len(),
            });
        }
        for (index, filter) in filters.iter().enumerate() {
            let removed = !v5
                || unsuback
                    .codes
                    .get(index)
                    .is_some_and(|code| !code.is_error());
            if removed {
                self.subscriptions.revoke(filter);
            }
        }
        self.events.push_back(Event::UnsubscribeDone {
            token,
            result: Ok(unsuback),
        });
        Ok(())
    }

    /// Takes the request of packet identifier `id` if it is of the kind expected.
    pub(super) fn take_request(&mut self, id: u16, subscribe: bool) -> Option<Request> {
        let request = self.subscriptions.pending.get(&id)?;
        if matches!(request.kind, RequestKind::Subscribe { .. }) != subscribe {
            return None;
        }
        let request = self.subscriptions.pending.remove(&id)?;
        if let Some(packet_id) = PacketId::new(id) {
            self.ids.release(packet_id);
        }
        Some(request)
    }

    pub(super) fn on_auth(&mut self, auth: Auth) -> Result<(), ProtocolError> {
        let connecting = matches!(self.state, State::Connecting { .. });
        let Some(authenticator) = self.authenticator.as_mut() else {
            return Err(ProtocolError::AuthWithoutMethod);
        };
        let method = authenticator.method().to_owned();
        if auth.properties.authentication_method.as_deref() != Some(method.as_str()) {
            return Err(ProtocolError::AuthMethodMismatch {
                expected: method,
                got: auth
                    .properties
                    .authentication_method
                    .map(|got| got.to_string()),
            });
        }
        match auth.code {
            AuthReasonCode::ContinueAuthentication if connecting || self.reauthenticating => {
                match authenticator.respond(auth.properties.authentication_data.as_ref()) {
                    Ok(data) => {
                        let reply = Auth {
                            code: AuthReasonCode::ContinueAuthentication,
                            properties: AuthProperties {
                                authentication_method: Some(method.into()),
                                authentication_data: data,
                                ..Default::default()
                            },
                        };
                        self.write_reply(Packet::Auth(reply));
                    }
                    Err(error) => self.auth_failed(error),
                }
                Ok(())
            }
            AuthReasonCode::Success if self.reauthenticating => {
                match authenticator.finish(auth.properties.authentication_data.as_ref()) {
                    Ok(()) => {
                        self.reauthenticating = false;
                        self.events.push_back(Event::Reauthenticated(auth));
                    }
                    Err(error) => self.auth_failed(error),
                }
                Ok(())
            }
            other => Err(ProtocolError::UnexpectedAuth(other.code())),
        }
    }
}
