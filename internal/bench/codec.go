package bench

import (
	"context"
	"time"

	"github.com/taipan-go/taipan/erlterm"
)

// GoCodec holds the Go codec's times on ReferenceTerm, in ns per call.
type GoCodec struct {
	EncodeAny, EncodeStruct, DecodeAny, DecodeStruct, DecodeReused float64
}

// MeasureGoCodec times the Go codec on ReferenceTerm, keeping the best of
// rounds runs of d each.
func MeasureGoCodec(rounds int, d time.Duration) (GoCodec, error) {
	var value any
	if err := erlterm.Unmarshal(ReferenceTerm, &value); err != nil {
		return GoCodec{}, err
	}
	var st ReferenceStruct
	if err := erlterm.Unmarshal(ReferenceTerm, &st); err != nil {
		return GoCodec{}, err
	}
	var g GoCodec
	best := func(cur *float64, ns float64) {
		if *cur == 0 || ns < *cur {
			*cur = ns
		}
	}
	buf := make([]byte, 0, 1024)
	var reused ReferenceStruct
	for range rounds {
		best(&g.EncodeAny, timeLoop(d, func() { buf, _ = erlterm.Append(buf[:0], value) }))
		best(&g.EncodeStruct, timeLoop(d, func() { buf, _ = erlterm.Append(buf[:0], &st) }))
		best(&g.DecodeAny, timeLoop(d, func() {
			var v any
			_ = erlterm.Unmarshal(ReferenceTerm, &v)
		}))
		best(&g.DecodeStruct, timeLoop(d, func() {
			var v ReferenceStruct
			_ = erlterm.Unmarshal(ReferenceTerm, &v)
		}))
		best(&g.DecodeReused, timeLoop(d, func() { _ = erlterm.Unmarshal(ReferenceTerm, &reused) }))
	}
	return g, nil
}

// Codec measures the ETF codec figures of DESIGN.md: Go's encode and
// decode of ReferenceTerm against Erlang's own term_to_binary and
// binary_to_term, timed in the same run (Go before and after Erlang, the
// best of each kept).
func Codec(ctx context.Context, d time.Duration, erlN int) ([]Figure, error) {
	before, err := MeasureGoCodec(2, d)
	if err != nil {
		return nil, err
	}
	enc, dec, erlErr := ErlangCodec(ctx, ReferenceTerm, erlN, 3)
	after, err := MeasureGoCodec(2, d)
	if err != nil {
		return nil, err
	}
	g := GoCodec{
		EncodeAny:    min(before.EncodeAny, after.EncodeAny),
		EncodeStruct: min(before.EncodeStruct, after.EncodeStruct),
		DecodeAny:    min(before.DecodeAny, after.DecodeAny),
		DecodeStruct: min(before.DecodeStruct, after.DecodeStruct),
		DecodeReused: min(before.DecodeReused, after.DecodeReused),
	}
	figs := []Figure{
		newFigure("ETF encode (any, reused buffer)", g.EncodeAny, "erlang term_to_binary", enc, "ns", 0.5, true),
		newFigure("ETF encode (struct, reused buffer)", g.EncodeStruct, "erlang term_to_binary", enc, "ns", 0.5, true),
		newFigure("ETF decode into any", g.DecodeAny, "erlang binary_to_term", dec, "ns", 1.0, true),
		newFigure("ETF decode into struct", g.DecodeStruct, "erlang binary_to_term", dec, "ns", 0.5, true),
		newFigure("ETF decode into a reused struct", g.DecodeReused, "erlang binary_to_term", dec, "ns", 0.5, true),
	}
	if erlErr != nil {
		for i := range figs {
			figs[i].Note = erlErr.Error()
		}
	}
	return figs, nil
}
