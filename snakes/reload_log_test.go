package snakes

import (
	"slices"
	"strconv"
	"testing"
)

func TestReloadLog(t *testing.T) {
	tests := []struct {
		name    string
		reloads [][]string
		since   int // the mark taken after this many reloads
		want    []string
	}{
		{"nothing since", [][]string{{"a"}}, 1, nil},
		{"one since", [][]string{{"a"}, {"b"}}, 1, []string{"b"}},
		{"merged, sorted, once", [][]string{{"z", "a"}, {"a", "m"}}, 0, []string{"a", "m", "z"}},
		{"empty log", nil, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l ReloadLog
			var mark uint64
			for i, r := range tt.reloads {
				if i == tt.since {
					mark = l.Mark()
				}
				l.Record(r)
			}
			if tt.since == len(tt.reloads) {
				mark = l.Mark()
			}
			got, next := l.Since(mark)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Since: %v, want %v", got, tt.want)
			}
			if next != l.Mark() {
				t.Fatalf("new mark %d, want %d", next, l.Mark())
			}
		})
	}

	t.Run("bounded, oldest dropped", func(t *testing.T) {
		var l ReloadLog
		for i := range maxLoggedReloads + 10 {
			l.Record([]string{"m" + strconv.Itoa(i)})
		}
		got, _ := l.Since(0)
		if len(got) != maxLoggedReloads || slices.Contains(got, "m0") {
			t.Fatalf("kept %d modules (m0 among them: %v)", len(got), slices.Contains(got, "m0"))
		}
	})
	t.Run("reset", func(t *testing.T) {
		var l ReloadLog
		l.Record([]string{"a"})
		mark := l.Mark()
		l.Reset()
		l.Record([]string{"b"})
		if got, _ := l.Since(mark); !slices.Equal(got, []string{"b"}) {
			t.Fatalf("after Reset: %v", got)
		}
	})
}
