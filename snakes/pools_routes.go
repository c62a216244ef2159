package snakes

import (
	"fmt"
	"slices"
	"strings"
)

// RouteInfo is one entry of the routing table (Pools.Routes).
type RouteInfo struct {
	Key  string // "module" or "module.function"
	Pool string
}

// Route sends the calls of a module, or of one function, to the pool
// named pool (erlang_python's py:register_pool). key is "module" or
// "module.function"; a call of module.function goes to the pool of the
// route for "module.function" if there is one, else of the route for
// "module", else to "default". Module entries match the module exactly:
// a route for "numpy" does not take "numpy.linalg". Routing a key again
// replaces its route.
//
// The pool must exist (ErrNoSuchPool otherwise). Routes take effect for
// the calls that pick their pool after Route returns; calls may pick
// concurrently.
func (ps *Pools) Route(key, pool string) error {
	if err := validRoute(key); err != nil {
		return err
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if _, ok := (*ps.pools.Load())[pool]; !ok {
		return noSuchPool(pool)
	}
	old := *ps.routes.Load()
	next := make(map[string]string, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[key] = pool
	ps.routes.Store(&next)
	return nil
}

// Unroute removes the route for key and reports whether there was one
// (erlang_python's unregister_pool).
func (ps *Pools) Unroute(key string) bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	old := *ps.routes.Load()
	if _, ok := old[key]; !ok {
		return false
	}
	next := make(map[string]string, len(old))
	for k, v := range old {
		if k != key {
			next[k] = v
		}
	}
	ps.routes.Store(&next)
	return true
}

// Routes lists the routing table, sorted by key
// (erlang_python's list_pool_registrations).
func (ps *Pools) Routes() []RouteInfo {
	m := *ps.routes.Load()
	out := make([]RouteInfo, 0, len(m))
	for k, v := range m {
		out = append(out, RouteInfo{Key: k, Pool: v})
	}
	slices.SortFunc(out, func(a, b RouteInfo) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// PoolFor returns the name of the pool a call of module.function goes to
// (erlang_python's lookup_pool): the route for "module.function", else
// for "module", else "default". The pool may not exist (Get says so). It
// takes no lock and, for names up to 128 bytes, allocates nothing.
func (ps *Pools) PoolFor(module, function string) string {
	routes := *ps.routes.Load()
	if len(routes) == 0 {
		return PoolDefault
	}
	var buf [128]byte
	b := append(buf[:0], module...)
	b = append(b, '.')
	b = append(b, function...)
	if pool, ok := routes[string(b)]; ok { // no allocation: the compiler's map[string(bytes)]
		return pool
	}
	if pool, ok := routes[module]; ok {
		return pool
	}
	return PoolDefault
}

// validRoute checks a route key: dotted names with no empty segment.
func validRoute(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty key", ErrInvalidRoute)
	}
	for seg := range strings.SplitSeq(key, ".") {
		if seg == "" || strings.TrimSpace(seg) != seg {
			return fmt.Errorf("%w: %q", ErrInvalidRoute, key)
		}
	}
	return nil
}
