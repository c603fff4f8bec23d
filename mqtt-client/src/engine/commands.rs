//! Commands of the application: publishes, SUBSCRIBE and UNSUBSCRIBE (sent, or queued until
//! connected), acknowledgements, disconnection and re-authentication.

use std::time::Instant;

use mqtt_kit_codec::Disconnect;
use mqtt_kit_session::ConnectionState;

use super::{Engine, PendingPublish, PendingSubscribe, PendingUnsubscribe, Request, answer};
use crate::client::{Command, DisconnectOptions, PublishCommand};
use crate::error::ClientError;
use crate::events::Event;

impl Engine {
    /// A publish from the application.
    pub(crate) fn publish(&mut self, command: PublishCommand, now: Instant) {
        let PublishCommand {
            id, publish, reply, ..
        } = command;
        let pending = PendingPublish { id, reply };
        match self.session.publish(publish) {
            Ok(token) => {
                self.publishes
                    .accepted(token, pending, now, !self.ever_connected);
            }
            Err(error) => answer(&self.listeners, pending, Err(error.into())),
        }
        self.dispatch(now);
    }

    /// Any other command from the application.
    pub(crate) fn command(&mut self, command: Command, now: Instant) {
        match command {
            Command::Subscribe { request, reply } => {
                let pending = PendingSubscribe {
                    request,
                    owner: None,
                    receiver: None,
                    reply,
                };
                self.request(Request::Subscribe(pending), now);
            }
            Command::Unsubscribe {
                filters,
                properties,
                reply,
            } => {
                let pending = PendingUnsubscribe {
                    filters,
                    properties,
                    reply,
                };
                self.request(Request::Unsubscribe(pending), now);
            }
            Command::Acknowledge {
                token,
                code,
                properties,
                reply,
            } => {
                let result = self
                    .session
                    .acknowledge_with(token, code, properties)
                    .map_err(ClientError::from);
                let _ = reply.send(result);
            }
            Command::Disconnect { options, reply } => {
                if let Some((_, Some(earlier))) = self.disconnect.take() {
                    let _ = earlier.send(Ok(()));
                }
                self.disconnect = Some((options, Some(reply)));
            }
            Command::Reauthenticate { reply } => {
                let result = self.session.reauthenticate().map_err(ClientError::from);
                let _ = reply.send(result);
            }
        }
        self.dispatch(now);
    }

    /// Every handle is gone: deliver what was accepted (while connected), then say goodbye.
    pub(crate) fn handles_gone(&mut self) {
        if !self.handles_gone {
            self.handles_gone = true;
            if self.disconnect.is_none() {
                self.disconnect = Some((DisconnectOptions::new().wait_for_in_flight(true), None));
            }
        }
    }

    /// Sends DISCONNECT when one was asked for and what it waits for is done.
    pub(crate) fn check_disconnect(&mut self, now: Instant, publishes_idle: bool) {
        let Some((options, _)) = &self.disconnect else {
            return;
        };
        let state = self.session.state();
        if self.end.reason.is_some() || state == ConnectionState::Disconnected {
            return;
        }
        if options.wait_for_in_flight
            && (!self.nothing_in_flight(publishes_idle) || state != ConnectionState::Connected)
        {
            return;
        }
        let mut disconnect = Disconnect::new(options.reason);
        disconnect.properties = options.properties.clone();
        if let Err(error) = self.session.disconnect(disconnect) {
            // Only a 5.0 Session Expiry rule can refuse it: disconnect plainly instead.
            let plain = Disconnect::new(options.reason);
            self.emit(Event::Error(error.into()));
            let _ = self.session.disconnect(plain);
        }
        self.dispatch(now);
    }

    /// Sends a SUBSCRIBE or UNSUBSCRIBE now, or queues it until connected.
    pub(super) fn request(&mut self, request: Request, now: Instant) {
        if self.session.state() != ConnectionState::Connected {
            self.requests.queue(now, request);
            return;
        }
        match request {
            Request::Subscribe(mut pending) => {
                let filters = pending.request.filters.clone();
                let properties = pending.request.properties.clone();
                let sent = match pending.owner {
                    Some(owner) => self.session.subscribe_for(owner, filters, properties),
                    None => self.session.subscribe(filters, properties),
                };
                match sent {
                    Ok(token) => {
                        let owner = *pending.owner.get_or_insert(token);
                        if pending.receiver.is_none() {
                            pending.receiver = Some(self.routes.open(owner));
                        }
                        self.requests.sent(token, Request::Subscribe(pending));
                    }
                    Err(error) => Request::Subscribe(pending).fail(error.into()),
                }
            }
            Request::Unsubscribe(pending) => {
                let sent = self
                    .session
                    .unsubscribe(pending.filters.clone(), pending.properties.clone());
                match sent {
                    Ok(token) => self.requests.sent(token, Request::Unsubscribe(pending)),
                    Err(error) => Request::Unsubscribe(pending).fail(error.into()),
                }
            }
        }
    }
}
