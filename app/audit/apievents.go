package audit

// Events of the API database's log: changes made through the API, by a user of the
// web app (the actor is the user id) or an API key (the actor is the key id, with
// ActorTypeAPIKey in the details), and changes the API makes itself.
const (
	DatasetCreated          = "dataset.created"
	DatasetDeleted          = "dataset.deleted"
	RuleSetReplaced         = "rule_set.replaced"
	TaskCreated             = "task.created"
	TaskCancelled           = "task.cancelled"
	WebhookEndpointCreated  = "webhook_endpoint.created"
	WebhookEndpointUpdated  = "webhook_endpoint.updated"
	WebhookEndpointDeleted  = "webhook_endpoint.deleted"
	WebhookEndpointRotated  = "webhook_endpoint.secret_rotated"
	WebhookEndpointDisabled = "webhook_endpoint.disabled"
	WebhookEndpointEnabled  = "webhook_endpoint.enabled"
	TenantPlanChanged       = "tenant.plan_changed"
)

// Kinds of actor of an API event, in the details under DetailActorType.
const (
	DetailActorType = "actor_type"
	ActorTypeUser   = "user"
	ActorTypeAPIKey = "apikey"
	ActorTypeSystem = "system"
	// ActorTypeAnonymized is the actor of an entry whose personal fields a purge wiped.
	ActorTypeAnonymized = "anonymized"
	ActorTypeWebApp     = "service"
)
