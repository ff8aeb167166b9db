package logging

import (
	"container/list"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Redacted replaces every masked secret.
const Redacted = "***"

// MinSecretLen is the shortest value Register accepts: shorter values are too
// likely to occur in ordinary text, and no valet secret is that short.
const MinSecretLen = 8

// DefaultMasker is the process's registry of secrets valet issued or
// verified outside any request (background work) and of those it hands to
// jobs: job tokens and the secrets it keeps for them. It is bounded
// (DefaultCapacity secrets, each forgotten DefaultTTL after it was last
// registered), so no caller can grow it without limit. Secrets that belong
// to one request are registered in that request's scope instead
// (RegisterSecret, WithSecretScope). Tests inject their own Masker through
// Options.Masker.
var DefaultMasker = NewMasker()

// The bounds of DefaultMasker and of every NewMasker.
const (
	// DefaultCapacity is how many secrets a Masker remembers; registering
	// one more forgets the least recently registered.
	DefaultCapacity = 4096
	// DefaultTTL is how long a Masker remembers a secret after its last
	// registration: longer than any job (24 h) lives.
	DefaultTTL = 25 * time.Hour
)

// maxPasses bounds how often Mask re-scans its own output. Replacing an
// encoding with "***" can join its neighbours into another match; every
// registered replacement shortens the text, so a handful of passes always
// suffices in practice. If they do not, Mask gives up and returns Redacted.
const maxPasses = 16

// filterBits is the size of the prefix filter: one bit per hashed 8-byte
// prefix of a registered pattern.
const filterBits = 1 << 16

// Masker replaces registered secrets, in every encoding they usually travel
// in, and credential-shaped text with Redacted. It is safe for concurrent
// use. The zero value is not usable; call NewMasker.
//
// Registered patterns are found with a bit filter over the hash of each
// 8-byte window followed by a map lookup of that window, so Mask costs about
// a nanosecond per byte whatever the number of secrets, and Register costs
// only its own patterns. A Masker holds at most its capacity of secrets and
// forgets each after its TTL: memory stays bounded whoever registers.
type Masker struct {
	mu       sync.RWMutex
	secrets  map[string]*list.Element // of *entry, in order
	order    *list.List               // least recently registered first
	filter   []uint64                 // filterBits bits, set for hashed pattern prefixes
	counts   map[uint64]int           // patterns per filter bit, to clear it when the last goes
	byPrefix map[uint64][]string      // patterns by their first 8 bytes
	capacity int
	ttl      time.Duration
	now      func() time.Time
}

// entry is one registered secret and the patterns it added.
type entry struct {
	secret   string
	patterns []string
	at       time.Time
}

// MaskerOptions bound a Masker.
type MaskerOptions struct {
	// Capacity is how many secrets it remembers: DefaultCapacity when zero.
	Capacity int
	// TTL is how long it remembers a secret after its last registration:
	// DefaultTTL when zero, forever when negative.
	TTL time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// NewMasker returns an empty Masker with the default bounds.
func NewMasker() *Masker { return NewMaskerWith(MaskerOptions{}) }

// NewMaskerWith returns an empty Masker bounded by opts.
func NewMaskerWith(opts MaskerOptions) *Masker {
	m := &Masker{
		secrets:  make(map[string]*list.Element),
		order:    list.New(),
		filter:   make([]uint64, filterBits/64),
		counts:   make(map[uint64]int),
		byPrefix: make(map[uint64][]string),
		capacity: opts.Capacity,
		ttl:      opts.TTL,
		now:      opts.Now,
	}
	if m.capacity <= 0 {
		m.capacity = DefaultCapacity
	}
	if m.ttl == 0 {
		m.ttl = DefaultTTL
	}
	if m.now == nil {
		m.now = time.Now
	}
	return m
}

// Register adds secret to the registry; from now on Mask replaces it and its
// encodings (see encodings) until it is forgotten: when it has not been
// registered again for the Masker's TTL, or when its capacity is reached
// and it is the least recently registered. Values shorter than
// MinSecretLen are ignored.
//
// Register only values valet itself issued or verified: whatever is
// registered disappears from the logs.
func (m *Masker) Register(secret string) {
	if len(secret) < MinSecretLen {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.expire(now)
	if el, ok := m.secrets[secret]; ok {
		el.Value.(*entry).at = now
		m.order.MoveToBack(el)
		return
	}
	for len(m.secrets) >= m.capacity {
		m.forget(m.order.Front())
	}
	e := &entry{secret: secret, patterns: encodings(secret), at: now}
	for _, p := range e.patterns {
		w := window(p, 0)
		h := windowHash(w)
		m.filter[h/64] |= 1 << (h % 64)
		m.counts[h]++
		m.byPrefix[w] = append(m.byPrefix[w], p)
	}
	m.secrets[secret] = m.order.PushBack(e)
}

// Len is how many secrets the Masker remembers now.
func (m *Masker) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.secrets)
}

// expire forgets the secrets not registered again for the TTL.
func (m *Masker) expire(now time.Time) {
	if m.ttl < 0 {
		return
	}
	for el := m.order.Front(); el != nil && now.Sub(el.Value.(*entry).at) >= m.ttl; el = m.order.Front() {
		m.forget(el)
	}
}

// forget removes one registered secret and its patterns.
func (m *Masker) forget(el *list.Element) {
	e := m.order.Remove(el).(*entry)
	delete(m.secrets, e.secret)
	for _, p := range e.patterns {
		w := window(p, 0)
		h := windowHash(w)
		if m.counts[h]--; m.counts[h] <= 0 {
			delete(m.counts, h)
			m.filter[h/64] &^= 1 << (h % 64)
		}
		ps := m.byPrefix[w]
		if i := slices.Index(ps, p); i >= 0 {
			ps = slices.Delete(ps, i, i+1)
		}
		if len(ps) == 0 {
			delete(m.byPrefix, w)
		} else {
			m.byPrefix[w] = ps
		}
	}
}

// Mask returns s with every registered secret, each of its encodings and
// every credential-shaped substring (see shapes) replaced by Redacted.
func (m *Masker) Mask(s string) string {
	for range maxPasses {
		out, changed := m.maskOnce(s)
		if !changed {
			return out
		}
		s = out
	}
	return Redacted
}

func (m *Masker) maskOnce(s string) (string, bool) {
	out, changed := m.maskRegistered(s)
	for _, sh := range shapes {
		if !sh.mayMatch(out) {
			continue
		}
		if next := sh.re.ReplaceAllString(out, sh.repl); next != out {
			out, changed = next, true
		}
	}
	return out, changed
}

// maskRegistered replaces the union of all occurrences of registered
// patterns, so that overlapping encodings cannot leave a piece visible.
func (m *Masker) maskRegistered(s string) (string, bool) {
	if len(s) < MinSecretLen {
		return s, false
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if len(m.secrets) == 0 {
		return s, false
	}
	var (
		b          strings.Builder
		written    int // bytes of s already copied or replaced
		start, end = -1, -1
	)
	flush := func() {
		b.WriteString(s[written:start])
		b.WriteString(Redacted)
		written = end
	}
	for i := 0; i+8 <= len(s); i++ {
		w := window(s, i)
		h := windowHash(w)
		if m.filter[h/64]&(1<<(h%64)) == 0 {
			continue
		}
		for _, p := range m.byPrefix[w] {
			if !strings.HasPrefix(s[i:], p) {
				continue
			}
			switch {
			case start < 0:
				start, end = i, i+len(p)
			case i <= end:
				end = max(end, i+len(p))
			default:
				flush()
				start, end = i, i+len(p)
			}
		}
	}
	if start < 0 {
		return s, false
	}
	flush()
	b.WriteString(s[written:])
	return b.String(), true
}

// window reads s[i:i+8] as a little-endian uint64.
func window(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

func windowHash(w uint64) uint64 {
	return (w * 0x9E3779B97F4A7C15) >> (64 - 16)
}

// shape is credential-shaped text masked whether or not it was registered.
type shape struct {
	hint     string // a substring every match contains, checked first
	foldHint bool   // hint is lowercase ASCII and matched case-insensitively
	re       *regexp.Regexp
	repl     string
}

func (sh shape) mayMatch(s string) bool {
	if !sh.foldHint {
		return strings.Contains(s, sh.hint)
	}
	return containsFold(s, sh.hint)
}

// shapes are the credentials recognised by their form:
//   - a JWT (or JWE): base64url segments joined by dots, the first starting
//     with "eyJ" (the encoding of `{"`);
//   - the credential after "Bearer " (any case), up to whitespace, a quote or
//     a backslash; at least 8 characters, so that prose such as "a bearer
//     token is required" stays readable;
//   - the value of an X-Goog-Signature query parameter (V4 signed URLs), also
//     when the URL is itself query-escaped;
//   - a valet API token: "valet_" and at least 16 characters of [A-Za-z0-9_-].
var shapes = []shape{
	{hint: "eyJ", re: regexp.MustCompile(`eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){2,4}`), repl: Redacted},
	{hint: "bearer", foldHint: true, re: regexp.MustCompile(`(?i)(bearer\s+)[^\s"'\x60\\]{8,}`), repl: "${1}" + Redacted},
	{hint: "x-goog-signature", foldHint: true, re: regexp.MustCompile(`(?i)(x-goog-signature(?:=|%3d))[^&\s"'\\]+`), repl: "${1}" + Redacted},
	{hint: "valet_", re: regexp.MustCompile(`valet_[A-Za-z0-9_-]{16,}`), repl: Redacted},
}

// containsFold reports whether s contains the lowercase ASCII string sub,
// ignoring ASCII case, without allocating.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 == sub[0] && strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
