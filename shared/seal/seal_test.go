package seal_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/seal"
)

var allKEMs = []string{seal.KEMX25519, seal.KEMMLKEM768X25519}

func TestRoundTrip(t *testing.T) {
	for _, kem := range allKEMs {
		t.Run(kem, func(t *testing.T) {
			priv, sealTo, err := seal.GenerateKey(kem)
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(sealTo, kem+":"))
			pub, err := seal.ParsePublicKey(sealTo)
			require.NoError(t, err)
			require.Equal(t, kem, pub.KEM())
			require.Equal(t, sealTo, pub.String())

			msg := []byte(`{"jobToken":"secret","workflowToken":"eyJ..."}`)
			sealed, err := seal.Seal(pub, "j_abc", 3, msg)
			require.NoError(t, err)
			require.NotContains(t, sealed, "secret")
			got, err := seal.Open(priv, "j_abc", 3, sealed)
			require.NoError(t, err)
			require.Equal(t, msg, got)

			// Two seals of the same plaintext differ (fresh encapsulation).
			again, err := seal.Seal(pub, "j_abc", 3, msg)
			require.NoError(t, err)
			require.NotEqual(t, sealed, again)

			// URL-safe unpadded base64 of the key parses to the same key.
			raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealTo, kem+":"))
			require.NoError(t, err)
			pub2, err := seal.ParsePublicKey(kem + ":" + base64.RawURLEncoding.EncodeToString(raw))
			require.NoError(t, err)
			require.Equal(t, sealTo, pub2.String())

			// Private key marshal round trip.
			m, err := priv.Marshal()
			require.NoError(t, err)
			priv2, err := seal.ParsePrivateKey(m)
			require.NoError(t, err)
			got, err = seal.Open(priv2, "j_abc", 3, sealed)
			require.NoError(t, err)
			require.Equal(t, msg, got)
		})
	}
}

func TestOpenFailures(t *testing.T) {
	for _, kem := range allKEMs {
		t.Run(kem, func(t *testing.T) {
			priv, _, err := seal.GenerateKey(kem)
			require.NoError(t, err)
			other, _, err := seal.GenerateKey(kem)
			require.NoError(t, err)
			sealed, err := seal.Seal(priv.PublicKey(), "j_abc", 3, []byte("bundle"))
			require.NoError(t, err)
			raw, err := base64.StdEncoding.DecodeString(sealed)
			require.NoError(t, err)

			tamper := func(i int) string {
				b := append([]byte(nil), raw...)
				b[i] ^= 1
				return base64.StdEncoding.EncodeToString(b)
			}
			cases := map[string]struct {
				priv   seal.PrivateKey
				job    string
				epoch  int64
				sealed string
			}{
				"other key":          {other, "j_abc", 3, sealed},
				"other job":          {priv, "j_abd", 3, sealed},
				"other epoch":        {priv, "j_abc", 4, sealed},
				"tampered tag":       {priv, "j_abc", 3, tamper(len(raw) - 1)},
				"tampered body":      {priv, "j_abc", 3, tamper(len(raw) - 17)},
				"tampered enc":       {priv, "j_abc", 3, tamper(0)},
				"truncated":          {priv, "j_abc", 3, base64.StdEncoding.EncodeToString(raw[:len(raw)-1])},
				"enc only":           {priv, "j_abc", 3, base64.StdEncoding.EncodeToString(raw[:10])},
				"not base64":         {priv, "j_abc", 3, "!!!"},
				"empty":              {priv, "j_abc", 3, ""},
				"zero private key":   {seal.PrivateKey{}, "j_abc", 3, sealed},
				"other kem same job": {mustOtherKEM(t, kem), "j_abc", 3, sealed},
			}
			for name, c := range cases {
				t.Run(name, func(t *testing.T) {
					_, err := seal.Open(c.priv, c.job, c.epoch, c.sealed)
					require.Error(t, err)
					require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
				})
			}
		})
	}
}

func mustOtherKEM(t *testing.T, kem string) seal.PrivateKey {
	other := seal.KEMX25519
	if kem == seal.KEMX25519 {
		other = seal.KEMMLKEM768X25519
	}
	k, _, err := seal.GenerateKey(other)
	require.NoError(t, err)
	return k
}

func TestInfo(t *testing.T) {
	require.Equal(t, []byte("valet auth bundle v1\x00j_abc\x0042"), seal.Info("j_abc", 42))
	require.NotEqual(t, seal.Info("j_a", 12), seal.Info("j_a1", 2))
}

func TestSealZeroKey(t *testing.T) {
	_, err := seal.Seal(seal.PublicKey{}, "j", 1, []byte("x"))
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
}

func TestParsePublicKeyBadInput(t *testing.T) {
	_, x, err := seal.GenerateKey(seal.KEMX25519)
	require.NoError(t, err)
	_, h, err := seal.GenerateKey(seal.KEMMLKEM768X25519)
	require.NoError(t, err)
	xb64 := strings.TrimPrefix(x, "x25519:")
	hb64 := strings.TrimPrefix(h, "mlkem768x25519:")
	short := base64.StdEncoding.EncodeToString(make([]byte, 31))
	cases := map[string]string{
		"empty":                "",
		"no prefix":            xb64,
		"wrong prefix":         "p256:" + xb64,
		"upper prefix":         "X25519:" + xb64,
		"mlkem768 alone":       "mlkem768:" + hb64,
		"bad base64":           "x25519:not*base64!",
		"empty key":            "x25519:",
		"x25519 too short":     "x25519:" + short,
		"x25519 too long":      "x25519:" + base64.StdEncoding.EncodeToString(make([]byte, 33)),
		"hybrid key as x25519": "x25519:" + hb64,
		"x25519 key as hybrid": "mlkem768x25519:" + xb64,
		"hybrid truncated":     "mlkem768x25519:" + base64.StdEncoding.EncodeToString(make([]byte, 1215)),
		"mixed alphabets":      "x25519:ab-/" + xb64[4:],
		"double prefix":        "x25519:x25519:" + xb64,
		"trailing garbage":     x + "AAAA",
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := seal.ParsePublicKey(in)
			require.Error(t, err)
			var ae *apperr.Error
			require.ErrorAs(t, err, &ae)
			require.Equal(t, apperr.Invalid, ae.Code)
			require.NotEmpty(t, ae.Message)
		})
	}
}

func TestGenerateKeyUnknownKEM(t *testing.T) {
	_, _, err := seal.GenerateKey("rsa")
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
}

func FuzzParsePublicKey(f *testing.F) {
	for _, kem := range allKEMs {
		_, s, err := seal.GenerateKey(kem)
		require.NoError(f, err)
		f.Add(s)
	}
	f.Add("x25519:")
	f.Add("mlkem768x25519:AAAA")
	f.Add(":")
	f.Fuzz(func(t *testing.T, s string) {
		pub, err := seal.ParsePublicKey(s)
		if err != nil {
			require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
			return
		}
		_, err = seal.Seal(pub, "j", 1, []byte("x"))
		require.NoError(t, err)
	})
}

func FuzzOpen(f *testing.F) {
	priv, _, err := seal.GenerateKey(seal.KEMX25519)
	require.NoError(f, err)
	sealed, err := seal.Seal(priv.PublicKey(), "j_abc", 1, []byte("bundle"))
	require.NoError(f, err)
	f.Add(sealed, "j_abc", int64(1))
	f.Add("", "", int64(0))
	f.Add("AAAA", "j", int64(-1))
	f.Fuzz(func(t *testing.T, sealed, job string, epoch int64) {
		pt, err := seal.Open(priv, job, epoch, sealed)
		if err != nil {
			require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
			return
		}
		require.Equal(t, []byte("bundle"), pt)
	})
}
