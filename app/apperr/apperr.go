// Package apperr carries an HTTP status and a text that is safe to show with an error, so
// one error handler per app can answer any failure without leaking internals.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is a failure that knows its status and what a user may see.
type Error struct {
	Status int    // HTTP status code
	Title  string // safe to show; defaults to the status text
	Detail string // safe to show
	Err    error  // the cause, for logs only
}

// Error describes the error for logs; it includes the cause, so never show it to users.
func (e *Error) Error() string {
	msg := fmt.Sprintf("%d %s", e.Status, e.title())
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func (e *Error) title() string {
	if e.Title != "" {
		return e.Title
	}
	return http.StatusText(e.Status)
}

// Public returns the title and detail that may be shown to users.
func (e *Error) Public() (title, detail string) { return e.title(), e.Detail }

// WithErr returns a copy of e that records cause for logs.
func (e *Error) WithErr(cause error) *Error {
	c := *e
	c.Err = cause
	return &c
}

// New returns an error with status and a safe detail.
func New(status int, detail string) *Error { return &Error{Status: status, Detail: detail} }

// BadRequest is a 400 for a request that cannot be understood.
func BadRequest(detail string) *Error { return New(http.StatusBadRequest, detail) }

// Unauthorized is a 401 for missing or invalid credentials.
func Unauthorized(detail string) *Error { return New(http.StatusUnauthorized, detail) }

// Forbidden is a 403 for credentials that may not do this.
func Forbidden(detail string) *Error { return New(http.StatusForbidden, detail) }

// NotFound is a 404 naming what was not found, such as "dataset".
func NotFound(what string) *Error { return New(http.StatusNotFound, what+" not found") }

// Conflict is a 409 for a request that clashes with the resource's state.
func Conflict(detail string) *Error { return New(http.StatusConflict, detail) }

// TooLarge is a 413 for a body over the limit.
func TooLarge(detail string) *Error { return New(http.StatusRequestEntityTooLarge, detail) }

// Unsupported is a 415 for a content type or encoding the endpoint does not take.
func Unsupported(detail string) *Error { return New(http.StatusUnsupportedMediaType, detail) }

// Invalid is a 422 for well-formed input that breaks a rule.
func Invalid(detail string) *Error { return New(http.StatusUnprocessableEntity, detail) }

// Unavailable is a 503 for a dependency that is down; cause goes to the logs only.
func Unavailable(detail string, cause error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Detail: detail, Err: cause}
}

// Internal is a 500 whose cause is logged and never shown.
func Internal(cause error) *Error {
	return &Error{Status: http.StatusInternalServerError, Detail: "an internal error occurred", Err: cause}
}

// From returns err as an *Error, turning anything else into Internal(err).
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}
