package erlterm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// inflateRSSCase is the environment variable that makes the test binary,
// re-executed by TestInflatePeakRSS, decode one amplification case and
// print its peak RSS growth instead of running tests; inflateRSSTerm names
// the file holding the 60 MB term, built once by the parent.
const (
	inflateRSSCase = "ERLTERM_INFLATE_RSS_CASE"
	inflateRSSTerm = "ERLTERM_INFLATE_RSS_TERM"
)

// inflateRSSCases are the terms TestInflatePeakRSS measures: the issue's
// 61 KB compressed term that inflates to 60 MB, under the default budget,
// under a budget that lets it through, and with a declared size within
// the budget while the stream inflates far past it.
var inflateRSSCases = map[string]struct {
	n        int    // the bytes the stream inflates to (all 60 MB)
	declared uint32 // its declared size
	limit    int    // MaxDecompressedSize (0: the default)
	ok       bool   // whether it decodes
	bound    int64  // the most the peak may grow by
}{
	// Refused on its declared size: nothing is inflated.
	"60MB default budget": {60 << 20, 60 << 20, 0, false, 4 << 20},
	// Accepted: one buffer of 60 MB, which the decoded string aliases.
	"60MB within a 64MB budget": {60 << 20, 60 << 20, 64 << 20, true, 2 * 64 << 20},
	// Inflated up to its declared 16 MiB, and refused at the byte after.
	"60MB stream declaring 16 MiB": {60 << 20, DefaultMaxDecompressedSize, 0, false, 2 * DefaultMaxDecompressedSize},
}

// TestInflatePeakRSS decodes each case in a fresh process and checks that
// its peak RSS grows by less than twice the inflation budget in force, and
// by less than the budget when the term is refused: the declared size is
// checked first, and the stream is inflated into one buffer of exactly the
// declared size and no further. Before, the 60 MB term cost +246 MB, a
// buffer doubling its way up to the data.
func TestInflatePeakRSS(t *testing.T) {
	if name := os.Getenv(inflateRSSCase); name != "" {
		inflateRSSChild(name)
		return
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc: peak RSS is read from /proc/self/status (Linux)")
	}
	term := filepath.Join(t.TempDir(), "60MB.etf")
	if err := os.WriteFile(term, zerosCompressed(t, 60<<20, 60<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, c := range inflateRSSCases {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestInflatePeakRSS$")
			cmd.Env = append(os.Environ(), inflateRSSCase+"="+name, inflateRSSTerm+"="+term)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			var growth, before int64
			var result string
			for _, line := range strings.Split(string(out), "\n") {
				if v, ok := strings.CutPrefix(line, "growth "); ok {
					growth, _ = strconv.ParseInt(v, 10, 64)
				}
				if v, ok := strings.CutPrefix(line, "before "); ok {
					before, _ = strconv.ParseInt(v, 10, 64)
				}
				if v, ok := strings.CutPrefix(line, "result "); ok {
					result = v
				}
			}
			bound := c.bound * raceMemoryFactor
			t.Logf("peak RSS growth %.1f MiB (bound %d MiB): %s", float64(growth)/(1<<20), bound>>20, result)
			if before <= 0 {
				t.Fatalf("child could not read its peak RSS:\n%s", out)
			}
			if c.ok != (result == "ok") {
				t.Fatalf("got %q, want ok=%v", result, c.ok)
			}
			if !c.ok && !strings.Contains(result, "MaxDecompressedSize") && !strings.Contains(result, "inflates to more") {
				t.Fatalf("refusal %q names neither the limit nor the size", result)
			}
			// The race detector shadows the memory the program writes:
			// under it, every byte inflated costs about three.
			if growth >= bound {
				t.Fatalf("peak RSS grew by %d bytes, want < %d", growth, bound)
			}
		})
	}
}

// inflateRSSChild builds the case's term, resets the peak RSS, decodes
// the term into `any` and prints the growth of the peak and the result.
func inflateRSSChild(name string) {
	c, ok := inflateRSSCases[name]
	if !ok {
		fmt.Println("result unknown case")
		return
	}
	data, err := os.ReadFile(os.Getenv(inflateRSSTerm))
	if err != nil || len(data) < 6 {
		fmt.Println("result no term:", err)
		return
	}
	binary.BigEndian.PutUint32(data[2:], c.declared)
	runtime.GC()
	debug.FreeOSMemory()
	// "5" resets VmHWM to the current RSS (Linux 4.0+); where it cannot,
	// the fresh process's peak is close to its current RSS anyway.
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	before := procStatusBytes("VmHWM:")
	var v any
	err = DecodeOptions{MaxDecompressedSize: c.limit}.Unmarshal(data, &v)
	after := procStatusBytes("VmHWM:")
	runtime.KeepAlive(v)
	fmt.Printf("before %d\ngrowth %d\n", before, after-before)
	var le *LimitError
	switch {
	case err == nil:
		fmt.Println("result ok")
	case errors.As(err, &le) || errors.Is(err, ErrInvalid):
		fmt.Println("result " + err.Error())
	default:
		fmt.Println("result untyped " + err.Error())
	}
}

// procStatusBytes reads a kB field of /proc/self/status, in bytes.
func procStatusBytes(field string) int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
