package python

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors, for errors.Is.
var (
	// ErrCorrupt reports an installed runtime that does not match the
	// embedded one: a source changed or missing, a file that should not be
	// there, an entry that is a link or is writable by others. Install
	// replaces such a directory; Verify returns it as a *CorruptError.
	ErrCorrupt = errors.New("python: installed runtime does not match its manifest")

	// ErrCacheUnsafe reports a cache directory (or one of its parents)
	// that someone other than the current user could write into: taipan
	// refuses to run code from it. The error is a *CacheError.
	ErrCacheUnsafe = errors.New("python: runtime cache is not safe")
)

// Damage is one thing wrong with an installed runtime.
type Damage struct {
	// Name is the file or directory, slash-separated and relative to the
	// runtime directory ("taipan/etf.py").
	Name string
	// Reason says what is wrong ("changed", "unexpected file", ...).
	Reason string
}

func (d Damage) String() string { return d.Name + ": " + d.Reason }

// CorruptError is an installed runtime that does not match the embedded
// one. It matches ErrCorrupt.
type CorruptError struct {
	Dir    string   // the runtime directory
	Damage []Damage // what differs, at least one entry
}

func (e *CorruptError) Error() string {
	parts := make([]string, len(e.Damage))
	for i, d := range e.Damage {
		parts[i] = d.String()
	}
	return fmt.Sprintf("%v: %s: %s", ErrCorrupt, e.Dir, strings.Join(parts, "; "))
}

func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// CacheError is a cache directory taipan refuses to use. It matches
// ErrCacheUnsafe.
type CacheError struct {
	Path   string // the directory at fault: the cache directory or a parent
	Reason string // what is wrong with it ("writable by group or others")
	Fix    string // what the user can do about it
}

func (e *CacheError) Error() string {
	return fmt.Sprintf("%v: %s is %s (%s)", ErrCacheUnsafe, e.Path, e.Reason, e.Fix)
}

func (e *CacheError) Is(target error) bool { return target == ErrCacheUnsafe }
