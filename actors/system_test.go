package actors

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/hashicorp/go-hclog"

	"github.com/taipan-go/taipan/internal/testkit"
)

// syncBuffer is a bytes.Buffer safe for the logger's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestProtoactorLogsGoThroughHclog(t *testing.T) {
	var buf syncBuffer
	logger := hclog.New(&hclog.LoggerOptions{Output: &buf, Level: hclog.Debug})
	sys := NewSystem(Options{Logger: logger, Name: "test"})
	defer sys.Stop(context.Background())
	if !strings.Contains(buf.String(), "actor system started") || !strings.Contains(buf.String(), "test:") {
		t.Fatalf("protoactor's start-up record is not in the hclog output: %q", buf.String())
	}
}

func TestSlogHandler(t *testing.T) {
	for _, tc := range []struct {
		name  string
		level hclog.Level
		log   func(*slog.Logger)
		want  []string
		empty bool
	}{
		{"attrs and levels", hclog.Debug, func(l *slog.Logger) { l.Warn("hello", "k", 1) }, []string{"[WARN]", "hello", "k=1"}, false},
		{"groups are dotted", hclog.Debug, func(l *slog.Logger) {
			l.WithGroup("g").With("a", "x").Info("m", slog.Group("h", "b", 2))
		}, []string{"g.a=x", "g.h.b=2"}, false},
		{"below the level", hclog.Warn, func(l *slog.Logger) { l.Info("quiet") }, nil, true},
		{"debug", hclog.Debug, func(l *slog.Logger) { l.Debug("dbg") }, []string{"[DEBUG]", "dbg"}, false},
		{"error", hclog.Debug, func(l *slog.Logger) { l.Error("bad") }, []string{"[ERROR]", "bad"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf syncBuffer
			tc.log(slog.New(NewSlogHandler(hclog.New(&hclog.LoggerOptions{Output: &buf, Level: tc.level}))))
			out := buf.String()
			if tc.empty != (out == "") {
				t.Fatalf("output %q", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("%q lacks %q", out, w)
				}
			}
		})
	}
}

// tree spawns a parent with two children, each with a child, and counts
// the Started and Stopped messages.
func tree(sys *System, started *testkit.Counter, stopped *atomic.Int32, depth int) *actor.Props {
	return actor.PropsFromFunc(func(c actor.Context) {
		switch c.Message().(type) {
		case *actor.Started:
			if depth > 0 {
				c.Spawn(tree(sys, started, stopped, depth-1))
				c.Spawn(tree(sys, started, stopped, depth-1))
			}
			started.Add()
		case *actor.Stopped:
			stopped.Add(1)
		}
	})
}

func TestStopStopsEveryActor(t *testing.T) {
	sys := NewSystem(Options{})
	var started testkit.Counter
	var stopped atomic.Int32
	for range 3 {
		sys.Root.Spawn(tree(sys, &started, &stopped, 2)) // 1 + 2 + 4 actors each
	}
	testkit.Receive(t, "21 actors started", started.Reached(21))
	if n := len(sys.alive()); n != 21 {
		t.Fatalf("%d actors alive, want 21", n)
	}
	if err := sys.Stop(testkit.Context(t)); err != nil {
		t.Fatal(err)
	}
	if n := stopped.Load(); n != 21 {
		t.Fatalf("%d actors stopped, want 21", n)
	}
	if !sys.Actors.IsStopped() {
		t.Fatal("the protoactor system was not shut down")
	}
}

func TestStopReverseOrder(t *testing.T) {
	sys := NewSystem(Options{})
	var mu sync.Mutex
	var order []string
	for _, name := range []string{"first", "second", "third"} {
		sys.Root.SpawnPrefix(actor.PropsFromFunc(func(c actor.Context) {
			if _, ok := c.Message().(*actor.Stopping); ok {
				mu.Lock()
				order = append(order, name)
				mu.Unlock()
			}
		}), name)
	}
	if err := sys.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if strings.Join(order, ",") != "third,second,first" {
		t.Fatalf("stop order %v", order)
	}
}

func TestStopDeadline(t *testing.T) {
	sys := NewSystem(Options{})
	release, gone := make(chan struct{}), make(chan struct{})
	pid := sys.Root.Spawn(actor.PropsFromFunc(func(c actor.Context) {
		switch c.Message().(type) {
		case *actor.Stopping:
			<-release
		case *actor.Stopped: // out of the registry already
			close(gone)
		}
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := sys.Stop(ctx)
	var se *StopError
	if !errors.As(err, &se) || !errors.Is(err, ErrStopTimeout) || !errors.Is(err, context.DeadlineExceeded) || len(se.Alive) != 1 || se.Alive[0] != pid.Id {
		t.Fatalf("Stop: %v", err)
	}
	close(release)
	testkit.Receive(t, "the late actor to stop", gone)
	if alive := sys.alive(); len(alive) != 0 {
		t.Fatalf("alive after the late stop: %v", alive)
	}
}

func TestSeqOf(t *testing.T) {
	for id, want := range map[string]int64{"$1": 1, "$a": 10, "$10": 64, "name$2": 2, "named": 0, "$!": 0} {
		if got := seqOf(id); got != want {
			t.Errorf("seqOf(%q) = %d, want %d", id, got, want)
		}
	}
}

// A Stop sent to an actor already gone (what protoactor does to the
// children a supervisor stopped itself) is logged at debug level; any
// other dead letter as protoactor logs it.
func TestStopDeadLettersAreDebug(t *testing.T) {
	tests := []struct {
		level     hclog.Level
		wantStop  string // the level of the Stop's dead letter, "" for none
		wantOther string
	}{
		{hclog.Info, "", "[INFO]"},
		{hclog.Debug, "[DEBUG]", "[INFO]"},
	}
	levelOf := func(l string) string {
		for _, lv := range []string{"[DEBUG]", "[INFO]", "[WARN]", "[ERROR]"} {
			if strings.Contains(l, lv) {
				return lv
			}
		}
		return "?"
	}
	for _, tt := range tests {
		t.Run(tt.level.String(), func(t *testing.T) {
			var buf syncBuffer
			sys := NewSystem(Options{Logger: hclog.New(&hclog.LoggerOptions{Output: &buf, Level: tt.level}), Name: "dl"})
			defer sys.Stop(context.Background())
			// Subscribed after the system's dead-letter logger: called
			// once it has logged the letter.
			hello := make(chan struct{})
			sub := sys.Actors.EventStream.Subscribe(func(e any) {
				if dl, ok := e.(*actor.DeadLetterEvent); ok && actor.UnwrapEnvelopeMessage(dl.Message) == "hello" {
					close(hello)
				}
			})
			defer sys.Actors.EventStream.Unsubscribe(sub)
			pid := sys.Root.Spawn(actor.PropsFromFunc(func(actor.Context) {}))
			if err := sys.Root.StopFuture(pid).Wait(); err != nil {
				t.Fatal(err)
			}
			sys.Root.Stop(pid)
			sys.Root.Send(pid, "hello")
			testkit.Receive(t, "the dead letter", hello)
			var stop, other string
			for _, l := range strings.Split(buf.String(), "\n") {
				switch {
				case !strings.Contains(l, "[DeadLetter]"):
				case strings.Contains(l, "hello"):
					other = levelOf(l)
				default:
					stop = levelOf(l)
				}
			}
			if stop != tt.wantStop || other != tt.wantOther {
				t.Fatalf("the Stop's dead letter at %q (want %q), the other at %q (want %q)\n%s",
					stop, tt.wantStop, other, tt.wantOther, buf.String())
			}
		})
	}
}
