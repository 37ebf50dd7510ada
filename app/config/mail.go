package config

import (
	"errors"
	"net/mail"
	"net/url"
)

// validateMail checks SMTP_URL and MAIL_FROM when set. SMTP_URL is never repeated in an
// error: it may hold a password.
func (c Config) validateMail() []error {
	var errs []error
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		switch {
		case err != nil:
			errs = append(errs, errors.New("SMTP_URL is not a URL"))
		case u.Scheme != "smtp" && u.Scheme != "smtps":
			errs = append(errs, errors.New("SMTP_URL must start with smtp:// or smtps://"))
		case u.Hostname() == "":
			errs = append(errs, errors.New("SMTP_URL has no host"))
		}
		if c.MailFrom == "" {
			errs = append(errs, errors.New("MAIL_FROM must be set with SMTP_URL"))
		}
	}
	if c.MailFrom != "" {
		if _, err := mail.ParseAddress(c.MailFrom); err != nil {
			errs = append(errs, errors.New(`MAIL_FROM must be an address, like "Assay <no-reply@example.com>"`))
		}
	}
	return errs
}
