package snakes

import (
	"fmt"
	"strings"
)

// allowlist is Options.Allow made into maps once, at Start, so that the
// check on every request is a map lookup or two and allocates nothing.
//
// The rule (docs/security.md): module M, function F may be called when
// M+"."+F is an entry, or when M is an entry and F has no dot. A dotted F
// is an attribute path ("date.today" on datetime): a whole-module entry
// must not reach through one (mymod + "os.system" is os.system). Module
// names have dots too ("os.path"), so an entry "a.b.c" is split at every
// dot: it allows module "a.b.c" (undotted functions), "a.b" + "c" and
// "a" + "b.c" — exactly the pairs whose M+"."+F it is.
type allowlist struct {
	modules map[string]allowed
}

// allowed is what an allowlist lets a module call.
type allowed struct {
	whole bool                // every undotted function
	funcs map[string]struct{} // these functions, dotted or not
}

// newAllowlist builds the allowlist of entries; nil (no list) allows
// everything. A malformed entry (empty, or an empty dotted part) is an
// *OptionError (ErrInvalidOptions).
func newAllowlist(entries []string) (*allowlist, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	a := &allowlist{modules: make(map[string]allowed, len(entries))}
	for _, e := range entries {
		if e == "" || strings.HasPrefix(e, ".") || strings.HasSuffix(e, ".") || strings.Contains(e, "..") {
			return nil, &OptionError{Option: "Allow", Problem: fmt.Sprintf("%q is not a module or a module.function", e)}
		}
		m := a.modules[e]
		m.whole = true
		a.modules[e] = m
		for i := range len(e) {
			if e[i] != '.' {
				continue
			}
			m := a.modules[e[:i]]
			if m.funcs == nil {
				m.funcs = make(map[string]struct{})
			}
			m.funcs[e[i+1:]] = struct{}{}
			a.modules[e[:i]] = m
		}
	}
	return a, nil
}

// check refuses module.function unless the allowlist lets it be called.
func (a *allowlist) check(module, function string) error {
	if m, ok := a.modules[module]; ok {
		if m.whole && strings.IndexByte(function, '.') < 0 {
			return nil
		}
		if _, ok := m.funcs[function]; ok {
			return nil
		}
	}
	return &NotAllowedError{Module: module, Function: function}
}

// admit refuses a request naming module.function that the worker's
// allowlist does not allow; every Call, Cast and Stream (and so every
// pool, lease, session and pet request) passes here before anything is
// encoded or sent. Init is not a request: it is the program's own.
func (w *Worker) admit(module, function string) error {
	if w.allow == nil {
		return nil
	}
	return w.allow.check(module, function)
}
