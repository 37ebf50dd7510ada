package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Every field is part of the hash, and NULL differs from the empty string.
func TestHashCoversEveryField(t *testing.T) {
	actor, org, empty := "u1", "o1", ""
	base := Entry{Seq: 7, At: time.UnixMicro(1_700_000_000_123_456), Action: "login.failed", ActorID: &actor,
		ActorEmail: "a@example.com", OrgID: &org, IP: "203.0.113.1", UserAgent: "Firefox", TargetType: "user",
		TargetID: "u1", Details: `{"a":"b"}`, PrevHash: strings.Repeat("0", 64)}
	cases := map[string]func(e *Entry){
		"seq":         func(e *Entry) { e.Seq++ },
		"at":          func(e *Entry) { e.At = e.At.Add(time.Microsecond) },
		"action":      func(e *Entry) { e.Action = "login.succeeded" },
		"actor null":  func(e *Entry) { e.ActorID = nil },
		"actor empty": func(e *Entry) { e.ActorID = &empty },
		"email":       func(e *Entry) { e.ActorEmail = "b@example.com" },
		"org":         func(e *Entry) { e.OrgID = nil },
		"ip":          func(e *Entry) { e.IP = "203.0.113.2" },
		"user agent":  func(e *Entry) { e.UserAgent = "Chrome" },
		"target type": func(e *Entry) { e.TargetType = "key" },
		"target":      func(e *Entry) { e.TargetID = "u2" },
		"details":     func(e *Entry) { e.Details = `{}` },
		"prev hash":   func(e *Entry) { e.PrevHash = "" },
		// Moving bytes between neighbouring fields changes the hash (lengths are encoded).
		"boundary": func(e *Entry) { e.TargetType, e.TargetID = "useru", "1" },
	}
	h := base.ComputeHash()
	require.Len(t, h, 64)
	require.Equal(t, h, base.ComputeHash(), "deterministic")
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			e := base
			mutate(&e)
			require.NotEqual(t, h, e.ComputeHash())
		})
	}
}

func TestTargetTypeFromEventName(t *testing.T) {
	cases := []struct {
		e    Event
		want string
	}{
		{Event{Name: InvitationSent, Target: "i1"}, "invitation"},
		{Event{Name: MemberRemoved, Target: "u1"}, "user"},
		{Event{Name: OrgCreated, Target: "o1"}, "organization"},
		{Event{Name: APIKeyRevoked, Target: "k1", TargetType: "api_key"}, "api_key"},
		{Event{Name: LoginFailed}, ""},
		{Event{Name: "unknown.thing", Target: "x"}, ""},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, newEntry(tc.e, Request{}, time.Now()).TargetType, tc.e.Name)
	}
}

func TestNewEntryTruncatesAndCleans(t *testing.T) {
	e := newEntry(Event{Name: "x", Details: map[string]string{"reset_token": "t", "email": "a@b.c", "API_KEY": "k"}},
		Request{IP: "1.2.3.4", UserAgent: strings.Repeat("é", 400)}, time.Unix(1, 1500))
	require.LessOrEqual(t, len(e.UserAgent), maxUserAgent)
	require.True(t, strings.HasPrefix(strings.Repeat("é", 400), e.UserAgent))
	require.Equal(t, `{"email":"a@b.c"}`, e.Details)
	require.Nil(t, e.ActorID)
	require.Equal(t, int64(1_000_001), e.At.UnixMicro())
}
