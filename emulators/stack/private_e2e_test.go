package stack_test

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
)

// TestStorageIsPrivate: as with a private bucket, bytes are reachable only
// through a signed URL (or, in process, with the functions' own client).
// The gate's answer to an upload is Cloud Storage's XML API answer, with
// no link to the storage emulator; and no port this process listens on
// (the gate, the functions, the issuer, any emulator started in process)
// hands the object to an anonymous request in any of the URL forms of
// Cloud Storage's XML and JSON APIs.
func TestStorageIsPrivate(t *testing.T) {
	s := startStack(t)
	user := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "dora"}), rec: nil}
	objectsURL := s.Info.Functions["objects"]
	var spaces struct {
		Spaces []struct{ ID string } `json:"spaces"`
	}
	user.do(http.MethodGet, objectsURL+"/spaces", nil, http.StatusOK, &spaces)
	secret := []byte("private bytes " + strconv.FormatInt(time.Now().UnixNano(), 36))
	created := user.createObject(objectsURL, spaces.Spaces[0].ID, "secret.txt", "text/plain", secret)

	res := sendRaw(t, http.MethodPut, created.Upload.URL, created.Upload.header(), secret)
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	require.Empty(t, string(res.body), "Cloud Storage's XML API answers an upload without a body")
	require.NotEmpty(t, res.header.Get("X-Goog-Generation"))
	sum := md5.Sum(secret)
	require.Contains(t, res.header.Values("X-Goog-Hash"), "md5="+base64.StdEncoding.EncodeToString(sum[:]))
	for name, values := range res.header {
		for _, v := range values {
			require.NotContains(t, v, "://", "the upload answer's %s names an address", name)
		}
	}

	bucket, key := created.Upload.object(t)
	forms := []string{
		"/" + bucket + "/" + key,
		"/download/storage/v1/b/" + bucket + "/o/" + url.PathEscape(key) + "?alt=media",
		"/storage/v1/b/" + bucket + "/o/" + url.PathEscape(key) + "?alt=media",
		"/storage/v1/b/" + bucket + "/o/" + url.PathEscape(key),
	}
	anonymous := &http.Client{Timeout: 10 * time.Second}
	ports := listeningPorts(t)
	require.NotEmpty(t, ports)
	for _, port := range ports {
		for _, form := range forms {
			target := "http://127.0.0.1:" + strconv.Itoa(port) + form
			resp, err := anonymous.Get(target)
			if err != nil {
				continue // not an HTTP server (gRPC, say)
			}
			var body bytes.Buffer
			_, _ = body.ReadFrom(resp.Body)
			resp.Body.Close()
			require.False(t, resp.StatusCode == http.StatusOK && bytes.Contains(body.Bytes(), secret),
				"an anonymous GET %s read the object", target)
			require.NotEqual(t, http.StatusOK, resp.StatusCode, "an anonymous GET %s was answered: %.200s", target, body.Bytes())
		}
	}
}

// listeningPorts lists the TCP ports this process listens on, from
// /proc/self/fd and /proc/net/tcp{,6}.
func listeningPorts(t *testing.T) []int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err, "the test reads the process's sockets from /proc (Linux)")
	inodes := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	var ports []int
	for _, table := range []string{"/proc/self/net/tcp", "/proc/self/net/tcp6"} {
		f, err := os.Open(table)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != "0A" || !inodes[fields[9]] { // 0A: LISTEN
				continue
			}
			_, hexPort, _ := strings.Cut(fields[1], ":")
			if p, err := strconv.ParseInt(hexPort, 16, 32); err == nil {
				ports = append(ports, int(p))
			}
		}
		f.Close()
	}
	return ports
}
