// Package vault owns the otter vault: its file format, its cryptography, the
// unlock slots, durable storage and the data model. It is pure Go, with no UI
// and no cgo.
//
// # Using it
//
// [Create] makes a new vault with at least two unlock slots (one per
// [Credential]). [Load] reads and checks a vault file without any key and
// returns a [Locked] vault; [Locked.Unlock] turns it into a [Vault] with one
// credential. Every change goes through [Vault.Update], a transaction that
// serialises writers across processes with a lock file and never loses
// another writer's change.
//
// # File layout (version 1)
//
// All integers are big endian.
//
//	offset  size  field
//	0       8     magic "OTTERVLT"
//	8       2     version (uint16, = 1)
//	10      4     header length H (uint32, ≤ 1 MiB)
//	14      H     header (JSON, see below)
//	14+H    24    payload nonce (fresh random on every save)
//	38+H    P     payload ciphertext: XChaCha20-Poly1305 under the DEK,
//	              associated data = bytes [0, 14+H), i.e. every byte before
//	              the nonce, so no byte of the header can change unnoticed
//	end-32  32    SHA-256 of every byte before it
//
// The whole file is at most 64 MiB. The checksum is verified first: a file
// whose checksum fails (a flipped bit, a truncation) is reported as corrupt
// ([ErrCorrupt], as a [*CorruptError] naming the newest readable backup),
// never as a wrong credential. Only then are the magic, the version
// ([ErrUnsupportedVersion]) and the header checked.
//
// The header is JSON with the fields vault_id (16 random bytes, hex),
// generation (incremented by every save), created, updated and slots (at most
// 16, see [Slot]). The plaintext payload holds the [Data] and every slot's
// slot key in the encoding below.
//
// # Payload encoding
//
// The payload is in the protocol buffers wire format, written and read by
// hand (there is no generated code). As a .proto schema:
//
//	message Payload {
//	  Data data = 1;                   // required
//	  repeated SlotKey slot_keys = 2;  // at most 16, written sorted by slot_id
//	}
//	message SlotKey { string slot_id = 1; bytes key = 2; }  // key: 32 bytes
//	message Data {
//	  string device_id = 1;
//	  repeated Account accounts = 2;      // at most 100 000
//	  repeated RecoverySet recovery = 3;  // at most 100 000
//	  repeated HardwareKey keys = 4;      // at most 100 000
//	  repeated AuditEvent audit = 5;      // at most 10 000
//	  Settings settings = 6;
//	  Stamp clock = 7;
//	}
//	message Stamp { int64 ms = 1; uint32 c = 2; string dev = 3; }
//	message Account {
//	  string id = 1;          string issuer = 2;      string name = 3;
//	  bytes secret = 4;       string type = 5;        string algorithm = 6;
//	  int64 digits = 7;       int64 period = 8;       uint64 counter = 9;
//	  sfixed64 created = 10;  sfixed64 updated = 11;  Stamp stamp = 12;
//	  sfixed64 last_used = 13;  int64 use_count = 14;  bool deleted = 15;
//	  bool pinned = 16;       repeated string tags = 17;  // at most 64
//	  string notes = 18;      string url = 19;
//	}
//	message RecoverySet {
//	  string id = 1;  string account_id = 2;
//	  repeated RecoveryCode codes = 3;  // at most 1000
//	  Stamp stamp = 4;  bool deleted = 5;
//	}
//	message RecoveryCode { string code = 1; sfixed64 added = 2; sfixed64 used_at = 3; }
//	message HardwareKey {
//	  string id = 1;  string nickname = 2;  string aaguid = 3;  string product = 4;
//	  sfixed64 added = 5;  bool lost = 6;
//	  repeated string accounts = 7;  // account ids, at most 100 000
//	  string slot_id = 8;  Stamp stamp = 9;  bool deleted = 10;
//	}
//	message AuditEvent { string id = 1; sfixed64 at = 2; string kind = 3; string detail = 4; }
//	message Settings { int64 clipboard_clear = 1; int64 auto_lock = 2; }  // nanoseconds
//
// Field numbers are never renumbered or reused. The rules:
//
//   - A field holding its zero value is not written, and an absent field
//     decodes as the zero value. Empty and nil slices (a secret, tags, codes,
//     any list) are both written as nothing and decode as nil; an empty
//     string inside a list is kept.
//   - Times are unix nanoseconds (sfixed64); the zero time.Time is absent,
//     so the unix epoch itself (0) stays distinct from it. Times decode in
//     UTC without a monotonic reading; a save refuses times outside the
//     years 1678 to 2262 ([ErrLimit]). Durations are int64 nanoseconds, Go
//     ints are int64 varints.
//   - Strings are stored as given, without a UTF-8 check.
//   - As in protobuf, a reader skips fields it does not know (any field
//     number, or a known number with another wire type), so that an older
//     build reads a newer payload; it does not keep them when it saves. Of a
//     repeated singular field the last wins; a repeated message merges.
//   - Decoding is bounded: every length is checked against the bytes left,
//     the lists are capped as above, and records and list items together
//     (accounts, tags, recovery sets and codes, hardware keys and their
//     account ids, audit events) number at most 1 000 000, which a save
//     also enforces. Whatever the payload, decoding allocates at most about
//     100 MiB of records besides the copies of its strings and secrets.
//
// # Key hierarchy
//
//	credential ──KEK──▶ slot key ──▶ DEK ──▶ payload (Data + all slot keys)
//
// In detail:
//
//   - The DEK (data encryption key) is 32 random bytes; it seals the payload.
//   - Every slot has its own random 32-byte slot key. The slot stores it as
//     Wrapped = nonce ‖ XChaCha20-Poly1305(KEK, slot key,
//     ad = vault id ‖ slot id ‖ slot type), and stores the DEK as
//     WrappedDEK = nonce ‖ XChaCha20-Poly1305(slot key, DEK,
//     ad = vault id ‖ slot id ‖ "dek"). Vault and slot ids are 32 hex
//     characters, so the concatenations are unambiguous.
//   - The KEK (key encryption key) comes from the credential: Argon2id of the
//     password with the slot's salt and parameters; HKDF-SHA256 of the
//     recovery key with the slot's salt; HKDF-SHA256 of a random 32-byte
//     secret kept in the OS keyring; HKDF of a FIDO2 hmac-secret output.
//   - A password slot stores its Argon2id cost as "kdf": {"memory" (KiB),
//     "time" (passes), "threads" (lanes)}. New slots get 128 MiB and 4
//     lanes, with the passes that [CalibrateKDF] finds make one derivation
//     take about 0.5 s on the machine that creates the slot (at least 3;
//     [DefaultKDF] when no calibration is asked for). Every stored cost is
//     checked before any derivation: memory 19 MiB to 1 GiB, 2 to 16
//     passes, 1 to 16 lanes, memory × passes at most 2 GiB
//     (Options.AllowWeakKDF lifts the lower bounds, for tests). A slot
//     outside them is corrupt ([ErrCorrupt], a [*CorruptError] naming the
//     slot), never a wrong credential; a new slot outside them is refused
//     with [ErrLimit].
//   - The payload holds every slot's slot key. That is what lets
//     [Vault.RemoveSlot] rotate the DEK and re-wrap it for the remaining
//     slots without asking for their credentials, and lets an open [Vault]
//     follow a DEK rotation made by another process.
//
// Failing to unwrap a slot key is a wrong credential ([ErrWrongCredential]);
// failing to unwrap the DEK or to open the payload once a slot key unwrapped
// is corruption ([ErrCorrupt]).
//
// Limitation of rotation: slot keys are never rotated (that would need every
// remaining credential). Whoever held the old DEK — for example the holder of
// a removed credential who kept a copy of an old file — can read the old
// payload, learn the remaining slot keys and so unwrap the new DEK. Removing a
// slot and rotating the DEK protects data written afterwards only against
// someone who never held the old DEK (for example a removed slot whose
// credential was lost, not stolen together with the file).
//
// # Storage
//
// Writes are atomic and durable: the new file is written to a temporary file
// ".NAME.tmp-RANDOM" in the same directory (mode 0600, O_EXCL), synced and
// closed; the previous file is kept as backups/NAME.GENERATION (a hard link,
// or a copy where links are not supported; the backups directory is 0700;
// the newest 5 are kept); the temporary file is renamed over the vault and
// the directory is synced. The next generation is one more than the larger
// of the current file's and the newest backup's, so saving a vault restored
// from an older backup never overwrites newer backups. A vault path that is
// a symbolic link is followed: the file it points to is replaced. Writers hold an exclusive lock (flock, or
// LockFileEx on Windows) on the lock file beside the vault ("vault.lock" for
// "vault.otter"). Stray temporary files left by a crash are removed under
// that lock.
//
// # Data model
//
// [Data] is ready for record-by-record sync: every record has a random
// 128-bit id that never changes, every change stamps the record with a
// hybrid logical clock ([Stamp]), deletion leaves a tombstone, HOTP counters
// only grow and a used recovery code never becomes unused; [Vault.Update]
// refuses changes that break the last two rules.
package vault
