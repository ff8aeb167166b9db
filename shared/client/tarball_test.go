package client

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/client/clienttest"
)

func tarOf(t *testing.T, dir string) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, TarDir(dir, &b))
	return b.Bytes()
}

func TestTarDirIsDeterministic(t *testing.T) {
	files := map[string]string{"b.txt": "bee", "a/z.txt": "zed", "a/b/c.txt": "sea", "Makefile": "all:"}
	one, two := t.TempDir(), t.TempDir()
	clienttest.WriteTree(t, one, files)
	clienttest.WriteTree(t, two, files)
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	require.NoError(t, os.Chtimes(filepath.Join(two, "b.txt"), old, old))
	require.NoError(t, os.Chmod(filepath.Join(two, "b.txt"), 0o640))

	require.Equal(t, tarOf(t, one), tarOf(t, one), "the same tree twice")
	require.Equal(t, tarOf(t, one), tarOf(t, two), "times and group/other bits do not matter")

	var names []string
	tr := tar.NewReader(bytes.NewReader(tarOf(t, one)))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		names = append(names, h.Name)
		require.Zero(t, h.Uid)
		require.Empty(t, h.Uname)
		require.True(t, h.ModTime.Equal(time.Unix(0, 0)), h.Name)
	}
	require.Equal(t, []string{"Makefile", "a/", "a/b/", "a/b/c.txt", "a/z.txt", "b.txt"}, names, "lexical order")
}

func TestTarDirKeepsExecutableBit(t *testing.T) {
	dir := t.TempDir()
	clienttest.WriteTree(t, dir, map[string]string{"run.sh": "#!/bin/sh"})
	require.NoError(t, os.Chmod(filepath.Join(dir, "run.sh"), 0o700))
	h, err := tar.NewReader(bytes.NewReader(tarOf(t, dir))).Next()
	require.NoError(t, err)
	require.EqualValues(t, 0o755, h.Mode)
}

func TestTarDirRefusesLinks(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(dir, "pw")))
	err := TarDir(dir, io.Discard)
	require.ErrorContains(t, err, "only regular files and directories")
}

func TestTarRoundTrip(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	clienttest.WriteTree(t, src, map[string]string{"x/y.txt": "why", "top": "t"})
	tb, err := WriteTarball(func(w io.Writer) error { return TarDir(src, w) })
	require.NoError(t, err)
	defer tb.Remove()
	require.EqualValues(t, len(tarOf(t, src)), tb.SizeBytes)
	require.Len(t, tb.MD5, 24, "base64 of 16 bytes")
	f, err := tb.Open()
	require.NoError(t, err)
	defer f.Close()
	files, err := ExtractTar(f, dst)
	require.NoError(t, err)
	require.Equal(t, []string{"top", "x/y.txt"}, files)
	b, err := os.ReadFile(filepath.Join(dst, "x", "y.txt"))
	require.NoError(t, err)
	require.Equal(t, "why", string(b))
}

func TestExtractTarRefusesEscapes(t *testing.T) {
	for name, hdr := range map[string]tar.Header{
		"parent":   {Name: "../evil", Typeflag: tar.TypeReg},
		"nested":   {Name: "a/../../evil", Typeflag: tar.TypeReg},
		"absolute": {Name: "/etc/evil", Typeflag: tar.TypeReg},
		"symlink":  {Name: "link", Typeflag: tar.TypeSymlink, Linkname: "/etc"},
		"hardlink": {Name: "hard", Typeflag: tar.TypeLink, Linkname: "/etc/passwd"},
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			tw := tar.NewWriter(&b)
			require.NoError(t, tw.WriteHeader(&hdr))
			require.NoError(t, tw.Close())
			dir := t.TempDir()
			_, err := ExtractTar(&b, dir)
			require.ErrorContains(t, err, "refused")
			entries, _ := os.ReadDir(dir)
			require.Empty(t, entries, "nothing written")
		})
	}
}

func TestExtractTarAcceptsDotSlashArchives(t *testing.T) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755}))
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "./a.txt", Typeflag: tar.TypeReg, Size: 1, Mode: 0o644}))
	_, err := tw.Write([]byte("a"))
	require.NoError(t, err)
	require.NoError(t, tw.Close())
	files, err := ExtractTar(&b, t.TempDir())
	require.NoError(t, err)
	require.Equal(t, []string{"a.txt"}, files)
}

// FuzzExtractTar: whatever the archive, nothing lands outside the target
// directory and nothing panics.
func FuzzExtractTar(f *testing.F) {
	for _, name := range []string{"a.txt", "../x", "/abs", "d/../../x", "./ok"} {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Size: 1, Mode: 0o644})
		tw.Write([]byte("x"))
		tw.Close()
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, archive []byte) {
		parent := t.TempDir()
		dir := filepath.Join(parent, "in")
		require.NoError(t, os.Mkdir(dir, 0o755))
		ExtractTar(bytes.NewReader(archive), dir)
		entries, err := os.ReadDir(parent)
		require.NoError(t, err)
		require.Len(t, entries, 1, "only the target directory in its parent")
	})
}
