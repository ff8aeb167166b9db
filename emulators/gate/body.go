package gate

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"errors"
	"hash"
	"io"
	"os"
)

// errBodyTooLarge is returned by spool when the body holds more than its limit.
var errBodyTooLarge = errors.New("body above the limit")

// spooledBody is a request body read to its end, before anything is sent
// upstream: kept in memory up to memLimit bytes, in a temporary file beyond.
type spooledBody struct {
	size   int64
	md5    []byte
	sha256 []byte
	mem    []byte
	file   *os.File
}

// spool reads r to its end, but never more than limit+1 bytes: a body above
// limit returns errBodyTooLarge without being read further.
func spool(r io.Reader, limit int64, memLimit int) (*spooledBody, error) {
	w := &spoolWriter{md5: md5.New(), sha256: sha256.New(), memLimit: memLimit}
	n, err := io.Copy(w, io.LimitReader(r, limit+1))
	if err == nil {
		err = w.err
	}
	if err != nil {
		w.discard()
		return nil, err
	}
	if n > limit {
		w.discard()
		return nil, errBodyTooLarge
	}
	s := &spooledBody{size: n, md5: w.md5.Sum(nil), sha256: w.sha256.Sum(nil), file: w.file}
	if w.file == nil {
		s.mem = w.mem.Bytes()
	} else if _, err := w.file.Seek(0, io.SeekStart); err != nil {
		w.discard()
		return nil, err
	}
	return s, nil
}

// reader reads the spooled bytes from the start; call it once.
func (s *spooledBody) reader() io.Reader {
	if s.file != nil {
		return s.file
	}
	return bytes.NewReader(s.mem)
}

// Close removes the temporary file, if any.
func (s *spooledBody) Close() error {
	if s.file == nil {
		return nil
	}
	name := s.file.Name()
	err := s.file.Close()
	if rmErr := os.Remove(name); err == nil {
		err = rmErr
	}
	return err
}

type spoolWriter struct {
	md5, sha256 hash.Hash
	memLimit    int
	mem         bytes.Buffer
	file        *os.File
	err         error
}

func (w *spoolWriter) Write(p []byte) (int, error) {
	w.md5.Write(p)
	w.sha256.Write(p)
	if w.file == nil && w.mem.Len()+len(p) > w.memLimit {
		f, err := os.CreateTemp("", "valet-gate-body-*")
		if err != nil {
			w.err = err
			return 0, err
		}
		w.file = f
		if _, err := f.Write(w.mem.Bytes()); err != nil {
			w.err = err
			return 0, err
		}
		w.mem = bytes.Buffer{}
	}
	if w.file != nil {
		return w.file.Write(p)
	}
	return w.mem.Write(p)
}

func (w *spoolWriter) discard() {
	if w.file != nil {
		name := w.file.Name()
		_ = w.file.Close()
		_ = os.Remove(name)
		w.file = nil
	}
}
