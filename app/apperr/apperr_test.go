package apperr_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apperr"
)

func TestFrom(t *testing.T) {
	cause := errors.New("disk on fire")
	cases := []struct {
		name       string
		err        error
		status     int
		title      string
		detail     string
		wrapsCause bool
	}{
		{"not found", apperr.NotFound("dataset"), http.StatusNotFound, "Not Found", "dataset not found", false},
		{"wrapped invalid", fmt.Errorf("tasks: %w", apperr.Invalid("bad rule")), http.StatusUnprocessableEntity, "Unprocessable Entity", "bad rule", false},
		{"custom title", &apperr.Error{Status: 409, Title: "report not ready"}, http.StatusConflict, "report not ready", "", false},
		{"plain error", cause, http.StatusInternalServerError, "Internal Server Error", "an internal error occurred", true},
		{"with cause", apperr.TooLarge("over 1 MiB").WithErr(cause), http.StatusRequestEntityTooLarge, "Request Entity Too Large", "over 1 MiB", true},
		{"unavailable", apperr.Unavailable("retry later", cause), http.StatusServiceUnavailable, "Service Unavailable", "retry later", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := apperr.From(tc.err)
			require.Equal(t, tc.status, e.Status)
			title, detail := e.Public()
			require.Equal(t, tc.title, title)
			require.Equal(t, tc.detail, detail)
			require.Equal(t, tc.wrapsCause, errors.Is(e, cause))
			if tc.wrapsCause {
				require.Contains(t, e.Error(), cause.Error(), "logs see the cause")
			}
			require.NotContains(t, detail, cause.Error(), "the public text never holds the cause")
		})
	}
}

func TestWithErrCopies(t *testing.T) {
	base := apperr.Unauthorized("invalid credentials")
	_ = base.WithErr(errors.New("x"))
	require.NoError(t, base.Err, "WithErr leaves shared errors untouched")
}
