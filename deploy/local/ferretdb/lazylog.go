package main

import (
	"context"
	"log/slog"
)

// FerretDB's SQL layer (internal/util/fsql) calls logger.With(args...) before every statement to
// log it at debug level, with the statement's arguments: whole documents. slog's TextHandler formats
// such attributes at With time, even when debug is off, which cost about a tenth of the server's CPU
// under the bench (seen in a pprof profile). lazyAttrs keeps them unformatted until a record is
// actually handled, so statements logged below the enabled level cost nothing.
type lazyAttrs struct {
	inner slog.Handler
	attrs []slog.Attr
}

func (h *lazyAttrs) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

func (h *lazyAttrs) Handle(ctx context.Context, r slog.Record) error {
	if len(h.attrs) > 0 {
		r = r.Clone()
		r.AddAttrs(h.attrs...)
	}

	return h.inner.Handle(ctx, r)
}

func (h *lazyAttrs) WithAttrs(attrs []slog.Attr) slog.Handler {
	kept := make([]slog.Attr, 0, len(h.attrs)+len(attrs))
	kept = append(append(kept, h.attrs...), attrs...)

	return &lazyAttrs{inner: h.inner, attrs: kept}
}

// A group must enclose only the attributes added after it, so the pending ones are applied first.
func (h *lazyAttrs) WithGroup(name string) slog.Handler {
	inner := h.inner
	if len(h.attrs) > 0 {
		inner = inner.WithAttrs(h.attrs)
	}

	return &lazyAttrs{inner: inner.WithGroup(name)}
}
