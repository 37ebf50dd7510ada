package mail

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/mail/mailtest"
)

func TestNewSMTPParsesURL(t *testing.T) {
	tests := []struct {
		name, url, from, err string
	}{
		{"starttls with auth", "smtp://user:secret@smtp.example.com:587", "a@example.com", ""},
		{"implicit tls", "smtps://user:secret@smtp.example.com", "a@example.com", ""},
		{"loopback", "smtp://127.0.0.1:2525", "a@example.com", ""},
		{"explicit policy", "smtp://smtp.example.com?starttls=opportunistic", "a@example.com", ""},
		{"bad policy", "smtp://smtp.example.com?starttls=maybe", "a@example.com", "starttls must be"},
		{"scheme", "http://smtp.example.com", "a@example.com", "must start with smtp://"},
		{"no host", "smtp://", "a@example.com", "no host"},
		{"bad port", "smtp://user:secret@smtp.example.com:99999", "a@example.com", "invalid port"},
		{"no from", "smtp://smtp.example.com", "", "MAIL_FROM is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSMTP(tc.url, tc.from)
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.err)
			require.NotContains(t, err.Error(), "secret", "errors never repeat the password")
		})
	}
}

func TestTemplatesRenderTextAndEscapedHTML(t *testing.T) {
	tpl, err := NewTemplates()
	require.NoError(t, err)
	m, err := tpl.Render(TemplateChangeEmail, "new@example.com", Data{
		AppURL: "http://assay.test", Link: "http://assay.test/settings/email/confirm?token=abc&x=1",
		NewEmail: "<b>new</b>@example.com", Expires: "24 hours",
	})
	require.NoError(t, err)
	require.Equal(t, "Confirm your new email address", m.Subject)
	require.Contains(t, m.Text, "http://assay.test/settings/email/confirm?token=abc&x=1")
	require.Contains(t, m.Text, "24 hours")
	require.Contains(t, m.HTML, `href="http://assay.test/settings/email/confirm?token=abc&amp;x=1"`)
	require.Contains(t, m.HTML, "&lt;b&gt;new&lt;/b&gt;")
	_, err = tpl.Render("nope", "a@example.com", Data{})
	require.Error(t, err)
}

func TestSMTPSendsToSink(t *testing.T) {
	sink := mailtest.Start(t)
	s, err := NewSMTP(sink.URL(), "Assay <no-reply@assay.test>")
	require.NoError(t, err)
	ctx := context.Background()
	msg := Message{To: "to@example.com", Subject: "Grüße", Text: "Hello " + strings.Repeat("long line ", 20) + "\nhttp://x.test/a?token=abc\n", HTML: "<p>Hello</p>"}
	require.NoError(t, s.Send(ctx, msg))
	got := sink.Wait(t, "to@example.com", 1)
	require.Equal(t, "Grüße", got.Subject)
	require.Equal(t, "http://x.test/a?token=abc", got.Link(t, "token="))
	require.Equal(t, "<p>Hello</p>", strings.TrimSpace(got.HTML))

	sink.FailNext(1)
	err = s.Send(ctx, msg)
	require.Error(t, err)
	require.False(t, IsPermanent(err), "451 is worth retrying")
}

func TestBackoffGrowsAndIsBounded(t *testing.T) {
	prev := time.Duration(0)
	for n := 1; n <= 12; n++ {
		d := DefaultBackoff(n)
		require.GreaterOrEqual(t, d, prev*9/10, "attempt %d", n)
		require.LessOrEqual(t, d, time.Hour+6*time.Minute)
		prev = d
	}
	require.True(t, IsPermanent(Permanent(errors.New("x"))))
	require.False(t, IsPermanent(errors.New("x")))
}
