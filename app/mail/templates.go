package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"github.com/assayhq/assay/views"
)

// Template names: each has views/emails/<name>.txt (defining emails/<name>/subject and
// emails/<name>/text) and views/emails/<name>.html (defining emails/<name>/html).
const (
	TemplateVerifyEmail     = "verify_email"
	TemplateSignupExists    = "signup_exists"
	TemplateResetPassword   = "reset_password"
	TemplatePasswordChanged = "password_changed"
	TemplateChangeEmail     = "change_email"
	TemplateEmailChanged    = "email_changed"
	TemplateInvitation      = "invitation"
	// Billing: the trial ends soon, a payment failed, the subscription ended.
	TemplateTrialEnding          = "trial_ending"
	TemplatePaymentFailed        = "payment_failed"
	TemplateSubscriptionCanceled = "subscription_canceled"
	// The data lifecycle: an organization's deletion scheduled and done, an account's
	// deletion receipt.
	TemplateOrgDeletionScheduled = "org_deletion_scheduled"
	TemplateOrgDeleted           = "org_deleted"
	TemplateAccountDeleted       = "account_deleted"
	// TemplateEndpointDisabled tells owners that a webhook endpoint was disabled.
	TemplateEndpointDisabled = "endpoint_disabled"
)

// Data is what every email template receives.
type Data struct {
	AppURL   string // the web app's base URL, without a trailing slash
	Link     string // the action link, if the mail has one
	Email    string // the recipient's address
	NewEmail string // the new address, for email changes
	Expires  string // how long the link works, in words ("24 hours")
	OrgName  string // the organization, for invitations
	Role     string // the role offered, for invitations
	Inviter  string // who invited, for invitations
	Plan     string // the plan's name, for billing mails
	Date     string // the day something happens ("2 January 2026"), for billing mails
	Receipt  string // a deletion receipt's id
	// EndpointURL and Reason name a disabled webhook endpoint and why it was disabled.
	EndpointURL string
	Reason      string
}

// Templates renders the emails; all of them are parsed at construction.
type Templates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// NewTemplates parses views/emails.
func NewTemplates() (*Templates, error) {
	text, err := texttemplate.New("emails").ParseFS(views.Emails, "emails/*.txt")
	if err != nil {
		return nil, fmt.Errorf("mail: parse text templates: %w", err)
	}
	html, err := htmltemplate.New("emails").ParseFS(views.Emails, "emails/*.html")
	if err != nil {
		return nil, fmt.Errorf("mail: parse html templates: %w", err)
	}
	t := &Templates{text: text, html: html}
	for _, name := range []string{TemplateVerifyEmail, TemplateSignupExists, TemplateResetPassword,
		TemplatePasswordChanged, TemplateChangeEmail, TemplateEmailChanged, TemplateInvitation,
		TemplateTrialEnding, TemplatePaymentFailed, TemplateSubscriptionCanceled,
		TemplateOrgDeletionScheduled, TemplateOrgDeleted, TemplateAccountDeleted, TemplateEndpointDisabled} {
		if _, err := t.Render(name, "test@example.com", Data{AppURL: "http://localhost", Link: "http://localhost/x"}); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Render fills template name for the recipient to.
func (t *Templates) Render(name, to string, d Data) (Message, error) {
	if d.Email == "" {
		d.Email = to
	}
	var subj, text, html bytes.Buffer
	if err := t.text.ExecuteTemplate(&subj, "emails/"+name+"/subject", d); err != nil {
		return Message{}, fmt.Errorf("mail: render %s subject: %w", name, err)
	}
	if err := t.text.ExecuteTemplate(&text, "emails/"+name+"/text", d); err != nil {
		return Message{}, fmt.Errorf("mail: render %s text: %w", name, err)
	}
	if err := t.html.ExecuteTemplate(&html, "emails/"+name+"/html", d); err != nil {
		return Message{}, fmt.Errorf("mail: render %s html: %w", name, err)
	}
	return Message{
		To:      to,
		Subject: strings.Join(strings.Fields(subj.String()), " "),
		Text:    strings.TrimSpace(text.String()) + "\n",
		HTML:    html.String(),
	}, nil
}
