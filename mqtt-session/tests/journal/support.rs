//! Records of every kind and a directory per test.

use std::path::{Path, PathBuf};

use mqtt_kit_codec::{PacketId, Publish, QoS, TopicName};
use mqtt_kit_session::Record;
use mqtt_kit_session::StoredPublish;

/// A fresh directory for one test, removed when dropped.
pub struct Dir(PathBuf);

impl Dir {
    pub fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("mqtt-journal-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn id(n: u16) -> PacketId {
    PacketId::new(n).unwrap()
}

pub fn publish(topic: &str, payload: &str, qos: QoS, packet_id: Option<u16>) -> Publish {
    let mut publish = Publish::new(TopicName::try_from(topic).unwrap(), payload.to_owned(), qos);
    publish.packet_id = packet_id.map(id);
    publish.properties.content_type = Some("text/plain".into());
    publish
}

pub fn saved(packet_id: u16, order: u64) -> Record {
    Record::SaveOutgoing(StoredPublish {
        order,
        publish: publish(
            "a/b",
            &format!("m{packet_id}"),
            QoS::ExactlyOnce,
            Some(packet_id),
        ),
        released: false,
    })
}

/// A history with every kind of record, ending on a queued publish.
pub fn history() -> Vec<Record> {
    vec![
        Record::Established(true),
        saved(1, 0),
        saved(2, 1),
        saved(3, 2),
        Record::ReleaseOutgoing {
            packet_id: id(1),
            order: 3,
        },
        Record::RemoveOutgoing(id(2)),
        Record::SaveIncoming(id(7)),
        Record::SaveIncoming(id(8)),
        Record::RemoveIncoming(id(7)),
        Record::Queue {
            seq: 10,
            publish: publish("q", "first", QoS::AtLeastOnce, None),
        },
        Record::Queue {
            seq: 11,
            publish: publish("q", "second", QoS::AtMostOnce, None),
        },
        Record::Unqueue(10),
        Record::Queue {
            seq: 12,
            publish: publish("q", "third", QoS::ExactlyOnce, None),
        },
    ]
}

/// Writes `records` one batch each (no fsync) and returns the file's bytes.
pub fn write(path: &Path, records: &[Record]) -> Vec<u8> {
    let mut journal = mqtt_kit_session::Journal::open(path, false).unwrap();
    for record in records {
        journal.append(std::slice::from_ref(record)).unwrap();
    }
    drop(journal);
    std::fs::read(path).unwrap()
}
