package python

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCheckCacheDir checks real directories: the cache directory and its
// parents, made unsafe as a user or an installer could.
func TestCheckCacheDir(t *testing.T) {
	tests := []struct {
		name string
		// setup makes the cache directory under base and returns it and
		// the directory the refusal must name ("" when it is safe).
		setup      func(t *testing.T, base string) (cache, culprit string)
		wantReason string
		wantFix    string
	}{
		{name: "private directory", setup: func(t *testing.T, base string) (string, string) {
			return mkdir(t, base, "cache", 0o755), ""
		}},
		{name: "group-writable cache", wantReason: "writable by group or others (mode 0775)", wantFix: "chmod go-w",
			setup: func(t *testing.T, base string) (string, string) {
				c := mkdir(t, base, "cache", 0o775)
				return c, c
			}},
		{name: "world-writable cache, even sticky", wantReason: "writable by group or others", wantFix: "chmod go-w",
			setup: func(t *testing.T, base string) (string, string) {
				c := mkdir(t, base, "cache", 0o777|fs.ModeSticky)
				return c, c
			}},
		{name: "parent writable by others", wantReason: "a parent writable by group or others without the sticky bit", wantFix: "chmod go-w",
			setup: func(t *testing.T, base string) (string, string) {
				p := mkdir(t, base, "shared", 0o777)
				return mkdir(t, p, "cache", 0o755), p
			}},
		{name: "sticky parent, as /tmp", setup: func(t *testing.T, base string) (string, string) {
			p := mkdir(t, base, "tmp", 0o777|fs.ModeSticky)
			return mkdir(t, p, "cache", 0o700), ""
		}},
		{name: "link to a group-writable directory", wantReason: "writable by group or others", wantFix: "chmod go-w",
			setup: func(t *testing.T, base string) (string, string) {
				target := mkdir(t, base, "target", 0o770)
				link := filepath.Join(base, "cache")
				if err := os.Symlink(target, link); err != nil {
					t.Fatal(err)
				}
				return link, target
			}},
		{name: "not a directory", wantReason: "not a directory", wantFix: "remove",
			setup: func(t *testing.T, base string) (string, string) {
				f := filepath.Join(base, "cache")
				if err := os.WriteFile(f, nil, 0o644); err != nil {
					t.Fatal(err)
				}
				return f, f
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			cache, culprit := tt.setup(t, base)
			err := CheckCacheDir(cache)
			if culprit == "" {
				if err != nil {
					t.Fatalf("a safe cache refused: %v", err)
				}
				return
			}
			var ce *CacheError
			if !errors.Is(err, ErrCacheUnsafe) || !errors.As(err, &ce) {
				t.Fatalf("want a *CacheError matching ErrCacheUnsafe, got %v", err)
			}
			if ce.Path != culprit || !strings.Contains(ce.Reason, tt.wantReason) || !strings.Contains(ce.Fix, tt.wantFix) {
				t.Fatalf("got %+v, want path %s, reason %q, fix with %q", ce, culprit, tt.wantReason, tt.wantFix)
			}
			if !strings.Contains(err.Error(), culprit) || !strings.Contains(err.Error(), ce.Fix) {
				t.Fatalf("the message must name the path and the fix: %v", err)
			}
		})
	}
}

// TestCheckCacheDirOtherOwner gives the cache directory to another user,
// which needs the right to chown (root); TestCacheDirProblem covers the
// same rule on stat results everywhere.
func TestCheckCacheDirOtherOwner(t *testing.T) {
	cache := mkdir(t, t.TempDir(), "cache", 0o755)
	if err := os.Chown(cache, 65534, 65534); err != nil {
		t.Skipf("cannot give a directory to another user here (%v): TestCacheDirProblem covers the rule", err)
	}
	var ce *CacheError
	if err := CheckCacheDir(cache); !errors.As(err, &ce) || ce.Path != cache || !strings.Contains(ce.Reason, "owned by uid 65534") {
		t.Fatalf("a cache of another user: %v", err)
	}
	if _, err := InstallChecked(cache); !errors.Is(err, ErrCacheUnsafe) {
		t.Fatalf("Install into a cache of another user: %v", err)
	}
}

// TestCacheDirProblem is the rule on stat results: the cache directory
// must be the user's and closed to group and others; a parent may be
// root's, and open when sticky.
func TestCacheDirProblem(t *testing.T) {
	const me, other = 1000, 1001
	tests := []struct {
		name   string
		fi     fakeInfo
		own    bool
		reason string // "" when safe
	}{
		{"mine, 0755", dirInfo(me, 0o755), true, ""},
		{"mine, 0700", dirInfo(me, 0o700), true, ""},
		{"another user's", dirInfo(other, 0o755), true, "owned by uid 1001, not by you (uid 1000)"},
		{"root's, as the cache itself", dirInfo(0, 0o755), true, "owned by uid 0, not by you (uid 1000)"},
		{"mine, group-writable", dirInfo(me, 0o775), true, "writable by group or others (mode 0775)"},
		{"mine, others-writable", dirInfo(me, 0o757), true, "writable by group or others (mode 0757)"},
		{"mine, sticky and open", dirInfo(me, 0o777|fs.ModeSticky), true, "writable by group or others (mode 0777)"},
		{"a file", fakeInfo{mode: 0o644, uid: me}, true, "not a directory"},
		{"parent: mine", dirInfo(me, 0o755), false, ""},
		{"parent: root's", dirInfo(0, 0o755), false, ""},
		{"parent: root's and sticky, as /tmp", dirInfo(0, 0o777|fs.ModeSticky), false, ""},
		{"parent: another user's", dirInfo(other, 0o755), false, "a parent owned by uid 1001, neither you (uid 1000) nor root"},
		{"parent: root's, group-writable", dirInfo(0, 0o775), false, "a parent writable by group or others without the sticky bit (mode 0775)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reason, fix := cacheDirProblem(tt.fi, me, tt.own)
			if reason != tt.reason {
				t.Fatalf("reason %q, want %q", reason, tt.reason)
			}
			if (reason == "") != (fix == "") || (fix != "" && !strings.Contains(fix, "%s")) {
				t.Fatalf("fix %q for reason %q", fix, reason)
			}
		})
	}
}

// TestInstallRefusesUnsafeCache: nothing is installed into, nor run from,
// a cache others can write.
func TestInstallRefusesUnsafeCache(t *testing.T) {
	cache := mkdir(t, t.TempDir(), "cache", 0o777)
	if _, err := InstallChecked(cache); !errors.Is(err, ErrCacheUnsafe) {
		t.Fatalf("Install into a world-writable cache: %v", err)
	}
	if left, _ := os.ReadDir(cache); len(left) > 0 {
		t.Fatalf("something was installed: %v", left)
	}
}

func mkdir(t *testing.T, parent, name string, mode fs.FileMode) string {
	t.Helper()
	d := filepath.Join(parent, name)
	if err := os.Mkdir(d, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(d, mode); err != nil { // no umask
		t.Fatal(err)
	}
	return d
}

// fakeInfo is a stat result as the rule sees it.
type fakeInfo struct {
	mode fs.FileMode
	uid  uint32
}

func dirInfo(uid uint32, mode fs.FileMode) fakeInfo {
	return fakeInfo{mode: fs.ModeDir | mode, uid: uid}
}

func (f fakeInfo) Name() string       { return "d" }
func (f fakeInfo) Size() int64        { return 0 }
func (f fakeInfo) Mode() fs.FileMode  { return f.mode }
func (f fakeInfo) ModTime() time.Time { return time.Time{} }
func (f fakeInfo) IsDir() bool        { return f.mode.IsDir() }
func (f fakeInfo) Sys() any           { return &syscall.Stat_t{Uid: f.uid} }
