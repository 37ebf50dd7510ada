// Package static holds the browser assets (stylesheet, vendored htmx and its SSE
// extension, images), embedded in the binary and served under /static.
package static

import "embed"

// FS holds css/, js/ and img/.
//
//go:embed css js img
var FS embed.FS
