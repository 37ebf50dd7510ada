// Package audit is the audit log: who did what, in which organization, from where. Each
// event is one call at the place the change happens. Entries are append-only and
// hash-chained (see Hash), so Verify finds any entry edited or deleted afterwards.
package audit

import (
	"context"
	"log/slog"
)

// Events of organizations and API keys.
const (
	APIKeyCreated = "api_key.created"
	APIKeyRevoked = "api_key.revoked"

	InvitationSent     = "invitation.sent"
	InvitationAccepted = "invitation.accepted"
	InvitationRevoked  = "invitation.revoked"
	MemberRoleChanged  = "member.role_changed"
	MemberRemoved      = "member.removed"
	MemberLeft         = "member.left"
	OrgCreated         = "org.created"
	OrgSwitched        = "org.switched"
)

// Identity events: sign-in, sign-up and the account's credentials.
const (
	LoginSucceeded           = "login.succeeded"
	LoginFailed              = "login.failed"
	LoginMFARequired         = "login.mfa_required"
	Logout                   = "logout"
	SignedUp                 = "signup"
	EmailVerified            = "email.verified"
	PasswordResetRequested   = "password.reset_requested"
	PasswordResetCompleted   = "password.reset_completed"
	PasswordChanged          = "password.changed"
	EmailChangeRequested     = "email.change_requested"
	EmailChangeConfirmed     = "email.change_confirmed"
	SessionRevoked           = "session.revoked"
	LogoutEverywhere         = "session.logout_everywhere"
	SessionsRevokedElsewhere = "session.revoked_others"
)

// Event is one change: what happened, in which organization, by whom, to what. It never
// carries secrets: no passwords, tokens, codes or keys, in Details either.
type Event struct {
	Name    string
	OrgID   string // empty when the event belongs to no organization
	ActorID string // the user who made the change; empty when unknown
	// ActorEmail is the actor's address at the time (kept when the account changes).
	ActorEmail string
	// TargetType and Target name what changed ("user", "invitation", …) and its id.
	TargetType string
	Target     string
	// Details are a few more facts (a reason, a role, the attempted email).
	Details map[string]string
}

// Func records an event. Recording never fails the change it describes: a Func logs the
// errors it meets.
type Func func(ctx context.Context, e Event)

// ToLog returns a Func that writes each event to log at info level.
func ToLog(log *slog.Logger) Func {
	return func(ctx context.Context, e Event) {
		log.LogAttrs(ctx, slog.LevelInfo, "audit: "+e.Name,
			slog.String("event", e.Name),
			slog.String("org_id", e.OrgID),
			slog.String("actor_id", e.ActorID),
			slog.String("target", e.Target),
		)
	}
}

// Events of the data lifecycle: deletions scheduled, cancelled and done.
const (
	AccountDeletionScheduled = "account.deletion_scheduled"
	AccountDeletionCancelled = "account.deletion_cancelled"
	AccountDeleted           = "account.deleted"
	OrgDeletionScheduled     = "org.deletion_scheduled"
	OrgDeletionCancelled     = "org.deletion_cancelled"
	OrgDeleted               = "org.deleted"
)

// TenantPurged is the API's record of a tenant hard-deleted at the web app's request.
const TenantPurged = "tenant.purged"
