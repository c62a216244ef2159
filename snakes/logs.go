package snakes

import (
	"github.com/hashicorp/go-hclog"
	"github.com/taipan-go/taipan/erlterm"
)

// logRecord forwards an {'L', Level, Logger, Message, Extra} frame to the
// worker's logger.
func (w *Worker) logRecord(f []byte) {
	var t erlterm.Tuple
	if err := w.decode.Unmarshal(f, &t); err != nil || len(t) != 5 {
		w.log.Warn("undecodable log record", "error", err)
		return
	}
	level, _ := t[1].(int64)
	args := []any{"logger", text(t[2])}
	if extra, ok := t[4].(map[string]any); ok {
		for _, k := range []string{"file", "line", "function", "exc_text"} {
			if v, ok := extra[k]; ok && v != nil {
				args = append(args, k, v)
			}
		}
	}
	w.log.Log(hclogLevel(level), text(t[3]), args...)
}

// hclogLevel maps Python's logging levels onto hclog's.
func hclogLevel(l int64) hclog.Level {
	switch {
	case l <= 5:
		return hclog.Trace
	case l <= 10:
		return hclog.Debug
	case l <= 20:
		return hclog.Info
	case l <= 30:
		return hclog.Warn
	default:
		return hclog.Error
	}
}

// message hands an {'M', Pid, Message} frame to OnMessage (through the
// message goroutine, so the reader never runs user code).
func (w *Worker) message(f []byte) {
	var t erlterm.Tuple
	if err := w.decode.Unmarshal(f, &t); err != nil || len(t) < 2 {
		w.log.Warn("undecodable message", "error", err)
		return
	}
	if w.msgs == nil {
		w.log.Debug("message dropped: no OnMessage handler")
		return
	}
	select {
	case w.msgs <- t[len(t)-1]:
	case <-w.life.Done():
	}
}
