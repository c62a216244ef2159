// Package python embeds taipan's Python worker runtime (the taipan and
// erlport packages) so that a Go binary carries it, and installs it on disk
// where a Python interpreter can import it.
//
// The runtime is installed into a content-addressed directory: its name is
// the hash of every embedded file, so a new build never reuses an old
// runtime and many processes that start at once all end up with the same,
// complete directory (each writes into a private temporary directory and
// renames it into place; the first rename wins, the others discard theirs).
//
// Nothing in the cache is trusted because it is there (docs/security.md,
// "The runtime cache"): the cache directory must be the user's and closed
// to others (CheckCacheDir), the sources are checked against the embedded
// ones by sha256 and nothing else may lie where Python would import it
// (Verify; InstallChecked replaces a directory that fails), and the
// compiled files are compared with a fresh compile of those sources by the
// interpreter that will load them (Check).
package python

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
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
	return versionOf(manifest(files)), nil
}

// versionOf is the version a manifest names: the start of its sha256, the
// suffix of the install directory's name.
func versionOf(man []byte) string {
	sum := sha256.Sum256(man)
	return hex.EncodeToString(sum[:])[:24]
}

// Install makes sure the embedded runtime is on disk under cacheDir (by
// default os.UserCacheDir()/taipan) and returns its directory, the one to
// put on PYTHONPATH. See InstallChecked.
func Install(cacheDir string) (dir string, err error) {
	inst, err := InstallChecked(cacheDir)
	return inst.Dir, err
}

// Installation is the runtime as InstallChecked left it.
type Installation struct {
	// Dir is the runtime directory, the one to put on PYTHONPATH.
	Dir string
	// Restored is what was wrong with the directory found in its place
	// (Verify's findings), now replaced by a fresh copy of the embedded
	// runtime; empty on a first install or when it was intact.
	Restored []Damage
}

// InstallChecked makes sure the embedded runtime is on disk under
// cacheDir (by default os.UserCacheDir()/taipan). A cache directory that
// someone else could write into is refused (CheckCacheDir: a *CacheError).
// An existing runtime directory is reused after Verify; one that does not
// verify (a source changed, a file added, an entry that is a link or open
// to others: tampered with, or half written) is replaced by a fresh copy,
// and what was wrong is returned in Restored. Safe to call from many
// processes at once.
func InstallChecked(cacheDir string) (Installation, error) {
	if cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return Installation{}, fmt.Errorf("python: no cache directory: %w", err)
		}
		cacheDir = filepath.Join(base, "taipan")
	}
	files, err := sources()
	if err != nil {
		return Installation{}, fmt.Errorf("python: reading the embedded runtime: %w", err)
	}
	man := manifest(files)
	inst := Installation{Dir: filepath.Join(cacheDir, "runtime-"+versionOf(man))}

	if err := os.MkdirAll(cacheDir, dirMode); err != nil {
		return Installation{}, fmt.Errorf("python: %w", err)
	}
	if err := CheckCacheDir(cacheDir); err != nil {
		return Installation{}, err
	}
	if _, err := os.Lstat(inst.Dir); err == nil {
		var corrupt *CorruptError
		switch err := Verify(inst.Dir); {
		case err == nil:
			return inst, nil
		case errors.As(err, &corrupt):
			inst.Restored = corrupt.Damage
		default:
			return Installation{}, err
		}
	}
	tmp, err := os.MkdirTemp(cacheDir, ".install-")
	if err != nil {
		return Installation{}, fmt.Errorf("python: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	for _, f := range files {
		p := filepath.Join(tmp, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(p), dirMode); err != nil {
			return Installation{}, fmt.Errorf("python: %w", err)
		}
		if err := os.WriteFile(p, f.data, fileMode); err != nil {
			return Installation{}, fmt.Errorf("python: %w", err)
		}
	}
	// The manifest is written last: a directory with a manifest is complete.
	if err := os.WriteFile(filepath.Join(tmp, manifestName), man, fileMode); err != nil {
		return Installation{}, fmt.Errorf("python: %w", err)
	}
	for attempt := 0; ; attempt++ {
		err := os.Rename(tmp, inst.Dir)
		if err == nil {
			return inst, nil
		}
		// Someone else got there first: theirs is as good as ours if it
		// verifies. A broken one is moved aside (a rename, so concurrent
		// installers never see a half-deleted directory) and we retry.
		verr := Verify(inst.Dir)
		if verr == nil {
			return inst, nil
		}
		if attempt == 2 {
			return Installation{}, fmt.Errorf("python: installing the runtime into %s: %w (%w)", inst.Dir, err, verr)
		}
		if trash, terr := os.MkdirTemp(cacheDir, ".trash-"); terr == nil {
			if os.Rename(inst.Dir, filepath.Join(trash, "old")) == nil {
				os.RemoveAll(trash)
			} else {
				os.Remove(trash)
			}
		}
	}
}
