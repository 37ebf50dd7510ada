// Package api is the generated Ent client of the api database.
package api

//go:generate go tool ent generate --feature sql/upsert,sql/lock,sql/execquery,sql/modifier ./schema
