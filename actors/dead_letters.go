package actors

import (
	"context"
	"log/slog"

	"github.com/asynkron/protoactor-go/actor"
)

// A supervisor that stops its children itself, in order and waiting for
// each (supervisor/), is still their parent in protoactor's eyes until it
// handles their Terminated messages; when it then stops, protoactor sends
// each of them a Stop of its own, which lands in the dead letters of an
// actor that is already gone. Expected, and not news: such a dead letter is
// logged at debug level, every other one as protoactor logs it.

// quietStopLetters is a slog.Handler that lowers protoactor's dead-letter
// records of Stop messages to debug.
type quietStopLetters struct {
	slog.Handler
}

// Handle implements slog.Handler.
func (h quietStopLetters) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "[DeadLetter]" && r.Level > slog.LevelDebug && isStopLetter(r) {
		if !h.Handler.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		r.Level = slog.LevelDebug
	}
	return h.Handler.Handle(ctx, r)
}

// Enabled implements slog.Handler.
func (h quietStopLetters) Enabled(ctx context.Context, l slog.Level) bool {
	return h.Handler.Enabled(ctx, l)
}

// WithAttrs implements slog.Handler.
func (h quietStopLetters) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quietStopLetters{h.Handler.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h quietStopLetters) WithGroup(name string) slog.Handler {
	return quietStopLetters{h.Handler.WithGroup(name)}
}

// isStopLetter reports whether a dead-letter record is about a Stop.
func isStopLetter(r slog.Record) bool {
	stop := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "message" {
			_, stop = a.Value.Any().(*actor.Stop)
			return false
		}
		return true
	})
	return stop
}
