use mqtt_kit_session::{Damage, Journal, JournalError};
use proptest::prelude::*;

use crate::support::{Dir, history, write};

/// The damage `Journal::open` reports for `bytes`, having left them as they were.
fn damage_of(dir: &Dir, bytes: &[u8]) -> JournalError {
    let path = dir.file("damaged");
    std::fs::write(&path, bytes).unwrap();
    let error = Journal::open(&path, false).unwrap_err();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the file is untouched"
    );
    error
}

/// A frame with a good checksum around `body`.
fn frame(body: &[u8]) -> Vec<u8> {
    let len = (body.len() as u32).to_be_bytes();
    let mut out = len.to_vec();
    out.extend(crc32fast::hash(&len).to_be_bytes());
    out.extend(crc32fast::hash(body).to_be_bytes());
    out.extend(body);
    out
}

#[test]
fn each_kind_of_damage_is_a_typed_error_that_leaves_the_file_untouched() {
    let dir = Dir::new("damage");
    let good = write(&dir.file("good"), &history());
    let header = &good[..12];
    let first = 12;

    let mut bytes = good.clone();
    bytes[0] ^= 0x20;
    assert!(matches!(
        damage_of(&dir, &bytes),
        JournalError::BadHeader { .. }
    ));

    let mut bytes = good.clone();
    bytes[11] = 2;
    assert!(matches!(
        damage_of(&dir, &bytes),
        JournalError::UnsupportedVersion { version: 2, .. }
    ));

    // A length made larger than the rest of the file: not taken for a torn tail.
    let mut bytes = good.clone();
    bytes[first + 1] = 0x10;
    match damage_of(&dir, &bytes) {
        JournalError::Damaged { offset, damage, .. } => {
            assert_eq!((offset, damage), (12, Damage::LengthChecksum));
        }
        other => panic!("{other}"),
    }

    let mut bytes = good.clone();
    bytes[first + 13] ^= 1;
    assert!(matches!(
        damage_of(&dir, &bytes),
        JournalError::Damaged {
            damage: Damage::ContentChecksum,
            ..
        }
    ));

    let impossible = u32::MAX.to_be_bytes();
    let mut bytes = header.to_vec();
    bytes.extend(impossible);
    bytes.extend(crc32fast::hash(&impossible).to_be_bytes());
    bytes.extend([0; 8]);
    assert!(matches!(
        damage_of(&dir, &bytes),
        JournalError::Damaged {
            damage: Damage::ImpossibleLength(u32::MAX),
            ..
        }
    ));

    let kinds: [(&[u8], Damage); 4] = [
        (&[42], Damage::UnknownKind(42)),
        (&[1, 2], Damage::Malformed("established flag not 0 or 1")),
        (&[4, 0, 0], Damage::Malformed("packet identifier 0")),
        (
            &[3, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1],
            Damage::Inconsistent("a PUBREL stage for a packet identifier not on record"),
        ),
    ];
    for (body, expected) in kinds {
        let mut bytes = header.to_vec();
        bytes.extend(frame(body));
        // Followed by a good record: the damage is not at the end, and that changes nothing.
        bytes.extend(&good[first..]);
        match damage_of(&dir, &bytes) {
            JournalError::Damaged { offset, damage, .. } => {
                assert_eq!((offset, damage), (12, expected));
            }
            other => panic!("{other}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Any byte of a journal changed: loading it fails, or gives exactly the same state. It
    /// never gives another state.
    #[test]
    fn a_changed_byte_never_loads_different_contents(position in any::<prop::sample::Index>(), flip in 1u8..=255) {
        thread_local! {
            static GOOD: (Dir, Vec<u8>, mqtt_kit_session::StoredSession) = {
                let dir = Dir::new(&format!("flip-{:?}", std::thread::current().id()));
                let bytes = write(&dir.file("good"), &history());
                let state = Journal::load(dir.file("good")).unwrap().state;
                (dir, bytes, state)
            };
        }
        GOOD.with(|(dir, good, state)| {
            let mut bytes = good.clone();
            let at = position.index(bytes.len());
            bytes[at] ^= flip;
            let path = dir.file("flipped");
            std::fs::write(&path, &bytes).unwrap();
            if let Ok(loaded) = Journal::load(&path) {
                prop_assert_eq!(&loaded.state, state, "byte {} ^ {:#x}", at, flip);
                prop_assert_eq!(loaded.torn_tail, None);
            }
            Ok(())
        })?;
    }

    /// Arbitrary bytes after a good header never panic, and never load without a reason.
    #[test]
    fn arbitrary_records_never_panic(tail in prop::collection::vec(any::<u8>(), 0..200)) {
        let dir = Dir::new(&format!("arbitrary-{:?}", std::thread::current().id()));
        let path = dir.file("j");
        let mut bytes = b"MQTTJRNL\0\0\0\x01".to_vec();
        bytes.extend(&tail);
        std::fs::write(&path, &bytes).unwrap();
        let _ = Journal::load(&path);
    }
}
