package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Field limits; longer values are cut (on a UTF-8 boundary) before hashing and storing.
const (
	maxIP         = 64
	maxUserAgent  = 512
	maxEmail      = 254
	maxTarget     = 255
	maxTargetType = 32
	maxDetail     = 200
	maxDetails    = 16
)

// hashVersion starts every hashed encoding, so a future change of the encoding is seen.
const hashVersion = "assay.audit.v1"

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
}

// ComputeHash returns the lowercase hex SHA-256 of e's canonical encoding, which is, in order:
//
//	the bytes "assay.audit.v1", then for each field
//	seq (decimal), at (Unix microseconds, decimal), action, actor_id, actor_email,
//	org_id, ip, user_agent, target_type, target_id, details, prev_hash
//	one byte 0 when the field is NULL (actor_id, org_id only), or one byte 1, the
//	length of its UTF-8 bytes as a 4-byte big-endian integer, and the bytes.
//
// e.Hash itself is not part of the encoding.
func (e Entry) ComputeHash() string {
	h := sha256.New()
	h.Write([]byte(hashVersion))
	put := func(s *string) {
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
	str := func(s string) { put(&s) }
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

// newEntry turns an event and its request into the fields of an entry, without seq
// and hashes.
func newEntry(e Event, r Request, at time.Time) Entry {
	return Entry{
		At:         at.UTC().Truncate(time.Microsecond),
		Action:     e.Name,
		ActorID:    nullable(e.ActorID),
		ActorEmail: truncate(e.ActorEmail, maxEmail),
		OrgID:      nullable(e.OrgID),
		IP:         truncate(r.IP, maxIP),
		UserAgent:  truncate(r.UserAgent, maxUserAgent),
		TargetType: truncate(targetType(e), maxTargetType),
		TargetID:   truncate(e.Target, maxTarget),
		Details:    encodeDetails(e.Details),
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
