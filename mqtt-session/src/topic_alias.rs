//! Topic aliases: incoming ones resolved, outgoing ones assigned automatically.
//!
//! Outgoing, the session gives each topic it publishes on an alias while the server's Topic
//! Alias Maximum allows, and reuses the least recently used alias when all are taken; it never
//! sends alias 0 or one above the server's maximum [MQTT-3.3.2-8] [MQTT-3.3.2-9]
//! [MQTT-3.2.2-17], and none at all when the maximum is absent or 0 [MQTT-3.2.2-18].
//! Incoming, every alias from 1 to the maximum we sent is accepted [MQTT-3.3.2-10]. Both maps
//! belong to one network connection and are forgotten with it [MQTT-3.3.2-7].

use std::collections::HashMap;

/// Outgoing aliases, least recently used reassigned first.
#[derive(Debug, Clone, Default)]
pub struct OutgoingAliases {
    maximum: u16,
    by_topic: HashMap<String, (u16, u64)>,
    by_alias: HashMap<u16, String>,
    clock: u64,
}

/// How to send a PUBLISH's topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasUse {
    /// No alias: the topic name alone.
    None,
    /// A new mapping: the topic name and this alias.
    Assign(u16),
    /// An existing mapping: this alias and an empty topic name.
    Reuse(u16),
}

impl OutgoingAliases {
    /// No aliases (a maximum of 0) until a CONNACK says otherwise.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a new connection whose server accepts aliases 1..=`maximum`.
    pub fn reset(&mut self, maximum: u16) {
        self.maximum = maximum;
        self.by_topic.clear();
        self.by_alias.clear();
        self.clock = 0;
    }

    /// How a PUBLISH on `topic` would be sent now, without recording anything (see
    /// [`OutgoingAliases::commit`]).
    pub fn choose(&self, topic: &str) -> AliasUse {
        if self.maximum == 0 || topic.is_empty() {
            return AliasUse::None;
        }
        if let Some((alias, _)) = self.by_topic.get(topic) {
            return AliasUse::Reuse(*alias);
        }
        if self.by_alias.len() < usize::from(self.maximum) {
            // Aliases are handed out from 1 upwards, so the next free one is len + 1.
            return AliasUse::Assign(self.by_alias.len() as u16 + 1);
        }
        self.by_topic
            .values()
            .min_by_key(|(_, last_used)| *last_used)
            .map_or(AliasUse::None, |(alias, _)| AliasUse::Assign(*alias))
    }

    /// Records that a PUBLISH on `topic` was sent as `choice` said.
    pub fn commit(&mut self, topic: &str, choice: AliasUse) {
        self.clock += 1;
        match choice {
            AliasUse::None => {}
            AliasUse::Reuse(_) => {
                if let Some((_, last_used)) = self.by_topic.get_mut(topic) {
                    *last_used = self.clock;
                }
            }
            AliasUse::Assign(alias) => {
                if let Some(old_topic) = self.by_alias.insert(alias, topic.to_owned()) {
                    self.by_topic.remove(&old_topic);
                }
                self.by_topic.insert(topic.to_owned(), (alias, self.clock));
            }
        }
    }
}

/// Why an incoming topic alias cannot be resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasError {
    /// 0, or above the maximum we sent (DISCONNECT 0x94 Topic Alias invalid).
    OutOfRange(u16),
    /// An empty topic name with an alias that has no mapping yet (a Protocol Error).
    Unknown(u16),
}

/// Incoming aliases, up to the Topic Alias Maximum we sent in CONNECT; `T` is the topic type.
#[derive(Debug, Clone)]
pub struct IncomingAliases<T> {
    maximum: u16,
    topics: HashMap<u16, T>,
}

impl<T: Clone> IncomingAliases<T> {
    /// Accepts aliases 1..=`maximum` (0: none).
    pub fn new(maximum: u16) -> Self {
        Self {
            maximum,
            topics: HashMap::new(),
        }
    }

    /// Forgets every mapping (a new connection).
    pub fn clear(&mut self) {
        self.topics.clear();
    }

    /// The topic a PUBLISH is on: `topic` itself, recorded under `alias` when both are
    /// given, or the topic recorded under `alias` when `topic` is empty.
    pub fn resolve(
        &mut self,
        topic: &T,
        is_empty: bool,
        alias: Option<u16>,
    ) -> Result<Option<T>, AliasError> {
        let Some(alias) = alias else {
            return Ok(None);
        };
        if alias == 0 || alias > self.maximum {
            return Err(AliasError::OutOfRange(alias));
        }
        if is_empty {
            return self
                .topics
                .get(&alias)
                .cloned()
                .map(Some)
                .ok_or(AliasError::Unknown(alias));
        }
        self.topics.insert(alias, topic.clone());
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chooses, then sends as chosen, as the session does.
    fn use_for(aliases: &mut OutgoingAliases, topic: &str) -> AliasUse {
        let choice = aliases.choose(topic);
        aliases.commit(topic, choice);
        choice
    }

    #[test]
    fn outgoing_assigns_then_reuses_then_evicts_the_least_recently_used() {
        let mut aliases = OutgoingAliases::new();
        assert_eq!(use_for(&mut aliases, "a"), AliasUse::None);
        aliases.reset(2);
        assert_eq!(use_for(&mut aliases, "a"), AliasUse::Assign(1));
        assert_eq!(use_for(&mut aliases, "b"), AliasUse::Assign(2));
        assert_eq!(use_for(&mut aliases, "a"), AliasUse::Reuse(1));
        // b is now the least recently used: c takes its alias.
        assert_eq!(use_for(&mut aliases, "c"), AliasUse::Assign(2));
        assert_eq!(use_for(&mut aliases, "b"), AliasUse::Assign(1));
        aliases.reset(1);
        assert_eq!(use_for(&mut aliases, "b"), AliasUse::Assign(1));
    }

    #[test]
    fn incoming_checks_the_range_and_known_aliases() {
        let mut aliases = IncomingAliases::new(3);
        let t = "t";
        assert_eq!(aliases.resolve(&t, false, None), Ok(None));
        assert_eq!(
            aliases.resolve(&t, false, Some(0)),
            Err(AliasError::OutOfRange(0))
        );
        assert_eq!(
            aliases.resolve(&t, false, Some(4)),
            Err(AliasError::OutOfRange(4))
        );
        assert_eq!(
            aliases.resolve(&"", true, Some(3)),
            Err(AliasError::Unknown(3))
        );
        assert_eq!(aliases.resolve(&t, false, Some(3)), Ok(None));
        assert_eq!(aliases.resolve(&"", true, Some(3)), Ok(Some("t")));
        aliases.clear();
        assert_eq!(
            aliases.resolve(&"", true, Some(3)),
            Err(AliasError::Unknown(3))
        );
    }
}
