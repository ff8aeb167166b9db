package stack

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"valet.dev/valet/shared/identity"
)

// WaitHealthy polls every function's health route, the issuer's discovery
// document and the gate until each answers, or fails after timeout naming
// what did not answer.
func (s *Stack) WaitHealthy(ctx context.Context, timeout time.Duration) error {
	checks := map[string]string{
		"issuer":  s.Info.Issuer + "/.well-known/openid-configuration",
		"storage": s.Info.Storage + "/", // the gate answers 403 to unsigned requests
	}
	for name, url := range s.Info.Functions {
		checks["function "+name] = url + "/healthz"
	}
	client := &http.Client{Timeout: 2 * time.Second}
	// A private function's front door wants its invoker's token.
	doors := map[string]string{}
	for name := range s.Info.Functions {
		tok, err := s.InvokerToken(name)
		if err != nil {
			return err
		}
		doors["function "+name] = tok
	}
	deadline := time.Now().Add(timeout)
	for name, url := range checks {
		for {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if tok := doors[name]; tok != "" {
				req.Header.Set(identity.ServerlessAuthorization, "Bearer "+tok)
			}
			resp, err := client.Do(req)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode < 500 && (name == "storage" || resp.StatusCode == http.StatusOK) {
					break
				}
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s did not answer on %s: %w", name, url, err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}

func setenv(k, v string) error {
	if err := os.Setenv(k, v); err != nil {
		return fmt.Errorf("set %s: %w", k, err)
	}
	return nil
}
