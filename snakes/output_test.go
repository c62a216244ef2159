package snakes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/taipan-go/taipan/internal/testkit"
)

type piece struct {
	text string
	part int
	more bool
}

func TestLineSplitter(t *testing.T) {
	long := strings.Repeat("x", 10)
	for _, tc := range []struct {
		name   string
		max    int
		chunks []string
		want   []piece
	}{
		{"lines", 8, []string{"a\nbc\n\n"}, []piece{{"a", 0, false}, {"bc", 0, false}, {"", 0, false}}},
		{"across chunks", 8, []string{"ab", "c\nd", "e\n"}, []piece{{"abc", 0, false}, {"de", 0, false}}},
		{"crlf", 8, []string{"a\r\nb\r", "\n"}, []piece{{"a", 0, false}, {"b", 0, false}}},
		{"exactly max", 4, []string{"abcd\n"}, []piece{{"abcd", 0, false}}},
		{"one over", 4, []string{"abcde\n"}, []piece{{"abcd", 1, true}, {"e", 2, false}}},
		{"long in one chunk", 4, []string{long + "\nok\n"},
			[]piece{{"xxxx", 1, true}, {"xxxx", 2, true}, {"xx", 3, false}, {"ok", 0, false}}},
		{"long byte by byte", 4, strings.Split(long+"\n", ""),
			[]piece{{"xxxx", 1, true}, {"xxxx", 2, true}, {"xx", 3, false}}},
		{"long, unfinished at the end", 4, []string{"abcdef"}, []piece{{"abcd", 1, true}, {"ef", 2, false}}},
		{"unfinished at the end", 4, []string{"ab\ncd"}, []piece{{"ab", 0, false}, {"cd", 0, false}}},
		// é is 2 bytes, € 3: a cut never splits one.
		{"utf-8 not split", 4, []string{"abcé\n"}, []piece{{"abc", 1, true}, {"é", 2, false}}},
		{"utf-8 3 bytes", 4, []string{"ab€\n"}, []piece{{"ab", 1, true}, {"€", 2, false}}},
		{"utf-8 fits", 4, []string{"ab€cd\n"}, []piece{{"ab", 1, true}, {"€c", 2, true}, {"d", 3, false}}},
		{"invalid utf-8 cut at max", 2, []string{"\x80\x80\x80\n"}, []piece{{"\x80\x80", 1, true}, {"\x80", 2, false}}},
		{"nothing", 4, []string{""}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []piece
			emit := func(line []byte, part int, more bool) { got = append(got, piece{string(line), part, more}) }
			s := lineSplitter{max: tc.max}
			for _, c := range tc.chunks {
				s.feed([]byte(c), emit)
			}
			s.end(emit)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// The splitter never keeps more than a piece of a line, and never touches
// the caller's buffer.
func TestLineSplitterBounded(t *testing.T) {
	s := lineSplitter{max: 16}
	chunk := bytes.Repeat([]byte("y"), 100)
	orig := bytes.Clone(chunk)
	n := 0
	for range 1000 {
		s.feed(chunk, func([]byte, int, bool) { n++ })
		if len(s.pending) > 16 {
			t.Fatalf("pending %d bytes", len(s.pending))
		}
	}
	if !bytes.Equal(chunk, orig) {
		t.Fatal("feed wrote into its input")
	}
	// The last 16 bytes wait: they may end the line.
	if want := 100*1000/16 - 1; n != want {
		t.Fatalf("%d pieces, want %d", n, want)
	}
}

// logCapture is an hclog output (JSON) that records every record, for a
// test to wait for the one it expects.
type logCapture struct {
	testkit.Recorder[map[string]any]
}

func (c *logCapture) Write(p []byte) (int, error) {
	var r map[string]any
	if err := json.Unmarshal(p, &r); err == nil {
		c.Record(r)
	}
	return len(p), nil
}

// A raw 8 MiB line on stderr is logged in pieces and the stream keeps
// working: a line written after it is logged, and a subprocess writing to
// stderr does not die of SIGPIPE.
func TestOutputLongLine(t *testing.T) {
	logs := &logCapture{}
	log := hclog.New(&hclog.LoggerOptions{Output: logs, JSONFormat: true, Level: hclog.Info})
	w := startWorker(t, Options{Logger: log})
	ctx := testkit.Context(t)
	const size = 8 << 20
	status, err := w.Call(ctx, "process_fixtures", "flood_stderr", size)
	if err != nil {
		t.Fatal(err)
	}
	if status != int64(0) {
		t.Fatalf("the subprocess exited with %v", status)
	}
	logs.Wait(t, "the subprocess's line", func(r map[string]any) bool { return r["@message"] == "subprocess line" })
	logs.Wait(t, "the line after the flood", func(r map[string]any) bool { return r["@message"] == "after the flood" })
	total, parts := 0, 0
	for _, r := range logs.Events() {
		if r["stream"] != "stderr" || r["part"] == nil {
			continue
		}
		parts++
		total += len(r["@message"].(string))
		if r["part"] != float64(parts) || r["more"] != (total < size) {
			t.Fatalf("piece %d: part %v more %v", parts, r["part"], r["more"])
		}
	}
	if total != size || parts != size/outputPiece {
		t.Fatalf("%d bytes in %d pieces, want %d in %d", total, parts, size, size/outputPiece)
	}
}
