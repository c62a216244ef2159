package examples_test

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
)

// The examples, each built once into a temporary directory and run from
// the repository root, as `go run ./examples/NAME` would be.
var names = []string{"quickstart", "datasci", "callbacks", "streaming", "supervision"}

var build struct {
	once sync.Once
	bin  string // directory of the binaries
	root string // the repository root
	env  []string
	err  error
	out  []byte
}

func binaries(t *testing.T) (bin, root string, env []string) {
	t.Helper()
	build.once.Do(func() {
		build.root, build.err = filepath.Abs("..")
		if build.err != nil {
			return
		}
		build.bin, build.err = os.MkdirTemp("", "taipan-examples-")
		if build.err != nil {
			return
		}
		// One runtime cache for all the runs, away from the user's.
		build.env = append(os.Environ(), "XDG_CACHE_HOME="+filepath.Join(build.bin, "cache"))
		args := []string{"build", "-o", build.bin}
		if raceEnabled {
			args = append(args, "-race")
		}
		for _, n := range names {
			args = append(args, "./examples/"+n)
		}
		cmd := exec.Command("go", args...)
		cmd.Dir = build.root
		build.out, build.err = cmd.CombinedOutput()
	})
	if build.err != nil {
		t.Fatalf("go build: %v\n%s", build.err, build.out)
	}
	return build.bin, build.root, build.env
}

func TestMain(m *testing.M) {
	code := testkit.Main(m)
	if build.bin != "" {
		os.RemoveAll(build.bin)
	}
	os.Exit(code)
}

// runExample runs one example from dir (the repository root when empty)
// and returns its output; it fails the test when the example fails.
func runExample(t *testing.T, name, dir string) string {
	t.Helper()
	bin, root, env := binaries(t)
	if dir == "" {
		dir = root
	}
	cmd := exec.CommandContext(testkit.Context(t), filepath.Join(bin, name))
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	err := cmd.Run()
	t.Logf("%s (%v):\n%s", name, time.Since(start).Round(time.Millisecond), out.String())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out.String()
}

func wantLines(t *testing.T, out string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if !regexp.MustCompile(`(?m)` + p).MatchString(out) {
			t.Errorf("no line matches %q", p)
		}
	}
}

func TestQuickstart(t *testing.T) {
	t.Parallel()
	out := runExample(t, "quickstart", "")
	wantLines(t, out,
		`^started Python 3\.\d+\.\d+, pool "default" of \d+ workers$`,
		`^interpreter: /\S+ \(another: TAIPAN_PYTHON=/path/to/python3\)$`,
		`^builtins\.pow\(2, 10\) = 1024 \(int64\)$`,
		`^builtins\.str\.upper\("taipan"\) = "TAIPAN"$`,
		`= "Welcome, Gopher!!"$`,
		`^greet\.summary\(\[3, 5, 8, 13\]\) = \{Count:4 Total:29 Mean:7\.25\}$`,
		`^greet\.ratio\(1, 0\) failed: builtins\.ZeroDivisionError$`,
		`^Traceback \(most recent call last\):$`,
		`^  File ".*examples/quickstart/greet\.py", line \d+, in ratio$`,
		`^    return a / b$`,
		`^builtins\.ZeroDivisionError: division by zero$`,
		`^greet\.ratio\(1, 4\) = 0\.25`,
		`^stopped: no Python process left$`,
	)
}

// TestQuickstartElsewhere runs the example from another working directory:
// it finds its Python module next to its source all the same.
func TestQuickstartElsewhere(t *testing.T) {
	t.Parallel()
	out := runExample(t, "quickstart", t.TempDir())
	wantLines(t, out, `^stopped: no Python process left$`)
}

func TestDatasci(t *testing.T) {
	t.Parallel()
	out := runExample(t, "datasci", "")
	wantLines(t, out,
		`^pool "datasci": 3 workers, Python 3\.\d+\.\d+, backend: (pandas \S+|standard library \(csv, statistics\))$`,
		`^interpreter: /\S+ \(another: TAIPAN_PYTHON=/path/to/python3\)$`,
		`^file +column +mean +rows +worker pid$`,
		`^5 calls ran on [1-3] distinct workers$`,
		`^stats: workers=3 idle=3 busy=0 waiting=0 spawned=3 crashes=0 timeouts=0$`,
		`^pool stopped$`,
	)

	// The table, against means computed here from the CSV files.
	rows := map[string][]string{} // "file column" → mean, rows
	line := regexp.MustCompile(`(?m)^(\S+\.csv) +(\S+) +(-?[\d.]+) +(\d+) +\d+$`)
	for _, m := range line.FindAllStringSubmatch(out, -1) {
		rows[m[1]+" "+m[2]] = m[3:5]
	}
	want := map[string][]string{
		"iris.csv":     {"sepal_length", "sepal_width", "petal_length", "petal_width"},
		"penguins.csv": {"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"},
	}
	n := 0
	for file, columns := range want {
		means, counts := columnMeans(t, filepath.Join("datasci", "data", file))
		for _, c := range columns {
			n++
			got, ok := rows[file+" "+c]
			if !ok {
				t.Errorf("no table row for %s %s", file, c)
				continue
			}
			mean, _ := strconv.ParseFloat(got[0], 64)
			count, _ := strconv.Atoi(got[1])
			if math.Abs(mean-means[c]) > 0.0006 || count != counts[c] {
				t.Errorf("%s %s: table says mean %s over %s rows, want %.3f over %d", file, c, got[0], got[1], means[c], counts[c])
			}
		}
	}
	if len(rows) != n {
		t.Errorf("the table has %d rows, want %d", len(rows), n)
	}
}

// columnMeans computes the mean and count of the numeric values of every
// column of a CSV file, skipping missing ones ("NA", empty).
func columnMeans(t *testing.T, path string) (map[string]float64, map[string]int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	sums, counts := map[string]float64{}, map[string]int{}
	for _, r := range records[1:] {
		for i, cell := range r {
			if v, err := strconv.ParseFloat(strings.TrimSpace(cell), 64); err == nil && !math.IsNaN(v) {
				sums[records[0][i]] += v
				counts[records[0][i]]++
			}
		}
	}
	means := map[string]float64{}
	for c, s := range sums {
		means[c] = s / float64(counts[c])
	}
	return means, counts
}

func TestCallbacks(t *testing.T) {
	t.Parallel()
	out := runExample(t, "callbacks", "")
	wantLines(t, out,
		`^main thread: taipan\.host\.call\("double", 21\) = 42$`,
		`^4 threads: results \[0 1 4 9\] in \S+, up to [1-4] Go calls at once$`,
		`^asyncio: results \[0 1 4 9\] in \S+, up to [1-4] Go calls at once; the event loop ticked \d+ times meanwhile$`,
		`^go error: caught taipan\.HostError: lookup failed: no such user$`,
		`^unregistered: taipan\.HostError: .*no such Go function: nope$`,
		`^worker stopped$`,
	)
	// The four Go calls of the threads overlap (each sleeps 200 ms); a
	// loaded machine may start them late, so only ask for two at once.
	m := regexp.MustCompile(`(?m)^4 threads: .* up to (\d) Go calls at once$`).FindStringSubmatch(out)
	if m == nil || m[1] < "2" {
		t.Errorf("the Python threads' host calls did not overlap")
	}
}

func TestStreaming(t *testing.T) {
	t.Parallel()
	out := runExample(t, "streaming", "")
	wantLines(t, out,
		`^count\(10\): 10 items, sum of squares 285$`,
		`^count\(100\): stopped after 50 items$`,
		`^generator closed: true, ran to the end: false, produced \d+ of 100 items`,
		`python: count\(100\): finally ran after \d+ items`, // print() through the hclog logger
		`^async generator: tick 2$`,
		`^worker stopped$`,
	)
}

func TestSupervision(t *testing.T) {
	t.Parallel()
	out := runExample(t, "supervision", t.TempDir()) // finds work.py next to its source
	wantLines(t, out,
		`^work\.square\(7\) = 49$`,
		`child counter exited: panic: counter told to crash$`,
		`child counter restarted as `,
		`^counter restarted: its count starts again at 1$`,
		`pool failed: .*2 worker crashes within 1m0s`,
		`child pool:default exited: snakes: pool "default" failed`,
		`child pool:default restarted as `,
		`^pool revived: 2 fresh workers, the same handle$`,
		`^stopped: no Python process left$`,
	)
}
