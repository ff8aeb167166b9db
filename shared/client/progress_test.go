package client

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeClock advances by step at every reading.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(step); return t }
}

func TestProgressPrintsALinePerTenPercentOffTerminal(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, "upload", false, fakeClock(time.Second))
	for done := int64(0); done <= 1000; done += 50 {
		p.Update(done, 1000)
	}
	p.Done()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, 11, "0%%..90%% and the final line:\n%s", out.String())
	require.Contains(t, lines[0], "  0%")
	require.Contains(t, lines[5], " 50%")
	require.Equal(t, "upload [####################] 1000 B / 1000 B 100%  ", lines[10][:len("upload [####################] 1000 B / 1000 B 100%  ")])
	require.NotContains(t, out.String(), "\r", "no redraws off a terminal")
}

func TestProgressRedrawsOnATerminal(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, "download", true, fakeClock(200*time.Millisecond))
	p.Update(512, 2048)
	p.Update(1024, 2048)
	p.Done()
	s := out.String()
	require.Equal(t, 3, strings.Count(s, "\r"), s)
	require.True(t, strings.HasSuffix(s, "\x1b[K\n"), "the last draw ends the line")
	require.Contains(t, s, "download [#####---------------] 512 B / 2.0 KiB  25%")
}

func TestProgressUnknownTotal(t *testing.T) {
	var out bytes.Buffer
	p := newProgress(&out, "download", false, fakeClock(time.Second))
	p.Update(3*1024*1024, -1)
	p.Done()
	require.Contains(t, out.String(), "download [####################] 3.0 MiB / 3.0 MiB 100%")
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB", 5 << 40: "5120.0 GiB"} {
		require.Equal(t, want, humanBytes(n), n)
	}
}
