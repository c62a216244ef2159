package testkit

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// Fill sets every exported field of the struct *ptr to a non-zero value
// derived from seed (two seeds give values that differ in every field),
// recursively, so that a test can check a rule over each field of an
// options struct, fields added later included. It fails the test on a
// field whose type it cannot fill: add that type here.
func Fill(t testing.TB, ptr any, seed int) {
	t.Helper()
	v := reflect.ValueOf(ptr)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		t.Fatalf("testkit.Fill: %T is not a pointer to a struct", ptr)
	}
	if err := fill(v.Elem(), seed, v.Elem().Type().Name()); err != nil {
		t.Fatal(err)
	}
}

// fill sets v (settable) to a non-zero value derived from seed.
func fill(v reflect.Value, seed int, where string) error {
	t := v.Type()
	switch t.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("%s-%d", strings.ToLower(where), seed))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(seed + 1))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(uint64(seed + 1))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(seed) + 0.5)
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := fill(p.Elem(), seed, where); err != nil {
			return err
		}
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(t, 1, 1)
		if err := fill(s.Index(0), seed, where); err != nil {
			return err
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(t)
		k, e := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
		if err := fill(k, seed, where); err != nil {
			return err
		}
		if err := fill(e, seed, where); err != nil {
			return err
		}
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Func:
		v.Set(reflect.MakeFunc(t, func([]reflect.Value) []reflect.Value {
			out := make([]reflect.Value, t.NumOut())
			for i := range out {
				out[i] = reflect.Zero(t.Out(i))
			}
			return out
		}))
	case reflect.Chan:
		v.Set(reflect.MakeChan(t, seed))
	case reflect.Struct:
		set := false
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				if err := fill(v.Field(i), seed, where+"."+f.Name); err != nil {
					return err
				}
				set = true
			}
		}
		if !set {
			return fmt.Errorf("testkit.Fill: %s: %s has no exported field to set", where, t)
		}
	case reflect.Interface:
		switch {
		case reflect.TypeFor[hclog.Logger]() == t:
			v.Set(reflect.ValueOf(hclog.New(&hclog.LoggerOptions{Name: fmt.Sprint(seed)})))
		case reflect.TypeFor[any]() == t:
			v.Set(reflect.ValueOf(seed))
		default:
			return fmt.Errorf("testkit.Fill: %s: cannot fill interface %s (add it to testkit.Fill)", where, t)
		}
	default:
		return fmt.Errorf("testkit.Fill: %s: cannot fill a %s", where, t)
	}
	return nil
}

// Same says whether a and b hold the same value: reflect.DeepEqual, with
// funcs equal when they are the same function value (DeepEqual holds no
// two non-nil funcs equal).
func Same(a, b any) bool { return same(reflect.ValueOf(a), reflect.ValueOf(b)) }

func same(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Func:
		return a.Pointer() == b.Pointer()
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() || a.Pointer() == b.Pointer() {
			return a.IsNil() == b.IsNil()
		}
		return same(a.Elem(), b.Elem())
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !same(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		for it := a.MapRange(); it.Next(); {
			bv := b.MapIndex(it.Key())
			if !bv.IsValid() || !same(it.Value(), bv) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := range a.NumField() {
			if a.Type().Field(i).IsExported() && !same(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	if a.CanInterface() && b.CanInterface() {
		return reflect.DeepEqual(a.Interface(), b.Interface())
	}
	return false
}
