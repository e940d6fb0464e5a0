package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/renameio/v2"

	"github.com/macfleet/installer/mdm/flatpkg"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "mkdist: %s\n", strings.Join(strings.Fields(err.Error()), " "))
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, log io.Writer) error {
	fl := flag.NewFlagSet("mkdist", flag.ContinueOnError)
	fl.SetOutput(log)
	out := fl.String("out", "dist", "output directory")
	version := fl.String("version", getenv("VERSION"), "version (default: the latest vX.Y.Z tag, else 0.0.0-dev+<commit>)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fl.Arg(0))
	}
	o := Options{Out: *out, Version: *version, Log: log,
		SignP12: getenv("SIGN_P12"), SignPasswordFile: getenv("SIGN_P12_PASSWORD_FILE")}
	if s := getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("SOURCE_DATE_EPOCH %q: want seconds since 1970", s)
		}
		o.Epoch = time.Unix(n, 0)
	}
	_, err := Build(ctx, o)
	return err
}

// Options say what to build.
type Options struct {
	Out string
	// Version is the version every product reports; empty: from git.
	Version string
	// Epoch is the time every archive entry carries; zero: the commit's.
	Epoch time.Time
	// SignP12 and SignPasswordFile name the signing identity (none:
	// unsigned packages).
	SignP12, SignPasswordFile string
	Log                       io.Writer
}

// ProductID is the tool package's identifier (and the receipt's).
const ProductID = "com.github.macfleet.installer"

// Prefix is where the package installs the tool: off the default PATH,
// so Apple's /usr/sbin/installer keeps its name (docs/contract.md §1).
const Prefix = "/usr/local/macfleet"

var semverTag = regexp.MustCompile(`^v(\d+\.\d+\.\d+)$`)

// Version is the version of the source in dir: the latest vX.Y.Z tag
// reachable from HEAD, else 0.0.0-dev+<commit>.
func Version(dir string) (string, error) {
	tags, err := git(dir, "tag", "--merged", "HEAD", "--sort=-v:refname", "--list", "v[0-9]*.[0-9]*.[0-9]*")
	if err != nil {
		return "", err
	}
	for _, t := range strings.Fields(tags) {
		if m := semverTag.FindStringSubmatch(t); m != nil {
			return m[1], nil
		}
	}
	commit, err := git(dir, "rev-parse", "--short=12", "HEAD")
	if err != nil {
		return "", err
	}
	return "0.0.0-dev+" + strings.TrimSpace(commit), nil
}

func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s (make dist needs a git checkout, or VERSION and SOURCE_DATE_EPOCH)", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// LDFlags set the version in both binaries, so that installer version,
// installer --version and vmnetd --version print the same.
func LDFlags(version string) string {
	return "-s -w -buildid= -X github.com/macfleet/installer/cmd/installer/app.Version=" + version +
		" -X main.Version=" + version
}

// Names are the files of the distribution (docs/contract.md §12), in the order Build
// writes them: SHA256SUMS last.
func Names(version string) []string {
	return []string{"installer", "vmnetd",
		"macfleet-installer-" + version + ".pkg",
		"macfleet-installer-uninstall-" + version + ".pkg",
		"SHA256SUMS"}
}

// Result lists what Build wrote.
type Result struct {
	Version string
	Files   []string // names in Out
}

// Build makes the distribution. Every byte is made before the first
// file is written, so a failure (a bad signing identity, a build error)
// leaves Out as it was.
func Build(ctx context.Context, o Options) (Result, error) {
	src, err := moduleRoot()
	if err != nil {
		return Result{}, err
	}
	if o.Version == "" {
		if o.Version, err = Version(src); err != nil {
			return Result{}, err
		}
	}
	if !regexp.MustCompile(`^[0-9A-Za-z.+-]+$`).MatchString(o.Version) {
		return Result{}, fmt.Errorf("version %q: want letters, digits, dots, + and -", o.Version)
	}
	if o.Epoch.IsZero() {
		ct, err := git(src, "log", "-1", "--format=%ct")
		if err != nil {
			return Result{}, err
		}
		n, err := strconv.ParseInt(strings.TrimSpace(ct), 10, 64)
		if err != nil {
			return Result{}, fmt.Errorf("commit time %q: %w", ct, err)
		}
		o.Epoch = time.Unix(n, 0)
	}
	var id *flatpkg.Identity
	if o.SignP12 != "" {
		if id, err = flatpkg.LoadP12File(o.SignP12, o.SignPasswordFile); err != nil {
			return Result{}, err
		}
	} else if o.SignPasswordFile != "" {
		return Result{}, errors.New("SIGN_P12_PASSWORD_FILE given without SIGN_P12")
	}

	bins := map[string][]byte{}
	for _, name := range []string{"installer", "vmnetd"} {
		fat, err := buildUniversal(ctx, src, name, o.Version)
		if err != nil {
			return Result{}, err
		}
		bins[name] = fat
	}
	man := manPage(o.Version)

	files := map[string][]byte{"installer": bins["installer"], "vmnetd": bins["vmnetd"]}
	names := Names(o.Version)
	toolPkg, uninstallPkg := names[2], names[3]
	if files[toolPkg], err = ToolPackage(o.Version, o.Epoch, bins["installer"], bins["vmnetd"], man).Bytes(id); err != nil {
		return Result{}, err
	}
	if files[uninstallPkg], err = UninstallPackage(o.Version, o.Epoch).Bytes(id); err != nil {
		return Result{}, err
	}
	var sums strings.Builder
	for _, n := range []string{"installer", toolPkg, uninstallPkg, "vmnetd"} {
		fmt.Fprintf(&sums, "%x  %s\n", sha256.Sum256(files[n]), n)
	}
	files["SHA256SUMS"] = []byte(sums.String())

	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return Result{}, fmt.Errorf("output directory: %w", err)
	}
	for _, n := range names {
		mode := os.FileMode(0o644)
		if n == "installer" || n == "vmnetd" {
			mode = 0o755
		}
		if err := writeFile(filepath.Join(o.Out, n), files[n], mode); err != nil {
			return Result{}, err
		}
		if o.Log != nil {
			fmt.Fprintf(o.Log, "%s/%s\n", o.Out, n)
		}
	}
	return Result{Version: o.Version, Files: names}, nil
}

// writeFile replaces name atomically, with exactly mode (whatever the
// umask or an earlier file's mode).
func writeFile(name string, data []byte, mode os.FileMode) error {
	if err := renameio.WriteFile(name, data, mode, renameio.WithStaticPermissions(mode)); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run mkdist inside the module (make dist)")
	}
	return filepath.Dir(mod), nil
}

// buildUniversal builds cmd/<name> for darwin arm64 and amd64, checks the
// arm64 slice's ad-hoc signature and joins the two.
func buildUniversal(ctx context.Context, src, name, version string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "mkdist-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	// Both architectures at once: linking is single-threaded.
	archs := []string{"arm64", "amd64"}
	slices := make([][]byte, len(archs))
	errs := make([]error, len(archs))
	var wg sync.WaitGroup
	for i, arch := range archs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slices[i], errs[i] = buildThin(ctx, src, tmp, name, arch, version)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	fat, err := universal(slices...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return fat, nil
}

func buildThin(ctx context.Context, src, tmp, name, arch, version string) ([]byte, error) {
	bin := filepath.Join(tmp, name+"-"+arch)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags", LDFlags(version), "-o", bin, "./cmd/"+name)
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=darwin", "GOARCH="+arch, "CGO_ENABLED=0", "GOFLAGS=-mod=readonly")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build %s for darwin/%s: %w: %s", name, arch, err, strings.TrimSpace(string(out)))
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	if arch == "arm64" {
		if err := checkAdhocSignature(data); err != nil {
			return nil, fmt.Errorf("%s darwin/arm64: %w", name, err)
		}
	}
	return data, nil
}
