package mail

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// smtpTimeout bounds one delivery: dial, TLS, authentication and data.
const smtpTimeout = 30 * time.Second

// SMTP delivers through an SMTP server.
type SMTP struct {
	from string
	host string
	opts []gomail.Option
}

// NewSMTP parses SMTP_URL: smtps://user:pass@host[:465] is TLS from the first byte;
// smtp://user:pass@host[:587] requires STARTTLS, except on a loopback host where it is
// used when offered. ?starttls=mandatory|opportunistic|none overrides that choice.
// Credentials, when present, are sent with the strongest mechanism the server offers.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("mail: SMTP_URL is not a URL") // the error would repeat the password
	}
	if from == "" {
		return nil, errors.New("mail: MAIL_FROM is required with SMTP_URL")
	}
	host := u.Hostname()
	if host == "" {
		return nil, errors.New("mail: SMTP_URL has no host")
	}
	opts := []gomail.Option{gomail.WithTimeout(smtpTimeout)}
	port := 587
	switch u.Scheme {
	case "smtps":
		port = 465
		opts = append(opts, gomail.WithSSL())
	case "smtp":
		policy, err := startTLS(u.Query().Get("starttls"), host)
		if err != nil {
			return nil, err
		}
		opts = append(opts, gomail.WithTLSPolicy(policy))
	default:
		return nil, fmt.Errorf("mail: SMTP_URL must start with smtp:// or smtps://, not %q", u.Scheme+"://")
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return nil, errors.New("mail: SMTP_URL has an invalid port")
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if user := u.User.Username(); user != "" {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(user), gomail.WithPassword(pass))
	}
	return &SMTP{from: from, host: host, opts: opts}, nil
}

func startTLS(v, host string) (gomail.TLSPolicy, error) {
	switch v {
	case "mandatory":
		return gomail.TLSMandatory, nil
	case "opportunistic":
		return gomail.TLSOpportunistic, nil
	case "none":
		return gomail.NoTLS, nil
	case "":
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return gomail.TLSOpportunistic, nil
		}
		return gomail.TLSMandatory, nil
	}
	return 0, fmt.Errorf("mail: SMTP_URL starttls must be mandatory, opportunistic or none, not %q", v)
}

// Send delivers m in a connection of its own. A refusal the server calls permanent
// (5xx) is marked Permanent.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return Permanent(fmt.Errorf("mail: from: %w", err))
	}
	if err := msg.To(m.To); err != nil {
		return Permanent(fmt.Errorf("mail: to: %w", err))
	}
	msg.Subject(m.Subject)
	msg.SetMessageID()
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("mail: client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
			return Permanent(fmt.Errorf("mail: send: %w", err))
		}
		return fmt.Errorf("mail: send: %w", err)
	}
	return nil
}
