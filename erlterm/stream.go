package erlterm

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
)

// StreamOptions sets the framing of an Encoder or a Decoder: each term
// travels as a big-endian length of Packet bytes followed by that many
// bytes of term (version byte included), which is ErlPort's {packet, N}.
// The zero value means 4-byte lengths and DefaultMaxFrameSize.
type StreamOptions struct {
	// Packet is the width of the length prefix: 1, 2 or 4 (0 means 4).
	Packet int
	// MaxFrameSize bounds a frame's length; a longer frame is refused with
	// ErrTooLarge (a *LimitError naming LimitFrame) before it is read or
	// written (DefaultMaxFrameSize).
	MaxFrameSize int
	// Encode and Decode are the options for the terms inside the frames.
	Encode EncodeOptions
	Decode DecodeOptions
}

func (o *StreamOptions) resolve() (packet, maxFrame int, err error) {
	packet = o.Packet
	if packet == 0 {
		packet = DefaultPacket
	}
	if packet != 1 && packet != 2 && packet != 4 {
		return 0, 0, fmt.Errorf("erlterm: %w: packet size %d (want 1, 2 or 4)", ErrInvalid, o.Packet)
	}
	maxFrame = o.MaxFrameSize
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrameSize
	}
	if limit := 1<<(8*packet) - 1; maxFrame > limit {
		maxFrame = limit
	}
	return packet, maxFrame, nil
}

// FrameError reports a frame the stream refused, and where in the stream
// it started.
type FrameError struct {
	Frame  int64 // the frame's position in the stream, counting from 0
	Offset int64 // the byte offset of its length prefix in the stream
	Err    error
}

func (e *FrameError) Error() string {
	return "erlterm: frame " + strconv.FormatInt(e.Frame, 10) + " at stream byte " + strconv.FormatInt(e.Offset, 10) + ": " + e.Err.Error()
}

// Unwrap returns the reason.
func (e *FrameError) Unwrap() error { return e.Err }

// Encoder writes framed terms to a stream. It is not safe for concurrent use.
type Encoder struct {
	w        io.Writer
	opts     EncodeOptions
	packet   int
	maxFrame int
	err      error // a bad StreamOptions, reported by every Encode
	buf      []byte
	frames   int64
	written  int64
}

// NewEncoder returns an Encoder writing to w with the given framing.
func NewEncoder(w io.Writer, opts StreamOptions) *Encoder {
	packet, maxFrame, err := opts.resolve()
	return &Encoder{w: w, opts: opts.Encode, packet: packet, maxFrame: maxFrame, err: err}
}

// Encode writes v as one frame, with a single Write call.
func (e *Encoder) Encode(v any) error {
	if e.err != nil {
		return e.err
	}
	buf := append(e.buf[:0], 0, 0, 0, 0)[:e.packet]
	buf, err := e.opts.Append(buf, v)
	if err != nil {
		return err
	}
	e.buf = buf
	return e.write(buf)
}

// WriteFrame writes an already encoded term (version byte included) as one
// frame. It does not check the term.
func (e *Encoder) WriteFrame(term []byte) error {
	if e.err != nil {
		return e.err
	}
	buf := append(append(e.buf[:0], 0, 0, 0, 0)[:e.packet], term...)
	e.buf = buf
	return e.write(buf)
}

func (e *Encoder) write(frame []byte) error {
	n := len(frame) - e.packet
	if n > e.maxFrame {
		return &FrameError{Frame: e.frames, Offset: e.written,
			Err: &LimitError{Limit: LimitFrame, Max: e.maxFrame, Size: int64(n)}}
	}
	putLength(frame, e.packet, n)
	if _, err := e.w.Write(frame); err != nil {
		return err
	}
	e.frames++
	e.written += int64(len(frame))
	if cap(e.buf) > 1<<20 {
		e.buf = nil // do not pin a huge buffer after one big frame
	}
	return nil
}

func putLength(b []byte, packet, n int) {
	switch packet {
	case 1:
		b[0] = byte(n)
	case 2:
		binary.BigEndian.PutUint16(b, uint16(n))
	default:
		binary.BigEndian.PutUint32(b, uint32(n))
	}
}

// Decoder reads framed terms from a stream. A frame that does not decode
// is consumed whole, so the next Decode starts on the next frame. It is
// not safe for concurrent use.
type Decoder struct {
	r        io.Reader
	opts     DecodeOptions
	packet   int
	maxFrame int
	err      error
	hdr      [4]byte
	buf      []byte
	frames   int64
	read     int64
}

// NewDecoder returns a Decoder reading from r with the given framing.
// Reads go straight to r; wrap r in a bufio.Reader when frames are small
// and r is slow to call.
func NewDecoder(r io.Reader, opts StreamOptions) *Decoder {
	packet, maxFrame, err := opts.resolve()
	return &Decoder{r: r, opts: opts.Decode, packet: packet, maxFrame: maxFrame, err: err}
}

// Decode reads the next frame and decodes its term into v. At the end of
// the stream it returns io.EOF; a stream cut inside a frame gives
// io.ErrUnexpectedEOF.
func (d *Decoder) Decode(v any) error {
	frame, err := d.ReadFrame()
	if err != nil {
		return err
	}
	if err := d.opts.Unmarshal(frame, v); err != nil {
		return &FrameError{Frame: d.frames - 1, Offset: d.read - int64(len(frame)+d.packet), Err: err}
	}
	return nil
}

// ReadFrame reads the next frame and returns its bytes, valid until the
// next call. The length is checked against MaxFrameSize before anything
// is allocated, and the buffer grows only as bytes really arrive.
func (d *Decoder) ReadFrame() ([]byte, error) {
	if d.err != nil {
		return nil, d.err
	}
	hdr := d.hdr[:d.packet]
	if _, err := io.ReadFull(d.r, hdr); err != nil {
		return nil, err
	}
	var n int
	switch d.packet {
	case 1:
		n = int(hdr[0])
	case 2:
		n = int(binary.BigEndian.Uint16(hdr))
	default:
		n = int(binary.BigEndian.Uint32(hdr))
	}
	at := d.read
	d.read += int64(d.packet)
	if n > d.maxFrame {
		// The rest of the stream cannot be trusted to be in step: stop here.
		d.err = &FrameError{Frame: d.frames, Offset: at,
			Err: &LimitError{Limit: LimitFrame, Max: d.maxFrame, Size: int64(n)}}
		return nil, d.err
	}
	if cap(d.buf) > 1<<20 && n <= 1<<16 {
		d.buf = nil // let a huge buffer from one big frame go
	}
	d.buf = d.buf[:0]
	for len(d.buf) < n {
		chunk := min(n-len(d.buf), max(len(d.buf), 64<<10))
		if cap(d.buf)-len(d.buf) < chunk {
			grown := make([]byte, len(d.buf), len(d.buf)+chunk)
			copy(grown, d.buf)
			d.buf = grown
		}
		got, err := io.ReadFull(d.r, d.buf[len(d.buf):len(d.buf)+chunk])
		d.buf = d.buf[:len(d.buf)+got]
		d.read += int64(got)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	d.frames++
	return d.buf, nil
}
