package web

import (
	"net/http"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/recover"
	"github.com/gofiber/fiber/v3/middleware/requestid"
	"github.com/gofiber/fiber/v3/middleware/static"

	"github.com/assayhq/assay/app/webhook"
	staticfs "github.com/assayhq/assay/static"
)

// staticMaxAge is how long browsers keep /static files (seconds).
const staticMaxAge = 7 * 24 * 3600

// routes is the one route table of the web app.
func (s *Server) routes(app *fiber.App) {
	app.Use(requestid.New(), s.observe, recover.New(), closeUnreadBodies, securityHeaders, s.hsts, auditRequest)

	app.Get("/healthz", healthz)
	app.Get(pathLive, s.probes.Live)
	app.Get(pathReady, s.probes.Ready)
	app.Get("/.well-known/jwks.json", s.jwks)
	app.Use("/static", static.New("", static.Config{
		FS: staticfs.FS, MaxAge: staticMaxAge,
		// Embedded files have no modification time; a year-1 Last-Modified helps no one.
		ModifyResponse: func(c fiber.Ctx) error {
			c.Response().Header.Del(fiber.HeaderLastModified)
			return nil
		},
	}))

	// Machine to machine: signed, no session, no CSRF.
	app.Post(webhook.TaskPath, limitBody(maxWebhookBody), s.webhooks.receive)
	app.Post(pathStripeWebhook, limitBody(maxStripeWebhookBody), s.stripeHooks.receive)

	// Browser routes: a bounded form body, the session, CSRF on every unsafe method.
	form := limitBody(maxFormBody)
	sess := s.sessions.load
	signedIn := s.authn.require
	// Links people open from a mail send them back to the link after signing in.
	loginFirst := returnAfterLogin
	offer := s.oidc.offer
	// Sensitive changes need a login or re-authentication within recentAuthMaxAge.
	recent := s.reauth.requireRecentAuth(recentAuthMaxAge)
	// The pages a member must reach while their organization requires MFA they lack.
	enrolling := s.authn.requireEnrolling

	app.Get("/", sess, redirectIfSignedIn, s.landing)
	app.Get(pathPricing, sess, s.pricing)
	app.Get("/signup", sess, redirectIfSignedIn, offer, s.accounts.signupForm)
	app.Post("/signup", form, sess, csrf, offer, s.limits.Auth(s.accounts.signupRefused), s.accounts.signup)
	app.Get("/login", sess, redirectIfSignedIn, offer, s.accounts.loginForm)
	app.Post("/login", form, sess, csrf, offer, s.limits.Auth(s.accounts.loginRefused), s.accounts.login)
	app.Post("/logout", form, sess, csrf, s.accounts.logout)
	// The second factor of a sign-in (password or provider) of a user with MFA on.
	mfaPending := s.mfaGate.pending
	app.Get(pathMFAChallenge, sess, mfaPending, s.mfaGate.challengeForm)
	app.Post(pathMFAChallenge, form, sess, csrf, mfaPending, s.limits.AuthFor(s.mfaGate.challengeRefused, pendingAccount), s.mfaGate.challenge)
	app.Get(pathReauth, sess, enrolling, offer, s.reauth.form)
	app.Post(pathReauth, form, sess, csrf, enrolling, s.limits.AuthFor(s.reauth.refused, signedInAccount), s.reauth.confirm)

	// Links sent by email: opening one (GET) shows a page, only its form's POST acts.
	app.Get(pathSignupSent, sess, s.mail.signupSent)
	app.Get(pathVerify, sess, s.mail.verifyForm)
	app.Post(pathVerify, form, sess, csrf, s.mail.verify)
	app.Post(pathVerifyResend, form, sess, csrf, signedIn, s.limits.Auth(s.mail.resendRefused), s.mail.resend)
	app.Get(pathForgot, sess, s.mail.forgotForm)
	app.Post(pathForgot, form, sess, csrf, s.limits.Auth(s.mail.forgotRefused), s.mail.forgot)
	app.Get(pathReset, sess, s.mail.resetForm)
	app.Post(pathReset, form, sess, csrf, s.limits.Auth(s.mail.resetRefused), s.mail.reset)
	app.Get(pathEmailChange, sess, signedIn, recent, s.mail.emailChangeForm)
	app.Post(pathEmailChange, form, sess, csrf, signedIn, recent, s.limits.Auth(s.mail.emailChangeRefused), s.mail.emailChange)
	app.Get(pathEmailConfirm, sess, s.mail.emailConfirmForm)
	app.Post(pathEmailConfirm, form, sess, csrf, s.mail.emailConfirm)

	// Sign-in with an OpenID Connect provider (404 unless configured).
	app.Post("/auth/oidc/start", form, sess, csrf, s.oidc.start)
	app.Get(oidcCallbackPath, sess, s.oidc.callback)
	app.Get(oidcLinkPath, sess, s.oidc.linkForm)
	app.Post(oidcLinkPath, form, sess, csrf, s.limits.Auth(s.oidc.linkRefused), s.oidc.link)

	app.Get("/dashboard", sess, signedIn, s.dashboard.show)
	// The upload reads its own body as a stream, within the app's BodyLimit.
	app.Post("/datasets", sess, csrfStreamed, signedIn, s.uploads.create)
	app.Get("/datasets/:id/rules", sess, signedIn, s.rules.show)
	app.Get("/datasets/:id/rules/params", sess, signedIn, s.rules.params)
	app.Post("/datasets/:id/rules", form, sess, csrf, signedIn, s.rules.save)
	app.Post("/datasets/:id/run", form, sess, csrf, signedIn, s.rules.run)
	app.Get("/tasks/:id", sess, signedIn, s.tasks.show)
	app.Get("/tasks/:id/events", sess, signedIn, s.tasks.events)
	app.Post("/tasks/:id/cancel", form, sess, csrf, signedIn, s.tasks.cancel)
	app.Get("/tasks/:id/report", sess, signedIn, s.tasks.report)
	app.Get("/tasks/:id/report.csv", sess, signedIn, s.tasks.exportCSV)
	app.Get("/tasks/:id/report.json", sess, signedIn, s.tasks.exportJSON)
	app.Get("/tasks/:id/compare", sess, signedIn, s.tasks.compare)

	// Account settings: the user's sessions (devices) and password.
	app.Get(pathSettingsSessions, sess, signedIn, s.settings.sessionsPage)
	app.Post(pathSettingsSessions+"/revoke-others", form, sess, csrf, signedIn, s.settings.revokeOthers)
	app.Post(pathSettingsSessions+"/revoke-all", form, sess, csrf, signedIn, s.settings.logoutEverywhere)
	app.Post(pathSettingsSessions+"/:id/revoke", form, sess, csrf, signedIn, s.settings.revoke)
	app.Get(pathSettingsPassword, sess, signedIn, recent, s.settings.passwordForm)
	app.Post(pathSettingsPassword, form, sess, csrf, signedIn, recent, s.limits.Auth(s.settings.passwordRefused), s.settings.changePassword)

	// Two-factor authentication of the user, and the organization's requirement of it.
	mfaLimit := s.limits.AuthFor(s.mfa.refused, signedInAccount)
	app.Get(pathSettingsSecurity, sess, enrolling, s.mfa.show)
	app.Post(pathMFASetup, form, sess, csrf, enrolling, recent, s.mfa.setup)
	app.Get(pathMFAQR, sess, enrolling, recent, s.mfa.qr)
	app.Post(pathMFAEnable, form, sess, csrf, enrolling, recent, mfaLimit, s.mfa.enable)
	app.Post(pathMFADisable, form, sess, csrf, signedIn, recent, mfaLimit, s.mfa.disable)
	app.Post(pathMFACodes, form, sess, csrf, signedIn, recent, s.mfa.regenerate)
	app.Get(pathSettingsOrgSecurity, sess, signedIn, s.orgSec.show)
	app.Post(pathSettingsOrgSecurity, form, sess, csrf, signedIn, recent, s.orgSec.update)
	app.Get(pathSettingsOrgAudit, sess, signedIn, s.orgAudit.show)
	app.Get(pathSettingsOrgAuditExport, sess, signedIn, s.orgAudit.export)

	// Deleting the account (recent authentication) or the organization (owners, typing
	// its name): scheduled, cancellable during the grace period, then done by a job.
	app.Get(pathSettingsAccountDelete, sess, signedIn, recent, s.deletions.accountForm)
	app.Post(pathSettingsAccountDelete, form, sess, csrf, signedIn, recent, s.deletions.scheduleAccount)
	app.Post(pathSettingsAccountDelete+"/cancel", form, sess, csrf, signedIn, s.deletions.cancelAccount)
	app.Get(pathSettingsOrgDelete, sess, signedIn, s.deletions.orgForm)
	app.Post(pathSettingsOrgDelete, form, sess, csrf, signedIn, recent, s.deletions.scheduleOrg)
	app.Post(pathSettingsOrgDelete+"/cancel", form, sess, csrf, signedIn, s.deletions.cancelOrg)

	// Exporting the organization's data (owners): built in the background, downloaded
	// through a mailed link that works for owners of the organization only.
	app.Get(pathSettingsOrgExport, sess, signedIn, s.exports.show)
	app.Post(pathSettingsOrgExport, form, sess, csrf, signedIn, recent, s.exports.request)
	app.Get(pathExportDownload, sess, loginFirst, signedIn, s.exports.download)

	// Organizations: members, roles and invitations; switching and creating. Opening an
	// invitation link works signed out; joining needs an account (signup or login).
	mayInvite := s.orgs.mayInvite
	app.Get(pathSettingsOrg, sess, signedIn, s.orgs.show)
	app.Post(pathSettingsOrg+"/invitations", form, sess, csrf, signedIn, mayInvite, s.orgs.inviteEmail)
	app.Post(pathSettingsOrg+"/invitations/link", form, sess, csrf, signedIn, mayInvite, s.orgs.inviteLink)
	app.Post(pathSettingsOrg+"/invitations/:id/revoke", form, sess, csrf, signedIn, mayInvite, s.orgs.revokeInvite)
	app.Post(pathSettingsOrg+"/members/:id/role", form, sess, csrf, signedIn, recent, s.orgs.changeRole)
	app.Post(pathSettingsOrg+"/members/:id/remove", form, sess, csrf, signedIn, recent, s.orgs.remove)
	app.Post(pathSettingsOrg+"/leave", form, sess, csrf, signedIn, s.orgs.leave)
	app.Post(pathOrgs, form, sess, csrf, signedIn, s.orgs.create)
	app.Post(pathOrgsSwitch, form, sess, csrf, signedIn, s.orgs.switchOrg)
	app.Get(pathInviteAccept, sess, s.orgs.openInvite)
	app.Post(pathInviteAccept, form, sess, csrf, signedIn, s.orgs.acceptInvite)
	app.Get(pathInviteSignup, sess, toInviteIfSignedIn, s.orgs.inviteSignupForm)
	app.Post(pathInviteSignup, form, sess, csrf, toInviteIfSignedIn, s.limits.Auth(s.orgs.inviteSignupRefused), s.orgs.inviteSignup)

	// Billing: every member sees the plan; owners start Checkout and open the Portal.
	mayBill := s.billing.mayManage
	app.Get(pathSettingsBilling, sess, signedIn, ownDocument, s.billing.show)
	// Usage of the plan this month: every member may see it.
	app.Get(pathSettingsUsage, sess, signedIn, s.usagePage.show)
	app.Post(pathBillingCheckout, form, sess, csrf, signedIn, mayBill, s.billing.checkout)
	app.Post(pathBillingPortal, form, sess, csrf, signedIn, mayBill, s.billing.portal)

	// The organization's API keys (owners and admins), kept by the API.
	mayManageKeys := s.apiKeys.authorize
	app.Get(pathSettingsAPIKeys, sess, signedIn, mayManageKeys, s.apiKeys.show)
	app.Post(pathSettingsAPIKeys, form, sess, csrf, signedIn, mayManageKeys, recent, s.apiKeys.create)
	app.Post(pathSettingsAPIKeys+"/:id/revoke", form, sess, csrf, signedIn, mayManageKeys, s.apiKeys.revoke)

	// The organization's webhook endpoints (owners and admins), kept by the API.
	mayManageHooks := s.hookPages.authorize
	app.Get(pathWebhookSettings, sess, signedIn, mayManageHooks, s.hookPages.show)
	app.Post(pathWebhookSettings, form, sess, csrf, signedIn, mayManageHooks, recent, s.hookPages.create)
	app.Get(pathWebhookSettings+"/:id", sess, signedIn, mayManageHooks, s.hookPages.endpoint)
	app.Post(pathWebhookSettings+"/:id/rotate", form, sess, csrf, signedIn, mayManageHooks, recent, s.hookPages.rotate)
	app.Post(pathWebhookSettings+"/:id/state", form, sess, csrf, signedIn, mayManageHooks, s.hookPages.state)
	app.Post(pathWebhookSettings+"/:id/delete", form, sess, csrf, signedIn, mayManageHooks, s.hookPages.remove)
	app.Post(pathWebhookSettings+"/deliveries/:id/redeliver", form, sess, csrf, signedIn, mayManageHooks, s.hookPages.redeliver)

	// Support access: an owner lets staff into the organization for a few hours.
	app.Get(pathSettingsSupport, sess, signedIn, s.support.show)
	app.Post(pathSettingsSupport, form, sess, csrf, signedIn, recent, s.support.grant)
	app.Post(pathSettingsSupport+"/revoke", form, sess, csrf, signedIn, s.support.revoke)

	// The backoffice: 404 to everyone but staff (s.admin.gate), every action audited.
	admin := app.Group(pathAdmin, sess, s.admin.gate)
	admin.Get("", s.admin.overview)
	admin.Get("/orgs", s.admin.orgsList)
	admin.Get("/orgs/:id", s.admin.orgShow)
	admin.Post("/orgs/:id/plan", form, csrf, s.admin.orgPlan)
	admin.Post("/orgs/:id/suspend", form, csrf, s.admin.orgSuspend)
	admin.Post("/orgs/:id/restore", form, csrf, s.admin.orgRestore)
	admin.Post("/orgs/:id/support", form, csrf, s.admin.supportEnter)
	admin.Post("/support/leave", form, csrf, s.admin.supportLeave)
	admin.Get("/users", s.admin.usersList)
	admin.Post("/users/:id/disable", form, csrf, s.admin.userDisable)
	admin.Post("/users/:id/logout", form, csrf, s.admin.userLogout)
	admin.Post("/users/:id/reset-mfa", form, csrf, s.admin.userResetMFA)
	admin.Post("/users/:id/resend-verification", form, csrf, s.admin.userResendVerification)
	admin.Get("/tasks", s.admin.tasksList)
	admin.Post("/tasks/:id/cancel", form, csrf, s.admin.taskCancel)
	admin.Post("/tasks/:id/retry", form, csrf, s.admin.taskRetry)
	admin.Get("/queues", s.admin.queuesShow)
	admin.Post("/queues/dead/retry", form, csrf, s.admin.retryDead)
	admin.Post("/queues/delete", form, csrf, s.admin.deleteJob)
	admin.Get("/webhooks", s.admin.webhooksList)
	admin.Get("/flags", s.admin.flagsList)
	admin.Post("/flags", form, csrf, s.admin.flagSave)
	admin.Post("/flags/:key/toggle", form, csrf, s.admin.flagToggle)
	admin.Post("/flags/:key/override", form, csrf, s.admin.flagOverride)
	admin.Get("/audit", s.admin.auditList)

	// Anything else that reaches here is unknown: the error handler renders the 404 page.
	app.Use(func(c fiber.Ctx) error { return fiber.NewError(http.StatusNotFound) })
}

// landing is the start page for visitors.
func (s *Server) landing(c fiber.Ctx) error {
	return s.views.page(c, http.StatusOK, "pages/home", nil)
}
