package erlterm

import (
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"
)

// structField is what the codec needs to know about one struct field.
type structField struct {
	name      string // the map key, as text
	index     []int  // path through embedded structs
	omitEmpty bool
	atomKey   bool   // key travels as an atom instead of a binary
	key       []byte // the key, encoded once
	keyUTF8   []byte // the key when EncodeOptions.UTF8Atoms is set
}

// structInfo lists a struct type's encodable fields and finds them by key.
type structInfo struct {
	fields []structField
	byName map[string]int // exact key → index in fields
	byFold map[string]int // lower-cased key → index, for keys that differ in case
}

// structCache memoises structInfo per type. Like encoding/json's cache it
// holds facts derived from immutable types, so sharing it is safe.
var structCache sync.Map // reflect.Type → *structInfo

func cachedStructInfo(t reflect.Type) (*structInfo, error) {
	if si, ok := structCache.Load(t); ok {
		return si.(*structInfo), nil
	}
	si, err := buildStructInfo(t)
	if err != nil {
		return nil, err
	}
	actual, _ := structCache.LoadOrStore(t, si)
	return actual.(*structInfo), nil
}

// buildStructInfo reads the `erl:"name,omitempty,atom"` tags. Fields of
// embedded structs without a tag are promoted, the shallower field winning
// a name clash, as in encoding/json.
func buildStructInfo(t reflect.Type) (*structInfo, error) {
	si := &structInfo{byName: map[string]int{}, byFold: map[string]int{}}
	depthOf := map[string]int{}
	var walk func(t reflect.Type, index []int, depth int) error
	walk = func(t reflect.Type, index []int, depth int) error {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag, hasTag := f.Tag.Lookup("erl")
			if tag == "-" {
				continue
			}
			idx := append(append([]int(nil), index...), i)
			ft := f.Type
			if f.Anonymous && !hasTag {
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct && !termTypes[ft] {
					if f.Type.Kind() == reflect.Pointer {
						continue // promoting through nil pointers would need allocation on encode; keep it simple
					}
					if err := walk(ft, idx, depth+1); err != nil {
						return err
					}
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if name == "" {
				name = f.Name
			}
			if !utf8.ValidString(name) {
				return &EncodeError{Type: t, Err: errMapKeyNotString}
			}
			sf := structField{name: name, index: idx}
			for opts != "" {
				var o string
				o, opts, _ = strings.Cut(opts, ",")
				switch o {
				case "omitempty":
					sf.omitEmpty = true
				case "atom":
					sf.atomKey = true
				}
			}
			var err error
			if sf.key, err = encodeKey(name, sf.atomKey, false); err != nil {
				return err
			}
			if sf.keyUTF8, err = encodeKey(name, sf.atomKey, true); err != nil {
				return err
			}
			if d, seen := depthOf[name]; seen {
				if d <= depth {
					continue
				}
				si.fields[si.byName[name]] = sf
				depthOf[name] = depth
				continue
			}
			depthOf[name] = depth
			si.byName[name] = len(si.fields)
			si.fields = append(si.fields, sf)
		}
		return nil
	}
	if err := walk(t, nil, 0); err != nil {
		return nil, err
	}
	for i, f := range si.fields {
		low := strings.ToLower(f.name)
		if _, ok := si.byFold[low]; !ok {
			si.byFold[low] = i
		}
	}
	return si, nil
}

// encodeKey encodes a struct field's map key once, for every use.
func encodeKey(name string, atom, utf8Atoms bool) ([]byte, error) {
	e := encodeState{maxDepth: DefaultMaxDepth, utf8Atoms: utf8Atoms}
	var err error
	if atom {
		err = e.atom(name)
	} else {
		err = e.binary(name)
	}
	return e.buf, err
}

// field returns the index of the field a key names, -1 if none: an exact
// match first, then one that differs only in case.
func (si *structInfo) field(key []byte) int {
	// A short scan beats hashing the key for the few fields most structs
	// have: most candidates are ruled out by their length alone.
	if len(si.fields) <= 16 {
		for i := range si.fields {
			if name := si.fields[i].name; len(name) == len(key) && name == string(key) {
				return i
			}
		}
	} else if i, ok := si.byName[string(key)]; ok {
		return i
	}
	if i, ok := si.byFold[strings.ToLower(string(key))]; ok {
		return i
	}
	return -1
}
