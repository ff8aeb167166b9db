package cli

import (
	"fmt"
	"io"
	"runtime"

	"valet.dev/valet/shared/version"
)

func versionCommands() []*command {
	return []*command{{
		name: "version", offline: true, prints: true,
		summary: "print valet's version",
		example: "valet version",
		setup: noFlags(func(in *inv) error {
			v := struct {
				Version string `json:"version"`
				Go      string `json:"go"`
				OS      string `json:"os"`
			}{version.String(), runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH}
			return in.show(v, func(w io.Writer) { fmt.Fprintf(w, "valet %s (%s, %s)\n", v.Version, v.Go, v.OS) })
		}),
	}}
}
