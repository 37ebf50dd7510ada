package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/template/html/v2"

	"github.com/assayhq/assay/views"
)

// htmx request and response headers.
const (
	hxRequest  = "HX-Request"
	hxBoosted  = "HX-Boosted"
	hxRedirect = "HX-Redirect"
)

// layoutBase is the page frame; it renders the page's content through the content func.
const layoutBase = "layouts/base"

// view is what every page template receives.
type view struct {
	Page      string  // template prefix, e.g. "pages/dashboard"
	CSRF      string  // the session's CSRF token, if it has one
	HXHeaders string  // JSON for hx-headers on <body>
	Account   *member // the signed-in user, or nil
	Provider  string  // the OpenID Connect provider's name on pages that offer it
	Data      any     // the page's own data
}

// renderer turns templates into responses: a full page, or only the page's content for
// htmx requests that are not boosted.
type renderer struct {
	engine *html.Engine
}

func newRenderer() (*renderer, error) {
	e := html.NewFileSystem(http.FS(views.FS), ".html")
	r := &renderer{engine: e}
	// The layout pulls the page in by name through these funcs instead of the engine's
	// layout mechanism, which rebinds a shared func per render and so is not safe for
	// concurrent full-page and fragment renders.
	e.AddFuncMap(map[string]any{
		"content": func(v view) (template.HTML, error) { return r.exec(v.Page+"/content", v) },
		// The title template's output is already escaped: as a string it would be escaped twice.
		"title": func(v view) (template.HTML, error) { return r.exec(v.Page+"/title", v) },
	})
	e.AddFuncMap(formatFuncs)
	e.AddFuncMap(chartFuncs)
	e.AddFuncMap(adminFuncs)
	if err := e.Load(); err != nil {
		return nil, fmt.Errorf("web: load templates: %w", err)
	}
	return r, nil
}

// exec runs one named template into a string of safe HTML.
func (r *renderer) exec(name string, data any) (template.HTML, error) {
	var b bytes.Buffer
	if err := r.engine.Templates.ExecuteTemplate(&b, name, data); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil // #nosec G203 -- output of html/template, escaped already
}

// fragment renders a partial to a string (SSE event data).
func (r *renderer) fragment(name string, data any) (string, error) {
	h, err := r.exec(name, data)
	if err != nil {
		return "", fmt.Errorf("web: render %s: %w", name, err)
	}
	return string(h), nil
}

// page answers with page (e.g. "pages/dashboard"): the whole document, or its content
// alone for an htmx request that is not boosted.
func (r *renderer) page(c fiber.Ctx, status int, page string, data any) error {
	c.Vary(hxRequest)
	v := newView(c, page, data)
	c.Status(status)
	if isFragmentRequest(c) {
		return c.Render(page+"/content", v)
	}
	return c.Render(layoutBase, v)
}

// partial answers with a partial template alone (always a fragment).
func (r *renderer) partial(c fiber.Ctx, status int, name string, data any) error {
	c.Vary(hxRequest)
	c.Status(status)
	return c.Render(name, data)
}

func newView(c fiber.Ctx, page string, data any) view {
	v := view{Page: page, Data: data, Account: memberOf(c), Provider: offeredProvider(c)}
	if ws := sessionOf(c); ws != nil {
		v.CSRF = ws.csrf()
	}
	if v.CSRF != "" {
		h, _ := json.Marshal(map[string]string{headerCSRF: v.CSRF})
		v.HXHeaders = string(h)
	}
	return v
}

// isHTMX reports whether htmx sent the request.
func isHTMX(c fiber.Ctx) bool { return c.Get(hxRequest) == "true" }

// isFragmentRequest reports whether only the page's content is wanted.
func isFragmentRequest(c fiber.Ctx) bool { return isHTMX(c) && c.Get(hxBoosted) != "true" }

// ownDocument is middleware for pages that widen the policy's form-action: a boosted GET
// gets HX-Redirect to the same URL, so the browser loads the page as a document of its
// own. A Content-Security-Policy holds for the document it came with; a page htmx swaps
// into another document lives under that one's, and a form submitted before htmx takes
// it over would have its redirect to another origin refused.
func ownDocument(c fiber.Ctx) error {
	if c.Method() == fiber.MethodGet && isHTMX(c) && c.Get(hxBoosted) == "true" {
		c.Set(hxRedirect, c.OriginalURL())
		return c.SendStatus(http.StatusOK)
	}
	return c.Next()
}

// redirect sends the browser to path: 303 for plain requests, HX-Redirect for htmx
// (an XHR would follow a 303 silently and swap the target page into the old one).
func redirect(c fiber.Ctx, path string) error {
	if isHTMX(c) {
		c.Set(hxRedirect, path)
		return c.SendStatus(http.StatusOK)
	}
	return c.Redirect().Status(http.StatusSeeOther).To(path)
}
