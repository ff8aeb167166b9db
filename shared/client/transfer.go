package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// ProgressFunc is told the bytes moved so far and the total (-1 when
// unknown). It is called from the transferring goroutine.
type ProgressFunc func(done, total int64)

// countingReader reports progress as a body is read.
type countingReader struct {
	r        io.Reader
	done     int64
	total    int64
	progress ProgressFunc
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.done += int64(n)
	if n > 0 && c.progress != nil {
		c.progress(c.done, c.total)
	}
	return n, err
}

// Upload PUTs size bytes of body to a signed upload URL with exactly the
// headers it binds. Storage's refusal is an *Error (its XML body
// summarised); the URL itself never appears in an error.
func Upload(ctx context.Context, u SignedURL, body io.Reader, size int64, progress ProgressFunc) error {
	method := u.Method
	if method == "" {
		method = http.MethodPut
	}
	cr := &countingReader{r: body, total: size, progress: progress}
	req, err := http.NewRequestWithContext(ctx, method, u.URL, cr)
	if err != nil {
		return fmt.Errorf("bad signed URL")
	}
	req.ContentLength = size
	if size == 0 {
		req.Body = http.NoBody
	}
	for k, v := range u.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("upload: %w", redactURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return decodeError(resp)
	}
	if progress != nil && size == 0 {
		progress(0, 0)
	}
	return nil
}

// Download GETs a signed download URL into w and returns the bytes written.
func Download(ctx context.Context, u SignedURL, w io.Writer, progress ProgressFunc) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.URL, nil)
	if err != nil {
		return 0, fmt.Errorf("bad signed URL")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("download: %w", redactURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, decodeError(resp)
	}
	cr := &countingReader{r: resp.Body, total: resp.ContentLength, progress: progress}
	n, err := io.Copy(w, cr)
	if err != nil {
		return n, fmt.Errorf("download: %w", redactURL(err))
	}
	if progress != nil && n == 0 {
		progress(0, 0)
	}
	return n, nil
}
