package snakes

import "reflect"

// Inherit returns o completed from template, the rule every template of
// taipan follows (PoolsOptions.Worker for a pool's Worker, the pets'
// Options.Worker for a pet's, taipan.Options for both; docs/configuration.md,
// "How options are inherited"):
//
//   - a field o leaves at its zero value takes template's;
//   - a field o sets replaces template's, except the fields tagged
//     `inherit:"prepend"` or `inherit:"append"` (Paths, Env, Funcs), whose
//     entries are added to template's so that o's win: o's Paths come
//     first (searched first), o's Env entries last (a variable set twice
//     takes its last value), o's Funcs replace template's of the same name;
//   - a struct field that o sets in part is completed field by field by the
//     same rule (a struct with unexported fields is one value).
//
// A bool template sets cannot be turned off by o: give that pool or pet a
// template of its own. The rule is applied by reflection, so that a field
// added to Options later is inherited without more code; it runs once per
// pool or pet start, never per call.
func (o Options) Inherit(template Options) Options {
	inherit(reflect.ValueOf(&o).Elem(), reflect.ValueOf(template))
	return o
}

// inherit completes the struct dst (addressable) from tmpl, field by field.
func inherit(dst, tmpl reflect.Value) {
	t := dst.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		d, s := dst.Field(i), tmpl.Field(i)
		switch mode := f.Tag.Get("inherit"); {
		case s.IsZero():
		case mode == "prepend" && f.Type.Kind() == reflect.Slice:
			d.Set(concat(d, s))
		case mode == "append" && f.Type.Kind() == reflect.Slice:
			d.Set(concat(s, d))
		case mode == "append" && f.Type.Kind() == reflect.Map:
			d.Set(union(s, d))
		case d.IsZero():
			d.Set(s)
		case f.Type.Kind() == reflect.Struct && allExported(f.Type):
			inherit(d, s)
		}
	}
}

// concat is a fresh slice of a's elements then b's: the result shares no
// memory with the template's (a pool appending to its own cannot change
// another's).
func concat(a, b reflect.Value) reflect.Value {
	out := reflect.MakeSlice(a.Type(), 0, a.Len()+b.Len())
	return reflect.AppendSlice(reflect.AppendSlice(out, a), b)
}

// union is a fresh map of base's entries, then over's (over wins).
func union(base, over reflect.Value) reflect.Value {
	out := reflect.MakeMapWithSize(base.Type(), base.Len()+over.Len())
	for _, m := range []reflect.Value{base, over} {
		for it := m.MapRange(); it.Next(); {
			out.SetMapIndex(it.Key(), it.Value())
		}
	}
	return out
}

// allExported says whether every field of struct type t is exported: only
// then can it be completed field by field.
func allExported(t reflect.Type) bool {
	for i := range t.NumField() {
		if !t.Field(i).IsExported() {
			return false
		}
	}
	return true
}
