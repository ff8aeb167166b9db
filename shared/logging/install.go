package logging

import (
	"log/slog"
	"os"
)

// Install makes a masking Cloud Logging JSON logger on stdout the process
// default (slog and the log package), with the project from
// GOOGLE_CLOUD_PROJECT for trace links. Deployed functions call it once at
// start; the dev server calls it for its own lines.
func Install() *slog.Logger {
	l := New(os.Stdout, Options{ProjectID: os.Getenv("GOOGLE_CLOUD_PROJECT")})
	slog.SetDefault(l)
	return l
}
