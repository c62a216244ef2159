package erlterm

import (
	"errors"
	"fmt"
	"reflect"
)

// Sentinel errors. Every error returned by this package wraps one of them,
// so callers can test the kind of failure with errors.Is and still get the
// detail (the byte offset, the type) from the error's text or with errors.As.
var (
	// ErrTruncated: the input ended in the middle of a term.
	ErrTruncated = errors.New("unexpected end of input")
	// ErrVersion: the input does not start with the version byte 131.
	ErrVersion = errors.New("missing version byte 131")
	// ErrUnknownTag: a byte that is not a term tag where a term should start.
	ErrUnknownTag = errors.New("unknown tag")
	// ErrDistributionOnly: a tag that only the distribution protocol may use
	// (atom cache references, local terms) appeared in a plain term.
	ErrDistributionOnly = errors.New("distribution-only tag")
	// ErrInvalid: the bytes have a valid tag but a value Erlang would reject
	// (a bit count out of range, bad UTF-8 in an atom, a duplicate map key…).
	ErrInvalid = errors.New("invalid term")
	// ErrTrailingData: bytes remain after the top-level term.
	ErrTrailingData = errors.New("trailing data after term")
	// ErrTooDeep: nesting beyond the configured MaxDepth.
	ErrTooDeep = errors.New("nesting too deep")
	// ErrTooLarge: a size beyond a configured limit (decompressed size,
	// frame size) or beyond what the format can express.
	ErrTooLarge = errors.New("too large")
	// ErrUnsupportedType: a Go value that has no external-term form.
	ErrUnsupportedType = errors.New("unsupported type")
	// ErrTypeMismatch: a term that cannot be stored in the Go target.
	ErrTypeMismatch = errors.New("cannot store term in Go value")
	// ErrOpaqueRefused: an opaque object of a language that
	// EncodeOptions.RefuseOpaque lists.
	ErrOpaqueRefused = errors.New("opaque object refused")
)

// OpaqueRefusedError reports an opaque object ({'$erlport.opaque',
// Language, Data}) of a language EncodeOptions.RefuseOpaque lists. The
// encoder returns it inside an *EncodeError.
type OpaqueRefusedError struct {
	Language Atom
}

func (e *OpaqueRefusedError) Error() string {
	return fmt.Sprintf("erlterm: an opaque object of language %q is refused (EncodeOptions.RefuseOpaque)", string(e.Language))
}

// Unwrap returns ErrOpaqueRefused, for errors.Is.
func (e *OpaqueRefusedError) Unwrap() error { return ErrOpaqueRefused }

// SyntaxError reports malformed input: where it is and what was expected.
// Offset counts bytes from the start of the input given to the decoder
// (for a compressed term: from the start of the decompressed bytes, and
// Compressed is set).
type SyntaxError struct {
	Offset     int
	Compressed bool
	Err        error  // one of the sentinels above, or a *LimitError
	Detail     string // what was being read
}

func (e *SyntaxError) Error() string {
	where := "byte"
	if e.Compressed {
		where = "decompressed byte"
	}
	if e.Detail == "" {
		return fmt.Sprintf("erlterm: at %s %d: %v", where, e.Offset, e.Err)
	}
	return fmt.Sprintf("erlterm: at %s %d: %v: %s", where, e.Offset, e.Err, e.Detail)
}

// Unwrap returns the sentinel, for errors.Is.
func (e *SyntaxError) Unwrap() error { return e.Err }

// Names of the configurable limits, as LimitError.Limit reports them: the
// option that sets each, so that the error says what to raise.
const (
	LimitDepth        = "MaxDepth"            // DecodeOptions.MaxDepth: nesting (tails of lists included)
	LimitDecompressed = "MaxDecompressedSize" // DecodeOptions.MaxDecompressedSize: what a compressed term inflates to
	LimitFrame        = "MaxFrameSize"        // StreamOptions.MaxFrameSize: one frame of a stream
)

// LimitError reports input refused because it goes past a configured
// limit rather than because it is malformed. It sits inside a SyntaxError
// (or a FrameError) and wraps ErrTooDeep for LimitDepth and ErrTooLarge
// for the others, so errors.Is keeps working; errors.As finds it to tell
// which limit, and its value.
type LimitError struct {
	Limit string // LimitDepth, LimitDecompressed or LimitFrame
	Max   int    // the limit in force
	Size  int64  // the size declared or reached; 0 for depth (Max+1 levels were opened)
}

func (e *LimitError) Error() string {
	if e.Limit == LimitDepth {
		return fmt.Sprintf("%v: more than %s=%d levels", ErrTooDeep, e.Limit, e.Max)
	}
	return fmt.Sprintf("%v: %d bytes, over %s=%d", ErrTooLarge, e.Size, e.Limit, e.Max)
}

// Unwrap returns ErrTooDeep or ErrTooLarge, for errors.Is.
func (e *LimitError) Unwrap() error {
	if e.Limit == LimitDepth {
		return ErrTooDeep
	}
	return ErrTooLarge
}

// UnmarshalTypeError reports a well-formed term that does not fit the Go
// value it is decoded into.
type UnmarshalTypeError struct {
	Offset int          // where the term starts
	Term   string       // what the term is ("binary", "integer 300", …)
	Type   reflect.Type // the Go type it could not be stored in
	Field  string       // the dotted path of struct fields, if any
}

func (e *UnmarshalTypeError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("erlterm: at byte %d: cannot store %s in field %s of type %v", e.Offset, e.Term, e.Field, e.Type)
	}
	return fmt.Sprintf("erlterm: at byte %d: cannot store %s in Go value of type %v", e.Offset, e.Term, e.Type)
}

// Unwrap returns ErrTypeMismatch, for errors.Is.
func (e *UnmarshalTypeError) Unwrap() error { return ErrTypeMismatch }

// UnsupportedTypeError reports a Go value that cannot be encoded.
type UnsupportedTypeError struct {
	Type   reflect.Type
	Reason string
}

func (e *UnsupportedTypeError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("erlterm: cannot encode Go value of type %v: %s", e.Type, e.Reason)
	}
	return fmt.Sprintf("erlterm: cannot encode Go value of type %v", e.Type)
}

// Unwrap returns ErrUnsupportedType, for errors.Is.
func (e *UnsupportedTypeError) Unwrap() error { return ErrUnsupportedType }

// InvalidUnmarshalError reports a target that is not a non-nil pointer.
type InvalidUnmarshalError struct {
	Type reflect.Type
}

func (e *InvalidUnmarshalError) Error() string {
	if e.Type == nil {
		return "erlterm: Unmarshal(nil)"
	}
	if e.Type.Kind() != reflect.Pointer {
		return "erlterm: Unmarshal(non-pointer " + e.Type.String() + ")"
	}
	return "erlterm: Unmarshal(nil " + e.Type.String() + ")"
}

// EncodeError reports a value the encoder refused, wrapping the reason
// (ErrTooDeep, ErrTooLarge, ErrInvalid or a Marshaler's error).
type EncodeError struct {
	Type reflect.Type
	Err  error
}

func (e *EncodeError) Error() string {
	return fmt.Sprintf("erlterm: encoding %v: %v", e.Type, e.Err)
}

// Unwrap returns the underlying reason.
func (e *EncodeError) Unwrap() error { return e.Err }

// Reasons behind ErrInvalid and ErrTooLarge, for the encoder's messages.
var (
	errNonFinite       = fmt.Errorf("%w: NaN or infinity (Erlang floats are finite)", ErrInvalid)
	errBitCount        = fmt.Errorf("%w: a bitstring's last byte holds 1 to 8 bits, and an empty one 0", ErrInvalid)
	errAtomTooLong     = fmt.Errorf("%w: an atom holds at most 255 characters", ErrTooLarge)
	errAtomUTF8        = fmt.Errorf("%w: atom is not valid UTF-8", ErrInvalid)
	errImproperEmpty   = fmt.Errorf("%w: an improper list needs at least one element", ErrInvalid)
	errRefWords        = fmt.Errorf("%w: a reference has 1 to 5 words", ErrInvalid)
	errMarshalerShrank = fmt.Errorf("%w: AppendETF returned a slice shorter than it was given", ErrInvalid)
	errMapKeyNotString = fmt.Errorf("%w: struct field name must be valid UTF-8", ErrInvalid)
)
