package flatpkg

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/asn1"
	"fmt"
	"sort"
	"time"
)

// The x-signature productsign writes beside the RSA one: a detached CMS
// (PKCS #7) SignedData over the TOC digest, with the certificate chain
// and signed attributes (content type, signing time, message digest),
// RSA with SHA-1. The signing time is the package's time, so the bytes
// stay reproducible.

var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSHA1          = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidRSA           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
)

// tlv is one DER element: tag, definite length, content.
func tlv(tag byte, parts ...[]byte) []byte {
	content := bytes.Join(parts, nil)
	n := len(content)
	var out []byte
	switch {
	case n < 0x80:
		out = []byte{tag, byte(n)}
	case n < 0x100:
		out = []byte{tag, 0x81, byte(n)}
	case n < 0x10000:
		out = []byte{tag, 0x82, byte(n >> 8), byte(n)}
	default:
		out = []byte{tag, 0x83, byte(n >> 16), byte(n >> 8), byte(n)}
	}
	return append(out, content...)
}

func der(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err) // only fixed, well-formed values reach here
	}
	return b
}

// setOf is a DER SET OF: the elements sorted by their encoding.
func setOf(elems ...[]byte) []byte {
	s := append([][]byte(nil), elems...)
	sort.Slice(s, func(i, j int) bool { return bytes.Compare(s[i], s[j]) < 0 })
	return tlv(0x31, s...)
}

func algorithm(oid asn1.ObjectIdentifier) []byte {
	return tlv(0x30, der(oid), asn1.NullBytes)
}

// cmsSignature returns the DER ContentInfo; with sign false the RSA
// signature is zeros of the right length (to size the TOC's entry).
func cmsSignature(id *Identity, content []byte, at time.Time, sign bool) ([]byte, error) {
	leaf := id.Chain[0]
	digest := sha1.Sum(content)
	attrs := setOf(
		tlv(0x30, der(oidContentType), setOf(der(oidData))),
		tlv(0x30, der(oidSigningTime), setOf(der(at.UTC()))),
		tlv(0x30, der(oidMessageDigest), setOf(der(digest[:]))),
	)
	sig := make([]byte, id.Key.Size())
	if sign {
		h := sha1.Sum(attrs)
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, id.Key, crypto.SHA1, h[:]); err != nil {
			return nil, fmt.Errorf("sign the package's CMS signature: %w", err)
		}
	}
	signedAttrs := append([]byte{0xa0}, attrs[1:]...) // [0] IMPLICIT
	signer := tlv(0x30,
		der(1),
		tlv(0x30, leaf.RawIssuer, der(leaf.SerialNumber)),
		algorithm(oidSHA1),
		signedAttrs,
		algorithm(oidRSA),
		der(sig),
	)
	var certs [][]byte
	for _, c := range id.Chain {
		certs = append(certs, c.Raw)
	}
	signedData := tlv(0x30,
		der(1),
		setOf(algorithm(oidSHA1)),
		tlv(0x30, der(oidData)), // detached: no content
		tlv(0xa0, certs...),
		setOf(signer),
	)
	return tlv(0x30, der(oidSignedData), tlv(0xa0, signedData)), nil
}
