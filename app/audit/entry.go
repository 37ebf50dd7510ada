package audit

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Field limits; longer values are cut (on a UTF-8 boundary) before hashing and storing.
const (
	maxIP         = 64
	maxActorID    = 36 // a UUID; a longer id from a token is cut rather than losing the entry
	maxUserAgent  = 512
	maxEmail      = 254
	maxTarget     = 255
	maxTargetType = 32
	maxDetail     = 200
	maxDetails    = 16
)

// hashVersion starts every hashed encoding of a version 1 entry, so a change of the
// encoding is seen; hashVersion2 starts those of version 2 and personalVersion the
// digest of a version 2 entry's personal fields.
const (
	hashVersion     = "assay.audit.v1"
	hashVersion2    = "assay.audit.v2"
	personalVersion = "assay.audit.personal.v1"
)

// Entry format versions. Version 1 hashes every field, the personal ones included, so
// they can never be wiped. Version 2 (what Append writes) hashes a salted digest of the
// personal fields instead (see PersonalDigest): wiping them with the salt, as deleting
// an account does, leaves the chain verifiable.
const (
	Version1 = 1
	Version2 = 2
)

// Entry is one stored line of the audit log.
type Entry struct {
	Seq        int64
	At         time.Time // UTC, microsecond precision
	Action     string
	ActorID    *string
	ActorEmail string
	OrgID      *string
	IP         string
	UserAgent  string
	TargetType string
	TargetID   string
	Details    string // a JSON object, exactly as stored
	PrevHash   string
	Hash       string

	// Version is the entry's format (0 counts as Version1).
	Version int
	// PersonalSalt is the random salt of PersonalDigest, stored beside the personal
	// fields and wiped with them; PersonalDigest is hashed (Version2 only).
	PersonalSalt   string
	PersonalDigest string
	// Anonymized is set when the personal fields were wiped (account or org deleted).
	Anonymized bool
}

// ComputeHash returns the lowercase hex SHA-256 of e's canonical encoding, which is, in order:
//
//	the bytes "assay.audit.v1", then for each field
//	seq (decimal), at (Unix microseconds, decimal), action, actor_id, actor_email,
//	org_id, ip, user_agent, target_type, target_id, details, prev_hash
//	one byte 0 when the field is NULL (actor_id, org_id only), or one byte 1, the
//	length of its UTF-8 bytes as a 4-byte big-endian integer, and the bytes.
//
// e.Hash itself is not part of the encoding. A Version2 entry is encoded the same way
// from "assay.audit.v2" and the fields seq, at, action, actor_id, org_id, target_type,
// target_id, personal_digest, prev_hash: its actor is only the pseudonymous user id.
func (e Entry) ComputeHash() string {
	if e.Version == Version2 {
		return e.computeHash2()
	}
	h := sha256.New()
	h.Write([]byte(hashVersion))
	put, str := fieldWriter(h)
	str(strconv.FormatInt(e.Seq, 10))
	str(strconv.FormatInt(e.At.UnixMicro(), 10))
	str(e.Action)
	put(e.ActorID)
	str(e.ActorEmail)
	put(e.OrgID)
	str(e.IP)
	str(e.UserAgent)
	str(e.TargetType)
	str(e.TargetID)
	str(e.Details)
	str(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

func (e Entry) computeHash2() string {
	h := sha256.New()
	h.Write([]byte(hashVersion2))
	put, str := fieldWriter(h)
	str(strconv.FormatInt(e.Seq, 10))
	str(strconv.FormatInt(e.At.UnixMicro(), 10))
	str(e.Action)
	put(e.ActorID)
	put(e.OrgID)
	str(e.TargetType)
	str(e.TargetID)
	str(e.PersonalDigest)
	str(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// ComputePersonalDigest returns the hex SHA-256 of "assay.audit.personal.v1" and the
// fields personal_salt, actor_email, ip, user_agent, details, encoded as in ComputeHash.
// The random salt keeps a wiped entry's digest from confirming a guessed address.
func (e Entry) ComputePersonalDigest() string {
	h := sha256.New()
	h.Write([]byte(personalVersion))
	_, str := fieldWriter(h)
	str(e.PersonalSalt)
	str(e.ActorEmail)
	str(e.IP)
	str(e.UserAgent)
	str(e.Details)
	return hex.EncodeToString(h.Sum(nil))
}

// Seal sets the digests of a Version2 entry (PersonalDigest, then Hash), or the Hash
// of a Version1 entry.
func (e *Entry) Seal() {
	if e.Version == Version2 {
		e.PersonalDigest = e.ComputePersonalDigest()
	}
	e.Hash = e.ComputeHash()
}

// fieldWriter returns the encoders of nullable and plain fields into h.
func fieldWriter(h hash.Hash) (put func(*string), str func(string)) {
	put = func(s *string) {
		if s == nil {
			h.Write([]byte{0})
			return
		}
		var n [5]byte
		n[0] = 1
		binary.BigEndian.PutUint32(n[1:], uint32(len(*s))) // #nosec G115 -- every field is bounded far below 4 GiB (user agent 512 B, details truncated)
		h.Write(n[:])
		h.Write([]byte(*s))
	}
	return put, func(s string) { put(&s) }
}

// newSalt returns a random hex salt for a personal digest.
func newSalt() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Errorf("audit: salt: %w", err)) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b[:])
}

// newEntry turns an event and its request into the fields of an entry, without seq
// and hashes.
func newEntry(e Event, r Request, at time.Time) Entry {
	return Entry{
		At:         at.UTC().Truncate(time.Microsecond),
		Action:     e.Name,
		ActorID:    nullable(truncate(e.ActorID, maxActorID)),
		ActorEmail: truncate(e.ActorEmail, maxEmail),
		OrgID:      nullable(e.OrgID),
		IP:         truncate(r.IP, maxIP),
		UserAgent:  truncate(r.UserAgent, maxUserAgent),
		TargetType: truncate(targetType(e), maxTargetType),
		TargetID:   truncate(e.Target, maxTarget),
		Details:    encodeDetails(e.Details),
		Version:    Version2,
		// The salt is drawn here; PersonalDigest is set by Seal.
		PersonalSalt: newSalt(),
	}
}

// targetKinds name the target of events recorded without a TargetType, by the event
// name's first part.
var targetKinds = map[string]string{
	"api_key": "api_key", "invitation": "invitation", "member": "user", "mfa": "user",
	"reauth": "user", "org": "organization", "organization": "organization",
}

func targetType(e Event) string {
	if e.TargetType != "" || e.Target == "" {
		return e.TargetType
	}
	prefix, _, _ := strings.Cut(e.Name, ".")
	return targetKinds[prefix]
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// secretWords are refused as detail keys: details never hold credentials.
var secretWords = []string{"password", "token", "secret", "code", "key"}

// encodeDetails is the JSON object of d with sorted keys, short values, and no key that
// looks like it names a credential.
func encodeDetails(d map[string]string) string {
	out := make(map[string]string, len(d))
	for k, v := range d {
		if len(out) == maxDetails || looksSecret(k) {
			continue
		}
		out[k] = truncate(v, maxDetail)
	}
	b, err := json.Marshal(out) // map keys are sorted
	if err != nil {
		return "{}"
	}
	return string(b)
}

func looksSecret(k string) bool {
	k = strings.ToLower(k)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
