package snakes

import (
	"reflect"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
)

// TestInheritEveryField holds Inherit to its rule over every field of
// Options, fields added later included: testkit.Fill sets each one.
func TestInheritEveryField(t *testing.T) {
	var tmpl, own Options
	testkit.Fill(t, &tmpl, 1)
	testkit.Fill(t, &own, 2)
	typ := reflect.TypeFor[Options]()
	for _, tc := range []struct {
		name string
		own  Options
		want func(f reflect.StructField, tmpl, own reflect.Value) any
	}{
		{"an empty override takes every field of the template", Options{},
			func(_ reflect.StructField, tmpl, _ reflect.Value) any { return tmpl.Interface() }},
		{"a full override keeps its own, lists added", own,
			func(f reflect.StructField, tmpl, own reflect.Value) any {
				switch f.Tag.Get("inherit") {
				case "prepend":
					return reflect.AppendSlice(reflect.AppendSlice(reflect.MakeSlice(f.Type, 0, 2), own), tmpl).Interface()
				case "append":
					if f.Type.Kind() == reflect.Map {
						m := reflect.MakeMap(f.Type)
						for _, src := range []reflect.Value{tmpl, own} {
							for it := src.MapRange(); it.Next(); {
								m.SetMapIndex(it.Key(), it.Value())
							}
						}
						return m.Interface()
					}
					return reflect.AppendSlice(reflect.AppendSlice(reflect.MakeSlice(f.Type, 0, 2), tmpl), own).Interface()
				}
				return own.Interface()
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := reflect.ValueOf(tc.own.Inherit(tmpl))
			for i := range typ.NumField() {
				f := typ.Field(i)
				if !f.IsExported() {
					continue
				}
				want := tc.want(f, reflect.ValueOf(tmpl).Field(i), reflect.ValueOf(tc.own).Field(i))
				if !testkit.Same(got.Field(i).Interface(), want) {
					t.Errorf("Options.%s = %#v, want %#v", f.Name, got.Field(i).Interface(), want)
				}
			}
		})
	}
}

// TestInheritCopiesLists: the result's lists share no memory with the
// template's, so that one pool adding to its Paths, Env or Funcs cannot
// change another's.
func TestInheritCopiesLists(t *testing.T) {
	for _, own := range []Options{{}, {Paths: []string{"own"}, Env: []string{"X=1"}, Funcs: map[string]Func{"b": nil}}} {
		tmpl := Options{Paths: make([]string, 1, 8), Env: make([]string, 1, 8), Funcs: map[string]Func{"a": nil}}
		got := own.Inherit(tmpl)
		got.Funcs["c"] = nil
		_ = append(got.Paths, "clobber")
		_ = append(got.Env, "clobber")
		if len(tmpl.Funcs) != 1 || tmpl.Paths[:2][1] != "" || tmpl.Env[:2][1] != "" {
			t.Fatalf("own %+v: the template changed: %v %q %q", own, tmpl.Funcs, tmpl.Paths[:2], tmpl.Env[:2])
		}
	}
}

// TestInheritStructs: a struct field set in part is completed field by
// field; one with unexported fields is one value.
func TestInheritStructs(t *testing.T) {
	type limits struct{ CPU, Memory int }
	type opaque struct {
		A int
		b int
	}
	type opts struct {
		Limits limits
		Opaque opaque
	}
	for _, tc := range []struct {
		name            string
		own, tmpl, want opts
	}{
		{"zero takes the template's", opts{}, opts{limits{1, 2}, opaque{3, 4}}, opts{limits{1, 2}, opaque{3, 4}}},
		{"set in part, completed", opts{Limits: limits{Memory: 9}}, opts{Limits: limits{1, 2}}, opts{Limits: limits{1, 9}}},
		{"unexported fields: whole", opts{Opaque: opaque{A: 7}}, opts{Opaque: opaque{3, 4}}, opts{Opaque: opaque{A: 7}}},
		{"zero template changes nothing", opts{Limits: limits{CPU: 5}}, opts{}, opts{Limits: limits{CPU: 5}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.own
			inherit(reflect.ValueOf(&got).Elem(), reflect.ValueOf(tc.tmpl))
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestPoolsCompletePoolWorker: Pools complete each pool's Worker from
// their template, every field of it.
func TestPoolsCompletePoolWorker(t *testing.T) {
	var tmpl Options
	testkit.Fill(t, &tmpl, 1)
	ps := &Pools{opts: PoolsOptions{Worker: tmpl}}
	for _, own := range []Options{{}, {Dir: "/elsewhere"}} {
		o, err := ps.prepare(testkit.Context(t), "p", PoolOptions{Worker: own})
		if err != nil {
			t.Fatal(err)
		}
		want := own.Inherit(tmpl)
		got := reflect.ValueOf(o.Worker)
		for i := range got.NumField() {
			if f := got.Type().Field(i); f.IsExported() && !testkit.Same(got.Field(i).Interface(), reflect.ValueOf(want).Field(i).Interface()) {
				t.Errorf("own %+v: Worker.%s = %#v, want the template's %#v", own, f.Name, got.Field(i).Interface(), reflect.ValueOf(want).Field(i).Interface())
			}
		}
	}
}
