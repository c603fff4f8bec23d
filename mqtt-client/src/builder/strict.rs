//! Switches for brokers that mishandle what the client does on its own, and for sessions
//! that must follow MQTT 5.0 to the letter.

use super::OptionsBuilder;

impl OptionsBuilder {
    /// MQTT 5.0: give outgoing topics Topic Aliases automatically, within the broker's Topic
    /// Alias Maximum, so that a topic is sent in full once and then as a 2-byte alias.
    /// Default: `true` (used only when the broker announces a Topic Alias Maximum). Turn it
    /// off for a broker that mishandles aliases: every PUBLISH then carries its topic and no
    /// Topic Alias property.
    pub fn topic_aliases(mut self, automatic: bool) -> Self {
        self.topic_aliases = automatic;
        self
    }

    /// Whether a client with no session state of its own (a new process, without a
    /// [journal](Self::journal)) that asks to resume (`clean(false)`) may take over the
    /// session the broker kept (CONNACK with Session Present 1). Default: `true`: what a
    /// persistent subscriber that restarts needs to receive what was queued for it, and safe
    /// (nothing of ours was in flight). Off, MQTT 5.0 is followed to the letter
    /// ([MQTT-3.2.2-4]): such a CONNACK ends the connection with a Protocol Error and the next
    /// connection asks for a clean start, which discards what the broker queued.
    pub fn empty_state_may_resume(mut self, allowed: bool) -> Self {
        self.empty_state_may_resume = allowed;
        self
    }
}

#[cfg(test)]
mod tests {
    use crate::Options;

    fn builder() -> crate::OptionsBuilder {
        Options::builder().uri("mqtt://127.0.0.1:1883")
    }

    #[test]
    fn strict_switches_reach_the_session() {
        let defaults = builder().build().unwrap();
        let config = defaults.session_config();
        assert!(config.auto_topic_alias && config.empty_state_may_resume);
        assert!(config.auto_subscription_identifiers);
        let strict = builder()
            .topic_aliases(false)
            .empty_state_may_resume(false)
            .subscription_identifiers(false)
            .build()
            .unwrap();
        let config = strict.session_config();
        assert!(!config.auto_topic_alias && !config.empty_state_may_resume);
        assert!(!config.auto_subscription_identifiers);
    }
}
