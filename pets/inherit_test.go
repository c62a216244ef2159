package pets

import (
	"reflect"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes"
)

// TestPetWorkerInheritsEveryField: a pet whose Worker is set but empty
// runs the template, every field of it (testkit.Fill sets each, fields
// added to snakes.Options later included); with a Worker of its own, its
// fields win and its lists are added to the template's.
func TestPetWorkerInheritsEveryField(t *testing.T) {
	var tmpl, own snakes.Options
	testkit.Fill(t, &tmpl, 1)
	testkit.Fill(t, &own, 2)
	for _, tc := range []struct {
		name string
		pet  PetOptions
		want snakes.Options
	}{
		{"no Worker", PetOptions{}, tmpl},
		{"an empty Worker", PetOptions{Worker: &snakes.Options{}}, tmpl},
		{"a Worker of its own", PetOptions{Worker: &own}, own.Inherit(tmpl)},
		{"Init, Paths and Env on top", PetOptions{Worker: &snakes.Options{}, Init: own.Init, Paths: own.Paths, Env: own.Env},
			snakes.Options{Init: own.Init, Paths: own.Paths, Env: own.Env}.Inherit(tmpl)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := reflect.ValueOf(*tc.pet.resolve(Options{Worker: tmpl}).Worker)
			want := reflect.ValueOf(tc.want)
			for i := range got.NumField() {
				f := got.Type().Field(i)
				if f.IsExported() && !testkit.Same(got.Field(i).Interface(), want.Field(i).Interface()) {
					t.Errorf("Worker.%s = %#v, want %#v", f.Name, got.Field(i).Interface(), want.Field(i).Interface())
				}
			}
		})
	}
	if !reflect.DeepEqual(own.Inherit(tmpl).Paths, append(append([]string(nil), own.Paths...), tmpl.Paths...)) {
		t.Fatalf("a pet's own Paths do not come first: %q", own.Inherit(tmpl).Paths)
	}
}
