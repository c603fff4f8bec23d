//! What each session event means for the application: answers to waiting callers, messages
//! to their streams, events in the order their causes arrived.

use std::sync::Arc;
use std::time::Instant;

use mqtt_kit_session::{DisconnectReason, Event as SessionEvent, PublishAck, RequestToken};

use super::{Engine, FLUSH_TIMEOUT, Request};
use crate::error::ClientError;
use crate::events::{Event, Message, Published};
use crate::routing::Subscription;
use crate::state::ConnectionState;

impl Engine {
    /// Hands every session event to whoever waits for it.
    pub(super) fn dispatch(&mut self, now: Instant) {
        while let Some(event) = self.session.poll_event() {
            self.session_event(event, now);
        }
        self.monitor
            .set_pending(self.session.in_flight_len(), self.session.waiting_len());
        if std::mem::take(&mut self.subscriptions_changed) {
            let requests = &self.requests;
            self.routes
                .end_orphans(&self.session, |owner| requests.will_subscribe_for(owner));
        }
    }

    fn session_event(&mut self, event: SessionEvent, now: Instant) {
        match event {
            SessionEvent::Connected(connected) => {
                self.link.connected();
                if self.ever_connected {
                    self.monitor.count_reconnect();
                } else {
                    self.ever_connected = true;
                    self.publishes.first_connection();
                }
                self.monitor.set(ConnectionState::Connected);
                tracing::info!(
                    session_present = connected.session_present,
                    keep_alive = connected.keep_alive,
                    "connected"
                );
                self.emit(Event::Connected(connected));
                for (_, request) in self.requests.take_queued() {
                    self.request(request, now);
                }
            }
            SessionEvent::Message(message) => {
                self.monitor.count_received();
                self.message(Message::new(message));
            }
            SessionEvent::PublishDone { token, result } => {
                let Some(pending) = self.publishes.take(token) else {
                    return;
                };
                let result = match result {
                    Ok(PublishAck::Written) => {
                        // Done once its bytes, still in the session, are written.
                        let unqueued = self.session.transmit_len();
                        self.monitor.count_sent();
                        if let Some(pending) = self.publishes.encoded(pending, unqueued) {
                            super::answer(&self.listeners, pending, Ok(Published::Written));
                        }
                        return;
                    }
                    Ok(ack) => {
                        self.monitor.count_sent();
                        Ok(ack)
                    }
                    Err(error) => Err(error.into()),
                };
                super::answer(&self.listeners, pending, result);
            }
            SessionEvent::SubscribeDone { token, result } => {
                self.subscriptions_changed = true;
                let Some(Request::Subscribe(pending)) = self.requests.take_sent(token) else {
                    return;
                };
                let suback = match result {
                    Ok(suback) => suback,
                    // Cut off by the connection's end: sent again on the next one.
                    Err(_) => {
                        self.requests.queue(now, Request::Subscribe(pending));
                        return;
                    }
                };
                self.emit(Event::Subscribed {
                    suback: suback.clone(),
                    restored: false,
                });
                let owner = pending.owner;
                let identifier = owner.and_then(|owner| self.identifier_of(owner));
                let subscription = pending.receiver.map(|receiver| Subscription {
                    filters: pending
                        .request
                        .filters
                        .iter()
                        .map(|(filter, _)| filter.clone())
                        .collect(),
                    identifier: identifier.or(pending.request.properties.subscription_identifier),
                    receiver: Box::pin(receiver),
                    listeners: Arc::downgrade(&self.listeners),
                    suback: suback.clone(),
                });
                let result = match subscription {
                    Some(_) if suback.codes.iter().all(|code| code.is_error()) => {
                        // Dropped here: what it may hold goes to the Events streams.
                        Err(ClientError::SubscribeRefused(Box::new(suback)))
                    }
                    Some(subscription) => Ok(subscription),
                    None => Err(ClientError::SubscribeRefused(Box::new(suback))),
                };
                // A caller that gave up drops the answer: a Subscription dropped unread hands
                // its messages to the Events streams, so none is lost.
                let _ = pending.reply.send(result);
            }
            SessionEvent::UnsubscribeDone { token, result } => {
                self.subscriptions_changed = true;
                let Some(Request::Unsubscribe(pending)) = self.requests.take_sent(token) else {
                    return;
                };
                match result {
                    Ok(unsuback) => {
                        self.emit(Event::Unsubscribed(unsuback.clone()));
                        let _ = pending.reply.send(Ok(unsuback));
                    }
                    Err(_) => self.requests.queue(now, Request::Unsubscribe(pending)),
                }
            }
            SessionEvent::SubscriptionRestored(suback) => {
                self.subscriptions_changed = true;
                self.emit(Event::Subscribed {
                    suback,
                    restored: true,
                });
            }
            SessionEvent::SubscriptionNotRestored { filter, error } => {
                tracing::warn!(%filter, %error, "subscription not restored: forgotten");
                self.subscriptions_changed = true;
                self.emit(Event::SubscriptionNotRestored {
                    filter,
                    error: error.into(),
                });
            }
            SessionEvent::Reauthenticated(auth) => self.emit(Event::Auth(auth)),
            SessionEvent::Disconnected(reason) => self.disconnected(reason, now),
            // A kind of event this client does not know yet has nobody waiting for it.
            _ => {}
        }
    }

    /// An incoming message: to the streams of the subscriptions it belongs to, else to the
    /// `Events` streams. One that needs the application's acknowledgement is never
    /// acknowledged on its behalf: with no `Events` stream yet, it is held for the first.
    fn message(&mut self, message: Message) {
        if let Some(message) = self.routes.deliver(&self.session, message) {
            self.listeners.unclaimed(message, false);
        }
    }

    /// The connection is over. Its last bytes go out only when they say why we end it (our
    /// DISCONNECT), and for a moment at most; on a dead link they are dropped at once, and
    /// what they carried stays in the session to be sent again.
    fn disconnected(&mut self, reason: DisconnectReason, now: Instant) {
        let we_end_it = matches!(
            reason,
            DisconnectReason::Local(_)
                | DisconnectReason::ProtocolViolation(_)
                | DisconnectReason::AuthFailed(_)
        );
        match &reason {
            DisconnectReason::Local(_) => tracing::info!(%reason, "disconnected"),
            // The session has logged the violation itself, with the statement it breaks.
            _ => tracing::warn!(%reason, "disconnected"),
        }
        if let DisconnectReason::ProtocolViolation(error) = &reason {
            self.emit(Event::Error(ClientError::Protocol(error.clone())));
        }
        self.emit(Event::Disconnected(reason.clone()));
        self.end.flush_until = we_end_it.then(|| now + FLUSH_TIMEOUT);
        self.end.reason = Some(reason);
    }

    /// The Subscription Identifier the subscriptions of `owner` were made with.
    fn identifier_of(&self, owner: RequestToken) -> Option<mqtt_kit_codec::SubscriptionId> {
        self.session
            .subscriptions()
            .find(|subscription| subscription.owner == owner)
            .and_then(|subscription| subscription.properties.subscription_identifier)
    }
}
