package watcher

import (
	"slices"
	"testing"
	"time"
)

func TestPending(t *testing.T) {
	const d = 100 * time.Millisecond
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	type ev struct {
		path string
		ms   int
	}
	cases := []struct {
		name   string
		events []ev
		due    int      // ms after t0 the batch fires
		take   []string // what it takes then
		left   bool     // paths left pending
	}{
		{"one event", []ev{{"a", 0}}, 100, []string{"a"}, false},
		{"a burst on one path is one batch after the last write",
			[]ev{{"a", 0}, {"a", 2}, {"a", 50}, {"a", 98}}, 198, []string{"a"}, false},
		{"paths changing together are one batch",
			[]ev{{"a", 0}, {"b", 30}, {"c", 60}}, 160, []string{"a", "b", "c"}, false},
		{"a path that keeps changing holds the others one debounce at most",
			[]ev{{"a", 0}, {"b", 10}, {"b", 150}, {"b", 290}}, 200, []string{"a"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newPending(d)
			if _, ok := p.due(); ok {
				t.Fatal("empty but due")
			}
			for _, e := range c.events {
				p.add(e.path, at(e.ms))
			}
			due, ok := p.due()
			if !ok || !due.Equal(at(c.due)) {
				t.Fatalf("due at %v, want +%dms", due.Sub(t0), c.due)
			}
			if got := p.take(at(c.due)); !slices.Equal(got, c.take) {
				t.Errorf("take: %v, want %v", got, c.take)
			}
			if p.empty() == c.left {
				t.Errorf("left pending: %v", p.last)
			}
		})
	}
}
