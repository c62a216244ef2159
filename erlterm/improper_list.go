package erlterm

// ImproperList is an Erlang list whose tail is not the empty list, such as
// [1, 2 | 3]. Proper lists decode to Go slices; only improper ones need this.
type ImproperList struct {
	Elems []any // at least one element
	Tail  any   // anything but the empty list
}
