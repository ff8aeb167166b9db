package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// show prints v as JSON with --json, else runs text.
func (in *inv) show(v any, text func(w io.Writer)) error {
	if in.json {
		return printJSON(in.stdout, v)
	}
	text(in.stdout)
	return nil
}

// showTable prints items as JSON with --json, else as a table (see table).
func showTable[T any](in *inv, items []T, header []string, row func(T) []string) error {
	return in.show(items, func(w io.Writer) { table(w, header, items, row) })
}

// table prints aligned columns: a header, then row(item) for each item.
func table[T any](w io.Writer, header []string, items []T, row func(T) []string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, it := range items {
		fmt.Fprintln(tw, strings.Join(row(it), "\t"))
	}
	tw.Flush()
}

// fields prints "key: value" lines, aligned.
func fields(w io.Writer, kv ...string) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", kv[i], kv[i+1])
		}
	}
	tw.Flush()
}

// when formats a time for tables: UTC, to the second; "" for zero.
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// orDash is s, or "-" when empty, so table columns stay aligned.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// size formats a byte count for people.
func size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// collect gathers the items of a paged list until its last page, or until
// limit items (0: all); page fetches one page of at most size items after
// token and returns its items and the next token ("" after the last).
func collect[T any](limit, max int, page func(size int, token string) ([]T, string, error)) ([]T, error) {
	var all []T
	token := ""
	for {
		size := max
		if left := limit - len(all); limit > 0 && left < max {
			size = left
		}
		items, next, err := page(size, token)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if token = next; token == "" || (limit > 0 && len(all) >= limit) {
			break
		}
	}
	if limit > 0 && len(all) > limit {
		all = all[:limit]
	}
	return all, nil
}
