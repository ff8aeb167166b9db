// Command hello is the smallest functions-framework function: the floor of
// valet-bench's cold start (figure 4).
package main

import (
	"net/http"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"valet.dev/valet/cmd/valet-bench/internal/ffmain"
)

func init() {
	functions.HTTP("hello", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("hello\n"))
	})
}

func main() { ffmain.Serve() }
