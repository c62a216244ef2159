// Package python embeds taipan's Python worker runtime (the taipan and
// erlport packages) so that a Go binary carries it, and installs it on disk
// where a Python interpreter can import it.
//
// The runtime is installed into a content-addressed directory: its name is
// the hash of every embedded file, so a new build never reuses an old
// runtime and many processes that start at once all end up with the same,
// complete directory (each writes into a private temporary directory and
// renames it into place; the first rename wins, the others discard theirs).
package python

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// runtimeFS holds the Python sources of the runtime. Tests are filtered out
// at install time (go:embed patterns cannot exclude).
//
//go:embed taipan/*.py erlport/*.py
var runtimeFS embed.FS

// manifestName is the file, inside an installed runtime, that records the
// hash of every source file; Install verifies it before reusing a directory.
const manifestName = "MANIFEST.sha256"

// ErrCorrupt reports an installed runtime whose files do not match its
// manifest. Install replaces such a directory; Verify returns it.
var ErrCorrupt = errors.New("python: installed runtime does not match its manifest")

// sourceFile is one embedded file to install.
type sourceFile struct {
	name string // slash-separated, relative to the runtime root
	data []byte
}

// sources lists the embedded runtime files, sorted, tests excluded.
func sources() ([]sourceFile, error) {
	var out []sourceFile
	err := fs.WalkDir(runtimeFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		base := path.Base(p)
		if strings.HasPrefix(base, "test_") || strings.HasSuffix(base, "_test.py") {
			return nil
		}
		data, err := runtimeFS.ReadFile(p)
		if err != nil {
			return err
		}
		out = append(out, sourceFile{name: p, data: data})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, err
}

// manifest renders the manifest text: one "sha256  name" line per file, in
// name order. Its own hash names the install directory.
func manifest(files []sourceFile) []byte {
	var b strings.Builder
	for _, f := range files {
		sum := sha256.Sum256(f.data)
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), f.name)
	}
	return []byte(b.String())
}

// Version returns the content hash of the embedded runtime: the name of
// the directory Install creates.
func Version() (string, error) {
	files, err := sources()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(manifest(files))
	return hex.EncodeToString(sum[:])[:24], nil
}

// Install makes sure the embedded runtime is on disk under cacheDir (by
// default os.UserCacheDir()/taipan) and returns its directory, the one to
// put on PYTHONPATH. An existing directory is reused after its manifest and
// files are verified; a corrupted or partial one is replaced. Safe to call
// from many processes at once.
func Install(cacheDir string) (dir string, err error) {
	if cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("python: no cache directory: %w", err)
		}
		cacheDir = filepath.Join(base, "taipan")
	}
	files, err := sources()
	if err != nil {
		return "", fmt.Errorf("python: reading the embedded runtime: %w", err)
	}
	man := manifest(files)
	sum := sha256.Sum256(man)
	dir = filepath.Join(cacheDir, "runtime-"+hex.EncodeToString(sum[:])[:24])

	if Verify(dir) == nil {
		return dir, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return "", fmt.Errorf("python: %w", err)
	}
	tmp, err := os.MkdirTemp(cacheDir, ".install-")
	if err != nil {
		return "", fmt.Errorf("python: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	for _, f := range files {
		p := filepath.Join(tmp, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", fmt.Errorf("python: %w", err)
		}
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return "", fmt.Errorf("python: %w", err)
		}
	}
	// The manifest is written last: a directory with a manifest is complete.
	if err := os.WriteFile(filepath.Join(tmp, manifestName), man, 0o644); err != nil {
		return "", fmt.Errorf("python: %w", err)
	}
	for attempt := 0; ; attempt++ {
		err := os.Rename(tmp, dir)
		if err == nil {
			return dir, nil
		}
		// Someone else got there first: theirs is as good as ours if it
		// verifies. A broken one is moved aside (a rename, so concurrent
		// installers never see a half-deleted directory) and we retry.
		if Verify(dir) == nil {
			return dir, nil
		}
		if attempt == 2 {
			return "", fmt.Errorf("python: installing the runtime into %s: %w", dir, err)
		}
		if trash, terr := os.MkdirTemp(cacheDir, ".trash-"); terr == nil {
			if os.Rename(dir, filepath.Join(trash, "old")) == nil {
				os.RemoveAll(trash)
			} else {
				os.Remove(trash)
			}
		}
	}
}

// Verify checks an installed runtime directory against its manifest: every
// listed file present with the recorded hash. Files not listed (compiled
// .pyc files) are ignored.
func Verify(dir string) error {
	man, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	sum := sha256.Sum256(man)
	if !strings.HasSuffix(filepath.Base(dir), hex.EncodeToString(sum[:])[:24]) {
		return fmt.Errorf("%w: manifest hash differs from the directory name", ErrCorrupt)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(man)), "\n") {
		want, name, ok := strings.Cut(line, "  ")
		if !ok {
			return fmt.Errorf("%w: bad manifest line %q", ErrCorrupt, line)
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		got := sha256.Sum256(data)
		if hex.EncodeToString(got[:]) != want {
			return fmt.Errorf("%w: %s changed", ErrCorrupt, name)
		}
	}
	return nil
}

// Compile precompiles the runtime in dir to .pyc files for the given
// interpreter (`python -m compileall -q dir`). Interpreters that skip
// writing bytecode (PYTHONDONTWRITEBYTECODE=1) would otherwise compile the
// runtime on every start, 7–12 ms each. It is idempotent, and safe to run
// concurrently (Python writes .pyc files atomically); each interpreter
// version gets its own files.
func Compile(ctx context.Context, dir, pythonExe string) error {
	cmd := exec.CommandContext(ctx, pythonExe, "-I", "-m", "compileall", "-q", dir)
	// -I ignores PYTHON* variables (PYTHONDONTWRITEBYTECODE included,
	// which compileall does not obey anyway) and the user's site.
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("python: compiling the runtime: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
