package helper

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// call runs one extended command and returns the body of a zero status.
func (c Client) call(ctx context.Context, req Request) ([]byte, error) {
	conn, err := c.start(ctx, req)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := readHello(conn); err != nil {
		return nil, err
	}
	st, body, err := ReadReply(conn)
	if err != nil {
		return nil, fmt.Errorf("vmnetd %s: %w", req.Command, err)
	}
	if st != StatusOK {
		return nil, &StatusError{Status: st, Message: string(body)}
	}
	return body, nil
}

// Version asks vmnetd who it is; a live helper always answers.
func (c Client) Version(ctx context.Context) (VersionInfo, error) {
	body, err := c.call(ctx, Request{Command: CmdVersion})
	if err != nil {
		return VersionInfo{}, err
	}
	var v VersionInfo
	if err := json.Unmarshal(body, &v); err != nil {
		return VersionInfo{}, fmt.Errorf("vmnetd version reply: %w", err)
	}
	return v, nil
}

// Policy returns the cached Registry Access Management policy, or
// ErrNoPolicy.
func (c Client) Policy(ctx context.Context) ([]byte, error) {
	body, err := c.call(ctx, Request{Command: CmdPolicyGet})
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return nil, ErrNoPolicy
	}
	return body, nil
}

// SetPolicy sends a policy (root) or a signed envelope (see SignPolicy).
func (c Client) SetPolicy(ctx context.Context, data []byte) error {
	_, err := c.call(ctx, Request{Command: CmdPolicySet, Payload: data})
	return err
}

// Uninstall asks vmnetd to remove its plist and binary and exit.
func (c Client) Uninstall(ctx context.Context) error {
	_, err := c.call(ctx, Request{Command: CmdUninstall})
	return err
}

// Hello exchanges only the VMN3T hello: what every helper answers,
// Docker's own included (it knows none of our commands). It returns the
// server's hello.
func (c Client) Hello(ctx context.Context) (Hello, error) {
	nc, deadline, err := c.dial(ctx)
	if err != nil {
		return Hello{}, err
	}
	defer nc.Close()
	nc.SetDeadline(deadline)
	if _, err := nc.Write(MarshalHello(Hello{Version: ProtocolVersion, Commit: clientCommit})); err != nil {
		return Hello{}, closedHint(fmt.Errorf("sending hello to vmnetd: %w", err))
	}
	var h [HelloSize]byte
	if _, err := io.ReadFull(nc, h[:]); err != nil {
		return Hello{}, closedHint(fmt.Errorf("vmnetd handshake: %w", err))
	}
	return ParseHello(h[:])
}
