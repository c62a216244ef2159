package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/bench"
)

// TestBenchQuickJSON runs `taipan bench -quick -json` and checks that every
// figure of DESIGN.md's table is there with a positive value and an anchor
// (timings themselves are never asserted).
func TestBenchQuickJSON(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"bench", "-quick", "-json"}, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("bench: %v\n%s", err, errOut.String())
	}
	var figs []bench.Figure
	if err := json.Unmarshal(out.Bytes(), &figs); err != nil {
		t.Fatalf("bench -json printed something that is not JSON: %v\n%s", err, out.String())
	}
	want := []string{
		"sequential call operator.add(1,2)",
		"pool of 2, 8 callers, pipeline 1",
		"one worker, 4 calls in flight",
		"start to first reply",
		"callback Python → Go → Python",
		"1 MB echo",
		"ETF encode (any, reused buffer)",
		"ETF decode into any",
		"Python encode + decode of reference_proplist.etf",
	}
	seen := map[string]bool{}
	for _, f := range figs {
		seen[f.Name] = true
		if f.Ours <= 0 || f.Unit == "" || f.Anchor == "" {
			t.Errorf("figure %q: ours %v %s beside %q: want a positive value, a unit and an anchor", f.Name, f.Ours, f.Unit, f.Anchor)
		}
		if f.Theirs <= 0 && f.Note == "" {
			t.Errorf("figure %q has no anchor value and no note saying why", f.Name)
		}
		if f.Theirs > 0 && f.Ratio <= 0 {
			t.Errorf("figure %q: ratio %v", f.Name, f.Ratio)
		}
	}
	for _, name := range want {
		if !seen[name] {
			t.Errorf("figure %q missing from bench -json", name)
		}
	}
}

func TestBenchUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"bench", "-nope"}, strings.NewReader(""), &out, &errOut)
	var u usageError
	if !errors.As(err, &u) {
		t.Fatalf("bench -nope = %v, want a usage error", err)
	}
}
