package erlterm

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
)

// Inflate returns the term that a compressed external term holds,
// uncompressed and Version first, as Unmarshal reads it: b is Version,
// COMPRESSED, the term's size and its zlib stream (what Append writes with
// EncodeOptions.Compression, and term_to_binary(T, [compressed])). A size
// above limit is ErrTooLarge; the size is never trusted for allocation:
// the buffer grows only as the data really inflates. Errors are
// *SyntaxErrors: ErrVersion, ErrInvalid (not a compressed term, a broken
// stream), ErrTruncated, ErrTooLarge.
func Inflate(b []byte, limit int) ([]byte, error) {
	switch {
	case len(b) == 0 || b[0] != versionMagic:
		return nil, &SyntaxError{Offset: 0, Err: ErrVersion}
	case len(b) < 2 || b[1] != tagCompressed:
		return nil, &SyntaxError{Offset: 1, Err: ErrInvalid, Detail: "not a compressed term"}
	}
	return inflate(b, limit, []byte{versionMagic})
}

// inflate decompresses a top-level COMPRESSED term (131, 80, size, zlib
// stream) into a fresh buffer that starts with head. The declared size is
// checked against max but never trusted for allocation: the buffer grows
// only as data really inflates, so a few hostile bytes cannot claim
// gigabytes.
func inflate(data []byte, max int, head []byte) ([]byte, error) {
	if len(data) < 6 {
		return nil, &SyntaxError{Offset: 2, Err: ErrTruncated, Detail: "compressed size"}
	}
	size := binary.BigEndian.Uint32(data[2:])
	if uint64(size) > uint64(max) {
		return nil, &SyntaxError{Offset: 2, Err: ErrTooLarge,
			Detail: "compressed term inflates to " + strconv.FormatUint(uint64(size), 10) + " bytes, limit " + strconv.Itoa(max)}
	}
	zr, err := zlib.NewReader(bytes.NewReader(data[6:]))
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return nil, &SyntaxError{Offset: len(data), Err: ErrTruncated, Detail: "zlib header"}
	}
	if err != nil {
		return nil, &SyntaxError{Offset: 6, Err: ErrInvalid, Detail: "zlib header: " + err.Error()}
	}
	var out bytes.Buffer
	out.Grow(len(head) + min(int(size), 4*len(data)+512))
	out.Write(head)
	_, err = out.ReadFrom(io.LimitReader(zr, int64(size)+1))
	if err == io.ErrUnexpectedEOF {
		return nil, &SyntaxError{Offset: len(data), Err: ErrTruncated, Detail: "zlib stream"}
	}
	if err != nil {
		return nil, &SyntaxError{Offset: 6, Err: ErrInvalid, Detail: "zlib stream: " + err.Error()}
	}
	if n := out.Len() - len(head); n != int(size) {
		return nil, &SyntaxError{Offset: 2, Err: ErrInvalid,
			Detail: "declared size " + strconv.FormatUint(uint64(size), 10) + " but stream inflates to " + strconv.Itoa(n) + " or more"}
	}
	return out.Bytes(), nil
}

// compressTerm replaces the term after buf[start] (the version byte) by its
// compressed form when that is smaller, as term_to_binary does.
func compressTerm(buf []byte, start, level int) ([]byte, error) {
	if level < zlib.BestSpeed || level > zlib.BestCompression {
		return buf[:start], &EncodeError{Err: fmt.Errorf("%w: compression level %d (want 0 to 9)", ErrInvalid, level)}
	}
	raw := buf[start+1:]
	var z bytes.Buffer
	zw, err := zlib.NewWriterLevel(&z, level)
	if err != nil {
		return buf[:start], &EncodeError{Err: err}
	}
	zw.Write(raw) // a bytes.Buffer does not fail
	zw.Close()
	if 5+z.Len() >= len(raw) {
		return buf, nil
	}
	size := len(raw)
	out := append(buf[:start+1], tagCompressed)
	out = binary.BigEndian.AppendUint32(out, uint32(size))
	return append(out, z.Bytes()...), nil
}
