package audit

// Backoffice events: every action staff take at /admin, with the staff user as actor.
const (
	AdminOrgPlanChanged         = "admin.org_plan_changed"
	AdminOrgSuspended           = "admin.org_suspended"
	AdminOrgRestored            = "admin.org_restored"
	AdminUserDisabled           = "admin.user_disabled"
	AdminUserLoggedOut          = "admin.user_logged_out"
	AdminUserMFAReset           = "admin.user_mfa_reset"
	AdminUserVerificationResent = "admin.user_verification_resent"
	AdminTaskCancelled          = "admin.task_cancelled"
	AdminTaskRetried            = "admin.task_retried"
	AdminJobRetried             = "admin.job_retried"
	AdminJobDeleted             = "admin.job_deleted"
	AdminFlagSaved              = "admin.flag_saved"
	AdminFlagOverrideSet        = "admin.flag_override_set"
	AdminFlagOverrideCleared    = "admin.flag_override_cleared"
	AdminSupportEntered         = "admin.support_entered"
	AdminSupportLeft            = "admin.support_left"
)

// Support access: an owner's consent, and each request staff make under it.
const (
	SupportGranted = "support.granted"
	SupportRevoked = "support.revoked"
	SupportRequest = "support.request"
)
