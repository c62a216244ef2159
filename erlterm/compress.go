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
// EncodeOptions.Compression, and term_to_binary(T, [compressed])). A
// declared size above limit (DefaultMaxDecompressedSize when limit <= 0)
// is refused before anything is inflated, and the stream is never inflated
// past the declared size. Errors are *SyntaxErrors: ErrVersion, ErrInvalid
// (not a compressed term, a broken stream, a size the stream does not
// match), ErrTruncated, ErrTooLarge (with a *LimitError).
func Inflate(b []byte, limit int) ([]byte, error) {
	switch {
	case len(b) == 0 || b[0] != versionMagic:
		return nil, &SyntaxError{Offset: 0, Err: ErrVersion}
	case len(b) < 2 || b[1] != tagCompressed:
		return nil, &SyntaxError{Offset: 1, Err: ErrInvalid, Detail: "not a compressed term"}
	}
	if limit <= 0 {
		limit = DefaultMaxDecompressedSize
	}
	return inflate(b, limit, []byte{versionMagic})
}

// maxDeflateRatio bounds what one byte of deflate data can inflate to: a
// length/distance pair takes at least 2 bits and copies at most 258
// bytes, so 8/2*258 = 1032 bytes per byte.
const maxDeflateRatio = 1032

// inflate decompresses a top-level COMPRESSED term (131, 80, size, zlib
// stream) into a fresh buffer that starts with head. The declared size is
// checked against max, and against what the stream's length could ever
// inflate to, before anything is allocated; within those bounds the buffer
// is allocated once, exactly, and the stream is read into it and no
// further (one byte past it tells a stream longer than declared). So the
// memory a compressed term costs is its declared size, never more than
// max, whatever the stream holds: no growing buffer doubling its way past
// the data.
func inflate(data []byte, max int, head []byte) ([]byte, error) {
	if len(data) < 6 {
		return nil, &SyntaxError{Offset: 2, Err: ErrTruncated, Detail: "compressed size"}
	}
	size := binary.BigEndian.Uint32(data[2:])
	if uint64(size) > uint64(max) {
		return nil, &SyntaxError{Offset: 2, Err: &LimitError{Limit: LimitDecompressed, Max: max, Size: int64(size)},
			Detail: "compressed term declares its size"}
	}
	if uint64(size) > maxDeflateRatio*uint64(len(data)-6) {
		// As for a binary whose length runs past the input: more bytes
		// would be needed than there are.
		return nil, &SyntaxError{Offset: 2, Err: ErrTruncated,
			Detail: "declared size " + strconv.FormatUint(uint64(size), 10) + " is more than " +
				strconv.Itoa(len(data)-6) + " bytes of zlib stream can hold"}
	}
	zr, err := zlib.NewReader(bytes.NewReader(data[6:]))
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return nil, &SyntaxError{Offset: len(data), Err: ErrTruncated, Detail: "zlib header"}
	}
	if err != nil {
		return nil, &SyntaxError{Offset: 6, Err: ErrInvalid, Detail: "zlib header: " + err.Error()}
	}
	out := make([]byte, len(head)+int(size))
	copy(out, head)
	n, err := readFull(zr, out[len(head):])
	if err == nil {
		// The declared size is reached: the stream must end exactly here
		// (io.EOF also means its checksum matched).
		var one [1]byte
		var k int
		k, err = readFull(zr, one[:])
		switch {
		case k > 0:
			return nil, &SyntaxError{Offset: 2, Err: ErrInvalid,
				Detail: "declared size " + strconv.FormatUint(uint64(size), 10) + " but the stream inflates to more"}
		case err == io.EOF:
			return out, nil
		}
	}
	switch err {
	case io.EOF:
		return nil, &SyntaxError{Offset: 2, Err: ErrInvalid,
			Detail: "declared size " + strconv.FormatUint(uint64(size), 10) + " but the stream inflates to " + strconv.Itoa(n)}
	case io.ErrUnexpectedEOF:
		return nil, &SyntaxError{Offset: len(data), Err: ErrTruncated, Detail: "zlib stream"}
	}
	return nil, &SyntaxError{Offset: 6, Err: ErrInvalid, Detail: "zlib stream: " + err.Error()}
}

// readFull reads until b is full or r fails, and returns r's own error
// (io.EOF at a clean end, io.ErrUnexpectedEOF inside the stream), which
// io.ReadFull would blur into one.
func readFull(r io.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := r.Read(b[n:])
		n += k
		if err != nil {
			if n == len(b) && err == io.EOF {
				return n, nil // b is full: the end is for the next read to see
			}
			return n, err
		}
	}
	return n, nil
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
