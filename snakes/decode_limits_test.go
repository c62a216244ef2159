package snakes

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/taipan-go/taipan/erlterm"
)

// TestCompressedFrameBudget: a compressed frame from the worker is
// inflated within Options.MaxDecompressedSize (erlterm's 16 MiB budget by
// default), and one over it is a protocol violation naming the limit,
// refused before it is inflated. The 61 KB frame that inflates to 60 MB
// was under the old 64 MiB budget.
func TestCompressedFrameBudget(t *testing.T) {
	for _, c := range []struct {
		name      string
		opts      Options
		n, decl   int
		refusedAt int // the limit named in the error; 0: the call succeeds
	}{
		{"60 MB under the default", Options{}, 60 << 20, 60 << 20, erlterm.DefaultMaxDecompressedSize},
		{"1 MiB under the default", Options{}, 1 << 20, 1 << 20, 0},
		{"1 MiB under a 512 KiB budget", Options{MaxDecompressedSize: 512 << 10}, 1 << 20, 1 << 20, 512 << 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := startWorker(t, c.opts)
			v, err := w.Call(context.Background(), "fixtures", "compressed_frame", c.n, c.decl)
			if c.refusedAt == 0 {
				if err != nil || v != int64(c.n) {
					t.Fatalf("got %v, %v; want %d", v, err, c.n)
				}
				return
			}
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("got %v, %v; want ErrProtocol", v, err)
			}
			want := "MaxDecompressedSize=" + itoa(c.refusedAt)
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q does not name %s", err, want)
			}
		})
	}
}

// TestDecodeDefaultsAgree: the Python runtime's own defaults, used when a
// host's hello does not set them, are the Go side's: frame size,
// inflation budget and nesting depth.
func TestDecodeDefaultsAgree(t *testing.T) {
	in := interp(t)
	out, err := exec.Command(in.Path, "-c",
		"import sys; sys.path.insert(0, sys.argv[1]); from taipan import etf, framing; "+
			"print(framing.DEFAULT_MAX_FRAME, etf.DEFAULT_MAX_UNCOMPRESSED, etf.DEFAULT_MAX_DEPTH)",
		in.RuntimeDir).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	want := fmt.Sprintf("%d %d %d", DefaultMaxFrame, erlterm.DefaultMaxDecompressedSize, erlterm.DefaultMaxDepth)
	if got := strings.TrimSpace(string(out)); got != want {
		t.Fatalf("Python's defaults (max_frame, max_uncompressed, max_depth) are %s, Go's %s", got, want)
	}
	if DefaultMaxFrame != erlterm.DefaultMaxFrameSize {
		t.Fatalf("snakes.DefaultMaxFrame %d != erlterm.DefaultMaxFrameSize %d", DefaultMaxFrame, erlterm.DefaultMaxFrameSize)
	}
}
