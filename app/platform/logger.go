package platform

import (
	"io"
	"log/slog"
	"strings"

	"github.com/assayhq/assay/app/telemetry"
)

// NewLogger builds the process logger: JSON or text, at the configured level. Every line
// logged with a context carries the request_id, trace_id and span_id the context holds.
func NewLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if strings.EqualFold(format, "json") {
		return slog.New(telemetry.NewContextHandler(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(telemetry.NewContextHandler(slog.NewTextHandler(w, opts)))
}
