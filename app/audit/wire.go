package audit

import "time"

// APIEntryJSON is one entry of the API database's audit log as the API's audit endpoints
// write it and the web app reads it. Personal fields are empty once the tenant was
// purged (anonymized).
type APIEntryJSON struct {
	Seq        int64             `json:"seq"`
	At         time.Time         `json:"at"`
	Action     string            `json:"action"`
	OrgID      *string           `json:"org_id"`
	ActorID    *string           `json:"actor_id"`
	ActorType  string            `json:"actor_type"`
	TargetType string            `json:"target_type"`
	TargetID   string            `json:"target_id"`
	IP         string            `json:"ip"`
	UserAgent  string            `json:"user_agent"`
	Details    map[string]string `json:"details"`
}
