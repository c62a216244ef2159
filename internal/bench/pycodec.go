package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// pyCodecScript times taipan.etf's decode + encode of one file on the
// interpreter under test, the best of 5 repeats (as python/bench_etf.py
// does, without the reading of shared files).
const pyCodecScript = `
import sys, timeit
from taipan import etf
data = open(sys.argv[1], "rb").read()
seconds = float(sys.argv[2])
def both():
    etf.encode(etf.decode(data))
both()
t = timeit.timeit(both, number=200) / 200
number = max(200, int(seconds / max(t, 1e-7)))
print(min(timeit.repeat(both, number=number, repeat=5)) / number * 1e6)
`

// pyCodec: taipan's Python codec on reference_proplist.etf. ErlPort's
// codec is not shipped, so its anchor is DESIGN.md's quoted figure.
func (e *env) pyCodec(ctx context.Context) ([]Figure, error) {
	dir, err := os.MkdirTemp("", "taipan-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "reference_proplist.etf")
	if err := os.WriteFile(file, ReferenceProplist, 0o600); err != nil {
		return nil, err
	}
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, e.interp.Path, "-c", pyCodecScript, file, strconv.FormatFloat(e.n.pyCodec.Seconds(), 'f', 3, 64))
	cmd.Env = append(os.Environ(), "PYTHONPATH="+e.interp.RuntimeDir)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("bench: python codec: %w: %s", err, stderr.String())
	}
	us, err := strconv.ParseFloat(strings.TrimSpace(out.String()), 64)
	if err != nil {
		return nil, fmt.Errorf("bench: python codec printed %q", out.String())
	}
	return []Figure{quoted(newFigure("Python encode + decode of reference_proplist.etf", us*1000, "ErlPort's Python codec (quoted)", ErlPortPyCodecUs*1000, "ns", 1.0/3, true))}, nil
}

// timeLoop runs f in growing batches until d has passed and returns the
// time per call in ns.
func timeLoop(d time.Duration, f func()) float64 {
	n := 1
	for {
		start := time.Now()
		for range n {
			f()
		}
		el := time.Since(start)
		if el >= d {
			return float64(el.Nanoseconds()) / float64(n)
		}
		n *= 2
	}
}
