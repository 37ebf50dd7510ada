package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Session is a server-side browser session. The id is a SHA-256 of the random token
// the cookie carries, so a database read does not yield usable cookies. The device
// columns (User-Agent, client IP) let the user tell their sessions apart and revoke them.
type Session struct{ ent.Schema }

// Fields of Session.
func (Session) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").NotEmpty().Immutable().MaxLen(64),
		field.String("user_id").Optional(),
		field.Bytes("data"),
		field.Time("created_at").Immutable(),
		field.Time("last_seen_at"),
		field.Time("expires_at"),
		field.String("user_agent").MaxLen(512).Default("").Comment("as sent at sign-in, truncated"),
		field.String("ip").MaxLen(64).Default("").Comment("client IP of the latest request seen"),
	}
}

// Indexes of Session.
func (Session) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id"), index.Fields("expires_at")}
}
