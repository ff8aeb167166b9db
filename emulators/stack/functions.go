package stack

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"valet.dev/valet/functions/dispatch"
	"valet.dev/valet/functions/finalize"
	"valet.dev/valet/functions/jobs"
	"valet.dev/valet/functions/objects"
	"valet.dev/valet/functions/sweep"
	"valet.dev/valet/functions/tokens"
)

// FunctionNames lists every function the dev server mounts.
var FunctionNames = []string{jobs.Name, objects.Name, tokens.Name, dispatch.Name, finalize.Name, sweep.Name}

// Handlers builds every function's handler for this stack.
func (s *Stack) Handlers(ctx context.Context) (map[string]http.Handler, error) {
	fin, err := finalize.New(finalize.Options{}).HTTP(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]http.Handler{
		jobs.Name:     jobs.New(jobs.Options{}),
		objects.Name:  objects.New(objects.Options{}),
		tokens.Name:   tokens.New(tokens.Options{}),
		dispatch.Name: dispatch.New(dispatch.Options{}),
		sweep.Name:    sweep.New(sweep.Options{}),
		finalize.Name: fin,
	}, nil
}

// Mount serves each handler under /<name>/ with the prefix stripped, so each
// function sees the paths it would see deployed alone.
func Mount(handlers map[string]http.Handler) http.Handler {
	mux := http.NewServeMux()
	for name, h := range handlers {
		prefix := "/" + name
		mux.Handle(prefix+"/", http.StripPrefix(prefix, h))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"error":{"code":"not_found","message":"no function at %s; functions are mounted at /<name>/ (%s)"}}`,
			strings.ReplaceAll(r.URL.Path, `"`, ""), strings.Join(FunctionNames, ", "))
	})
	return mux
}

func (s *Stack) startFunctions(ctx context.Context) error {
	l, url, err := listen(s.opts.Ports.Functions)
	if err != nil {
		return err
	}
	handlers, err := s.Handlers(ctx)
	if err != nil {
		l.Close()
		return err
	}
	for _, name := range FunctionNames {
		s.Info.Functions[name] = url + "/" + name
	}
	s.serve(l, Mount(handlers))
	return nil
}
