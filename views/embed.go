// Package views holds the web app's html templates, embedded in the binary. Every
// template defines names prefixed with its path: layouts/…, pages/…, partials/….
package views

import "embed"

// FS holds layouts/, pages/ and partials/.
//
//go:embed layouts pages partials admin
var FS embed.FS

// Emails holds emails/: <name>.txt (subject and text) and <name>.html for every email.
//
//go:embed emails
var Emails embed.FS
