// Package access is the one table of what each organization role may do. The web app
// asks it before showing or acting, and the API asks it again with the role carried by
// the web app's token, so both answer the same.
package access

// Action is something only some roles of an organization may do.
type Action string

// The actions the table knows.
const (
	// Invite: invite people into the organization.
	Invite Action = "invite"
	// ChangeRoles: change the role of other members.
	ChangeRoles Action = "change_roles"
	// ManageBilling: change the plan, payment method and invoices.
	ManageBilling Action = "manage_billing"
	// ManageAPIKeys: list, create and revoke the organization's API keys.
	ManageAPIKeys Action = "manage_api_keys"
	// DeleteData: delete the organization and all of its data.
	DeleteData Action = "delete_data"
	// RemoveMembers: remove other members from the organization.
	RemoveMembers Action = "remove_members"
	// ManageWebhooks: list, add, change and delete the organization's webhook endpoints.
	ManageWebhooks Action = "manage_webhooks"
)

// Roles of a membership, as the web database stores them and tokens carry them.
const (
	RoleOwner  = "owner"
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// Can reports whether role may do action; unknown roles and actions may do nothing.
//
// The table: an owner may do everything. An admin runs the organization day to day
// (people, roles, API keys) but neither pays for it nor deletes it: money and
// irreversible loss stay with owners. A member uses the product only.
func Can(role string, action Action) bool {
	switch action {
	case Invite, ChangeRoles, ManageAPIKeys, RemoveMembers, ManageWebhooks:
		return role == RoleOwner || role == RoleAdmin
	case ManageBilling, DeleteData:
		return role == RoleOwner
	}
	return false
}
