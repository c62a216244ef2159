package actors

import (
	"context"
	"log/slog"

	"github.com/hashicorp/go-hclog"
)

// hclogHandler is a slog.Handler that writes to an hclog.Logger:
// protoactor-go logs through log/slog and by default prints colored text
// on stderr; with this bridge its records go where the host's logs go.
type hclogHandler struct {
	logger hclog.Logger
	attrs  []any  // key, value pairs from WithAttrs, group-qualified
	group  string // the current group prefix ("a.b.")
}

// NewSlogHandler returns a slog.Handler that writes to logger, keeping
// the record's level, message and attributes (groups become dotted key
// prefixes). Use it for any library that logs through slog.
func NewSlogHandler(logger hclog.Logger) slog.Handler {
	return &hclogHandler{logger: logger}
}

// Enabled implements slog.Handler: hclog decides by its own level.
func (h *hclogHandler) Enabled(_ context.Context, l slog.Level) bool {
	switch {
	case l >= slog.LevelError:
		return h.logger.IsError()
	case l >= slog.LevelWarn:
		return h.logger.IsWarn()
	case l >= slog.LevelInfo:
		return h.logger.IsInfo()
	default:
		return h.logger.IsDebug()
	}
}

// Handle implements slog.Handler.
func (h *hclogHandler) Handle(_ context.Context, r slog.Record) error {
	args := make([]any, 0, len(h.attrs)+2*r.NumAttrs())
	args = append(args, h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		args = appendAttr(args, h.group, a)
		return true
	})
	h.logger.Log(hclogLevel(r.Level), r.Message, args...)
	return nil
}

// WithAttrs implements slog.Handler.
func (h *hclogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append([]any(nil), h.attrs...)
	for _, a := range attrs {
		c.attrs = appendAttr(c.attrs, h.group, a)
	}
	return &c
}

// WithGroup implements slog.Handler.
func (h *hclogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.group = h.group + name + "."
	return &c
}

func appendAttr(args []any, prefix string, a slog.Attr) []any {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		for _, g := range v.Group() {
			args = appendAttr(args, p, g)
		}
		return args
	}
	if a.Key == "" {
		return args
	}
	return append(args, prefix+a.Key, v.Any())
}

func hclogLevel(l slog.Level) hclog.Level {
	switch {
	case l >= slog.LevelError:
		return hclog.Error
	case l >= slog.LevelWarn:
		return hclog.Warn
	case l >= slog.LevelInfo:
		return hclog.Info
	case l >= slog.LevelDebug:
		return hclog.Debug
	default:
		return hclog.Trace
	}
}
