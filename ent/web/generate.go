// Package web is the generated Ent client of the web database.
package web

//go:generate go tool ent generate --feature sql/upsert,sql/lock,sql/execquery,sql/modifier ./schema
