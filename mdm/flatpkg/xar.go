package flatpkg

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// A xar archive: a 28-byte header, the zlib-compressed XML table of
// contents (TOC), then the heap. The heap starts with the SHA-1 of the
// compressed TOC (the TOC names it as <checksum>), then, when signed, the
// RSA signature of that digest (<signature style="RSA"> with the
// certificate chain in its KeyInfo) and a CMS one (<x-signature
// style="CMS">), as productsign makes them, then every file's bytes. Files are stored unencoded
// (application/octet-stream) with SHA-1 archived and extracted checksums.

const (
	xarMagic      = 0x78617221 // "xar!"
	xarHeaderSize = 28
	xarSHA1       = 1
)

// xarNode is a file or a directory of the archive.
type xarNode struct {
	name     string
	data     []byte // files only
	dir      bool
	children []*xarNode
}

// xarWrite lays out the nodes (top-level first) and returns the archive.
func xarWrite(nodes []*xarNode, mtime time.Time, id *Identity) ([]byte, error) {
	heapStart := int64(sha1.Size)
	var sigSize, cmsSize int
	var key *rsa.PrivateKey
	if id != nil {
		key = id.Key
		sigSize = key.Size()
		sized, err := cmsSignature(id, make([]byte, sha1.Size), mtime, false)
		if err != nil {
			return nil, err
		}
		cmsSize = len(sized)
		heapStart += int64(sigSize + cmsSize)
	}
	var toc strings.Builder
	toc.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<xar>\n <toc>\n")
	toc.WriteString(" <checksum style=\"sha1\">\n  <offset>0</offset>\n  <size>20</size>\n </checksum>\n")
	if id != nil {
		fmt.Fprintf(&toc, " <signature style=\"RSA\">\n  <offset>%d</offset>\n  <size>%d</size>\n", sha1.Size, sigSize)
		toc.WriteString("  <KeyInfo xmlns=\"http://www.w3.org/2000/09/xmldsig#\">\n   <X509Data>\n")
		for _, c := range id.Chain {
			fmt.Fprintf(&toc, "    <X509Certificate>%s</X509Certificate>\n", base64.StdEncoding.EncodeToString(c.Raw))
		}
		toc.WriteString("   </X509Data>\n  </KeyInfo>\n </signature>\n")
		fmt.Fprintf(&toc, " <x-signature style=\"CMS\">\n  <offset>%d</offset>\n  <size>%d</size>\n", sha1.Size+sigSize, cmsSize)
		toc.WriteString("  <KeyInfo xmlns=\"http://www.w3.org/2000/09/xmldsig#\">\n   <X509Data>\n")
		for _, c := range id.Chain {
			fmt.Fprintf(&toc, "    <X509Certificate>%s</X509Certificate>\n", base64.StdEncoding.EncodeToString(c.Raw))
		}
		toc.WriteString("   </X509Data>\n  </KeyInfo>\n </x-signature>\n")
	}
	ts := mtime.UTC().Format("2006-01-02T15:04:05Z")
	fmt.Fprintf(&toc, " <creation-time>%s</creation-time>\n", ts)
	var heap bytes.Buffer
	nextID := 1
	var walk func(n *xarNode, indent string)
	walk = func(n *xarNode, indent string) {
		fmt.Fprintf(&toc, "%s<file id=\"%d\">\n", indent, nextID)
		nextID++
		in := indent + " "
		fmt.Fprintf(&toc, "%s<name>%s</name>\n", in, xmlEscape(n.name))
		mode, typ := "0644", "file"
		if n.dir {
			mode, typ = "0755", "directory"
		}
		fmt.Fprintf(&toc, "%s<type>%s</type>\n%s<mode>%s</mode>\n%s<uid>0</uid>\n%s<gid>0</gid>\n%s<user>root</user>\n%s<group>wheel</group>\n%s<mtime>%s</mtime>\n",
			in, typ, in, mode, in, in, in, in, in, ts)
		if !n.dir {
			sum := sha1.Sum(n.data)
			h := hex.EncodeToString(sum[:])
			fmt.Fprintf(&toc, "%s<data>\n%s <length>%d</length>\n%s <offset>%d</offset>\n%s <size>%d</size>\n%s <encoding style=\"application/octet-stream\"/>\n%s <archived-checksum style=\"sha1\">%s</archived-checksum>\n%s <extracted-checksum style=\"sha1\">%s</extracted-checksum>\n%s</data>\n",
				in, in, len(n.data), in, heapStart+int64(heap.Len()), in, len(n.data), in, in, h, in, h, in)
			heap.Write(n.data)
		}
		for _, c := range n.children {
			walk(c, in)
		}
		fmt.Fprintf(&toc, "%s</file>\n", indent)
	}
	for _, n := range nodes {
		walk(n, " ")
	}
	toc.WriteString(" </toc>\n</xar>\n")

	var ztoc bytes.Buffer
	zw, err := zlib.NewWriterLevel(&ztoc, zlib.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write([]byte(toc.String())); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	digest := sha1.Sum(ztoc.Bytes())

	var out bytes.Buffer
	out.Write(be(uint32(xarMagic), uint16(xarHeaderSize), uint16(1),
		uint64(ztoc.Len()), uint64(toc.Len()), uint32(xarSHA1)))
	out.Write(ztoc.Bytes())
	out.Write(digest[:])
	if key != nil {
		// PKCS #1 v1.5 is deterministic: a signed package is reproducible
		// too.
		sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA1, digest[:])
		if err != nil {
			return nil, fmt.Errorf("sign the package's table of contents: %w", err)
		}
		if len(sig) != sigSize {
			return nil, fmt.Errorf("sign the package's table of contents: signature of %d bytes, want %d", len(sig), sigSize)
		}
		out.Write(sig)
		cms, err := cmsSignature(id, digest[:], mtime, true)
		if err != nil {
			return nil, err
		}
		if len(cms) != cmsSize {
			return nil, fmt.Errorf("sign the package's table of contents: CMS signature of %d bytes, want %d", len(cms), cmsSize)
		}
		out.Write(cms)
	}
	out.Write(heap.Bytes())
	return out.Bytes(), nil
}

func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&apos;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
