package python

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// pycacheDir is where Python keeps a package's compiled files (PEP 3147).
const pycacheDir = "__pycache__"

// Verify checks an installed runtime directory against its manifest, whose
// hash names the directory (and Install names the directory after the
// embedded runtime, so a directory that verifies holds the embedded
// sources): every listed source present with its recorded sha256; nothing
// else that Python could import from it (only the manifest, the package
// directories and their __pycache__ directories besides); and every entry
// a plain file or directory, not a link, of the current user, that group
// and others cannot write. Compiled files are compared with a fresh
// compile by Check, which needs the interpreter. The error is a
// *CorruptError naming every problem.
func Verify(dir string) error {
	v := verifier{dir: dir, uid: os.Geteuid()}
	v.check(".", dir)
	if len(v.damage) > 0 {
		return v.err()
	}
	man, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		v.add(manifestName, "missing")
		return v.err()
	}
	if !strings.HasSuffix(filepath.Base(dir), versionOf(man)) {
		v.add(manifestName, "does not match the directory's name")
		return v.err()
	}
	want := make(map[string]string) // source name → its sha256
	v.dirs = map[string]bool{".": true}
	for _, line := range strings.Split(strings.TrimSpace(string(man)), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			v.add(manifestName, fmt.Sprintf("bad line %q", line))
			return v.err()
		}
		want[name] = sum
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			v.dirs[d] = true
		}
	}
	v.want = want
	v.walk(".")
	for name, sum := range want {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		switch {
		case err != nil && os.IsNotExist(err):
			v.add(name, "missing")
		case err != nil:
			v.add(name, err.Error())
		default:
			if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != sum {
				v.add(name, "changed")
			}
		}
	}
	if len(v.damage) > 0 {
		return v.err()
	}
	return nil
}

// verifier collects what Verify finds.
type verifier struct {
	dir    string
	uid    int
	want   map[string]string // the manifest's sources
	dirs   map[string]bool   // the directories that hold them, "." included
	damage []Damage
}

func (v *verifier) add(name, reason string) { v.damage = append(v.damage, Damage{name, reason}) }

func (v *verifier) err() error {
	sort.Slice(v.damage, func(i, j int) bool { return v.damage[i].Name < v.damage[j].Name })
	return &CorruptError{Dir: v.dir, Damage: v.damage}
}

// walk checks the entries of the directory rel: the expected ones are
// checked (check) and descended into; anything else is damage.
func (v *verifier) walk(rel string) {
	entries, err := os.ReadDir(filepath.Join(v.dir, filepath.FromSlash(rel)))
	if err != nil {
		v.add(rel, err.Error())
		return
	}
	for _, e := range entries {
		name := path.Join(rel, e.Name())
		if !v.check(name, filepath.Join(v.dir, filepath.FromSlash(name))) {
			continue
		}
		switch {
		case e.IsDir() && v.dirs[name]:
			v.walk(name)
		case e.IsDir() && e.Name() == pycacheDir && rel != ".":
			v.walkPycache(name)
		case e.IsDir():
			v.add(name, "unexpected directory")
		case v.want[name] == "" && name != manifestName:
			v.add(name, "unexpected file")
		}
	}
}

// walkPycache checks a package's __pycache__: plain files only, safe like
// the rest. Their names do not matter (Python loads a compiled file there
// only for a source beside it, and Check compares those with a compile).
func (v *verifier) walkPycache(rel string) {
	entries, err := os.ReadDir(filepath.Join(v.dir, filepath.FromSlash(rel)))
	if err != nil {
		v.add(rel, err.Error())
		return
	}
	for _, e := range entries {
		v.checkPycacheEntry(path.Join(rel, e.Name()), e.IsDir())
	}
}

// checkPycacheEntry checks the entry name that a listing of a __pycache__
// showed. One gone since the listing is no damage: a Check in another
// process (Python's atomic write: NAME.pyc.ID, renamed to NAME.pyc) made
// and renamed it meanwhile, and nothing is left to load from it. Were it
// damage, a process starting beside another's first Check would move the
// runtime that Check is writing into aside, and install it again.
func (v *verifier) checkPycacheEntry(name string, isDir bool) {
	fi, err := os.Lstat(filepath.Join(v.dir, filepath.FromSlash(name)))
	switch {
	case os.IsNotExist(err):
	case err != nil:
		v.add(name, err.Error())
	case entryProblem(fi, v.uid) != "":
		v.add(name, entryProblem(fi, v.uid))
	case isDir:
		v.add(name, "unexpected directory")
	}
}

// check records what makes the entry at p (named name) unsafe, and
// reports whether it was fine.
func (v *verifier) check(name, p string) bool {
	fi, err := os.Lstat(p)
	if err != nil {
		if os.IsNotExist(err) {
			v.add(name, "missing")
		} else {
			v.add(name, err.Error())
		}
		return false
	}
	if reason := entryProblem(fi, v.uid); reason != "" {
		v.add(name, reason)
		return false
	}
	return true
}

// entryProblem says what makes an entry of the runtime directory unsafe
// for the user uid, or "": it must be a plain file or a directory (a link
// could point anywhere, later), the user's, closed to group and others.
func entryProblem(fi fs.FileInfo, uid int) string {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return "a symbolic link"
	case !fi.IsDir() && !fi.Mode().IsRegular():
		return "not a regular file"
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "of unknown ownership"
	}
	if int(st.Uid) != uid {
		return fmt.Sprintf("owned by uid %d, not by you (uid %d)", st.Uid, uid)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Sprintf("writable by group or others (mode %#o)", fi.Mode().Perm())
	}
	return ""
}
