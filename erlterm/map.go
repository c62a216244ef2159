package erlterm

// Map is an Erlang map kept as its entries, in the order they were met.
// It holds what a Go map cannot: keys that are tuples, lists, maps, binaries
// as []byte, big integers, references. Decoding into `any` yields a Map only
// when some key is of such a kind (or when DecodeOptions.OrderedMaps is set);
// otherwise it yields map[string]any or map[any]any.
type Map []MapEntry

// MapEntry is one key and its value.
type MapEntry struct {
	Key   any
	Value any
}

// Get returns the value of the first entry whose key equals key (by Equal),
// and whether there was one. It scans the entries: Map is meant for small
// maps with unusual keys, not for lookups in bulk.
func (m Map) Get(key any) (any, bool) {
	for _, e := range m {
		if Equal(e.Key, key) {
			return e.Value, true
		}
	}
	return nil, false
}
