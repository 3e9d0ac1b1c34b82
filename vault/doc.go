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
// # File format
//
// The format is specified, with test vectors, in docs/vault-format.md (the
// vectors are in testdata/vectors for format 1 and testdata/vectors-v2 for
// format 2). In short, a file is:
//
//	"OTTERVLT" ‖ version (uint16, 1 or 2) ‖ header length H (uint32) ‖
//	header (JSON, H bytes) ‖ nonce (24) ‖ payload ciphertext ‖
//	SHA-256 of every byte before it (32)
//
// The header is authenticated but not encrypted: it names the vault, its
// generation and its unlock slots ([Slot]). The payload, sealed with
// XChaCha20-Poly1305 under the data key (DEK) with every byte before the
// nonce as associated data, holds the [Data] (with the trash of deleted
// accounts) in the protocol buffers wire format, written and read by hand.
//
// Format 2 (written; format 1 is read and migrated on the next write) has
// public-key slots:
//
//	credential ──KEK──▶ slot identity (age X25519) ──▶ file key ──▶ DEK ──▶ payload
//
// A slot's [Credential] derives its key-encryption key (KEK): Argon2id of a
// password, HKDF-SHA256 of a recovery key, of a secret in the OS keyring or
// of a FIDO2 key's hmac-secret output. The KEK unseals the slot's identity;
// the identity unwraps (as age does) the file key of the slot's stanza,
// from which the key that seals the DEK is derived, bound to the vault,
// the slot and its kind. The DEK is wrapped to every slot's public key, so
// [Vault.RemoveSlot] rotates it without any credential, and nothing in the
// payload opens a slot: a removed credential opens old files only. An age
// slot ([SlotAge], [AgeRecipient], [AgeIdentities]) stores no identity: the
// user's own opens it.
//
// Load checks size ([ErrLimit]), checksum and header ([ErrCorrupt], as a
// [*CorruptError] naming the newest readable backup) and version
// ([ErrUnsupportedVersion]) before any key is needed, so damage is never
// reported as a wrong credential. Failing to unseal a slot's identity (or,
// in format 1, its slot key) is [ErrWrongCredential]; failing after that
// is [ErrCorrupt].
//
// A password slot's Argon2id cost ("kdf" in the header) is calibrated when
// the slot is made: 128 MiB, 4 lanes and the passes that make one
// derivation take about 0.5 s ([CalibrateKDF], at least 3). Every stored
// cost is checked before any derivation (memory 19 MiB to 1 GiB, 2 to 16
// passes, 1 to 16 lanes, memory × passes at most 2 GiB); a slot outside
// the bounds is corrupt ([*CorruptError] naming the slot), never a wrong
// credential.
//
// [Vault.DeriveKey] gives what is kept beside the vault its own key:
// HKDF-SHA256(DEK, no salt, info = "otter " ‖ purpose ‖ vault id); the
// unlock journal MACs its lines with the "journal" key. A derived key
// changes when the DEK is rotated.
//
// # Storage
//
// Writes are atomic and durable (temporary file, fsync, rename, fsync of
// the directory); the previous file is kept as backups/NAME.GENERATION
// (the newest 10, and for each of the last
// 30 days the newest generation written that day, dated by its header), and writers hold a lock file beside the vault
// ("vault.lock" for "vault.otter"). A vault path that is a symbolic link
// is followed.
//
// # Generations and rollback
//
// Generation numbers never repeat and only grow. Given [Options.HighWater],
// a record kept outside the vault of the highest generation seen of each
// vault id (otter keeps it in its state directory), [Load] refuses a file
// older than that mark ([ErrRollback], as a [*RollbackError]) before any
// key is asked for; [Locked.Unlock], every save and every reload raise the
// mark; and the next generation is one more than the largest of the
// current file's, the newest backup's and the mark, so a generation lost
// with a file copied over is never reused. Independently of any mark, an
// open [Vault] refuses to reload ([Vault.Refresh], and the reload inside
// [Vault.Update]) a file older than the generation it holds. Going back on
// purpose is a new generation holding old data: [Options.AllowRollback]
// lets Load open the older file for that write only. [Vault.Backups] lists
// the kept generations from their headers without any key;
// [Vault.OpenBackup] decrypts one with the slot identity the open vault
// holds (a slot keeps its key pair, so a backup opens while the slot that
// unlocked is in it; a format-1 backup, with the format-1 slot keys the
// session learnt), writes nothing and moves no mark.
//
// # Copies of one vault (sync)
//
// [Vault.Raw] is the file's exact bytes, what a sync layer commits.
// [Vault.OpenCopy] opens another file of the vault with the key this Vault
// holds (a [Copy]); [Vault.Adopt] fast-forwards to a newer one byte for
// byte; [Vault.MergeIn] writes the merge of the current file with another
// (the record merge is the caller's function) as a generation above both;
// [Install] writes a file from another machine as a new vault after it
// opened in memory. Removed slot ids are kept in the header, so that a
// merge never brings a removed slot back, and a merge that changes the
// slots wraps a new data key to every remaining recipient. A copy that
// opens is not proof of who wrote it: every new data key links back to
// the keys it replaced, and Adopt and MergeIn take only a copy whose key
// is one this Vault trusts or links back to one ([Copy.Vouched],
// [ErrUnvouched]; see docs/vault-format.md, "Key links").
//
// # Data model
//
// [Data] is ready for record-by-record sync: every record has a random
// 128-bit id that never changes, every change stamps the record with a
// hybrid logical clock ([Stamp]) whose device id is the installation's
// ([Options].DeviceID, not stored in the vault), deletion leaves a
// tombstone, HOTP counters only grow and a used recovery code never
// becomes unused; [Vault.Update] refuses changes that break the last three
// rules. A deleted account also waits 30 days in [Data].Trash, secret and
// recovery codes included; restoring it adds a new account with a new id,
// so a tombstone never comes back. Every save purges older trash entries.
package vault
