package python

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// CheckCacheDir checks that dir, the cache directory the runtime is
// installed under, is safe to run code from: a directory of the current
// user that group and others cannot write, under parents nobody else can
// swap it out of (each owned by the user or root, and not writable by
// group or others unless sticky, as /tmp is). A symbolic link is followed
// and checked on both sides: the link's parents (who could replace the
// link) and its target's. The error is a *CacheError naming the directory
// at fault, what is wrong and how to fix it.
func CheckCacheDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("python: checking the cache directory: %w", err)
	}
	uid := os.Geteuid()
	if err := checkChain(abs, uid); err != nil {
		return err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return fmt.Errorf("python: checking the cache directory: %w", err)
	}
	if real != abs {
		return checkChain(real, uid)
	}
	return nil
}

// checkChain checks p as the cache directory and each of its parents up to
// the root. A symbolic link on the way is judged by its parent, the next
// step (its target is checked by the caller's second chain).
func checkChain(p string, uid int) error {
	for own := true; ; own = false {
		fi, err := os.Lstat(p)
		if err != nil {
			return fmt.Errorf("python: checking the cache directory: %w", err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			if reason, fix := cacheDirProblem(fi, uid, own); reason != "" {
				return &CacheError{Path: p, Reason: reason, Fix: fmt.Sprintf(fix, p)}
			}
		}
		parent := filepath.Dir(p)
		if parent == p {
			return nil
		}
		p = parent
	}
}

// cacheDirProblem says what makes fi unsafe for the user uid and how to
// fix it (a format with the path as its one verb), or "" when it is safe:
// as the cache directory itself (own) it must be the user's and closed to
// group and others; as a parent it may be root's too, and open to others
// when sticky (they cannot rename or remove what is not theirs).
func cacheDirProblem(fi fs.FileInfo, uid int, own bool) (reason, fix string) {
	const elsewhere = "or point the cache at a directory of yours (InterpreterOptions.CacheDir, or XDG_CACHE_HOME)"
	if !fi.IsDir() {
		return "not a directory", "remove %s, " + elsewhere
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "of unknown ownership", "%s cannot be checked: " + elsewhere
	}
	owner, perm := int(st.Uid), fi.Mode().Perm()
	writable := perm&0o022 != 0
	switch {
	case own && owner != uid:
		return fmt.Sprintf("owned by uid %d, not by you (uid %d)", owner, uid),
			"taipan runs code from it: remove it as its owner (rm -rf %s; it is re-created), " + elsewhere
	case own && writable:
		return fmt.Sprintf("writable by group or others (mode %#o)", perm), "chmod go-w %s, " + elsewhere
	case !own && owner != uid && owner != 0:
		return fmt.Sprintf("a parent owned by uid %d, neither you (uid %d) nor root", owner, uid),
			"its owner could replace the cache in %s: " + elsewhere
	case !own && writable && fi.Mode()&fs.ModeSticky == 0:
		return fmt.Sprintf("a parent writable by group or others without the sticky bit (mode %#o)", perm),
			"others could replace the cache: chmod go-w %s, " + elsewhere
	}
	return "", ""
}
