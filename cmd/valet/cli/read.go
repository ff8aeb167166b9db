package cli

import (
	"context"
	"flag"
	"fmt"
	"io"

	"valet.dev/valet/shared/client"
)

// showOne is the setup of a command without flags of its own that reads
// the resource its first argument names and prints it (or its JSON).
func showOne[T any](get func(*client.Client, context.Context, string) (T, error), print func(io.Writer, T)) func(*flag.FlagSet, *inv) func() error {
	return withClient(func(in *inv, cl *client.Client) error {
		v, err := get(cl, in.ctx, in.args[0])
		if err != nil {
			return err
		}
		return in.show(v, func(w io.Writer) { print(w, v) })
	})
}

// columns is how a list command prints T: a header, then a row per item.
type columns[T any] struct {
	header []string
	row    func(T) []string
}

// pager reads one page of a listing: at most size items after token, and
// the token of the next page ("" after the last).
type pager[T any] func(size int, token string) ([]T, string, error)

// listAll is the setup of a command without flags of its own that prints
// all that list returns, in one call, as a table.
func listAll[T any](list func(*client.Client, context.Context) ([]T, error), cols columns[T]) func(*flag.FlagSet, *inv) func() error {
	return withClient(func(in *inv, cl *client.Client) error {
		items, err := list(cl, in.ctx)
		if err != nil {
			return err
		}
		return showTable(in, items, cols.header, cols.row)
	})
}

// listPages registers --limit (default def) and returns the run of a
// paged list command: it refuses a negative limit, asks open for the
// listing's pager once it has a client, reads up to limit items (0: all)
// in pages of at most pageSize and prints them as a table.
func listPages[T any](fs *flag.FlagSet, in *inv, def int, what string, pageSize int, open func(*client.Client) (pager[T], error), cols columns[T]) func() error {
	limit := fs.Int("limit", def, fmt.Sprintf("at most this many %s (0: all)", what))
	list := in.runWithClient(func(in *inv, cl *client.Client) error {
		page, err := open(cl)
		if err != nil {
			return err
		}
		items, err := collect(*limit, pageSize, page)
		if err != nil {
			return err
		}
		return showTable(in, items, cols.header, cols.row)
	})
	return func() error {
		if *limit < 0 {
			return usageError{"--limit must be 0 or more"}
		}
		return list()
	}
}

// inSpace opens a listing of the SPACE argument (default: the caller's
// own space) that list reads a page of.
func inSpace[T any](in *inv, list func(cl *client.Client, space string, size int, token string) ([]T, string, error)) func(*client.Client) (pager[T], error) {
	return func(cl *client.Client) (pager[T], error) {
		space, err := in.spaceArg(cl)
		if err != nil {
			return nil, err
		}
		return func(size int, token string) ([]T, string, error) { return list(cl, space, size, token) }, nil
	}
}
