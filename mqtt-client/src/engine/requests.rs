//! SUBSCRIBE and UNSUBSCRIBE requests of the application: sent and awaiting their answer, or
//! queued until there is a connection (the session takes requests only while connected).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use mqtt_kit_codec::{TopicFilter, UnsubAck, UnsubscribeProperties};
use mqtt_kit_session::RequestToken;

use crate::client::Reply;
use crate::error::ClientError;
use crate::events::Message;
use crate::routing::{SubscribeRequest, Subscription};

/// A subscribe request on its way.
pub(crate) struct PendingSubscribe {
    pub(crate) request: SubscribeRequest,
    /// The token of its first SUBSCRIBE, which owns the subscriptions it makes; `None` until
    /// it is first sent.
    pub(crate) owner: Option<RequestToken>,
    /// Its stream's receiving end, from its first sending on (messages may come before the
    /// SUBACK).
    pub(crate) receiver: Option<async_channel::Receiver<Message>>,
    pub(crate) reply: Reply<Subscription>,
}

/// An unsubscribe request on its way.
pub(crate) struct PendingUnsubscribe {
    pub(crate) filters: Vec<TopicFilter>,
    pub(crate) properties: UnsubscribeProperties,
    pub(crate) reply: Reply<UnsubAck>,
}

/// A request of either kind.
pub(crate) enum Request {
    Subscribe(PendingSubscribe),
    Unsubscribe(PendingUnsubscribe),
}

impl Request {
    /// Answers with `error`: the request is over.
    pub(crate) fn fail(self, error: ClientError) {
        match self {
            Request::Subscribe(pending) => {
                let _ = pending.reply.send(Err(error));
            }
            Request::Unsubscribe(pending) => {
                let _ = pending.reply.send(Err(error));
            }
        }
    }

    fn owner(&self) -> Option<RequestToken> {
        match self {
            Request::Subscribe(pending) => pending.owner,
            Request::Unsubscribe(_) => None,
        }
    }
}

/// The requests not answered yet.
#[derive(Default)]
pub(crate) struct Requests {
    /// Sent, by the token of the session's request.
    sent: HashMap<RequestToken, Request>,
    /// Waiting for a connection, in order, with when each began to wait.
    queued: VecDeque<(Instant, Request)>,
}

impl Requests {
    pub(crate) fn queue(&mut self, now: Instant, request: Request) {
        self.queued.push_back((now, request));
    }

    /// Takes every queued request, oldest first (to send them).
    pub(crate) fn take_queued(&mut self) -> VecDeque<(Instant, Request)> {
        std::mem::take(&mut self.queued)
    }

    pub(crate) fn sent(&mut self, token: RequestToken, request: Request) {
        self.sent.insert(token, request);
    }

    pub(crate) fn take_sent(&mut self, token: RequestToken) -> Option<Request> {
        self.sent.remove(&token)
    }

    /// Whether a queued request will make subscriptions for `owner` (its stream stays).
    pub(crate) fn will_subscribe_for(&self, owner: RequestToken) -> bool {
        self.queued
            .iter()
            .any(|(_, request)| request.owner() == Some(owner))
    }

    /// When the oldest queued request began to wait.
    pub(crate) fn oldest(&self) -> Option<Instant> {
        self.queued.front().map(|(since, _)| *since)
    }

    /// Takes the queued requests that have waited `timeout` or longer at `now`.
    pub(crate) fn expired(&mut self, now: Instant, timeout: Duration) -> Vec<Request> {
        let mut expired = Vec::new();
        while self
            .queued
            .front()
            .is_some_and(|(since, _)| now.saturating_duration_since(*since) >= timeout)
        {
            if let Some((_, request)) = self.queued.pop_front() {
                expired.push(request);
            }
        }
        expired
    }
}
