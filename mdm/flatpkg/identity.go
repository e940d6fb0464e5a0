package flatpkg

import (
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	"software.sslmate.com/src/go-pkcs12"
)

// Identity signs packages: a Developer ID Installer key and its
// certificate chain, leaf first.
type Identity struct {
	Key   *rsa.PrivateKey
	Chain []*x509.Certificate
}

// LoadP12File reads a PKCS #12 (.p12) identity, as Keychain Access
// exports it, with the password in passwordFile (its first line; empty
// passwordFile: no password).
func LoadP12File(p12File, passwordFile string) (*Identity, error) {
	data, err := os.ReadFile(p12File)
	if err != nil {
		return nil, fmt.Errorf("signing identity: %w", err)
	}
	var password string
	if passwordFile != "" {
		pw, err := os.ReadFile(passwordFile)
		if err != nil {
			return nil, fmt.Errorf("signing identity %s: password file: %w", p12File, err)
		}
		password, _, _ = strings.Cut(string(pw), "\n")
		password = strings.TrimSuffix(password, "\r")
	}
	id, err := LoadP12(data, password)
	if err != nil {
		return nil, fmt.Errorf("signing identity %s: %w", p12File, err)
	}
	return id, nil
}

// LoadP12 decodes a PKCS #12 identity holding an RSA key.
func LoadP12(data []byte, password string) (*Identity, error) {
	key, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if errors.Is(err, pkcs12.ErrIncorrectPassword) {
		return nil, errors.New("wrong password (check SIGN_P12_PASSWORD_FILE)")
	}
	if err != nil {
		return nil, fmt.Errorf("not a readable PKCS #12 identity: %w", err)
	}
	rk, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the key is %T; package signatures need an RSA key (a Developer ID Installer identity)", key)
	}
	if pub, ok := leaf.PublicKey.(*rsa.PublicKey); !ok || !pub.Equal(&rk.PublicKey) {
		return nil, errors.New("the certificate does not belong to the key")
	}
	return &Identity{Key: rk, Chain: append([]*x509.Certificate{leaf}, cas...)}, nil
}
