// Package views holds the web app's html templates, embedded in the binary. Every
// template defines names prefixed with its path: layouts/…, pages/…, partials/….
package views

import "embed"

// FS holds layouts/, pages/ and partials/.
//
//go:embed layouts pages partials
var FS embed.FS
