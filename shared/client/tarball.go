package client

import (
	"archive/tar"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// TarDir writes dir as a tar archive to w, deterministically: entries in
// lexical order of their slash paths, relative to dir, with zero times,
// owner 0, no user or group names, and modes reduced to 0755 (directories,
// executables) or 0644. The same tree gives the same bytes, so its MD5
// makes job reuse work. Symbolic links and other special files are refused
// with an error naming them.
func TarDir(dir string, w io.Writer) error {
	tw := tar.NewWriter(w)
	root := os.DirFS(dir)
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		hdr := &tar.Header{Name: p, ModTime: time.Unix(0, 0).UTC(), Format: tar.FormatPAX, Mode: 0o644}
		switch {
		case d.IsDir():
			hdr.Typeflag, hdr.Name, hdr.Mode = tar.TypeDir, p+"/", 0o755
		case info.Mode().IsRegular():
			hdr.Typeflag, hdr.Size = tar.TypeReg, info.Size()
			if info.Mode()&0o111 != 0 {
				hdr.Mode = 0o755
			}
		default:
			return fmt.Errorf("%s is a %s: only regular files and directories go into a workspace (replace links by copies)", filepath.Join(dir, p), info.Mode().Type())
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil
		}
		f, err := root.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		n, err := io.Copy(tw, f)
		if err == nil && n != hdr.Size {
			err = fmt.Errorf("%s changed size while being archived: try again", filepath.Join(dir, p))
		}
		return err
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// Tarball is an archive written to a temporary file, with the size and MD5
// an upload declares.
type Tarball struct {
	Path      string
	SizeBytes int64
	MD5       string // base64 of the 16-byte MD5
}

// Open opens the archive for reading.
func (t Tarball) Open() (*os.File, error) { return os.Open(t.Path) }

// Remove deletes the temporary file.
func (t Tarball) Remove() error { return os.Remove(t.Path) }

// WriteTarball runs write into a new temporary file while hashing it.
func WriteTarball(write func(io.Writer) error) (Tarball, error) {
	f, err := os.CreateTemp("", "valet-*.tar")
	if err != nil {
		return Tarball{}, fmt.Errorf("create a temporary file: %w", err)
	}
	h := md5.New()
	cw := &countingWriter{w: io.MultiWriter(f, h)}
	err = write(cw)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return Tarball{}, err
	}
	return Tarball{Path: f.Name(), SizeBytes: cw.n, MD5: base64.StdEncoding.EncodeToString(h.Sum(nil))}, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ExtractTar unpacks a tar archive into dir and returns the regular files'
// slash paths in archive order. Only regular files and directories are
// accepted, and only at paths inside dir: an absolute path, a ".." segment
// or a link is an error, so a hostile archive cannot write outside dir.
func ExtractTar(r io.Reader, dir string) ([]string, error) {
	tr := tar.NewReader(r)
	var files []string
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, nil
		}
		if err != nil {
			return files, fmt.Errorf("read the workspace archive: %w", err)
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader || (hdr.Typeflag == tar.TypeDir && path.Clean(hdr.Name) == ".") {
			continue // git archive's global header; tar -C dir -cf - . adds "./"
		}
		name, err := safeName(hdr.Name)
		if err != nil {
			return files, err
		}
		target := filepath.Join(dir, filepath.FromSlash(name))
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return files, err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return files, err
			}
			mode := os.FileMode(0o644)
			if hdr.Mode&0o111 != 0 {
				mode = 0o755
			}
			f, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
			if err != nil {
				return files, fmt.Errorf("extract %s: %w", name, err)
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return files, fmt.Errorf("extract %s: %w", name, err)
			}
			files = append(files, name)
		default:
			return files, fmt.Errorf("the archive holds %s, which is neither a file nor a directory: refused", name)
		}
	}
}

// safeName cleans an archive path and refuses one that leaves the root.
func safeName(name string) (string, error) {
	clean := path.Clean(strings.TrimSuffix(name, "/"))
	if name == "" || path.IsAbs(name) || clean == "." || clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains(name, "\\") {
		return "", fmt.Errorf("the archive holds the unsafe path %q: refused", name)
	}
	return clean, nil
}
