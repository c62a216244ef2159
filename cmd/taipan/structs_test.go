package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes"
)

// roundTripPy receives an Order as Go sent it, builds the generated
// dataclasses from it, changes it, and sends it back.
const roundTripPy = `
from taipan.terms import Atom
import orders

def roundtrip(term):
    o = orders.Order.from_term(term)
    assert isinstance(o.items[0], orders.Item), type(o.items[0])
    assert isinstance(o.items[0].extra, orders.ItemExtra), type(o.items[0].extra)
    assert o.ship is None or isinstance(o.ship, orders.Address), type(o.ship)
    assert isinstance(o.status, Atom), type(o.status)
    o.items.append(orders.Item(sku="added", qty=3))
    o.total += 1.5
    return o.to_term()

def defaults():
    return orders.Order().to_term()
`

func TestStructsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"structs", "-o", filepath.Join(dir, "orders.py"), "structs_fixture_test.go", "Order"}, strings.NewReader(""), &out, &errOut)
	if err != nil {
		t.Fatalf("structs: %v\n%s", err, errOut.String())
	}
	if err := os.WriteFile(filepath.Join(dir, "roundtrip.py"), []byte(roundTripPy), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := testkit.Context(t)
	w, err := snakes.Start(ctx, snakes.Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop(context.Background())

	notes := "leave at the door"
	full := Order{
		ID: 7, Customer: "Ada", Status: "open", Notes: &notes,
		Items:  []Item{{SKU: "a-1", Qty: 2}},
		Labels: map[string]string{"priority": "high"},
		Blob:   []byte{0, 1, 255}, Total: 10.25, Paid: true,
		Ship:  &Address{Street: "1 Main St", City: "Springfield"},
		Class: "gold", Code: 3, Audit: Audit{By: "bob"},
	}
	full.Items[0].Extra.Gift = true
	tests := []struct {
		name string
		in   Order
	}{
		{name: "every field set", in: full},
		{name: "optional fields empty", in: Order{ID: 1, Status: "new", Items: []Item{{SKU: "x"}}, Labels: map[string]string{"k": "v"}, Blob: []byte("b")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.in
			want.Items = append(append([]Item(nil), tt.in.Items...), Item{SKU: "added", Qty: 3})
			want.Total += 1.5
			var got Order
			if err := w.CallInto(ctx, &got, "roundtrip", "roundtrip", &tt.in); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round trip through the dataclasses:\n got %+v\nwant %+v", got, want)
			}
		})
	}
	t.Run("defaults are Go's zero values", func(t *testing.T) {
		var got Order
		if err := w.CallInto(ctx, &got, "roundtrip", "defaults"); err != nil {
			t.Fatal(err)
		}
		if got.ID != 0 || got.Customer != "" || got.Notes != nil || got.Ship != nil || len(got.Items) != 0 || got.Paid {
			t.Fatalf("Order() came back as %+v, want Go's zero value", got)
		}
	})
}

func TestStructsErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		usage   bool
	}{
		{name: "no type", args: []string{"structs", "."}, wantErr: "at least one TYPE", usage: true},
		{name: "unknown type", args: []string{"structs", "structs_fixture_test.go", "Nope"}, wantErr: "no type Nope"},
		{name: "not a struct", args: []string{"structs", "structs_fixture_test.go", "Level"}, wantErr: "not a struct"},
		{name: "unencodable field", args: []string{"structs", "structs_fixture_test.go", "Broken"}, wantErr: "Broken.C"},
		{name: "missing directory", args: []string{"structs", "no/such/dir", "T"}, wantErr: "no such file"},
		{name: "directory without Go files", args: []string{"structs", "testdata", "T"}, wantErr: "no Go files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, strings.NewReader(""), &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("run(%q) = %v, want an error containing %q", tt.args, err, tt.wantErr)
			}
			var u usageError
			if isUsage := errors.As(err, &u); isUsage != tt.usage {
				t.Fatalf("usage error = %v, want %v", isUsage, tt.usage)
			}
		})
	}
}

// TestStructsPlainPython: the generated module imports and works in a
// plain interpreter (not a worker) that has taipan's runtime on its path.
func TestStructsPlainPython(t *testing.T) {
	ctx := context.Background()
	interp, err := snakes.ResolveInterpreter(ctx, snakes.InterpreterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := generateStructs("structs_fixture_test.go", []string{"Order"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "orders.py"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
import typing, orders
o = orders.Order(id=1, items=[orders.Item(sku="s")], class_="c")
t = o.to_term()
assert t["class"] == "c" and t["items"][0]["sku"] == "s", t
assert "notes" not in t, "omitempty"
assert orders.Order.from_term(t) == o
typing.get_type_hints(orders.Order)
print("ok")
`
	cmd := exec.CommandContext(ctx, interp.Path, "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PYTHONPATH="+interp.RuntimeDir)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("python: %v\n%s\n--- generated ---\n%s", err, out, src)
	}
}
