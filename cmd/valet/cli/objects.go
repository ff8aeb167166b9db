package cli

import (
	"crypto/md5"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"mime"
	"os"
	"path"
	"path/filepath"
	"time"

	"valet.dev/valet/shared/client"
	"valet.dev/valet/shared/object"
)

func objectCommands() []*command {
	return []*command{
		{
			name: "objects ls", args: []arg{ownSpace},
			prints: true, summary: "list a space's objects by name",
			example: "valet objects ls\nvalet objects ls projects/p-lab --prefix data/",
			setup:   listObjects,
		},
		{
			name: "objects put", args: []arg{{name: "FILE", desc: "the file to upload"}},
			prints: true, summary: "upload a file as an object and wait until valet has checked it",
			about: `The object is announced with its size and MD5, uploaded through a signed URL
(progress on stderr), and READY once valet has checked the bytes against
the announcement; a mismatch makes it REJECTED (exit 1).`,
			example: "valet objects put results.csv\nvalet objects put model.bin --space projects/p-lab --name models/v2.bin",
			setup:   putObject,
		},
		{
			name: "objects get", args: []arg{objectID}, summary: "download an object",
			example: "valet objects get o_7hx...\nvalet objects get o_7hx... -o - | head",
			setup: func(fs *flag.FlagSet, in *inv) func() error {
				out := fs.String("o", "", "file to write (default: the last segment of the object's name; - for stdout)")
				return in.runWithClient(func(in *inv, cl *client.Client) error {
					id, dest := in.args[0], *out
					if dest == "" {
						o, err := cl.GetObject(in.ctx, id)
						if err != nil {
							return err
						}
						dest = path.Base(o.Name)
					}
					u, err := cl.ObjectURL(in.ctx, id)
					if err != nil {
						return err
					}
					return in.download(u, "download "+id, dest)
				})
			},
		},
		{
			name: "objects cp", args: []arg{objectID, {name: "SPACE", desc: "the space to copy into: users/<uid> or projects/<pid>"}},
			prints: true, summary: "copy an object into a space (storage copies the bytes)",
			example: "valet objects cp o_7hx... projects/p-lab --name shared/results.csv",
			setup: func(fs *flag.FlagSet, in *inv) func() error {
				name := fs.String("name", "", "name of the copy (default: the source's name)")
				return in.runWithClient(func(in *inv, cl *client.Client) error {
					o, err := cl.CopyObject(in.ctx, in.args[0], in.args[1], *name)
					if err != nil {
						return err
					}
					return in.show(o, func(w io.Writer) { printObject(w, o) })
				})
			},
		},
		{
			name: "objects rm", args: []arg{{name: "ID", desc: "the ids of the objects to delete", many: true}},
			summary: "delete objects: bytes, then metadata",
			example: "valet objects rm o_7hx... o_3kd...",
			setup: withClient(func(in *inv, cl *client.Client) error {
				for _, id := range in.args {
					if err := cl.DeleteObject(in.ctx, id); err != nil {
						return fmt.Errorf("delete %s: %w", id, err)
					}
					fmt.Fprintf(in.stderr, "deleted %s\n", id)
				}
				return nil
			}),
		},
		{
			name: "objects revoke", args: []arg{objectID}, prints: true,
			summary: "revoke every download URL handed out for an object",
			about:   "The bytes move to a new storage key, so URLs handed out before stop working.",
			example: "valet objects revoke o_7hx...",
			setup:   showOne((*client.Client).RevokeObject, printObject),
		},
	}
}

func printObject(w io.Writer, o object.Object) {
	fields(w, "id", string(o.ID), "space", string(o.Space), "name", o.Name, "state", string(o.State), "size", size(o.SizeBytes),
		"content type", o.ContentType, "created by", string(o.CreatedBy), "created", when(o.CreatedAt), "updated", when(o.UpdatedAt))
}

// personalSpace is the caller's own space, the first GET /spaces lists.
func (in *inv) personalSpace(cl *client.Client) (string, error) {
	spaces, err := cl.Spaces(in.ctx)
	if err != nil {
		return "", err
	}
	for _, s := range spaces {
		if s.Kind == "user" {
			return s.ID, nil
		}
	}
	return "", fmt.Errorf("valet listed no personal space for this credential: name the space")
}

// spaceArg is the optional SPACE argument, or the caller's own space.
func (in *inv) spaceArg(cl *client.Client) (string, error) {
	if len(in.args) == 1 {
		return in.args[0], nil
	}
	return in.personalSpace(cl)
}

func listObjects(fs *flag.FlagSet, in *inv) func() error {
	prefix := fs.String("prefix", "", "only names starting with this")
	open := inSpace(in, func(cl *client.Client, space string, size int, token string) ([]object.Object, string, error) {
		page, err := cl.ListObjects(in.ctx, space, *prefix, size, token)
		return page.Objects, page.NextPageToken, err
	})
	return listPages(fs, in, 0, "objects", 1000, open, columns[object.Object]{
		[]string{"ID", "STATE", "SIZE", "UPDATED", "NAME"},
		func(o object.Object) []string {
			return []string{string(o.ID), string(o.State), size(o.SizeBytes), when(o.UpdatedAt), o.Name}
		},
	})
}

func putObject(fs *flag.FlagSet, in *inv) func() error {
	space := fs.String("space", "", "users/<uid> or projects/<pid> (default: your own space)")
	name := fs.String("name", "", "the object's name (default: the file's name)")
	contentType := fs.String("content-type", "", "the object's content type (default: from the file's extension, else application/octet-stream)")
	noWait := fs.Bool("no-wait", false, "return once uploaded, without waiting for valet's check")
	return func() error {
		file := in.args[0]
		f, err := os.Open(file)
		if err != nil {
			return usageError{fmt.Sprintf("cannot read %s: %v", file, err)}
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return usageError{fmt.Sprintf("%s is not a regular file", file)}
		}
		h := md5.New()
		if _, err := io.Copy(h, f); err != nil {
			return fmt.Errorf("read %s: %w", file, err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		ct := *contentType
		if ct == "" {
			ct = mime.TypeByExtension(filepath.Ext(file))
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		objName := *name
		if objName == "" {
			objName = filepath.Base(file)
		}
		cl, _, err := in.client()
		if err != nil {
			return err
		}
		dest := *space
		if dest == "" {
			if dest, err = in.personalSpace(cl); err != nil {
				return err
			}
		}
		created, err := cl.CreateObject(in.ctx, dest, client.CreateObjectRequest{
			Name: objName, ContentType: ct, SizeBytes: st.Size(), MD5: base64.StdEncoding.EncodeToString(h.Sum(nil)),
		})
		if err != nil {
			return fmt.Errorf("announce the upload: %w", err)
		}
		p := client.NewProgress(in.stderr, "upload "+objName, client.IsTerminal(in.stderr))
		if err := client.Upload(in.ctx, created.Upload, f, st.Size(), p.Update); err != nil {
			return fmt.Errorf("upload %s: %w", file, err)
		}
		p.Done()
		o := created.Object
		if !*noWait {
			fmt.Fprintf(in.stderr, "uploaded %s; waiting for valet to check it\n", o.ID)
			if o, err = in.waitObject(cl, string(o.ID)); err != nil {
				return err
			}
		}
		if err := in.show(o, func(w io.Writer) { fmt.Fprintf(w, "%s %s %s\n", o.ID, o.State, o.Name) }); err != nil {
			return err
		}
		if o.State == object.Rejected {
			return fmt.Errorf("valet rejected the upload of %s: the bytes did not match what was announced (changed while uploading?)", file)
		}
		return nil
	}
}

// waitObject polls the object until it is no longer PENDING.
func (in *inv) waitObject(cl *client.Client, id string) (object.Object, error) {
	interval := 200 * time.Millisecond
	for {
		o, err := cl.GetObject(in.ctx, id)
		if err != nil {
			return o, err
		}
		if o.State != object.Pending {
			return o, nil
		}
		t := time.NewTimer(interval)
		select {
		case <-in.ctx.Done():
			t.Stop()
			return o, fmt.Errorf("stopped waiting for %s to be checked; it stays PENDING until valet has checked it", id)
		case <-t.C:
		}
		interval = min(interval*3/2, 3*time.Second)
	}
}
